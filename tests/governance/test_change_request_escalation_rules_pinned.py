"""The escalation of overdue change-request decisions pinned against the mutants that survived
`make mutation` (docs/mutation.md): the level a deadline has reached and its edges, which
requests the job raises, the audit event of the job, who is told at each level, and each
digest's title, lines, link and dedupe key."""

import hashlib
from datetime import timedelta

import pytest

from governance import services
from governance.models import ChangeRequest
from partnerships.models import Partnership
from tenancy.models import AuditEvent, Membership, Notification, Role
from tests.governance.conftest import NOW
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db
DUE = NOW + timedelta(days=2)  # 2030-01-12 09:00 UTC


def _level(now, period_days=3):
    return services.escalation_level_due(decision_due=DUE, now=now, period_days=period_days)


def _digests(level):
    return Notification.objects.filter(
        dedupe_key__startswith=f"governance.change_request.escalated:{level}:"
    ).order_by("recipient__email")


def _told(level):
    return [n.recipient.email for n in _digests(level)]


def _overdue(manager, committee, guest, partnership, *titles):
    return [
        submitted(manager, partnership, [committee, guest], title=title, decision_due=DUE)
        for title in titles
    ]


def _key(level, *requests):
    ids = ",".join(str(cr.pk) for cr in requests)
    return (
        f"governance.change_request.escalated:{level}:"
        + hashlib.sha256(ids.encode()).hexdigest()[:24]
    )


def test_a_deadline_reached_to_the_second_is_not_yet_overdue():
    assert _level(DUE) == 0
    assert _level(DUE + timedelta(seconds=1)) == 1


def test_each_full_period_after_the_deadline_adds_a_level_up_to_the_admins():
    assert _level(DUE + timedelta(days=2), period_days=3) == 1
    assert _level(DUE + timedelta(days=3), period_days=3) == 2
    assert _level(DUE + timedelta(days=1), period_days=1) == 2
    # A period of zero days (or less) counts as one day.
    assert _level(DUE + timedelta(hours=1), period_days=0) == 1
    assert _level(DUE + timedelta(days=1), period_days=0) == 2
    assert _level(DUE + timedelta(days=1), period_days=-5) == 2
    assert _level(DUE + timedelta(days=400), period_days=1) == 2


def test_the_job_raises_an_overdue_request_stores_when_and_audits_as_the_job(
    scope, manager, committee, guest, partnership
):
    (change_request,) = _overdue(manager, committee, guest, partnership, "Saturday desk")
    # Due this very moment: not overdue yet.
    assert services.change_requests_escalate(now=DUE, period_days=3) == (
        services.EscalationResult(escalated=0, notifications=0)
    )
    assert not AuditEvent.objects.filter(action="governance.change_request.escalated").exists()
    run = DUE + timedelta(hours=2)
    result = services.change_requests_escalate(now=run, period_days=3)
    assert result == services.EscalationResult(escalated=1, notifications=3)
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.escalation_level, stored.escalated_at) == (1, run)
    event = AuditEvent.objects.get(action="governance.change_request.escalated")
    assert (event.actor, event.actor_label, event.object_id) == (None, "escalation job", "")
    assert event.changes == {"CR-0001": [0, 1]}


def test_one_overdue_request_is_told_by_its_reference_with_its_own_link(
    scope, manager, committee, guest, partnership, owner
):
    (change_request,) = _overdue(manager, committee, guest, partnership, "Saturday desk")
    services.change_requests_escalate(now=DUE + timedelta(hours=2), period_days=3)
    assert _told(1) == ["committee@alpha.test", "guest@alder.test", "manager@alpha.test"]
    for note in _digests(1):
        assert note.title == "Overdue decision: CR-0001"
        assert (
            note.body == "CR-0001 Saturday desk (Alder drive-train): decision was due 12 Jan 2030"
        )
        assert note.url == f"/o/alpha/governance/change-requests/{change_request.pk}/"
        assert note.dedupe_key == _key(1, change_request)
    services.change_requests_escalate(now=DUE + timedelta(days=3), period_days=3)
    assert ChangeRequest.objects.get(pk=change_request.pk).escalation_level == 2
    assert AuditEvent.objects.filter(
        action="governance.change_request.escalated"
    ).last().changes == {"CR-0001": [1, 2]}
    (admin_note,) = _digests(2)
    assert admin_note.recipient == owner
    assert admin_note.title == "Escalated to the organization admins: CR-0001"
    assert admin_note.url == f"/o/alpha/governance/change-requests/{change_request.pk}/"
    assert admin_note.dedupe_key == _key(2, change_request)


