"""Writes of the exit_planning module. Every rule of the exit lives here: the lead-time bounds,
trigger evaluation (once per condition), the confirmation that moves the partnership to exiting
(through the partnerships lifecycle service), the wind-down opened once at its lead time, tasks
after their prerequisites, destruction only with a certificate and verified by the other party,
asset valuation from its method's inputs and acceptance by both parties, the joint post-mortem,
and playbook changes applied after review through contracts' playbook service.

The clock is an argument (`today=` / `now=`), never read here.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from contracts.detection.taxonomy import BY_CODE
from contracts.models import PlaybookClause
from contracts.services.playbook import playbook_clause_save
from exit_planning import selectors, winddown
from exit_planning.models import (
    DATA_RULES,
    DISPOSITION_LIFECYCLE,
    EXIT_PLAN_LIFECYCLE,
    LEAD_TIME_MAX,
    LEAD_TIME_MIN,
    PLAYBOOK_CHANGE_LIFECYCLE,
    READINESS_PARTS,
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    Party,
    PlaybookChange,
    PostMortem,
    PostMortemEntry,
    StakeholderNotice,
    WindDownTask,
)
from partnerships.models import Partnership
from partnerships.services.partnerships import partnership_transition
from tenancy.audit import audit_record, audit_value, changed_fields
from tenancy.context import require_organization
from tenancy.dates import add_months
from tenancy.errors import ConflictError
from tenancy.models import Membership, Role, User
from tenancy.money import Money
from tenancy.services import notify

PLAN_FIELDS = (
    "owner",
    "governing_agreement",
    "lead_time_months",
    "sla_breach_count",
    "sla_breach_window_months",
    "financial_risk_threshold",
    *(name for name, _ in READINESS_PARTS),
)


def _url(name: str, *args) -> str:
    return reverse(name, args=[require_organization().slug, *args])


def _plan_url(plan: ExitPlan) -> str:
    return _url("partnership-exit", plan.partnership_id)


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _owners(plan: ExitPlan) -> list[User]:
    """Who hears about an exit: the plan's owner, the partnership's owner and executive
    sponsor, or the organization's admins when nobody is named."""
    partnership = plan.partnership
    users = [u for u in (plan.owner, partnership.owner, partnership.executive_sponsor) if u]
    if users:
        return users
    return [
        m.user
        for m in Membership.objects.filter(
            organization=require_organization(), role=Role.ORG_ADMIN, is_active=True
        ).select_related("user")
    ]


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


# --- The exit plan ------------------------------------------------------------------------------


@transaction.atomic
def exit_plan_create(*, actor: User | None, partnership: Partnership, **fields) -> ExitPlan:
    if ExitPlan.objects.filter(partnership=partnership).exists():
        raise ConflictError("This partnership already has an exit plan.", code="exists")
    allowed = {k: v for k, v in fields.items() if k in PLAN_FIELDS}
    if "lead_time_months" in allowed:
        _lead_time_error(allowed["lead_time_months"])
    plan = ExitPlan(organization=require_organization(), partnership=partnership, **allowed)
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
    allowed = {k: v for k, v in fields.items() if k in PLAN_FIELDS}
    if "lead_time_months" in allowed:
        _lead_time_error(allowed["lead_time_months"])
        if plan.wind_down_opened_on and allowed["lead_time_months"] != plan.lead_time_months:
            raise ConflictError(
                "The wind-down is already open; its lead time no longer changes.",
                code="wind_down_open",
            )
    changes = changed_fields(plan, allowed)
    _check_agreement(plan)
    _full_clean(plan)
    plan.save()
    if changes:
        audit_record(action="exit_planning.plan.updated", actor=actor, obj=plan, changes=changes)
    return plan


def _plan_move(plan: ExitPlan, status: str) -> None:
    EXIT_PLAN_LIFECYCLE.check(plan.status, status)
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])


# --- Triggers -----------------------------------------------------------------------------------


