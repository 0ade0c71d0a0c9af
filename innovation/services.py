"""Rules of the innovation module. Writes only; reads are in selectors.py.

Every function takes its actor and (where time matters) the clock; the party an actor acts for
(buyer or partner) follows from their membership: a partner guest acts for the partner.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum

from exit_planning.models import PlaybookChange
from exit_planning.services import playbook_change_propose
from finance.models import SavingsEntry
from finance.services import party_of, savings_record
from innovation import selectors
from innovation.models import (
    DEFAULT_CRITERIA,
    INITIATIVE_LIFECYCLE,
    PILOT_LIFECYCLE,
    SOURCING_MODEL_LIFECYCLE,
    SUPPLIER_PROGRAMME_LIFECYCLE,
    TASK_FORCE_LIFECYCLE,
    CriterionScore,
    EvaluationCriterion,
    ImprovementInitiative,
    KnowledgeSession,
    Party,
    Pilot,
    PilotCriterion,
    SessionAttendee,
    SessionMaterial,
    SourcingModel,
    SupplierInvestment,
    SupplierProgramme,
    SupplierTargetKpi,
    TaskForce,
    TaskForceMember,
    TaskForceMilestone,
)
from partnerships.models import Partnership
from performance.models import Kpi
from tenancy.audit import audit_record, changed_fields
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.uploads import ArchiveRefused, check_office_archive

MATERIAL_MAX_BYTES = 20 * 1024 * 1024
MATERIAL_EXTENSIONS = (".pdf", ".pptx", ".docx", ".xlsx", ".txt", ".md", ".png", ".jpg", ".csv")
OFFICE_EXTENSIONS = (".pptx", ".docx", ".xlsx")


def _full_clean(obj, exclude=None) -> None:
    # The organization is set on save from the tenant context.
    obj.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _lock(obj):
    """Lock the row and re-read it into the caller's object (so it sees the change made)."""
    type(obj)._base_manager.select_for_update().filter(pk=obj.pk).exists()
    obj.refresh_from_db()
    return obj


def _buyer_only(actor, what: str) -> None:
    if party_of(actor) != Party.BUYER:
        raise ConflictError(f"Only the buyer's team can {what}.", code="buyer_only")


def _text(value) -> str:
    return (value or "").strip()


# -- initiatives -------------------------------------------------------------------------------

INITIATIVE_FIELDS = (
    "title",
    "problem",
    "proposal",
    "owner_name",
    "impact",
    "effort",
    "expected_benefit",
    "expected_kpi_effect",
    "currency",
    "internal_note",
)


def _benefit_not_negative(fields: dict) -> None:
    if fields.get("expected_benefit") is not None and fields["expected_benefit"] < 0:
        raise ValidationError({"expected_benefit": "An expected benefit cannot be negative."})


@transaction.atomic
def initiative_submit(
    *, actor: User, partnership: Partnership, now: datetime, **fields: Any
) -> ImprovementInitiative:
    """Either party submits an initiative; it is evaluated on the default criteria."""
    unknown = set(fields) - set(INITIATIVE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown initiative fields: {sorted(unknown)}")
    party = party_of(actor)
    if party == Party.PARTNER:
        fields.pop("internal_note", None)  # the buyer's note is never the partner's
    fields.setdefault("currency", partnership.currency)
    _benefit_not_negative(fields)
    initiative = ImprovementInitiative(
        partnership=partnership,
        submitted_by=actor,
        submitted_by_side=party,
        created_at=now,
        status=ImprovementInitiative.Status.PROPOSED,
        **fields,
    )
    _full_clean(initiative, exclude=["partnership"])
    initiative.save()
    for name, weight in DEFAULT_CRITERIA:
        EvaluationCriterion.objects.create(initiative=initiative, name=name, weight=weight)
    audit_record(
        action="innovation.initiative.submitted",
        actor=actor,
        obj=initiative,
        changes={"party": party},
    )
    return initiative


@transaction.atomic
def initiative_update(
    *, initiative: ImprovementInitiative, actor: User, **fields: Any
) -> ImprovementInitiative:
    """Edit an initiative while it is being evaluated (or parked)."""
    if initiative.status not in (
        ImprovementInitiative.Status.PROPOSED,
        ImprovementInitiative.Status.PARKED,
    ):
        raise ConflictError("A decided initiative is no longer edited.", code="decided")
    if party_of(actor) == Party.PARTNER:
        fields.pop("internal_note", None)
    _benefit_not_negative(fields)
    allowed = {k: v for k, v in fields.items() if k in INITIATIVE_FIELDS}
    changes = changed_fields(initiative, allowed)
    _full_clean(initiative, exclude=["partnership"])
    initiative.save()
    if changes:
        audit_record(
            action="innovation.initiative.updated",
            actor=actor,
            obj=initiative,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items() if k != "internal_note"},
        )
    return initiative


