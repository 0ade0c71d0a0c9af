"""Server-rendered SVG charts: the same markup is embedded in the page and in the PDF."""

from datetime import date
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe


def _polylines(points: list[tuple[float, float] | None]) -> list[str]:
    """Split at gaps (N/A periods are gaps, never zeros)."""
    lines, current = [], []
    for point in points:
        if point is None:
            if current:
                lines.append(current)
            current = []
        else:
            current.append(point)
    if current:
        lines.append(current)
    return [" ".join(f"{x:.1f},{y:.1f}" for x, y in line) for line in lines]


def trend_chart_svg(
    series: list[tuple[date, Decimal | None]],
    *,
    rolling: list[tuple[date, Decimal | None]] | None = None,
    health: list[tuple[date, Decimal | None]] | None = None,
    title: str = "Score trend",
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """A 0-100 line chart of period scores (solid), rolling score (dashed) and relationship
    health scaled to 0-100 (dotted), oldest period on the left."""
    # Margins wide enough for the "100" of the y axis and for the month labels at both ends.
    left, right, top, bottom = 40, 28, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(series), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(value: Decimal) -> float:
        return top + plot_h * (1 - float(value) / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        'class="trend-chart" font-family="DejaVu Sans, sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    for level in (0, 25, 50, 75, 100):
        yy = y(Decimal(level))
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            'stroke="#dde3ea" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{yy + 3:.1f}" text-anchor="end" fill="#5d6b7c">{level}</text>'
        )
    step = max(1, n // 8)
    for i, (period, _) in enumerate(series):
        if i % step == 0 or i == n - 1:
            # The first and last labels hang inwards so neither is cut at the edge.
            anchor = (
                "middle" if n == 1 else ("start" if i == 0 else "end" if i == n - 1 else "middle")
            )
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="{anchor}" fill="#5d6b7c">'
                f"{period:%b %y}</text>"
            )

    def draw(data, colour, dash, css):
        if not data:
            return
        points = [None if v is None else (x(i), y(v)) for i, (_, v) in enumerate(data)]
        for line in _polylines(points):
            parts.append(
                f'<polyline class="{css}" points="{line}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
            )
        for point, (_, value) in zip(points, data, strict=False):
            if point is not None and css == "score":
                parts.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="2.5" fill="{colour}">'
                    f"<title>{value}</title></circle>"
                )

    draw(health, "#1b7f4b", "2 3", "health")
    draw(rolling, "#b26b00", "6 4", "rolling")
    draw(series, "#1f5fbf", "", "score")
    if not any(v is not None for _, v in series):
        parts.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            'fill="#5d6b7c">No data yet</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped or numeric
