"""Improvement initiatives: submission, evaluation by both parties, decision, realised benefit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from finance.models import SavingsEntry
from finance.services import party_of, savings_record
from innovation import selectors
from innovation.models import (
    DEFAULT_CRITERIA,
    INITIATIVE_LIFECYCLE,
    CriterionScore,
    EvaluationCriterion,
    ImprovementInitiative,
    Party,
)
from innovation.services._common import (
    _buyer_only,
    _full_clean,
    _lock,
    _text,
)
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.errors import ConflictError
from tenancy.models import User

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
    """Edit an initiative while it is being evaluated (or parked). The status is read under
    the row's lock: a decision taken since the page was opened refuses the edit."""
    _lock(initiative)
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
    _lock(initiative)  # as criterion_score does: a first score and a new criterion never cross
    _scoring_open(initiative)
    if CriterionScore.objects.filter(criterion__initiative=initiative).exists():
        raise ConflictError(
            "Scoring has started: the criteria and their weights are fixed.", code="scoring_started"
        )
    name = _text(name)
    if not name or weight is None or isinstance(weight, bool) or weight <= 0:
        # The page and the API say it alike: a criterion is named and weighs something.
        raise ValidationError(
            {"weight": "Name the criterion and give it a weight above zero."}
            if name
            else {"name": "Name the criterion and give it a weight above zero."}
        )
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
    """The actor's party scores one criterion, once (a guest scores for the partner), from 1 to
    5."""
    if isinstance(score, bool) or score not in range(1, 6):
        raise ValidationError({"score": "Give a score from 1 to 5."})
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
