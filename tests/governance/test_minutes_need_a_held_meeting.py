"""A steering committee's approved minutes are its record of the decisions it took: minutes go to
the chair, and are approved, only for a meeting held, never for one still scheduled or
cancelled (a draft may be prepared before the meeting); attendance, which makes a meeting held,
is recorded only once the meeting has begun. The pages offer only what the services accept and
say why not; the API answers 409 in the same words."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import Meeting, MeetingAttendance
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification
from tests.governance.conftest import NOW, TODAY
from tests.governance.factories import MeetingFactory

pytestmark = pytest.mark.django_db

STARTS = NOW + timedelta(days=7)  # 17 Jan 2030, 09:00 UTC
EVERYONE = ["chair", "secretary", "guest", "sponsor", "partner_sponsor"]
API = "/api/v1/o/alpha"
NOT_HELD = "Record the attendance first: minutes are submitted once the meeting has been held."
NOT_STARTED = "The meeting starts on 17 Jan 2030 at 09:00: record the attendance once it has begun."


def _user(board, key):
    return board.seats[key].user


def _scheduled(board):
    (meeting,) = services.meeting_schedule(
        committee=board,
        actor=_user(board, "secretary"),
        now=NOW,
        title="Steering committee",
        starts_at=STARTS,
    )
    return meeting


def _attend(board, meeting, now):
    return services.meeting_attendance_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        present_member_ids=[board.seats[k].pk for k in EVERYONE],
        now=now,
    )


def _draft(board, meeting):
    services.meeting_minutes_save(
        meeting=meeting,
        actor=_user(board, "secretary"),
        minutes="1. Capacity plan agreed.",
        today=TODAY,
    )


def _state(meeting):
    meeting.refresh_from_db()
    return meeting.status, meeting.minutes_status


# --- minutes ----------------------------------------------------------------------------------


def test_a_draft_is_prepared_before_the_meeting_but_not_submitted_until_it_is_held(scope, board):
    meeting = _scheduled(board)
    _draft(board, meeting)  # the secretary prepares the minutes from the agenda
    assert _state(meeting) == ("scheduled", "draft")
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(
            meeting=meeting, actor=_user(board, "secretary"), today=TODAY
        )
    assert (refused.value.code, refused.value.message) == ("meeting_not_held", NOT_HELD)
    assert _state(meeting) == ("scheduled", "draft")
    assert not Notification.objects.filter(title__startswith="Minutes to approve").exists()
    assert not AuditEvent.objects.filter(action="governance.meeting.minutes_submitted").exists()


def test_minutes_drafted_before_a_meeting_was_cancelled_are_not_submitted(scope, board):
    meeting = _scheduled(board)
    _draft(board, meeting)
    services.meeting_cancel(
        meeting=meeting, actor=_user(board, "secretary"), reason="Strike", today=TODAY
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(
            meeting=meeting, actor=_user(board, "secretary"), today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "meeting_cancelled",
        "“Steering committee” was cancelled: its minutes are not submitted.",
    )
    assert _state(meeting) == ("cancelled", "draft")


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (
            "scheduled",
            "meeting_not_held",
            "Record the attendance first: minutes are approved once the meeting has been held.",
        ),
        (
            "cancelled",
            "meeting_cancelled",
            "“Steering committee” was cancelled: its minutes are not approved.",
        ),
    ],
)
def test_minutes_submitted_of_a_meeting_never_held_are_not_approved(
    scope, board, status, code, message
):
    # Minutes submitted before the rule, of a meeting never held (or cancelled since).
    meeting = _scheduled(board)
    _draft(board, meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=status, minutes_status="submitted")
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_approve(meeting=meeting, approver=_user(board, "chair"), now=NOW)
    assert (refused.value.code, refused.value.message) == (code, message)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by, meeting.minutes_approved_at) == (
        "submitted",
        None,
        None,
    )
    # The chair may still send them back.
    services.meeting_minutes_request_changes(
        meeting=meeting, approver=_user(board, "chair"), reason="Not held", today=TODAY
    )
    assert _state(meeting) == (status, "draft")


def test_the_minutes_of_a_held_meeting_are_submitted_and_approved_as_before(scope, board):
    meeting = _scheduled(board)
    _draft(board, meeting)  # prepared before the meeting
    _attend(board, meeting, now=STARTS)
    services.meeting_minutes_submit(meeting=meeting, actor=_user(board, "secretary"), today=TODAY)
    assert _state(meeting) == ("held", "submitted")
    later = STARTS + timedelta(days=2)
    services.meeting_minutes_approve(meeting=meeting, approver=_user(board, "chair"), now=later)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by, meeting.minutes_approved_at) == (
        "approved",
        _user(board, "chair"),
        later,
    )


# --- attendance -------------------------------------------------------------------------------


def test_attendance_is_not_recorded_before_the_meeting_starts(scope, board):
    meeting = _scheduled(board)
    with pytest.raises(ConflictError) as refused:
        _attend(board, meeting, now=STARTS - timedelta(minutes=1))
    assert (refused.value.code, refused.value.message) == ("meeting_not_started", NOT_STARTED)
    assert _state(meeting) == ("scheduled", "none")
    assert not MeetingAttendance.objects.exists()
    assert not AuditEvent.objects.filter(action="governance.meeting.attendance_recorded").exists()


@pytest.mark.parametrize("after", [timedelta(0), timedelta(hours=2)])
def test_attendance_is_recorded_from_the_start_of_the_meeting(scope, board, after):
    meeting = _scheduled(board)
    _attend(board, meeting, now=STARTS + after)
    assert _state(meeting) == ("held", "none")
    assert MeetingAttendance.objects.filter(meeting=meeting, present=True).count() == 5


# --- the pages and the API --------------------------------------------------------------------


def _url(name, *args):
    return reverse(name, args=["alpha", *args])


def test_the_pages_offer_sending_and_approving_minutes_only_for_a_held_meeting(
    board, client_as, org_a
):
    with tenant_scope(org_a):
        upcoming = MeetingFactory(committee=board, starts_at=timezone.now() + timedelta(days=2))
        _draft(board, upcoming)
        never_held = MeetingFactory(committee=board, starts_at=timezone.now() - timedelta(days=1))
        _draft(board, never_held)
        Meeting.objects.filter(pk=never_held.pk).update(minutes_status="submitted")
        held = MeetingFactory(committee=board, starts_at=timezone.now() - timedelta(hours=1))
        _attend(board, held, now=timezone.now())
        _draft(board, held)
        cancelled = MeetingFactory(committee=board, starts_at=timezone.now() + timedelta(days=2))
        _draft(board, cancelled)
        services.meeting_cancel(
            meeting=cancelled, actor=_user(board, "secretary"), reason="No", today=TODAY
        )
    secretary = client_as(_user(board, "secretary"))
    page = secretary.get(_url("meeting-detail", upcoming.pk)).content.decode()
    assert "Save draft" in page and "Send to the chair" not in page
    assert NOT_HELD in page  # the service's words
    when = timezone.localtime(upcoming.starts_at).strftime("%d %b %Y at %H:%M")
    assert f"The meeting starts on {when}: record the attendance once it has begun." in page
    assert 'data-testid="attendance-form"' not in page
    page = secretary.get(_url("meeting-detail", held.pk)).content.decode()
    assert "Send to the chair" in page and 'data-testid="minutes-wait"' not in page
    assert 'data-testid="attendance-form"' in page
    page = secretary.get(_url("meeting-detail", cancelled.pk)).content.decode()
    assert "Save draft" not in page and "Send to the chair" not in page  # the draft is kept
    assert "1. Capacity plan agreed." in page and 'data-testid="attendance-form"' not in page
    refused = secretary.post(
        _url("meeting-minutes", upcoming.pk), {"minutes": "Notes", "submit": "1"}, follow=True
    )
    assert NOT_HELD in refused.content.decode()

    chair = client_as(_user(board, "chair"))
    not_approved = (
        "Record the attendance first: minutes are approved once the meeting has been held."
    )
    page = chair.get(_url("meeting-detail", never_held.pk)).content.decode()
    assert "Approve minutes" not in page and not_approved in page
    assert "Request changes" in page
    inbox = chair.get(_url("governance-inbox")).content.decode()
    minutes = inbox.split('data-testid="inbox-minutes"')[1].split(
        'data-testid="inbox-attestations"'
    )[0]
    assert never_held.title in minutes and not_approved in minutes
    assert "Approve minutes" not in minutes
    with tenant_scope(org_a):
        services.meeting_minutes_submit(meeting=held, actor=_user(board, "secretary"), today=TODAY)
    page = chair.get(_url("meeting-detail", held.pk)).content.decode()
    assert "Approve minutes" in page and 'data-testid="minutes-wait"' not in page
    inbox = chair.get(_url("governance-inbox")).content.decode()
    assert inbox.count("Approve minutes</button>") == 1


def test_the_api_refuses_minutes_and_attendance_of_a_meeting_not_held_with_a_409(
    board, api_as, org_a
):
    with tenant_scope(org_a):
        upcoming = MeetingFactory(committee=board, starts_at=timezone.now() + timedelta(days=2))
    secretary = api_as(_user(board, "secretary"), org_a)
    response = secretary.post(
        f"{API}/meetings/{upcoming.pk}/minutes/",
        {"minutes": "1. Capacity plan.", "submit": True},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "meeting_not_held"
    assert response.json()["error"]["message"] == NOT_HELD
    response = secretary.post(
        f"{API}/meetings/{upcoming.pk}/attendance/",
        {"present": [board.seats["chair"].pk]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "meeting_not_started"
    with tenant_scope(org_a):
        assert Meeting.objects.get(pk=upcoming.pk).status == "scheduled"
        # A refused request changes nothing: the draft sent with it is not kept either.
        assert (upcoming.minutes, upcoming.minutes_status) == ("", "none")
        stored = Meeting.objects.get(pk=upcoming.pk)
        assert (stored.minutes, stored.minutes_status) == ("", "none")
        assert not MeetingAttendance.objects.exists()


# --- Pinned by the twelfth mutation session (docs/mutation.md) ------------------------------------


def test_the_minutes_of_a_cancelled_meeting_are_not_saved_and_the_refusal_names_it(scope, board):
    meeting = _scheduled(board)
    _draft(board, meeting)
    services.meeting_cancel(
        meeting=meeting, actor=_user(board, "secretary"), reason="Strike", today=TODAY
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_save(
            meeting=meeting,
            actor=_user(board, "secretary"),
            minutes="2. Changed afterwards.",
            today=TODAY,
        )
    assert (refused.value.code, refused.value.message) == (
        "meeting_cancelled",
        "“Steering committee” was cancelled.",
    )
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_status) == ("1. Capacity plan agreed.", "draft")


# --- the refusals themselves (what the pages ask before offering a button) ----------------------


@pytest.mark.parametrize(
    ("status", "step", "code", "message"),
    [
        ("scheduled", "submitted", "meeting_not_held", NOT_HELD),
        (
            "scheduled",
            "approved",
            "meeting_not_held",
            "Record the attendance first: minutes are approved once the meeting has been held.",
        ),
        (
            "cancelled",
            "submitted",
            "meeting_cancelled",
            "“Steering committee” was cancelled: its minutes are not submitted.",
        ),
        (
            "cancelled",
            "approved",
            "meeting_cancelled",
            "“Steering committee” was cancelled: its minutes are not approved.",
        ),
    ],
)
def test_minutes_refusal_names_why_the_minutes_of_a_meeting_not_held_do_not_move(
    scope, board, status, step, code, message
):
    meeting = _scheduled(board)
    meeting.status = status
    refusal = services.minutes_refusal(meeting, step=step)
    assert isinstance(refusal, ConflictError)
    assert (refusal.code, refusal.message) == (code, message)


def test_minutes_refusal_has_nothing_against_a_held_meeting(scope, board):
    meeting = _attend(board, _scheduled(board), STARTS)
    assert services.minutes_refusal(meeting, step="submitted") is None
    assert services.minutes_refusal(meeting, step="approved") is None


def test_attendance_refusal_waits_for_the_start_and_no_longer(scope, board):
    meeting = _scheduled(board)
    early = services.attendance_refusal(meeting, now=STARTS - timedelta(seconds=1))
    assert isinstance(early, ConflictError)
    assert (early.code, early.message) == ("meeting_not_started", NOT_STARTED)
    assert services.attendance_refusal(meeting, now=STARTS) is None
    assert services.attendance_refusal(meeting, now=STARTS + timedelta(hours=3)) is None
