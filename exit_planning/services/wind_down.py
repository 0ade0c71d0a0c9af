"""The wind-down: opened once at the plan's lead time with its tasks (exit_planning.winddown),
the daily job that opens it and evaluates triggers, and its tasks rescheduled and completed
after their prerequisites."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning import selectors, winddown
from exit_planning.models import ExitPlan, WindDownTask
from exit_planning.services._shared import _owners, _plan_url
from exit_planning.services.plans import exit_plan_create
from exit_planning.services.triggers import exit_triggers_evaluate_plan
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.dates import add_months
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import still_staff
from tenancy.services import notify, require_staff


@transaction.atomic
def wind_down_open(
    *, plan: ExitPlan, end_date: date, today: date, actor: User | None = None
) -> list[WindDownTask]:
    """Open the wind-down from the template, dated relative to `end_date`. Once per plan: a
    second call is a 409 (the daily job checks first)."""
    plan = ExitPlan.objects.select_for_update().select_related("partnership").get(pk=plan.pk)
    if plan.wind_down_opened_on is not None:
        raise ConflictError(
            f"The wind-down was already opened on {plan.wind_down_opened_on:%d %b %Y}.",
            code="wind_down_open",
        )
    owner = still_staff(organization=plan.organization_id, user_id=plan.owner_id)
    tasks = [
        WindDownTask(
            organization=plan.organization,
            plan=plan,
            code=task.code,
            title=task.title,
            stream=task.stream,
            order=task.order,
            prerequisites=list(task.prerequisites),
            start_on=task.start_on,
            due_on=task.due_on,
            owner=owner,
        )
        for task in winddown.schedule(opened_on=today, end_date=end_date)
    ]
    WindDownTask.objects.bulk_create(tasks)
    plan.wind_down_opened_on, plan.wind_down_end_date = today, end_date
    plan.save(update_fields=["wind_down_opened_on", "wind_down_end_date", "updated_at"])
    audit_record(
        action="exit_planning.wind_down.opened",
        actor=actor,
        obj=plan,
        changes={"opened_on": today.isoformat(), "end_date": end_date.isoformat()},
    )
    notify(
        recipients=_owners(plan),
        title=f"Wind-down opened for {plan.partnership.name}",
        body=f"The governing agreement ends on {end_date:%d %b %Y}; {len(tasks)} tasks are "
        "planned.",
        url=_plan_url(plan),
        dedupe_key=f"wind-down:{plan.pk}",
    )
    return tasks


KEEP_OWNER: Any = object()  # wind_down_task_update without `owner`: the task keeps its owner


@dataclass
class DailyRun:
    plans_created: int = 0
    wind_downs_opened: int = 0
    triggers_fired: int = 0


def exit_daily_run(*, today: date) -> DailyRun:
    """The scheduled job's work in one organization: every live partnership whose governing
    agreement ends within its lead time gets its wind-down (and a plan, if it had none), once;
    then every open plan's triggers are evaluated, each firing once."""
    result = DailyRun()
    live = Partnership.objects.filter(
        status__in=[*selectors.LIVE_STATUSES, Partnership.Status.EXITING]
    ).exclude(pk__in=ExitPlan.objects.values("partnership_id"))
    for partnership in live:
        stub = ExitPlan(partnership=partnership)
        end = selectors.governing_agreement_end(stub, today=today)
        opens = end and add_months(end.on, -stub.lead_time_months)
        if opens is not None and opens <= today:
            owner = still_staff(
                organization=partnership.organization_id, user_id=partnership.owner_id
            )
            exit_plan_create(actor=None, partnership=partnership, owner=owner)
            result.plans_created += 1
    plans = ExitPlan.objects.select_related("partnership", "governing_agreement", "owner").filter(
        status__in=[
            ExitPlan.Status.MONITORING,
            ExitPlan.Status.TRIGGERED,
            ExitPlan.Status.EXITING,
        ]
    )
    for plan in plans:
        if plan.wind_down_opened_on is None:
            end = selectors.governing_agreement_end(plan, today=today)
            opens = end and add_months(end.on, -plan.lead_time_months)
            if end is not None and opens is not None and opens <= today:
                wind_down_open(plan=plan, end_date=end.on, today=today)
                result.wind_downs_opened += 1
                plan.refresh_from_db()
        if plan.status != ExitPlan.Status.EXITING:
            result.triggers_fired += len(exit_triggers_evaluate_plan(plan=plan, today=today))
    return result


@transaction.atomic
def wind_down_task_update(
    *,
    task: WindDownTask,
    actor: User | None,
    start_on: date,
    due_on: date,
    owner: Any = KEEP_OWNER,
) -> WindDownTask:
    """Reschedule a task, and hand it to someone (`owner`: a member of staff, or None for
    nobody; not given, the task keeps its owner): never before its prerequisites are due,
    never after a task that depends on it starts."""
    errors = {}
    if due_on < start_on:
        errors["due_on"] = "The due date is before the start."
    siblings = {t.code: t for t in WindDownTask.objects.filter(plan_id=task.plan_id)}
    due_by_code = {code: t.due_on for code, t in siblings.items()}
    late = winddown.prerequisite_conflicts(
        start_on=start_on, prerequisites=task.prerequisites, due_by_code=due_by_code
    )
    if late:
        names = ", ".join(
            f"“{siblings[c].title}” (due {siblings[c].due_on:%d %b %Y})" for c in late
        )
        errors["start_on"] = f"This task cannot start before its prerequisites are due: {names}."
    dependants = [
        t for t in siblings.values() if task.code in t.prerequisites and t.start_on < due_on
    ]
    if dependants and "due_on" not in errors:
        names = ", ".join(f"“{t.title}” (starts {t.start_on:%d %b %Y})" for t in dependants)
        errors["due_on"] = f"Tasks that wait for this one would start before it is due: {names}."
    if errors:
        raise ValidationError(errors)
    fields = {"start_on": start_on, "due_on": due_on}
    if owner is not KEEP_OWNER:
        fields["owner"] = owner
    changes = changed_fields(task, fields)
    require_staff(task, "owner", changes=changes)
    task.save()
    if changes:
        audit_record(
            action="exit_planning.task.rescheduled", actor=actor, obj=task, changes=changes
        )
    return task


@transaction.atomic
def wind_down_task_complete(*, task: WindDownTask, actor: User | None, today: date) -> WindDownTask:
    task = WindDownTask.objects.select_for_update().get(pk=task.pk)
    if task.done_on is not None:
        raise ConflictError("This task is already done.", code="done")
    open_before = WindDownTask.objects.filter(
        plan_id=task.plan_id, code__in=task.prerequisites, done_on__isnull=True
    )
    if open_before.exists():
        names = ", ".join(f"“{t.title}”" for t in open_before)
        raise ConflictError(f"Finish its prerequisites first: {names}.", code="prerequisites")
    task.done_on = today
    task.save(update_fields=["done_on"])
    audit_record(action="exit_planning.task.done", actor=actor, obj=task)
    return task
