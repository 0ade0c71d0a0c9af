"""Balanced-scorecard scoring: pure arithmetic over plain values, no Django.

The Django services load KPI values, targets, weights and standings from the database, call these
functions, and store or show what they return. Keeping the arithmetic here, free of models and of
the clock, lets the tests check it on small hand-computed examples.

Conventions used throughout:

* Every number is a ``decimal.Decimal`` (``int`` is accepted and converted; ``float`` is refused,
  because a binary fraction would leak rounding noise into contractual figures).
* ``None`` means "no data" (N/A). It is never turned into 0 or 100: a supplier with no
  measurements is neither failing nor perfect.
* Each public function computes at full precision and quantises scores to 2 decimal places with
  ROUND_HALF_UP only on the value it returns. ``period_score`` aggregates the criterion scores it
  is given (normally the 2-dp values ``criterion_score`` returned and the user sees), so a reader
  can recompute the total from the breakdown.

Score of one criterion (``criterion_score``), drawn for HIGHER_IS_BETTER (mirror it for
LOWER_IS_BETTER)::

      score   0 ........ 0 |----- linear -----| 100 ....... 100
      value  ------------- red ------------ target --------------->  better
      RAG     red   red    red ^ amber ... amber  green    green
                               amber_threshold (optional)

* a value that meets or beats the target scores 100 (this wins when target == red threshold);
* a value at or beyond the red threshold scores 0;
* in between, the score is linear: ``100 * (value - red) / (target - red)``.

RAG status (``rag_status``): green when the value meets or beats the target; red when it is at or
beyond the red threshold, or strictly beyond the amber threshold when one is given (the amber
threshold is the worst value still rated amber, as in "amber: at least 95 %"); amber otherwise.
The amber threshold changes the colour only, never the score.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

SCORE_MIN = Decimal("0")
SCORE_MAX = Decimal("100")
_CENT = Decimal("0.01")


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Perspective(enum.StrEnum):
    FINANCIAL = "financial"
    OPERATIONAL = "operational"
    CUSTOMER = "customer"
    INNOVATION_LEARNING = "innovation_learning"


class RAG(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class StandingAction(enum.StrEnum):
    NONE = "none"
    WARN = "warn"
    BLOCK_CHANGE_REQUESTS = "block_change_requests"
    BLOCK_NEW_SOWS = "block_new_sows"


# The actions a standing may carry, for model choices and form validation.
STANDING_ACTIONS: tuple[str, ...] = tuple(action.value for action in StandingAction)


class StandingsError(ValueError):
    """The standings bands do not partition 0-100 exactly once."""


def quantize_score(value: Decimal) -> Decimal:
    """Round a score (or any 2-dp figure) half up to 0.01: the single output rounding rule."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def as_decimal(name: str, value: Decimal | int) -> Decimal:
    """Return ``value`` as a finite Decimal, refusing floats and bools; ``name`` is for errors."""
    # bool is an int subclass; True as a KPI value is a bug upstream, not 1.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {result}")
    return result


def as_optional_decimal(name: str, value: Decimal | int | None) -> Decimal | None:
    return None if value is None else as_decimal(name, value)


def _is_better_or_equal(a: Decimal, b: Decimal, direction: Direction) -> bool:
    """True when ``a`` is at least as good as ``b`` for this direction."""
    return a >= b if direction is Direction.HIGHER_IS_BETTER else a <= b


def _check_thresholds(
    target: Decimal,
    red: Decimal,
    amber: Decimal | None,
    direction: Direction,
) -> None:
    # A red threshold on the good side of the target would make the linear scale run backwards;
    # refuse it here so a mis-entered KPI fails when it is saved, not silently at scoring time.
    if not _is_better_or_equal(target, red, direction):
        side = "above" if direction is Direction.HIGHER_IS_BETTER else "below"
        raise ValueError(
            f"red_threshold {red} must not be {side} target {target} when {direction.value}"
        )
    if amber is not None and not (
        _is_better_or_equal(target, amber, direction) and _is_better_or_equal(amber, red, direction)
    ):
        raise ValueError(
            f"amber_threshold {amber} must lie between target {target} and red_threshold {red}"
        )