def test_several_overdue_requests_make_one_digest_in_number_order_linking_to_governance(
    scope, manager, committee, guest, partnership
):
    first, second = _overdue(manager, committee, guest, partnership, "Saturday desk", "Prices")
    result = services.change_requests_escalate(now=DUE + timedelta(days=3), period_days=3)
    assert result == services.EscalationResult(escalated=2, notifications=4)
    note = _digests(1).get(recipient=committee)
    assert note.title == "Overdue decision: 2 change requests"
    assert note.body == (
        "CR-0001 Saturday desk (Alder drive-train): decision was due 12 Jan 2030\n"
        "CR-0002 Prices (Alder drive-train): decision was due 12 Jan 2030"
    )
    assert note.url == "/o/alpha/governance/"
    assert note.dedupe_key == _key(1, first, second)
    admin = _digests(2).get()
    assert admin.title == "Escalated to the organization admins: 2 change requests"
    assert admin.dedupe_key == _key(2, first, second)
    assert AuditEvent.objects.get(action="governance.change_request.escalated").changes == {
        "CR-0001": [0, 2],
        "CR-0002": [0, 2],
    }


def test_only_active_admins_of_this_organization_hear_of_the_second_level(
    scope, org_a, org_b, manager, committee, guest, partnership, owner, outsider, make_member
):
    former = make_member(org_a, Role.ORG_ADMIN, email="former@alpha.test")
    Membership.objects.filter(user=former).update(is_active=False)
    make_member(org_a, Role.ORG_ADMIN, email="locked@alpha.test", is_active=False)  # account off
    make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    _overdue(manager, committee, guest, partnership, "Saturday desk")
    services.change_requests_escalate(now=DUE + timedelta(days=3), period_days=3)
    assert _told(2) == ["owner@alpha.test"]
    assert outsider.email not in _told(1) + _told(2)


def test_a_partnership_without_an_owner_tells_the_pending_approvers(
    scope, manager, committee, guest, partnership
):
    _overdue(manager, committee, guest, partnership, "Saturday desk")
    Partnership.objects.filter(pk=partnership.pk).update(owner=None)
    result = services.change_requests_escalate(now=DUE + timedelta(hours=2), period_days=3)
    assert result == services.EscalationResult(escalated=1, notifications=2)
    assert _told(1) == ["committee@alpha.test", "guest@alder.test"]


def test_a_request_still_at_the_level_it_reached_is_not_raised_again(
    scope, manager, committee, guest, partnership
):
    (change_request,) = _overdue(manager, committee, guest, partnership, "Saturday desk")
    services.change_requests_escalate(now=DUE + timedelta(hours=2), period_days=3)
    again = DUE + timedelta(days=1)
    assert services.change_requests_escalate(now=again, period_days=3) == (
        services.EscalationResult(escalated=0, notifications=0)
    )
    stored = ChangeRequest.objects.get(pk=change_request.pk)
    assert (stored.escalation_level, stored.escalated_at) == (1, DUE + timedelta(hours=2))
    assert AuditEvent.objects.filter(action="governance.change_request.escalated").count() == 1


def test_a_request_at_the_top_level_is_left_alone(scope, manager, committee, guest, partnership):
    (change_request,) = _overdue(manager, committee, guest, partnership, "Saturday desk")
    ChangeRequest.objects.filter(pk=change_request.pk).update(escalation_level=2)
    assert services.change_requests_escalate(now=DUE + timedelta(days=9), period_days=3) == (
        services.EscalationResult(escalated=0, notifications=0)
    )
