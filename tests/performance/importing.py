"""Importing a file as the page does, in one call: upload it to the import job, run the job's
check and, when asked and the check found no error, confirm it and run the import."""

from datetime import UTC, date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from performance import services
from performance.models import MeasurementImport
from tests.performance.factories import TODAY

NOW = datetime(2027, 6, 15, 9, tzinfo=UTC)


def import_file(
    actor,
    partnership,
    content: bytes,
    *,
    filename: str = "figures.csv",
    confirm: bool = True,
    today: date = TODAY,
) -> MeasurementImport:
    """The job after its check (`confirm=False`, or a check with errors or a failed file) or
    after its import."""
    job = services.measurement_import_start(
        actor=actor, partnership=partnership, upload=SimpleUploadedFile(filename, content)
    )
    job = services.measurement_import_run(job=job, today=today, clock=lambda: NOW)
    if confirm and job.status == "succeeded" and job.result["ok"]:
        job = services.measurement_import_confirm(job=job, actor=actor)
        job = services.measurement_import_run(job=job, today=today, clock=lambda: NOW)
    return job


def row_errors(job: MeasurementImport) -> list[tuple[int, str]]:
    """Every row error of the check, with its line in the file."""
    return [(row["line"], message) for row in job.result["errors"] for message in row["errors"]]


def created(job: MeasurementImport) -> int:
    return (job.result or {}).get("created", 0)
