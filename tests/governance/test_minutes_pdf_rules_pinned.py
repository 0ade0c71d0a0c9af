"""The minutes PDF job pinned against the mutants that survived `make mutation`
(docs/mutation.md): a partner guest asks only for approved minutes, one unfinished job per
person and meeting, the request audited and queued; the job rendered once with the meeting's
attendance, decisions and actions, its progress shown as it goes, a failure recorded in the
user's words and audited with its reason, a finished job left as it is."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from governance import services
from governance.models import MinutesPdf
from governance.services import minutes_pdf as minutes_pdf_module
from tenancy.errors import ConflictError
from tenancy.jobs import job_progress_key
from tenancy.models import AuditEvent, Membership
from tests.governance.conftest import NOW
from tests.governance.factories import (
    CommitteeFactory,
    MeetingActionFactory,
    MeetingDecisionFactory,
    MeetingFactory,
)

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(minutes=5)
LATEST = LATER + timedelta(seconds=40)  # the render took 40 seconds


@pytest.fixture
def meeting(scope, partnership):
    committee = CommitteeFactory(organization=scope, partnership=partnership)
    return MeetingFactory(organization=scope, committee=committee, title="March steering")


@pytest.fixture
def rendered(monkeypatch):
    """The renderer replaced by one that records what it was given and what the page saw."""
    calls = []

    def render(*, meeting, view):
        job = MinutesPdf.objects.get(meeting=meeting)
        calls.append({"meeting": meeting, "view": view, "progress_key": job_progress_key(job)})
        calls[-1]["progress_seen"] = cache.get(job_progress_key(job))
        return b"%PDF-1.4 the minutes"

    monkeypatch.setattr("governance.pdf.render_minutes_pdf", render)
    return calls


def _membership(user):
    return Membership.objects.get(user=user)


def _request(meeting, user, now=NOW):
    return services.minutes_pdf_request(
        meeting=meeting, actor=user, membership=_membership(user), now=now
    )


# --- asking for it ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["none", "draft", "submitted"])
def test_a_partner_guest_asks_only_for_approved_minutes(meeting, guest, status):
    meeting.minutes_status = status
    meeting.save(update_fields=["minutes_status"])
    with pytest.raises(ConflictError) as refused:
        _request(meeting, guest)
    assert (refused.value.code, refused.value.message) == (
        "minutes_not_approved",
        "The minutes of this meeting are not approved yet.",
    )
    assert not MinutesPdf.objects.exists()


def test_a_partner_guest_gets_approved_minutes_and_one_of_ours_any_minutes(meeting, guest, manager):
    meeting.minutes_status = "draft"
    meeting.save(update_fields=["minutes_status"])
    assert _request(meeting, manager).requested_by == manager
    meeting.minutes_status = "approved"
    meeting.save(update_fields=["minutes_status"])
    assert _request(meeting, guest).requested_by == guest


def test_a_request_is_stored_audited_and_queued(meeting, manager, monkeypatch):
    queued = []
    monkeypatch.setattr(
        minutes_pdf_module, "enqueue", lambda task, **kwargs: queued.append((task, kwargs))
    )
    job = _request(meeting, manager)
    job.refresh_from_db()
    assert (
        job.organization,
        job.meeting,
        job.requested_by,
        job.created_at,
        job.status,
        job.file.name,
    ) == (meeting.organization, meeting, manager, NOW, "queued", "")
    assert queued == [
        (
            "governance.tasks.minutes_pdf_generate",
            {"organization_id": meeting.organization_id, "minutes_pdf_id": job.pk},
        )
    ]
    event = AuditEvent.objects.get(action="governance.minutes_pdf.requested")
    assert (event.actor, event.object_type, event.object_id) == (
        manager,
        "governance.minutespdf",
        str(job.pk),
    )


def test_an_unfinished_job_of_the_same_person_and_meeting_is_reused(
    scope, partnership, meeting, manager, committee, monkeypatch
):
    queued = []
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: queued.append(kw))
    first = _request(meeting, manager)
    assert _request(meeting, manager, now=LATER) == first
    MinutesPdf.objects.filter(pk=first.pk).update(status="running")
    assert _request(meeting, manager, now=LATER) == first
    assert len(queued) == 1
    assert AuditEvent.objects.filter(action="governance.minutes_pdf.requested").count() == 1
    # Someone else, or another meeting, gets a job of their own.
    theirs = _request(meeting, committee)
    other_meeting = MeetingFactory(organization=scope, committee=meeting.committee)
    elsewhere = _request(other_meeting, manager)
    assert len({first.pk, theirs.pk, elsewhere.pk}) == 3


@pytest.mark.parametrize("finished", ["succeeded", "failed"])
def test_a_finished_job_is_not_reused(meeting, manager, monkeypatch, finished):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)
    first = _request(meeting, manager)
    MinutesPdf.objects.filter(pk=first.pk).update(status=finished)
    second = _request(meeting, manager, now=LATER)
    assert second.pk != first.pk and second.created_at == LATER


# --- making it --------------------------------------------------------------------------------


def test_the_job_renders_the_meeting_with_its_attendance_decisions_and_actions(
    scope, partnership, meeting, manager, rendered, monkeypatch
):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)
    decision = MeetingDecisionFactory(organization=scope, meeting=meeting)
    action = MeetingActionFactory(organization=scope, partnership=partnership, meeting=meeting)
    MeetingActionFactory(organization=scope, partnership=partnership)  # of no meeting
    meeting.minutes_status = "submitted"
    meeting.save(update_fields=["minutes_status"])
    job = _request(meeting, manager)
    progress = []
    real_set = minutes_pdf_module.job_progress_set
    monkeypatch.setattr(
        minutes_pdf_module,
        "job_progress_set",
        lambda job, percent: (progress.append(percent), real_set(job, percent)),
    )
    done = services.minutes_pdf_generate(job=job, clock=iter([LATER, LATEST]).__next__)
    [call] = rendered
    assert call["meeting"] == meeting
    assert call["meeting"].committee.partnership == partnership
    assert call["view"] == {"attendance": [], "decisions": [decision], "actions": [action]}
    assert progress == [10, 30, 90]
    assert call["progress_seen"] == 30  # the page polls the figure while the job runs
    assert cache.get(call["progress_key"]) is None  # cleared once done
    done.refresh_from_db()
    assert (done.status, done.progress, done.started_at, done.finished_at, done.error) == (
        "succeeded",
        100,
        LATER,
        LATEST,
        "",
    )
    assert done.minutes_status == "submitted"
    assert done.file.name == (f"governance/minutes/minutes-{meeting.organization_id}-{job.pk}.pdf")
    with done.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 the minutes"
    event = AuditEvent.objects.get(action="governance.minutes_pdf.generated")
    assert (event.actor, event.actor_label, event.object_id) == (
        None,
        "system: minutes PDF",
        str(job.pk),
    )


def test_the_job_lists_who_attended(scope, board, rendered, monkeypatch):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)
    secretary = board.seats["secretary"].user
    meeting = MeetingFactory(organization=board.organization, committee=board)
    services.meeting_attendance_record(
        meeting=meeting,
        actor=secretary,
        present_member_ids=[board.seats["chair"].pk, board.seats["guest"].pk],
        now=meeting.starts_at,
    )
    job = _request(meeting, secretary)
    services.minutes_pdf_generate(job=job, clock=lambda: LATER)
    attendance = rendered[0]["view"]["attendance"]
    assert {(row.member.user.email, row.present) for row in attendance} >= {
        ("committee@alpha.test", True),
        ("guest@alder.test", True),
    }
    assert attendance == list(meeting.attendance.order_by("member__party", "member__role", "pk"))


def test_a_redelivered_running_job_keeps_when_it_started(meeting, manager, rendered, monkeypatch):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)
    job = _request(meeting, manager)
    MinutesPdf.objects.filter(pk=job.pk).update(status="running", started_at=NOW)
    done = services.minutes_pdf_generate(job=job, clock=lambda: LATER)
    done.refresh_from_db()
    assert (done.status, done.started_at, done.finished_at) == ("succeeded", NOW, LATER)


@pytest.mark.parametrize("finished", ["succeeded", "failed"])
def test_a_finished_job_is_left_as_it_is(meeting, manager, rendered, monkeypatch, finished):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)
    job = _request(meeting, manager)
    MinutesPdf.objects.filter(pk=job.pk).update(status=finished, finished_at=NOW, progress=7)
    again = services.minutes_pdf_generate(job=job, clock=lambda: LATER)
    assert (again.status, again.finished_at, again.progress) == (finished, NOW, 7)
    again.refresh_from_db()
    assert (again.status, again.finished_at, again.started_at) == (finished, NOW, None)
    assert rendered == []
    assert not AuditEvent.objects.filter(action__startswith="governance.minutes_pdf.g").exists()


def test_a_failed_render_is_recorded_in_the_users_words_and_audited_with_its_reason(
    meeting, manager, monkeypatch
):
    monkeypatch.setattr(minutes_pdf_module, "enqueue", lambda task, **kw: None)

    def broken(*, meeting, view):
        raise ValueError("no fonts " + "x" * 600)

    monkeypatch.setattr("governance.pdf.render_minutes_pdf", broken)
    job = _request(meeting, manager)
    failed = services.minutes_pdf_generate(job=job, clock=iter([LATER, LATEST]).__next__)
    assert failed.status == "failed"
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.started_at, failed.finished_at) == (
        "failed",
        "The PDF could not be made; try again, or tell your administrator.",
        LATER,
        LATEST,
    )
    assert (failed.file.name, failed.minutes_status) == ("", "")
    assert cache.get(job_progress_key(failed)) is None
    event = AuditEvent.objects.get(action="governance.minutes_pdf.failed")
    reason = "ValueError: no fonts " + "x" * 600
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        None,
        "system: minutes PDF",
        str(job.pk),
        {"reason": reason[:500]},
    )
    assert not AuditEvent.objects.filter(action="governance.minutes_pdf.generated").exists()
