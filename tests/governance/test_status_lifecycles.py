"""The governance status fields move only along their lifecycles (governance.models): a meeting
(scheduled → held | cancelled), its minutes (none → draft → submitted → approved, or back to
draft), an action item (open ⇄ in progress → done | cancelled, never reopened) and an
escalation (open → resolved). Each refusal below comes from the lifecycle's check in the
service, in the words users already know where the service had them."""

from datetime import timedelta

import pytest

from governance import services
from governance.models import (
    ESCALATION_LIFECYCLE,
    MEETING_ACTION_LIFECYCLE,
    MEETING_LIFECYCLE,
    MINUTES_LIFECYCLE,
    Escalation,
    Meeting,
    MeetingAction,
)
from tenancy.errors import ConflictError
from tenancy.models import Notification
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=7)
TODAY = NOW.date()


def _user(board, key):
    return board.seats[key].user


def _meeting(board):
    (meeting,) = services.meeting_schedule(
        committee=board,
        actor=_user(board, "secretary"),
        now=NOW,
        title="Steering committee",
        starts_at=LATER,
    )
    return meeting


def _hold(board, meeting, present=("chair", "guest")):
    return services.meeting_attendance_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        present_member_ids=[board.seats[key].pk for key in present],
        now=LATER,
    )


def _minutes(board, meeting, *, submit=False, approve=False):
    secretary, chair = _user(board, "secretary"), _user(board, "chair")
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="Capacity agreed.", today=TODAY
    )
    if submit or approve:
        services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    if approve:
        services.meeting_minutes_approve(meeting=meeting, approver=chair, now=LATER)
    meeting.refresh_from_db()
    return meeting


def _action(board, partnership):
    return services.meeting_action_create(
        partnership=partnership,
        actor=_user(board, "secretary"),
        title="Send the capacity plan",
        owner=_user(board, "guest"),
        due_date=TODAY,
        today=TODAY,
    )


def _status(obj, field="status"):
    obj.refresh_from_db()
    return getattr(obj, field)


# --- the lifecycles match the fields -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "choices"),
    [
        (MEETING_LIFECYCLE, Meeting.Status),
        (MINUTES_LIFECYCLE, Meeting.MinutesStatus),
        (MEETING_ACTION_LIFECYCLE, MeetingAction.Status),
        (ESCALATION_LIFECYCLE, Escalation.Status),
    ],
)
def test_each_lifecycle_has_exactly_the_states_of_its_field(lifecycle, choices):
    assert set(lifecycle.transitions) == set(choices.values)


def test_the_minutes_lifecycle_names_its_states_as_the_page_does():
    with pytest.raises(ConflictError) as refused:
        MINUTES_LIFECYCLE.check("none", "approved")
    assert refused.value.message == (
        "A meeting's minutes cannot go from “not written” to “approved”. "
        "From “not written” it can only go to “draft”."
    )


# --- a meeting -------------------------------------------------------------------------------


def test_a_cancelled_meeting_cannot_be_held(scope, board):
    meeting = _meeting(board)
    services.meeting_cancel(
        meeting=meeting, actor=_user(board, "secretary"), reason="Strike", today=TODAY
    )
    with pytest.raises(ConflictError) as refused:
        _hold(board, meeting)
    assert (refused.value.code, refused.value.message) == (
        "meeting_cancelled",
        "“Steering committee” was cancelled.",
    )
    assert _status(meeting) == "cancelled"


def test_a_held_meeting_cannot_be_cancelled(scope, board):
    meeting = _hold(board, _meeting(board))
    with pytest.raises(ConflictError) as refused:
        services.meeting_cancel(
            meeting=meeting, actor=_user(board, "secretary"), reason="Late", today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "not_scheduled",
        "Only a scheduled meeting is cancelled.",
    )
    assert _status(meeting) == "held"


def test_a_cancelled_meeting_cannot_be_cancelled_again(scope, board):
    meeting = _meeting(board)
    secretary = _user(board, "secretary")
    services.meeting_cancel(meeting=meeting, actor=secretary, reason="Strike", today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.meeting_cancel(meeting=meeting, actor=secretary, reason="Again", today=TODAY)
    assert refused.value.code == "not_scheduled"


def test_a_held_meeting_stays_held_when_its_attendance_is_recorded_again(scope, board):
    meeting = _hold(board, _meeting(board))
    _hold(board, meeting, present=("chair",))
    assert _status(meeting) == "held"


# --- its minutes -----------------------------------------------------------------------------


def test_submitted_minutes_are_not_edited(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), submit=True)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_save(
            meeting=meeting, actor=_user(board, "secretary"), minutes="Rewritten", today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "minutes_locked",
        "The minutes are awaiting approval: they are no longer edited.",
    )
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes) == ("submitted", "Capacity agreed.")


def test_approved_minutes_are_not_edited(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), approve=True)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_save(
            meeting=meeting, actor=_user(board, "secretary"), minutes="Rewritten", today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "minutes_locked",
        "The minutes are approved: they are no longer edited.",
    )
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes) == ("approved", "Capacity agreed.")


