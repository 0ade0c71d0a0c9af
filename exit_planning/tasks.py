"""Celery jobs of the exit_planning module: thin wrappers that re-enter the tenant and call the
service. Idempotent: a wind-down opens once per plan and a trigger fires once per condition
(its dedupe key), so a rerun the same day changes nothing."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from exit_planning import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task()
def exit_daily(*, organization_id: int, today: str | None = None) -> dict:
    """One organization: open the wind-downs that are due, evaluate the exit triggers."""
    day = timezone.localdate() if today is None else date.fromisoformat(today)
    return asdict(services.exit_daily_run(today=day))


@shared_task(**TASK_DEFAULTS)
def exit_daily_all_tenants() -> int:
    """The daily job: one `exit_daily` task per organization."""
    return for_each_tenant(exit_daily)
