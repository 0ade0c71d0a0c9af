"""Measurement-import rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): which uploads are taken (type, size, the limit in the message), what the
stored job holds, when a check may be confirmed, what the check keeps (its sample, its error rows,
their bounds), every reason a file fails, how progress is reported, what the import writes, and
the audit event of each step."""

import csv
import io
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from performance import services
from performance.models import Measurement, MeasurementImport, Scorecard
from performance.services.imports import (
    DEFAULT_IMPORT_LIMITS,
    ImportFileError,
    ImportLimits,
    iter_import_rows,
)
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.jobs import job_progress
from tenancy.models import AuditEvent
from tests.performance.factories import TODAY, MeasurementImportFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 15, 9, tzinfo=UTC)
EARLIER = datetime(2027, 6, 15, 8, tzinfo=UTC)
HEADER = "kpi_code,period,value,note\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _upload(body, name="figures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body if isinstance(body, bytes) else body.encode())


def _csv(*rows) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def _start(actor, scenario, upload, **limits):
    return services.measurement_import_start(
        actor=actor,
        partnership=scenario["partnership"],
        upload=upload,
        limits=ImportLimits(**limits) if limits else DEFAULT_IMPORT_LIMITS,
    )


def _run(job, progress=None, **limits):
    return services.measurement_import_run(
        job=job,
        today=TODAY,
        clock=lambda: NOW,
        limits=ImportLimits(**limits) if limits else DEFAULT_IMPORT_LIMITS,
        progress=progress,
    )


def _job(scenario, content: bytes, filename="figures.csv", **fields):
    """A stored job on `content`, as an upload leaves it (queued, stage check)."""
    return MeasurementImportFactory(
        partnership=scenario["partnership"],
        file__data=content,
        file__filename=filename,
        filename=filename,
        size=fields.pop("size", len(content)),
        **fields,
    )


def _checked(actor, scenario, *rows, **limits):
    return _run(_start(actor, scenario, _upload(_csv(*rows))), **limits)


def _refusal(call) -> dict:
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the message is compared below
        call()
    return refused.value.message_dict


# --- The upload ---------------------------------------------------------------------------------


def test_an_upload_stores_its_file_audits_it_and_queues_the_check(
    org_a, manager, scenario, settings, django_capture_on_commit_callbacks
):
    content = _csv("otd_pct,2025-01,97,")
    with tenant_scope(org_a):
        job = _start(manager, scenario, _upload(content, "March figures.CSV"))
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert (stored.organization, stored.partnership, stored.uploaded_by) == (
            org_a,
            scenario["partnership"],
            manager,
        )
        assert (stored.filename, stored.size, stored.stage, stored.status) == (
            "March figures.CSV",
            len(content),
            "check",
            "queued",
        )
        with stored.file.open("rb") as file:
            assert file.read() == content
        [event] = _events("performance.measurement_import.uploaded")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == (
            "performance.measurementimport",
            str(job.pk),
        )
        assert event.changes == {"file": "March figures.CSV", "size": len(content)}

    settings.TASKS_INLINE = True
    with tenant_scope(org_a), django_capture_on_commit_callbacks(execute=True) as queued:
        job = _start(manager, scenario, _upload(content))
    assert len(queued) == 1
    with tenant_scope(org_a):
        job.refresh_from_db()
        assert job.status == "succeeded" and job.result["ok"] and job.row_count == 1


def test_only_csv_and_excel_files_are_taken(org_a, manager, scenario):
    with tenant_scope(org_a):
        for name in ("a.csv", "b.TXT", "c.xlsx", "d.XLSM"):
            assert _start(manager, scenario, _upload(b"x", name)).filename == name
        for name in ("figures.pdf", "figures.xls", "figures"):
            assert _refusal(lambda name=name: _start(manager, scenario, _upload(b"x", name))) == {
                "file": ["Upload a CSV (UTF-8) or an Excel .xlsx file."]
            }
        nameless = _upload(b"x")
        nameless.name = None
        assert _refusal(lambda: _start(manager, scenario, nameless)) == {
            "file": ["Upload a CSV (UTF-8) or an Excel .xlsx file."]
        }
        assert MeasurementImport.objects.count() == 4
        assert len(_events("performance.measurement_import.uploaded")) == 4


