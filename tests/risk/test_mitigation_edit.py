"""A mitigation still to do is reworded, rescheduled or handed to a colleague, on its page and
through the API; one already done keeps what it was."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import Mitigation
from tenancy.audit import audit_value
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Role
from tests.page_forms import form_as_sent
from tests.risk.factories import MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db
DUE = date(2030, 5, 31)


@pytest.fixture
def mitigation(org_a, partnership, manager):
    with tenant_scope(org_a):
        risk = RiskFactory(organization=org_a, partnership=partnership, owner=manager)
        return MitigationFactory(
            organization=org_a, risk=risk, action="Qualify a second foundry", due_on=DUE,
            owner=manager,
        )  # fmt: skip


def _stored(org, mitigation):
    with tenant_scope(org):
        return Mitigation.objects.get(pk=mitigation.pk)


def test_a_mitigation_is_rescheduled_reworded_and_handed_over_and_audited(
    org_a, manager, mitigation, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Cleo Colleague")
    with tenant_scope(org_a):
        services.mitigation_update(
            mitigation=mitigation, actor=manager, action="  Qualify two foundries ",
            due_on=date(2030, 7, 31), owner=colleague,
        )  # fmt: skip
        event = AuditEvent.objects.get(action="risk.mitigation.updated")
    stored = _stored(org_a, mitigation)
    assert (stored.action, stored.due_on, stored.owner) == (
        "Qualify two foundries", date(2030, 7, 31), colleague,
    )  # fmt: skip
    assert event.actor == manager
    assert event.changes == {
        "action": ["Qualify a second foundry", "Qualify two foundries"],
        "due_on": [DUE.isoformat(), "2030-07-31"],
        "owner": [audit_value(manager), audit_value(colleague)],
    }


def test_a_mitigation_needs_its_words_and_its_day(org_a, manager, mitigation):
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as wordless:
            services.mitigation_update(mitigation=mitigation, actor=manager, action="  ")
        with pytest.raises(ValidationError) as dateless:
            services.mitigation_update(mitigation=mitigation, actor=manager, due_on=None)
    assert wordless.value.message_dict == {"action": ["Say what will be done."]}
    assert dateless.value.message_dict == {"due_on": ["Give the day it is due."]}


def test_a_mitigation_done_since_the_page_was_opened_is_not_changed(org_a, manager, mitigation):
    with tenant_scope(org_a):
        Mitigation.objects.filter(pk=mitigation.pk).update(done_on=date(2030, 5, 1))
    with tenant_scope(org_a), pytest.raises(ConflictError) as refused:
        services.mitigation_update(mitigation=mitigation, actor=manager, due_on=date(2031, 1, 1))
    assert (refused.value.message, refused.value.code) == (
        "A mitigation already done is not changed.",
        "done",
    )
    assert _stored(org_a, mitigation).due_on == DUE


def test_a_partner_guest_never_owns_a_mitigation(org_a, manager, mitigation, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.mitigation_update(mitigation=mitigation, actor=manager, owner=guest)
    assert list(refused.value.message_dict) == ["owner"]


def test_the_edit_page_is_linked_from_the_risk_and_saves(client_as, org_a, manager, mitigation):
    client = client_as(manager)
    risk_page = client.get(f"/o/alpha/risk/risks/{mitigation.risk_id}/").content.decode()
    url = f"/o/alpha/risk/mitigations/{mitigation.pk}/"
    assert url in risk_page
    sent = form_as_sent(client.get(url).content.decode())
    assert sent["owner"] == str(manager.pk) and sent["action"] == "Qualify a second foundry"
    assert client.post(url, {**sent, "action": ""}).status_code == 400
    assert client.post(url, {**sent, "due_on": "2030-06-30"}).status_code == 302
    assert _stored(org_a, mitigation).due_on == date(2030, 6, 30)


def test_the_api_reschedules_a_mitigation_of_the_risk(api_as, org_a, manager, mitigation):
    client = api_as(manager, org_a)
    url = f"/api/v1/o/alpha/risk/risks/{mitigation.risk_id}/mitigations/{mitigation.pk}/"
    answer = client.patch(url, {"due_on": "2030-06-30"}, format="json")
    assert answer.status_code == 200
    assert _stored(org_a, mitigation).due_on == date(2030, 6, 30)
    assert _stored(org_a, mitigation).owner == manager  # not given: kept
