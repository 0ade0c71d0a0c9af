"""The arithmetic of the sourcing-model decision, pure and Decimal only (tests compare it with
hand-computed cases; services and pages call it).

Total cost of ownership of one model over N years: the one-off costs (acquisition, switching)
fall in year 0, the yearly costs (operating, transaction, risk) in years 1..N. The net present
value discounts year t by (1 + r)^t. The Kraljic position puts the need in one of four quadrants
by profit impact and supply risk (1..5 each; 3 and above is high). The recommendation combines
both: when they agree it is that model; when they disagree the Kraljic position wins only while
the partnership's cost premium stays within `TCO_TOLERANCE` of the cheaper model.
Fit: weights in percent adding up to 100, scores 1..5; a criterion contributes weight × score / 5,
so the fit is 0..100.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
HIGH_FROM = 3  # a 1..5 rating of 3 or more is "high" on the Kraljic axes
TCO_TOLERANCE = Decimal("0.10")  # a partnership premium up to 10 % still follows Kraljic
MAX_SCORE = 5

TRANSACTIONAL = "transactional"
STRATEGIC = "strategic"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostInputs:
    acquisition: Decimal = Decimal("0")
    operating: Decimal = Decimal("0")
    transaction: Decimal = Decimal("0")
    risk: Decimal = Decimal("0")
    switching: Decimal = Decimal("0")

    @property
    def one_off(self) -> Decimal:
        return self.acquisition + self.switching

    @property
    def yearly(self) -> Decimal:
        return self.operating + self.transaction + self.risk


@dataclass(frozen=True)
class Tco:
    nominal: Decimal  # undiscounted total, to the cent
    npv: Decimal  # present value of every cost, to the cent
    cumulative_npv: tuple[Decimal, ...]  # year 0..N, to the cent (the chart's curve)


def tco(costs: CostInputs, *, years: int, discount_rate_percent: Decimal) -> Tco:
    if years < 1:
        raise ValueError("The horizon must be at least one year.")
    rate = Decimal(discount_rate_percent) / HUNDRED
    running = costs.one_off
    curve = [_cents(running)]
    for year in range(1, years + 1):
        running += costs.yearly / (1 + rate) ** year
        curve.append(_cents(running))
    return Tco(
        nominal=_cents(costs.one_off + costs.yearly * years),
        npv=_cents(running),
        cumulative_npv=tuple(curve),
    )


QUADRANTS = {
    (True, True): ("strategic", "Strategic item"),
    (True, False): ("leverage", "Leverage item"),
    (False, True): ("bottleneck", "Bottleneck item"),
    (False, False): ("non_critical", "Non-critical item"),
}
# The sourcing model each quadrant favours: supply security needs a partner, buying power does not.
QUADRANT_MODEL = {
    "strategic": STRATEGIC,
    "bottleneck": STRATEGIC,
    "leverage": TRANSACTIONAL,
    "non_critical": TRANSACTIONAL,
}


def kraljic(*, profit_impact: int, supply_risk: int) -> tuple[str, str]:
    """(quadrant code, label) of a need rated 1..5 on profit impact and supply risk."""
    return QUADRANTS[(profit_impact >= HIGH_FROM, supply_risk >= HIGH_FROM)]


@dataclass(frozen=True)
class Recommendation:
    model: str
    quadrant: str
    quadrant_label: str
    cheaper: str
    premium: Decimal  # how much dearer the other model is, as a fraction of the cheaper NPV
    reason: str


def recommend(
    *, transactional_npv: Decimal, strategic_npv: Decimal, profit_impact: int, supply_risk: int
) -> Recommendation:
    quadrant, label = kraljic(profit_impact=profit_impact, supply_risk=supply_risk)
    favoured = QUADRANT_MODEL[quadrant]
    cheaper = STRATEGIC if strategic_npv < transactional_npv else TRANSACTIONAL
    low, high = sorted([transactional_npv, strategic_npv])
    premium = ((high - low) / low) if low > 0 else (Decimal("0") if high == low else Decimal("1"))
    premium = premium.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    names = {TRANSACTIONAL: "transactional supply", STRATEGIC: "a strategic partnership"}
    if favoured == cheaper:
        model = cheaper
        reason = (
            f"{label}: the position favours {names[favoured]}, and it is also the cheaper "
            "model over the horizon."
        )
    elif premium <= TCO_TOLERANCE:
        model = favoured
        reason = (
            f"{label}: the position favours {names[favoured]}; it costs "
            f"{premium * HUNDRED:.1f} % more in present value, within the "
            f"{TCO_TOLERANCE * HUNDRED:.0f} % tolerance."
        )
    else:
        model = cheaper
        reason = (
            f"{label}: the position favours {names[favoured]}, but it costs "
            f"{premium * HUNDRED:.1f} % more in present value (over the "
            f"{TCO_TOLERANCE * HUNDRED:.0f} % tolerance), so {names[cheaper]} is recommended."
        )
    return Recommendation(model, quadrant, label, cheaper, premium, reason)


@dataclass(frozen=True)
class FitLine:
    criterion: str
    weight: Decimal
    score: int | None
    points: Decimal  # weight × score / 5, to two decimals


@dataclass(frozen=True)
class Fit:
    total: Decimal  # 0..100, to two decimals
    lines: tuple[FitLine, ...] = field(default=())
    complete: bool = True


def fit_score(criteria: list[tuple[str, Decimal, int | None]]) -> Fit:
    """criteria: (name, weight in %, score 1..5 or None when not scored yet)."""
    lines, total = [], Decimal("0")
    for name, weight, score in criteria:
        points = Decimal(weight) * Decimal(score or 0) / MAX_SCORE
        total += points
        lines.append(FitLine(name, Decimal(weight), score, _cents(points)))
    return Fit(
        total=_cents(total),
        lines=tuple(lines),
        complete=all(line.score is not None for line in lines),
    )


def weights_add_up(weights: list[Decimal]) -> bool:
    return sum(weights, Decimal("0")) == HUNDRED