def test_a_file_of_the_size_limit_is_taken_and_one_byte_more_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        assert _start(manager, scenario, _upload(b"x" * 100), max_bytes=100).size == 100
        assert _refusal(lambda: _start(manager, scenario, _upload(b"x" * 101), max_bytes=100)) == {
            "file": ["The file is 101 bytes; the limit is 100 bytes. Split it into smaller files."]
        }
        big = _upload(b"x" * (2 * 1024 * 1024 + 1))
        assert _refusal(lambda: _start(manager, scenario, big, max_bytes=1024 * 1024)) == {
            "file": ["The file is 2 MB; the limit is 1 MB. Split it into smaller files."]
        }
        assert MeasurementImport.objects.count() == 1


def test_an_empty_upload_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        assert _refusal(lambda: _start(manager, scenario, _upload(b""))) == {
            "file": ["The file is empty."]
        }
        assert not MeasurementImport.objects.exists()
        assert not _events("performance.measurement_import.uploaded")


def test_the_limits_read_as_the_page_states_them(settings):
    assert services.import_limits_text() == "At most 50 MB and 1,000,000 rows per file."
    assert (
        services.import_limits_text(ImportLimits(max_bytes=1023, max_rows=500))
        == "At most 1,023 bytes and 500 rows per file."
    )
    # A limit is rounded down: 102.399 KB reads 102.3 KB, never 102.4.
    assert services.import_limits_text(ImportLimits(max_bytes=104_857)).startswith(
        "At most 102.3 KB and"
    )
    settings.PERFORMANCE_IMPORT_LIMITS = None
    assert services.import_limits() is DEFAULT_IMPORT_LIMITS
    assert (
        ImportLimits(
            max_bytes=50 * 1024 * 1024,
            max_rows=1_000_000,
            sample_rows=20,
            max_error_rows=5_000,
            chunk_rows=5_000,
        )
        == DEFAULT_IMPORT_LIMITS
    )
    settings.PERFORMANCE_IMPORT_LIMITS = ImportLimits(max_rows=7)
    assert services.import_limits() == ImportLimits(max_rows=7)


# --- The check ----------------------------------------------------------------------------------


