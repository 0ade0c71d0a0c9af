"""The minutes of a meeting as a PDF (WeasyPrint), from the same data as the meeting page."""

from django.template.loader import render_to_string
from django.utils import timezone

from governance.models import Meeting


def render_minutes_pdf(*, meeting: Meeting, view: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "governance/minutes_pdf.html",
        {**view, "meeting": meeting, "generated_at": timezone.now()},
    )
    return HTML(string=html).write_pdf()
