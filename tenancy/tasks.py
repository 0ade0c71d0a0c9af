"""Celery tasks re-enter their tenant (pretix's event-task pattern).

A tenant task takes `organization_id` as a keyword argument; `TenantTask` loads the organization
and runs the body inside `tenant_scope`, so the ORM filter and row-level security hold exactly as
in a request, and the context is gone when the task returns. Services enqueue through
`tenancy.jobs.enqueue` (after commit, by task name). Scheduled jobs are `system` tasks that loop
over organizations and enqueue one tenant task each (`for_each_tenant`).

Every task gets, from its base class (`LimitedTask`, in TASK_DEFAULTS; `TenantTask` for tenant
tasks):
- a redelivery limit: `acks_late` with `reject_on_worker_lost` redelivers a task whose worker
  died (out of memory, killed by the hard time limit). Deliveries of one task id (per retry) are
  counted in Redis; past `TASK_MAX_DELIVERIES` (3) the task is not run again and, when it works
  on a job (`job=("app.Model", "kwarg")`), the job is marked failed with a reason the user sees
  (`REDELIVERY_REASON`, or the model's own `redelivery_reason`).
- running twice at once is safe (tenant tasks): the body runs under a transaction-level advisory
  lock on the task's name and its object (`lock_on=("report_id",)`, the job's kwarg, or by
  default all its arguments), so a second delivery waits for the first to commit and then finds
  the work done (the services check the state).
"""

import logging
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from tenancy.context import tenant_scope
from tenancy.jobs import enqueue
from tenancy.models import Organization
from tenancy.outbox import outbox_deliver_due
from tenancy.services import notifications_purge_read

logger = logging.getLogger(__name__)

REDELIVERY_REASON = (
    "Processing stopped {count} times before it could finish, so it was not tried again. "
    "The file may be too large or damaged: check it and upload it again."
)


def max_deliveries() -> int:
    return getattr(settings, "TASK_MAX_DELIVERIES", 3)


def delivery_key(task_id: str, retries: int) -> str:
    return f"celery:deliveries:{task_id}:{retries}"


def delivery_count(task_id: str, retries: int = 0) -> int:
    """Count one more delivery of a task id (per retry); returns the count so far."""
    key = delivery_key(task_id, retries)
    cache.add(key, 0, 86_400)
    return cache.incr(key)


# DjangoTask: delay_on_commit / apply_async_on_commit. Generic only in the stubs (any signature).
class LimitedTask(DjangoTask):  # type: ignore[type-arg]
    """Base of every task (TASK_DEFAULTS): not run again past the redelivery limit."""

    abstract = True

    def _redelivered_too_often(self) -> int:
        """Count this delivery; past the limit, the number of runs that died (else 0)."""
        task_id = getattr(self.request, "id", None)
        if not task_id:
            return 0  # called directly, not delivered
        count = delivery_count(task_id, self.request.retries or 0)
        if count <= max_deliveries():
            return 0
        logger.error(
            "task %s[%s] delivered %s times without finishing; not running it again",
            self.name,
            task_id,
            count,
        )
        return count - 1

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._redelivered_too_often():
            return None
        return super().__call__(*args, **kwargs)


TASK_DEFAULTS: dict[str, Any] = {
    "base": LimitedTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 300,
    "time_limit": 360,
}


class TenantTask(LimitedTask):
    abstract = True
    # ("app_label.Model", "kwarg naming its pk"): the job this task works on, failed with a
    # reason when the task is delivered too often.
    job: tuple[str, str] | None = None
    # kwargs naming the object the task writes: deliveries with the same values run one at a
    # time. Default: the job's kwarg, else every argument (the same call never runs twice at
    # once).
    lock_on: tuple[str, ...] = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        organization_id = kwargs.get("organization_id")
        if organization_id is None:
            raise TypeError(f"{self.name} is a tenant task: pass organization_id=…")
        organization = Organization.objects.get(pk=organization_id)
        failed_runs = self._redelivered_too_often()
        if failed_runs:
            self._give_up(organization, kwargs, failed_runs)
            return None
        # The organization's time zone, as the middleware does for a request: a task's "today"
        # and "this month" (timezone.localdate) are the organization's, not the server's.
        with tenant_scope(organization), timezone.override(organization.zone):
            self._lock(organization_id, kwargs)
            return DjangoTask.__call__(self, *args, **kwargs)

    def _lock_keys(self, kwargs: dict[str, Any]) -> tuple[str, ...]:
        if self.lock_on:
            return tuple(self.lock_on)
        return (self.job[1],) if self.job else tuple(sorted(kwargs))

    def _lock(self, organization_id: int, kwargs: dict[str, Any]) -> None:
        keys = self._lock_keys(kwargs)
        values = ":".join(str(kwargs.get(key)) for key in keys)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"task:{self.name}:{organization_id}:{values}"],
            )

    def _give_up(
        self, organization: Organization, kwargs: dict[str, Any], failed_runs: int
    ) -> None:
        if not self.job:
            return
        label, kwarg = self.job
        with tenant_scope(organization):
            from tenancy.jobs import job_fail

            model = apps.get_model(label)
            # A job that is not an upload says what stopped in its own words.
            reason = getattr(model, "redelivery_reason", REDELIVERY_REASON)
            job_fail(
                model=model,
                pk=kwargs.get(kwarg),
                reason=reason.format(count=failed_runs),
                now=timezone.now(),
            )


def tenant_task(**options: Any) -> Any:
    """Decorator for a task that runs inside one organization."""
    return shared_task(**{**TASK_DEFAULTS, "base": TenantTask, "bind": False, **options})


def for_each_tenant(task: Any, **kwargs: Any) -> int:
    """Enqueue `task` once per organization (after commit); returns how many were enqueued."""
    count = 0
    for organization_id in Organization.objects.values_list("pk", flat=True).order_by("pk"):
        enqueue(task, organization_id=organization_id, **kwargs)
        count += 1
    return count


@tenant_task()
def notifications_purge(*, organization_id: int, older_than_days: int = 90) -> int:
    return notifications_purge_read(now=timezone.now(), older_than_days=older_than_days)


@shared_task(**TASK_DEFAULTS)
def notifications_purge_all_tenants() -> int:
    return for_each_tenant(notifications_purge)


@shared_task(name="tenancy.tasks.outbox_deliver", **{**TASK_DEFAULTS, "autoretry_for": ()})
def outbox_deliver() -> dict[str, Any]:
    """Send what is due in the outbox (a system task: the outbox spans organizations)."""
    from django.utils import timezone

    return outbox_deliver_due(now=timezone.now())


@tenant_task(job=("tenancy.OrganizationExport", "export_id"))
def organization_export_run(*, organization_id: int, export_id: int) -> str:
    """Write an organization's export archive (idempotent: a finished export is left alone)."""
    from tenancy.portability import organization_export_run as run

    return str(run(export_id=export_id, clock=timezone.now).status)


@tenant_task()
def tenant_probe(*, organization_id: int) -> dict[str, Any]:
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
        "time_zone": timezone.get_current_timezone_name(),
    }
