"""A float (or a bool, or NaN) handed to the scoring functions is a programmer's error, refused
with a TypeError/ValueError that names the parameter it came in (pinned after `make mutation
MUTATION_ARGS=performance.scoring` left some fifty name mutants alive, docs/mutation.md)."""

from datetime import date
from decimal import Decimal

import pytest

from performance.scoring import (
    CriterionInput,
    Perspective,
    Standing,
    StandingAction,
    StandingsError,
    as_optional_decimal,
    criterion_score,
    period_score,
    quantize_score,
    rag_status,
    rolling_score,
    standing_for,
    trend,
    validate_standings,
)

GOOD = {"value": Decimal(90), "target": Decimal(95), "red_threshold": Decimal(80)}


@pytest.mark.parametrize("function", [criterion_score, rag_status])
@pytest.mark.parametrize("name", ["value", "target", "red_threshold", "amber_threshold"])
def test_a_float_threshold_or_value_is_refused_by_its_name(function, name):
    arguments = {**GOOD, "amber_threshold": Decimal(85), "direction": "higher_is_better"}
    arguments[name] = 0.5
    with pytest.raises(TypeError) as refused:
        function(**arguments)
    assert str(refused.value) == f"{name} must be a Decimal, got float"


@pytest.mark.parametrize("bad", [True, "90", None])
def test_a_bool_or_text_value_is_refused_and_none_only_where_optional(bad):
    arguments = {**GOOD, "direction": "higher_is_better", "target": bad}
    with pytest.raises(TypeError) as refused:
        criterion_score(**arguments)
    assert str(refused.value) == f"target must be a Decimal, got {type(bad).__name__}"
    assert as_optional_decimal("amber_threshold", None) is None


def test_a_value_that_is_not_finite_is_refused_by_its_name():
    with pytest.raises(ValueError) as refused:
        criterion_score(**{**GOOD, "direction": "higher_is_better", "value": Decimal("NaN")})
    assert str(refused.value) == "value must be a finite number, got NaN"


def test_rolling_scores_name_the_decay_and_the_score():
    with pytest.raises(TypeError) as decay:
        rolling_score([(1, Decimal(50))], decay=0.5)
    assert str(decay.value) == "decay must be a Decimal, got float"
    with pytest.raises(TypeError) as score:
        rolling_score([(date(2025, 1, 1), 50.0)], decay=Decimal(1))
    assert str(score.value) == "score must be a Decimal, got float"


def test_a_trend_names_the_side_that_is_wrong():
    with pytest.raises(TypeError) as current:
        trend(50.0, Decimal(40))
    assert str(current.value) == "current must be a Decimal, got float"
    with pytest.raises(TypeError) as previous:
        trend(Decimal(50), 40.0)
    assert str(previous.value) == "previous must be a Decimal, got float"


def test_a_standing_and_a_score_name_their_bounds():
    with pytest.raises(TypeError) as low:
        Standing("Probation", 40.0, Decimal(60))
    assert str(low.value) == "min_score must be a Decimal, got float"
    with pytest.raises(TypeError) as high:
        Standing("Probation", Decimal(40), 60.0)
    assert str(high.value) == "max_score must be a Decimal, got float"
    bands = [Standing("All", Decimal(0), Decimal(100))]
    with pytest.raises(TypeError) as score:
        standing_for(50.0, bands)
    assert str(score.value) == "score must be a Decimal, got float"


# --- the other survivors of `make mutation MUTATION_ARGS=performance.scoring` -------------------


def test_a_criterion_names_itself_when_its_weight_or_score_is_a_float():
    with pytest.raises(TypeError) as weight:
        period_score([CriterionInput("otd", "operational", 0.5, Decimal(80))])
    assert str(weight.value) == "weight of `otd` must be a Decimal, got float"
    with pytest.raises(TypeError) as score:
        period_score([CriterionInput("otd", "operational", Decimal(1), 80.0)])
    assert str(score.value) == "score of `otd` must be a Decimal, got float"


def test_each_criterion_of_the_breakdown_keeps_its_perspective_and_score():
    result = period_score(
        [
            CriterionInput("otd", "operational", Decimal(3), Decimal(80)),
            CriterionInput("cost", Perspective.FINANCIAL, Decimal(1), None),
        ]
    )
    assert [(c.code, c.perspective, c.score) for c in result.criteria] == [
        ("otd", Perspective.OPERATIONAL, Decimal(80)),
        ("cost", Perspective.FINANCIAL, None),
    ]
    assert type(result.criteria[0].perspective) is Perspective


def test_scores_are_rounded_half_up_to_the_hundredth():
    assert quantize_score(Decimal("12.345")) == Decimal("12.35")  # half-even would give 12.34
    assert quantize_score(Decimal("12.355")) == Decimal("12.36")


def test_a_criterion_score_checks_the_amber_threshold_too():
    with pytest.raises(ValueError) as refused:
        criterion_score(
            value=Decimal(90),
            target=Decimal(95),
            red_threshold=Decimal(80),
            amber_threshold=Decimal(99),  # on the good side of the target
            direction="higher_is_better",
        )
    assert (
        str(refused.value) == "amber_threshold 99 must lie between target 95 and red_threshold 80"
    )


def test_a_period_given_twice_to_a_rolling_score_is_refused_in_words():
    with pytest.raises(ValueError) as refused:
        rolling_score([(1, Decimal(50)), (1, Decimal(60))], decay=Decimal(1))
    assert str(refused.value) == "each period may appear only once in a rolling score"


def test_a_standings_action_becomes_the_action_it_names():
    standing = Standing("Probation", Decimal(40), Decimal(60), "warn")
    assert standing.action is StandingAction.WARN


def test_two_names_used_twice_are_both_named():
    bands = [
        Standing("Good", Decimal(0), Decimal(20)),
        Standing("Good", Decimal(20), Decimal(40)),
        Standing("Fair", Decimal(40), Decimal(60)),
        Standing("Fair", Decimal(60), Decimal(100)),
    ]
    with pytest.raises(StandingsError) as refused:
        validate_standings(bands)
    assert str(refused.value) == "Each standing needs a name of its own: Fair, Good are used twice."


def test_a_score_outside_0_to_100_has_no_standing():
    bands = [Standing("All", Decimal(0), Decimal(100))]
    with pytest.raises(ValueError) as refused:
        standing_for(Decimal(101), bands)
    assert str(refused.value) == "score must be within 0-100, got 101"
