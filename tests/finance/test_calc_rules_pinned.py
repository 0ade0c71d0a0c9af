"""The finance arithmetic's edges, each pinned by a case that fails when the rule is changed
(found by `make mutation MUTATION_ARGS=finance.calc`, docs/mutation.md): the refusals and their
words, the boundaries (exactly at a floor, a cap, a tier, a band), the defaults of the terms,
and every figure a result carries, not only the one a page shows first."""

from decimal import Decimal

import pytest

from finance import calc
from tenancy.money import Money

D = Decimal


def eur(value: str) -> Money:
    return Money(D(value), "EUR")


# -- allocation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "No parties to allocate to."),
        ([("a", D(1)), ("b", D(-1))], "A weight cannot be negative."),
        ([("a", D(0)), ("b", D(0))], "At least one party needs a weight above zero."),
    ],
)
def test_an_allocation_that_cannot_be_made_says_why(weights, message):
    with pytest.raises(ValueError) as refused:
        calc.allocate(eur("100"), weights)
    assert str(refused.value) == message


def test_a_credit_is_allocated_as_negative_parts_that_sum_to_it():
    parts = calc.allocate(eur("-100"), [("a", D(1)), ("b", D(1)), ("c", D(1))])
    assert [m.amount for _, m in parts] == [D("-33.34"), D("-33.33"), D("-33.33")]


# -- savings ----------------------------------------------------------------------------------


def test_an_index_with_only_one_of_its_two_values_moves_nothing():
    breakdown = calc.savings_breakdown(
        currency="EUR", baseline_price=D(10), actual_price=D(9), volume=D(100), index_base=D(120)
    )
    assert breakdown.adjusted_baseline_price == D(10)
    assert breakdown.net == eur("100.00")


@pytest.mark.parametrize("base", [D(0), D(-5)])
def test_an_index_base_of_zero_or_less_is_refused_in_words(base):
    with pytest.raises(ValueError) as refused:
        calc.savings_breakdown(
            currency="EUR",
            baseline_price=D(10),
            actual_price=D(9),
            volume=D(100),
            index_base=base,
            index_actual=D(110),
        )
    assert str(refused.value) == "A base index or rate must be above zero."


def test_a_savings_breakdown_carries_both_spends_and_the_adjusted_price():
    breakdown = calc.savings_breakdown(
        currency="EUR",
        baseline_price=D(10),
        actual_price=D(9),
        volume=D(100),
        baseline_volume=D(120),
        index_base=D(100),
        index_actual=D(105),
    )
    assert (breakdown.baseline_spend, breakdown.actual_spend) == (eur("1200.00"), eur("900.00"))
    assert breakdown.adjusted_baseline_price == D("10.5")
    assert breakdown.net == eur("150.00")


# -- gain-share -------------------------------------------------------------------------------

HALF = [calc.Band(D(0), None, D(50))]
TEN_PERCENT = [calc.Band(D(0), None, D(10))]


def test_savings_below_one_unit_still_earn_their_share():
    payout = calc.gain_share_payout(verified=eur("0.50"), bands=[calc.Band(D(0), None, D(100))])
    assert payout.payout == eur("0.50")


def test_no_verified_savings_is_a_payout_of_zero_that_names_what_was_verified():
    payout = calc.gain_share_payout(verified=eur("0"), bands=HALF)
    assert payout == calc.Payout(eur("0"), eur("0"), eur("0"), eur("0"), eur("0"), "")


def test_a_poor_standing_lowers_the_share_to_zero_and_never_below():
    payout = calc.gain_share_payout(
        verified=eur("1000"), bands=TEN_PERCENT, adjustment_points=D(-15)
    )
    assert (payout.base_share, payout.adjustment) == (eur("100.00"), eur("-100.00"))
    assert (payout.before_limits, payout.payout) == (eur("0.00"), eur("0.00"))


def test_a_share_lowered_to_fifty_cents_keeps_its_fifty_cents():
    payout = calc.gain_share_payout(
        verified=eur("1000"), bands=TEN_PERCENT, adjustment_points=D("-9.95")
    )
    assert (payout.adjustment, payout.before_limits) == (eur("-99.50"), eur("0.50"))


def test_a_payout_inside_its_limits_is_limited_by_nothing():
    payout = calc.gain_share_payout(
        verified=eur("1000"), bands=HALF, floor=eur("100"), cap=eur("900")
    )
    assert (payout.verified, payout.before_limits) == (eur("1000"), eur("500.00"))
    assert (payout.payout, payout.limited_by) == (eur("500.00"), "")


@pytest.mark.parametrize("limit", ["floor", "cap"])
def test_a_payout_exactly_at_a_limit_is_not_limited_by_it(limit):
    payout = calc.gain_share_payout(verified=eur("1000"), bands=HALF, **{limit: eur("500")})
    assert (payout.payout, payout.limited_by) == (eur("500.00"), "")


def test_the_standing_moves_the_share_by_the_step_per_standing():
    assert calc.standing_adjustment(rank=5, reference_rank=2, step=D(2)) == D(6)
    assert calc.standing_adjustment(rank=1, reference_rank=3, step=D("1.5")) == D(-3)


