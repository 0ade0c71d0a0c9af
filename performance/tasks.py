"""Celery jobs of the performance module. Each takes ids, re-enters its tenant (TenantTask) and
calls one service; each is idempotent (unique keys and `notified_at`/`reminded_at` markers)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from performance import services
from performance.models import MeasurementImport, ScorecardReport
from performance.periods import add_months, month_start
from tenancy.jobs import enqueue
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task()
def sla_breach_check(*, organization_id: int, period_from: str, period_to: str) -> dict:
    result = services.sla_breach_check(
        period_from=date.fromisoformat(period_from),
        period_to=date.fromisoformat(period_to),
        now=timezone.now(),
    )
    return {
        "breaches_created": result.breaches_created,
        "termination_triggers": result.termination_triggers,
        "rcas_opened": result.rcas_opened,
        "notifications": result.notifications,
    }


@shared_task(**TASK_DEFAULTS)
def sla_breach_check_all_tenants() -> int:
    """Daily: the last three months, so late figures are still checked (reruns are no-ops)."""
    this_month = month_start(timezone.now().date())
    return for_each_tenant(
        sla_breach_check,
        period_from=add_months(this_month, -3).isoformat(),
        period_to=this_month.isoformat(),
    )


# lock_on: two deliveries at once render one after the other; the second finds the PDF made.
@tenant_task(soft_time_limit=120, time_limit=180, lock_on=("report_id",))
def scorecard_report_generate(*, organization_id: int, report_id: int) -> str:
    report = ScorecardReport.objects.select_related("partnership__partner").get(pk=report_id)
    return services.report_run(report=report, now=timezone.now())


@tenant_task()
def scorecard_reports_monthly(*, organization_id: int, period_start: str) -> int:
    reports = services.reports_monthly_batch(
        period_start=date.fromisoformat(period_start), now=timezone.now()
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
    """On the 3rd of each month: last month's PDF scorecard for every active partnership."""
    last_month = add_months(month_start(timezone.now().date()), -1)
    return for_each_tenant(scorecard_reports_monthly, period_start=last_month.isoformat())


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
