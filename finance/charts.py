"""The FX effect per month as server-rendered SVG bars (up: the move cost money, down: it
saved money), with the bearer's part and the other party's part stacked."""

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from tenancy.money import format_amount


def fx_chart_svg(rows: list[dict], *, currency: str) -> SafeString:
    points = [row for row in rows if row["fx"] is not None]
    if not points:
        return mark_safe("")
    bar, gap, left, top, height = 36, 14, 12, 12, 160
    peak = max((abs(row["fx"].effect.amount) for row in points), default=Decimal(0)) or Decimal(1)
    width = left * 2 + len(points) * (bar + gap)
    middle = top + height / 2
    scale = Decimal(height / 2 - 8) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {top + height + 28}" '
        f'role="img" aria-label="FX effect per month" class="fx-chart" '
        'font-family="DejaVu Sans, sans-serif" font-size="10" '
        'style="width:100%;max-width:44rem;height:auto">',
        "<title>FX effect per month</title>",
        f'<line x1="{left}" x2="{width - left}" y1="{middle}" y2="{middle}" stroke="#99a3b0"/>',
    ]
    for index, row in enumerate(points):
        x = left + index * (bar + gap)
        fx = row["fx"]
        y = middle
        for amount, colour in (
            (fx.bearer_part.amount, "#4a6fa5"),
            (fx.other_part.amount, "#e0a340"),
        ):
            size = float(abs(amount) * scale)
            y_top = y - size if amount >= 0 else y
            parts.append(
                f'<rect x="{x}" y="{y_top:.1f}" width="{bar}" height="{size:.1f}" fill="{colour}"/>'
            )
            y = y_top if amount >= 0 else y + size
        label = f"{row['period_start']:%b %Y}: {format_amount(fx.effect.amount, currency)}"
        parts.append(f"<g><title>{escape(label)} {escape(currency)}</title></g>")
        parts.append(
            f'<text x="{x + bar / 2}" y="{top + height + 16}" text-anchor="middle" '
            f'fill="#5d6b7c">{row["period_start"]:%b %y}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