def _scoring_open(initiative: ImprovementInitiative) -> None:
    if initiative.status != ImprovementInitiative.Status.PROPOSED:
        raise ConflictError(
            "The evaluation is closed: the initiative is "
            f"{initiative.get_status_display().lower()}.",
            code="evaluation_closed",
        )


@transaction.atomic
def criterion_add(
    *, initiative: ImprovementInitiative, actor: User, name: str, weight: Decimal
) -> EvaluationCriterion:
    """The buyer adds a criterion before anyone has scored (weights are fixed once scoring
    starts, so both parties score the same evaluation)."""
    _buyer_only(actor, "set the evaluation criteria")
    _scoring_open(initiative)
    if CriterionScore.objects.filter(criterion__initiative=initiative).exists():
        raise ConflictError(
            "Scoring has started: the criteria and their weights are fixed.", code="scoring_started"
        )
    name = _text(name)
    if EvaluationCriterion.objects.filter(initiative=initiative, name__iexact=name).exists():
        raise ValidationError({"name": "This initiative has a criterion of that name already."})
    criterion = EvaluationCriterion(initiative=initiative, name=name, weight=weight)
    _full_clean(criterion, exclude=["initiative"])
    criterion.save()
    audit_record(
        action="innovation.criterion.added",
        actor=actor,
        obj=initiative,
        changes={"criterion": name, "weight": str(weight)},
    )
    return criterion


@transaction.atomic
def criterion_score(
    *, criterion: EvaluationCriterion, actor: User, now: datetime, score: int, comment: str = ""
) -> CriterionScore:
    """The actor's party scores one criterion, once (a guest scores for the partner)."""
    initiative = ImprovementInitiative.objects.select_for_update().get(pk=criterion.initiative_id)
    _scoring_open(initiative)
    party = party_of(actor)
    if CriterionScore.objects.filter(criterion=criterion, party=party).exists():
        raise ConflictError(
            f"{Party(party).label} has scored “{criterion.name}” already: each party scores "
            "each criterion once.",
            code="scored",
        )
    row = CriterionScore(
        criterion=criterion,
        party=party,
        score=score,
        comment=_text(comment),
        scored_by=actor,
        scored_at=now,
    )
    _full_clean(row, exclude=["criterion"])
    row.save()
    audit_record(
        action="innovation.criterion.scored",
        actor=actor,
        obj=initiative,
        changes={"criterion": criterion.name, "party": party, "score": score},
    )
    return row


