"""Celery jobs of the performance module. Each takes ids, re-enters its tenant (TenantTask) and
calls one service; each is idempotent (unique keys and `notified_at`/`reminded_at` markers)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from performance import services
from performance.models import MeasurementImport, ScorecardReport
from tenancy.jobs import enqueue
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task()
def sla_breach_check(
    *, organization_id: int, period_from: str | None = None, period_to: str | None = None
) -> dict:
    """The given months, or by default the service's recent window (the organization's)."""
    now = timezone.now()
    if period_from and period_to:
        result = services.sla_breach_check(
            period_from=date.fromisoformat(period_from),
            period_to=date.fromisoformat(period_to),
            now=now,
        )
    else:
        result = services.sla_breach_check_recent(now=now)
    return {
        "breaches_created": result.breaches_created,
        "termination_triggers": result.termination_triggers,
        "rcas_opened": result.rcas_opened,
        "notifications": result.notifications,
    }


@shared_task(**TASK_DEFAULTS)
def sla_breach_check_all_tenants() -> int:
    """Daily: each organization checks its last three months (the month is its own)."""
    return for_each_tenant(sla_breach_check)


# lock_on: two deliveries at once render one after the other; the second finds the PDF made.
@tenant_task(job=("performance.ScorecardReport", "report_id"), soft_time_limit=120, time_limit=180)
def scorecard_report_generate(*, organization_id: int, report_id: int) -> str:
    report = ScorecardReport.objects.select_related("partnership__partner").get(pk=report_id)
    return services.report_run(report=report, now=timezone.now())


@tenant_task()
def scorecard_reports_monthly(*, organization_id: int, period_start: str | None = None) -> int:
    """The scorecards of `period_start`'s month, by default last month (the organization's)."""
    now = timezone.now()
    reports = (
        services.reports_monthly_batch(period_start=date.fromisoformat(period_start), now=now)
        if period_start
        else services.reports_last_month_batch(now=now)
    )
    for report in reports:
        enqueue(
            "performance.tasks.scorecard_report_generate",
            organization_id=organization_id,
            report_id=report.pk,
        )
    return len(reports)


@shared_task(**TASK_DEFAULTS)
def scorecard_reports_monthly_all_tenants() -> int:
    """On the 3rd of each month: last month's PDF scorecard for every active partnership (each
    organization's last month, in its time zone)."""
    return for_each_tenant(scorecard_reports_monthly)


@tenant_task()
def qbr_reminders(*, organization_id: int) -> int:
    return services.qbr_reminders_send(now=timezone.now())


@shared_task(**TASK_DEFAULTS)
def qbr_reminders_all_tenants() -> int:
    return for_each_tenant(qbr_reminders)


@tenant_task(
    job=("performance.MeasurementImport", "import_id"), soft_time_limit=1200, time_limit=1260
)
def measurement_import_run(*, organization_id: int, import_id: int) -> str:
    """Check or import an uploaded measurement file (the job's stage); a finished job is left
    as it is, so a redelivery changes nothing."""
    job = MeasurementImport.objects.select_related("partnership").get(pk=import_id)
    return services.measurement_import_run(
        job=job,
        today=timezone.localdate(),
        clock=timezone.now,
        limits=services.import_limits(),
    ).status