def test_a_check_keeps_each_row_as_the_page_shows_it_and_audits_as_the_system(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        job = _checked(
            manager,
            scenario,
            "otd_pct,2025-01,97.50," + "n" * 150,
            "defects_ppm,2025-02,100,",
        )
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert (stored.status, stored.error, stored.row_count, stored.progress) == (
            "succeeded",
            "",
            2,
            100,
        )
        # The value as written, in plain notation: 100, never "1E+2".
        assert stored.result["sample"][1].pop("value") == "100"
        assert (stored.started_at, stored.finished_at) == (NOW, NOW)
        assert stored.result == {
            "ok": True,
            "rows": 2,
            "error_count": 0,
            "errors_shown": 0,
            "sample": [
                {
                    "line": 2,
                    "kpi_code": "otd_pct",
                    "period": "2025-01",
                    "value": "97.5",
                    "unit": "%",
                    "note": "n" * 100,
                    "errors": [],
                },
                {
                    "line": 3,
                    "kpi_code": "defects_ppm",
                    "period": "2025-02",
                    "unit": "ppm",
                    "note": "",
                    "errors": [],
                },
            ],
            "errors": [],
            "periods": ["2025-01-01", "2025-02-01"],
        }
        assert not Measurement.objects.exists()
        [event] = _events("performance.measurement_import.checked")
        assert (event.actor, event.actor_label) == (None, "system: measurement import")
        assert event.object_id == str(job.pk)
        assert event.changes == {"file": "figures.csv", "rows": 2}


def test_an_error_row_is_kept_with_what_can_be_read_of_it(org_a, manager, scenario):
    with tenant_scope(org_a):
        job = _checked(manager, scenario, "nope,June,abc,", "otd_pct,2025-01,97,")
        assert job.result["ok"] is False
        assert job.result["error_count"] == 1 and job.result["rows"] == 2
        assert job.result["errors"] == [
            {
                "line": 2,
                "kpi_code": "nope",
                "period": "",
                "value": None,
                "unit": "",
                "note": "",
                "errors": [
                    "unknown KPI code “nope” for Alder drive-train",
                    "period “June” is not a month (expected YYYY-MM)",
                    "value “abc” is not a number",
                ],
            }
        ]
        assert job.result["periods"] == ["2025-01-01"]
        assert job.status == "succeeded"  # the check ran; the rows need fixing


def test_the_sample_and_the_error_rows_stop_at_their_limits(org_a, manager, scenario):
    rows = [f"otd_pct,2024-{m:02d},97," for m in range(1, 5)] + ["x,2024-01,1,", "y,2024-01,1,"]
    with tenant_scope(org_a):
        job = _checked(manager, scenario, *rows, sample_rows=2, max_error_rows=1)
        assert [row["line"] for row in job.result["sample"]] == [2, 3]
        assert [row["line"] for row in job.result["errors"]] == [6]
        assert (job.result["error_count"], job.result["errors_shown"]) == (2, 1)
        assert job.row_count == 6


def test_duplicates_are_found_across_chunks_and_recorded_figures_in_each(org_a, manager, scenario):
    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("90"),
            today=TODAY,
            now=NOW,
        )
        job = _checked(
            manager,
            scenario,
            "otd_pct,2025-01,97,",  # 2
            "defects_ppm,2025-03,100,",  # 3: otd_pct has March, not defects_ppm
            "otd_pct,2025-02,97,",  # 4
            "otd_pct,2025-01,96,",  # 5
            "otd_pct,2025-03,96,",  # 6
            chunk_rows=2,
        )
        assert [(row["line"], row["errors"]) for row in job.result["errors"]] == [
            (5, ["duplicate period 2025-01 for otd_pct (also on line 2)"]),
            (6, ["otd_pct already has a value for 2025-03; correct it instead"]),
        ]


def test_a_check_reports_its_progress_per_chunk_and_never_above_99(org_a, manager, scenario):
    reported = []
    content = _csv("otd_pct,2025-01,97,", "otd_pct,2025-02,97,", "otd_pct,2025-03,97,")
    with tenant_scope(org_a):
        # A stored size smaller than the file (as after a rewrite) still reports at most 99.
        job = _job(scenario, content, size=10)
        job = _run(job, progress=reported.append, chunk_rows=1)
        assert reported == [99, 99, 99]
        assert job.progress == 100 and job.status == "succeeded"


def test_a_redelivered_task_keeps_the_first_start_time(org_a, manager, scenario):
    with tenant_scope(org_a):
        job = _job(scenario, _csv("otd_pct,2025-01,97,"), status="running", started_at=EARLIER)
        job = _run(job)
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert (stored.status, stored.started_at, stored.finished_at) == (
            "succeeded",
            EARLIER,
            NOW,
        )


def test_an_excel_file_is_checked_like_a_csv(org_a, manager, scenario):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["KPI_CODE", "Period", "Value"])
    book.active.append(["otd_pct", datetime(2025, 1, 1), 97])  # noqa: DTZ001 - a cell has no zone
    book.active.append(["otd_pct", "2025-02", 96.5])
    buffer = io.BytesIO()
    book.save(buffer)
    with tenant_scope(org_a):
        for name in ("march.XLSX", "march.xlsm"):
            job = _run(_job(scenario, buffer.getvalue(), filename=name))
            assert job.status == "succeeded", job.error
            assert job.result["rows"] == 2
            assert [(r["line"], r["value"], r["errors"]) for r in job.result["sample"]] == [
                (2, "97", []),
                (3, "96.5", []),
            ]


