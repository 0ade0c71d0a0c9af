"""Beat entries of the governance module (merged into CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "governance-change-request-escalation": {
        "task": "governance.tasks.change_request_escalation_all_tenants",
        "schedule": crontab(hour=7, minute=15),
    },
    # Hourly: a reminder goes out about a day before each meeting, once.
    "governance-meeting-reminders": {
        "task": "governance.tasks.meeting_reminders_all_tenants",
        "schedule": crontab(minute=5),
    },
    "governance-attestation-reminders": {
        "task": "governance.tasks.attestation_reminders_all_tenants",
        "schedule": crontab(hour=7, minute=45),
    },
    # Daily: a seat whose term ends within 30 days is told of once (its holder, the owner, the
    # officers), so the committee is not left without a chair or a quorum.
    "governance-committee-terms-ending": {
        "task": "governance.tasks.committee_terms_ending_all_tenants",
        "schedule": crontab(hour=7, minute=50),
    },
    "governance-escalations": {
        "task": "governance.tasks.escalations_advance_all_tenants",
        "schedule": crontab(hour=7, minute=30),
    },
}
