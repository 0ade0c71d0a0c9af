"""The sourcing-model decision and candidate selection: a sourcing case (one need), its TCO
estimates per model and per candidate, weighted selection criteria (weights add up to 100 %),
candidates (two to five) with their scores, and the decision with its rationale, which opens the
partnership with the chosen partner."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from partnerships import sourcing
from partnerships.models import (
    SOURCING_CASE_LIFECYCLE,
    CandidateScore,
    Partner,
    Partnership,
    SelectionCriterion,
    SourcingCandidate,
    SourcingCase,
    TcoEstimate,
)
from partnerships.services.partnerships import partnership_create
from tenancy.audit import audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.services import require_staff

MAX_CANDIDATES = 5
MIN_CANDIDATES_TO_PICK = 2
# The selection criteria a new case starts with (weights in %, adding up to 100).
DEFAULT_CRITERIA = (
    ("Supply-chain complementarity", Decimal("20")),
    ("Geographic reach", Decimal("15")),
    ("Risk exposure", Decimal("15")),
    ("Roadmap fit (digital transformation, sustainability)", Decimal("20")),
    ("Capability complementarity", Decimal("15")),
    ("Cultural alignment (decision speed, communication, risk tolerance)", Decimal("15")),
)
CASE_FIELDS = (
    "title",
    "category",
    "currency",
    "horizon_years",
    "discount_rate",
    "profit_impact",
    "supply_risk",
    "owner",
)
COST_FIELDS = (
    "acquisition_cost",
    "operating_cost",
    "transaction_cost",
    "risk_cost",
    "switching_cost",
)


def _require_open(case: SourcingCase) -> None:
    """Read under the row's lock: a need decided since the page was opened is not changed."""
    lock_fresh(case)
    if case.status != SourcingCase.Status.OPEN:
        raise ConflictError("This need is decided; its figures are kept as they were.")


@transaction.atomic
def sourcing_case_create(*, actor: User | None, title: str, **fields) -> SourcingCase:
    organization = require_organization()
    case = SourcingCase(organization=organization, title=title, **fields)
    require_staff(case, "owner")
    case.full_clean()
    case.save()
    SelectionCriterion.objects.bulk_create(
        [
            SelectionCriterion(organization=organization, case=case, name=name, weight=weight)
            for name, weight in DEFAULT_CRITERIA
        ]
    )
    audit_record(action="partnerships.sourcingcase.created", actor=actor, obj=case)
    return case


@transaction.atomic
def sourcing_case_update(*, case: SourcingCase, actor: User | None, **fields) -> SourcingCase:
    _require_open(case)
    changes = changed_fields(case, {k: v for k, v in fields.items() if k in CASE_FIELDS})
    require_staff(case, "owner", changes=changes)
    case.full_clean()
    case.save()
    if changes:
        audit_record(
            action="partnerships.sourcingcase.updated", actor=actor, obj=case, changes=changes
        )
    return case


@transaction.atomic
def tco_estimate_set(
    *,
    case: SourcingCase,
    model: str,
    actor: User | None,
    candidate: SourcingCandidate | None = None,
    **costs,
) -> TcoEstimate:
    """Set the costs of one model (or of one candidate, which is the partnership model)."""
    _require_open(case)
    if candidate is not None:
        if candidate.case_id != case.pk:
            raise ValidationError({"candidate": "This candidate belongs to another need."})
        model = SourcingCase.Model.STRATEGIC
    estimate = TcoEstimate.objects.filter(case=case, model=model, candidate=candidate).first()
    if estimate is None:
        estimate = TcoEstimate(
            organization=require_organization(), case=case, model=model, candidate=candidate
        )
    changes = changed_fields(estimate, {k: v for k, v in costs.items() if k in COST_FIELDS})
    estimate.full_clean()
    estimate.save()
    audit_record(action="partnerships.tcoestimate.set", actor=actor, obj=estimate, changes=changes)
    return estimate


@transaction.atomic
def selection_criteria_set(
    *, case: SourcingCase, actor: User | None, criteria: list[tuple[str, Decimal]]
) -> list[SelectionCriterion]:
    """Replace the case's criteria. Weights must add up to 100 %; a criterion kept by name keeps
    its candidates' scores. Nothing is saved when a weight or name is wrong."""
    _require_open(case)
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    cleaned = []
    for index, (name, weight) in enumerate(criteria):
        name = (name or "").strip()
        if not name:
            continue
        if name.casefold() in seen:
            errors.setdefault(f"name_{index}", []).append("This criterion is listed twice.")
        seen.add(name.casefold())
        if weight is None or weight < 0 or weight > 100:
            errors.setdefault(f"weight_{index}", []).append("A weight is between 0 and 100 %.")
        cleaned.append((name, weight))
    if not cleaned:
        errors.setdefault("criteria", []).append("Name at least one criterion.")
    elif not errors and not sourcing.weights_add_up([w for _, w in cleaned]):
        total = sum((w for _, w in cleaned), Decimal("0"))
        errors.setdefault("criteria", []).append(
            f"The weights add up to {total.normalize():f} %; they must add up to 100 %."
        )
    if errors:
        raise ValidationError(errors)
    existing = {c.name.casefold(): c for c in case.criteria.all()}
    kept = []
    for name, weight in cleaned:
        criterion = existing.pop(name.casefold(), None)
        if criterion is None:
            criterion = SelectionCriterion(organization=case.organization, case=case)
        criterion.name, criterion.weight = name, weight
        criterion.full_clean()
        criterion.save()
        kept.append(criterion)
    SelectionCriterion.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    audit_record(
        action="partnerships.sourcingcase.criteria_set",
        actor=actor,
        obj=case,
        changes={"criteria": [[n, w] for n, w in cleaned]},
    )
    return kept