def _fire(
    plan: ExitPlan, *, kind: str, key: str, evidence: str, today: date, actor: User | None = None
) -> ExitTrigger | None:
    """Record a trigger once per (plan, key); a new one moves a monitoring plan to triggered
    and tells the owners. None when this condition already fired."""
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
    except IntegrityError:  # a concurrent run fired it first
        return None
    if plan.status == ExitPlan.Status.MONITORING:
        _plan_move(plan, ExitPlan.Status.TRIGGERED)
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
    for sla in selectors.termination_rights(pid):
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
    breaches = selectors.breaches_in_window(pid, today=today, months=plan.sla_breach_window_months)
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
    scorecard = selectors.latest_published_scorecard(pid)
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
    score = selectors.latest_risk_score(pid)
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
    if plan.status in (ExitPlan.Status.EXITING, ExitPlan.Status.CLOSED):
        raise ConflictError("This partnership is already exiting.", code="exiting")
    key = f"manual:{kind}:{ExitTrigger.objects.filter(plan=plan).count() + 1}"
    trigger = _fire(plan, kind=kind, key=key, evidence=evidence.strip(), today=today, actor=actor)
    assert trigger is not None
    return trigger


def _open_trigger(trigger: ExitTrigger) -> ExitTrigger:
    trigger = (
        ExitTrigger.objects.select_for_update()
        .select_related("plan__partnership")
        .get(pk=trigger.pk)
    )
    if trigger.status != ExitTrigger.Status.FIRED:
        raise ConflictError(
            f"This trigger was already {trigger.get_status_display().lower()}.", code="decided"
        )
    return trigger


@transaction.atomic
def exit_trigger_confirm(
    *, trigger: ExitTrigger, actor: User, reason: str, now: datetime
) -> ExitTrigger:
    """A person confirms: the plan moves to exiting and the partnership to exiting through its
    own lifecycle service (which refuses a partnership that is not live)."""
    trigger = _open_trigger(trigger)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the exit goes ahead."})
    plan = trigger.plan
    EXIT_PLAN_LIFECYCLE.check(plan.status, ExitPlan.Status.EXITING)
    partnership = plan.partnership
    if partnership.status != Partnership.Status.EXITING:
        partnership_transition(
            partnership=partnership, actor=actor, status=Partnership.Status.EXITING
        )
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
    trigger = _open_trigger(trigger)
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


# --- The wind-down ------------------------------------------------------------------------------


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
            owner=plan.owner,
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
            exit_plan_create(actor=None, partnership=partnership, owner=partnership.owner)
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
    *, task: WindDownTask, actor: User | None, start_on: date, due_on: date, owner=None
) -> WindDownTask:
    """Reschedule a task: never before its prerequisites are due, never after a task that
    depends on it starts."""
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
    changes = changed_fields(task, {"start_on": start_on, "due_on": due_on, "owner": owner})
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


# --- Knowledge transfer ---------------------------------------------------------------------------


KNOWLEDGE_FIELDS = ("kind", "title", "holder", "starts_on", "ends_on", "attendees")


@transaction.atomic
def knowledge_item_create(*, plan: ExitPlan, actor: User | None, **fields) -> KnowledgeTransferItem:
    item = KnowledgeTransferItem(
        organization=require_organization(),
        plan=plan,
        **{k: v for k, v in fields.items() if k in KNOWLEDGE_FIELDS},
    )
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        raise ValidationError({"ends_on": "The end is before the start."})
    if item.kind == KnowledgeTransferItem.Kind.ACCESS_WINDOW and not (
        item.starts_on and item.ends_on
    ):
        raise ValidationError({"ends_on": "An access window needs a start and an end."})
    _full_clean(item)
    item.save()
    audit_record(action="exit_planning.knowledge.created", actor=actor, obj=item)
    return item


@transaction.atomic
def knowledge_item_sign_off(
    *, item: KnowledgeTransferItem, actor: User, attendees: str, now: datetime
) -> KnowledgeTransferItem:
    item = KnowledgeTransferItem.objects.select_for_update().get(pk=item.pk)
    if item.signed_off_at is not None:
        raise ConflictError("This item is already signed off.", code="signed_off")
    attendees = (attendees or item.attendees or "").strip()
    if item.kind == KnowledgeTransferItem.Kind.TRAINING and not attendees:
        raise ValidationError({"attendees": "Record who attended the session."})
    item.attendees, item.signed_off_by, item.signed_off_at = attendees, actor, now
    item.save(update_fields=["attendees", "signed_off_by", "signed_off_at"])
    audit_record(action="exit_planning.knowledge.signed_off", actor=actor, obj=item)
    return item