@transaction.atomic
def initiative_decide(
    *,
    initiative: ImprovementInitiative,
    actor: User,
    now: datetime,
    decision: str,
    reason: str = "",
) -> ImprovementInitiative:
    """The buyer's manager approves, parks or rejects an evaluated initiative."""
    _lock(initiative)
    _buyer_only(actor, "decide on an initiative")
    decisions = {
        ImprovementInitiative.Status.APPROVED,
        ImprovementInitiative.Status.PARKED,
        ImprovementInitiative.Status.REJECTED,
    }
    if decision not in decisions:
        raise ValidationError({"decision": "Choose approved, parked or rejected."})
    INITIATIVE_LIFECYCLE.check(initiative.status, decision)
    reason = _text(reason)
    if decision != ImprovementInitiative.Status.APPROVED and not reason:
        raise ValidationError({"reason": "Say why the initiative is parked or rejected."})
    if decision == ImprovementInitiative.Status.APPROVED:
        evaluation = selectors.evaluation_of(initiative)
        if not evaluation.complete:
            raise ConflictError(
                "Both parties score every criterion before the initiative is approved "
                f"(missing: {', '.join(evaluation.missing)}).",
                code="evaluation_incomplete",
            )
    initiative.status = decision
    initiative.decision_reason = reason
    initiative.decided_by, initiative.decided_at = actor, now
    initiative.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(
        action=f"innovation.initiative.{decision}",
        actor=actor,
        obj=initiative,
        changes={"reason": reason},
    )
    return initiative


def _move(initiative: ImprovementInitiative, status: str, actor: User) -> ImprovementInitiative:
    _lock(initiative)
    INITIATIVE_LIFECYCLE.check(initiative.status, status)
    previous = initiative.status
    initiative.status = status
    initiative.save(update_fields=["status"])
    audit_record(
        action="innovation.initiative.moved",
        actor=actor,
        obj=initiative,
        changes={"status": [previous, status]},
    )
    return initiative


@transaction.atomic
def initiative_reopen(*, initiative: ImprovementInitiative, actor: User) -> ImprovementInitiative:
    """A parked initiative goes back to evaluation."""
    _buyer_only(actor, "reopen an initiative")
    return _move(initiative, ImprovementInitiative.Status.PROPOSED, actor)


@transaction.atomic
def initiative_implemented(
    *, initiative: ImprovementInitiative, actor: User
) -> ImprovementInitiative:
    _buyer_only(actor, "mark an initiative implemented")
    return _move(initiative, ImprovementInitiative.Status.IMPLEMENTED, actor)


BENEFIT_STATES = (
    ImprovementInitiative.Status.APPROVED,
    ImprovementInitiative.Status.PILOT,
    ImprovementInitiative.Status.IMPLEMENTED,
)


def _refresh_realised(initiative: ImprovementInitiative) -> None:
    total = (
        SavingsEntry.objects.filter(initiative=initiative)
        .exclude(status=SavingsEntry.Status.DISPUTED)
        .aggregate(total=Sum("net_amount"))["total"]
    )
    initiative.realised_benefit = total
    initiative.save(update_fields=["realised_benefit"])


@transaction.atomic
def initiative_record_benefit(
    *,
    initiative: ImprovementInitiative,
    actor: User,
    now: datetime,
    period_start: date,
    baseline_price: Decimal,
    actual_price: Decimal,
    volume: Decimal,
    title: str = "",
    implementation_cost: Decimal | None = None,
) -> SavingsEntry:
    """The realised benefit of an approved initiative: a saving claimed in finance's savings
    ledger (verified there by the other party), attributed to the initiative."""
    _lock(initiative)
    if initiative.status not in BENEFIT_STATES:
        raise ConflictError(
            "Only an approved, piloted or implemented initiative realises a benefit.",
            code="not_approved",
        )
    entry = savings_record(
        actor=actor,
        partnership=initiative.partnership,
        now=now,
        title=_text(title) or initiative.title,
        period_start=period_start,
        currency=initiative.currency,
        baseline_price=baseline_price,
        actual_price=actual_price,
        volume=volume,
        implementation_cost=implementation_cost,
        initiative=initiative,
    )
    _refresh_realised(initiative)
    audit_record(
        action="innovation.initiative.benefit_recorded",
        actor=actor,
        obj=initiative,
        changes={"saving": entry.pk, "net": str(entry.net_amount)},
    )
    return entry


# -- pilots ------------------------------------------------------------------------------------