def criterion_score(
    *,
    value: Decimal | int | None,
    target: Decimal | int,
    direction: Direction | str,
    red_threshold: Decimal | int,
    amber_threshold: Decimal | int | None = None,
) -> Decimal | None:
    """Score one KPI value from 0 to 100 (see the module docstring for the scale).

    ``None`` value -> ``None`` (N/A). ``amber_threshold`` is validated but does not change the
    score. When ``target == red_threshold`` the scale is a step: meeting the target scores 100,
    anything worse scores 0 (no division by zero).
    """
    direction = Direction(direction)
    target_d = as_decimal("target", target)
    red = as_decimal("red_threshold", red_threshold)
    amber = as_optional_decimal("amber_threshold", amber_threshold)
    _check_thresholds(target_d, red, amber, direction)
    if value is None:
        return None
    value_d = as_decimal("value", value)

    if _is_better_or_equal(value_d, target_d, direction):
        return quantize_score(SCORE_MAX)
    if _is_better_or_equal(red, value_d, direction):
        # At or beyond red. Also covers target == red, since the value already missed the target.
        return quantize_score(SCORE_MIN)
    # Strictly between red and target, so target != red and the division is safe; the sign of
    # (value - red) / (target - red) is positive in both directions.
    return quantize_score(SCORE_MAX * (value_d - red) / (target_d - red))


def rag_status(
    *,
    value: Decimal | int | None,
    target: Decimal | int,
    direction: Direction | str,
    red_threshold: Decimal | int,
    amber_threshold: Decimal | int | None = None,
) -> str | None:
    """Return "green", "amber" or "red" for one KPI value, ``None`` when there is no data.

    Green: meets or beats the target (wins when target == red threshold).
    Red: at or beyond the red threshold, or strictly worse than the amber threshold if given.
    Amber: everything in between.
    """
    direction = Direction(direction)
    target_d = as_decimal("target", target)
    red = as_decimal("red_threshold", red_threshold)
    amber = as_optional_decimal("amber_threshold", amber_threshold)
    _check_thresholds(target_d, red, amber, direction)
    if value is None:
        return None
    value_d = as_decimal("value", value)

    if _is_better_or_equal(value_d, target_d, direction):
        return RAG.GREEN.value
    if _is_better_or_equal(red, value_d, direction):
        return RAG.RED.value
    if amber is not None and not _is_better_or_equal(value_d, amber, direction):
        return RAG.RED.value
    return RAG.AMBER.value


# --- Period score -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    """One criterion of a period: its perspective, its configured weight and its 0-100 score.

    ``score`` is ``None`` when the KPI had no data in the period; the criterion is then N/A.
    """

    code: str
    perspective: Perspective | str
    weight: Decimal | int
    score: Decimal | int | None


@dataclass(frozen=True)
class CriterionBreakdown:
    """How one criterion entered the period total.

    ``effective_weight`` is the criterion's share of the total (a fraction in 0..1, at full
    precision; format it for display) after re-normalising over the criteria with data.
    ``contribution`` is ``score * effective_weight`` quantised to 0.01; the total is computed from
    the unrounded contributions, so the shown contributions may differ from it by a cent.
    Both are ``None`` for an N/A criterion, and when no criterion with data has any weight.
    """

    code: str
    perspective: Perspective
    weight: Decimal
    score: Decimal | None
    effective_weight: Decimal | None
    contribution: Decimal | None

    @property
    def is_applicable(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class PeriodScore:
    """Weighted total of a period, its per-perspective scores and the per-criterion breakdown.

    ``perspectives`` has a key for every ``Perspective``; a perspective without data (or without
    weight) is ``None``. ``total`` is ``None`` when the period has no usable data at all.
    """

    total: Decimal | None
    perspectives: Mapping[Perspective, Decimal | None]
    criteria: tuple[CriterionBreakdown, ...] = field(default=())

    @property
    def is_applicable(self) -> bool:
        return self.total is not None


def _weighted_average(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Full-precision weighted average of (score, weight) pairs; None when total weight is 0."""
    pairs = list(pairs)
    total_weight = sum((weight for _, weight in pairs), Decimal(0))
    if total_weight == 0:
        return None
    return sum((score * weight for score, weight in pairs), Decimal(0)) / total_weight


