"""Celery tasks of the contracts module: thin wrappers that load by id and call a service."""

from celery import shared_task
from django.utils import timezone

from contracts import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task(job=("contracts.IntakeJob", "job_id"))
def intake_process(*, organization_id: int, job_id: int) -> str:
    """Read one uploaded contract (idempotent: a finished job is left as it is)."""
    return services.intake_job_run(job_id=job_id, clock=timezone.now).status


@tenant_task()
def contract_alerts(*, organization_id: int, today: str | None = None) -> dict:
    """Notice-deadline alerts and overdue obligations of one organization, for `today`."""
    day = timezone.localdate() if today is None else _date(today)
    return {
        "notice_alerts": services.notice_alerts_send(today=day),
        "overdue_obligations": services.obligations_notify_overdue(today=day),
    }


@shared_task(**TASK_DEFAULTS)
def contract_alerts_all_tenants() -> int:
    """The daily job: one `contract_alerts` task per organization."""
    return for_each_tenant(contract_alerts)


def _date(value: str):
    from datetime import date

    return date.fromisoformat(value)