@transaction.atomic
def pilot_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    starts_on: date,
    ends_on: date,
    initiative: ImprovementInitiative | None = None,
    technology: str = "",
    scope: str = "",
) -> Pilot:
    """A pilot of an approved initiative (which moves into its pilot) or of an emerging
    technology."""
    errors: dict = {}
    if initiative is None and not _text(technology):
        errors["technology"] = "Name the technology piloted, or choose an approved initiative."
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "A pilot ends on or after its start."
    if initiative is not None:
        if initiative.partnership_id != partnership.pk:
            errors["initiative"] = "Choose an initiative of this partnership."
        elif initiative.status not in (
            ImprovementInitiative.Status.APPROVED,
            ImprovementInitiative.Status.PILOT,
        ):
            errors["initiative"] = "Only an approved initiative is piloted."
    if errors:
        raise ValidationError(errors)
    pilot = Pilot(
        partnership=partnership,
        initiative=initiative,
        title=_text(title),
        technology=_text(technology),
        scope=_text(scope),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _full_clean(pilot, exclude=["partnership"])
    pilot.save()
    if initiative is not None and initiative.status == ImprovementInitiative.Status.APPROVED:
        _move(initiative, ImprovementInitiative.Status.PILOT, actor)
    audit_record(action="innovation.pilot.created", actor=actor, obj=pilot)
    return pilot


@transaction.atomic
def pilot_criterion_add(*, pilot: Pilot, actor: User, kpi: Kpi, target: Decimal) -> PilotCriterion:
    """A success criterion: a KPI of the pilot's partnership and the value to reach."""
    if pilot.status not in (Pilot.Status.PLANNED, Pilot.Status.RUNNING):
        raise ConflictError("The pilot is decided: its criteria are fixed.", code="decided")
    if kpi.partnership_id != pilot.partnership_id:
        raise ValidationError({"kpi": "Choose a KPI of this partnership."})
    criterion = PilotCriterion(pilot=pilot, kpi=kpi, target=target)
    _full_clean(criterion, exclude=["pilot", "kpi"])
    criterion.save()
    audit_record(
        action="innovation.pilot.criterion_added",
        actor=actor,
        obj=pilot,
        changes={"kpi": kpi.code, "target": str(target)},
    )
    return criterion


@transaction.atomic
def pilot_start(*, pilot: Pilot, actor: User) -> Pilot:
    PILOT_LIFECYCLE.check(pilot.status, Pilot.Status.RUNNING)
    if not pilot.criteria.exists():
        raise ConflictError(
            "Give the pilot at least one success criterion (a KPI) before it starts.",
            code="no_criteria",
        )
    pilot.status = Pilot.Status.RUNNING
    pilot.save(update_fields=["status"])
    audit_record(action="innovation.pilot.started", actor=actor, obj=pilot)
    return pilot


@transaction.atomic
def pilot_cancel(*, pilot: Pilot, actor: User) -> Pilot:
    PILOT_LIFECYCLE.check(pilot.status, Pilot.Status.CANCELLED)
    pilot.status = Pilot.Status.CANCELLED
    pilot.save(update_fields=["status"])
    audit_record(action="innovation.pilot.cancelled", actor=actor, obj=pilot)
    return pilot


@transaction.atomic
def pilot_decide(*, pilot: Pilot, actor: User, now: datetime, go: bool, evidence: str) -> Pilot:
    """Go or no-go, recorded with the evidence and the success criteria's KPI values at the
    time. A go moves a piloted initiative to implemented."""
    _lock(pilot)
    _buyer_only(actor, "decide on a pilot")
    target = Pilot.Status.GO if go else Pilot.Status.NO_GO
    PILOT_LIFECYCLE.check(pilot.status, target)
    evidence = _text(evidence)
    if not evidence:
        raise ValidationError({"evidence": "Say what the decision rests on."})
    pilot.status, pilot.evidence = target, evidence
    pilot.evidence_snapshot = [
        {
            "kpi": row.criterion.kpi.code,
            "name": row.criterion.kpi.name,
            "target": str(row.criterion.target),
            "latest": None if row.latest is None else str(row.latest),
            "met": row.met,
        }
        for row in selectors.pilot_results(pilot)
    ]
    pilot.decided_by, pilot.decided_at = actor, now
    pilot.save(
        update_fields=["status", "evidence", "evidence_snapshot", "decided_by", "decided_at"]
    )
    initiative = pilot.initiative
    if go and initiative is not None and initiative.status == ImprovementInitiative.Status.PILOT:
        _move(initiative, ImprovementInitiative.Status.IMPLEMENTED, actor)
    audit_record(
        action=f"innovation.pilot.{target}", actor=actor, obj=pilot, changes={"evidence": evidence}
    )
    return pilot


# -- sourcing models ---------------------------------------------------------------------------


def _names(value) -> list[str]:
    """Free names from a list or from text, one per line or separated by commas."""
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    seen: list[str] = []
    for item in value or []:
        name = _text(str(item))
        if name and name not in seen:
            seen.append(name)
    return seen


@transaction.atomic
def sourcing_model_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    kind: str,
    description: str = "",
    participants=(),
    categories=(),
) -> SourcingModel:
    row = SourcingModel(
        partnership=partnership,
        name=_text(name),
        kind=kind,
        description=_text(description),
        participants=_names(participants),
        categories=_names(categories),
    )
    if len(row.participants) < 2:
        raise ValidationError(
            {"participants": "A co-developed sourcing model has at least two participants."}
        )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.sourcing_model.created", actor=actor, obj=row)
    return row


