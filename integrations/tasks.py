"""Celery tasks of the integrations module: thin wrappers that load by id and call a service."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from integrations import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task(job=("integrations.EdiDocument", "document_id"))
def edi_document_process(*, organization_id: int, document_id: int) -> str:
    """Read one received EDI message (idempotent: a document already read is left as it is)."""
    return services.edi_document_process(document_id=document_id, clock=timezone.now).status


@tenant_task()
def connector_feeds_check(*, organization_id: int, now: str | None = None) -> int:
    """Late-feed alerts of one organization (idempotent: one notification per missed message)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.connector_feeds_check(now=moment)


@shared_task(**TASK_DEFAULTS)
def connector_feeds_check_all_tenants() -> int:
    """The hourly job: one `connector_feeds_check` per organization."""
    return for_each_tenant(connector_feeds_check)


@tenant_task()
def forecasts_late_check(*, organization_id: int, now: str | None = None) -> int:
    """Late-forecast reminders of one organization (idempotent: once per missed update)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.forecasts_late_check(now=moment)


@shared_task(**TASK_DEFAULTS)
def forecasts_late_check_all_tenants() -> int:
    """The daily job: one `forecasts_late_check` per organization."""
    return for_each_tenant(forecasts_late_check)


@tenant_task()
def discrepancies_detect(*, organization_id: int, now: str | None = None) -> dict:
    """The three-way match of one organization (idempotent: one discrepancy per order, item and
    kind, brought up to date)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.discrepancies_detect(now=moment)


@shared_task(**TASK_DEFAULTS)
def discrepancies_detect_all_tenants() -> int:
    """The hourly detection job: one `discrepancies_detect` per organization."""
    return for_each_tenant(discrepancies_detect)


@tenant_task()
def retention_apply(*, organization_id: int, now: str | None = None) -> int:
    """The retention job of one organization; returns how many records it deleted or
    anonymised (idempotent: what is gone or anonymised is not counted again)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return sum(run.affected for run in services.retention_apply(now=moment))


@shared_task(**TASK_DEFAULTS)
def retention_apply_all_tenants() -> int:
    """The nightly retention job: one `retention_apply` per organization."""
    return for_each_tenant(retention_apply)


@tenant_task(job=("integrations.CrosswalkReprocess", "job_id"))
def crosswalk_reprocess(*, organization_id: int, job_id: int) -> str:
    """Re-process the documents that waited on codes now in the crosswalk (idempotent)."""
    return services.crosswalk_reprocess(job_id=job_id, clock=timezone.now).status


@tenant_task()
def document_kpis_record(*, organization_id: int, now: str | None = None) -> dict:
    """KPIs from the documents of one organization, written to performance (idempotent)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.document_kpis_record(now=moment)


@shared_task(**TASK_DEFAULTS)
def document_kpis_record_all_tenants() -> int:
    """The nightly KPI job: one `document_kpis_record` per organization."""
    return for_each_tenant(document_kpis_record)
