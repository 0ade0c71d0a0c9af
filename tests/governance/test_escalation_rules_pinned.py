"""Escalation rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
what a path accepts and the exact problems it lists, a path in use, who is told and what, the
refusals of raising and resolving, and the audit trail of every step."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import Escalation, EscalationContact, EscalationLevel, EscalationStep
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, Role
from tests.governance.conftest import NOW
from tests.governance.test_raci_and_escalations import _action
from tests.governance.test_services import submitted
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _level(tier="committee", days=5, contacts=()):
    return {"tier": tier, "response_days": days, "contacts": list(contacts)}


# --- the path ---------------------------------------------------------------------------------


def test_a_path_without_levels_is_refused(scope, partnership, owner):
    with pytest.raises(ValidationError) as refused:
        services.escalation_path_save(partnership=partnership, actor=owner, levels=[])
    assert refused.value.message_dict == {"levels": ["An escalation path has at least one level."]}


def test_every_problem_of_a_path_is_listed_by_level(scope, partnership, owner, make_member, org_a):
    stranger = make_member(org_a, Role.PARTNER_GUEST, email="x@other.test", full_name="Xavier")
    with pytest.raises(ValidationError) as refused:
        services.escalation_path_save(
            partnership=partnership,
            actor=owner,
            levels=[
                {"tier": "nobody", "response_days": 0},
                _level(days=366, contacts=[stranger]),
                _level(days="5"),
            ],
        )
    assert refused.value.message_dict == {
        "levels": [
            "Level 1: choose who it goes to.",
            "Level 1: give its deadline in days (1 to 365).",
            "Level 2: give its deadline in days (1 to 365).",
            "Level 2: Xavier is a partner guest not invited to this partnership.",
            "Level 3: give its deadline in days (1 to 365).",
        ]
    }
    assert not EscalationLevel.objects.exists()


def test_a_path_replaces_the_old_one_with_ranked_levels_and_each_contact_once(
    scope, partnership, owner, committee, guest
):
    services.escalation_path_save(
        partnership=partnership, actor=owner, levels=[_level("working_team", 3)] * 3
    )
    saved = services.escalation_path_save(
        partnership=partnership,
        actor=owner,
        levels=[
            _level("working_team", 1, [guest, guest]),
            _level("executive_sponsors", 365, [committee, owner]),
        ],
    )
    assert [(level.rank, level.tier, level.response_days) for level in saved] == [
        (1, "working_team", 1),
        (2, "executive_sponsors", 365),
    ]
    assert list(EscalationLevel.objects.order_by("rank")) == saved
    contacts = EscalationContact.objects.order_by("level__rank", "user__email")
    assert [(c.level.rank, c.user.email) for c in contacts] == [
        (1, "guest@alder.test"),
        (2, "committee@alpha.test"),
        (2, "owner@alpha.test"),
    ]
    event = AuditEvent.objects.filter(action="governance.escalation_path.saved").last()
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(partnership.pk),
        {
            "levels": [
                {"tier": "working_team", "response_days": 1, "contacts": ["guest@alder.test"] * 2},
                {
                    "tier": "executive_sponsors",
                    "response_days": 365,
                    "contacts": ["committee@alpha.test", "owner@alpha.test"],
                },
            ]
        },
    )


def test_a_path_shorter_than_an_open_escalations_level_is_refused(scope, board, partnership):
    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    services.escalations_run(now=NOW + timedelta(days=13))
    assert Escalation.objects.get(action=action).rank == 2
    with pytest.raises(ConflictError) as refused:
        services.escalation_path_save(partnership=partnership, actor=None, levels=[_level()])
    assert (refused.value.code, refused.value.message) == (
        "path_in_use",
        "An open escalation is above the last level of the new path.",
    )
    assert EscalationLevel.objects.filter(partnership=partnership).count() == 4
    services.escalation_path_save(partnership=partnership, actor=None, levels=[_level()] * 2)
    assert EscalationLevel.objects.filter(partnership=partnership).count() == 2


def test_the_usual_path_names_the_voting_members_when_the_committee_has_no_chair(
    scope, board, partnership, owner, manager
):
    services.committee_member_update(member=board.seats["chair"], actor=owner, role="member")
    levels = services.default_path_levels(partnership, today=NOW.date())
    assert [(level["tier"], level["response_days"]) for level in levels] == [
        ("working_team", 5),
        ("committee", 10),
        ("executive_sponsors", 10),
        ("mediation", 30),
    ]
    assert levels[0]["contacts"] == [manager]
    assert {u.email for u in levels[1]["contacts"]} == {
        "committee@alpha.test",
        "guest@alder.test",
        "sponsor@alpha.test",
        "pia@alder.test",
    }
    assert levels[3]["contacts"] == []


# --- raising ----------------------------------------------------------------------------------


def test_one_item_at_a_time_of_this_partnership_is_escalated(
    scope, board, partnership, manager, committee, guest
):
    change_request = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    action = _action(board, partnership)
    with pytest.raises(ValidationError) as both:
        services.escalation_raise(
            partnership=partnership,
            actor=manager,
            now=NOW,
            change_request=change_request,
            action=action,
            reason="Nobody answers.",
        )
    assert both.value.message_dict == {"item": ["Escalate one item at a time."]}
    other = PartnershipFactory(organization=scope, name="Birch", owner=manager)
    with pytest.raises(ValidationError) as elsewhere:
        services.escalation_raise(
            partnership=other, actor=manager, now=NOW, action=action, reason="Nobody answers."
        )
    assert elsewhere.value.message_dict == {"item": ["The item belongs to another partnership."]}
    with pytest.raises(ValidationError) as untitled:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, title="  ", reason="Nobody answers."
        )
    assert untitled.value.message_dict == {"title": ["Say what is escalated."]}
    assert not Escalation.objects.exists()


def test_decided_or_closed_items_and_items_already_escalated_are_refused(
    scope, board, partnership, manager, committee, guest
):
    change_request = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    with pytest.raises(ConflictError) as decided:
        services.escalation_raise(
            partnership=partnership,
            actor=manager,
            now=NOW,
            change_request=change_request,
            reason="Nobody answers.",
        )
    assert (decided.value.code, decided.value.message) == (
        "item_closed",
        f"{change_request.reference} is decided: only open items are escalated.",
    )
    action = _action(board, partnership)
    services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
    )
    with pytest.raises(ConflictError) as again:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
        )
    assert (again.value.code, again.value.message) == (
        "already_escalated",
        "This item is already escalated.",
    )
    services.meeting_action_set_status(
        action=action, actor=board.seats["guest"].user, status="done", now=NOW
    )
    with pytest.raises(ConflictError) as closed:
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
        )
    assert (closed.value.code, closed.value.message) == (
        "item_closed",
        "The action item is closed: only open items are escalated.",
    )


def test_another_item_may_be_escalated_while_one_is(
    scope, board, partnership, manager, committee, guest
):
    first = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    second = submitted(manager, partnership, [committee, guest], cost_impact=2000)
    services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        change_request=first,
        reason="Nobody answers.",
    )
    services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        change_request=second,
        reason="Nobody answers.",
    )
    action = _action(board, partnership)
    services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
    )
    assert Escalation.objects.count() == 3


def test_a_raised_item_is_titled_stepped_audited_and_told_to_the_first_level(
    scope, board, partnership, manager, committee, guest
):
    change_request = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=committee,
        now=NOW,
        change_request=change_request,
        reason="No answer",
    )
    escalation.refresh_from_db()
    assert (escalation.title, escalation.reason, escalation.raised_by, escalation.opened_at) == (
        f"{change_request.reference} Saturday service desk",
        "No answer",
        committee,
        NOW,
    )
    step = EscalationStep.objects.get()
    assert (step.rank, step.reached_at, step.by_job) == (1, NOW, False)
    event = AuditEvent.objects.get(action="governance.escalation.raised")
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        committee,
        "committee@alpha.test",
        str(escalation.pk),
        {"item": "Change request", "level": 1, "tier": "working_team"},
    )
    told = Notification.objects.filter(dedupe_key=f"governance.escalation:{escalation.pk}:1")
    # The working team (the partnership's owner) and whoever raised it.
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "committee@alpha.test",
        "manager@alpha.test",
    ]
    notice = told.first()
    assert notice.title == (
        f"Escalated to working team: {change_request.reference} Saturday service desk"
    )
    assert notice.body == (
        "Change request, level 1. Resolve it by 15 Jan 2030, or it goes one level up."
    )
    assert notice.url == services.escalation_url(escalation)
    assert notice.url.endswith(f"/{escalation.pk}/")


def test_an_issue_keeps_its_own_title_trimmed(scope, board, partnership, manager):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        title="  Late invoices  ",
        reason="Nobody answers.",
    )
    assert escalation.title == "Late invoices"
    action = _action(board, partnership)
    by_action = services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, action=action, reason="Nobody answers."
    )
    assert by_action.title == "Action: Send the capacity plan"


# --- the job ----------------------------------------------------------------------------------


def test_the_job_raises_overdue_actions_with_the_reason_and_as_itself(scope, board, partnership):
    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    escalation = Escalation.objects.get(action=action)
    assert escalation.reason == "Overdue since 17 Jan 2030."
    assert EscalationStep.objects.get().by_job is True
    event = AuditEvent.objects.get(action="governance.escalation.raised")
    assert (event.actor, event.actor_label) == (None, "escalation job")


def test_climbing_a_level_is_audited_and_told_and_the_top_level_is_kept(scope, board, partnership):
    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    escalation = Escalation.objects.get(action=action)
    later = NOW + timedelta(days=13)
    run = services.escalations_run(now=later)
    assert run == services.EscalationRun(raised=0, advanced=1, resolved=0, notifications=1)
    escalation.refresh_from_db()
    assert escalation.level_due_at == later + timedelta(days=10)
    event = AuditEvent.objects.get(action="governance.escalation.advanced")
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        None,
        "escalation job",
        str(escalation.pk),
        {"level": [1, 2], "tier": "committee"},
    )
    day = later
    for _ in range(4):
        day += timedelta(days=40)
        services.escalations_run(now=day)
    escalation.refresh_from_db()
    assert escalation.rank == 4 and escalation.status == "open"


def test_the_job_resolves_an_escalation_whose_item_closed_as_itself(
    scope, board, partnership, manager, committee, guest
):
    change_request = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        change_request=change_request,
        reason="Nobody answers.",
    )
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    later = NOW + timedelta(days=6)
    services.escalations_run(now=later)
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_at, escalation.resolution) == (
        "resolved",
        later,
        "The item was closed.",
    )
    event = AuditEvent.objects.get(action="governance.escalation.resolved")
    assert (event.actor, event.actor_label) == (None, "escalation job")


# --- resolving --------------------------------------------------------------------------------


def test_an_escalation_is_resolved_once_with_how(scope, board, partnership, manager):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        title="Late invoices",
        reason="Nobody answers.",
    )
    with pytest.raises(ValidationError) as blank:
        services.escalation_resolve(escalation=escalation, actor=manager, now=NOW, resolution=" ")
    assert blank.value.message_dict == {"resolution": ["Say how it was resolved."]}
    services.escalation_resolve(
        escalation=escalation, actor=manager, now=NOW, resolution="  Paid in full  "
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_at, escalation.resolution) == (
        "resolved",
        NOW,
        "Paid in full",
    )
    event = AuditEvent.objects.get(action="governance.escalation.resolved")
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        manager,
        "manager@alpha.test",
        str(escalation.pk),
        {"status": ["open", "resolved"], "resolution": "Paid in full"},
    )
    with pytest.raises(ConflictError) as again:
        services.escalation_resolve(
            escalation=escalation, actor=manager, now=NOW, resolution="Twice"
        )
    assert (again.value.code, again.value.message) == (
        "already_resolved",
        "The escalation is already resolved.",
    )


def test_closing_an_item_resolves_only_its_own_open_escalation(
    scope, board, partnership, manager, committee, guest
):
    first = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    second = submitted(manager, partnership, [committee, guest], cost_impact=2000)
    action = _action(board, partnership)
    for item in ({"change_request": first}, {"change_request": second}, {"action": action}):
        services.escalation_raise(
            partnership=partnership, actor=manager, now=NOW, **item, reason="Nobody answers."
        )
    resolve = services.escalations_resolve_for
    later = NOW + timedelta(days=1)
    assert resolve(now=later, actor=manager, resolution="Done") == 0
    assert resolve(now=later, actor=committee, resolution="Done", change_request=first) == 1
    assert resolve(now=later, actor=manager, resolution="Done", action=action) == 1
    resolved = Escalation.objects.get(change_request=first)
    assert (resolved.resolved_at, resolved.resolution) == (later, "Done")
    event = AuditEvent.objects.filter(action="governance.escalation.resolved").first()
    assert (event.actor, event.object_id) == (committee, str(resolved.pk))
    open_items = Escalation.objects.filter(status="open")
    assert list(open_items.values_list("change_request", flat=True)) == [second.pk]


def test_a_partnership_without_an_owner_has_nobody_at_the_working_team(scope, partnership):
    partnership.owner = None
    partnership.save(update_fields=["owner"])
    assert services.default_path_levels(partnership, today=NOW.date())[0]["contacts"] == []


def test_an_escalation_starts_at_the_partnerships_own_path(scope, partnership, manager, guest):
    services.escalation_path_save(
        partnership=partnership,
        actor=manager,
        levels=[_level("executive_sponsors", 2, [guest]), _level("mediation", 30)],
    )
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        title="Late invoices",
        reason="Nobody answers.",
    )
    assert escalation.level_due_at == NOW + timedelta(days=2)
    assert AuditEvent.objects.filter(action="governance.escalation_path.saved").count() == 1
    assert EscalationLevel.objects.filter(partnership=partnership).count() == 2


def test_the_usual_path_is_stored_in_the_name_of_who_raised_the_first_escalation(
    scope, partnership, manager
):
    services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, title="Late", reason="Nobody answers."
    )
    event = AuditEvent.objects.get(action="governance.escalation_path.saved")
    assert event.actor == manager


def test_a_resolution_is_required_even_when_none_is_given(scope, partnership, manager):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        title="Late invoices",
        reason="Nobody answers.",
    )
    with pytest.raises(ValidationError):
        services.escalation_resolve(escalation=escalation, actor=manager, now=NOW, resolution=None)


def test_the_job_counts_every_overdue_action_it_raises(scope, board, partnership):
    _action(board, partnership)
    _action(board, partnership)
    assert services.escalations_run(now=NOW + timedelta(days=8)).raised == 2


def test_the_job_resolves_an_action_closed_behind_its_back(scope, board, partnership):
    from governance.models import MeetingAction

    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    MeetingAction.objects.filter(pk=action.pk).update(status="done")
    run = services.escalations_run(now=NOW + timedelta(days=13))
    assert (run.resolved, run.advanced) == (1, 0)


def test_the_job_works_through_every_due_escalation_whatever_the_one_before_it(
    scope, partnership, manager, committee, guest
):
    """An escalation at the top of the path, one whose item closed, or one whose next level was
    already reached does not stop the job: the others due are still taken up (each told), and
    resolved ones are left alone."""
    services.escalation_path_save(
        partnership=partnership,
        actor=manager,
        levels=[_level("working_team", 1, [committee]), _level("committee", 1, [guest])],
    )
    at_top = services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, title="Top", reason="Nobody answers."
    )
    services.escalations_run(now=NOW + timedelta(days=1))
    at_top.refresh_from_db()
    assert at_top.rank == 2
    day = NOW + timedelta(days=1)
    withdrawn = [
        submitted(manager, partnership, [committee, guest], cost_impact=cost)
        for cost in (1000, 1500)
    ]
    open_request = submitted(manager, partnership, [committee, guest], cost_impact=2000)
    closed = [
        services.escalation_raise(
            partnership=partnership,
            actor=manager,
            now=day,
            change_request=change_request,
            reason="Nobody answers.",
        )
        for change_request in withdrawn
    ]
    for change_request in withdrawn:
        services.change_request_withdraw(change_request=change_request, actor=manager, now=day)
    reached = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=day,
        title="Level 2 already reached",
        reason="Nobody answers.",
    )
    EscalationStep.objects.create(
        organization=scope, escalation=reached, rank=2, reached_at=day, by_job=True
    )
    others = [
        services.escalation_raise(
            partnership=partnership, actor=manager, now=day, **item, reason="Nobody answers."
        )
        for item in ({"change_request": open_request}, {"title": "Issue one"}, {"title": "Two"})
    ]
    run = services.escalations_run(now=day + timedelta(days=1))
    # Three taken up, each told to the committee's contact and to whoever raised it.
    assert run == services.EscalationRun(raised=0, advanced=3, resolved=2, notifications=6)
    for escalation in closed:
        escalation.refresh_from_db()
        assert escalation.status == "resolved"
    reached.refresh_from_db()
    assert reached.rank == 1
    for escalation in others:
        escalation.refresh_from_db()
        assert (escalation.rank, escalation.status) == (2, "open")
    steps = EscalationStep.objects.filter(rank=2).exclude(escalation=reached)
    assert steps.count() == 4 and set(steps.values_list("by_job", flat=True)) == {True}
    later = services.escalations_run(now=day + timedelta(days=30))
    assert later == services.EscalationRun(0, 0, 0, 0)
