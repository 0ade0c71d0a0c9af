"""Beat entries of the risk module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "risk-daily-alerts": {
        "task": "risk.tasks.risk_alerts_all_tenants",
        "schedule": crontab(hour=6, minute=45),
    },
}
