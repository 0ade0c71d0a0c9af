"""Measurement imports as background jobs (tenancy.jobs): upload → check → confirm → import.

The web request only stores the upload (streamed to storage, never read into memory or the
session) and enqueues the check. The task reads the file as a stream, one row at a time, and
keeps a bounded sample, the error rows and the (KPI, month) keys it has seen: a million-row
file costs the worker tens of MB and the web worker nothing. The import stage reads the file
again, checks every row once more (figures may have been recorded since the check) and writes
all rows or none.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from partnerships.models import Partnership
from performance.models import (
    IMPORT_STAGE_LIFECYCLE,
    Kpi,
    Measurement,
    MeasurementImport,
    Source,
)
from performance.services.measurements import IMPORT_COLUMNS, ImportRow, check_row
from performance.services.scorecards import scorecards_recompute
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.filesize import MB, limit_text, over_limit_texts
from tenancy.jobs import JOB_LIFECYCLE, enqueue, job_progress_clear, job_progress_set
from tenancy.models import User
from tenancy.uploads import ArchiveRefused, check_office_archive

logger = logging.getLogger(__name__)

IMPORT_TASK = "performance.tasks.measurement_import_run"
EXTENSIONS = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class ImportLimits:
    """What one import may hold; the page states them beside the upload field."""

    max_bytes: int = 50 * MB
    max_rows: int = 1_000_000
    sample_rows: int = 20
    max_error_rows: int = 5_000
    chunk_rows: int = 5_000


DEFAULT_IMPORT_LIMITS = ImportLimits()
# A figure, a code or a note: no cell of a table of figures is longer.
CELL_MAX_CHARS = 10_000


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is for the person who uploaded it."""


@transaction.atomic
def measurement_import_start(
    *,
    actor: User | None,
    partnership: Partnership,
    upload,
    limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
) -> MeasurementImport:
    """Store an uploaded CSV/Excel file and queue its check. Refuses a file over the size limit
    or of another type, with the limit in the message."""
    name = (upload.name or "").rsplit("/", 1)[-1][:255]
    if not name.lower().endswith(EXTENSIONS):
        raise ValidationError({"file": "Upload a CSV (UTF-8) or an Excel .xlsx file."})
    if upload.size > limits.max_bytes:
        size, limit = over_limit_texts(upload.size, limits.max_bytes)
        raise ValidationError(
            {"file": f"The file is {size}; the limit is {limit}. Split it into smaller files."}
        )
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    job = MeasurementImport(
        organization=require_organization(),
        partnership=partnership,
        filename=name,
        size=upload.size,
        uploaded_by=actor,
    )
    job.file.save(name, upload, save=False)  # streamed chunk by chunk to storage
    job.save()
    audit_record(
        action="performance.measurement_import.uploaded",
        actor=actor,
        obj=job,
        changes={"file": name, "size": upload.size},
    )
    enqueue(IMPORT_TASK, organization_id=job.organization_id, import_id=job.pk)
    return job


@transaction.atomic
def measurement_import_confirm(*, job: MeasurementImport, actor: User | None) -> MeasurementImport:
    """The user read the check and imports every row: the job is queued again for writing."""
    from tenancy.errors import ConflictError

    job = MeasurementImport.objects.select_for_update().get(pk=job.pk)
    if job.status != job.job_states.succeeded or job.stage != MeasurementImport.Stage.CHECK:
        raise ConflictError("Only a checked file can be imported.")
    if not (job.result or {}).get("ok"):
        raise ConflictError("Fix the rows with errors and upload the file again.")
    IMPORT_STAGE_LIFECYCLE.check(job.stage, MeasurementImport.Stage.IMPORT)
    job.stage = MeasurementImport.Stage.IMPORT
    job.status = job.job_states.queued
    job.progress = 0
    job.save(update_fields=["stage", "status", "progress"])
    audit_record(action="performance.measurement_import.confirmed", actor=actor, obj=job)
    enqueue(IMPORT_TASK, organization_id=job.organization_id, import_id=job.pk)
    return job


# --- reading the file as a stream ---------------------------------------------------------------


def _rows_of_csv(stream) -> Iterator[tuple[int, list]]:
    sample = stream.read(4096)
    stream.seek(0)
    try:
        dialect = csv.Sniffer().sniff(
            sample.decode("utf-8-sig", errors="ignore"), delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, dialect)
    too_long = (
        "Line {line} has a value of more than {limit:,} characters: this is not a table of figures."
    )
    try:
        for cells in reader:
            # Checked here, not left to the csv module's field limit: that limit is
            # process-wide, and whatever raised it before must not change this answer.
            if any(len(cell) > CELL_MAX_CHARS for cell in cells):
                raise ImportFileError(too_long.format(line=reader.line_num, limit=CELL_MAX_CHARS))
            yield reader.line_num, cells
        text.detach()  # the caller still reads the stream's position and closes it
    except UnicodeDecodeError:
        raise ImportFileError(
            f"Line {reader.line_num + 1} is not UTF-8 text: save the file as CSV (UTF-8) or .xlsx."
        ) from None
    except csv.Error as error:
        # The module's own field limit (128 KiB unless raised), or a malformed line; its text
        # is Python's, not the user's, so it is translated here.
        raise ImportFileError(
            too_long.format(line=reader.line_num, limit=CELL_MAX_CHARS)
            if "field limit" in str(error)
            else f"The CSV file is malformed near line {reader.line_num}: check its quotes."
        ) from None


