"""The FX effect per month as server-rendered SVG bars (up: the move cost money, down: it
saved money), with the bearer's part and the other party's part stacked, a legend saying which
colour is whose, and the largest month's amount on the scale. Only the side that has bars takes
room: a year of costs alone draws no empty half below the axis."""

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from tenancy.money import format_amount

BEARER, OTHER = "#4a6fa5", "#e0a340"


def fx_chart_svg(rows: list[dict], *, currency: str) -> SafeString:
    points = [row for row in rows if row["fx"] is not None]
    if not points:
        return mark_safe("")
    bar, gap, left, top, height = 36, 14, 12, 18, 150
    up = max((max(row["fx"].effect.amount, 0) for row in points), default=Decimal(0))
    down = max((max(-row["fx"].effect.amount, 0) for row in points), default=Decimal(0))
    span = (up + down) or Decimal(1)
    scale = Decimal(height) / span
    axis = top + float(up * scale)
    width = left * 2 + max(len(points) * (bar + gap), 260)
    bottom = top + height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {bottom + 44}" '
        f'role="img" aria-label="FX effect per month" class="fx-chart" '
        'font-family="DejaVu Sans, sans-serif" font-size="10" '
        # Never wider than 1.5 times its own size: the text stays text-sized on a wide page.
        f'style="width:100%;max-width:{width * 3 // 2}px;height:auto">',
        "<title>FX effect per month</title>",
    ]
    if up:
        parts.append(_scale_label(top - 6, f"{currency} {format_amount(up, currency)} cost"))
    if down:
        label = f"{currency} {format_amount(down, currency)} saved"
        parts.append(_scale_label(bottom + 10 if not up else bottom + 2, label))
    for index, row in enumerate(points):
        x = left + index * (bar + gap)
        fx = row["fx"]
        label = f"{row['period_start']:%b %Y}: {format_amount(fx.effect.amount, currency)}"
        parts.append(f"<g><title>{escape(label)} {escape(currency)}</title>")
        y = axis
        for amount, colour in ((fx.bearer_part.amount, BEARER), (fx.other_part.amount, OTHER)):
            size = float(abs(amount) * scale)
            y_top = y - size if amount >= 0 else y
            parts.append(
                f'<rect x="{x}" y="{y_top:.1f}" width="{bar}" height="{size:.1f}" fill="{colour}"/>'
            )
            y = y_top if amount >= 0 else y + size
        parts.append("</g>")
        parts.append(
            f'<text x="{x + bar / 2}" y="{bottom + 22}" text-anchor="middle" '
            f'fill="#5d6b7c">{row["period_start"]:%b %y}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - left}" y1="{axis:.1f}" y2="{axis:.1f}" stroke="#99a3b0"/>'
    )
    legend = bottom + 38
    for offset, colour, words in ((0, BEARER, "Bearer's part"), (110, OTHER, "Other party's part")):
        parts.append(
            f'<rect x="{left + offset}" y="{legend - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + offset + 14}" y="{legend + 1}" fill="#5d6b7c">{words}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or ours


def _scale_label(y: float, text: str) -> str:
    return f'<text x="12" y="{y}" fill="#5d6b7c">{escape(text)}</text>'
