"""Measurement imports (issue 9, defect 3): a size and row limit with a clear message, the work
in a background job with progress (never in the web request or the session), a preview of a
bounded sample plus every error row, and all rows or none."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from performance import services, tasks
from performance.models import Measurement, MeasurementImport, Scorecard
from performance.services.imports import ImportLimits
from tenancy.context import tenant_scope
from tests.performance.factories import TODAY

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 6, 15, 9, tzinfo=UTC)


def csv_file(rows: list[str], name="figures.csv") -> SimpleUploadedFile:
    body = "kpi_code,period,value,note\n" + "".join(row + "\n" for row in rows)
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def start(manager, scenario, upload, **limits):
    return services.measurement_import_start(
        actor=manager,
        partnership=scenario["partnership"],
        upload=upload,
        limits=ImportLimits(**limits) if limits else services.DEFAULT_IMPORT_LIMITS,
    )


def run(job, **limits):
    return services.measurement_import_run(
        job=job,
        today=TODAY,
        clock=lambda: NOW,
        limits=ImportLimits(**limits) if limits else services.DEFAULT_IMPORT_LIMITS,
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_file_over_the_size_limit_is_refused_with_the_limit(org_a, manager, scenario):
    with tenant_scope(org_a):
        with pytest.raises(Exception) as error:
            start(manager, scenario, csv_file(["otd_pct,2025-01,97,"] * 50), max_bytes=1024)
        message = error.value.message_dict["file"][0]
        assert "the limit is 1,024 bytes" in message and "Split it" in message
        assert not MeasurementImport.objects.exists()


def test_a_file_over_the_row_limit_fails_its_job_with_a_plain_reason(org_a, manager, scenario):
    rows = [f"otd_pct,{2020 + m // 12}-{m % 12 + 1:02d},97," for m in range(12)]
    with tenant_scope(org_a):
        job = run(start(manager, scenario, csv_file(rows)), max_rows=10)
        assert job.status == "failed"
        assert job.error == "The file has more than 10 rows: split it into smaller files."
        assert not Measurement.objects.exists()


def test_the_check_keeps_a_bounded_sample_and_every_error_row(org_a, manager, scenario):
    rows = [f"otd_pct,{2000 + m // 12}-{m % 12 + 1:02d},97," for m in range(60)]
    rows[10] = "otd_pct,2000-11,abc,"
    rows[40] = "nope,2003-05,97,"
    rows[55] = "otd_pct,2031-01,97,"
    with tenant_scope(org_a):
        job = run(start(manager, scenario, csv_file(rows)), sample_rows=5)
        assert job.status == "succeeded" and job.row_count == 60
        result = job.result
        assert not result["ok"] and result["error_count"] == 3
        assert [row["line"] for row in result["sample"]] == [2, 3, 4, 5, 6]
        assert [row["line"] for row in result["errors"]] == [12, 42, 57]
        assert "“abc” is not a number" in result["errors"][0]["errors"][0]
        assert "unknown KPI code “nope”" in result["errors"][1]["errors"][0]
        assert "2031-01 is in the future" in result["errors"][2]["errors"][0]
        with pytest.raises(Exception, match="Fix the rows"):
            services.measurement_import_confirm(job=job, actor=manager)
        assert not Measurement.objects.exists()


def test_a_clean_file_is_imported_after_confirmation_and_scores_the_months(
    org_a, manager, scenario
):
    rows = ["otd_pct,2025-01,97,", "defects_ppm,2025-01,100,", "otd_pct,2025-02,93,late"]
    with tenant_scope(org_a):
        job = run(start(manager, scenario, csv_file(rows)))
        assert job.result["ok"] and not Measurement.objects.exists()
        job = services.measurement_import_confirm(job=job, actor=manager)
        assert job.status == "queued" and job.stage == "import"
        job = run(job)
        assert job.status == "succeeded" and job.result["created"] == 3
        assert Measurement.objects.count() == 3
        assert Measurement.objects.get(period_start=date(2025, 2, 1)).note == "late"
        assert set(Scorecard.objects.values_list("period_start", flat=True)) == {
            date(2025, 1, 1),
            date(2025, 2, 1),
        }
        # A redelivered task finds the job finished and changes nothing.
        assert run(job).result["created"] == 3 and Measurement.objects.count() == 3


def test_a_figure_recorded_between_check_and_import_imports_nothing(org_a, manager, scenario):
    rows = ["otd_pct,2025-01,97,", "otd_pct,2025-02,96,"]
    with tenant_scope(org_a):
        job = run(start(manager, scenario, csv_file(rows)))
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 2, 1),
            value=Decimal("90"),
            today=TODAY,
            now=NOW,
        )
        job = run(services.measurement_import_confirm(job=job, actor=manager), chunk_rows=1)
        assert job.status == "failed"
        assert "otd_pct already has a value for 2025-02" in job.error
        assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("90")]


def test_the_upload_page_stores_the_file_and_leaves_the_work_to_the_task(
    org_a, manager, scenario, client_as, settings
):
    settings.TASKS_INLINE = False
    client = client_as(manager)
    url = reverse("performance-import", args=["alpha", scenario["partnership"].pk])
    response = client.post(url, {"file": csv_file(["otd_pct,2025-01,97,"])})
    assert response.status_code == 302
    with tenant_scope(org_a):
        job = MeasurementImport.objects.get()
        assert job.status == "queued" and job.result is None  # not parsed in the request
    assert not any(key.startswith("performance-import") for key in client.session.keys())  # noqa: SIM118 - a session is no dict
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Queued" in page.content.decode()
    status = client.get(response["Location"], {"format": "json"}).json()
    assert status == {"status": "queued", "stage": "check", "progress": 0, "error": ""}
    assert (
        tasks.measurement_import_run.apply(
            kwargs={"organization_id": org_a.pk, "import_id": job.pk}
        ).get()
        == "succeeded"
    )
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-commit"' in html and "Import 1 rows" in html


def test_the_upload_page_shows_the_size_limit_under_the_field(
    manager, scenario, client_as, settings
):
    settings.PERFORMANCE_IMPORT_LIMITS = ImportLimits(max_bytes=100)
    url = reverse("performance-import", args=["alpha", scenario["partnership"].pk])
    client = client_as(manager)
    assert "At most 100 bytes and 1,000,000 rows" in client.get(url).content.decode()
    response = client.post(url, {"file": csv_file(["otd_pct,2025-01,97,"] * 20)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="file"' in html and "the limit is 100 bytes" in html


def test_an_excel_bomb_is_refused_with_a_reason(org_a, manager, scenario):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<a>" + "x" * (30 * 1024 * 1024) + "</a>")
    upload = SimpleUploadedFile("bomb.xlsx", buffer.getvalue())
    with tenant_scope(org_a):
        job = run(start(manager, scenario, upload))
        assert job.status == "failed" and "Excel file" in job.error
