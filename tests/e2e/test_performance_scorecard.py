"""Done when 1: a procurement manager imports measurements, runs the SLA breach check, sees the
breach and its service credit on the scorecard, and downloads the PDF, whose text shows the score
and the breach. Celery is not running beside the live server: TASKS_INLINE runs the
real tasks in-process."""

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from performance import services
from performance.periods import add_months, month_start
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_imports_checks_breaches_and_downloads_the_scorecard_pdf(
    page, login, org_a, make_member, settings, tmp_path
):
    settings.TASKS_INLINE = True
    settings.MEDIA_ROOT = tmp_path
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=manager
        )
        otd = services.kpi_create(
            actor=manager,
            partnership=partnership,
            code="otd_pct",
            name="On-time delivery",
            perspective="operational",
            unit="%",
            target=Decimal("98"),
            red_threshold=Decimal("90"),
            weight=Decimal("3"),
        )
        services.kpi_create(
            actor=manager,
            partnership=partnership,
            code="defects_ppm",
            name="Defects",
            perspective="customer",
            unit="ppm",
            direction="lower_is_better",
            target=Decimal("100"),
            red_threshold=Decimal("500"),
            weight=Decimal("1"),
        )
        services.sla_create(
            actor=manager,
            partnership=partnership,
            kpi=otd,
            name="Delivery SLA",
            target=Decimal("98"),
            breach_threshold=Decimal("95"),
            period_fee=Decimal("10000"),
            credit_cap_percent=Decimal("8"),
            owner=manager,
            tiers=[(Decimal("95"), Decimal("5")), (Decimal("90"), Decimal("10"))],
        )
    last = add_months(month_start(timezone.now().date()), -1)
    before = add_months(last, -1)
    csv_text = (
        "kpi_code,period,value,note\n"
        f"otd_pct,{before:%Y-%m},99,\n"
        f"defects_ppm,{before:%Y-%m},300,\n"
        f"otd_pct,{last:%Y-%m},88.5,strike at the port\n"
        f"defects_ppm,{last:%Y-%m},100,\n"
    )

    login(page, manager)
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/")
    page.get_by_test_id("import-link").click()
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "kpis.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}],
    )
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/performance/imports/*/")
    assert "4 rows" in page.get_by_test_id("import-commit").inner_text()
    page.get_by_test_id("import-commit").click()
    assert "Imported 4 measurements" in page.get_by_test_id("import-done").inner_text()
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/")

    page.get_by_test_id("run-breach-check").click()
    page.wait_for_load_state("networkidle")
    assert "SLA breach check done" in page.content()
    breaches = page.get_by_test_id("breaches").inner_text()
    assert "Delivery SLA" in breaches and f"{last:%b %Y}" in breaches
    # 88.5 % reaches the 90 % tier (10 %), capped at 8 % of EUR 10,000.
    assert "EUR 800.00" in page.get_by_test_id("service-credit").first.inner_text()
    # (0 × 3 + 100 × 1) / 4 = 25.00 for the month of the breach.
    assert page.get_by_test_id("score").inner_text().strip() == "25.0"

    page.get_by_test_id("generate-pdf").click()
    page.wait_for_url("**/performance/reports/*/")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    with Path(download_info.value.path()).open("rb") as downloaded:
        pdf_bytes = downloaded.read()
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf_bytes)).pages)
    assert "Alder drive-train" in text
    assert "Score: 25.0" in text
    assert "SLA breach: Delivery SLA" in text
    assert "EUR 800.00" in text