def _failure(scenario, content, filename="figures.csv", **limits):
    job = _run(_job(scenario, content, filename=filename), **limits)
    assert job.status == "failed" and job.result is None
    assert not Measurement.objects.exists()
    return job.error


def test_a_file_that_cannot_be_checked_fails_its_job_with_the_reason(org_a, manager, scenario):
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with tenant_scope(org_a):
        assert _failure(scenario, b"kpi_code,value\notd_pct,97\n") == (
            "Missing column(s): period. Expected a header row with kpi_code, period, value "
            "(and optionally note)."
        )
        assert _failure(scenario, b"\n,,\n\n") == "The file is empty."
        assert _failure(scenario, HEADER.encode() + b",,,\n") == (
            "The file has a header but no data rows."
        )
        assert _failure(scenario, b"kpi_code,period,value\xff\notd_pct,2025-01,97\n") == (
            "Line 1 is not UTF-8 text: save the file as CSV (UTF-8) or .xlsx."
        )
        assert _failure(
            scenario, HEADER.encode() + b'otd_pct,"2025-01' + b"x" * 140_000 + b"\n"
        ) == ("Line 2 has a value of more than 10,000 characters: this is not a table of figures.")
        assert _failure(scenario, b"not a workbook", filename="f.xlsx") == (
            "The Excel file is not a valid Office file. Save it again and upload it again."
        )
        assert _failure(scenario, not_a_workbook.getvalue(), filename="f.xlsx") == (
            "The Excel file cannot be read: open it in Excel, save it again as .xlsx and upload "
            "it again, or export the sheet as CSV."
        )
        [event, *_] = _events("performance.measurement_import.failed")
        assert (event.actor, event.actor_label) == (None, "system: measurement import")
        assert event.changes == {
            "file": "figures.csv",
            "rows": 0,
            "reason": "Missing column(s): period. Expected a header row with kpi_code, period, "
            "value (and optionally note).",
        }
        assert not _events("performance.measurement_import.checked")


@pytest.mark.parametrize("csv_limit", [131_072, sys.maxsize])
def test_a_cell_over_ten_thousand_characters_fails_the_file_whatever_the_csv_modules_limit(
    org_a, manager, scenario, csv_limit
):
    # The csv module's field limit is process-wide (bench/cuad.py raises it while it reads
    # CUAD's labels): the answer must not depend on what ran before in the process.
    previous = csv.field_size_limit(csv_limit)
    try:
        with tenant_scope(org_a):
            for size in (10_001, 140_000):
                content = f"{HEADER}otd_pct,2025-01,97,{'n' * size}\n".encode()
                assert _failure(scenario, content) == (
                    "Line 2 has a value of more than 10,000 characters: this is not a table "
                    "of figures."
                ), size
            at_limit = f"{HEADER}otd_pct,2025-01,97,{'n' * 10_000}\n".encode()
            job = _run(_job(scenario, at_limit))
            assert job.error == ""
    finally:
        csv.field_size_limit(previous)


def test_a_file_of_the_row_limit_is_checked_and_one_row_more_fails(org_a, manager, scenario):
    rows = [f"otd_pct,2024-{m:02d},97," for m in range(1, 5)]
    with tenant_scope(org_a):
        assert _run(_job(scenario, _csv(*rows)), max_rows=4).status == "succeeded"
        assert _failure(scenario, _csv(*rows), max_rows=3) == (
            "The file has more than 3 rows: split it into smaller files."
        )
        assert _failure(scenario, _csv(*rows * 300), max_rows=1000) == (
            "The file has more than 1,000 rows: split it into smaller files."
        )


