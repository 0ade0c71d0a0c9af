"""The finance module's arithmetic, as pure functions (no Django, no clock, no float).

Every function takes and returns `Decimal` / `Money`; results are rounded half up to the
currency's minor unit (`Money.rounded()`, tenancy/money.py) once, at the end, and where a total
is split into parts the parts are made to add up to the rounded total exactly.

- `allocate`: a cost pool split by weights, largest remainder on minor units, ties to the
  first party listed: the parts always sum to the pool.
- `savings_breakdown`: savings against a baseline with the volume, market-index and currency
  adjustments, so nothing is claimed for what the market or the exchange rate did.
- `tiered_share` / `gain_share_payout`: the partner's share of verified savings by bands,
  moved by the scorecard standing, then the floor and the cap.
- `rebate_accrual` / `tier_index` / `projected_volume`: retroactive and incremental rebates.
- `fx_effect`: the FX effect of an invoice amount, borne by the bearer inside the band and split
  beyond it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from tenancy.money import Money, currency_places

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def _units(amount: Decimal, currency: str) -> int:
    """An amount in the currency's minor units (already rounded)."""
    return int(amount.scaleb(currency_places(currency)))


def _from_units(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-currency_places(currency)), currency)


# -- shared cost model ------------------------------------------------------------------------


def allocate(total: Money, weights: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Money]]:
    """Split `total` (rounded to its minor unit first) between parties by their weights.

    Each party gets the floor of its exact share in minor units; the minor units left over go
    one each to the largest remainders, ties to the party listed first. The parts sum exactly
    to the rounded total. Weights must be zero or more and not all zero."""
    if not weights:
        raise ValueError("No parties to allocate to.")
    if any(weight < 0 for _, weight in weights):
        raise ValueError("A weight cannot be negative.")
    weight_sum = sum((weight for _, weight in weights), ZERO)
    if weight_sum <= 0:
        raise ValueError("At least one party needs a weight above zero.")
    rounded = total.rounded()
    units = _units(rounded.amount, total.currency)
    sign = -1 if units < 0 else 1
    units = abs(units)
    shares = []
    for index, (party, weight) in enumerate(weights):
        exact = Decimal(units) * weight / weight_sum
        floor = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        shares.append([party, floor, exact - floor, index])
    left = units - sum(share[1] for share in shares)
    for share in sorted(shares, key=lambda s: (-s[2], s[3]))[:left]:
        share[1] += 1
    return [(party, _from_units(sign * part, total.currency)) for party, part, _, _ in shares]


# -- savings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingsBreakdown:
    baseline_spend: Money  # baseline price × baseline volume
    actual_spend: Money  # actual price × actual volume
    gross: Money  # baseline spend − actual spend: what a naive comparison shows
    volume_adjustment: Money  # buying less is not a saving
    market_adjustment: Money  # what the market index and the exchange rate did
    net: Money  # the saving that can be claimed: gross + both adjustments
    adjusted_baseline_price: Decimal


def _factor(base: Decimal | None, actual: Decimal | None) -> Decimal:
    if base is None or actual is None:
        return Decimal(1)
    if base <= 0:
        raise ValueError("A base index or rate must be above zero.")
    return actual / base


def savings_breakdown(
    *,
    currency: str,
    baseline_price: Decimal,
    actual_price: Decimal,
    volume: Decimal,
    baseline_volume: Decimal | None = None,
    index_base: Decimal | None = None,
    index_actual: Decimal | None = None,
    fx_base: Decimal | None = None,
    fx_actual: Decimal | None = None,
) -> SavingsBreakdown:
    """Savings at the actual volume against the baseline price moved by the market index and
    the exchange rate: net = (baseline price × index factor × FX factor − actual price) ×
    volume. Gross (the naive spend difference) + volume adjustment + market adjustment = net,
    exactly, after rounding (the market adjustment takes the rounding difference)."""
    if baseline_volume is None:
        baseline_volume = volume
    adjusted = baseline_price * _factor(index_base, index_actual) * _factor(fx_base, fx_actual)
    baseline_spend = Money(baseline_price * baseline_volume, currency).rounded()
    actual_spend = Money(actual_price * volume, currency).rounded()
    gross = baseline_spend - actual_spend
    volume_adjustment = Money(-baseline_price * (baseline_volume - volume), currency).rounded()
    net = Money((adjusted - actual_price) * volume, currency).rounded()
    market_adjustment = net - gross - volume_adjustment
    return SavingsBreakdown(
        baseline_spend=baseline_spend,
        actual_spend=actual_spend,
        gross=gross,
        volume_adjustment=volume_adjustment,
        market_adjustment=market_adjustment,
        net=net,
        adjusted_baseline_price=adjusted,
    )