@transaction.atomic
def sourcing_model_update(*, model: SourcingModel, actor: User, **fields: Any) -> SourcingModel:
    status = fields.pop("status", None)
    for key in ("participants", "categories"):
        if key in fields:
            fields[key] = _names(fields[key])
    allowed = {
        k: v
        for k, v in fields.items()
        if k in ("name", "kind", "description", "participants", "categories")
    }
    if "participants" in allowed and len(allowed["participants"]) < 2:
        raise ValidationError(
            {"participants": "A co-developed sourcing model has at least two participants."}
        )
    changes = changed_fields(model, allowed)
    if status is not None and status != model.status:
        SOURCING_MODEL_LIFECYCLE.check(model.status, status)
        changes["status"] = (model.status, status)
        model.status = status
    _full_clean(model, exclude=["partnership"])
    model.save()
    if changes:
        audit_record(
            action="innovation.sourcing_model.updated",
            actor=actor,
            obj=model,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return model


# -- task forces -------------------------------------------------------------------------------


@transaction.atomic
def task_force_create(
    *, actor: User, partnership: Partnership, name: str, category: str, mandate: str
) -> TaskForce:
    row = TaskForce(
        partnership=partnership, name=_text(name), category=_text(category), mandate=_text(mandate)
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.task_force.created", actor=actor, obj=row)
    return row


@transaction.atomic
def task_force_member_add(
    *, task_force: TaskForce, actor: User, name: str, party: str, role: str = ""
) -> TaskForceMember:
    if task_force.status == TaskForce.Status.CLOSED:
        raise ConflictError("The task force is closed.", code="closed")
    row = TaskForceMember(task_force=task_force, name=_text(name), party=party, role=_text(role))
    _full_clean(row, exclude=["task_force"])
    row.save()
    audit_record(
        action="innovation.task_force.member_added",
        actor=actor,
        obj=task_force,
        changes={"member": row.name, "party": party},
    )
    return row


@transaction.atomic
def task_force_milestone_add(
    *, task_force: TaskForce, actor: User, title: str, due_on: date
) -> TaskForceMilestone:
    if task_force.status == TaskForce.Status.CLOSED:
        raise ConflictError("The task force is closed.", code="closed")
    row = TaskForceMilestone(task_force=task_force, title=_text(title), due_on=due_on)
    _full_clean(row, exclude=["task_force"])
    row.save()
    audit_record(
        action="innovation.task_force.milestone_added",
        actor=actor,
        obj=task_force,
        changes={"milestone": row.title},
    )
    return row


@transaction.atomic
def task_force_milestone_done(
    *, milestone: TaskForceMilestone, actor: User, today: date
) -> TaskForceMilestone:
    if milestone.done_on is not None:
        raise ConflictError("This milestone is done already.", code="done")
    milestone.done_on = today
    milestone.save(update_fields=["done_on"])
    audit_record(
        action="innovation.task_force.milestone_done",
        actor=actor,
        obj=milestone.task_force,
        changes={"milestone": milestone.title},
    )
    return milestone


@transaction.atomic
def task_force_activate(*, task_force: TaskForce, actor: User) -> TaskForce:
    """A task force works across both organizations: it starts with members of each."""
    TASK_FORCE_LIFECYCLE.check(task_force.status, TaskForce.Status.ACTIVE)
    parties = set(task_force.members.values_list("party", flat=True))
    if parties != {Party.BUYER, Party.PARTNER}:
        raise ConflictError("A task force starts with members of both parties.", code="one_sided")
    task_force.status = TaskForce.Status.ACTIVE
    task_force.save(update_fields=["status"])
    audit_record(action="innovation.task_force.activated", actor=actor, obj=task_force)
    return task_force


@transaction.atomic
def task_force_close(*, task_force: TaskForce, actor: User, outcomes: str) -> TaskForce:
    TASK_FORCE_LIFECYCLE.check(task_force.status, TaskForce.Status.CLOSED)
    outcomes = _text(outcomes)
    if not outcomes:
        raise ValidationError({"outcomes": "Record the task force's outcomes when closing it."})
    task_force.status, task_force.outcomes = TaskForce.Status.CLOSED, outcomes
    task_force.save(update_fields=["status", "outcomes"])
    audit_record(action="innovation.task_force.closed", actor=actor, obj=task_force)
    return task_force


# -- knowledge-sharing sessions ----------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    held_on: date,
    agenda: str = "",
    follow_ups: str = "",
) -> KnowledgeSession:
    row = KnowledgeSession(
        partnership=partnership,
        title=_text(title),
        held_on=held_on,
        agenda=_text(agenda),
        follow_ups=_text(follow_ups),
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.session.created", actor=actor, obj=row)
    return row


@transaction.atomic
def session_follow_ups_set(
    *, session: KnowledgeSession, actor: User, follow_ups: str
) -> KnowledgeSession:
    session.follow_ups = _text(follow_ups)
    _full_clean(session, exclude=["partnership"])
    session.save(update_fields=["follow_ups"])
    audit_record(action="innovation.session.follow_ups", actor=actor, obj=session)
    return session


@transaction.atomic
def session_attendee_add(
    *, session: KnowledgeSession, actor: User, name: str, party: str
) -> SessionAttendee:
    row = SessionAttendee(session=session, name=_text(name), party=party)
    _full_clean(row, exclude=["session"])
    row.save()
    audit_record(
        action="innovation.session.attendee_added",
        actor=actor,
        obj=session,
        changes={"attendee": row.name, "party": party},
    )
    return row


@transaction.atomic
def session_material_add(
    *, session: KnowledgeSession, actor: User, title: str, upload
) -> SessionMaterial:
    """A material of the session: size and type checked, Office files through the tenancy
    upload helper (no decompression bombs, no XML entities)."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(MATERIAL_EXTENSIONS):
        raise ValidationError(
            {"file": "Upload a PDF, an Office file, a text, CSV or an image (PNG, JPG)."}
        )
    if upload.size > MATERIAL_MAX_BYTES:
        raise ValidationError({"file": "A material is at most 20 MB."})
    if name.endswith(OFFICE_EXTENSIONS):
        content = upload.read()
        upload.seek(0)
        try:
            check_office_archive(content, name="The file")
        except ArchiveRefused as error:
            raise ValidationError({"file": str(error)}) from error
    row = SessionMaterial(
        session=session, title=_text(title) or upload.name, file=upload, uploaded_by=actor
    )
    _full_clean(row, exclude=["session"])
    row.save()
    audit_record(
        action="innovation.session.material_added",
        actor=actor,
        obj=session,
        changes={"material": row.title},
    )
    return row


# -- joint supplier development ----------------------------------------------------------------


@transaction.atomic
def programme_create(
    *, actor: User, partnership: Partnership, supplier_name: str, title: str, goal: str = ""
) -> SupplierProgramme:
    row = SupplierProgramme(
        partnership=partnership,
        supplier_name=_text(supplier_name),
        title=_text(title),
        goal=_text(goal),
    )
    _full_clean(row, exclude=["partnership"])
    row.save()
    audit_record(action="innovation.programme.created", actor=actor, obj=row)
    return row


@transaction.atomic
def programme_transition(
    *, programme: SupplierProgramme, actor: User, status: str
) -> SupplierProgramme:
    SUPPLIER_PROGRAMME_LIFECYCLE.check(programme.status, status)
    previous = programme.status
    programme.status = status
    programme.save(update_fields=["status"])
    audit_record(
        action="innovation.programme.moved",
        actor=actor,
        obj=programme,
        changes={"status": [previous, status]},
    )
    return programme


@transaction.atomic
def investment_add(
    *,
    programme: SupplierProgramme,
    actor: User,
    party: str,
    description: str,
    amount: Decimal,
    currency: str,
    invested_on: date,
) -> SupplierInvestment:
    if programme.status in (SupplierProgramme.Status.COMPLETED, SupplierProgramme.Status.STOPPED):
        raise ConflictError("The programme is over.", code="over")
    row = SupplierInvestment(
        programme=programme,
        party=party,
        description=_text(description),
        amount=amount,
        currency=currency,
        invested_on=invested_on,
    )
    _full_clean(row, exclude=["programme"])
    row.save()
    audit_record(
        action="innovation.programme.investment_added",
        actor=actor,
        obj=programme,
        changes={"party": party, "amount": str(amount), "currency": currency},
    )
    return row


@transaction.atomic
def target_kpi_add(
    *, programme: SupplierProgramme, actor: User, kpi: Kpi, baseline: Decimal, target: Decimal
) -> SupplierTargetKpi:
    if kpi.partnership_id != programme.partnership_id:
        raise ValidationError({"kpi": "Choose a KPI of this partnership."})
    if baseline == target:
        raise ValidationError({"target": "A target differs from the baseline."})
    row = SupplierTargetKpi(programme=programme, kpi=kpi, baseline=baseline, target=target)
    _full_clean(row, exclude=["programme", "kpi"])
    row.save()
    audit_record(
        action="innovation.programme.target_added",
        actor=actor,
        obj=programme,
        changes={"kpi": kpi.code, "baseline": str(baseline), "target": str(target)},
    )
    return row


# -- lessons learned ---------------------------------------------------------------------------

LESSON_SOURCES = (ImprovementInitiative, Pilot, TaskForce, SupplierProgramme, SourcingModel)


def lesson_propose(
    *,
    source: models.Model,
    actor: User,
    text: str,
    target: str = PlaybookChange.Target.TRAINING_MATERIAL,
    clause_type: str = "",
    field: str = PlaybookChange.Field.GUIDANCE,
) -> PlaybookChange:
    """A lesson learned from an initiative, pilot, task force, programme or sourcing model
    becomes a proposed change to the clause playbook or the training material, reviewed like a
    post-mortem recommendation (exit_planning.PlaybookChange)."""
    if not isinstance(source, LESSON_SOURCES):
        raise TypeError(f"Lessons come from the innovation module's work, not {type(source)}")
    _buyer_only(actor, "propose a playbook change")
    if not _text(text):
        raise ValidationError({"text": "Write the lesson learned."})
    return playbook_change_propose(
        source=source,
        actor=actor,
        clause_type=clause_type,
        field=field,
        text=text,
        rationale=f"Lesson learned from {source._meta.verbose_name} “{source}”.",
        partnership=getattr(source, "partnership", None),
        target=target,
    )