@pytest.mark.parametrize(("rank", "reference"), [(3, None), (None, 3), (None, None)])
def test_without_a_standing_or_a_reference_the_share_does_not_move(rank, reference):
    assert calc.standing_adjustment(rank=rank, reference_rank=reference, step=D(2)) == 0


# -- tiers and rebates ------------------------------------------------------------------------

TIERS = [calc.Band(D(0), None, D(10)), calc.Band(D(100), None, D(8))]


def test_a_volume_exactly_at_a_tier_reaches_it_and_below_the_first_reaches_none():
    assert calc.tier_index(D(100), TIERS) == 1
    assert calc.tier_index(D(99), TIERS) == 0
    assert calc.tier_index(D(5), [calc.Band(D(10), None, D(1))]) is None


def test_a_retroactive_rebate_is_the_volume_times_the_price_difference():
    rebate = calc.rebate_accrual(volume=D(150), tiers=TIERS, retroactive=True, currency="EUR")
    assert rebate == eur("300.00")  # 150 units × (10 − 8)


@pytest.mark.parametrize("volume", [D(0), D("0.5")])
def test_no_or_a_fraction_of_a_unit_is_a_volume_not_a_refusal(volume):
    rebate = calc.rebate_accrual(volume=volume, tiers=TIERS, retroactive=False, currency="EUR")
    assert rebate == eur("0.00")


def test_a_negative_volume_is_refused_in_words():
    with pytest.raises(ValueError) as refused:
        calc.rebate_accrual(volume=D(-1), tiers=TIERS, retroactive=False, currency="EUR")
    assert str(refused.value) == "A volume cannot be negative."


def test_without_tiers_or_below_the_first_the_rebate_is_zero_in_the_currency():
    assert calc.rebate_accrual(volume=D(5), tiers=[], retroactive=True, currency="USD") == Money(
        D(0), "USD"
    )
    above_ten = [calc.Band(D(10), None, D(9))]
    zero = calc.rebate_accrual(volume=D(5), tiers=above_ten, retroactive=True, currency="JPY")
    assert zero == Money(D(0), "JPY") and zero.currency == "JPY"


def test_the_projection_after_one_day_is_a_projection_and_before_any_is_the_volume():
    assert calc.projected_volume(volume_to_date=D(10), days_elapsed=1, days_in_year=365) == D(
        "3650.00"
    )
    assert calc.projected_volume(volume_to_date=D(10), days_elapsed=0, days_in_year=365) == D(10)


# -- FX ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "actual"), [(D(0), D(1)), (D(1), D(0)), (D(-1), D(1))])
def test_a_rate_of_zero_or_less_is_refused_in_words(base, actual):
    with pytest.raises(ValueError) as refused:
        calc.fx_effect(
            amount=D(100),
            contract_currency="EUR",
            base_rate=base,
            actual_rate=actual,
            band_percent=D(5),
        )
    assert str(refused.value) == "Rates must be above zero."


def test_the_fx_effect_carries_the_amount_at_both_rates():
    effect = calc.fx_effect(
        amount=D(1000),
        contract_currency="EUR",
        base_rate=D("0.90"),
        actual_rate=D("0.99"),
        band_percent=D(5),
    )
    assert (effect.at_base, effect.at_actual) == (eur("900.00"), eur("990.00"))


# -- working capital --------------------------------------------------------------------------

SPEND = eur("36500")  # 100.00 a day


def test_by_default_terms_are_paid_on_the_due_day_without_a_discount():
    terms = calc.working_capital(annual_spend=SPEND, net_days=30)
    assert (terms.dpo_days, terms.payables) == (D(30), eur("3000.00"))
    assert (terms.discount_value, terms.cash_cost_of_discount) == (eur("0"), eur("0"))
    assert terms.implied_rate is None and terms.take_discount_pays is None


def test_a_discount_without_its_days_counts_from_the_invoice_day_and_is_not_taken():
    terms = calc.working_capital(annual_spend=SPEND, net_days=30, discount_percent=D(2))
    assert terms.dpo_days == D(30)
    assert terms.implied_rate == D("24.83")  # 2/98 × 365/30


def test_a_two_day_run_adds_a_day_and_a_one_day_run_nothing():
    assert calc.working_capital(annual_spend=SPEND, net_days=30, payment_run_days=2).dpo_days == 31
    assert calc.working_capital(annual_spend=SPEND, net_days=30, payment_run_days=1).dpo_days == 30


def test_a_half_percent_discount_is_a_discount():
    terms = calc.working_capital(
        annual_spend=SPEND, net_days=30, discount_percent=D("0.5"), discount_days=10
    )
    assert terms.discount_value == eur("182.50")


def test_a_discount_for_paying_on_the_due_day_is_no_discount():
    terms = calc.working_capital(
        annual_spend=SPEND, net_days=30, discount_percent=D(2), discount_days=30
    )
    assert terms.implied_rate is None and terms.take_discount_pays is None


def test_a_discount_worth_exactly_its_cost_does_not_pay():
    # 2 % of 36,500 = 730.00; paying 20 days early ties up 2,000.00 at 36.5 % = 730.00.
    terms = calc.working_capital(
        annual_spend=SPEND,
        net_days=30,
        discount_percent=D(2),
        discount_days=10,
        cost_of_capital_percent=D("36.5"),
    )
    assert terms.discount_value == terms.cash_cost_of_discount == eur("730.00")
    assert terms.take_discount_pays is False
