"""The sourcing arithmetic against hand-computed cases (partnerships/sourcing.py)."""

from decimal import Decimal

import pytest

from partnerships import sourcing

D = Decimal


def test_tco_discounts_yearly_costs_and_keeps_one_off_costs_in_year_zero():
    # one-off 1,000 + 500 = 1,500; yearly 2,000 + 300 + 200 = 2,500; 3 years at 10 %:
    # 2,500/1.1 = 2,272.7273; 2,500/1.21 = 2,066.1157; 2,500/1.331 = 1,878.2870
    costs = sourcing.CostInputs(
        acquisition=D("1000"),
        switching=D("500"),
        operating=D("2000"),
        transaction=D("300"),
        risk=D("200"),
    )
    result = sourcing.tco(costs, years=3, discount_rate_percent=D("10"))
    assert result.nominal == D("9000.00")
    assert result.cumulative_npv == (D("1500.00"), D("3772.73"), D("5838.84"), D("7717.13"))
    assert result.npv == D("7717.13")


def test_at_a_zero_discount_rate_the_present_value_is_the_plain_total():
    costs = sourcing.CostInputs(acquisition=D("100"), operating=D("50"))
    result = sourcing.tco(costs, years=4, discount_rate_percent=D("0"))
    assert result.npv == result.nominal == D("300.00")


def test_a_horizon_of_zero_years_is_refused():
    with pytest.raises(ValueError, match="at least one year"):
        sourcing.tco(sourcing.CostInputs(), years=0, discount_rate_percent=D("5"))


@pytest.mark.parametrize(
    ("impact", "risk", "quadrant"),
    [
        (3, 3, "strategic"),
        (5, 1, "leverage"),
        (2, 3, "bottleneck"),
        (3, 2, "leverage"),
        (1, 1, "non_critical"),
        (2, 2, "non_critical"),
    ],
)
def test_the_kraljic_quadrant_splits_each_axis_at_three(impact, risk, quadrant):
    assert sourcing.kraljic(profit_impact=impact, supply_risk=risk)[0] == quadrant


def test_a_strategic_item_takes_the_partnership_when_its_premium_is_within_ten_percent():
    result = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("105000"), profit_impact=4, supply_risk=4
    )
    assert (result.model, result.cheaper, result.premium) == (
        "strategic",
        "transactional",
        D("0.0500"),
    )
    assert "5.0 % more" in result.reason


def test_a_strategic_item_goes_transactional_when_the_partnership_costs_twenty_percent_more():
    result = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("120000"), profit_impact=5, supply_risk=5
    )
    assert (result.model, result.premium) == ("transactional", D("0.2000"))


def test_exactly_ten_percent_still_follows_the_kraljic_position():
    result = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("110000"), profit_impact=3, supply_risk=3
    )
    assert result.model == "strategic"


def test_a_leverage_item_takes_the_partnership_only_when_it_is_clearly_cheaper():
    # (100,000 - 90,000) / 90,000 = 11.11 % > 10 %: the cheaper model wins over the position
    result = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("90000"), profit_impact=4, supply_risk=1
    )
    assert (result.model, result.quadrant, result.premium) == ("strategic", "leverage", D("0.1111"))
    near = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("95000"), profit_impact=4, supply_risk=1
    )
    assert near.model == "transactional"


def test_when_position_and_cost_agree_the_recommendation_says_so():
    result = sourcing.recommend(
        transactional_npv=D("50000"), strategic_npv=D("80000"), profit_impact=1, supply_risk=2
    )
    assert result.model == "transactional"
    assert "also the cheaper model" in result.reason


def test_fit_is_the_weighted_score_on_a_hundred_point_scale():
    # 50 × 4/5 = 40; 30 × 5/5 = 30; 20 × 2/5 = 8 → 78
    fit = sourcing.fit_score(
        [("Reach", D("50"), 4), ("Capability", D("30"), 5), ("Culture", D("20"), 2)]
    )
    assert fit.total == D("78.00")
    assert [line.points for line in fit.lines] == [D("40.00"), D("30.00"), D("8.00")]
    assert fit.complete


