"""PDF scorecard reports."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from partnerships.models import Partnership
from performance.models import (
    REPORT_LIFECYCLE,
    ScorecardReport,
)
from performance.periods import add_months, month_start
from performance.services.scorecards import scorecard_compute
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import TransitionNotAllowed
from tenancy.jobs import job_progress_set, unexpected_failure
from tenancy.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def report_request(
    *, partnership: Partnership, period_start: date, actor: User | None
) -> ScorecardReport:
    """Queue a PDF of the partnership's scorecard for a month (one report row per month)."""
    period = month_start(period_start)
    report, _ = ScorecardReport.objects.select_for_update().get_or_create(
        partnership=partnership,
        period_start=period,
        defaults={"organization": require_organization(), "requested_by": actor},
    )
    try:
        REPORT_LIFECYCLE.check(report.status, ScorecardReport.Status.QUEUED)
    except TransitionNotAllowed:
        return report  # running: the delivery under way makes it; left as it is, not audited
    report.status = ScorecardReport.Status.QUEUED
    report.progress = 0
    report.error = ""
    report.requested_by = actor or report.requested_by
    report.save(update_fields=["status", "progress", "error", "requested_by"])
    audit_record(action="performance.scorecard_report.requested", actor=actor, obj=report)
    return report


def _stored_status(report_pk: int) -> str:
    """The report's status as stored, its row locked until the transaction ends."""
    return (
        ScorecardReport.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=report_pk)
    )


def _move(report_pk: int, status: str, **fields) -> None:
    """Move the stored report to `status` through its lifecycle, under its row lock."""
    REPORT_LIFECYCLE.check(_stored_status(report_pk), status)
    ScorecardReport.objects.filter(pk=report_pk).update(status=status, **fields)


@transaction.atomic
def report_generate(*, report: ScorecardReport, now: datetime) -> ScorecardReport:
    """Render the PDF (WeasyPrint) and store it. Progress goes to the cache, since this runs in
    one transaction that other connections cannot see until it commits. Only a running report
    is generated (report_run moves it there first)."""
    from performance.pdf import render_scorecard_pdf

    REPORT_LIFECYCLE.check(_stored_status(report.pk), ScorecardReport.Status.DONE)

    def progress(percent: int) -> None:
        job_progress_set(report, percent)

    progress(5)
    pdf = render_scorecard_pdf(
        partnership=report.partnership, period_start=report.period_start, progress=progress
    )
    # One name per report (organization and report ids keep tenants and partnerships apart), so
    # a delivery whose worker died after writing the file but before committing leaves nothing
    # behind: the next delivery writes over it instead of beside it.
    name = (
        f"scorecard-{report.organization_id}-{report.pk}-{report.partnership.code}"
        f"-{report.period_start:%Y-%m}.pdf"
    )
    if report.file:
        report.file.delete(save=False)
    target = report.file.field.generate_filename(report, name)
    if report.file.storage.exists(target):
        report.file.storage.delete(target)  # an orphan of an interrupted delivery
    report.file.save(name, ContentFile(pdf), save=False)
    report.status = ScorecardReport.Status.DONE
    report.progress = 100
    report.generated_at = now
    report.error = ""
    report.save()
    progress(100)
    audit_record(action="performance.scorecard_report.generated", obj=report)
    return report


def report_run(*, report: ScorecardReport, now: datetime) -> str:
    """Generate a requested report once: running → done, or failed with the reason.

    The render runs in its own savepoint so a failure rolls back a half-stored file while the
    failed status and its reason are still recorded.
    """
    if report.status == ScorecardReport.Status.DONE and report.file:
        return report.status  # an earlier run already made it
    with transaction.atomic():
        _move(report.pk, ScorecardReport.Status.RUNNING)
    report.status = ScorecardReport.Status.RUNNING
    try:
        with transaction.atomic():
            report = report_generate(report=report, now=now)
    except Exception:  # noqa: BLE001 - a failed render is recorded, not retried forever
        logger.exception("scorecard report %s failed", report.pk)
        with transaction.atomic():
            _move(
                report.pk,
                ScorecardReport.Status.FAILED,
                error=unexpected_failure("The PDF could not be made.", try_again=True),
            )
        return ScorecardReport.Status.FAILED
    return report.status


def reports_monthly_batch(*, period_start: date, now: datetime) -> list[ScorecardReport]:
    """Queue the month's scorecard PDF for every active partnership (existing ones are reused)."""
    period = month_start(period_start)
    reports = []
    for partnership in Partnership.objects.filter(status=Partnership.Status.ACTIVE):
        existing = ScorecardReport.objects.filter(
            partnership=partnership, period_start=period, status=ScorecardReport.Status.DONE
        ).first()
        if existing is not None:
            continue  # already generated: a rerun of the batch adds nothing
        scorecard_compute(partnership=partnership, period_start=period, now=now)
        reports.append(report_request(partnership=partnership, period_start=period, actor=None))
    return reports


def reports_last_month_batch(*, now: datetime) -> list[ScorecardReport]:
    """The monthly run: last month's scorecard PDFs, the month counted in the organization's
    time zone (the tenant task activates it)."""
    return reports_monthly_batch(
        period_start=add_months(month_start(timezone.localdate(now)), -1), now=now
    )
