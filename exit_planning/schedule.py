"""Beat entries of the exit_planning module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "exit-planning-daily": {
        "task": "exit_planning.tasks.exit_daily_all_tenants",
        # After performance's breach check and risk's alerts, whose results it reads.
        "schedule": crontab(hour=7, minute=15),
    },
}
