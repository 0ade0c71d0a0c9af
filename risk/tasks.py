"""Celery jobs of the risk module: thin wrappers that re-enter the tenant (TenantTask) and call
services. All of them are idempotent: each alert is recorded (certificate alerts) or carries a
notification dedupe key (review reminders, price reviews), so a rerun the same day sends nothing.
"""

from datetime import date

from celery import shared_task
from django.utils import timezone

from risk import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task


@tenant_task()
def risk_alerts(*, organization_id: int, today: str | None = None) -> dict:
    """One organization's daily risk alerts: certificate expiry (60/30/7 days), risk review
    reminders, price reviews that are due."""
    day = timezone.localdate() if today is None else date.fromisoformat(today)
    certificates = services.certificate_expiry_alerts_send(today=day)
    return {
        "certificate_alerts": certificates.sent,
        "certificate_thresholds_skipped": certificates.skipped,
        "review_reminders": services.risk_review_reminders_send(today=day),
        "price_review_alerts": services.price_review_alerts_send(today=day),
    }


@shared_task(**TASK_DEFAULTS)
def risk_alerts_all_tenants() -> int:
    """The daily job: one `risk_alerts` task per organization."""
    return for_each_tenant(risk_alerts)