# --- Data disposition -----------------------------------------------------------------------------


@transaction.atomic
def disposition_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    data_category: str,
    action: str,
    rule: str,
    performed_by: str = Party.PARTNER,
    today: date,
) -> DataDisposition:
    """The deadline comes from the data-protection rule: its days after the end of services
    (the wind-down's end date, else today)."""
    if rule not in DATA_RULES:
        raise ValidationError({"rule": "Choose the data-protection rule that applies."})
    base = plan.wind_down_end_date or today
    _, days = DATA_RULES[rule]
    from datetime import timedelta

    item = DataDisposition(
        organization=require_organization(),
        plan=plan,
        data_category=(data_category or "").strip(),
        action=action,
        rule=rule,
        performed_by=performed_by,
        deadline=base + timedelta(days=days),
    )
    _full_clean(item)
    item.save()
    audit_record(action="exit_planning.disposition.created", actor=actor, obj=item)
    return item


@transaction.atomic
def disposition_mark_done(
    *, item: DataDisposition, actor: User | None, certificate=None, today: date
) -> DataDisposition:
    item = DataDisposition.objects.select_for_update().get(pk=item.pk)
    DISPOSITION_LIFECYCLE.check(item.status, DataDisposition.Status.DONE)
    if certificate:
        item.certificate = certificate
    if item.action == DataDisposition.Action.DESTROY and not item.certificate:
        raise ValidationError(
            {"certificate": "Upload the certificate of destruction before marking it done."}
        )
    item.status, item.done_on = DataDisposition.Status.DONE, today
    item.save(update_fields=["certificate", "status", "done_on"])
    audit_record(
        action="exit_planning.disposition.done",
        actor=actor,
        obj=item,
        changes={"certificate": item.certificate.name or None},
    )
    return item


@transaction.atomic
def disposition_verify(
    *, item: DataDisposition, actor: User, party: str, now: datetime
) -> DataDisposition:
    """The other party verifies: whoever returned or destroyed the data cannot verify it."""
    item = DataDisposition.objects.select_for_update().get(pk=item.pk)
    DISPOSITION_LIFECYCLE.check(item.status, DataDisposition.Status.VERIFIED)
    if party == item.performed_by:
        raise ConflictError(
            "The party that returned or destroyed the data cannot verify it; the other party does.",
            code="same_party",
        )
    item.status, item.verified_by, item.verified_at = DataDisposition.Status.VERIFIED, actor, now
    item.save(update_fields=["status", "verified_by", "verified_at"])
    audit_record(action="exit_planning.disposition.verified", actor=actor, obj=item)
    return item


# --- Asset transfer -------------------------------------------------------------------------------


def asset_value(
    *,
    method: str,
    currency: str,
    book_value=None,
    appraised_value=None,
    cost=None,
    salvage_value=None,
    useful_life_years=None,
    age_years=None,
) -> Money:
    """The value by the agreed method; a missing input is a field error. Straight line:
    cost − (cost − salvage) × age / useful life, never below salvage."""
    method_cls = AssetTransfer.Method
    if method == method_cls.BOOK_VALUE:
        if book_value is None:
            raise ValidationError({"book_value": "Give the book value."})
        return Money(Decimal(book_value), currency).rounded()
    if method == method_cls.APPRAISAL:
        if appraised_value is None:
            raise ValidationError({"appraised_value": "Give the appraised fair market value."})
        return Money(Decimal(appraised_value), currency).rounded()
    if method == method_cls.STRAIGHT_LINE:
        missing = {
            name: message
            for name, value, message in (
                ("cost", cost, "Give the cost."),
                ("useful_life_years", useful_life_years, "Give the useful life in years."),
                ("age_years", age_years, "Give the age in years."),
            )
            if value is None
        }
        if missing:
            raise ValidationError(missing)
        if Decimal(useful_life_years) <= 0:
            raise ValidationError({"useful_life_years": "The useful life must be above zero."})
        salvage = Decimal(salvage_value or 0)
        cost_d = Decimal(cost)
        if salvage > cost_d:
            raise ValidationError({"salvage_value": "The salvage value is above the cost."})
        used = min(Decimal(age_years) / Decimal(useful_life_years), Decimal(1))
        value = (cost_d - (cost_d - salvage) * used).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return Money(value, currency).rounded()
    raise ValidationError({"method": "Choose a valuation method."})


