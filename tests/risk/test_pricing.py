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