@transaction.atomic
def candidate_add(
    *, case: SourcingCase, partner: Partner, actor: User | None, **fields
) -> SourcingCandidate:
    _require_open(case)
    if case.candidates.count() >= MAX_CANDIDATES:
        raise ValidationError({"partner": f"A need compares at most {MAX_CANDIDATES} candidates."})
    candidate = SourcingCandidate(
        organization=require_organization(), case=case, partner=partner, **fields
    )
    candidate.full_clean()
    candidate.save()
    audit_record(action="partnerships.sourcingcandidate.created", actor=actor, obj=candidate)
    return candidate


@transaction.atomic
def candidate_remove(*, candidate: SourcingCandidate, actor: User | None) -> None:
    _require_open(candidate.case)
    audit_record(action="partnerships.sourcingcandidate.deleted", actor=actor, obj=candidate)
    candidate.delete()


@transaction.atomic
def candidate_scores_set(
    *, candidate: SourcingCandidate, actor: User | None, scores: dict[int, int | None], **fields
) -> SourcingCandidate:
    """Score a candidate 1..5 on each criterion of its need (and set its risk exposure)."""
    case = candidate.case
    _require_open(case)
    criteria = {c.pk: c for c in case.criteria.all()}
    errors: dict[str, list[str]] = {}
    for criterion_id, score in scores.items():
        if criterion_id not in criteria:
            errors.setdefault("scores", []).append("A score names a criterion of another need.")
        elif score is not None and not 1 <= score <= sourcing.MAX_SCORE:
            errors.setdefault(f"score_{criterion_id}", []).append(
                f"“{criteria[criterion_id].name}”: a score is from 1 to {sourcing.MAX_SCORE}."
            )
    changes = changed_fields(
        candidate, {k: v for k, v in fields.items() if k in ("risk_score", "notes")}
    )
    try:
        candidate.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    candidate.save()
    current = {s.criterion_id: s for s in candidate.scores.all()}
    for criterion_id, score in scores.items():
        row = current.get(criterion_id)
        if score is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            row = CandidateScore(
                organization=case.organization, candidate=candidate, criterion_id=criterion_id
            )
        if row.score != score:
            row.score = score
            row.save()
    audit_record(
        action="partnerships.sourcingcandidate.scored",
        actor=actor,
        obj=candidate,
        changes={**changes, "scores": {str(k): v for k, v in scores.items()}},
    )
    return candidate


def _unique_code(partner: Partner) -> str:
    # Cut to 30 characters without leaving a dash at the end ("…-PRECISION-" would give "--2").
    base = slugify(partner.name).upper()[:30].rstrip("-") or "PARTNER"
    code, n = base, 1
    while Partnership.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def sourcing_case_decide(
    *,
    case: SourcingCase,
    actor: User | None,
    now: datetime,
    model: str,
    candidate: SourcingCandidate | None,
    rationale: str,
) -> SourcingCase:
    """Record the decision (model, chosen candidate, rationale) and open the partnership with the
    chosen partner, in status proposed."""
    case = SourcingCase.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    SOURCING_CASE_LIFECYCLE.check(case.status, SourcingCase.Status.DECIDED)
    errors = {}
    if model not in SourcingCase.Model.values:
        errors["model"] = "Choose transactional supply or a strategic partnership."
    if not (rationale or "").strip():
        errors["rationale"] = "Record why: the rationale is part of the decision."
    if candidate is None:
        errors["candidate"] = "Pick the candidate you chose."
    elif candidate.case_id != case.pk:
        errors["candidate"] = "This candidate belongs to another need."
    elif case.candidates.count() < MIN_CANDIDATES_TO_PICK:
        errors["candidate"] = "Compare at least two candidates before picking one."
    if errors or candidate is None:
        raise ValidationError(errors)
    estimate = candidate.estimates.first()
    kind = (
        Partnership.Kind.STRATEGIC_PARTNERSHIP
        if model == SourcingCase.Model.STRATEGIC
        else Partnership.Kind.TRANSACTIONAL
    )
    partnership = partnership_create(
        actor=actor,
        partner=candidate.partner,
        name=case.title,
        code=_unique_code(candidate.partner),
        kind=kind,
        category=case.category,
        owner=case.owner or actor,
        currency=case.currency,
        annual_value=(
            estimate.operating_cost + estimate.transaction_cost if estimate is not None else None
        ),
        description=rationale.strip(),
    )
    case.status = SourcingCase.Status.DECIDED
    case.chosen_model = model
    case.chosen_candidate = candidate
    case.rationale = rationale.strip()
    case.decided_by = actor
    case.decided_at = now
    case.partnership = partnership
    case.save()
    audit_record(
        action="partnerships.sourcingcase.decided",
        actor=actor,
        obj=case,
        changes={
            "model": model,
            "candidate": str(candidate.partner),
            "rationale": case.rationale,
            "partnership": partnership.pk,
        },
    )
    return case
