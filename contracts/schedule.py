"""Scheduled jobs of the contracts module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "contracts-daily-alerts": {
        "task": "contracts.tasks.contract_alerts_all_tenants",
        "schedule": crontab(hour=6, minute=30),
    },
}
