"""SLA arithmetic: breaches, service credits and termination triggers, pure and clock-free.

The services do not call this module: the daily breach check is set-based SQL
(``performance.services.sla_breach_check``, described in docs/performance.md). These functions
state the same rules in Python, clock-free (the date is passed as ``as_of``); the tests check the
SQL's breaches, credits and termination triggers against them.

Threshold convention, shared with ``scoring``'s red threshold: a threshold is the first failing
value. A value *at or beyond* it (below for HIGHER_IS_BETTER, above for LOWER_IS_BETTER) is a
breach or reaches the credit tier. A contract clause "availability below 99.5 % is a breach",
measured to two decimals, is therefore entered as a breach threshold of 99.49.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from performance.scoring import Direction, as_decimal, as_optional_decimal

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


def _reaches(value: Decimal, threshold: Decimal, direction: Direction) -> bool:
    """True when ``value`` is at or beyond ``threshold`` on the failing side."""
    if direction is Direction.HIGHER_IS_BETTER:
        return value <= threshold
    return value >= threshold


def _check_percent(name: str, percent: Decimal) -> None:
    if not Decimal(0) <= percent <= _HUNDRED:
        raise ValueError(f"{name} must be within 0-100, got {percent}")


def is_breach(
    *,
    value: Decimal | int | None,
    breach_threshold: Decimal | int,
    direction: Direction | str,
) -> bool | None:
    """Whether a measured value breaches the SLA; ``None`` when there is no measurement.

    No data is not reported as "no breach": whether a missing report is itself a breach is a
    contract question the caller answers.
    """
    direction = Direction(direction)
    threshold = as_decimal("breach_threshold", breach_threshold)
    value_d = as_optional_decimal("value", value)
    if value_d is None:
        return None
    return _reaches(value_d, threshold, direction)


@dataclass(frozen=True)
class CreditTier:
    """A service-credit tier: reaching ``threshold`` earns ``percent_of_fee`` % of the fee."""

    threshold: Decimal
    percent_of_fee: Decimal


def service_credit(
    *,
    value: Decimal | int | None,
    direction: Direction | str,
    tiers: Sequence[CreditTier],
    period_fee: Decimal | int,
    cap_percent: Decimal | int | None,
) -> Decimal | None:
    """Service credit owed for one period, quantised to 0.01 (ROUND_HALF_UP).

    Tiers are not cumulative: the value earns the percentage of the single worst tier it reaches
    (the reached tier whose threshold is furthest on the failing side), not the sum of the tiers
    it passed. The percentage is then capped at ``cap_percent`` of the fee (``None`` = no cap).
    A value that reaches no tier earns 0.00. No measurement returns ``None``: the credit cannot
    be computed, which is different from "no credit owed".
    """
    direction = Direction(direction)
    fee = as_decimal("period_fee", period_fee)
    if fee < 0:
        raise ValueError(f"period_fee must not be negative, got {fee}")
    cap = as_optional_decimal("cap_percent", cap_percent)
    if cap is not None:
        _check_percent("cap_percent", cap)
    thresholds = []
    for tier in tiers:
        thresholds.append(as_decimal("tier threshold", tier.threshold))
        _check_percent("tier percent_of_fee", as_decimal("tier percent", tier.percent_of_fee))
    if len(set(thresholds)) != len(thresholds):
        raise ValueError("two credit tiers share the same threshold")

    value_d = as_optional_decimal("value", value)
    if value_d is None:
        return None
    reached = [tier for tier in tiers if _reaches(value_d, Decimal(tier.threshold), direction)]
    if not reached:
        return Decimal("0.00")
    # The worst tier reached is the one with the most failing threshold.
    pick = min if direction is Direction.HIGHER_IS_BETTER else max
    worst = pick(reached, key=lambda tier: Decimal(tier.threshold))
    percent = Decimal(worst.percent_of_fee)
    if cap is not None:
        percent = min(percent, cap)
    return (fee * percent / _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 Aug - 6 months = 28 Feb)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month_first = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month_first - date(year, month, 1)).days
    return date(year, month, min(day.day, last_day))


def termination_trigger_met(
    *,
    breach_periods: Sequence[date],
    count: int,
    window_months: int,
    as_of: date,
) -> bool:
    """Whether at least ``count`` breaches fall in the ``window_months`` ending on ``as_of``.

    The window is ``(as_of - window_months, as_of]``: with monthly periods dated on the first of
    the month and ``as_of`` on a first, that is exactly ``window_months`` periods. Breaches after
    ``as_of`` are ignored (they have not happened yet at that date) and a period listed twice
    counts once. To ask whether the right ever arose, call it with each breach date as ``as_of``.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if window_months < 1:
        raise ValueError(f"window_months must be at least 1, got {window_months}")
    window_start = _months_before(as_of, window_months)
    in_window = {period for period in breach_periods if window_start < period <= as_of}
    return len(in_window) >= count