ASSET_INPUTS = (
    "book_value",
    "appraised_value",
    "cost",
    "salvage_value",
    "useful_life_years",
    "age_years",
)


@transaction.atomic
def asset_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    name: str,
    method: str,
    currency: str = "",
    kind: str = AssetTransfer.Kind.ASSET,
    appraiser: str = "",
    **inputs,
) -> AssetTransfer:
    currency = currency or plan.partnership.currency or require_organization().default_currency
    values = {k: inputs.get(k) for k in ASSET_INPUTS}
    if method == AssetTransfer.Method.APPRAISAL and not (appraiser or "").strip():
        raise ValidationError({"appraiser": "Name the appraiser."})
    value = asset_value(method=method, currency=currency, **values)
    asset = AssetTransfer(
        organization=require_organization(),
        plan=plan,
        name=(name or "").strip(),
        kind=kind,
        method=method,
        currency=currency,
        appraiser=(appraiser or "").strip(),
        value=value.amount,
        **values,
    )
    _full_clean(asset)
    asset.save()
    audit_record(
        action="exit_planning.asset.created",
        actor=actor,
        obj=asset,
        changes={"method": method, "value": str(value.amount), "currency": currency},
    )
    return asset


@transaction.atomic
def asset_accept(*, asset: AssetTransfer, actor: User, party: str, now: datetime) -> AssetTransfer:
    """Each party accepts the valuation once; the transfer is agreed when both have."""
    asset = AssetTransfer.objects.select_for_update().get(pk=asset.pk)
    field = "accepted_by_us" if party == Party.US else "accepted_by_partner"
    if getattr(asset, f"{field}_at") is not None:
        raise ConflictError(
            f"{Party(party).label} already accepted this valuation.", code="accepted"
        )
    setattr(asset, field, actor)
    setattr(asset, f"{field}_at", now)
    asset.save(update_fields=[field, f"{field}_at"])
    audit_record(
        action="exit_planning.asset.accepted", actor=actor, obj=asset, changes={"party": party}
    )
    return asset


# --- Stakeholder notices --------------------------------------------------------------------------


@transaction.atomic
def notice_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    stakeholder: str,
    email: str = "",
    kind: str,
    message: str,
) -> StakeholderNotice:
    notice = StakeholderNotice(
        organization=require_organization(),
        plan=plan,
        stakeholder=(stakeholder or "").strip(),
        email=(email or "").strip(),
        kind=kind,
        message=(message or "").strip(),
    )
    _full_clean(notice)
    notice.save()
    audit_record(action="exit_planning.notice.created", actor=actor, obj=notice)
    return notice


@transaction.atomic
def notice_send(*, notice: StakeholderNotice, actor: User, now: datetime) -> StakeholderNotice:
    """Log the notice as sent (and e-mail it when an address is known)."""
    notice = (
        StakeholderNotice.objects.select_for_update()
        .select_related("plan__partnership")
        .get(pk=notice.pk)
    )
    if notice.sent_at is not None:
        raise ConflictError(f"Already sent on {notice.sent_at:%d %b %Y}.", code="sent")
    if notice.email:
        # EMAIL_BACKEND is the transactional outbox: the mail is a row of this transaction,
        # delivered after the commit (tenancy/outbox.py).
        send_mail(f"Notice: {notice.plan.partnership.name}", notice.message, None, [notice.email])
    notice.sent_at, notice.sent_by = now, actor
    notice.save(update_fields=["sent_at", "sent_by"])
    audit_record(action="exit_planning.notice.sent", actor=actor, obj=notice)
    return notice


@transaction.atomic
def notice_continuity_record(
    *, notice: StakeholderNotice, actor: User | None, continuity_ok: bool, note: str = ""
) -> StakeholderNotice:
    if not continuity_ok and not (note or "").strip():
        raise ValidationError({"continuity_note": "Say what is at risk for this stakeholder."})
    changes = changed_fields(
        notice, {"continuity_ok": continuity_ok, "continuity_note": (note or "").strip()}
    )
    notice.save()
    audit_record(action="exit_planning.notice.continuity", actor=actor, obj=notice, changes=changes)
    return notice


