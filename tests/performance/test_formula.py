"""Specifications of the KPI formula language (performance.formula), on hand-computed examples."""

from decimal import Decimal

import pytest

from performance.formula import FormulaError, parse_formula

KPIS = ["on_time_delivery", "otd_pct", "defects_ppm", "orders", "on_time", "late"]


def evaluate(expression, **values):
    return parse_formula(expression, KPIS).evaluate(values)


# --- saving a formula ---------------------------------------------------------------------------


def test_an_unknown_variable_is_refused_when_the_formula_is_saved():
    with pytest.raises(FormulaError) as caught:
        parse_formula("otd_pct + qualty_pct", KPIS)
    # "otd_pct + " is 10 characters, so the unknown name starts at position 11.
    assert caught.value.message == "unknown variable `qualty_pct`"
    assert caught.value.position == 11
    assert "qualty_pct" in str(caught.value)


def test_all_unknown_variables_are_named_at_once():
    with pytest.raises(FormulaError, match=r"unknown variables `a`, `b`"):
        parse_formula("b + otd_pct / a", KPIS)


def test_a_formula_records_the_variables_it_depends_on():
    formula = parse_formula("if_(orders > 0, 100 * on_time / orders, 100)", KPIS)
    assert formula.variables == frozenset({"orders", "on_time"})


def test_a_syntax_error_gives_its_position():
    with pytest.raises(FormulaError) as caught:
        parse_formula("otd_pct + * 2", KPIS)
    # The stray "*" is the 11th character.
    assert caught.value.message.startswith("syntax error")
    assert caught.value.position == 11


def test_a_formula_that_stops_mid_expression_is_a_syntax_error_at_its_end():
    with pytest.raises(FormulaError, match="ends unexpectedly") as caught:
        parse_formula("otd_pct -", KPIS)
    assert caught.value.position == 10


def test_a_formula_is_refused_when_too_long():
    too_long = " + ".join(["otd_pct"] * 120)  # 120 * 7 + 119 * 3 = 1197 characters
    with pytest.raises(FormulaError, match="too long"):
        parse_formula(too_long, KPIS)


def test_a_formula_is_refused_when_nested_too_deeply():
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse_formula("-" * 100 + "otd_pct", KPIS)


def test_an_empty_formula_is_refused():
    with pytest.raises(FormulaError, match="empty"):
        parse_formula("   ", KPIS)


@pytest.mark.parametrize(
    ("expression", "construct"),
    [
        ("otd_pct.real", "attribute access"),
        ("otd_pct[0]", "indexing"),
        ("otd_pct ** 2", "`**`"),
        ("otd_pct % 2", "`%`"),
        ("otd_pct // 2", "`//`"),
        ("(lambda: 1)()", "only the functions"),
        ("__import__('os')", "unknown function `__import__`"),
        ("open('x')", "unknown function `open`"),
        ("'text'", "text literal"),
        ("True", "boolean literal"),
        ("[otd_pct][0]", "indexing"),
        ("otd_pct if orders else 0", "if_(c, x, y)"),
        ("min(*orders)", "unpacking"),
        ("round(otd_pct, ndigits=1)", "keyword"),
    ],
)
def test_constructs_outside_the_grammar_are_refused(expression, construct):
    with pytest.raises(FormulaError) as caught:
        parse_formula(expression, KPIS)
    assert construct in caught.value.message


def test_a_comparison_is_only_allowed_as_a_condition():
    with pytest.raises(FormulaError, match="only allowed as the condition of if_"):
        parse_formula("otd_pct > 90", KPIS)


def test_a_function_is_checked_for_its_number_of_arguments():
    with pytest.raises(FormulaError, match=r"if_\(\) takes exactly 3 arguments, got 2"):
        parse_formula("if_(orders > 0, 1)", KPIS)
    with pytest.raises(FormulaError, match=r"abs\(\) takes exactly 1 argument, got 2"):
        parse_formula("abs(orders, late)", KPIS)


def test_the_places_of_round_must_be_a_small_whole_number():
    with pytest.raises(FormulaError, match="whole number from 0 to 10"):
        parse_formula("round(otd_pct, orders)", KPIS)


def test_the_known_variables_must_not_be_a_single_string():
    # "otd_pct" as a string would otherwise allow the variables o, t, d, _, p, c.
    with pytest.raises(TypeError):
        parse_formula("o + t", "otd_pct")


