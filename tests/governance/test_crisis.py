"""The crisis protocol: a spokesperson per party, who speaks for their own side only; a contact
tree of both parties; a crisis log appended with what happened (never in the future)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance import services
from governance.models import CrisisLogEntry, CrisisProtocol
from tenancy.context import tenant_scope
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db


def test_each_spokesperson_speaks_for_their_own_party(scope, partnership, owner, guest):
    with pytest.raises(ValidationError) as error:
        services.crisis_protocol_save(
            partnership=partnership, actor=owner, now=NOW, customer_spokesperson=guest
        )
    assert "customer_spokesperson" in error.value.message_dict
    assert CrisisProtocol.objects.count() == 0
    protocol = services.crisis_protocol_save(
        partnership=partnership,
        actor=owner,
        now=NOW,
        customer_spokesperson=owner,
        partner_spokesperson=guest,
        media_steps="Hold statement within 2 hours\n\nJoint statement after legal review",
    )
    assert protocol.steps == ["Hold statement within 2 hours", "Joint statement after legal review"]
    first = services.crisis_contact_add(
        protocol=protocol, actor=owner, user=owner, responsibility="Calls the partner's CEO"
    )
    second = services.crisis_contact_add(
        protocol=protocol, actor=owner, user=guest, responsibility="Plant", reports_to=first
    )
    assert (second.party, second.reports_to) == ("partner", first)


def test_the_log_refuses_an_event_in_the_future(scope, partnership, owner):
    with pytest.raises(ValidationError):
        services.crisis_log_record(
            partnership=partnership,
            actor=owner,
            now=NOW,
            occurred_at=NOW + timedelta(hours=1),
            title="Fire",
        )
    services.crisis_log_record(
        partnership=partnership,
        actor=owner,
        now=NOW,
        occurred_at=NOW - timedelta(hours=1),
        title="Fire at the Lyon warehouse",
        severity="critical",
        action_taken="Deliveries rerouted to Rotterdam",
    )
    assert CrisisLogEntry.objects.get().logged_by == owner


def test_the_crisis_page_logs_and_the_guest_reads_it(
    org_a, partnership, owner, guest, client_as, api_as
):
    url = reverse("partnership-crisis", args=["alpha", partnership.pk])
    client = client_as(owner)
    response = client.post(
        reverse("crisis-log-add", args=["alpha", partnership.pk]),
        {"occurred_at": "2020-01-01T08:00", "severity": "high", "title": "Strike"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("crisis-protocol-save", args=["alpha", partnership.pk]),
        {"customer_spokesperson": str(guest.pk)},
    )
    assert response.status_code == 400  # a guest does not speak for us (not even offered)
    html = client_as(guest).get(url).content.decode()
    assert "Strike" in html and "Log an event" not in html
    rows = api_as(guest, org_a).get("/api/v1/o/alpha/crisis-log/").json()["results"]
    assert [row["title"] for row in rows] == ["Strike"]
    with tenant_scope(org_a):
        assert CrisisLogEntry.objects.count() == 1