def test_fit_rounds_the_total_once_not_the_sum_of_rounded_lines():
    # 33.33×3/5 = 19.998; 33.33×4/5 = 26.664; 33.34×5/5 = 33.34 → 80.002 → 80.00
    fit = sourcing.fit_score([("A", D("33.33"), 3), ("B", D("33.33"), 4), ("C", D("33.34"), 5)])
    assert fit.total == D("80.00")
    assert [line.points for line in fit.lines] == [D("20.00"), D("26.66"), D("33.34")]


def test_an_unscored_criterion_counts_nothing_and_marks_the_fit_incomplete():
    fit = sourcing.fit_score([("A", D("60"), 5), ("B", D("40"), None)])
    assert (fit.total, fit.complete) == (D("60.00"), False)


def test_weights_add_up_only_at_exactly_one_hundred():
    assert sourcing.weights_add_up([D("33.33"), D("33.33"), D("33.34")])
    assert not sourcing.weights_add_up([D("33.33"), D("33.33"), D("33.33")])


# -- pinned by mutation testing (make mutation MUTATION_ARGS=partnerships.sourcing) ------------


def test_a_one_year_horizon_is_a_horizon_and_zero_is_refused_in_words():
    costs = sourcing.CostInputs(acquisition=D(100), operating=D(10))
    assert sourcing.tco(costs, years=1, discount_rate_percent=D(0)).nominal == D("110.00")
    with pytest.raises(ValueError) as refused:
        sourcing.tco(costs, years=0, discount_rate_percent=D(0))
    assert str(refused.value) == "The horizon must be at least one year."


def test_at_equal_cost_a_leverage_item_stays_transactional_as_the_cheaper_model():
    result = sourcing.recommend(
        transactional_npv=D("50000"), strategic_npv=D("50000"), profit_impact=4, supply_risk=1
    )
    assert (result.model, result.cheaper, result.quadrant_label) == (
        "transactional",
        "transactional",
        "Leverage item",
    )
    assert result.reason == (
        "Leverage item: the position favours transactional supply, and it is also the cheaper "
        "model over the horizon."
    )


def test_the_reasons_name_both_models_the_premium_and_the_tolerance():
    within = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("105000"), profit_impact=4, supply_risk=4
    )
    assert within.reason == (
        "Strategic item: the position favours a strategic partnership; it costs 5.0 % more in "
        "present value, within the 10 % tolerance."
    )
    over = sourcing.recommend(
        transactional_npv=D("100000"), strategic_npv=D("120000"), profit_impact=5, supply_risk=5
    )
    assert over.reason == (
        "Strategic item: the position favours a strategic partnership, but it costs 20.0 % more "
        "in present value (over the 10 % tolerance), so transactional supply is recommended."
    )


@pytest.mark.parametrize(
    ("transactional", "strategic", "premium"),
    [
        ("0", "0", "0"),  # nothing costs anything: no premium
        ("0", "100", "1"),  # a free model against a paid one: counted as 100 %
        ("0.50", "0.75", "0.5"),  # below one unit the premium is still the ratio
        ("20000", "20001", "0.0001"),  # 0.00005 rounds half up
    ],
)
def test_the_premium_of_the_dearer_model(transactional, strategic, premium):
    result = sourcing.recommend(
        transactional_npv=D(transactional),
        strategic_npv=D(strategic),
        profit_impact=1,
        supply_risk=1,
    )
    assert result.premium == D(premium)


def test_fit_lines_name_their_criterion_and_weight_and_round_halves_up():
    fit = sourcing.fit_score([("Capacity", D("10.125"), 1)])  # 10.125 × 1 / 5 = 2.025
    assert fit.lines == (sourcing.FitLine("Capacity", D("10.125"), 1, D("2.03")),)
    assert fit.total == D("2.03")
