"""Scorecards: standings, computation, publication, acknowledgement, appeals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from integrations.services import webhook_object_event
from partnerships.models import Partnership
from performance.formula import FormulaError, parse_formula
from performance.models import (
    APPEAL_LIFECYCLE,
    SCORECARD_LIFECYCLE,
    Kpi,
    Measurement,
    Scorecard,
    ScorecardAppeal,
    Side,
    StandingBand,
)
from performance.periods import add_months, month_start, quarter_start
from performance.scoring import (
    CriterionInput,
    Standing,
    StandingAction,
    StandingsError,
    criterion_score,
    period_score,
    rag_status,
    rolling_score,
    standing_for,
    trend,
    validate_standings,
)
from tenancy.audit import audit_record, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import accountable
from tenancy.services import notify

ROLLING_DECAY = Decimal("0.8")
ROLLING_PERIODS = 6
DEFAULT_STANDINGS = (
    Standing("Preferred", Decimal(85), Decimal(100), "none"),
    Standing("Approved", Decimal(70), Decimal(85), "none"),
    Standing("Probation", Decimal(50), Decimal(70), "warn"),
    Standing("Blocked", Decimal(0), Decimal(50), "block_change_requests"),
)


def _json_decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _scorecard_cache_key(organization_id: int, partnership_id: int) -> str:
    return f"org:{organization_id}:performance:scorecards:{partnership_id}"


def organization_standings() -> list[Standing]:
    bands = [
        Standing(band.name, band.min_score, band.max_score, band.action)
        for band in StandingBand.objects.all()
    ]
    return bands or list(DEFAULT_STANDINGS)


@transaction.atomic
def standings_replace(
    *, actor: User | None, bands: list[tuple[str, Decimal, Decimal, str]]
) -> None:
    """Replace the organization's standings; refused unless they cover 0-100 exactly once."""
    try:
        validate_standings([Standing(*band) for band in bands])
    except StandingsError as error:
        raise ValidationError({"standings": str(error)}) from None
    StandingBand.objects.all().delete()
    organization = require_organization()
    for name, low, high, action in bands:
        StandingBand.objects.create(
            organization=organization, name=name, min_score=low, max_score=high, action=action
        )
    audit_record(
        action="performance.standings.replaced",
        actor=actor,
        changes={"bands": [[n, str(lo), str(hi), a] for n, lo, hi, a in bands]},
    )


