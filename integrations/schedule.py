"""Beat entries of the integrations module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "integrations-late-feeds": {
        "task": "integrations.tasks.connector_feeds_check_all_tenants",
        "schedule": crontab(minute=15),
    },
    "integrations-late-forecasts": {
        "task": "integrations.tasks.forecasts_late_check_all_tenants",
        "schedule": crontab(hour=7, minute=20),
    },
    "integrations-three-way-match": {
        "task": "integrations.tasks.discrepancies_detect_all_tenants",
        "schedule": crontab(minute=40),
    },
    "integrations-document-kpis": {
        "task": "integrations.tasks.document_kpis_record_all_tenants",
        "schedule": crontab(hour=3, minute=10),
    },
    "integrations-retention": {
        "task": "integrations.tasks.retention_apply_all_tenants",
        "schedule": crontab(hour=2, minute=30),
    },
}