# -- bands (gain-share and rebate tiers) ------------------------------------------------------


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal | None  # None: no upper bound
    value: Decimal  # a share in % (gain-share) or a unit price (rebate tiers)


def overlapping(bands: Sequence[Band]) -> tuple[Band, Band] | None:
    """The first pair of bands that overlap ([lower, upper) ranges), or None."""
    ordered = sorted(bands, key=lambda b: b.lower)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.upper is None or first.upper > second.lower:
            return first, second
    return None


def tiered_share(amount: Money, bands: Sequence[Band]) -> Money:
    """The partner's share of `amount`: each band's portion of the amount at its share (%)."""
    share = ZERO
    for band in bands:
        top = amount.amount if band.upper is None else min(amount.amount, band.upper)
        portion = max(top - band.lower, ZERO)
        share += portion * band.value / HUNDRED
    return Money(share, amount.currency).rounded()


@dataclass(frozen=True)
class Payout:
    verified: Money
    base_share: Money  # by the bands
    adjustment: Money  # the scorecard's move of the share
    before_limits: Money
    payout: Money  # after the floor and the cap
    limited_by: str  # "", "floor" or "cap"


def gain_share_payout(
    *,
    verified: Money,
    bands: Sequence[Band],
    adjustment_points: Decimal = ZERO,
    floor: Money | None = None,
    cap: Money | None = None,
) -> Payout:
    """The partner's payout from verified savings: the banded share, plus `adjustment_points`
    percentage points of the verified savings (the scorecard standing; negative lowers it), never
    below zero; then at least the floor (when there are verified savings) and at most the cap."""
    currency = verified.currency
    zero = Money(ZERO, currency)
    if verified.amount <= 0:
        return Payout(verified, zero, zero, zero, zero, "")
    base = tiered_share(verified, bands)
    adjustment = Money(verified.amount * adjustment_points / HUNDRED, currency).rounded()
    if base.amount + adjustment.amount < 0:
        adjustment = Money(-base.amount, currency)
    before = base + adjustment
    payout, limited_by = before, ""
    if floor is not None and payout.amount < floor.amount:
        payout, limited_by = floor.rounded(), "floor"
    if cap is not None and payout.amount > cap.amount:
        payout, limited_by = cap.rounded(), "cap"
    return Payout(verified, base, adjustment, before, payout, limited_by)


def standing_adjustment(*, rank: int | None, reference_rank: int | None, step: Decimal) -> Decimal:
    """Percentage points the share moves: `step` per standing above (or below) the reference
    standing; no scorecard (rank None) moves nothing."""
    if rank is None or reference_rank is None:
        return ZERO
    return step * (rank - reference_rank)


# -- pricing tiers and rebates ----------------------------------------------------------------


def tier_index(volume: Decimal, tiers: Sequence[Band]) -> int | None:
    """Index (in `tiers`, ordered by lower bound) of the tier `volume` reaches: the highest
    tier whose lower bound it has reached; None below the first."""
    reached = None
    for index, tier in enumerate(tiers):
        if volume >= tier.lower:
            reached = index
    return reached


def rebate_accrual(*, volume: Decimal, tiers: Sequence[Band], retroactive: bool, currency: str):
    """The rebate earned on `volume` units invoiced at the first tier's price.

    Retroactive: once a tier is reached, every unit is repriced at that tier's price.
    Incremental: only the units inside each tier get that tier's price."""
    if volume < 0:
        raise ValueError("A volume cannot be negative.")
    ordered = sorted(tiers, key=lambda t: t.lower)
    if not ordered:
        return Money(ZERO, currency)
    list_price = ordered[0].value
    if retroactive:
        index = tier_index(volume, ordered)
        if index is None:
            return Money(ZERO, currency)
        return Money(volume * (list_price - ordered[index].value), currency).rounded()
    rebate = ZERO
    for index, tier in enumerate(ordered):
        upper = ordered[index + 1].lower if index + 1 < len(ordered) else None
        top = volume if upper is None else min(volume, upper)
        units = max(top - tier.lower, ZERO)
        rebate += units * (list_price - tier.value)
    return Money(rebate, currency).rounded()