# --- Confirming and importing -------------------------------------------------------------------


def test_only_a_checked_file_without_errors_can_be_imported(org_a, manager, scenario):
    with tenant_scope(org_a):
        queued = _start(manager, scenario, _upload(_csv("otd_pct,2025-01,97,")))
        with pytest.raises(ConflictError) as refused:
            services.measurement_import_confirm(job=queued, actor=manager)
        assert str(refused.value) == "Only a checked file can be imported."

        failed = _run(_job(scenario, b"a,b\n1,2\n"))
        with pytest.raises(ConflictError) as refused:
            services.measurement_import_confirm(job=failed, actor=manager)
        assert str(refused.value) == "Only a checked file can be imported."

        with_errors = _checked(manager, scenario, "nope,2025-01,97,")
        with pytest.raises(ConflictError) as refused:
            services.measurement_import_confirm(job=with_errors, actor=manager)
        assert str(refused.value) == "Fix the rows with errors and upload the file again."

        no_result = _job(scenario, _csv("otd_pct,2025-01,97,"), status="succeeded")
        with pytest.raises(ConflictError) as refused:
            services.measurement_import_confirm(job=no_result, actor=manager)
        assert str(refused.value) == "Fix the rows with errors and upload the file again."

        imported = _run(
            services.measurement_import_confirm(
                job=_checked(manager, scenario, "otd_pct,2025-01,97,"), actor=manager
            )
        )
        with pytest.raises(ConflictError) as refused:
            services.measurement_import_confirm(job=imported, actor=manager)
        assert str(refused.value) == "Only a checked file can be imported."
        assert len(_events("performance.measurement_import.confirmed")) == 1


def test_confirming_queues_the_import_and_audits_who_confirmed(
    org_a, manager, scenario, make_member, settings, django_capture_on_commit_callbacks
):
    confirmer = make_member(org_a, email="confirmer@alpha.test")
    with tenant_scope(org_a):
        job = _checked(manager, scenario, "otd_pct,2025-01,97,")
        assert job.progress == 100
        confirmed = services.measurement_import_confirm(job=job, actor=confirmer)
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert (stored.stage, stored.status, stored.progress) == ("import", "queued", 0)
        assert confirmed.stage == "import"
        assert job_progress(stored) == 0  # the check's 99 % left the cache with the check
        [event] = _events("performance.measurement_import.confirmed")
        assert (event.actor, event.object_id) == (confirmer, str(job.pk))

        other = _checked(manager, scenario, "otd_pct,2025-02,97,")
    settings.TASKS_INLINE = True
    with tenant_scope(org_a), django_capture_on_commit_callbacks(execute=True) as queued:
        services.measurement_import_confirm(job=other, actor=confirmer)
    assert len(queued) == 1
    with tenant_scope(org_a):
        other.refresh_from_db()
        assert (other.stage, other.status, other.result["created"]) == ("import", "succeeded", 1)


