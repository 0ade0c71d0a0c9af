"""A float (or a bool, or NaN) handed to the scoring functions is a programmer's error, refused
with a TypeError/ValueError that names the parameter it came in (pinned after `make mutation
MUTATION_ARGS=performance.scoring` left some fifty name mutants alive, docs/mutation.md)."""

from datetime import date
from decimal import Decimal

import pytest

from performance.scoring import (
    Standing,
    as_optional_decimal,
    criterion_score,
    rag_status,
    rolling_score,
    standing_for,
    trend,
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