def projected_volume(*, volume_to_date: Decimal, days_elapsed: int, days_in_year: int) -> Decimal:
    """The year-end volume at the pace so far (straight line)."""
    if days_elapsed <= 0:
        return volume_to_date
    return (volume_to_date * days_in_year / days_elapsed).quantize(Decimal("0.01"))


# -- FX ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FxEffect:
    at_base: Money  # the invoice amount at the base rate, in the contract currency
    at_actual: Money  # at the period's rate
    effect: Money  # at_actual − at_base: what the move costs (negative: saves)
    within_band: Money
    beyond_band: Money
    bearer_part: Money  # borne by the party that bears FX risk
    other_part: Money  # borne by the other party (its share beyond the band)
    move_percent: Decimal


def fx_effect(
    *,
    amount: Decimal,
    contract_currency: str,
    base_rate: Decimal,
    actual_rate: Decimal,
    band_percent: Decimal,
    other_share_percent: Decimal = Decimal(50),
) -> FxEffect:
    """The effect of the exchange rate on an invoice amount (rates: contract currency per unit
    of the invoice currency). Inside ±band% of the base rate the bearer takes all of it; the
    part of the move beyond the band is split, `other_share_percent` to the other party."""
    if base_rate <= 0 or actual_rate <= 0:
        raise ValueError("Rates must be above zero.")
    at_base = Money(amount * base_rate, contract_currency).rounded()
    at_actual = Money(amount * actual_rate, contract_currency).rounded()
    effect = at_actual - at_base
    limit = base_rate * band_percent / HUNDRED
    move = actual_rate - base_rate
    inside = max(-limit, min(limit, move))
    within = Money(amount * inside, contract_currency).rounded()
    beyond = effect - within
    other = Money(beyond.amount * other_share_percent / HUNDRED, contract_currency).rounded()
    bearer = effect - other
    move_percent = (move / base_rate * HUNDRED).quantize(Decimal("0.01"))
    return FxEffect(at_base, at_actual, effect, within, beyond, bearer, other, move_percent)


# -- payment terms and working capital --------------------------------------------------------

DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True)
class WorkingCapital:
    dpo_days: Decimal  # days payable outstanding under the terms as paid
    payables: Money  # the average balance owed: the cash the terms leave with us
    implied_rate: Decimal | None  # annual % that forgoing the early-payment discount costs
    discount_value: Money  # per year, if the discount is taken
    cash_cost_of_discount: Money  # per year: the cash paid earlier × the cost of capital
    take_discount_pays: bool | None  # None without a discount


def working_capital(
    *,
    annual_spend: Money,
    net_days: int,
    discount_percent: Decimal = ZERO,
    discount_days: int = 0,
    payment_run_days: int = 1,
    take_discount: bool = False,
    cost_of_capital_percent: Decimal = ZERO,
) -> WorkingCapital:
    """Terms such as 2/10 net 30 paid in a weekly run: an invoice waits on average half a run
    after its due day, so DPO = the day paid + run / 2. Payables = spend per day × DPO. The
    implied annual rate of forgoing the discount is d / (1 − d) × 365 / (net − discount days);
    the discount pays when it is worth more than the cost of paying that much earlier."""
    half_run = Decimal(payment_run_days) / 2 if payment_run_days > 1 else ZERO
    has_discount = discount_percent > 0 and discount_days < net_days
    paid_on = discount_days if (take_discount and has_discount) else net_days
    dpo = Decimal(paid_on) + half_run
    per_day = annual_spend.amount / DAYS_IN_YEAR
    payables = Money(per_day * dpo, annual_spend.currency).rounded()
    zero = Money(ZERO, annual_spend.currency)
    if not has_discount:
        return WorkingCapital(dpo, payables, None, zero, zero, None)
    share = discount_percent / HUNDRED
    implied = (share / (1 - share) * DAYS_IN_YEAR / (net_days - discount_days) * HUNDRED).quantize(
        Decimal("0.01")
    )
    value = Money(annual_spend.amount * share, annual_spend.currency).rounded()
    earlier = per_day * (net_days - discount_days)
    cost = Money(earlier * cost_of_capital_percent / HUNDRED, annual_spend.currency).rounded()
    return WorkingCapital(dpo, payables, implied, value, cost, value.amount > cost.amount)