def test_an_import_writes_every_row_as_the_uploaders_and_audits_the_count(
    org_a, manager, scenario, make_member
):
    uploader = make_member(org_a, email="uploader@alpha.test")
    reported = []
    with tenant_scope(org_a):
        job = _run(
            _start(
                uploader,
                scenario,
                _upload(_csv("otd_pct,2025-01,97.25,on time", "defects_ppm,2025-01,100,")),
            )
        )
        checked = dict(job.result)
        job = _run(
            services.measurement_import_confirm(job=job, actor=manager), progress=reported.append
        )
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert (stored.status, stored.stage, stored.progress, stored.error) == (
            "succeeded",
            "import",
            100,
            "",
        )
        assert stored.result == {**checked, "created": 2}
        assert reported == [85]
        rows = Measurement.objects.order_by("kpi__code")
        assert [
            (
                m.organization_id,
                m.partnership_id,
                m.kpi.code,
                m.period_start,
                m.value,
                m.status,
                m.source,
                m.note,
                m.submitted_by,
                m.created_at,
            )
            for m in rows
        ] == [
            (
                org_a.pk,
                scenario["partnership"].pk,
                "defects_ppm",
                date(2025, 1, 1),
                Decimal("100"),
                "approved",
                "import",
                "",
                uploader,
                NOW,
            ),
            (
                org_a.pk,
                scenario["partnership"].pk,
                "otd_pct",
                date(2025, 1, 1),
                Decimal("97.25"),
                "approved",
                "import",
                "on time",
                uploader,
                NOW,
            ),
        ]
        assert list(Scorecard.objects.values_list("period_start", flat=True)) == [date(2025, 1, 1)]
        [event] = _events("performance.measurement_import.imported")
        assert (event.actor, event.actor_label) == (None, "system: measurement import")
        assert event.changes == {"file": "figures.csv", "rows": 2, "created": 2}
        assert len(_events("performance.measurement_import.checked")) == 1


def test_an_import_that_meets_a_recorded_figure_writes_nothing_and_says_where(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        job = _checked(manager, scenario, "otd_pct,2025-01,97,", "otd_pct,2025-02,96,")
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 2, 1),
            value=Decimal("90"),
            today=TODAY,
            now=NOW,
        )
        reported = []
        job = _run(
            services.measurement_import_confirm(job=job, actor=manager),
            progress=reported.append,
            chunk_rows=1,
        )
        stored = MeasurementImport.objects.get(pk=job.pk)
        assert stored.status == "failed"
        assert stored.error == (
            "Line 3: otd_pct already has a value for 2025-02; correct it instead. "
            "Nothing was imported: check the file again."
        )
        assert reported == [85]  # the first row's chunk, rolled back with the rest
        assert stored.progress == 85 and stored.finished_at == NOW
        assert "created" not in stored.result
        assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("90")]
        [event] = _events("performance.measurement_import.failed")
        assert event.changes == {"file": "figures.csv", "rows": 2, "reason": stored.error}
        assert not _events("performance.measurement_import.imported")


def test_csv_files_as_spreadsheets_save_them_are_checked(org_a, manager, scenario):
    """Excel's "CSV UTF-8" (a byte-order mark), semicolons or tabs as separators, a quoted note
    on two lines, and a character cut by the first 4 KB the separator is guessed from."""
    files = {
        "bom": "\ufeff" + HEADER + 'otd_pct,2025-01,97,"first\r\nsecond"\r\n',
        "semicolon": "kpi_code;period;value;note\notd_pct;2025-01;97;first\n",
        "tab": "kpi_code\tperiod\tvalue\tnote\notd_pct\t2025-01\t97\tfirst\n",
    }
    with tenant_scope(org_a):
        for name, text in files.items():
            job = _run(_job(scenario, text.encode()))
            assert job.status == "succeeded", (name, job.error)
            [row] = job.result["sample"]
            assert (row["kpi_code"], row["period"], row["value"], row["errors"]) == (
                "otd_pct",
                "2025-01",
                "97",
                [],
            ), name
        assert row["note"] == "first"
        bom = _run(_job(scenario, files["bom"].encode()))
        assert bom.result["sample"][0]["note"] == "first\r\nsecond"

        start = (HEADER + "otd_pct,2025-01,97,").encode()
        content = start + b"x" * (4095 - len(start)) + "é\n".encode()
        assert content[4095:4097] == "é".encode()  # the 4 KB sample ends inside it
        job = _run(_job(scenario, content))
        assert job.status == "succeeded" and job.result["ok"], job.error


def test_a_blank_line_between_rows_is_skipped_and_the_rows_after_it_checked(
    org_a, manager, scenario
):
    content = _csv("otd_pct,2025-01,97,", ",,,", "", "otd_pct,2025-02,96,")
    with tenant_scope(org_a):
        job = _run(_job(scenario, content))
        assert job.result["ok"] and job.row_count == 2
        assert [row["line"] for row in job.result["sample"]] == [2, 5]


