"""Celery jobs of the partnerships module: thin wrappers that re-enter the tenant (TenantTask)
and call one service. The milestone check is idempotent: a missed milestone is escalated once
(a unique constraint), so a rerun the same day raises nothing."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from partnerships import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task()
def onboarding_milestones_check(*, organization_id: int, today: str | None = None) -> dict:
    """Escalate the missed onboarding milestones of one organization."""
    day = timezone.localdate() if today is None else date.fromisoformat(today)
    return {"escalated": services.onboarding_milestones_check(today=day)}


@shared_task(**TASK_DEFAULTS)
def onboarding_milestones_check_all_tenants() -> int:
    """The daily job: one `onboarding_milestones_check` task per organization."""
    return for_each_tenant(onboarding_milestones_check)
