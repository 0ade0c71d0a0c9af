"""Celery jobs of the governance module: thin wrappers that re-enter the tenant (TenantTask) and
call one service. The escalation is idempotent: a rerun the same day raises no level and sends
nothing (levels only go up, and each notification carries a dedupe key)."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from governance import services
from tenancy.tasks import TASK_DEFAULTS, for_each_tenant, tenant_task

# Days between escalation levels once a decision is overdue (settings may override).
DEFAULT_ESCALATION_PERIOD_DAYS = 3


@tenant_task()
def change_request_escalation(*, organization_id: int, now: str | None = None) -> dict:
    """Escalate the overdue change-request decisions of one organization."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    result = services.change_requests_escalate(
        now=moment,
        period_days=getattr(
            settings, "GOVERNANCE_ESCALATION_PERIOD_DAYS", DEFAULT_ESCALATION_PERIOD_DAYS
        ),
    )
    return {"escalated": result.escalated, "notifications": result.notifications}


@shared_task(**TASK_DEFAULTS)
def change_request_escalation_all_tenants() -> int:
    """The daily job: one `change_request_escalation` task per organization."""
    return for_each_tenant(change_request_escalation)


@tenant_task()
def meeting_reminders(*, organization_id: int, now: str | None = None) -> int:
    """Remind the members of the organization's meetings starting within a day (once each)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.meeting_reminders_send(now=moment)


@shared_task(**TASK_DEFAULTS)
def meeting_reminders_all_tenants() -> int:
    return for_each_tenant(meeting_reminders)


@tenant_task()
def committee_terms_ending(*, organization_id: int, now: str | None = None) -> int:
    """Tell of the organization's committee seats whose term ends within 30 days (once per seat
    and term end)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return services.committee_terms_ending_send(now=moment)


@shared_task(**TASK_DEFAULTS)
def committee_terms_ending_all_tenants() -> int:
    return for_each_tenant(committee_terms_ending)


@tenant_task()
def escalations_advance(*, organization_id: int, now: str | None = None) -> dict:
    """Escalate overdue action items and take overdue escalations one level up (idempotent:
    each level is reached once per escalation)."""
    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    run = services.escalations_run(now=moment)
    return {
        "raised": run.raised,
        "advanced": run.advanced,
        "resolved": run.resolved,
        "notifications": run.notifications,
    }


@shared_task(**TASK_DEFAULTS)
def escalations_advance_all_tenants() -> int:
    return for_each_tenant(escalations_advance)


@tenant_task()
def attestation_reminders(*, organization_id: int, now: str | None = None) -> int:
    """Remind the compliance officers who still owe a current period (the risk module's
    compliance matrix), once per due date."""
    from risk.services.compliance import compliance_reminders_send

    moment = timezone.now() if now is None else datetime.fromisoformat(now)
    return compliance_reminders_send(now=moment)


@shared_task(**TASK_DEFAULTS)
def attestation_reminders_all_tenants() -> int:
    return for_each_tenant(attestation_reminders)


# The job's kwarg is the lock: two deliveries at once run one after the other.
@tenant_task(job=("governance.MinutesPdf", "minutes_pdf_id"), soft_time_limit=120, time_limit=180)
def minutes_pdf_generate(*, organization_id: int, minutes_pdf_id: int) -> str:
    """Render a meeting's minutes as a PDF (a finished job is left as it is)."""
    from governance.models import MinutesPdf

    job = MinutesPdf.objects.get(pk=minutes_pdf_id)
    return services.minutes_pdf_generate(job=job, clock=timezone.now).status
