"""Risk services: third-party risk score."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import PartnerFinancials, Partnership
from risk.models import (
    SCORE_MAX,
    SCORE_MIN,
    RiskScore,
    ScoreFactor,
)
from risk.scoring import FactorRating, financial_rating, weighted_score, weights_problem
from risk.services._common import _recipients, _url
from tenancy.audit import audit_record
from tenancy.services import notify


def _number(value) -> Decimal | None:
    """A finite Decimal from a number or its text; None for anything else ("", "abc", NaN)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@transaction.atomic
def score_factors_set(*, actor, factors: list[dict]) -> list[ScoreFactor]:
    """Replace the organization's score factors. The weights must add up to 100."""
    names = [(f.get("name") or "").strip() for f in factors]
    if any(not n for n in names):
        raise ValidationError({"factors": "Every factor needs a name."})
    if len({n.lower() for n in names}) != len(names):
        raise ValidationError({"factors": "Two factors have the same name."})
    given = [_number(f.get("weight")) for f in factors]
    if any(w is None for w in given):
        raise ValidationError({"weights": "Give every factor a weight, as a number."})
    sources = [f.get("source") or ScoreFactor.Source.MANUAL for f in factors]
    if any(source not in ScoreFactor.Source.values for source in sources):
        raise ValidationError(
            {"factors": "A factor is rated by hand or from the partner's financial indicators."}
        )
    weights = [w for w in given if w is not None]
    problem = weights_problem(weights)
    if problem:
        raise ValidationError({"weights": problem})
    old = {f.name: str(f.weight) for f in ScoreFactor.objects.all()}
    ScoreFactor.objects.all().delete()
    created = [
        ScoreFactor.objects.create(
            name=name,
            weight=weight,
            description=(f.get("description") or "")[:300],
            source=source,
            order=i,
        )
        for i, (name, weight, source, f) in enumerate(
            zip(names, weights, sources, factors, strict=True)
        )
    ]
    audit_record(
        action="risk.score_factors.set",
        actor=actor,
        changes={"before": old, "after": {f.name: str(f.weight) for f in created}},
    )
    return created


@transaction.atomic
def risk_score_record(
    *,
    actor,
    partnership: Partnership,
    ratings: dict[int, Decimal],
    buyer_threshold: Decimal,
    partner_threshold: Decimal,
    today: date,
) -> RiskScore:
    """Score the partner: a rating 0–100 for every factor (by factor id)."""
    factors = list(ScoreFactor.objects.all())
    problem = weights_problem([f.weight for f in factors])
    if problem:
        raise ValidationError({"factors": f"The score model is not usable: {problem}"})
    errors = {}
    items = []
    notes = {}
    for factor in factors:
        value = ratings.get(factor.pk)
        key = f"factor_{factor.pk}"
        if value is None and factor.source == ScoreFactor.Source.FINANCIALS:
            latest = (
                PartnerFinancials.objects.filter(partner_id=partnership.partner_id)
                .order_by("-year")
                .first()
            )
            if latest is None:
                errors[key] = (
                    f"No financial indicators of {partnership.partner.name} are on record: "
                    f"rate {factor.name} by hand or add the partner's accounts."
                )
                continue
            value, notes[factor.name] = financial_rating(
                year=latest.year,
                current_ratio=latest.current_ratio,
                debt_ratio=latest.debt_ratio,
                margin_percent=latest.margin_percent,
            )
        if value is None:
            errors[key] = f"Rate {factor.name} from 0 to 100."
            continue
        value = _number(value)
        if value is None or not SCORE_MIN <= value <= SCORE_MAX:
            errors[key] = f"{factor.name}: use the scale from 0 to 100."
            continue
        items.append(FactorRating(factor.name, factor.weight, value))
    extra = set(ratings) - {f.pk for f in factors}
    if extra:
        errors["ratings"] = "Some ratings are for factors that do not exist."
    for name, value in (
        ("buyer_threshold", buyer_threshold),
        ("partner_threshold", partner_threshold),
    ):
        number = _number(value)
        if number is None or not SCORE_MIN <= number <= SCORE_MAX:
            errors[name] = "A threshold is on the scale from 0 to 100."
    if errors:
        raise ValidationError(errors)
    score, breakdown = weighted_score(items)
    for row in breakdown:
        if row["factor"] in notes:
            row["note"] = notes[row["factor"]]
    record = RiskScore.objects.create(
        partnership=partnership,
        scored_on=today,
        score=score,
        breakdown=breakdown,
        buyer_threshold=buyer_threshold,
        partner_threshold=partner_threshold,
        scored_by=actor,
    )
    audit_record(
        action="risk.score.recorded",
        actor=actor,
        obj=record,
        changes={"score": str(score), "breakdown": breakdown},
    )
    if record.above_buyer_threshold:
        notify(
            recipients=_recipients(partnership),
            title=f"{partnership.partner.name}: risk score {score} is above our threshold",
            body=f"Our threshold is {buyer_threshold}; the partner's is {partner_threshold}.",
            url=_url("partnership-risk", partnership.pk) + "#score",
            dedupe_key=f"risk.score:{record.pk}",
        )
    return record