# --- evaluating ---------------------------------------------------------------------------------


def test_arithmetic_follows_precedence_and_parentheses():
    # 100 * 45 / 50 = 90; (90 - 10) / 2 = 40
    assert evaluate("100 * on_time / orders", on_time=Decimal(45), orders=Decimal(50)) == 90
    assert evaluate("(otd_pct - 10) / 2", otd_pct=Decimal(90)) == 40
    assert evaluate("-otd_pct + 100", otd_pct=Decimal("97.5")) == Decimal("2.5")


def test_literals_are_exact_decimals_not_floats():
    # With floats, 0.1 + 0.2 would be 0.30000000000000004.
    result = evaluate("0.1 + 0.2 + otd_pct", otd_pct=Decimal(0))
    assert result == Decimal("0.3")
    assert isinstance(result, Decimal)


def test_the_functions_compute_on_hand_checked_values():
    values = {"orders": Decimal(40), "on_time": Decimal(30), "late": Decimal(10)}
    assert evaluate("min(orders, on_time, late)", **values) == 10
    assert evaluate("max(orders, on_time, late)", **values) == 40
    assert evaluate("sum(orders, on_time, late)", **values) == 80
    # (40 + 30 + 10) / 3 = 26.666..., rounded half up to 2 places = 26.67
    assert evaluate("round(avg(orders, on_time, late), 2)", **values) == Decimal("26.67")
    assert evaluate("abs(late - orders)", **values) == 30


def test_round_rounds_half_up_not_to_even():
    # Python's round(2.5) is 2 (banker's); contract figures round 2.5 up to 3.
    assert evaluate("round(late)", late=Decimal("2.5")) == 3
    assert evaluate("round(late, 1)", late=Decimal("0.25")) == Decimal("0.3")


def test_if_picks_a_branch_from_a_comparison():
    formula = "if_(defects_ppm <= 500, 100, 100 - (defects_ppm - 500) / 10)"
    assert evaluate(formula, defects_ppm=Decimal(300)) == 100
    # 100 - (800 - 500) / 10 = 70
    assert evaluate(formula, defects_ppm=Decimal(800)) == 70


def test_conditions_combine_with_and_or_not_and_chain():
    formula = "if_(0 < orders <= 100 and not late > 5, 1, 0)"
    assert evaluate(formula, orders=Decimal(50), late=Decimal(2)) == 1
    assert evaluate(formula, orders=Decimal(50), late=Decimal(6)) == 0
    assert evaluate(formula, orders=Decimal(0), late=Decimal(0)) == 0


def test_division_by_zero_in_a_formula_is_no_data():
    assert evaluate("100 * on_time / orders", on_time=Decimal(0), orders=Decimal(0)) is None
    assert evaluate("100 * on_time / orders", on_time=Decimal(5), orders=Decimal(0)) is None


def test_the_branch_not_taken_is_not_evaluated():
    # With no orders the ratio is never computed, so there is no division by zero.
    formula = "if_(orders > 0, 100 * on_time / orders, 100)"
    assert evaluate(formula, orders=Decimal(0), on_time=Decimal(0)) == 100


def test_a_missing_variable_is_no_data_never_zero():
    assert evaluate("otd_pct + defects_ppm", otd_pct=Decimal(90)) is None
    assert evaluate("otd_pct + defects_ppm", otd_pct=Decimal(90), defects_ppm=None) is None


def test_a_variable_in_the_branch_not_taken_still_has_to_have_data():
    # Documented choice: the result never depends on which data happened to be present.
    formula = "if_(orders > 0, on_time, late)"
    assert evaluate(formula, orders=Decimal(1), on_time=Decimal(7)) is None


def test_float_values_are_refused():
    formula = parse_formula("otd_pct * 2", KPIS)
    with pytest.raises(TypeError):
        formula.evaluate({"otd_pct": 0.1})


def test_a_formula_may_span_several_lines():
    formula = parse_formula("otd_pct\n  - defects_ppm / 100", KPIS)
    # 95 - 250 / 100 = 92.5
    assert formula.evaluate({"otd_pct": Decimal(95), "defects_ppm": Decimal(250)}) == Decimal(
        "92.5"
    )