def _period_values(kpis: list[Kpi], measured: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """Measured values plus formula KPIs evaluated in dependency order (None = no data)."""
    values: dict[str, Decimal | None] = dict(measured)
    known = {kpi.code for kpi in kpis}
    formulas = {}
    for kpi in kpis:
        if kpi.is_formula:
            try:
                formulas[kpi.code] = parse_formula(kpi.formula, known - {kpi.code})
            except FormulaError:
                values[kpi.code] = None
    for _ in range(len(formulas) + 1):
        progressed = False
        for code, formula in list(formulas.items()):
            if all(v not in formulas for v in formula.variables):
                values[code] = formula.evaluate(values)
                del formulas[code]
                progressed = True
        if not progressed:
            break
    for code in formulas:  # a cycle slipped past validation: no data rather than a guess
        values[code] = None
    return values


def _criterion_rows(kpis: list[Kpi], values: dict[str, Decimal | None]):
    rows, inputs = [], []
    for kpi in kpis:
        value = values.get(kpi.code)
        if kpi.weight == 0:
            continue
        score = criterion_score(
            value=value,
            target=kpi.target,
            direction=kpi.direction,
            red_threshold=kpi.red_threshold,
            amber_threshold=kpi.amber_threshold,
        )
        rag = rag_status(
            value=value,
            target=kpi.target,
            direction=kpi.direction,
            red_threshold=kpi.red_threshold,
            amber_threshold=kpi.amber_threshold,
        )
        inputs.append(CriterionInput(kpi.code, kpi.perspective, kpi.weight, score))
        rows.append({"kpi": kpi, "value": value, "score": score, "rag": rag})
    return rows, inputs


def scorecard_compute(
    *, partnership: Partnership, period_start: date, force: bool = False, now: datetime
) -> Scorecard:
    """Compute (or recompute) the scorecard of one month. A published one is frozen unless
    `force` (an upheld appeal)."""
    period = month_start(period_start)
    organization = require_organization()
    kpis = list(
        Kpi.objects.filter(partnership=partnership, is_active=True).order_by("perspective", "code")
    )
    quarter = quarter_start(period)
    measured = {}
    for kpi_code, frequency, start, value in Measurement.objects.filter(
        partnership=partnership,
        status=Measurement.Status.APPROVED,
        period_start__in={period, quarter},
    ).values_list("kpi__code", "kpi__frequency", "period_start", "value"):
        if start == period or (frequency == "quarterly" and start == quarter):
            measured[kpi_code] = value
    values = _period_values(kpis, measured)
    rows, inputs = _criterion_rows(kpis, values)
    result = period_score(inputs)
    by_code = {b.code: b for b in result.criteria}
    breakdown = []
    for row in rows:
        kpi, part = row["kpi"], by_code[row["kpi"].code]
        breakdown.append(
            {
                "code": kpi.code,
                "name": kpi.name,
                "perspective": kpi.perspective,
                "unit": kpi.unit,
                "target": _json_decimal(kpi.target),
                "value": _json_decimal(row["value"]),
                "score": _json_decimal(row["score"]),
                "rag": row["rag"],
                "weight": _json_decimal(part.weight),
                "effective_weight": None
                if part.effective_weight is None
                else str(part.effective_weight.quantize(Decimal("0.0001"))),
                "contribution": _json_decimal(part.contribution),
                "formula": kpi.formula,
            }
        )
    previous = list(
        Scorecard.objects.filter(partnership=partnership, period_start__lt=period)
        .order_by("-period_start")
        .values_list("period_start", "total")[: ROLLING_PERIODS - 1]
    )
    history = [(period, result.total), *previous]
    rolling = rolling_score(history, decay=ROLLING_DECAY)
    previous_total = next(
        (total for start, total in previous if start == add_months(period, -1)), None
    )
    standing = standing_for(
        rolling if rolling is not None else result.total, organization_standings()
    )

    scorecard = Scorecard.objects.filter(partnership=partnership, period_start=period).first()
    if scorecard is not None and scorecard.status == Scorecard.Status.PUBLISHED and not force:
        return scorecard
    scorecard = scorecard or Scorecard(
        organization=organization, partnership=partnership, period_start=period
    )
    scorecard.total = result.total
    scorecard.rolling_score = rolling
    scorecard.trend = trend(result.total, previous_total)
    scorecard.perspectives = {k.value: _json_decimal(v) for k, v in result.perspectives.items()}
    scorecard.breakdown = breakdown
    scorecard.standing = standing.name if standing else ""
    scorecard.standing_action = StandingAction(standing.action).value if standing else ""
    scorecard.computed_at = now
    scorecard.save()
    cache.delete(_scorecard_cache_key(organization.pk, partnership.pk))
    return scorecard


def scorecards_recompute(*, partnership: Partnership, periods, now: datetime) -> list[Scorecard]:
    """Recompute the given months and every later month that already has a scorecard (their
    rolling score and trend depend on the earlier ones)."""
    periods = sorted({month_start(p) for p in periods})
    if not periods:
        return []
    later = Scorecard.objects.filter(
        partnership=partnership, period_start__gt=periods[0]
    ).values_list("period_start", flat=True)
    return [
        scorecard_compute(partnership=partnership, period_start=period, now=now)
        for period in sorted(set(periods) | set(later))
    ]


@transaction.atomic
def scorecard_publish(*, scorecard: Scorecard, actor: User | None, now: datetime) -> Scorecard:
    lock_fresh(scorecard)  # published since the page was opened: not published (nor sent) twice
    if scorecard.status == Scorecard.Status.PUBLISHED:
        raise ConflictError("This scorecard is already published.")
    SCORECARD_LIFECYCLE.check(scorecard.status, Scorecard.Status.PUBLISHED)
    scorecard.status = Scorecard.Status.PUBLISHED
    scorecard.published_at = now
    scorecard.save(update_fields=["status", "published_at"])
    audit_record(action="performance.scorecard.published", actor=actor, obj=scorecard)
    webhook_object_event(event="scorecard.published", obj=scorecard, now=now)
    return scorecard


@transaction.atomic
def scorecard_acknowledge(
    *, scorecard: Scorecard, actor: User, side: str, now: datetime
) -> Scorecard:
    """Either party acknowledges a published scorecard (once per side)."""
    lock_fresh(scorecard)
    if scorecard.status != Scorecard.Status.PUBLISHED:
        raise ConflictError("Only a published scorecard can be acknowledged.")
    field_name = "acknowledged_by_partner" if side == Side.PARTNER else "acknowledged_by_buyer"
    if getattr(scorecard, f"{field_name}_id"):
        raise ConflictError("This side has already acknowledged the scorecard.")
    setattr(scorecard, field_name, actor)
    setattr(scorecard, f"{field_name}_at", now)
    scorecard.save(update_fields=[field_name, f"{field_name}_at"])
    audit_record(
        action="performance.scorecard.acknowledged",
        actor=actor,
        obj=scorecard,
        changes={"side": side},
    )
    return scorecard


@transaction.atomic
def scorecard_appeal_raise(
    *, scorecard: Scorecard, actor: User, criterion_code: str, comment: str
) -> ScorecardAppeal:
    lock_fresh(scorecard)
    if scorecard.status != Scorecard.Status.PUBLISHED:
        raise ConflictError("Only a published scorecard can be appealed.")
    if criterion_code not in {row["code"] for row in scorecard.breakdown}:
        raise ValidationError({"criterion_code": f"“{criterion_code}” is not on this scorecard."})
    if not comment.strip():
        raise ValidationError({"comment": "Say why the criterion is disputed."})
    appeal = ScorecardAppeal.objects.create(
        organization=require_organization(),
        scorecard=scorecard,
        partnership_id=scorecard.partnership_id,
        criterion_code=criterion_code,
        comment=comment.strip(),
        raised_by=actor,
    )
    audit_record(
        action="performance.scorecard_appeal.raised",
        actor=actor,
        obj=appeal,
        changes={"criterion": criterion_code},
    )
    notify(
        recipients=accountable(scorecard.partnership.owner),
        title=f"Scorecard appeal on {criterion_code} ({scorecard.period_start:%Y-%m})",
        body=appeal.comment,
        url=reverse(
            "partnership-performance",
            args=[require_organization().slug, scorecard.partnership_id],
        ),
        dedupe_key=f"appeal:{appeal.pk}",
    )
    return appeal


@transaction.atomic
def scorecard_appeal_resolve(
    *, appeal: ScorecardAppeal, actor: User, uphold: bool, resolution: str, now: datetime
) -> ScorecardAppeal:
    lock_fresh(appeal)  # resolved since the page was opened: not decided a second time
    if appeal.status != ScorecardAppeal.Status.OPEN:
        raise ConflictError("This appeal is already resolved.")
    if not resolution.strip():
        raise ValidationError({"resolution": "Explain the decision to the partner."})
    target = ScorecardAppeal.Status.UPHELD if uphold else ScorecardAppeal.Status.REJECTED
    APPEAL_LIFECYCLE.check(appeal.status, target)
    appeal.status = target
    appeal.resolution = resolution.strip()
    appeal.resolved_by = actor
    appeal.resolved_at = now
    appeal.save()
    audit_record(action=f"performance.scorecard_appeal.{appeal.status}", actor=actor, obj=appeal)
    if uphold:  # the owner corrected the data: let the published scorecard follow it
        scorecard_compute(
            partnership=appeal.scorecard.partnership,
            period_start=appeal.scorecard.period_start,
            force=True,
            now=now,
        )
    return appeal
