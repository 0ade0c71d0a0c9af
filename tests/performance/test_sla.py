"""Specifications of the SLA arithmetic (performance.sla), on hand-computed examples."""

from datetime import date
from decimal import Decimal

import pytest

from performance.scoring import Direction
from performance.sla import CreditTier, is_breach, service_credit, termination_trigger_met

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

# Availability (higher is better): at or below 99.49 % earns 5 %, at or below 98 % earns 10 %,
# at or below 95 % earns 25 % of the monthly fee.
AVAILABILITY_TIERS = [
    CreditTier(threshold=Decimal("99.49"), percent_of_fee=Decimal(5)),
    CreditTier(threshold=Decimal(98), percent_of_fee=Decimal(10)),
    CreditTier(threshold=Decimal(95), percent_of_fee=Decimal(25)),
]


# --- breaches -----------------------------------------------------------------------------------


def test_a_value_at_or_beyond_the_breach_threshold_is_a_breach():
    assert is_breach(value=Decimal("99.49"), breach_threshold=Decimal("99.49"), direction=HIGHER)
    assert is_breach(value=Decimal("97"), breach_threshold=Decimal("99.49"), direction=HIGHER)
    assert not is_breach(value=Decimal("99.5"), breach_threshold=Decimal("99.49"), direction=HIGHER)


def test_a_breach_of_a_lower_is_better_sla_is_at_or_above_the_threshold():
    # Resolution time: 4 hours or more is a breach.
    assert is_breach(value=Decimal(4), breach_threshold=Decimal(4), direction=LOWER)
    assert not is_breach(value=Decimal("3.9"), breach_threshold=Decimal(4), direction=LOWER)


def test_no_measurement_is_neither_a_breach_nor_compliance():
    assert is_breach(value=None, breach_threshold=Decimal(4), direction=LOWER) is None


# --- service credits ----------------------------------------------------------------------------


def credit(value, *, cap_percent=None, fee=Decimal("12000.00"), tiers=AVAILABILITY_TIERS):
    return service_credit(
        value=value, direction=HIGHER, tiers=tiers, period_fee=fee, cap_percent=cap_percent
    )


def test_service_credit_is_the_worst_tier_reached_not_the_sum_of_tiers():
    # 97 % reaches the 99.49 and 98 tiers; the worst is 10 %: 12,000.00 * 10 % = 1,200.00
    # (cumulative tiers would have given 5 % + 10 % = 1,800.00).
    assert credit(Decimal(97)) == Decimal("1200.00")
    # 94 % reaches all three tiers: 25 % of 12,000.00 = 3,000.00
    assert credit(Decimal(94)) == Decimal("3000.00")


def test_a_value_exactly_on_a_tier_threshold_reaches_that_tier():
    # 98 % is "at" the 98 tier: 10 % of 12,000.00 = 1,200.00
    assert credit(Decimal(98)) == Decimal("1200.00")


def test_a_value_that_reaches_no_tier_earns_no_credit():
    assert credit(Decimal("99.9")) == Decimal("0.00")


def test_service_credit_is_capped():
    # 94 % earns 25 %, capped at 15 %: 12,000.00 * 15 % = 1,800.00
    assert credit(Decimal(94), cap_percent=Decimal(15)) == Decimal("1800.00")
    # A cap above the earned tier changes nothing: 10 % < 15 %.
    assert credit(Decimal(97), cap_percent=Decimal(15)) == Decimal("1200.00")


def test_service_credit_is_rounded_half_up_to_the_cent():
    # 5 % of 100.10 = 5.005 -> 5.01 (half up; banker's rounding would give 5.00)
    assert credit(Decimal("99"), fee=Decimal("100.10")) == Decimal("5.01")


def test_service_credit_tiers_work_for_lower_is_better_slas():
    # Resolution hours: at or above 4 h earns 5 %, at or above 8 h earns 20 %.
    tiers = [
        CreditTier(threshold=Decimal(8), percent_of_fee=Decimal(20)),
        CreditTier(threshold=Decimal(4), percent_of_fee=Decimal(5)),
    ]
    fee = Decimal("2500")
    # 9 h reaches both; worst is 20 %: 2,500 * 20 % = 500.00
    assert service_credit(
        value=Decimal(9), direction=LOWER, tiers=tiers, period_fee=fee, cap_percent=None
    ) == Decimal("500.00")
    # 5 h reaches only the 4 h tier: 2,500 * 5 % = 125.00
    assert service_credit(
        value=Decimal(5), direction=LOWER, tiers=tiers, period_fee=fee, cap_percent=None
    ) == Decimal("125.00")


def test_service_credit_without_a_measurement_is_not_computed():
    assert credit(None) is None


def test_service_credit_refuses_tiers_sharing_a_threshold():
    tiers = [CreditTier(Decimal(98), Decimal(5)), CreditTier(Decimal(98), Decimal(10))]
    with pytest.raises(ValueError, match="same threshold"):
        credit(Decimal(90), tiers=tiers)


# --- termination trigger ------------------------------------------------------------------------


def test_three_breaches_within_six_months_trigger_termination():
    # Window for as_of 1 Jun 2025 and 6 months: (1 Dec 2024, 1 Jun 2025] = Jan..Jun periods.
    breaches = [date(2025, 1, 1), date(2025, 3, 1), date(2025, 6, 1)]
    assert termination_trigger_met(
        breach_periods=breaches, count=3, window_months=6, as_of=date(2025, 6, 1)
    )


def test_breaches_spread_over_more_than_the_window_do_not_trigger_termination():
    # December 2024 is exactly six months before 1 June 2025, so it falls outside the window.
    breaches = [date(2024, 12, 1), date(2025, 3, 1), date(2025, 6, 1)]
    assert not termination_trigger_met(
        breach_periods=breaches, count=3, window_months=6, as_of=date(2025, 6, 1)
    )


def test_breaches_after_the_as_of_date_are_not_counted():
    breaches = [date(2025, 1, 1), date(2025, 3, 1), date(2025, 7, 1)]
    assert not termination_trigger_met(
        breach_periods=breaches, count=3, window_months=6, as_of=date(2025, 6, 1)
    )


def test_a_period_listed_twice_counts_once():
    breaches = [date(2025, 3, 1), date(2025, 3, 1), date(2025, 5, 1)]
    assert not termination_trigger_met(
        breach_periods=breaches, count=3, window_months=6, as_of=date(2025, 6, 1)
    )


def test_the_window_is_clamped_at_the_end_of_a_short_month():
    # 31 Aug 2025 minus 6 months is 28 Feb 2025 (no 31 Feb): 28 Feb is outside, 1 Mar inside.
    assert not termination_trigger_met(
        breach_periods=[date(2025, 2, 28)], count=1, window_months=6, as_of=date(2025, 8, 31)
    )
    assert termination_trigger_met(
        breach_periods=[date(2025, 3, 1)], count=1, window_months=6, as_of=date(2025, 8, 31)
    )
