"""Steering committees, meetings, decisions and votes as specifications: who sits for which
party, the quorum, one vote per voting member present, minutes, quarterly priorities, reminders
sent once, and the calendar."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.ical import meeting_invitation
from governance.models import CommitteeMember, Meeting, MeetingDecision, Vote
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Notification, Role
from tests.governance.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
LATER = NOW + timedelta(days=7)


def schedule(board, actor, **fields):
    fields.setdefault("title", "Steering committee")
    fields.setdefault("starts_at", LATER)
    return services.meeting_schedule(committee=board, actor=actor, now=NOW, **fields)


def held(board, present_keys):
    meeting = schedule(board, board.seats["secretary"].user)[0]
    services.meeting_attendance_record(
        meeting=meeting,
        actor=board.seats["secretary"].user,
        present_member_ids=[board.seats[k].pk for k in present_keys],
        now=LATER,
    )
    return meeting


EVERYONE = ["chair", "secretary", "guest", "sponsor", "partner_sponsor"]


def test_members_sit_for_the_party_of_their_membership(scope, board):
    parties = {key: member.party for key, member in board.seats.items()}
    assert parties == {
        "chair": "customer",
        "secretary": "customer",
        "guest": "partner",
        "sponsor": "customer",
        "partner_sponsor": "partner",
    }


def test_a_guest_not_invited_to_the_partnership_cannot_sit_on_its_committee(
    scope, board, make_member, org_a, owner
):
    stranger = make_member(org_a, Role.PARTNER_GUEST, email="other@partner.test")
    with pytest.raises(ValidationError) as error:
        services.committee_member_add(committee=board, user=stranger, actor=owner, today=NOW.date())
    assert "not invited" in str(error.value)


def test_a_viewer_sits_only_as_an_observer_without_a_vote(scope, board, member, owner):
    with pytest.raises(ValidationError):
        services.committee_member_add(committee=board, user=member, actor=owner, today=NOW.date())
    seat = services.committee_member_add(
        committee=board, user=member, actor=owner, today=NOW.date(), role="observer"
    )
    assert seat.has_vote is False
    with pytest.raises(ValidationError):
        services.committee_member_update(member=seat, actor=owner, has_vote=True)


def test_the_secretary_schedules_a_recurring_series(scope, board):
    meetings = schedule(board, board.seats["secretary"].user, occurrences=3)
    assert [m.starts_at for m in meetings] == [
        LATER,
        LATER.replace(month=LATER.month + 1),
        LATER.replace(month=LATER.month + 2),
    ]
    assert len({m.series for m in meetings}) == 1
    invited = Notification.objects.filter(
        dedupe_key=f"governance.meeting.scheduled:{meetings[0].pk}"
    )
    assert invited.count() == 5


def test_a_meeting_in_the_past_is_not_scheduled_as_upcoming(scope, board):
    with pytest.raises(ValidationError) as error:
        schedule(board, board.seats["secretary"].user, starts_at=NOW - timedelta(hours=1))
    assert "past" in str(error.value)
    assert Meeting.objects.count() == 0


def test_only_an_officer_schedules(scope, board):
    with pytest.raises(PermissionDeniedError):
        schedule(board, board.seats["guest"].user)


def test_a_decision_with_quorum_records_its_vote_and_outcome(scope, board):
    meeting = held(board, ["chair", "guest", "sponsor"])
    seats = board.seats
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=seats["secretary"].user,
        title="Approve the Q3 capacity plan",
        votes=[
            (seats["chair"].user, "for"),
            (seats["guest"].user, "for"),
            (seats["sponsor"].user, "against"),
        ],
        now=LATER,
    )
    assert decision.outcome == MeetingDecision.Outcome.CARRIED
    assert sorted(Vote.objects.filter(decision=decision).values_list("choice", flat=True)) == [
        "against",
        "for",
        "for",
    ]
    assert "governance.meeting.decision_recorded" in AuditEvent.objects.values_list(
        "action", flat=True
    )


def test_no_decision_without_quorum(scope, board):
    meeting = held(board, ["chair", "sponsor"])  # 2 of 4 voting, and no partner present
    with pytest.raises(ConflictError) as error:
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve",
            votes=[(board.seats["chair"].user, "for")],
            now=LATER,
        )
    assert error.value.code == "no_quorum"
    assert MeetingDecision.objects.count() == 0


def test_the_quorum_needs_a_voting_member_of_each_party(scope, board):
    quorum = services.quorum_of(
        board,
        list(CommitteeMember.objects.filter(committee=board, has_vote=True)),
        {board.seats["chair"].pk, board.seats["sponsor"].pk, board.seats["partner_sponsor"].pk},
    )
    assert quorum.reached
    quorum = services.quorum_of(
        board,
        list(CommitteeMember.objects.filter(committee=board, has_vote=True)),
        {board.seats["chair"].pk, board.seats["sponsor"].pk, board.seats["secretary"].pk},
    )
    assert not quorum.reached


def test_a_non_member_does_not_vote(scope, board, owner):
    meeting = held(board, EVERYONE)
    with pytest.raises(PermissionDeniedError):
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve",
            votes=[(owner, "for")],
            now=LATER,
        )
    assert MeetingDecision.objects.count() == 0


def test_a_member_without_a_vote_does_not_vote(scope, board):
    meeting = held(board, EVERYONE)
    with pytest.raises(PermissionDeniedError):
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve",
            votes=[(board.seats["secretary"].user, "for")],
            now=LATER,
        )


def test_nobody_votes_twice(scope, board):
    meeting = held(board, EVERYONE)
    chair = board.seats["chair"].user
    with pytest.raises(ConflictError) as error:
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve",
            votes=[(chair, "for"), (chair, "against")],
            now=LATER,
        )
    assert error.value.code == "already_voted"
    assert MeetingDecision.objects.count() == 0
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=board.seats["secretary"].user,
        title="Approve",
        votes=[(chair, "for")],
        now=LATER,
    )
    with pytest.raises(ConflictError):
        services.meeting_vote_cast(decision=decision, voter=chair, choice="against", now=LATER)
    services.meeting_vote_cast(
        decision=decision, voter=board.seats["guest"].user, choice="against", now=LATER
    )
    assert Vote.objects.filter(decision=decision).count() == 2


def test_an_absent_member_does_not_vote(scope, board):
    meeting = held(board, ["chair", "guest", "sponsor"])
    with pytest.raises(ValidationError):
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve",
            votes=[(board.seats["partner_sponsor"].user, "for")],
            now=LATER,
        )


@pytest.mark.parametrize(
    "threshold, choices, outcome",
    [
        ("simple_majority", ["for", "against", "abstain"], "not_carried"),
        ("simple_majority", ["for", "for", "against"], "carried"),
        ("two_thirds", ["for", "for", "against"], "carried"),
        ("two_thirds", ["for", "against"], "not_carried"),
        ("unanimous", ["for", "for", "abstain"], "carried"),
        ("unanimous", ["for", "for", "against"], "not_carried"),
    ],
)
def test_the_threshold_decides_the_outcome(threshold, choices, outcome):
    assert services.decision_outcome(threshold, choices) == outcome


def test_minutes_are_written_by_the_secretary_and_approved_by_the_chair(scope, board):
    meeting = held(board, EVERYONE)
    secretary, chair = board.seats["secretary"].user, board.seats["chair"].user
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="1. Capacity plan.", today=TODAY
    )
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    with pytest.raises(ConflictError):
        services.meeting_minutes_save(
            meeting=meeting, actor=secretary, minutes="changed", today=TODAY
        )
    with pytest.raises(PermissionDeniedError):
        services.meeting_minutes_approve(meeting=meeting, approver=secretary, now=LATER)
    services.meeting_minutes_request_changes(
        meeting=meeting, approver=chair, reason="Add Q3", today=TODAY
    )
    meeting.refresh_from_db()
    assert meeting.minutes_status == "draft"
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    services.meeting_minutes_approve(meeting=meeting, approver=chair, now=LATER)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by) == ("approved", chair)


def test_a_quarterly_review_records_the_priorities_it_changed(scope, board):
    secretary = board.seats["secretary"].user
    regular = schedule(board, secretary)[0]
    with pytest.raises(ConflictError):
        services.meeting_priorities_record(
            meeting=regular,
            actor=secretary,
            priorities=[{"priority": "Cost", "change": "Up"}],
            today=TODAY,
        )
    review = schedule(board, secretary, kind="quarterly_review", title="Q1 review")[0]
    with pytest.raises(ValidationError):
        services.meeting_priorities_record(
            meeting=review,
            actor=secretary,
            priorities=[{"priority": "Cost", "change": ""}],
            today=TODAY,
        )
    services.meeting_priorities_record(
        meeting=review,
        actor=secretary,
        priorities=[{"priority": "On-time delivery", "change": "Raised to first priority"}],
        today=TODAY,
    )
    review.refresh_from_db()
    assert review.priorities_changed == [
        {"priority": "On-time delivery", "change": "Raised to first priority"}
    ]


def test_reminders_go_out_once_a_day_before(scope, board):
    meeting = schedule(board, board.seats["secretary"].user)[0]
    assert services.meeting_reminders_send(now=LATER - timedelta(days=2)) == 0
    assert services.meeting_reminders_send(now=LATER - timedelta(hours=20)) == 1
    assert services.meeting_reminders_send(now=LATER - timedelta(hours=19)) == 0
    reminders = Notification.objects.filter(dedupe_key=f"governance.meeting.reminder:{meeting.pk}")
    assert reminders.count() == 5


def test_the_invitation_is_an_icalendar_event_with_both_parties(scope, board):
    from icalendar import Calendar

    meeting = schedule(board, board.seats["secretary"].user, location="Lyon plant")[0]
    users = [m.user for m in board.seats.values()]
    calendar = Calendar.from_ical(
        meeting_invitation(meeting, url="https://x/m/1/", attendees=users)
    )
    event = calendar.walk("VEVENT")[0]
    assert str(event["summary"]) == "Steering committee"
    assert event.decoded("dtstart") == LATER
    assert str(event["location"]) == "Lyon plant"
    assert {str(a) for a in event["attendee"]} >= {
        "mailto:guest@alder.test",
        "mailto:pia@alder.test",
    }


def test_action_items_are_owned_by_either_party_and_due_in_the_future(scope, board, partnership):
    guest = board.seats["guest"].user
    action = services.meeting_action_create(
        partnership=partnership,
        actor=board.seats["secretary"].user,
        title="Send the capacity plan",
        owner=guest,
        due_date=NOW.date() + timedelta(days=7),
        today=NOW.date(),
    )
    assert action.party == "partner"
    with pytest.raises(ValidationError):
        services.meeting_action_create(
            partnership=partnership,
            actor=board.seats["secretary"].user,
            title="Late",
            owner=guest,
            due_date=NOW.date() - timedelta(days=1),
            today=NOW.date(),
        )
    services.meeting_action_set_status(action=action, actor=guest, status="done", now=NOW)
    with pytest.raises(ConflictError):
        services.meeting_action_set_status(action=action, actor=guest, status="open", now=NOW)