# --- Post-mortem ----------------------------------------------------------------------------------


def post_mortem_get_or_open(*, plan: ExitPlan) -> PostMortem:
    post_mortem = PostMortem.objects.filter(plan=plan).first()
    if post_mortem is None:
        post_mortem = PostMortem.objects.create(organization=plan.organization, plan=plan)
    return post_mortem


@transaction.atomic
def post_mortem_contribute(
    *, plan: ExitPlan, actor: User | None, party: str, section: str, text: str
) -> PostMortemEntry:
    """Either party adds what worked, what failed, a root cause or a recommendation."""
    post_mortem = post_mortem_get_or_open(plan=plan)
    if post_mortem.status == PostMortem.Status.COMPLETED:
        raise ConflictError("The post-mortem is completed.", code="completed")
    entry = PostMortemEntry(
        organization=plan.organization,
        post_mortem=post_mortem,
        section=section,
        party=party,
        text=(text or "").strip(),
        author=actor,
    )
    _full_clean(entry)
    entry.save()
    audit_record(
        action="exit_planning.post_mortem.contributed",
        actor=actor,
        obj=entry,
        changes={"section": section, "party": party},
    )
    return entry


@transaction.atomic
def post_mortem_complete(*, plan: ExitPlan, actor: User, now: datetime) -> PostMortem:
    post_mortem = PostMortem.objects.select_for_update().filter(plan=plan).first()
    if post_mortem is None:
        raise ConflictError("Nobody has contributed to the post-mortem yet.", code="empty")
    if post_mortem.status == PostMortem.Status.COMPLETED:
        raise ConflictError("The post-mortem is already completed.", code="completed")
    sections = set(post_mortem.entries.values_list("section", flat=True))
    missing = [
        label
        for value, label in PostMortemEntry.Section.choices
        if value != PostMortemEntry.Section.RECOMMENDATION and value not in sections
    ]
    if missing:
        raise ConflictError(
            "Complete it once it says " + ", ".join(m.lower() for m in missing) + ".",
            code="incomplete",
        )
    post_mortem.status = PostMortem.Status.COMPLETED
    post_mortem.completed_by, post_mortem.completed_at = actor, now
    post_mortem.save(update_fields=["status", "completed_by", "completed_at"])
    audit_record(action="exit_planning.post_mortem.completed", actor=actor, obj=post_mortem)
    return post_mortem


# --- Playbook changes -----------------------------------------------------------------------------


@transaction.atomic
def playbook_change_propose(
    *,
    source: models.Model,
    actor: User | None,
    clause_type: str,
    field: str,
    text: str,
    rationale: str = "",
    partnership: Partnership | None = None,
    target: str = PlaybookChange.Target.CLAUSE_PLAYBOOK,
) -> PlaybookChange:
    """A proposed change from any source (a post-mortem recommendation, an innovation lesson
    learned). A change to the clause playbook names its clause type; one to the training
    material does not."""
    if target == PlaybookChange.Target.TRAINING_MATERIAL:
        clause_type = ""
    elif clause_type not in BY_CODE:
        raise ValidationError({"clause_type": "Choose a clause type of the playbook."})
    change = PlaybookChange(
        organization=require_organization(),
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        partnership=partnership,
        target=target,
        clause_type=clause_type,
        field=field,
        text=(text or "").strip(),
        rationale=(rationale or "").strip(),
        proposed_by=actor,
    )
    _full_clean(change)
    change.save()
    audit_record(
        action="exit_planning.playbook_change.proposed",
        actor=actor,
        obj=change,
        changes={"clause_type": clause_type, "field": field},
    )
    return change


def playbook_change_from_entry(
    *, entry: PostMortemEntry, actor: User | None, clause_type: str, field: str, text: str = ""
) -> PlaybookChange:
    if entry.section != PostMortemEntry.Section.RECOMMENDATION:
        raise ConflictError(
            "Only a recommendation becomes a playbook change.", code="not_recommendation"
        )
    return playbook_change_propose(
        source=entry,
        actor=actor,
        clause_type=clause_type,
        field=field,
        text=text or entry.text,
        rationale=f"Post-mortem recommendation ({entry.get_party_display().lower()}).",
        partnership=entry.post_mortem.plan.partnership,
    )


