"""The gain-share statement as a PDF (WeasyPrint, like governance's minutes and performance's
scorecards), from the same data as the statement page."""

from django.template.loader import render_to_string

from finance.models import GainShareStatement
from finance.selectors import statement_savings


def render_statement_pdf(*, statement: GainShareStatement, generated_at) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "finance/statement_pdf.html",
        {
            "statement": statement,
            "savings": statement_savings(statement),
            "generated_at": generated_at,
        },
    )
    return HTML(string=html).write_pdf()
