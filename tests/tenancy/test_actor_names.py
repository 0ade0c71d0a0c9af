"""Timelines name who acted (tenancy.audit.actor_name): the person's name as it reads now, the
label recorded at the time when the user is gone, "system" for the scheduled jobs; never a
query per event."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.audit import actor_name, audit_record
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.contracts.factories import AgreementFactory
from tests.governance.factories import ChangeRequestFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db

PAGES = "/o/alpha"


def test_an_event_names_the_person_then_the_recorded_label_then_the_system(org_a, make_member):
    named = make_member(org_a, email="ines@alpha.test", full_name="Inès Moreau")
    unnamed = make_member(org_a, email="kim@alpha.test", full_name="")
    with tenant_scope(org_a):
        by_named = audit_record(action="tenancy.test.done", actor=named)
        by_unnamed = audit_record(action="tenancy.test.done", actor=unnamed)
        by_integration = audit_record(action="tenancy.test.done", actor_label="EDI gateway")
        by_nobody = audit_record(action="tenancy.test.done")
        events = AuditEvent.objects.select_related("actor").order_by("sequence")
        names = [actor_name(e) for e in events]
    assert names == ["Inès Moreau", "kim@alpha.test", "EDI gateway", "system"]
    assert by_named.actor_label == "ines@alpha.test"  # the trail itself keeps the e-mail
    assert {by_unnamed.pk, by_integration.pk, by_nobody.pk} < {e.pk for e in events}


def test_an_event_without_its_user_reads_as_the_e_mail_recorded_at_the_time():
    # The trail is append-only; an event whose user row is gone keeps only the label.
    event = AuditEvent(actor=None, actor_label="leaver@alpha.test")
    assert actor_name(event) == "leaver@alpha.test"


@pytest.fixture
def acted(org_a, owner):
    """A change request, a risk and an agreement, each with one event by the owner."""
    with tenant_scope(org_a):
        objects = {
            "change_request": ChangeRequestFactory(organization=org_a),
            "risk": RiskFactory(organization=org_a),
            "agreement": AgreementFactory(organization=org_a),
        }
        for obj in objects.values():
            audit_record(action=f"{obj._meta.app_label}.x.updated", actor=owner, obj=obj)
    return objects


def _pages(acted) -> list[tuple[str, str]]:
    """(page, the heading its timeline starts at)."""
    return [
        (f"{PAGES}/governance/change-requests/{acted['change_request'].pk}/", "Timeline"),
        (f"{PAGES}/risk/risks/{acted['risk'].pk}/", "History"),
        (f"{PAGES}/contracts/agreements/{acted['agreement'].pk}/", "Timeline"),
    ]


def test_every_timeline_names_the_person_not_the_e_mail(acted, owner, client_as):
    client = client_as(owner)
    assert owner.full_name
    for url, heading in _pages(acted):
        html = client.get(url).content.decode()
        timeline = html[html.index(f">{heading}</h2>") :]
        assert owner.full_name in timeline, url
        assert owner.email not in timeline, url


def test_a_timeline_costs_the_same_queries_for_one_event_or_six(
    acted, org_a, owner, make_member, client_as
):
    client = client_as(owner)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = [queries(url) for url, _ in _pages(acted)]
    with tenant_scope(org_a):
        for n in range(5):
            someone = make_member(org_a, email=f"person{n}@alpha.test")
            for obj in acted.values():
                audit_record(action=f"{obj._meta.app_label}.x.updated", actor=someone, obj=obj)
    assert [queries(url) for url, _ in _pages(acted)] == before