@transaction.atomic
def playbook_change_review(
    *, change: PlaybookChange, actor: User, approve: bool, note: str, now: datetime
) -> PlaybookChange:
    change = PlaybookChange.objects.select_for_update().get(pk=change.pk)
    target = PlaybookChange.Status.APPROVED if approve else PlaybookChange.Status.REJECTED
    PLAYBOOK_CHANGE_LIFECYCLE.check(change.status, target)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": "Say why the change is rejected."})
    change.status, change.reviewed_by, change.reviewed_at = target, actor, now
    change.review_note = (note or "").strip()
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        action=f"exit_planning.playbook_change.{target}",
        actor=actor,
        obj=change,
        changes={"note": change.review_note},
    )
    return change


@transaction.atomic
def playbook_change_apply(*, change: PlaybookChange, actor: User, now: datetime) -> PlaybookChange:
    """Apply a reviewed change through contracts' playbook service, and link back to it."""
    change = PlaybookChange.objects.select_for_update().get(pk=change.pk)
    if change.status == PlaybookChange.Status.PROPOSED:
        raise ConflictError("Review the change before applying it.", code="not_reviewed")
    PLAYBOOK_CHANGE_LIFECYCLE.check(change.status, PlaybookChange.Status.APPLIED)
    if change.target == PlaybookChange.Target.TRAINING_MATERIAL:
        # The training material lives outside Partnerline: applying records that it was done.
        change.status, change.applied_at = PlaybookChange.Status.APPLIED, now
        change.save(update_fields=["status", "applied_at"])
        audit_record(action="exit_planning.playbook_change.applied", actor=actor, obj=change)
        return change
    current = PlaybookClause.objects.filter(clause_type=change.clause_type).first()
    fields: dict = {}
    if change.field == PlaybookChange.Field.GUIDANCE:
        existing = (current.guidance if current else "").strip()
        fields["guidance"] = f"{existing}\n\n{change.text}" if existing else change.text
    elif change.field == PlaybookChange.Field.PREFERRED_TEXT:
        fields["preferred_text"] = change.text
    else:
        existing_list = list(getattr(current, change.field, None) or []) if current else []
        fields[change.field] = [*existing_list, change.text]
    entry = playbook_clause_save(actor=actor, clause_type=change.clause_type, **fields)
    change.status, change.applied_at, change.playbook_clause = (
        PlaybookChange.Status.APPLIED,
        now,
        entry,
    )
    change.save(update_fields=["status", "applied_at", "playbook_clause"])
    audit_record(
        action="exit_planning.playbook_change.applied",
        actor=actor,
        obj=change,
        changes={"playbook_clause": {"id": entry.pk, "label": str(entry)}},
    )
    return change


# --- Closing ------------------------------------------------------------------------------------


@transaction.atomic
def exit_plan_close(*, plan: ExitPlan, actor: User, today: date) -> ExitPlan:
    plan = ExitPlan.objects.select_for_update().select_related("partnership").get(pk=plan.pk)
    EXIT_PLAN_LIFECYCLE.check(plan.status, ExitPlan.Status.CLOSED)
    open_tasks = WindDownTask.objects.filter(plan=plan, done_on__isnull=True).count()
    unverified = DataDisposition.objects.filter(plan=plan).exclude(
        status=DataDisposition.Status.VERIFIED
    )
    reasons = []
    if open_tasks:
        reasons.append(f"{open_tasks} wind-down tasks are open")
    if unverified.exists():
        reasons.append("data disposition is not verified")
    if reasons:
        raise ConflictError("Close the exit once done: " + "; ".join(reasons) + ".", code="open")
    if plan.partnership.status != Partnership.Status.CLOSED:
        partnership_transition(
            partnership=plan.partnership, actor=actor, status=Partnership.Status.CLOSED
        )
    _plan_move(plan, ExitPlan.Status.CLOSED)
    plan.closed_on = today
    plan.save(update_fields=["closed_on"])
    audit_record(action="exit_planning.plan.closed", actor=actor, obj=plan)
    return plan
