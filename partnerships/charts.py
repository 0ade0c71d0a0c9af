"""Server-rendered SVG of the sourcing-model decision: the cumulative present-value cost of the
transactional and the partnership model, year by year, side by side on one axis."""

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

COLOURS = {"transactional": "#b45309", "strategic": "#1d4ed8"}


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = magnitude * Decimal(str(step))
        if top >= value:
            return top
    return value


def _short(amount: Decimal) -> str:
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:,.1f} M"
    if amount >= 1_000:
        return f"{amount / 1_000:,.0f} k"
    return f"{amount:,.0f}"


def tco_curves_svg(
    curves: dict[str, tuple[Decimal, ...]],
    *,
    currency: str,
    labels: dict[str, str],
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """`curves`: {model: cumulative NPV for years 0..N}."""
    left, right, top, bottom = 64, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    years = max((len(c) for c in curves.values()), default=1) - 1
    peak = _nice_max(max((max(c) for c in curves.values() if c), default=Decimal(0)))

    def x(year: int) -> float:
        return left + (plot_w * year / years if years else plot_w / 2)

    def y(value: Decimal) -> float:
        return top + plot_h * (1 - float(value / peak))

    title = f"Cumulative present-value cost ({currency}) by year"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="tco-chart" '
        'font-family="DejaVu Sans, sans-serif" font-size="11" style="max-width:100%;height:auto">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        level = peak * Decimal(i) / 4
        yy = y(level)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            'stroke="#dde3ea"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#5d6b7c">'
            f"{escape(_short(level))}</text>"
        )
    for year in range(years + 1):
        parts.append(
            f'<text x="{x(year):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="#5d6b7c">{"Start" if year == 0 else f"Y{year}"}</text>'
        )
    legend_x = left
    for model, curve in curves.items():
        colour = COLOURS.get(model, "#333")
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(curve))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'data-model="{escape(model)}"/>'
        )
        for i, v in enumerate(curve):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
        label = f"{labels.get(model, model)}: {currency} {curve[-1]:,.0f}"
        parts.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="{height - 11}" fill="#1f2933">{escape(label)}</text>'
        )
        legend_x += 16 + 7 * len(label) + 24
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
