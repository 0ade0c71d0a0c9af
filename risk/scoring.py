"""The third-party risk score (pure: no database).

Each factor is rated 0 (no risk) to 100 (highest risk) and carries a weight; the weights add up
to 100. The score is the weighted sum, Σ weightᵢ × ratingᵢ / 100, on the same 0–100 scale, and
the breakdown lists every factor's contribution so the number can be explained.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class FactorRating:
    name: str
    weight: Decimal
    rating: Decimal


def weights_problem(weights: list[Decimal]) -> str | None:
    """Why these weights cannot be a score model, or None."""
    if not weights:
        return "Add at least one factor."
    if any(w <= 0 or w > HUNDRED for w in weights):
        return "Each weight is more than 0 and at most 100."
    total = sum(weights, Decimal("0"))
    if total != HUNDRED:
        return f"The weights add up to {total.normalize():f}; they must add up to 100."
    return None


def weighted_score(ratings: list[FactorRating]) -> tuple[Decimal, list[dict]]:
    """The score and its breakdown (one row per factor, contributions summing to the score)."""
    breakdown = []
    total = Decimal("0")
    for item in ratings:
        contribution = item.weight * item.rating / HUNDRED
        total += contribution
        breakdown.append(
            {
                "factor": item.name,
                "weight": str(item.weight),
                "rating": str(item.rating),
                "contribution": str(contribution.quantize(CENT, rounding=ROUND_HALF_UP)),
            }
        )
    return total.quantize(CENT, rounding=ROUND_HALF_UP), breakdown


# Financial strength from the partner's filed accounts: each indicator maps linearly from its
# healthy bound (rating 0) to its distressed bound (rating 100); the rating is their mean.
FINANCIAL_BOUNDS = {
    "current_ratio": (Decimal("2.0"), Decimal("0.8")),
    "debt_ratio": (Decimal("0.30"), Decimal("0.80")),
    "margin_percent": (Decimal("15"), Decimal("-5")),
}
FINANCIAL_LABELS = {
    "current_ratio": "current ratio",
    "debt_ratio": "debt ratio",
    "margin_percent": "operating margin %",
}


def _linear(value: Decimal, healthy: Decimal, distressed: Decimal) -> Decimal:
    share = (value - healthy) / (distressed - healthy)
    if share <= 0:  # at or beyond the healthy bound (a plain 0: the division may give −0)
        return Decimal("0")
    return min(share, Decimal("1")) * HUNDRED


def financial_rating(*, year: int, **indicators: Decimal) -> tuple[Decimal, str]:
    """The financial-strength rating (0 = strong, 100 = distressed) and how it was derived."""
    parts, ratings = [], []
    for name, (healthy, distressed) in FINANCIAL_BOUNDS.items():
        value = indicators[name]
        rating = _linear(Decimal(value), healthy, distressed).quantize(CENT, ROUND_HALF_UP)
        ratings.append(rating)
        parts.append(f"{FINANCIAL_LABELS[name]} {value.normalize():f} → {rating.normalize():f}")
    mean = (sum(ratings, Decimal("0")) / len(ratings)).quantize(CENT, ROUND_HALF_UP)
    return mean, f"From the {year} accounts: " + ", ".join(parts) + f"; mean {mean}."
