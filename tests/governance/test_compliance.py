"""Compliance officers of both parties attest the periods of the risk module's compliance matrix
(one model, not two): each officer of a requirement's area attests its current period once, the
due date moves on once every officer has, an officer still owing it past the due date is
overdue, reminded once per due date, and finds it in the approvals inbox (page and API)."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from risk.models import Attestation, ComplianceOfficer, ComplianceRequirement
from risk.services import compliance
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Notification
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db
TODAY = NOW.date()
SAY_WHAT = "Say what is attested (or what the exception is)."


def _requirement(actor, partnership, *, framework="anti_bribery", due_on, months=3, title=""):
    return compliance.compliance_requirement_create(
        actor=actor,
        partnership=partnership,
        framework=framework,
        jurisdiction="GLOBAL",
        title=title or f"Quarterly {framework} attestation",
        due_on=due_on,
        attestation_months=months,
    )


def _duty(requirement, user, today):
    officer = ComplianceOfficer.objects.get(
        partnership=requirement.partnership, framework=requirement.framework, user=user
    )
    attestations = list(requirement.attestations.all())
    return (
        officer.owes(requirement, attestations, today=today),
        officer.is_overdue(requirement, attestations, today=today),
    )


def test_officers_of_both_parties_attest_once_each_and_the_due_date_moves_after_both(
    scope, partnership, owner, guest, manager
):
    ours = compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, framework="anti_bribery"
    )
    theirs = compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=guest, framework="anti_bribery"
    )
    assert (ours.party, theirs.party) == ("customer", "partner")
    requirement = _requirement(owner, partnership, due_on=TODAY + timedelta(days=10))
    with pytest.raises(PermissionDeniedError):
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=manager, statement="Fine", now=NOW
        )
    attestation = compliance.compliance_officer_attest(
        requirement=requirement, officer_user=guest, statement="No incidents.", now=NOW
    )
    assert (attestation.party, attestation.period_end) == ("partner", TODAY)
    assert attestation.period_start == date(2029, 10, 21)  # one quarter before the due date
    with pytest.raises(ConflictError):
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=guest, statement="Again", now=NOW
        )
    requirement.refresh_from_db()
    assert requirement.due_on == TODAY + timedelta(days=10)  # ours has not attested yet
    assert _duty(requirement, guest, TODAY + timedelta(days=11)) == (False, False)
    assert _duty(requirement, owner, TODAY + timedelta(days=11)) == (True, True)
    compliance.compliance_officer_attest(
        requirement=requirement, officer_user=owner, statement="Training done.", now=NOW
    )
    requirement.refresh_from_db()
    assert requirement.due_on == date(2030, 4, 20)  # both attested: the next quarter
    assert _duty(requirement, owner, TODAY + timedelta(days=11)) == (False, False)


@pytest.mark.parametrize("statement", [None, "", "  "])
def test_an_officer_attestation_without_a_statement_is_refused_on_the_field(
    scope, partnership, owner, statement
):
    from django.core.exceptions import ValidationError

    compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, framework="labour"
    )
    requirement = _requirement(owner, partnership, framework="labour", due_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=owner, statement=statement, now=NOW
        )
    assert refused.value.message_dict == {"statement": [SAY_WHAT]}
    assert Attestation.objects.count() == 0


def test_an_officer_never_attests_a_period_before_its_window_opens(scope, partnership, owner):
    compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, framework="labour"
    )
    requirement = _requirement(
        owner, partnership, framework="labour", due_on=TODAY + timedelta(days=40)
    )
    with pytest.raises(ConflictError) as error:
        compliance.compliance_officer_attest(
            requirement=requirement, officer_user=owner, statement="Early", now=NOW
        )
    assert error.value.code == "attestation_not_open"
    assert Attestation.objects.count() == 0


def test_appointing_another_officer_replaces_the_previous_one(scope, partnership, owner, manager):
    first = compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=owner, framework="environment"
    )
    second = compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=manager, framework="environment"
    )
    assert first.pk == second.pk and ComplianceOfficer.objects.get().user == manager


def test_reminders_go_out_once_per_due_date_within_a_week_of_it(scope, partnership, owner, guest):
    compliance.compliance_officer_appoint(
        partnership=partnership, actor=owner, user=guest, framework="environment"
    )
    requirement = _requirement(
        owner, partnership, framework="environment", due_on=TODAY + timedelta(days=10)
    )
    assert compliance.compliance_reminders_send(now=NOW) == 0
    assert compliance.compliance_reminders_send(now=NOW + timedelta(days=4)) == 1
    assert compliance.compliance_reminders_send(now=NOW + timedelta(days=5)) == 0
    assert (
        Notification.objects.filter(
            recipient=guest,
            dedupe_key__startswith=f"risk.compliance.reminder:{requirement.pk}:",
        ).count()
        == 1
    )
    requirement.refresh_from_db()
    assert requirement.reminded_for == requirement.due_on


def test_the_officer_attests_from_the_inbox_and_through_the_api(
    org_a, partnership, owner, guest, client_as, api_as
):
    today = timezone.localdate()
    with tenant_scope(org_a):
        compliance.compliance_officer_appoint(
            partnership=partnership, actor=owner, user=guest, framework="labour"
        )
        first = _requirement(
            owner, partnership, framework="labour", due_on=today, title="Supplier audit"
        )
        second = _requirement(
            owner, partnership, framework="labour", due_on=today, title="Working hours"
        )
    client = client_as(guest)
    inbox = reverse("governance-inbox", args=["alpha"])
    items = client.get(inbox).content.decode().split("inbox-attestations")[1]
    assert "Labour and human rights" in items and "Supplier audit" in items
    page = client.get(reverse("partnership-compliance", args=["alpha", partnership.pk]))
    assert "Working hours" in page.content.decode()
    unstated = client.post(
        reverse("compliance-officer-attest", args=["alpha", first.pk]),
        {"statement": "  ", "next": inbox},
        follow=True,
    )
    assert [str(m) for m in unstated.context["messages"]] == [SAY_WHAT]
    response = client.post(
        reverse("compliance-officer-attest", args=["alpha", first.pk]),
        {"statement": "No child labour found in the audit.", "next": inbox},
    )
    assert response["Location"] == inbox
    api = api_as(guest, org_a)
    assert [
        a["title"] for a in api.get("/api/v1/o/alpha/governance-inbox/").json()["attestations"]
    ] == ["Working hours"]
    url = f"/api/v1/o/alpha/officer-attestations/{second.pk}/attest/"
    assert api_as(owner, org_a).post(url, {"statement": "x"}).status_code == 403
    blank = api.post(url, {"statement": ""})
    assert blank.status_code == 400
    assert blank.json()["error"]["fields"] == {"statement": [SAY_WHAT]}
    assert api.post(url, {"statement": "Audit clean."}).json()["status"] == "attested"
    assert api.post(url, {"statement": "Again"}).status_code == 409
    with tenant_scope(org_a):
        assert Attestation.objects.filter(attested_by=guest).count() == 2
        assert set(ComplianceRequirement.objects.values_list("due_on", flat=True)) == {
            today + relativedelta(months=3)
        }
