"""The exit plan: created (one per partnership), its fields and lead time changed while the
wind-down is not open, and closed once the wind-down is done and the data disposition verified."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning.models import (
    EXIT_PLAN_LIFECYCLE,
    LEAD_TIME_MAX,
    LEAD_TIME_MIN,
    READINESS_PARTS,
    DataDisposition,
    ExitPlan,
    WindDownTask,
)
from exit_planning.services._shared import _full_clean, _plan_move
from partnerships.models import Partnership
from partnerships.services.partnerships import partnership_transition
from tenancy.audit import audit_record, audit_value, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.services import require_staff

PLAN_FIELDS = (
    "owner",
    "governing_agreement",
    "lead_time_months",
    "sla_breach_count",
    "sla_breach_window_months",
    "financial_risk_threshold",
    *(name for name, _ in READINESS_PARTS),
)


def _lead_time_error(value) -> None:
    if value is None or not LEAD_TIME_MIN <= int(value) <= LEAD_TIME_MAX:
        raise ValidationError(
            {
                "lead_time_months": f"Choose a lead time from {LEAD_TIME_MIN} to {LEAD_TIME_MAX} "
                "months before the agreement ends."
            }
        )


def _check_agreement(plan: ExitPlan) -> None:
    agreement = plan.governing_agreement
    if agreement is not None and agreement.partnership_id != plan.partnership_id:
        raise ValidationError({"governing_agreement": "Choose an agreement of this partnership."})


@transaction.atomic
def exit_plan_create(*, actor: User | None, partnership: Partnership, **fields) -> ExitPlan:
    if ExitPlan.objects.filter(partnership=partnership).exists():
        raise ConflictError("This partnership already has an exit plan.", code="exists")
    allowed = {k: v for k, v in fields.items() if k in PLAN_FIELDS}
    if "lead_time_months" in allowed:
        _lead_time_error(allowed["lead_time_months"])
    plan = ExitPlan(organization=require_organization(), partnership=partnership, **allowed)
    # A plan drawn up once the exit has started starts exiting (read from the database: the
    # caller's copy of the partnership may predate the step).
    if Partnership.objects.filter(pk=partnership.pk, status=Partnership.Status.EXITING).exists():
        plan.status = ExitPlan.Status.EXITING
    require_staff(plan, "owner")
    _check_agreement(plan)
    _full_clean(plan)
    plan.save()
    audit_record(
        action="exit_planning.plan.created",
        actor=actor,
        obj=plan,
        changes={k: audit_value(v) for k, v in allowed.items()},
    )
    return plan


@transaction.atomic
def exit_plan_update(*, plan: ExitPlan, actor: User | None, **fields) -> ExitPlan:
    lock_fresh(plan)  # a wind-down opened since the page was opened freezes the lead time
    allowed = {k: v for k, v in fields.items() if k in PLAN_FIELDS}
    if "lead_time_months" in allowed:
        _lead_time_error(allowed["lead_time_months"])
        if plan.wind_down_opened_on and allowed["lead_time_months"] != plan.lead_time_months:
            raise ConflictError(
                "The wind-down is already open; its lead time no longer changes.",
                code="wind_down_open",
            )
    changes = changed_fields(plan, allowed)
    require_staff(plan, "owner", changes=changes)
    _check_agreement(plan)
    _full_clean(plan)
    plan.save()
    if changes:
        audit_record(action="exit_planning.plan.updated", actor=actor, obj=plan, changes=changes)
    return plan


@transaction.atomic
def exit_plan_close(*, plan: ExitPlan, actor: User, today: date) -> ExitPlan:
    plan = ExitPlan.objects.select_for_update().select_related("partnership").get(pk=plan.pk)
    EXIT_PLAN_LIFECYCLE.check(plan.status, ExitPlan.Status.CLOSED)
    open_tasks = WindDownTask.objects.filter(plan=plan, done_on__isnull=True).count()
    unverified = DataDisposition.objects.filter(plan=plan).exclude(
        status=DataDisposition.Status.VERIFIED
    )
    reasons = []
    if open_tasks == 1:
        reasons.append("1 wind-down task is open")
    elif open_tasks:
        reasons.append(f"{open_tasks} wind-down tasks are open")
    if unverified.exists():
        reasons.append("data disposition is not verified")
    if reasons:
        raise ConflictError("Close the exit once done: " + "; ".join(reasons) + ".", code="open")
    # The plan closes first: the partnership's step asks its exit plan (below) whether it may.
    _plan_move(plan, ExitPlan.Status.CLOSED)
    plan.closed_on = today
    plan.save(update_fields=["closed_on"])
    if plan.partnership.status != Partnership.Status.CLOSED:
        partnership_transition(
            partnership=plan.partnership,
            actor=actor,
            status=Partnership.Status.CLOSED,
            reason="The exit is complete: its exit plan was closed.",
        )
    audit_record(action="exit_planning.plan.closed", actor=actor, obj=plan)
    return plan


@transaction.atomic
def exit_plan_follow_partnership(
    *, partnership: Partnership, old: str, status: str, actor: User | None, reason: str, **_signal
) -> ExitPlan | None:
    """The exit plan follows its partnership (connected to
    `partnerships.signals.partnership_moved`, inside the partnership's transaction): when the
    partnership's exit starts (on its page, through the API or by a confirmed trigger), its
    plan moves to exiting too, with the same reason, so its triggers stop firing and the
    wind-down is what is left to do."""
    plan = ExitPlan.objects.select_for_update().filter(partnership=partnership).first()
    if plan is None:
        return None
    if status == Partnership.Status.EXITING and plan.status in (
        ExitPlan.Status.MONITORING,
        ExitPlan.Status.TRIGGERED,
    ):
        before = plan.status
        _plan_move(plan, ExitPlan.Status.EXITING)
        audit_record(
            action="exit_planning.plan.exiting",
            actor=actor,
            obj=plan,
            changes={"status": [before, plan.status], "reason": reason},
        )
    return plan


EXIT_UNDER_WAY = (
    "Its exit is under way: close the exit on the Exit plan tab, once the wind-down is done and "
    "the data disposition verified."
)


def exit_plan_blockers(*, partnership: Partnership, status: str, **_signal) -> list[str]:
    """What the exit plan holds against a partnership's step (connected to
    `partnerships.signals.partnership_move_blockers`): a partnership whose exit is under way
    closes only from its exit plan (`exit_plan_close`, which checks the wind-down and the data
    disposition), so closing it on its own page or through the API is refused, and the page
    shows why beside the greyed-out button."""
    if status != Partnership.Status.CLOSED:
        return []
    under_way = ExitPlan.objects.filter(
        partnership=partnership, status=ExitPlan.Status.EXITING
    ).exists()
    return [EXIT_UNDER_WAY] if under_way else []
