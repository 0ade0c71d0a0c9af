"""The FX chart on a partnership's finance tab: bars up for the months a move cost money and
down for those it saved, the bearer's and the other party's parts stacked in the colours the
legend names, the largest month on the scale, and no empty half when every month goes one way."""

import re
from datetime import date
from decimal import Decimal

from finance import calc
from finance.charts import BEARER, OTHER, fx_chart_svg


def _row(month: int, rate: str) -> dict:
    effect = calc.fx_effect(
        amount=Decimal("100000"), contract_currency="EUR", base_rate=Decimal("0.9"),
        actual_rate=Decimal(rate), band_percent=Decimal("5"),
    )  # fmt: skip
    return {"period_start": date(2026, month, 1), "fx": effect}


def _rects(svg: str) -> list[tuple[str, float, float]]:
    """(colour, y, height) of every bar part, legend swatches left out."""
    found = re.findall(
        r'<rect x="[\d.]+" y="([\d.]+)" width="36" height="([\d.]+)" fill="(#\w+)"/>', svg
    )
    return [(colour, float(y), float(height)) for y, height, colour in found]


def _axis(svg: str) -> float:
    return float(re.search(r'<line [^>]*y1="([\d.]+)"', svg)[1])


def test_months_that_cost_stand_up_and_months_that_saved_hang_down_with_the_parts_stacked():
    svg = str(fx_chart_svg([_row(5, "0.99"), _row(6, "0.81")], currency="EUR"))
    axis = _axis(svg)
    (b1, y1, h1), (o1, y2, h2), (b2, y3, h3), (o2, y4, h4) = _rects(svg)
    assert (b1, o1, b2, o2) == (BEARER, OTHER, BEARER, OTHER)
    assert round(y1 + h1, 1) == axis and round(y2 + h2, 1) == y1  # up, the other part on top
    assert y3 == axis and y4 == round(y3 + h3, 1)  # down, the other part below
    # 9,000 cost and 9,000 saved: the same height each way, split 4,500 + 4,500 beyond the band
    assert round(h1 + h2, 1) == round(h3 + h4, 1)
    assert "EUR 9,000.00 cost" in svg and "EUR 9,000.00 saved" in svg
    assert "Bearer's part" in svg and "Other party's part" in svg
    assert "<title>May 2026: 9,000.00 EUR</title>" in svg


def test_a_chart_of_costs_alone_puts_its_axis_at_the_bottom():
    svg = str(fx_chart_svg([_row(5, "0.93"), _row(6, "0.99")], currency="EUR"))
    bars = _rects(svg)
    assert _axis(svg) == max(y + height for _, y, height in bars) == 168.0  # top 18 + 150
    assert min(y for _, y, _ in bars) == 18.0  # the largest month fills the height
    assert "saved" not in svg


def test_months_without_an_invoiced_amount_draw_nothing():
    assert fx_chart_svg([{"period_start": date(2026, 5, 1), "fx": None}], currency="EUR") == ""
