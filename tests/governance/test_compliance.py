"""Compliance officers of both parties and their attestations: requested with a due date,
attested once by the officer only, overdue past the date, reminded once, in the inbox."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import Attestation
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Notification
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db
TODAY = NOW.date()


def test_officers_of_both_parties_attest_once_each(scope, partnership, owner, guest):
    ours = services.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, area="anti_bribery"
    )
    theirs = services.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=guest, area="anti_bribery"
    )
    assert (ours.party, theirs.party) == ("customer", "partner")
    attestation = services.attestation_request(
        officer=theirs, actor=owner, period="2030 Q1", due_on=TODAY, today=TODAY
    )
    with pytest.raises(ValidationError):
        services.attestation_request(
            officer=theirs, actor=owner, period="2030 Q1", due_on=TODAY, today=TODAY
        )
    with pytest.raises(PermissionDeniedError):
        services.attestation_submit(
            attestation=attestation, officer_user=owner, statement="Fine", now=NOW
        )
    assert services.attestation_is_overdue(attestation, today=TODAY + timedelta(days=1))
    services.attestation_submit(
        attestation=attestation, officer_user=guest, statement="No incidents.", now=NOW
    )
    with pytest.raises(ConflictError):
        services.attestation_submit(
            attestation=attestation, officer_user=guest, statement="Again", now=NOW
        )
    attestation.refresh_from_db()
    assert attestation.status == "attested"
    assert not services.attestation_is_overdue(attestation, today=TODAY + timedelta(days=9))


def test_an_attestation_due_in_the_past_is_not_requested(scope, partnership, owner):
    officer = services.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, area="labour"
    )
    with pytest.raises(ValidationError):
        services.attestation_request(
            officer=officer,
            actor=owner,
            period="2029 Q4",
            due_on=TODAY - timedelta(days=1),
            today=TODAY,
        )
    assert Attestation.objects.count() == 0


def test_reminders_go_out_once_within_a_week_of_the_due_date(scope, partnership, owner, guest):
    officer = services.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=guest, area="environment"
    )
    attestation = services.attestation_request(
        officer=officer,
        actor=owner,
        period="2030 Q1",
        due_on=TODAY + timedelta(days=10),
        today=TODAY,
    )
    assert services.attestation_reminders_send(now=NOW) == 0
    assert services.attestation_reminders_send(now=NOW + timedelta(days=4)) == 1
    assert services.attestation_reminders_send(now=NOW + timedelta(days=5)) == 0
    assert (
        Notification.objects.filter(
            dedupe_key=f"governance.attestation.reminder:{attestation.pk}"
        ).count()
        == 1
    )


def test_the_officer_attests_from_the_inbox_and_through_the_api(
    org_a, partnership, owner, guest, client_as, api_as
):
    today = timezone.localdate()
    with tenant_scope(org_a):
        officer = services.compliance_officer_appoint(
            partnership=partnership, actor=owner, user=guest, area="labour"
        )
        first = services.attestation_request(
            officer=officer, actor=owner, period="Q1", due_on=today, today=today
        )
        second = services.attestation_request(
            officer=officer, actor=owner, period="Q2", due_on=today, today=today
        )
    client = client_as(guest)
    inbox = reverse("governance-inbox", args=["alpha"])
    assert "Labour standards" in client.get(inbox).content.decode().split("inbox-attestations")[1]
    response = client.post(
        reverse("attestation-attest", args=["alpha", first.pk]),
        {"statement": "No child labour found in the audit.", "next": inbox},
    )
    assert response["Location"] == inbox
    api = api_as(guest, org_a)
    assert [
        a["period"] for a in api.get("/api/v1/o/alpha/governance-inbox/").json()["attestations"]
    ] == ["Q2"]
    url = f"/api/v1/o/alpha/attestations/{second.pk}/attest/"
    assert api_as(owner, org_a).post(url, {"statement": "x"}).status_code == 403
    assert api.post(url, {"statement": "Audit clean."}).json()["status"] == "attested"
    assert api.post(url, {"statement": "Again"}).status_code == 409
    with tenant_scope(org_a):
        assert set(Attestation.objects.values_list("status", flat=True)) == {"attested"}