def period_score(criteria: Sequence[CriterionInput]) -> PeriodScore:
    """Aggregate criterion scores into a balanced-scorecard period score.

    Criteria with no data are excluded and the weights re-normalised over those with data, so
    a missing KPI neither drags the total to 0 nor lifts it. Each perspective score is the
    weighted average of its own criteria with data; the total is the weighted average of all
    criteria with data (equivalently, perspectives weighted by the sum of their criteria weights).
    No data, or zero total weight among the criteria with data, gives a total of ``None``.
    """
    normalised: list[tuple[str, Perspective, Decimal, Decimal | None]] = []
    seen_codes: set[str] = set()
    for criterion in criteria:
        if criterion.code in seen_codes:
            raise ValueError(f"criterion `{criterion.code}` appears twice in the period")
        seen_codes.add(criterion.code)
        weight = as_decimal(f"weight of `{criterion.code}`", criterion.weight)
        if weight < 0:
            raise ValueError(f"weight of `{criterion.code}` must not be negative, got {weight}")
        score = as_optional_decimal(f"score of `{criterion.code}`", criterion.score)
        if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
            raise ValueError(f"score of `{criterion.code}` must be within 0-100, got {score}")
        normalised.append((criterion.code, Perspective(criterion.perspective), weight, score))

    with_data = [(score, weight) for _, _, weight, score in normalised if score is not None]
    weight_with_data = sum((weight for _, weight in with_data), Decimal(0))
    total = _weighted_average(with_data)

    breakdown = []
    for code, perspective, weight, score in normalised:
        if score is None or weight_with_data == 0:
            effective_weight = contribution = None
        else:
            effective_weight = weight / weight_with_data
            contribution = quantize_score(score * effective_weight)
        breakdown.append(
            CriterionBreakdown(
                code=code,
                perspective=perspective,
                weight=weight,
                score=score,
                effective_weight=effective_weight,
                contribution=contribution,
            )
        )

    perspectives: dict[Perspective, Decimal | None] = {}
    for perspective in Perspective:
        average = _weighted_average(
            (score, weight)
            for _, p, weight, score in normalised
            if p is perspective and score is not None
        )
        perspectives[perspective] = None if average is None else quantize_score(average)

    return PeriodScore(
        total=None if total is None else quantize_score(total),
        perspectives=perspectives,
        criteria=tuple(breakdown),
    )


# --- Over time ----------------------------------------------------------------------------------


def rolling_score(
    period_scores: Sequence[tuple[int | date, Decimal | int | None]],
    *,
    decay: Decimal | int,
) -> Decimal | None:
    """Time-decayed weighted average of period scores.

    ``period_scores`` holds one ``(period, score)`` entry per period, N/A periods included, keyed
    by a period index or a date (not mixed); order does not matter. The most recent period has
    weight 1 and each older period ``decay`` times the weight of the next newer one, counting
    positions in the sorted sequence, so an N/A period still ages the periods before it. N/A
    periods are skipped. ``decay == 1`` gives the plain average. No data at all -> ``None``.
    """
    decay_d = as_decimal("decay", decay)
    if not Decimal(0) < decay_d <= Decimal(1):
        raise ValueError(f"decay must satisfy 0 < decay <= 1, got {decay_d}")
    keys = [key for key, _ in period_scores]
    if len(set(keys)) != len(keys):
        raise ValueError("each period may appear only once in a rolling score")
    if len({isinstance(key, date) for key in keys}) > 1:
        raise TypeError("periods must all be indexes or all be dates, not a mix")

    newest_first = sorted(period_scores, key=lambda entry: entry[0], reverse=True)
    pairs = []
    weight = Decimal(1)
    for _, score in newest_first:
        if score is not None:
            pairs.append((as_decimal("score", score), weight))
        weight *= decay_d
    average = _weighted_average(pairs)
    return None if average is None else quantize_score(average)


