"""The PDF scorecard, read back as text: a month's report shows nothing of later months,
perspectives by name, figures by unit, and the scores on its first page (no blank cover)."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from performance import services
from performance.charts import trend_chart_svg
from performance.pdf import render_scorecard_pdf
from tenancy.context import tenant_scope
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db


def test_an_october_report_has_no_november_and_names_perspectives(org_a, manager, scenario):
    with tenant_scope(org_a):
        services.kpi_create(
            actor=manager,
            partnership=scenario["partnership"],
            code="ideas",
            name="Improvement ideas",
            perspective="innovation_learning",
            target=Decimal("10"),
            red_threshold=Decimal("0"),
        )
        for month, otd in ((9, "97"), (10, "94"), (11, "91")):
            services.measurement_record(
                actor=manager,
                kpi=scenario["otd"],
                period_start=date(2025, month, 1),
                value=Decimal(otd),
                today=TODAY,
                now=timezone.now(),
            )
        services.sla_breach_check(
            period_from=date(2025, 9, 1), period_to=date(2025, 11, 1), now=timezone.now()
        )
        pdf = render_scorecard_pdf(
            partnership=scenario["partnership"], period_start=date(2025, 10, 1)
        )
    pages = [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]
    text = " ".join(pages)
    assert "Oct 25" in text
    assert "Nov 25" not in text and "2025-11" not in text
    assert "Innovation & learning" in text and "innovation_learning" not in text
    assert "94.0 %" in text and "98.0 %" in text  # value and target with the unit's precision
    assert "EUR 500.00" in text  # the October breach's credit
    # The first page carries the scores and the breakdown, not just a title.
    assert "Per-criterion breakdown" in pages[0]


def test_the_chart_keeps_its_end_labels_inside_the_frame():
    series = [(date(2025, m, 1), Decimal("80")) for m in range(1, 13)]
    svg = str(trend_chart_svg(series))
    assert 'text-anchor="start"' in svg and "Jan 25</text>" in svg
    assert 'text-anchor="end" fill="#5d6b7c">Dec 25</text>' in svg
