"""The escalation job: one level per elapsed period once a decision is overdue, each level told
once, set-based, and a rerun the same day is a no-op."""

from datetime import timedelta

import pytest
from django.conf import settings

from governance import services, tasks
from governance.models import ChangeRequest
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Notification
from tests.governance.conftest import NOW
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db
DUE = NOW + timedelta(days=2)


def _escalations():
    return Notification.objects.filter(dedupe_key__startswith="governance.change_request.escalated")


def _told(level: int) -> set[str]:
    return set(
        _escalations()
        .filter(dedupe_key__startswith=f"governance.change_request.escalated:{level}:")
        .values_list("recipient__email", flat=True)
    )


def _overdue(manager, committee, guest, partnership, n=1):
    return [
        submitted(manager, partnership, [committee, guest], title=f"Change {i}", decision_due=DUE)
        for i in range(n)
    ]


def test_the_level_rises_one_step_per_elapsed_period():
    def level(after):
        return services.escalation_level_due(decision_due=DUE, now=DUE + after, period_days=3)

    assert level(-timedelta(minutes=1)) == 0
    assert level(timedelta(minutes=1)) == 1
    assert level(timedelta(days=2, hours=14)) == 1  # counted in calendar days
    assert level(timedelta(days=2, hours=16)) == 2
    assert level(timedelta(days=3)) == 2
    assert level(timedelta(days=30)) == 2  # the organization admins are the top


def test_an_overdue_decision_is_escalated_level_by_level_and_each_level_told_once(
    scope, manager, committee, guest, partnership, owner
):
    (change_request,) = _overdue(manager, committee, guest, partnership)
    services.change_request_approve(change_request=change_request, approver=committee, now=NOW)

    assert services.change_requests_escalate(now=DUE - timedelta(hours=1), period_days=3) == (
        services.EscalationResult(escalated=0, notifications=0)
    )
    first_day = DUE + timedelta(hours=1)
    result = services.change_requests_escalate(now=first_day, period_days=3)
    assert result.escalated == 1
    change_request.refresh_from_db()
    assert change_request.escalation_level == 1 and change_request.escalated_at == first_day
    # Level 1: the approvers still pending (not the one who approved) and the owner.
    assert _told(1) == {"guest@alder.test", "manager@alpha.test"}

    # A rerun the same day changes nothing and sends nothing.
    later_same_day = first_day + timedelta(hours=5)
    assert services.change_requests_escalate(now=later_same_day, period_days=3).escalated == 0
    assert _escalations().count() == 2

    # One period later: the organization admins.
    services.change_requests_escalate(now=first_day + timedelta(days=3), period_days=3)
    change_request.refresh_from_db()
    assert change_request.escalation_level == 2
    assert _told(2) == {owner.email}
    assert services.change_requests_escalate(now=DUE + timedelta(days=40), period_days=3) == (
        services.EscalationResult(escalated=0, notifications=0)
    )
    assert _escalations().count() == 3
    assert AuditEvent.objects.filter(action="governance.change_request.escalated").count() == 2


def test_a_job_that_missed_days_tells_every_level_it_skipped(
    scope, manager, committee, guest, partnership, owner
):
    _overdue(manager, committee, guest, partnership)
    services.change_requests_escalate(now=DUE + timedelta(days=10), period_days=3)
    assert _told(1) == {"committee@alpha.test", "guest@alder.test", "manager@alpha.test"}
    assert _told(2) == {owner.email}
    assert ChangeRequest.objects.get().escalation_level == 2


def test_drafts_decided_and_not_yet_due_requests_are_not_escalated(
    scope, manager, committee, guest, partnership
):
    decided, rejected = _overdue(manager, committee, guest, partnership, n=2)
    for user in (committee, guest):
        services.change_request_approve(change_request=decided, approver=user, now=NOW)
    services.change_request_reject(
        change_request=rejected, approver=guest, reason="Too expensive", now=NOW
    )
    services.change_request_create(
        actor=manager, partnership=partnership, title="Still a draft", now=NOW, decision_due=DUE
    )
    submitted(manager, partnership, [committee, guest], decision_due=DUE + timedelta(days=5))
    result = services.change_requests_escalate(now=DUE + timedelta(days=1), period_days=3)
    assert result.escalated == 0
    assert set(ChangeRequest.objects.values_list("escalation_level", flat=True)) == {0}


@pytest.mark.parametrize("rows", [2, 12])
def test_the_escalation_is_set_based(
    scope, manager, committee, guest, partnership, rows, django_assert_max_num_queries
):
    _overdue(manager, committee, guest, partnership, n=rows)
    # Queries depend on the recipients (one notification each per level, which asks whether
    # its recipient is still a member; one read of which partner approvers are still invited),
    # not on the rows.
    with django_assert_max_num_queries(25):
        result = services.change_requests_escalate(now=DUE + timedelta(days=1), period_days=3)
    assert result.escalated == rows
    assert _escalations().count() == 3  # committee, guest, owner: one digest each
    digest = _escalations().get(recipient=committee)
    assert digest.title == (
        f"Overdue decision: {rows} change requests" if rows > 1 else "Overdue decision: CR-0001"
    )
    assert digest.body.count("decision was due") == rows


def test_the_task_run_twice_sends_once(org_a, manager, committee, guest, partnership):
    with tenant_scope(org_a):
        (change_request,) = _overdue(manager, committee, guest, partnership)
    kwargs = {"organization_id": org_a.pk, "now": (DUE + timedelta(days=1)).isoformat()}
    first = tasks.change_request_escalation.apply(kwargs=kwargs, throw=True).get()
    second = tasks.change_request_escalation.apply(kwargs=kwargs, throw=True).get()
    assert first == {"escalated": 1, "notifications": 3}
    assert second == {"escalated": 0, "notifications": 0}
    with tenant_scope(org_a):
        assert _escalations().count() == 3
        change_request.refresh_from_db()
        assert change_request.escalation_level == 1


def test_the_escalation_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["governance-change-request-escalation"]
    assert entry["task"] == "governance.tasks.change_request_escalation_all_tenants"