def test_submitted_minutes_are_not_submitted_twice(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), submit=True)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(
            meeting=meeting, actor=_user(board, "secretary"), today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "illegal_transition",
        "A meeting's minutes cannot go from “awaiting approval” to “awaiting approval”. "
        "From “awaiting approval” it can go to “approved” or “draft”.",
    )
    assert Notification.objects.filter(title="Minutes to approve: Steering committee").count() == 1


def test_approved_minutes_cannot_be_submitted_again(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), approve=True)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(
            meeting=meeting, actor=_user(board, "secretary"), today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "illegal_transition",
        "A meeting's minutes cannot go from “approved” to “awaiting approval”. "
        "Nothing can follow “approved”.",
    )
    assert _status(meeting, "minutes_status") == "approved"


def test_approved_minutes_are_not_approved_again(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), approve=True)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_approve(
            meeting=meeting, approver=_user(board, "chair"), now=LATER + timedelta(days=1)
        )
    assert (refused.value.code, refused.value.message) == (
        "minutes_not_submitted",
        "The minutes are not awaiting approval.",
    )
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_at) == ("approved", LATER)


def test_draft_minutes_are_not_approved_before_they_are_submitted(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)))
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_approve(meeting=meeting, approver=_user(board, "chair"), now=NOW)
    assert (refused.value.code, refused.value.message) == (
        "minutes_not_submitted",
        "The minutes are not awaiting approval.",
    )
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by) == ("draft", None)


@pytest.mark.parametrize("state", ["none", "draft", "approved"])
def test_only_minutes_awaiting_approval_are_sent_back(scope, board, state):
    meeting = _hold(board, _meeting(board))
    if state != "none":
        meeting = _minutes(board, meeting, approve=state == "approved")
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_request_changes(
            meeting=meeting, approver=_user(board, "chair"), reason="Add Q3", today=TODAY
        )
    assert refused.value.code == "minutes_not_submitted"
    assert _status(meeting, "minutes_status") == state


def test_minutes_sent_back_are_edited_and_submitted_again_then_approved(scope, board):
    meeting = _minutes(board, _hold(board, _meeting(board)), submit=True)
    secretary, chair = _user(board, "secretary"), _user(board, "chair")
    services.meeting_minutes_request_changes(
        meeting=meeting, approver=chair, reason="Add Q3", today=TODAY
    )
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="Capacity; Q3.", today=TODAY
    )
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="Capacity; Q3 plan.", today=TODAY
    )
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    services.meeting_minutes_approve(meeting=meeting, approver=chair, now=LATER)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes) == ("approved", "Capacity; Q3 plan.")


# --- an action item --------------------------------------------------------------------------


@pytest.mark.parametrize("final", ["done", "cancelled"])
@pytest.mark.parametrize("target", ["open", "in_progress", "done", "cancelled"])
def test_a_done_or_cancelled_action_is_never_moved_again(scope, board, partnership, final, target):
    action = _action(board, partnership)
    guest = _user(board, "guest")
    services.meeting_action_set_status(action=action, actor=guest, status=final, now=NOW)
    with pytest.raises(ConflictError) as refused:
        services.meeting_action_set_status(action=action, actor=guest, status=target, now=LATER)
    assert (refused.value.code, refused.value.message) == (
        "illegal_transition",
        f"An action that is {final} cannot become {MeetingAction.Status(target).label.lower()}.",
    )
    assert _status(action) == final


def test_an_action_does_not_move_to_the_status_it_has(scope, board, partnership):
    action = _action(board, partnership)
    with pytest.raises(ConflictError) as refused:
        services.meeting_action_set_status(
            action=action, actor=_user(board, "guest"), status="open", now=NOW
        )
    assert refused.value.message == "An action that is open cannot become open."


@pytest.mark.parametrize(
    "path",
    [
        ["in_progress", "open", "cancelled"],
        ["in_progress", "cancelled"],
        ["in_progress", "done"],
        ["done"],
    ],
)
def test_an_open_action_moves_on_until_it_is_done_or_cancelled(scope, board, partnership, path):
    action = _action(board, partnership)
    for status in path:
        services.meeting_action_set_status(
            action=action, actor=_user(board, "guest"), status=status, now=NOW
        )
        assert _status(action) == status


# --- an escalation ---------------------------------------------------------------------------


def test_a_resolved_escalation_is_not_resolved_again(scope, board, partnership):
    manager = _user(board, "secretary")
    escalation = services.escalation_raise(
        partnership=partnership, actor=manager, now=NOW, title="Prices", reason="Stuck"
    )
    services.escalation_resolve(escalation=escalation, actor=manager, now=NOW, resolution="Agreed")
    with pytest.raises(ConflictError) as refused:
        services.escalation_resolve(
            escalation=escalation, actor=manager, now=LATER, resolution="Twice"
        )
    assert (refused.value.code, refused.value.message) == (
        "already_resolved",
        "The escalation is already resolved.",
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_at, escalation.resolution) == (
        "resolved",
        NOW,
        "Agreed",
    )
