"""Index-linked price adjustment against hand-computed cases.

Base price EUR 100.00, base index 200, 60 % of the price follows the index, floor −5 %, cap +8 %.
"""

from decimal import Decimal

from risk.pricing import adjust_price
from tenancy.money import Money

BASE = {
    "base_price": Money(Decimal("100.00"), "EUR"),
    "base_index_value": Decimal("200"),
    "weighting_percent": Decimal("60"),
    "cap_percent": Decimal("8"),
    "floor_percent": Decimal("-5"),
    "index_name": "Steel HRC",
}


def test_a_rise_within_the_cap_moves_the_weighted_share_of_the_price():
    # 210 / 200 = 1.05 → +5 % × 60 % = +3 % → 100.00 × 1.03 = 103.00
    result = adjust_price(index_value=Decimal("210"), **BASE)
    assert result.ratio == Decimal("1.05")
    assert result.raw_change_percent == Decimal("3")
    assert result.limited_by == ""
    assert result.adjusted_price == Money(Decimal("103.00"), "EUR")


def test_a_rise_beyond_the_cap_is_limited_to_the_cap():
    # 230 / 200 = 1.15 → +15 % × 60 % = +9 % > +8 % cap → 108.00
    result = adjust_price(index_value=Decimal("230"), **BASE)
    assert result.raw_change_percent == Decimal("9")
    assert result.change_percent == Decimal("8")
    assert result.limited_by == "cap"
    assert result.adjusted_price.amount == Decimal("108.00")


def test_a_fall_beyond_the_floor_is_limited_to_the_floor():
    # 160 / 200 = 0.8 → −20 % × 60 % = −12 % < −5 % floor → 95.00
    result = adjust_price(index_value=Decimal("160"), **BASE)
    assert result.raw_change_percent == Decimal("-12")
    assert result.limited_by == "floor"
    assert result.adjusted_price.amount == Decimal("95.00")


def test_the_adjusted_price_is_rounded_to_the_cent():
    # 201 / 200 = 1.005 → +0.5 % × 60 % = +0.3 % → 1,234.56 × 1.003 = 1,238.26368 → 1,238.26
    result = adjust_price(
        index_value=Decimal("201"), **{**BASE, "base_price": Money(Decimal("1234.56"), "EUR")}
    )
    assert result.adjusted_price.amount == Decimal("1238.26")


def test_every_step_of_the_explanation_carries_its_numbers():
    result = adjust_price(index_value=Decimal("230"), period_label="March 2030", **BASE)
    text = "\n".join(result.steps)
    assert "Steel HRC for March 2030 is 230" in text
    assert "230 ÷ 200 = 1.15" in text
    assert "60 % × +15.00 % = +9.00 %" in text
    assert "above the cap of +8.00 %" in text
    assert "EUR 100.00 × (1 + 8 %) = EUR 108.00" in text


# -- pinned by mutation testing (make mutation MUTATION_ARGS=risk.pricing) ---------------------


def test_a_change_exactly_at_the_cap_or_the_floor_is_not_limited():
    # 240 / 200 = 1.2 → +12 %; 180 / 200 = 0.9 → −6 % (60 % of the price follows the index).
    at_cap = adjust_price(index_value=Decimal("240"), **{**BASE, "cap_percent": Decimal("12")})
    assert (at_cap.raw_change_percent, at_cap.change_percent) == (Decimal("12"), Decimal("12"))
    assert at_cap.limited_by == ""
    at_floor = adjust_price(index_value=Decimal("180"), **{**BASE, "floor_percent": Decimal("-6")})
    assert (at_floor.raw_change_percent, at_floor.change_percent) == (Decimal("-6"), Decimal("-6"))
    assert at_floor.limited_by == ""


def test_the_explanation_of_a_fall_to_the_floor_and_of_a_change_inside_the_limits():
    floor = adjust_price(index_value=Decimal("160"), **BASE)
    assert floor.steps[1] == "Index ratio: 160 ÷ 200 = 0.8 (the index moved -20.00 %)."
    assert floor.steps[3] == "-12.00 % is below the floor of -5.00 %: the floor applies."
    assert floor.steps[4] == "Adjusted price: EUR 100.00 × (1 − 5 %) = EUR 95.00."
    inside = adjust_price(index_value=Decimal("210"), **BASE)
    assert inside.steps[3] == (
        "+3.00 % is within the floor of -5.00 % and the cap of +8.00 %: it applies unchanged."
    )
    assert inside.steps[4] == "Adjusted price: EUR 100.00 × (1 + 3 %) = EUR 103.00."
    unchanged = adjust_price(index_value=Decimal("200"), **BASE)
    assert unchanged.steps[4] == "Adjusted price: EUR 100.00 × (1 + 0 %) = EUR 100.00."


def test_without_a_name_or_a_period_the_explanation_says_the_index():
    result = adjust_price(index_value=Decimal("1234.5"), **{**BASE, "index_name": "the index"})
    assert result.steps[0] == "The index is 1,234.5; the base value is 200."
    default = adjust_price(
        index_value=Decimal("210"), **{k: v for k, v in BASE.items() if k != "index_name"}
    )
    assert default.steps[0] == "The index is 210; the base value is 200."
    assert (default.base_price, default.index_value) == (BASE["base_price"], Decimal("210"))


def test_halves_are_rounded_up_at_every_step():
    # 200.0001 / 200 = 1.0000005 → 1.000001 (half up; half even would give 1.000000).
    ratio = adjust_price(index_value=Decimal("200.0001"), **BASE)
    assert ratio.ratio == Decimal("1.000001")
    # 50 % × 0.0001 % = 0.00005 % → 0.0001 % (half up).
    raw = adjust_price(
        index_value=Decimal("200.0002"), **{**BASE, "weighting_percent": Decimal("50")}
    )
    assert raw.raw_change_percent == Decimal("0.0001")
    # A step shows 0.125 % as +0.13 %.
    shown = adjust_price(
        index_value=Decimal("200.25"), **{**BASE, "weighting_percent": Decimal("100")}
    )
    assert shown.steps[2].endswith("= +0.13 %.")