def trend(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    """Change from the previous score to the current one (positive = improving); N/A if either
    side has no data."""
    if current is None or previous is None:
        return None
    return quantize_score(as_decimal("current", current) - as_decimal("previous", previous))


# --- Standings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A named score band and the action it triggers, e.g. ("Probation", 40, 60, "warn").

    Bands are half-open ``[min_score, max_score)``, except the top band (``max_score == 100``),
    which also includes 100. ``validate_standings`` checks that a set of bands covers 0-100 with
    no gap and no overlap, so every score from 0 to 100 inclusive matches exactly one band.
    """

    name: str
    min_score: Decimal
    max_score: Decimal
    action: StandingAction | str = StandingAction.NONE

    def __post_init__(self) -> None:
        # Normalise in place so comparisons and the action's type are predictable downstream.
        object.__setattr__(self, "min_score", as_decimal("min_score", self.min_score))
        object.__setattr__(self, "max_score", as_decimal("max_score", self.max_score))
        if self.action not in STANDING_ACTIONS:
            raise StandingsError(
                f"“{self.name}” has an action we do not know ({self.action}); choose one of: "
                f"{', '.join(STANDING_ACTIONS)}."
            )
        object.__setattr__(self, "action", StandingAction(self.action))

    def contains(self, score: Decimal) -> bool:
        if self.max_score == SCORE_MAX:
            return self.min_score <= score <= self.max_score
        return self.min_score <= score < self.max_score


def _n(value: Decimal) -> str:
    """A score as people write it: 60, 62.5 (not 60.00 or 6E+1)."""
    return f"{value.normalize():f}"


def validate_standings(standings: Sequence[Standing]) -> None:
    """Raise ``StandingsError`` unless the bands partition 0-100 exactly (see ``Standing``)."""
    if not standings:
        raise StandingsError("Add at least one standing.")
    names = [standing.name for standing in standings]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise StandingsError(
            f"Each standing needs a name of its own: {', '.join(duplicates)} "
            f"{'is' if len(duplicates) == 1 else 'are'} used twice."
        )
    for standing in standings:
        if not SCORE_MIN <= standing.min_score < standing.max_score <= SCORE_MAX:
            raise StandingsError(
                f"“{standing.name}” must run from a lower to a higher score between 0 and 100 "
                f"(it runs from {_n(standing.min_score)} to {_n(standing.max_score)})."
            )

    ordered = sorted(standings, key=lambda standing: standing.min_score)
    if ordered[0].min_score != SCORE_MIN:
        raise StandingsError(f"No standing covers the scores from 0 to {_n(ordered[0].min_score)}.")
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if lower.max_score < upper.min_score:
            raise StandingsError(
                f"No standing covers the scores from {_n(lower.max_score)} to "
                f"{_n(upper.min_score)}, between “{lower.name}” and “{upper.name}”."
            )
        if lower.max_score > upper.min_score:
            raise StandingsError(
                f"“{lower.name}” and “{upper.name}” overlap between {_n(upper.min_score)} and "
                f"{_n(lower.max_score)}."
            )
    if ordered[-1].max_score != SCORE_MAX:
        raise StandingsError(
            f"No standing covers the scores from {_n(ordered[-1].max_score)} to 100."
        )


def standing_for(score: Decimal | int | None, standings: Sequence[Standing]) -> Standing | None:
    """Return the standing whose band contains ``score``; ``None`` for an N/A score.

    The bands are validated first, so a misconfigured set fails loudly instead of leaving a
    supplier without a standing.
    """
    validate_standings(standings)
    if score is None:
        return None
    score_d = as_decimal("score", score)
    if not SCORE_MIN <= score_d <= SCORE_MAX:
        raise ValueError(f"score must be within 0-100, got {score_d}")
    # Validation guarantees exactly one match.
    return next(standing for standing in standings if standing.contains(score_d))
