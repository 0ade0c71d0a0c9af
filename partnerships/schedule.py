"""Beat entries of the partnerships module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "partnerships-onboarding-milestones-check": {
        "task": "partnerships.tasks.onboarding_milestones_check_all_tenants",
        "schedule": crontab(hour=6, minute=40),
    },
}
