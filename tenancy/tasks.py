"""Celery tasks re-enter their tenant (pretix's event-task pattern).

A tenant task takes `organization_id` as a keyword argument; `TenantTask` loads the organization
and runs the body inside `tenant_scope`, so the ORM filter and row-level security hold exactly as
in a request, and the context is gone when the task returns. Enqueue with `delay_on_commit` so a
task never runs before the data it needs is committed. Scheduled jobs are `system` tasks that loop
over organizations and enqueue one tenant task each (`for_each_tenant`).
"""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from tenancy.context import tenant_scope
from tenancy.models import Organization
from tenancy.outbox import outbox_deliver_due
from tenancy.services import notifications_purge_read

TASK_DEFAULTS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 300,
    "time_limit": 360,
}


class TenantTask(DjangoTask):  # DjangoTask: delay_on_commit / apply_async_on_commit
    abstract = True

    def __call__(self, *args, **kwargs):
        organization_id = kwargs.get("organization_id")
        if organization_id is None:
            raise TypeError(f"{self.name} is a tenant task: pass organization_id=…")
        organization = Organization.objects.get(pk=organization_id)
        with tenant_scope(organization):
            return super().__call__(*args, **kwargs)


def tenant_task(**options):
    """Decorator for a task that runs inside one organization."""
    return shared_task(base=TenantTask, bind=False, **{**TASK_DEFAULTS, **options})


def for_each_tenant(task, **kwargs) -> int:
    """Enqueue `task` once per organization (after commit); returns how many were enqueued."""
    count = 0
    for organization_id in Organization.objects.values_list("pk", flat=True).order_by("pk"):
        task.delay_on_commit(organization_id=organization_id, **kwargs)
        count += 1
    return count


@tenant_task()
def notifications_purge(*, organization_id: int, older_than_days: int = 90) -> int:
    return notifications_purge_read(older_than_days=older_than_days)


@shared_task(**TASK_DEFAULTS)
def notifications_purge_all_tenants() -> int:
    return for_each_tenant(notifications_purge)


@shared_task(name="tenancy.tasks.outbox_deliver", **{**TASK_DEFAULTS, "autoretry_for": ()})
def outbox_deliver() -> dict:
    """Send what is due in the outbox (a system task: the outbox spans organizations)."""
    from django.utils import timezone

    return outbox_deliver_due(now=timezone.now())


@tenant_task()
def tenant_probe(*, organization_id: int) -> dict:
    """Reports the tenant seen inside a task; used by the isolation and worker tests."""
    from django.db import connection

    from tenancy.context import current_organization

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.organization_id', true), current_user")
        setting, role = cursor.fetchone()
    organization = current_organization()
    return {
        "context_organization_id": organization.pk if organization else None,
        "database_organization_id": setting,
        "database_role": role,
    }