def test_an_excel_formula_is_checked_by_the_value_excel_saved_with_it(org_a, manager, scenario):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["kpi_code", "period", "value"])
    book.active.append(["otd_pct", "2025-01", "=90+4"])
    written = io.BytesIO()
    book.save(written)
    # openpyxl saves no computed value; Excel does: put one in, as Excel would have.
    source, saved = zipfile.ZipFile(written), io.BytesIO()
    with zipfile.ZipFile(saved, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>90+4</f><v></v>", b"<f>90+4</f><v>94</v>")
            target.writestr(item, data)
    with tenant_scope(org_a):
        job = _run(_job(scenario, saved.getvalue(), filename="f.xlsx"))
        assert job.result["ok"], job.result
        assert job.result["sample"][0]["value"] == "94"


def test_every_missing_column_is_named_in_the_refusal():
    stream = io.BytesIO(b"kpi_code,note\notd_pct,x\n")
    with pytest.raises(ImportFileError) as refused:
        list(iter_import_rows(stream, filename="figures.csv", limits=DEFAULT_IMPORT_LIMITS))
    assert str(refused.value) == (
        "Missing column(s): period, value. Expected a header row with kpi_code, period, value "
        "(and optionally note)."
    )


def test_a_row_with_more_cells_than_columns_is_an_error_row_of_its_line(org_a, manager, scenario):
    with tenant_scope(org_a):
        job = _checked(manager, scenario, "otd_pct,2025-01,97,,surplus,cells")
    assert [(r["line"], r["errors"]) for r in job.result["errors"]] == [
        (2, ["malformed row: 6 cells for 4 columns"])
    ]


def test_an_import_counts_the_rows_of_every_chunk(org_a, manager, scenario):
    with tenant_scope(org_a):
        job = _checked(
            manager, scenario, "otd_pct,2025-01,97,", "otd_pct,2025-02,96,", "otd_pct,2025-03,95,"
        )
        services.measurement_import_confirm(job=job, actor=manager)
        job.refresh_from_db()
        _run(job, chunk_rows=2)  # two chunks: 2 rows, then 1
        job.refresh_from_db()
        assert (job.status, job.result["created"]) == ("succeeded", 3)
        assert Measurement.objects.filter(partnership=scenario["partnership"]).count() >= 3


def test_a_long_files_check_reports_the_share_read_rising_to_99(org_a, manager, scenario):
    reported = []
    content = _csv(*["otd_pct,2025-01,97," + "n" * 30] * 3000)  # about 150 KB
    with tenant_scope(org_a):
        _run(_job(scenario, content), progress=reported.append, chunk_rows=500)
    assert len(reported) == 6
    assert 0 < reported[0] < 99  # a share of the file, not the whole of it
    assert reported == sorted(reported) and reported[-1] == 99


def test_a_stage_reads_the_clock_when_it_starts_and_again_when_it_ends(org_a, manager, scenario):
    """The rows carry the moment the stage started; the job's end is a second reading."""
    later = NOW + timedelta(minutes=3)
    with tenant_scope(org_a):
        job = _start(manager, scenario, _upload(_csv("otd_pct,2025-01,97,")))
        checked = services.measurement_import_run(
            job=job, today=TODAY, clock=iter([EARLIER, NOW]).__next__
        )
        assert (checked.started_at, checked.finished_at) == (EARLIER, NOW)
        confirmed = services.measurement_import_confirm(job=checked, actor=manager)
        imported = services.measurement_import_run(
            job=confirmed, today=TODAY, clock=iter([NOW, later]).__next__
        )
        assert imported.finished_at == later
        assert list(Measurement.objects.values_list("created_at", flat=True)) == [NOW]