def _rows_of_xlsx(stream) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    content = stream.read()
    try:
        check_office_archive(content, name="The Excel file")
    except ArchiveRefused as error:
        raise ImportFileError(str(error)) from None
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(row)
    except ImportFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is a user error
        logger.info("unreadable workbook: %r", error)
        raise ImportFileError(
            "The Excel file cannot be read: open it in Excel, save it again as .xlsx and upload "
            "it again, or export the sheet as CSV."
        ) from None


def iter_import_rows(stream, *, filename: str, limits: ImportLimits) -> Iterator[tuple[int, dict]]:
    """(line, {column: cell}) for each data row; ImportFileError for a problem of the file."""
    is_excel = filename.lower().endswith((".xlsx", ".xlsm"))
    rows = _rows_of_xlsx(stream) if is_excel else _rows_of_csv(stream)
    header = None
    count = 0
    for line, cells in rows:
        if not any(cell not in (None, "") for cell in cells):
            continue
        if header is None:
            header = [str(cell or "").strip().lower() for cell in cells]
            missing = [column for column in IMPORT_COLUMNS if column not in header]
            if missing:
                raise ImportFileError(
                    f"Missing column(s): {', '.join(missing)}. Expected a header row with "
                    "kpi_code, period, value (and optionally note)."
                )
            continue
        count += 1
        if count > limits.max_rows:
            raise ImportFileError(
                f"The file has more than {limits.max_rows:,} rows: split it into smaller files."
            )
        if len(cells) > len(header):
            yield line, {"__error__": f"{len(cells)} cells for {len(header)} columns"}
        else:
            yield line, {header[i]: cells[i] for i in range(len(cells))}
    if header is None:
        raise ImportFileError("The file is empty.")
    if count == 0:
        raise ImportFileError("The file has a header but no data rows.")


# --- the task's work ----------------------------------------------------------------------------


@dataclass
class _Pass:
    rows: int = 0
    created: int = 0
    error_count: int = 0


def _sample_row(row: ImportRow) -> dict:
    return {
        "line": row.line,
        "kpi_code": row.kpi_code,
        "period": f"{row.period:%Y-%m}" if row.period else "",
        "value": None if row.value is None else f"{row.value.normalize():f}",  # never "1E+2"
        "unit": row.kpi.unit if row.kpi else "",
        "note": row.note[:100],
        "errors": row.errors,
    }


def _checked_chunks(
    *,
    partnership: Partnership,
    raw_rows: Iterator[tuple[int, dict]],
    today: date,
    limits: ImportLimits,
) -> Iterator[list[ImportRow]]:
    """Rows checked one by one (the same rule as a typed figure), in chunks: each chunk also
    checked against the file's earlier rows and against figures already recorded."""
    kpis = {kpi.code: kpi for kpi in Kpi.objects.filter(partnership=partnership)}
    seen: dict[tuple[int, int], int] = {}
    chunk: list[ImportRow] = []

    def finish(chunk: list[ImportRow]) -> list[ImportRow]:
        keys = {(r.kpi.pk, r.period) for r in chunk if r.kpi is not None and r.period}
        if keys:
            existing = set(
                Measurement.objects.filter(
                    kpi_id__in={k for k, _ in keys}, period_start__in={p for _, p in keys}
                ).values_list("kpi_id", "period_start")
            )
            for row in chunk:
                if row.kpi is not None and (row.kpi.pk, row.period) in existing:
                    row.errors.append(
                        f"{row.kpi.code} already has a value for {row.period:%Y-%m}; "
                        "correct it instead"
                    )
        return chunk

    for line, raw in raw_rows:
        row = check_row(raw=raw, line=line, kpis=kpis, partnership=partnership, today=today)
        if row.kpi is not None and row.period is not None:
            key = (row.kpi.pk, row.period.toordinal())
            first = seen.setdefault(key, line)
            if first != line:
                row.errors.append(
                    f"duplicate period {row.period:%Y-%m} for {row.kpi.code} (also on line {first})"
                )
        chunk.append(row)
        if len(chunk) >= limits.chunk_rows:
            yield finish(chunk)
            chunk = []
    if chunk:
        yield finish(chunk)


