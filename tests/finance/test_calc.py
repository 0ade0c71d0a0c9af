"""The finance arithmetic against hand-computed cases, and its properties (hypothesis):
allocations always sum exactly to the pool and no amount ever becomes a float."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import calc
from tenancy.money import Money

D = Decimal


def eur(value: str) -> Money:
    return Money(D(value), "EUR")


# -- allocation -------------------------------------------------------------------------------


def test_allocation_by_ratio_hand_computed():
    parts = dict(calc.allocate(eur("10000"), [("buyer", D(60)), ("partner", D(40))]))
    assert parts == {"buyer": eur("6000.00"), "partner": eur("4000.00")}


def test_allocation_remainder_goes_to_the_first_party_on_a_tie():
    # 100.00 in three equal thirds: 33.33 each and one cent left, to the first listed.
    parts = calc.allocate(eur("100"), [("a", D(1)), ("b", D(1)), ("c", D(1))])
    assert [m.amount for _, m in parts] == [D("33.34"), D("33.33"), D("33.33")]


def test_allocation_remainder_goes_to_the_largest_fraction():
    # 0.05 split 1:2 → 0.0166… and 0.0333…: floors 1 and 3 cents, one cent left to the larger
    # remainder (0.666 of the first vs 0.333 of the second).
    parts = dict(calc.allocate(eur("0.05"), [("buyer", D(1)), ("partner", D(2))]))
    assert parts == {"buyer": eur("0.02"), "partner": eur("0.03")}


def test_allocation_in_yen_has_no_cents():
    parts = dict(calc.allocate(Money(D("1000"), "JPY"), [("buyer", D(1)), ("partner", D(2))]))
    # 333.33… and 666.66…: the left-over yen goes to the larger remainder (0.66 > 0.33).
    assert parts == {"buyer": Money(D("333"), "JPY"), "partner": Money(D("667"), "JPY")}


def test_allocation_refuses_all_zero_weights():
    with pytest.raises(ValueError, match="above zero"):
        calc.allocate(eur("10"), [("buyer", D(0)), ("partner", D(0))])


amounts = st.decimals(min_value=D(0), max_value=D("1e12"), places=2, allow_nan=False)
weights = st.decimals(min_value=D(0), max_value=D("1e6"), places=4, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    amount=amounts,
    weights=st.lists(weights, min_size=1, max_size=6).filter(lambda ws: sum(ws) > 0),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_allocations_always_sum_exactly_to_the_pool(amount, weights, currency):
    pool = Money(amount, currency)
    parts = calc.allocate(pool, [(str(i), w) for i, w in enumerate(weights)])
    total = sum((m.amount for _, m in parts), D(0))
    assert total == pool.rounded().amount
    for (_, money), weight in zip(parts, weights, strict=True):
        assert isinstance(money.amount, Decimal)
        assert money.amount >= 0
        if weight == 0:
            assert money.amount == 0


@settings(max_examples=200, deadline=None)
@given(amount=amounts, share=st.decimals(min_value=D(0), max_value=D(100), places=2))
def test_money_never_becomes_float(amount, share):
    bands = [calc.Band(D(0), D(1000), share), calc.Band(D(1000), None, D(100) - share)]
    payout = calc.gain_share_payout(verified=eur(str(amount)), bands=bands)
    for value in (payout.base_share, payout.adjustment, payout.payout):
        assert isinstance(value.amount, Decimal)
    with pytest.raises(TypeError):
        Money(float(amount), "EUR")  # type: ignore[arg-type]


# -- savings ----------------------------------------------------------------------------------


def test_savings_adjusted_for_volume_and_market_hand_computed():
    # Baseline 10.00 × 1,000 units; now 9.00 × 800 units; the market index rose 100 → 95
    # (the market fell 5 %): of the 1.00 price drop, 0.50 is the market's.
    result = calc.savings_breakdown(
        currency="EUR",
        baseline_price=D("10"),
        actual_price=D("9"),
        volume=D("800"),
        baseline_volume=D("1000"),
        index_base=D("100"),
        index_actual=D("95"),
    )
    assert result.gross == eur("2800.00")  # 10,000 − 7,200
    assert result.volume_adjustment == eur("-2000.00")  # 200 fewer units at 10.00
    assert result.market_adjustment == eur("-400.00")  # 0.50 × 800
    assert result.net == eur("400.00")  # (9.50 − 9.00) × 800
    assert result.gross + result.volume_adjustment + result.market_adjustment == result.net


def test_savings_adjusted_for_the_exchange_rate():
    # A USD-priced part: the dollar fell 10 %, so 10.00 at the baseline is 9.00 now: no saving.
    result = calc.savings_breakdown(
        currency="EUR",
        baseline_price=D("10"),
        actual_price=D("9"),
        volume=D("100"),
        fx_base=D("1.0"),
        fx_actual=D("0.9"),
    )
    assert result.net == eur("0.00")
    assert result.gross == eur("100.00")


# -- gain-share -------------------------------------------------------------------------------

BANDS = [
    calc.Band(D(0), D(100000), D(50)),
    calc.Band(D(100000), D(250000), D(30)),
    calc.Band(D(250000), None, D(20)),
]


def test_tiered_gain_share_hand_computed():
    # 300,000: 50 % of 100,000 + 30 % of 150,000 + 20 % of 50,000 = 50,000 + 45,000 + 10,000.
    assert calc.tiered_share(eur("300000"), BANDS) == eur("105000.00")


def test_gain_share_scorecard_adjustment_cap_and_floor():
    # One standing above the reference at 2 points a standing: +2 % of 300,000 = 6,000.
    points = calc.standing_adjustment(rank=3, reference_rank=2, step=D(2))
    assert points == D(2)
    payout = calc.gain_share_payout(verified=eur("300000"), bands=BANDS, adjustment_points=points)
    assert payout.adjustment == eur("6000.00")
    assert payout.payout == eur("111000.00")
    capped = calc.gain_share_payout(
        verified=eur("300000"), bands=BANDS, adjustment_points=points, cap=eur("100000")
    )
    assert (capped.payout, capped.limited_by) == (eur("100000.00"), "cap")
    floored = calc.gain_share_payout(verified=eur("1000"), bands=BANDS, floor=eur("2500"))
    assert (floored.payout, floored.limited_by) == (eur("2500.00"), "floor")


def test_gain_share_nothing_without_verified_savings():
    payout = calc.gain_share_payout(verified=eur("0"), bands=BANDS, floor=eur("2500"))
    assert payout.payout == eur("0")


def test_overlapping_bands_are_found():
    assert calc.overlapping(BANDS) is None
    assert calc.overlapping([*BANDS, calc.Band(D(90000), D(95000), D(10))]) is not None


# -- rebates ----------------------------------------------------------------------------------

TIERS = [
    calc.Band(D(0), D(1000), D("10.00")),
    calc.Band(D(1000), D(5000), D("9.50")),
    calc.Band(D(5000), None, D("9.00")),
]


def test_retroactive_rebate_reprices_every_unit():
    # 6,000 units reach the third tier: every unit at 9.00 instead of 10.00.
    rebate = calc.rebate_accrual(volume=D(6000), tiers=TIERS, retroactive=True, currency="EUR")
    assert rebate == eur("6000.00")


def test_incremental_rebate_reprices_units_inside_each_tier():
    # 1,000 at 0.00 + 4,000 at 0.50 + 1,000 at 1.00 = 3,000.
    rebate = calc.rebate_accrual(volume=D(6000), tiers=TIERS, retroactive=False, currency="EUR")
    assert rebate == eur("3000.00")


def test_projected_year_end_tier():
    projected = calc.projected_volume(volume_to_date=D(1500), days_elapsed=91, days_in_year=365)
    assert projected == D("6016.48")
    assert calc.tier_index(projected, TIERS) == 2


def test_negative_volume_is_refused():
    with pytest.raises(ValueError, match="negative"):
        calc.rebate_accrual(volume=D(-1), tiers=TIERS, retroactive=True, currency="EUR")


# -- FX ---------------------------------------------------------------------------------------


def test_fx_inside_the_band_is_the_bearers():
    result = calc.fx_effect(
        amount=D(100000),
        contract_currency="EUR",
        base_rate=D("0.90"),
        actual_rate=D("0.93"),
        band_percent=D(5),
    )
    assert result.effect == eur("3000.00")
    assert (result.within_band, result.beyond_band) == (eur("3000.00"), eur("0.00"))
    assert (result.bearer_part, result.other_part) == (eur("3000.00"), eur("0.00"))


def test_fx_beyond_the_band_is_split_fifty_fifty():
    # Base 0.90, band ±5 % → up to 0.945; actual 0.99 (+10 %): 4,500 within, 4,500 beyond,
    # half of which (2,250) the other party bears.
    result = calc.fx_effect(
        amount=D(100000),
        contract_currency="EUR",
        base_rate=D("0.90"),
        actual_rate=D("0.99"),
        band_percent=D(5),
    )
    assert result.effect == eur("9000.00")
    assert result.within_band == eur("4500.00")
    assert result.beyond_band == eur("4500.00")
    assert result.other_part == eur("2250.00")
    assert result.bearer_part == eur("6750.00")
    assert result.move_percent == D("10.00")


@settings(max_examples=200, deadline=None)
@given(
    amount=amounts,
    actual=st.decimals(min_value=D("0.01"), max_value=D("10"), places=6),
)
def test_fx_parts_sum_to_the_effect(amount, actual):
    result = calc.fx_effect(
        amount=amount,
        contract_currency="EUR",
        base_rate=D("1.1"),
        actual_rate=actual,
        band_percent=D(5),
    )
    assert result.bearer_part + result.other_part == result.effect
    assert result.within_band + result.beyond_band == result.effect


# -- working capital --------------------------------------------------------------------------


def test_two_ten_net_thirty_hand_computed():
    # 3,650,000 a year = 10,000 a day; paid in a weekly run (+3.5 days on average).
    terms = {
        "annual_spend": eur("3650000"),
        "net_days": 30,
        "discount_percent": D(2),
        "discount_days": 10,
        "payment_run_days": 7,
        "cost_of_capital_percent": D(8),
    }
    at_net = calc.working_capital(take_discount=False, **terms)
    assert at_net.dpo_days == D("33.5")
    assert at_net.payables == eur("335000.00")
    assert at_net.implied_rate == D("37.24")  # 2/98 × 365/20
    assert at_net.discount_value == eur("73000.00")
    assert at_net.cash_cost_of_discount == eur("16000.00")  # 200,000 earlier at 8 %
    assert at_net.take_discount_pays is True
    early = calc.working_capital(take_discount=True, **terms)
    assert early.dpo_days == D("13.5")
    assert early.payables == eur("135000.00")


def test_net_terms_without_discount():
    result = calc.working_capital(annual_spend=eur("365000"), net_days=60, payment_run_days=1)
    assert (result.dpo_days, result.payables) == (D(60), eur("60000.00"))
    assert result.implied_rate is None and result.take_discount_pays is None
