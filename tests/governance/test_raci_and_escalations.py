"""The RACI matrix and escalation paths as specifications: one Accountable and at least one
Responsible per activity, nothing written when the grid is invalid; escalations of any open
item climb one level per missed deadline, never twice to the same level."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from governance import services, tasks
from governance.models import Escalation, EscalationStep, RaciAssignment
from tenancy.errors import ConflictError
from tenancy.models import Notification
from tests.governance.conftest import NOW
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db


# --- RACI ---------------------------------------------------------------------------------


def test_the_usual_activities_are_added_once(scope, partnership, owner):
    assert len(services.raci_install_defaults(partnership=partnership, actor=owner)) == 6
    assert services.raci_install_defaults(partnership=partnership, actor=owner) == []


def test_a_valid_matrix_is_saved_with_the_party_of_each_person(
    scope, partnership, owner, committee, guest
):
    activity = services.raci_activity_create(
        partnership=partnership, name="Contract approvals", actor=owner
    )
    services.raci_matrix_save(
        partnership=partnership,
        actor=owner,
        matrix={activity.pk: [(committee, "A"), (guest, "R"), (owner, "I")]},
    )
    rows = {
        a.user.email: (a.letter, a.party) for a in RaciAssignment.objects.select_related("user")
    }
    assert rows == {
        "committee@alpha.test": ("A", "customer"),
        "guest@alder.test": ("R", "partner"),
        "owner@alpha.test": ("I", "customer"),
    }


@pytest.mark.parametrize(
    "letters, problem",
    [
        (["A", "A", "R"], "exactly one Accountable, not 2"),
        (["R", "C"], "there is none"),
        (["A", "C"], "at least one Responsible"),
    ],
)
def test_an_invalid_matrix_changes_nothing(
    scope, partnership, owner, committee, guest, manager, letters, problem
):
    activity = services.raci_activity_create(
        partnership=partnership, name="Scope change", actor=owner
    )
    services.raci_matrix_save(
        partnership=partnership, actor=owner, matrix={activity.pk: [(owner, "A"), (guest, "R")]}
    )
    people = [committee, guest, manager]
    with pytest.raises(ValidationError) as error:
        services.raci_matrix_save(
            partnership=partnership,
            actor=owner,
            matrix={activity.pk: list(zip(people, letters, strict=False))},
        )
    assert problem in str(error.value)
    assert set(RaciAssignment.objects.values_list("letter", flat=True)) == {"A", "R"}
    assert RaciAssignment.objects.count() == 2


def test_a_guest_of_another_partnership_is_not_in_the_matrix(
    scope, partnership, owner, make_member, org_a
):
    from tenancy.models import Role

    stranger = make_member(org_a, Role.PARTNER_GUEST, email="x@other.test")
    activity = services.raci_activity_create(partnership=partnership, name="Sourcing", actor=owner)
    with pytest.raises(ValidationError):
        services.raci_matrix_save(
            partnership=partnership,
            actor=owner,
            matrix={activity.pk: [(owner, "A"), (stranger, "R")]},
        )


# --- escalations --------------------------------------------------------------------------


def _action(board, partnership, due_in_days=-1):
    return services.meeting_action_create(
        partnership=partnership,
        actor=board.seats["secretary"].user,
        title="Send the capacity plan",
        owner=board.seats["guest"].user,
        due_date=NOW.date() + timedelta(days=7),
        today=NOW.date(),
    )


def test_the_first_escalation_sets_up_the_usual_path_with_named_people(
    scope, board, partnership, manager, committee, guest
):
    change_request = submitted(manager, partnership, [committee, guest], cost_impact=1000)
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=NOW,
        change_request=change_request,
        reason="No answer",
    )
    path = services.escalation_path_save  # noqa: F841 - the path is stored now
    from governance.selectors import escalation_path

    levels = escalation_path(partnership)
    assert [level.tier for level in levels] == [
        "working_team",
        "committee",
        "executive_sponsors",
        "mediation",
    ]
    assert [u.email for u in levels[1].people] == ["committee@alpha.test"]
    assert {u.email for u in levels[2].people} == {"sponsor@alpha.test", "pia@alder.test"}
    assert escalation.rank == 1 and escalation.level_due_at == NOW + timedelta(days=5)
    with pytest.raises(ConflictError):
        services.escalation_raise(
            partnership=partnership,
            actor=manager,
            now=NOW,
            change_request=change_request,
            reason="Nobody answers.",
        )


def test_a_closed_item_is_not_escalated(scope, board, partnership):
    action = _action(board, partnership)
    services.meeting_action_set_status(
        action=action, actor=board.seats["guest"].user, status="done", now=NOW
    )
    with pytest.raises(ConflictError):
        services.escalation_raise(
            partnership=partnership,
            actor=board.seats["secretary"].user,
            now=NOW,
            action=action,
            reason="Nobody answers.",
        )


def test_the_job_escalates_overdue_actions_and_climbs_one_level_per_missed_deadline(
    scope, board, partnership
):
    action = _action(board, partnership)
    overdue = NOW + timedelta(days=8)  # the action was due a day before
    first = services.escalations_run(now=overdue)
    assert (first.raised, first.advanced) == (1, 0)
    escalation = Escalation.objects.get(action=action)
    assert escalation.rank == 1 and escalation.raised_by is None
    # A rerun the same day does nothing.
    assert services.escalations_run(now=overdue) == services.EscalationRun(0, 0, 0, 0)
    # The working team's five days pass: the committee (its chair) is told, once.
    later = overdue + timedelta(days=5)
    run = services.escalations_run(now=later)
    assert run.advanced == 1
    escalation.refresh_from_db()
    assert escalation.rank == 2
    assert services.escalations_run(now=later).advanced == 0
    told = Notification.objects.filter(dedupe_key=f"governance.escalation:{escalation.pk}:2")
    assert list(told.values_list("recipient__email", flat=True)) == ["committee@alpha.test"]
    assert list(EscalationStep.objects.values_list("rank", flat=True)) == [1, 2]


def test_the_job_never_reaches_the_same_level_twice(scope, board, partnership):
    action = _action(board, partnership)
    services.escalations_run(now=NOW + timedelta(days=8))
    escalation = Escalation.objects.get(action=action)
    # Someone already recorded level 2 (a concurrent run): the job does not do it again.
    EscalationStep.objects.create(
        organization=escalation.organization, escalation=escalation, rank=2, reached_at=NOW
    )
    assert services.escalations_run(now=NOW + timedelta(days=14)).advanced == 0
    escalation.refresh_from_db()
    assert escalation.rank == 1


def test_an_escalation_whose_item_closed_is_resolved_by_the_job(
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
    run = services.escalations_run(now=NOW + timedelta(days=6))
    assert run.resolved == 1 and run.advanced == 0
    escalation.refresh_from_db()
    assert escalation.status == "resolved"


def test_the_escalation_task_runs_inside_its_organization(org_a, board, partnership):
    from tenancy.context import tenant_scope

    with tenant_scope(org_a):
        _action(board, partnership)
    result = tasks.escalations_advance.apply(
        kwargs={"organization_id": org_a.pk, "now": (NOW + timedelta(days=8)).isoformat()}
    ).get()
    assert result == {"raised": 1, "advanced": 0, "resolved": 0, "notifications": 0}


def test_an_invalid_path_changes_nothing(scope, partnership, owner):
    with pytest.raises(ValidationError):
        services.escalation_path_save(
            partnership=partnership,
            actor=owner,
            levels=[{"tier": "committee", "response_days": 0, "contacts": []}],
        )
