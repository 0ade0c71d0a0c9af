"""The exit report as a PDF (WeasyPrint): triggers, the wind-down timeline (the page's own SVG
Gantt), the status of every stream and the open risks, from the same data as the exit tab."""

from django.template.loader import render_to_string
from django.utils import timezone

from exit_planning.models import ExitPlan
from exit_planning.selectors import ExitWorkspace


def render_exit_report_pdf(*, plan: ExitPlan, view: ExitWorkspace) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "exit_planning/report_pdf.html",
        {
            "plan": plan,
            "view": view,
            "partnership": plan.partnership,
            "generated_at": timezone.now(),
        },
    )
    return HTML(string=html).write_pdf()
