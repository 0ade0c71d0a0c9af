"""Beat entries of the governance module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "governance-change-request-escalation": {
        "task": "governance.tasks.change_request_escalation_all_tenants",
        "schedule": crontab(hour=7, minute=15),
    },
}
