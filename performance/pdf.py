"""The PDF scorecard: HTML rendered by WeasyPrint, with the page's own SVG trend chart."""

from collections.abc import Callable
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from partnerships.models import Partnership
from performance.selectors import partnership_performance


def render_scorecard_pdf(
    *,
    partnership: Partnership,
    period_start: date,
    progress: Callable[[int], None] = lambda p: None,
) -> bytes:
    from weasyprint import HTML

    # The report of a month shows nothing later than that month (trend, breaches).
    view = partnership_performance(partnership=partnership, period=period_start, until=period_start)
    progress(30)
    html = render_to_string(
        "performance/scorecard_pdf.html",
        {
            "view": view,
            "partnership": partnership,
            "scorecard": view.scorecard,
            "period_start": period_start,
            "generated_at": timezone.now(),
        },
    )
    progress(50)
    pdf = HTML(string=html).write_pdf()
    progress(90)
    return pdf
