"""Specifications of balanced-scorecard scoring (performance.scoring), on hand-computed examples."""

from datetime import date
from decimal import Decimal

import pytest

from performance.scoring import (
    STANDING_ACTIONS,
    CriterionInput,
    Direction,
    Perspective,
    Standing,
    StandingAction,
    StandingsError,
    criterion_score,
    period_score,
    rag_status,
    rolling_score,
    standing_for,
    trend,
    validate_standings,
)

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


# --- criterion score ----------------------------------------------------------------------------


def otd_score(value, **extra):
    # On-time delivery %: target 95, red at 80 (higher is better).
    return criterion_score(
        value=value, target=Decimal(95), direction=HIGHER, red_threshold=Decimal(80), **extra
    )


def test_a_value_meeting_or_beating_the_target_scores_100():
    assert otd_score(Decimal(95)) == Decimal("100.00")
    assert otd_score(Decimal("99.9")) == Decimal("100.00")


def test_a_value_at_or_beyond_the_red_threshold_scores_0():
    assert otd_score(Decimal(80)) == Decimal("0.00")
    assert otd_score(Decimal(50)) == Decimal("0.00")


def test_a_value_between_red_and_target_scores_linearly():
    # (90 - 80) / (95 - 80) * 100 = 66.666... -> 66.67
    assert otd_score(Decimal(90)) == Decimal("66.67")
    # (87.5 - 80) / 15 * 100 = 50
    assert otd_score(Decimal("87.5")) == Decimal("50.00")


def test_lower_is_better_scores_mirror_higher_is_better():
    # Defects ppm: target 500, red at 2000. 1250 is halfway: (2000 - 1250) / 1500 * 100 = 50.
    def score(value):
        return criterion_score(
            value=value, target=Decimal(500), direction=LOWER, red_threshold=Decimal(2000)
        )

    assert score(Decimal(400)) == Decimal("100.00")
    assert score(Decimal(1250)) == Decimal("50.00")
    # (2000 - 1000) / 1500 * 100 = 66.666... -> 66.67
    assert score(Decimal(1000)) == Decimal("66.67")
    assert score(Decimal(2000)) == Decimal("0.00")


def test_target_equal_to_red_threshold_is_a_step_without_dividing_by_zero():
    def score(value):
        return criterion_score(
            value=value, target=Decimal(100), direction=HIGHER, red_threshold=Decimal(100)
        )

    assert score(Decimal(100)) == Decimal("100.00")
    assert score(Decimal("99.99")) == Decimal("0.00")


def test_a_criterion_without_data_has_no_score():
    assert otd_score(None) is None


def test_a_red_threshold_on_the_good_side_of_the_target_is_refused():
    with pytest.raises(ValueError, match="red_threshold"):
        criterion_score(
            value=Decimal(90), target=Decimal(95), direction=HIGHER, red_threshold=Decimal(97)
        )


def test_the_amber_threshold_colours_but_does_not_change_the_score():
    assert otd_score(Decimal(90), amber_threshold=Decimal(88)) == otd_score(Decimal(90))


def test_float_values_are_refused():
    with pytest.raises(TypeError):
        otd_score(90.0)


# --- RAG status ---------------------------------------------------------------------------------


def otd_rag(value, amber_threshold=None):
    return rag_status(
        value=value,
        target=Decimal(95),
        direction=HIGHER,
        red_threshold=Decimal(80),
        amber_threshold=amber_threshold,
    )


def test_rag_is_green_at_target_red_at_threshold_and_amber_between():
    assert otd_rag(Decimal(95)) == "green"
    assert otd_rag(Decimal("94.99")) == "amber"
    assert otd_rag(Decimal("80.01")) == "amber"
    assert otd_rag(Decimal(80)) == "red"
    assert otd_rag(None) is None


def test_the_amber_threshold_is_the_worst_value_still_amber():
    # "Amber: at least 90": 90 is amber, 89.99 is red although its score is above 0.
    assert otd_rag(Decimal(90), amber_threshold=Decimal(90)) == "amber"
    assert otd_rag(Decimal("89.99"), amber_threshold=Decimal(90)) == "red"
    assert otd_score(Decimal("89.99")) == Decimal("66.60")  # (9.99 / 15) * 100 = 66.6


