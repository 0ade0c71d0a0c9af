"""Beat entries of the performance module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "performance-sla-breach-check": {
        "task": "performance.tasks.sla_breach_check_all_tenants",
        "schedule": crontab(hour=2, minute=30),
    },
    "performance-monthly-scorecard-pdfs": {
        "task": "performance.tasks.scorecard_reports_monthly_all_tenants",
        "schedule": crontab(day_of_month=3, hour=4, minute=0),
    },
    "performance-qbr-reminders": {
        "task": "performance.tasks.qbr_reminders_all_tenants",
        "schedule": crontab(hour=7, minute=0),
    },
}
