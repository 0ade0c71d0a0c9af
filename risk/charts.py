"""The risk heat map as server-rendered SVG: likelihood (rows, 5 at the top) × impact (columns),
each cell coloured by its rating and labelled with the number of open risks in it."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from risk.models import IMPACT_SCALE, LIKELIHOOD_SCALE, rating_of

COLOURS = {"green": "#dff3e8", "amber": "#fdf0d9", "red": "#fbe3e1", "": "#eef1f5"}
INK = {"green": "#1e7a46", "amber": "#8a5a00", "red": "#b42318", "": "#5d6b7c"}


def heatmap_svg(counts: dict[tuple[int, int], int], *, title: str = "Risk heat map") -> SafeString:
    """`counts` maps (likelihood, impact) to the number of risks. Scales to its container."""
    cell, left, top, bottom = 64, 104, 8, 64
    width, height = left + 5 * cell + 8, top + 5 * cell + bottom
    total = sum(counts.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}: {total} risks" class="heatmap" '
        'font-family="DejaVu Sans, sans-serif" font-size="11" '
        'style="width:100%;max-width:28rem;height:auto">',
        f"<title>{escape(title)}</title>",
    ]
    for likelihood in range(5, 0, -1):
        y = top + (5 - likelihood) * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end" fill="#5d6b7c">'
            f"{likelihood} {escape(LIKELIHOOD_SCALE[likelihood])}</text>"
        )
        for impact in range(1, 6):
            x = left + (impact - 1) * cell
            n = counts.get((likelihood, impact), 0)
            label, colour = rating_of(likelihood * impact)
            parts.append(
                f'<g data-likelihood="{likelihood}" data-impact="{impact}" data-count="{n}">'
                f"<title>Likelihood {likelihood} × impact {impact} ({label}): {n} risk"
                f"{'s' if n != 1 else ''}</title>"
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="4" '
                f'fill="{COLOURS[colour]}"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 6:.0f}" '
                    f'text-anchor="middle" font-size="18" font-weight="700" '
                    f'fill="{INK[colour]}">{n}</text>'
                )
            parts.append("</g>")
    for impact in range(1, 6):
        x = left + (impact - 1) * cell + cell / 2
        parts.append(
            f'<text x="{x:.0f}" y="{top + 5 * cell + 16}" text-anchor="middle" fill="#5d6b7c">'
            f"{impact}</text>"
            f'<text x="{x:.0f}" y="{top + 5 * cell + 30}" text-anchor="middle" fill="#5d6b7c" '
            f'font-size="9">{escape(IMPACT_SCALE[impact])}</text>'
        )
    parts.append(
        f'<text x="{left + 2.5 * cell:.0f}" y="{height - 8}" text-anchor="middle" '
        'fill="#1f2a37" font-weight="600">Impact →</text>'
        f'<text x="12" y="{top + 2.5 * cell:.0f}" fill="#1f2a37" font-weight="600" '
        f'transform="rotate(-90 12 {top + 2.5 * cell:.0f})" text-anchor="middle">'
        "Likelihood →</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
