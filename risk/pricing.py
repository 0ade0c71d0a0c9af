"""Index-linked price adjustment, computed and explained step by step (pure: no database).

    ratio          = index value of the period / base index value
    raw change     = weighting × (ratio − 1)
    applied change = raw change limited to [floor, cap]
    adjusted price = base price × (1 + applied change), rounded to the cent

The weighting is the share of the price that follows the index (a 60 % steel share moves 60 %
of the price); the rest stays fixed. The change is always measured from the base price, so
reviews do not compound.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tenancy.money import Money

HUNDRED = Decimal("100")
RATIO_PLACES = Decimal("0.000001")
PERCENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Adjustment:
    base_price: Money
    index_value: Decimal
    ratio: Decimal
    raw_change_percent: Decimal
    change_percent: Decimal
    limited_by: str  # "cap", "floor" or ""
    adjusted_price: Money
    steps: list[str] = field(default_factory=list)


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):+,.2f} %"


def _num(value: Decimal) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def adjust_price(
    *,
    base_price: Money,
    base_index_value: Decimal,
    index_value: Decimal,
    weighting_percent: Decimal,
    cap_percent: Decimal,
    floor_percent: Decimal,
    index_name: str = "the index",
    period_label: str = "",
) -> Adjustment:
    ratio = (index_value / base_index_value).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    raw = (weighting_percent * (ratio - 1)).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
    applied, limited_by = raw, ""
    if raw > cap_percent:
        applied, limited_by = cap_percent, "cap"
    elif raw < floor_percent:
        applied, limited_by = floor_percent, "floor"
    adjusted = (base_price * (1 + applied / HUNDRED)).rounded()
    when = f" for {period_label}" if period_label else ""
    steps = [
        f"{index_name[:1].upper()}{index_name[1:]}{when} is {_num(index_value)}; the base "
        f"value is {_num(base_index_value)}.",
        f"Index ratio: {_num(index_value)} ÷ {_num(base_index_value)} = {_num(ratio)} "
        f"(the index moved {_pct((ratio - 1) * HUNDRED)}).",
        f"Weighted change: {_num(weighting_percent)} % of the price follows the index, so "
        f"{_num(weighting_percent)} % × {_pct((ratio - 1) * HUNDRED)} = {_pct(raw)}.",
    ]
    if limited_by == "cap":
        steps.append(f"{_pct(raw)} is above the cap of {_pct(cap_percent)}: the cap applies.")
    elif limited_by == "floor":
        steps.append(f"{_pct(raw)} is below the floor of {_pct(floor_percent)}: the floor applies.")
    else:
        steps.append(
            f"{_pct(raw)} is within the floor of {_pct(floor_percent)} and the cap of "
            f"{_pct(cap_percent)}: it applies unchanged."
        )
    steps.append(
        f"Adjusted price: {base_price} × (1 {'+' if applied >= 0 else '−'} "
        f"{_num(abs(applied))} %) = {adjusted}."
    )
    return Adjustment(
        base_price=base_price,
        index_value=index_value,
        ratio=ratio,
        raw_change_percent=raw,
        change_percent=applied,
        limited_by=limited_by,
        adjusted_price=adjusted,
        steps=steps,
    )
