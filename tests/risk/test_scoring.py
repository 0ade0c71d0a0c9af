"""The third-party risk score against hand-computed cases."""

from decimal import Decimal

from risk.scoring import FactorRating, financial_rating, weighted_score, weights_problem

D = Decimal


def test_the_score_is_the_weighted_sum_of_the_ratings():
    # 30 % × 80 + 25 % × 40 + 20 % × 10 + 15 % × 50 + 10 % × 100
    # = 24 + 10 + 2 + 7.5 + 10 = 53.5
    score, breakdown = weighted_score(
        [
            FactorRating("Financial strength", D("30"), D("80")),
            FactorRating("Market concentration", D("25"), D("40")),
            FactorRating("Compliance findings", D("20"), D("10")),
            FactorRating("Certifications", D("15"), D("50")),
            FactorRating("Geography", D("10"), D("100")),
        ]
    )
    assert score == D("53.50")
    assert [row["contribution"] for row in breakdown] == ["24.00", "10.00", "2.00", "7.50", "10.00"]


def test_weights_that_do_not_add_up_to_100_are_refused_with_their_total():
    assert weights_problem([D("30"), D("30"), D("30")]) == (
        "The weights add up to 90; they must add up to 100."
    )
    assert weights_problem([D("50"), D("50")]) is None
    assert weights_problem([]) == "Add at least one factor."
    assert weights_problem([D("0"), D("100")]) is not None


def test_financial_strength_is_rated_from_the_partner_indicators():
    # current ratio 1.4: (1.4 − 2.0) / (0.8 − 2.0) = 0.5 → 50
    # debt ratio 0.80: at the distressed bound → 100
    # margin 20 %: better than the healthy bound → 0
    # mean (50 + 100 + 0) / 3 = 50
    rating, explanation = financial_rating(
        year=2025,
        current_ratio=D("1.4"),
        debt_ratio=D("0.80"),
        margin_percent=D("20"),
    )
    assert rating == D("50.00")
    assert explanation == (
        "From the 2025 accounts: current ratio 1.4 → 50, debt ratio 0.8 → 100, "
        "operating margin % 20 → 0; mean 50.00."
    )


# -- pinned by mutation testing (make mutation MUTATION_ARGS=risk.scoring) ---------------------


def test_one_factor_may_weigh_everything_and_a_fraction_of_a_point_is_a_weight():
    assert weights_problem([D("100")]) is None
    assert weights_problem([D("0.5"), D("99.5")]) is None
    for weights in ([D("0"), D("100")], [D("101"), D("-1")]):
        assert weights_problem(weights) == "Each weight is more than 0 and at most 100."


def test_the_breakdown_names_each_factor_with_its_weight_and_rating():
    _, breakdown = weighted_score([FactorRating("Geography", D("12.5"), D("33"))])
    assert breakdown == [
        {"factor": "Geography", "weight": "12.5", "rating": "33", "contribution": "4.13"}
    ]


def test_halves_round_up_in_the_score_its_breakdown_and_the_financial_rating():
    # 12.5 % × 33 = 4.125 → 4.13 (half up; half even would give 4.12).
    score, _ = weighted_score([FactorRating("Geography", D("12.5"), D("33"))])
    assert score == D("4.13")
    # Debt ratio 0.300625: (0.300625 − 0.30) / (0.80 − 0.30) = 0.125 % → 0.13 (half up).
    rating, text = financial_rating(
        year=2029, current_ratio=D("2.0"), debt_ratio=D("0.300625"), margin_percent=D("15")
    )
    assert text == (
        "From the 2029 accounts: current ratio 2 → 0, debt ratio 0.300625 → 0.13, "
        "operating margin % 15 → 0; mean 0.04."
    )
    assert rating == D("0.04")