def measurement_import_run(
    *,
    job: MeasurementImport,
    today: date,
    clock: Callable[[], datetime],
    limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
    progress: Callable[[int], None] | None = None,
) -> MeasurementImport:
    """Run the job's current stage (check or import). A rerun of a finished job changes nothing.
    A problem of the file fails the job with the reason; row errors are the check's result.
    `clock` is read when the stage starts (the stamp of every row it writes) and when it ends."""
    job = MeasurementImport.objects.select_for_update().get(pk=job.pk)
    if job.is_finished:
        return job
    JOB_LIFECYCLE.check(job.status, job.job_states.running)
    now = clock()
    job.status = job.job_states.running
    job.started_at = job.started_at or now
    job.save(update_fields=["status", "started_at"])

    def report(percent: int) -> None:
        job_progress_set(job, percent)
        if progress is not None:
            progress(percent)

    importing = job.stage == MeasurementImport.Stage.IMPORT
    state = _Pass()
    periods: set[date] = set()
    sample: list[dict] = []
    errors: list[dict] = []
    try:
        with job.file.open("rb") as stream, transaction.atomic():
            raw_rows = iter_import_rows(stream, filename=job.filename, limits=limits)
            for chunk in _checked_chunks(
                partnership=job.partnership, raw_rows=raw_rows, today=today, limits=limits
            ):
                for row in chunk:
                    state.rows += 1
                    if row.period is not None:
                        periods.add(row.period)
                    if len(sample) < limits.sample_rows:
                        sample.append(_sample_row(row))
                    if row.errors:
                        state.error_count += 1
                        if len(errors) < limits.max_error_rows:
                            errors.append(_sample_row(row))
                if importing:
                    if state.error_count:
                        raise ImportFileError(
                            f"Line {errors[0]['line']}: {errors[0]['errors'][0]}. Nothing was "
                            "imported: check the file again."
                        )
                    state.created += _insert(job=job, rows=chunk, now=now)
                share = stream.tell() / max(job.size, 1)
                report(int((85 if importing else 99) * min(share, 1)))
            if importing:
                periods = {date.fromisoformat(p) for p in (job.result or {}).get("periods", [])}
                scorecards_recompute(partnership=job.partnership, periods=periods, now=now)
    except ImportFileError as error:
        return _finish(job, now=clock(), failed=str(error))
    result = {
        "ok": state.rows > 0 and state.error_count == 0,
        "rows": state.rows,
        "error_count": state.error_count,
        "errors_shown": len(errors),
        "sample": sample,
        "errors": errors,
        "periods": sorted(p.isoformat() for p in periods),
    }
    if importing:
        result = {**(job.result or {}), "created": state.created}
    job.row_count = state.rows
    return _finish(job, now=clock(), result=result)


# One INSERT … SELECT FROM unnest(arrays) per chunk, not an INSERT per row: the rows are already
# checked, so the database only stores them (constraints, indexes and row-level security still
# apply; COPY FROM is refused on a table with row-level security).
_INSERT_SQL = """
INSERT INTO performance_measurement (organization_id, partnership_id, kpi_id, period_start, value,
    status, source, note, submitted_by_id, created_at)
SELECT %(organization)s, %(partnership)s, k, p, v, 'approved', %(source)s, n, %(user)s, %(now)s
FROM unnest(%(kpis)s::bigint[], %(periods)s::date[], %(values)s::numeric[], %(notes)s::text[])
    AS r(k, p, v, n)
"""


def _insert(*, job: MeasurementImport, rows: list[ImportRow], now: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL,
            {
                "organization": job.organization_id,
                "partnership": job.partnership_id,
                "source": Source.IMPORT.value,
                "user": job.uploaded_by_id,
                "now": now,
                "kpis": [row.kpi.pk for row in rows if row.kpi is not None],
                "periods": [row.period for row in rows],
                "values": [row.value for row in rows],
                "notes": [row.note for row in rows],
            },
        )
        return cursor.rowcount


def _finish(
    job: MeasurementImport, *, now: datetime, result: dict | None = None, failed: str = ""
) -> MeasurementImport:
    target = job.job_states.failed if failed else job.job_states.succeeded
    JOB_LIFECYCLE.check(job.status, target)
    job.status = target
    job.error = failed
    if result is not None:
        job.result = result
    job.progress = 100 if not failed else job.progress
    job.finished_at = now
    job.save(update_fields=["status", "error", "result", "progress", "finished_at", "row_count"])
    job_progress_clear(job)
    if failed:
        action = "failed"
    elif job.stage == MeasurementImport.Stage.IMPORT:
        action = "imported"
    else:
        action = "checked"
    audit_record(
        action=f"performance.measurement_import.{action}",
        actor=None,
        actor_label="system: measurement import",
        obj=job,
        changes={
            "file": job.filename,
            "rows": job.row_count,
            **({"reason": failed} if failed else {}),
            **({"created": (job.result or {}).get("created", 0)} if action == "imported" else {}),
        },
    )
    return job


def import_limits() -> ImportLimits:
    """The deployment's limits (setting PERFORMANCE_IMPORT_LIMITS), read by the page and the
    task and passed to the services."""
    from django.conf import settings

    return getattr(settings, "PERFORMANCE_IMPORT_LIMITS", None) or DEFAULT_IMPORT_LIMITS


def import_limits_text(limits: ImportLimits = DEFAULT_IMPORT_LIMITS) -> str:
    return f"At most {limit_text(limits.max_bytes)} and {limits.max_rows:,} rows per file."