# --- period score -------------------------------------------------------------------------------


def test_a_period_score_is_the_weighted_average_of_its_criteria():
    criteria = [
        CriterionInput("otd", Perspective.OPERATIONAL, Decimal(40), Decimal(80)),
        CriterionInput("quality", Perspective.OPERATIONAL, Decimal(20), Decimal(50)),
        CriterionInput("cost", Perspective.FINANCIAL, Decimal(40), Decimal(100)),
    ]
    result = period_score(criteria)
    # (80 * 40 + 50 * 20 + 100 * 40) / 100 = (3200 + 1000 + 4000) / 100 = 82
    assert result.total == Decimal("82.00")
    # Operational: (80 * 40 + 50 * 20) / 60 = 4200 / 60 = 70
    assert result.perspectives[Perspective.OPERATIONAL] == Decimal("70.00")
    assert result.perspectives[Perspective.FINANCIAL] == Decimal("100.00")
    assert result.perspectives[Perspective.CUSTOMER] is None
    assert result.perspectives[Perspective.INNOVATION_LEARNING] is None
    otd = result.criteria[0]
    assert otd.effective_weight == Decimal("0.4")
    assert otd.contribution == Decimal("32.00")  # 80 * 0.4


def test_weights_are_renormalised_over_criteria_with_data():
    criteria = [
        CriterionInput("otd", "operational", Decimal(50), Decimal(90)),
        CriterionInput("nps", "customer", Decimal(30), None),
        CriterionInput("cost", "financial", Decimal(20), Decimal(60)),
    ]
    result = period_score(criteria)
    # NPS has no data: weights 50 and 20 re-normalise to 50/70 and 20/70.
    # (90 * 50 + 60 * 20) / 70 = (4500 + 1200) / 70 = 81.428... -> 81.43
    assert result.total == Decimal("81.43")
    otd, nps, cost = result.criteria
    assert otd.effective_weight == Decimal(50) / Decimal(70)
    assert otd.contribution == Decimal("64.29")  # 90 * 5/7 = 64.2857...
    assert cost.contribution == Decimal("17.14")  # 60 * 2/7 = 17.1428...
    assert not nps.is_applicable
    assert nps.effective_weight is None
    assert nps.contribution is None
    assert result.perspectives[Perspective.CUSTOMER] is None


def test_a_missing_criterion_is_excluded_not_scored_zero():
    with_gap = period_score(
        [
            CriterionInput("otd", "operational", 1, Decimal(90)),
            CriterionInput("nps", "customer", 1, None),
        ]
    )
    # Scoring the gap as 0 would give 45; excluding it leaves 90.
    assert with_gap.total == Decimal("90.00")


def test_a_period_without_data_is_not_applicable_not_zero():
    result = period_score(
        [
            CriterionInput("otd", "operational", Decimal(50), None),
            CriterionInput("cost", "financial", Decimal(50), None),
        ]
    )
    assert result.total is None
    assert not result.is_applicable
    assert all(score is None for score in result.perspectives.values())


def test_a_period_without_criteria_is_not_applicable():
    assert period_score([]).total is None


def test_zero_total_weight_is_not_applicable():
    result = period_score([CriterionInput("otd", "operational", Decimal(0), Decimal(90))])
    assert result.total is None
    assert result.criteria[0].effective_weight is None


def test_a_negative_weight_or_a_score_outside_0_to_100_is_refused():
    with pytest.raises(ValueError, match="negative"):
        period_score([CriterionInput("otd", "operational", Decimal(-1), Decimal(90))])
    with pytest.raises(ValueError, match="within 0-100"):
        period_score([CriterionInput("otd", "operational", Decimal(1), Decimal(101))])


def test_an_unknown_perspective_is_refused():
    with pytest.raises(ValueError):
        period_score([CriterionInput("otd", "marketing", Decimal(1), Decimal(90))])


