"""Exit triggers: evaluated against the plan's conditions (each firing once), recorded by hand,
confirmed (the partnership moves to exiting through the partnerships lifecycle service) or
dismissed."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from exit_planning import selectors
from exit_planning.models import EXIT_PLAN_LIFECYCLE, EXIT_TRIGGER_LIFECYCLE, ExitPlan, ExitTrigger
from exit_planning.services._shared import _owners, _plan_move, _plan_url
from partnerships.models import Partnership
from partnerships.services.partnerships import partnership_transition
from performance import selectors as performance_selectors
from risk import selectors as risk_selectors
from tenancy.audit import audit_record, lock_fresh
from tenancy.dates import add_months
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import User
from tenancy.services import notify


def _fire(
    plan: ExitPlan, *, kind: str, key: str, evidence: str, today: date, actor: User | None = None
) -> ExitTrigger | None:
    """Record a trigger once per (plan, key); a new one moves a monitoring plan to triggered
    and tells the owners. None when this condition already fired.

    The plan is read under its lock first: the daily job loads its plans before evaluating
    them, and one confirmed (exiting) or closed meanwhile keeps its status."""
    if ExitTrigger.objects.filter(plan=plan, dedupe_key=key).exists():
        return None
    try:
        with transaction.atomic():
            trigger = ExitTrigger.objects.create(
                organization=plan.organization,
                plan=plan,
                kind=kind,
                dedupe_key=key,
                evidence=evidence,
                fired_on=today,
            )
            lock_fresh(plan)
            if plan.status == ExitPlan.Status.MONITORING:
                _plan_move(plan, ExitPlan.Status.TRIGGERED)
    except IntegrityError:  # a concurrent run fired it first
        return None
    audit_record(
        action="exit_planning.trigger.fired",
        actor=actor,
        obj=trigger,
        changes={"kind": kind, "evidence": evidence},
    )
    notify(
        recipients=_owners(plan),
        title=f"Exit trigger for {plan.partnership.name}: {trigger.get_kind_display()}",
        body=evidence + " Confirm it to start the exit, or dismiss it.",
        url=_plan_url(plan),
        dedupe_key=f"exit-trigger:{trigger.pk}",
    )
    return trigger


def exit_triggers_evaluate_plan(*, plan: ExitPlan, today: date) -> list[ExitTrigger]:
    """The automatic triggers of one plan, each condition firing once."""
    fired: list[ExitTrigger | None] = []
    pid = plan.partnership_id
    for sla in performance_selectors.sla_termination_rights(partnership_id=pid):
        fired.append(
            _fire(
                plan,
                kind=ExitTrigger.Kind.TERMINATION_RIGHT,
                key=f"sla-termination:{sla.pk}:{sla.termination_right_since.isoformat()}",
                evidence=f"The breach check raised a right to terminate under the SLA "
                f"“{sla.name}” on {sla.termination_right_since:%d %b %Y}.",
                today=today,
            )
        )
    breaches = performance_selectors.breaches_in_window(
        partnership_id=pid, today=today, months=plan.sla_breach_window_months
    )
    if len(breaches) >= plan.sla_breach_count:
        reached = breaches[plan.sla_breach_count - 1]  # the breach that reached the count
        fired.append(
            _fire(
                plan,
                kind=ExitTrigger.Kind.SLA_BREACHES,
                key=f"sla-breaches:{reached.pk}",
                evidence=f"{len(breaches)} SLA breaches in the last "
                f"{plan.sla_breach_window_months} months (the trigger is "
                f"{plan.sla_breach_count}).",
                today=today,
            )
        )
    scorecard = performance_selectors.latest_published_scorecard(partnership_id=pid)
    if scorecard and scorecard.standing_action in selectors.BLOCKING_STANDING_ACTIONS:
        fired.append(
            _fire(
                plan,
                kind=ExitTrigger.Kind.SCORECARD_STANDING,
                key=f"standing:{scorecard.pk}",
                evidence=f"The scorecard of {scorecard.period_start:%B %Y} puts the partner in "
                f"the standing “{scorecard.standing}”.",
                today=today,
            )
        )
    score = risk_selectors.latest_risk_score(partnership_id=pid)
    if score is not None:
        threshold = (
            plan.financial_risk_threshold
            if plan.financial_risk_threshold is not None
            else score.buyer_threshold
        )
        if score.score > threshold:
            fired.append(
                _fire(
                    plan,
                    kind=ExitTrigger.Kind.FINANCIAL_RISK,
                    key=f"financial-risk:{score.pk}",
                    evidence=f"The third-party risk score of {score.scored_on:%d %b %Y} is "
                    f"{score.score}, above the threshold of {threshold}.",
                    today=today,
                )
            )
    end = selectors.governing_agreement_end(plan, today=today)
    if end is not None:
        opens = add_months(end.on, -plan.lead_time_months)
        if opens is not None and opens <= today:
            what = "is terminated" if end.kind == "termination" else "expires without renewal"
            fired.append(
                _fire(
                    plan,
                    kind=ExitTrigger.Kind.CONTRACT_EXPIRY,
                    key=f"{end.kind}:{end.agreement.pk}:{end.on.isoformat()}",
                    evidence=f"“{end.agreement.title}” {what} on {end.on:%d %b %Y}.",
                    today=today,
                )
            )
    return [t for t in fired if t is not None]


@transaction.atomic
def exit_trigger_record(
    *, plan: ExitPlan, actor: User | None, kind: str, evidence: str, today: date
) -> ExitTrigger:
    """A trigger a person saw: strategic drift, market shift, change of control, insolvency."""
    if kind not in ExitTrigger.MANUAL_KINDS:
        labels = ", ".join(str(ExitTrigger.Kind(k).label).lower() for k in ExitTrigger.MANUAL_KINDS)
        raise ValidationError({"kind": f"Record one of: {labels}."})
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "Say what happened."})
    lock_fresh(plan)  # a trigger confirmed since the page was opened: the plan is exiting now
    if plan.status in (ExitPlan.Status.EXITING, ExitPlan.Status.CLOSED):
        raise ConflictError("This partnership is already exiting.", code="exiting")
    key = f"manual:{kind}:{ExitTrigger.objects.filter(plan=plan).count() + 1}"
    trigger = _fire(plan, kind=kind, key=key, evidence=evidence.strip(), today=today, actor=actor)
    assert trigger is not None
    return trigger


def _open_trigger(trigger: ExitTrigger, decision: str) -> ExitTrigger:
    """The trigger, locked, if its lifecycle lets it take `decision` (confirmed or dismissed):
    a trigger already decided is refused in words ("This trigger was already confirmed.")."""
    trigger = (
        ExitTrigger.objects.select_for_update()
        .select_related("plan__partnership")
        .get(pk=trigger.pk)
    )
    try:
        EXIT_TRIGGER_LIFECYCLE.check(trigger.status, decision)
    except TransitionNotAllowed:
        raise ConflictError(
            f"This trigger was already {trigger.get_status_display().lower()}.", code="decided"
        ) from None
    return trigger


@transaction.atomic
def exit_trigger_confirm(
    *, trigger: ExitTrigger, actor: User, reason: str, now: datetime
) -> ExitTrigger:
    """A person confirms: the plan moves to exiting and the partnership to exiting through its
    own lifecycle service (which refuses a partnership that is not live)."""
    trigger = _open_trigger(trigger, ExitTrigger.Status.CONFIRMED)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the exit goes ahead."})
    plan = trigger.plan
    if plan.status != ExitPlan.Status.EXITING:  # the exit may have started on the partnership
        EXIT_PLAN_LIFECYCLE.check(plan.status, ExitPlan.Status.EXITING)
    partnership = plan.partnership
    if partnership.status != Partnership.Status.EXITING:
        # The plan follows the partnership (exit_plan_follow_partnership).
        partnership_transition(
            partnership=partnership,
            actor=actor,
            status=Partnership.Status.EXITING,
            reason=f"Exit trigger confirmed: {reason.strip()}",
        )
        plan.refresh_from_db(fields=["status"])
    if plan.status != ExitPlan.Status.EXITING:
        _plan_move(plan, ExitPlan.Status.EXITING)
    trigger.status = ExitTrigger.Status.CONFIRMED
    trigger.decided_by, trigger.decided_at, trigger.decision_reason = actor, now, reason.strip()
    trigger.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        action="exit_planning.trigger.confirmed",
        actor=actor,
        obj=trigger,
        changes={"reason": trigger.decision_reason},
    )
    return trigger


@transaction.atomic
def exit_trigger_dismiss(
    *, trigger: ExitTrigger, actor: User, reason: str, now: datetime
) -> ExitTrigger:
    trigger = _open_trigger(trigger, ExitTrigger.Status.DISMISSED)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the trigger does not lead to an exit."})
    trigger.status = ExitTrigger.Status.DISMISSED
    trigger.decided_by, trigger.decided_at, trigger.decision_reason = actor, now, reason.strip()
    trigger.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    plan = trigger.plan
    still_open = ExitTrigger.objects.filter(plan=plan, status=ExitTrigger.Status.FIRED).exists()
    if plan.status == ExitPlan.Status.TRIGGERED and not still_open:
        _plan_move(plan, ExitPlan.Status.MONITORING)
    audit_record(
        action="exit_planning.trigger.dismissed",
        actor=actor,
        obj=trigger,
        changes={"reason": trigger.decision_reason},
    )
    return trigger
