"""The minutes of a meeting as a PDF, rendered by a task (tenancy.jobs) rather than inside the
request: the page asks for it, polls the job's progress and offers the file once made. A partner
guest asks only for approved minutes and gets only a PDF of approved minutes."""

from collections.abc import Callable
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction

from governance.models import Meeting, MinutesPdf
from tenancy.audit import audit_record
from tenancy.errors import ConflictError
from tenancy.jobs import JOB_LIFECYCLE, enqueue, job_progress_clear, job_progress_set
from tenancy.models import Membership, User

MINUTES_PDF_TASK = "governance.tasks.minutes_pdf_generate"


@transaction.atomic
def minutes_pdf_request(
    *, meeting: Meeting, actor: User, membership: Membership, now: datetime
) -> MinutesPdf:
    """Queue a PDF of the meeting's minutes for `actor` (their unfinished one is reused)."""
    if membership.is_guest and meeting.minutes_status != Meeting.MinutesStatus.APPROVED:
        raise ConflictError(
            "The minutes of this meeting are not approved yet.", code="minutes_not_approved"
        )
    pending = MinutesPdf.objects.filter(
        meeting=meeting,
        requested_by=actor,
        status__in=(MinutesPdf.job_states.queued, MinutesPdf.job_states.running),
    ).first()
    if pending is not None:
        return pending
    job = MinutesPdf.objects.create(
        organization=meeting.organization, meeting=meeting, requested_by=actor, created_at=now
    )
    audit_record(action="governance.minutes_pdf.requested", actor=actor, obj=job)
    enqueue(MINUTES_PDF_TASK, organization_id=job.organization_id, minutes_pdf_id=job.pk)
    return job


def _meeting_for_pdf(meeting_id: int) -> Meeting:
    from governance.selectors import with_minutes_detail

    return with_minutes_detail(Meeting.objects.select_related("committee__partnership")).get(
        pk=meeting_id
    )


@transaction.atomic
def minutes_pdf_generate(*, job: MinutesPdf, clock: Callable[[], datetime]) -> MinutesPdf:
    """Render the job's PDF once: running → succeeded, or failed with the reason. A finished
    job is left as it is (a redelivery changes nothing). `clock` is read when the job starts and
    when it ends."""
    from governance.pdf import render_minutes_pdf

    job = MinutesPdf.objects.select_for_update().get(pk=job.pk)
    if job.is_finished:
        return job
    JOB_LIFECYCLE.check(job.status, job.job_states.running)
    job.status = job.job_states.running
    job.started_at = job.started_at or clock()
    job.save(update_fields=["status", "started_at"])
    job_progress_set(job, 10)
    try:
        with transaction.atomic():
            meeting = _meeting_for_pdf(job.meeting_id)
            job_progress_set(job, 30)
            pdf = render_minutes_pdf(
                meeting=meeting,
                view={
                    "attendance": list(meeting.attendance.all()),
                    "decisions": list(meeting.decisions.all()),
                    "actions": list(meeting.actions.all()),
                },
            )
            job_progress_set(job, 90)
            job.file.save(f"minutes-{job.organization_id}-{job.pk}.pdf", ContentFile(pdf), False)
            job.minutes_status = meeting.minutes_status
            job.status = job.job_states.succeeded
            job.progress = 100
            job.finished_at = clock()
            job.error = ""
            job.save()
    except Exception as error:  # noqa: BLE001 - a failed render is recorded for the user
        job.refresh_from_db()
        job.status = job.job_states.failed
        job.error = "The PDF could not be made; try again, or tell your administrator."
        job.finished_at = clock()
        job.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            action="governance.minutes_pdf.failed",
            actor_label="system: minutes PDF",
            obj=job,
            changes={"reason": f"{error.__class__.__name__}: {error}"[:500]},
        )
        job_progress_clear(job)
        return job
    job_progress_clear(job)
    audit_record(
        action="governance.minutes_pdf.generated", actor_label="system: minutes PDF", obj=job
    )
    return job