# --- rolling score and trend --------------------------------------------------------------------


def test_rolling_score_weights_recent_periods_most():
    scores = [(1, Decimal(60)), (2, Decimal(80)), (3, Decimal(100))]
    # Weights newest first: 1, 0.5, 0.25.
    # (100 * 1 + 80 * 0.5 + 60 * 0.25) / 1.75 = (100 + 40 + 15) / 1.75 = 88.571... -> 88.57
    assert rolling_score(scores, decay=Decimal("0.5")) == Decimal("88.57")


def test_rolling_score_with_decay_1_is_the_plain_average():
    scores = [(date(2025, 1, 1), Decimal(60)), (date(2025, 2, 1), Decimal(90))]
    assert rolling_score(scores, decay=Decimal(1)) == Decimal("75.00")


def test_rolling_score_skips_periods_without_data_but_they_still_age_older_ones():
    # Given out of order on purpose. Newest first: p3 = 100 (w 1), p2 = N/A (w 0.5, skipped),
    # p1 = 40 (w 0.25). (100 + 40 * 0.25) / 1.25 = 110 / 1.25 = 88
    scores = [(2, None), (3, Decimal(100)), (1, Decimal(40))]
    assert rolling_score(scores, decay=Decimal("0.5")) == Decimal("88.00")


def test_rolling_score_without_data_is_not_applicable():
    assert rolling_score([(1, None), (2, None)], decay=Decimal("0.8")) is None
    assert rolling_score([], decay=Decimal("0.8")) is None


def test_rolling_score_refuses_a_decay_outside_0_to_1():
    with pytest.raises(ValueError, match="decay"):
        rolling_score([(1, Decimal(50))], decay=Decimal(0))
    with pytest.raises(ValueError, match="decay"):
        rolling_score([(1, Decimal(50))], decay=Decimal("1.1"))


def test_trend_is_the_change_since_the_previous_period():
    assert trend(Decimal("72.50"), Decimal("80.00")) == Decimal("-7.50")
    assert trend(Decimal(80), None) is None
    assert trend(None, Decimal(80)) is None


# --- standings ----------------------------------------------------------------------------------


STANDINGS = [
    Standing("Critical", Decimal(0), Decimal(40), "block_new_sows"),
    Standing("Probation", Decimal(40), Decimal(60), "block_change_requests"),
    Standing("Watch", Decimal(60), Decimal(75), "warn"),
    Standing("Preferred", Decimal(75), Decimal(100), "none"),
]


def test_a_score_of_exactly_100_matches_the_top_standing():
    assert standing_for(Decimal(100), STANDINGS).name == "Preferred"


def test_a_score_of_exactly_0_matches_the_bottom_standing():
    assert standing_for(Decimal(0), STANDINGS).name == "Critical"


def test_a_score_on_a_boundary_belongs_to_the_band_that_starts_there():
    # Bands are [min, max): 60 starts "Watch", 59.99 is still "Probation".
    assert standing_for(Decimal(60), STANDINGS).name == "Watch"
    assert standing_for(Decimal("59.99"), STANDINGS).name == "Probation"


def test_every_score_from_0_to_100_matches_exactly_one_standing():
    for hundredths in range(10001):
        score = Decimal(hundredths) / 100
        assert sum(standing.contains(score) for standing in STANDINGS) == 1


def test_a_not_applicable_score_has_no_standing():
    assert standing_for(None, STANDINGS) is None


def test_standing_actions_are_the_four_allowed_ones():
    assert STANDING_ACTIONS == ("none", "warn", "block_change_requests", "block_new_sows")
    assert standing_for(Decimal(30), STANDINGS).action is StandingAction.BLOCK_NEW_SOWS
    with pytest.raises(StandingsError) as refused:
        Standing("Bad", Decimal(0), Decimal(100), "terminate")
    assert str(refused.value) == (
        "“Bad” has an action we do not know (terminate); choose one of: none, warn, "
        "block_change_requests, block_new_sows."
    )


