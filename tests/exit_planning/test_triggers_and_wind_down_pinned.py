"""Exit triggers recorded by hand, confirmed and dismissed, and the wind-down opened and
rescheduled, pinned rule by rule (found by `make mutation MUTATION_ARGS="exit_planning.triggers
exit_planning.wind_down"`, docs/mutation.md): each refusal in the user's words with its code,
what each decision stores, where the plan and the partnership go, each audit event and the
notice the owners get."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts.models import Agreement
from exit_planning import services
from exit_planning.models import ExitPlan, ExitTrigger, WindDownTask
from partnerships.models import Partnership
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification
from tests.contracts.factories import AgreementFactory
from tests.exit_planning.conftest import NOW, TODAY
from tests.risk.factories import RiskScoreFactory

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(hours=5)


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _record(plan, manager, kind="market_shift", evidence="  The casting market moved to Asia. "):
    return services.exit_trigger_record(
        plan=plan, actor=manager, kind=kind, evidence=evidence, today=TODAY
    )


# -- recording a trigger by hand --------------------------------------------------------------


def test_only_a_trigger_a_person_sees_is_recorded_by_hand(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        _record(plan, manager, kind="sla_breaches")
    assert refused.value.message_dict == {
        "kind": [
            "Record one of: strategic realignment or drift, market shift, change of control, "
            "insolvency."
        ]
    }
    with pytest.raises(ValidationError) as refused:
        _record(plan, manager, evidence=" ")
    assert refused.value.message_dict == {"evidence": ["Say what happened."]}
    assert not ExitTrigger.objects.exists()


@pytest.mark.parametrize("status", [ExitPlan.Status.EXITING, ExitPlan.Status.CLOSED])
def test_an_exiting_or_closed_plan_takes_no_new_trigger(scope, plan, manager, status):
    ExitPlan.objects.filter(pk=plan.pk).update(status=status)
    with pytest.raises(ConflictError) as refused:
        _record(ExitPlan.objects.get(pk=plan.pk), manager)
    assert (refused.value.message, refused.value.code) == (
        "This partnership is already exiting.",
        "exiting",
    )


def test_a_plan_that_began_exiting_since_the_page_was_opened_takes_no_trigger_and_stays_exiting(
    scope, plan, manager
):
    stale = ExitPlan.objects.get(pk=plan.pk)  # the page's copy, still monitoring
    ExitPlan.objects.filter(pk=plan.pk).update(status=ExitPlan.Status.EXITING)
    with pytest.raises(ConflictError) as refused:
        _record(stale, manager)
    assert refused.value.code == "exiting"
    assert ExitPlan.objects.get(pk=plan.pk).status == ExitPlan.Status.EXITING
    assert not ExitTrigger.objects.filter(plan=plan).exists()


def test_a_recorded_trigger_moves_the_plan_tells_the_owners_and_is_audited(scope, plan, manager):
    trigger = _record(plan, manager)
    trigger.refresh_from_db()
    assert (trigger.kind, trigger.evidence, trigger.fired_on, trigger.status) == (
        "market_shift",
        "The casting market moved to Asia.",
        TODAY,
        "fired",
    )
    assert ExitPlan.objects.get(pk=plan.pk).status == "triggered"
    [event] = _events("exit_planning.trigger.fired")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(trigger.pk),
        {"kind": "market_shift", "evidence": "The casting market moved to Asia."},
    )
    [note] = Notification.objects.all()
    assert (note.recipient, note.title) == (
        manager,
        "Exit trigger for Alder drive-train: Market shift",
    )
    assert note.body == (
        "The casting market moved to Asia. Confirm it to start the exit, or dismiss it."
    )
    assert note.url == f"/o/alpha/partnerships/{plan.partnership_id}/exit/"
    second = _record(plan, manager, evidence="Prices doubled.")
    assert second.pk != trigger.pk and ExitTrigger.objects.count() == 2


def test_a_terminated_agreement_fires_with_its_termination_date(scope, plan):
    AgreementFactory(
        organization=scope, partnership=plan.partnership, status=Agreement.Status.TERMINATED,
        ended_on=date(2030, 6, 30), title="Castings MSA",
    )  # fmt: skip
    [trigger] = services.exit_triggers_evaluate_plan(plan=plan, today=TODAY)
    assert trigger.evidence == "“Castings MSA” is terminated on 30 Jun 2030."
    assert trigger.dedupe_key.startswith("termination:")


# -- confirming and dismissing ----------------------------------------------------------------


def test_confirming_needs_a_reason_then_moves_plan_and_partnership_to_exiting(scope, plan, manager):
    trigger = _record(plan, manager)
    with pytest.raises(ValidationError) as refused:
        services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="", now=LATER)
    assert refused.value.message_dict == {"reason": ["Say why the exit goes ahead."]}
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason=" Board: exit ", now=LATER)
    trigger.refresh_from_db()
    assert (trigger.status, trigger.decided_by, trigger.decided_at, trigger.decision_reason) == (
        "confirmed",
        manager,
        LATER,
        "Board: exit",
    )
    assert ExitPlan.objects.get(pk=plan.pk).status == "exiting"
    assert Partnership.objects.get(pk=plan.partnership_id).status == "exiting"
    [event] = _events("exit_planning.trigger.confirmed")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(trigger.pk),
        {"reason": "Board: exit"},
    )
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_dismiss(trigger=trigger, actor=manager, reason="No", now=LATER)
    assert (refused.value.message, refused.value.code) == (
        "This trigger was already confirmed.",
        "decided",
    )


def test_dismissing_the_last_open_trigger_returns_the_plan_to_monitoring(scope, plan, manager):
    first, second = _record(plan, manager), _record(plan, manager, evidence="Prices doubled.")
    with pytest.raises(ValidationError) as refused:
        services.exit_trigger_dismiss(trigger=first, actor=manager, reason=None, now=LATER)
    assert refused.value.message_dict == {
        "reason": ["Say why the trigger does not lead to an exit."]
    }
    services.exit_trigger_dismiss(trigger=first, actor=manager, reason=" Seasonal ", now=LATER)
    assert ExitPlan.objects.get(pk=plan.pk).status == "triggered"  # the second is still open
    services.exit_trigger_dismiss(trigger=second, actor=manager, reason="Passed", now=LATER)
    assert ExitPlan.objects.get(pk=plan.pk).status == "monitoring"
    first.refresh_from_db()
    assert (first.status, first.decided_by, first.decided_at, first.decision_reason) == (
        "dismissed",
        manager,
        LATER,
        "Seasonal",
    )
    events = _events("exit_planning.trigger.dismissed")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (manager, str(first.pk), {"reason": "Seasonal"}),
        (manager, str(second.pk), {"reason": "Passed"}),
    ]
    with pytest.raises(ConflictError) as refused:
        services.exit_trigger_confirm(trigger=first, actor=manager, reason="Go", now=LATER)
    assert refused.value.message == "This trigger was already dismissed."


# -- the wind-down ----------------------------------------------------------------------------


def test_opening_the_wind_down_plans_the_tasks_once_tells_the_owners_and_is_audited(
    scope, plan, manager
):
    tasks = services.wind_down_open(
        plan=plan, end_date=date(2030, 6, 30), today=TODAY, actor=manager
    )
    stored = list(WindDownTask.objects.filter(plan=plan).order_by("order"))
    assert len(stored) == len(tasks) > 3
    assert {t.owner for t in stored} == {manager}
    assert all(TODAY <= t.start_on <= t.due_on for t in stored)
    plan.refresh_from_db()
    assert (plan.wind_down_opened_on, plan.wind_down_end_date) == (TODAY, date(2030, 6, 30))
    [event] = _events("exit_planning.wind_down.opened")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(plan.pk),
        {"opened_on": "2030-01-10", "end_date": "2030-06-30"},
    )
    [note] = Notification.objects.all()
    assert (note.recipient, note.title, note.url) == (
        manager,
        "Wind-down opened for Alder drive-train",
        f"/o/alpha/partnerships/{plan.partnership_id}/exit/",
    )
    assert note.body == (
        f"The governing agreement ends on 30 Jun 2030; {len(tasks)} tasks are planned."
    )
    with pytest.raises(ConflictError) as refused:
        services.wind_down_open(plan=plan, end_date=date(2030, 6, 30), today=TODAY)
    assert (refused.value.message, refused.value.code) == (
        "The wind-down was already opened on 10 Jan 2030.",
        "wind_down_open",
    )


def _tasks(plan):
    services.wind_down_open(plan=plan, end_date=date(2030, 6, 30), today=TODAY)
    tasks = {t.code: t for t in WindDownTask.objects.filter(plan=plan)}
    dependant = next(t for t in tasks.values() if t.prerequisites)
    return tasks, dependant, tasks[dependant.prerequisites[0]]


def test_a_task_due_before_it_starts_is_refused_on_its_due_date(scope, plan, manager):
    tasks, dependant, _ = _tasks(plan)
    with pytest.raises(ValidationError) as refused:
        services.wind_down_task_update(
            task=dependant,
            actor=manager,
            start_on=dependant.due_on,
            due_on=dependant.due_on - timedelta(days=1),
        )
    assert refused.value.message_dict == {"due_on": ["The due date is before the start."]}


def test_a_task_cannot_start_before_its_prerequisite_is_due_and_says_which(scope, plan, manager):
    _, dependant, prerequisite = _tasks(plan)
    with pytest.raises(ValidationError) as refused:
        services.wind_down_task_update(
            task=dependant,
            actor=manager,
            start_on=prerequisite.due_on - timedelta(days=1),
            due_on=dependant.due_on,
        )
    assert refused.value.message_dict == {
        "start_on": [
            "This task cannot start before its prerequisites are due: "
            f"“{prerequisite.title}” (due {prerequisite.due_on:%d %b %Y})."
        ]
    }


def test_a_task_cannot_end_after_a_task_waiting_for_it_starts_and_says_which(scope, plan, manager):
    _, dependant, prerequisite = _tasks(plan)
    with pytest.raises(ValidationError) as refused:
        services.wind_down_task_update(
            task=prerequisite,
            actor=manager,
            start_on=prerequisite.start_on,
            due_on=dependant.start_on + timedelta(days=1),
        )
    message = refused.value.message_dict["due_on"][0]
    assert message.startswith("Tasks that wait for this one would start before it is due: ")
    assert f"“{dependant.title}” (starts {dependant.start_on:%d %b %Y})" in message


def test_a_rescheduled_task_keeps_its_owner_and_is_audited_with_its_dates(scope, plan, manager):
    _, dependant, prerequisite = _tasks(plan)
    old_due = dependant.due_on
    new_due = old_due + timedelta(days=3)
    task = services.wind_down_task_update(
        task=dependant, actor=manager, start_on=dependant.start_on, due_on=new_due
    )
    task.refresh_from_db()
    assert (task.due_on, task.owner) == (new_due, manager)
    [event] = _events("exit_planning.task.rescheduled")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(task.pk),
        {"due_on": [old_due.isoformat(), new_due.isoformat()]},
    )
    services.wind_down_task_update(
        task=task, actor=manager, start_on=task.start_on, due_on=task.due_on
    )
    assert len(_events("exit_planning.task.rescheduled")) == 1  # nothing changed: no event


# -- second round: what the first pinned round left alive ------------------------------------


def test_a_condition_fires_once_per_plan_and_each_plan_has_its_own(scope, plan, manager, org_a):
    from tests.partnerships.factories import PartnershipFactory

    other_plan = services.exit_plan_create(
        actor=manager,
        partnership=PartnershipFactory(organization=org_a, owner=manager),
        owner=manager,
    )
    for each in (plan, other_plan):
        AgreementFactory(
            organization=scope, partnership=each.partnership, status=Agreement.Status.TERMINATED,
            ended_on=date(2030, 6, 30), title="Castings MSA",
        )  # fmt: skip
    fired = [services.exit_triggers_evaluate_plan(plan=p, today=TODAY) for p in (plan, other_plan)]
    assert [len(f) for f in fired] == [1, 1]
    notes = Notification.objects.order_by("pk")
    assert [n.dedupe_key for n in notes] == [f"exit-trigger:{f[0].pk}" for f in fired]
    # Dismissing the one trigger of the first plan returns it to monitoring, whatever the
    # other plan still has open.
    services.exit_trigger_dismiss(trigger=fired[0][0], actor=manager, reason="Known", now=LATER)
    assert ExitPlan.objects.get(pk=plan.pk).status == "monitoring"


def test_a_confirmed_exit_moves_the_partnership_in_the_confirmers_name(scope, plan, manager):
    trigger = _record(plan, manager)
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Board", now=LATER)
    moved = [
        e
        for e in AuditEvent.objects.filter(object_id=str(plan.partnership_id)).order_by("sequence")
        if e.changes.get("status") == ["active", "exiting"]
    ]
    assert [(e.actor, e.changes["reason"]) for e in moved] == [
        (manager, "Exit trigger confirmed: Board")
    ]


def test_the_opened_tasks_are_the_templates_with_their_titles_streams_and_order(
    scope, plan, manager
):
    from exit_planning.winddown import schedule

    services.wind_down_open(plan=plan, end_date=date(2030, 6, 30), today=TODAY)
    stored = [
        (t.code, t.title, t.stream, t.order, t.start_on, t.due_on)
        for t in WindDownTask.objects.filter(plan=plan).order_by("order")
    ]
    expected = [
        (t.code, t.title, t.stream, t.order, t.start_on, t.due_on)
        for t in schedule(opened_on=TODAY, end_date=date(2030, 6, 30))
    ]
    assert stored == expected
    assert Notification.objects.get().dedupe_key == f"wind-down:{plan.pk}"


def test_a_task_may_start_and_end_on_one_day_and_a_dependant_may_start_when_it_ends(
    scope, plan, manager
):
    _, dependant, prerequisite = _tasks(plan)
    same_day = services.wind_down_task_update(
        task=prerequisite,
        actor=manager,
        start_on=dependant.start_on,
        due_on=dependant.start_on,
    )
    assert same_day.start_on == same_day.due_on == dependant.start_on


def test_a_due_date_before_the_start_is_said_even_when_dependants_would_also_wait(
    scope, plan, manager
):
    _, dependant, prerequisite = _tasks(plan)
    with pytest.raises(ValidationError) as refused:
        services.wind_down_task_update(
            task=prerequisite,
            actor=manager,
            start_on=dependant.start_on + timedelta(days=5),
            due_on=dependant.start_on + timedelta(days=4),
        )
    assert refused.value.message_dict["due_on"] == ["The due date is before the start."]


def test_the_daily_run_counts_every_plan_it_creates_and_every_wind_down_it_opens(
    scope, manager, org_a
):
    from tests.partnerships.factories import PartnershipFactory

    partnerships = [PartnershipFactory(organization=org_a, owner=manager) for _ in range(2)]
    for partnership in partnerships:
        AgreementFactory(
            organization=scope, partnership=partnership, status=Agreement.Status.EXECUTED,
            expiry_date=date(2030, 6, 30),
        )  # fmt: skip
    run = services.exit_daily_run(today=TODAY)
    assert (run.plans_created, run.wind_downs_opened, run.triggers_fired) == (2, 2, 2)
    assert {p.owner for p in ExitPlan.objects.all()} == {manager}


def test_the_same_manual_trigger_is_recorded_on_two_plans_and_needs_its_evidence(
    scope, plan, manager, org_a
):
    from tests.partnerships.factories import PartnershipFactory

    other_plan = services.exit_plan_create(
        actor=manager,
        partnership=PartnershipFactory(organization=org_a, owner=manager),
        owner=manager,
    )
    first, second = _record(plan, manager), _record(other_plan, manager)
    assert (first.plan, second.plan, first.dedupe_key) == (plan, other_plan, second.dedupe_key)
    with pytest.raises(ValidationError) as refused:
        _record(plan, manager, evidence=None)
    assert refused.value.message_dict == {"evidence": ["Say what happened."]}


def test_a_task_rescheduled_with_a_new_owner_gets_it(scope, plan, manager, owner):
    _, dependant, _ = _tasks(plan)
    task = services.wind_down_task_update(
        task=dependant, actor=manager, start_on=dependant.start_on, due_on=dependant.due_on,
        owner=owner,
    )  # fmt: skip
    assert WindDownTask.objects.get(pk=task.pk).owner == owner


def test_the_daily_run_leaves_a_plan_alone_while_its_agreement_ends_beyond_the_lead_time(
    scope, plan
):
    AgreementFactory(
        organization=scope, partnership=plan.partnership, status=Agreement.Status.EXECUTED,
        expiry_date=date(2032, 1, 1),
    )  # fmt: skip
    assert services.exit_daily_run(today=TODAY).wind_downs_opened == 0
    assert ExitPlan.objects.get(pk=plan.pk).wind_down_opened_on is None


def test_only_this_plans_open_prerequisites_hold_a_task_back(scope, plan, manager, org_a):
    from tests.partnerships.factories import PartnershipFactory

    _, dependant, prerequisite = _tasks(plan)
    other_plan = services.exit_plan_create(
        actor=manager,
        partnership=PartnershipFactory(organization=org_a, owner=manager),
        owner=manager,
    )
    services.wind_down_open(plan=other_plan, end_date=date(2030, 6, 30), today=TODAY)
    for code in dependant.prerequisites:  # done here, open in the other plan
        WindDownTask.objects.filter(plan=plan, code=code).update(done_on=TODAY)
    done = services.wind_down_task_complete(task=dependant, actor=manager, today=TODAY)
    assert done.done_on == TODAY


def test_a_plan_confirmed_while_the_daily_job_ran_keeps_exiting_when_a_condition_fires(scope, plan):
    """The job loads its plans, then evaluates each: a trigger confirmed in between (the plan
    is exiting) is not undone by a condition the job finds afterwards."""
    loaded = ExitPlan.objects.get(pk=plan.pk)  # the job's copy, still monitoring
    ExitPlan.objects.filter(pk=plan.pk).update(status=ExitPlan.Status.EXITING)
    RiskScoreFactory(organization=scope, partnership=plan.partnership, score=Decimal("90"))
    [fired] = services.exit_triggers_evaluate_plan(plan=loaded, today=TODAY)
    assert fired.kind == ExitTrigger.Kind.FINANCIAL_RISK
    assert ExitPlan.objects.get(pk=plan.pk).status == ExitPlan.Status.EXITING


def test_a_trigger_is_named_by_its_kind_and_the_day_it_fired_in_words(scope, plan, manager):
    trigger = _record(plan, manager)
    assert str(trigger) == "Market shift (10 Jan 2030)"