def test_standings_with_a_gap_are_refused():
    standings = [Standing("Low", 0, 50), Standing("High", 60, 100)]
    with pytest.raises(StandingsError) as refused:
        validate_standings(standings)
    assert str(refused.value) == (
        "No standing covers the scores from 50 to 60, between “Low” and “High”."
    )


def test_overlapping_standings_are_refused():
    standings = [Standing("Low", 0, 60), Standing("High", Decimal("50.00"), 100)]
    with pytest.raises(StandingsError) as refused:
        validate_standings(standings)
    assert str(refused.value) == "“Low” and “High” overlap between 50 and 60."


def test_standings_must_start_at_0_and_end_at_100():
    for standings, message in (
        ([Standing("Only", 10, 100)], "No standing covers the scores from 0 to 10."),
        ([Standing("Only", 0, Decimal("90.0"))], "No standing covers the scores from 90 to 100."),
        ([], "Add at least one standing."),
    ):
        with pytest.raises(StandingsError) as refused:
            validate_standings(standings)
        assert str(refused.value) == message


def test_a_standing_runs_from_a_lower_to_a_higher_score_inside_0_to_100():
    for low, high in ((50, 50), (60, 50), (-1, 100), (0, 101)):
        with pytest.raises(StandingsError) as refused:
            validate_standings([Standing("Only", low, high)])
        assert str(refused.value) == (
            f"“Only” must run from a lower to a higher score between 0 and 100 "
            f"(it runs from {low} to {high})."
        )


def test_two_standings_may_not_share_a_name():
    standings = [Standing("Good", 0, 50), Standing("Good", 50, 90), Standing("Top", 90, 100)]
    with pytest.raises(StandingsError) as refused:
        validate_standings(standings)
    assert str(refused.value) == "Each standing needs a name of its own: Good is used twice."
    validate_standings([Standing("Good", 0, 50), Standing("Top", 50, 100)])


def test_standings_given_in_any_order_are_valid():
    validate_standings(list(reversed(STANDINGS)))


def test_looking_up_a_standing_validates_the_bands_first():
    with pytest.raises(StandingsError):
        standing_for(Decimal(50), [Standing("Low", 0, 50)])


# --- pinned by mutation testing (make mutation MUTATION_ARGS=performance.scoring) ---------------


@pytest.mark.parametrize(
    ("direction", "target", "red", "side"),
    [(HIGHER, 95, 97, "above"), (LOWER, 2, 1, "below")],
)
def test_a_red_threshold_on_the_good_side_says_which_side(direction, target, red, side):
    with pytest.raises(ValueError) as refused:
        rag_status(value=None, target=target, direction=direction, red_threshold=red)
    assert str(refused.value) == (
        f"red_threshold {red} must not be {side} target {target} when {direction.value}"
    )


@pytest.mark.parametrize("amber", [Decimal(97), Decimal(79)])
def test_an_amber_threshold_outside_target_and_red_is_refused(amber):
    # Higher is better, target 95, red 80: amber must lie in [80, 95].
    with pytest.raises(ValueError) as refused:
        rag_status(value=None, target=95, direction=HIGHER, red_threshold=80, amber_threshold=amber)
    assert str(refused.value) == (
        f"amber_threshold {amber} must lie between target 95 and red_threshold 80"
    )
    assert rag_status(value=90, target=95, direction=HIGHER, red_threshold=80, amber_threshold=80)


def test_a_criterion_may_appear_once_in_a_period():
    criteria = [
        CriterionInput("otd", Perspective.OPERATIONAL, Decimal(50), Decimal(90)),
        CriterionInput("otd", Perspective.OPERATIONAL, Decimal(50), Decimal(80)),
    ]
    with pytest.raises(ValueError) as refused:
        period_score(criteria)
    assert str(refused.value) == "criterion `otd` appears twice in the period"


def test_a_rolling_score_takes_indexes_or_dates_but_not_both():
    with pytest.raises(TypeError) as refused:
        rolling_score([(1, Decimal(80)), (date(2030, 1, 1), Decimal(90))], decay=Decimal("0.5"))
    assert str(refused.value) == "periods must all be indexes or all be dates, not a mix"
