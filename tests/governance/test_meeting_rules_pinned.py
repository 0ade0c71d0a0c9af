"""Committee-meeting rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): the schedule and its invitation, cancelling, attendance, decisions and
votes, minutes and their approval, a review's priorities, reminders, and action items, with
the exact refusal texts, audit events, timestamps and notifications."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from governance import services
from governance.models import Meeting, MeetingAction, MeetingAttendance, MeetingDecision, Vote
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import AuditEvent, Notification, Role
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(days=7)
TODAY = NOW.date()
EVERYONE = ["chair", "secretary", "guest", "sponsor", "partner_sponsor"]


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("sequence").last()


def _user(board, key):
    return board.seats[key].user


def _schedule(board, actor=None, **fields):
    fields.setdefault("title", "Steering committee")
    fields.setdefault("starts_at", LATER)
    actor = actor or _user(board, "secretary")
    return services.meeting_schedule(committee=board, actor=actor, now=NOW, **fields)


def _held(board, present_keys=EVERYONE, **fields):
    meeting = _schedule(board, **fields)[0]
    services.meeting_attendance_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        present_member_ids=[board.seats[k].pk for k in present_keys],
        now=meeting.starts_at,
    )
    return meeting


def _refusal(refused):
    return refused.value.message_dict


# --- the schedule -----------------------------------------------------------------------------


def test_a_monthly_series_is_scheduled_audited_and_every_member_invited_once(scope, board, org_a):
    secretary = _user(board, "secretary")
    meetings = services.meeting_schedule(
        committee=board,
        actor=secretary,
        now=NOW,
        title="  Steering committee  ",
        starts_at=LATER,
        duration_minutes=60,
        location="Lyon plant",
        agenda="Capacity\nPrices",
        occurrences=3,
    )
    assert [m.starts_at.isoformat() for m in meetings] == [
        "2030-01-17T09:00:00+00:00",
        "2030-02-17T09:00:00+00:00",
        "2030-03-17T09:00:00+00:00",
    ]
    first = Meeting.objects.get(pk=meetings[0].pk)
    assert (first.title, first.duration_minutes, first.location, first.agenda) == (
        "Steering committee",
        60,
        "Lyon plant",
        "Capacity\nPrices",
    )
    assert (first.kind, first.created_at, first.committee) == ("regular", NOW, board)
    assert first.series is not None
    assert {m.series for m in Meeting.objects.all()} == {first.series}
    event = _event("governance.meeting.scheduled")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(first.pk),
        {
            "committee": board.pk,
            "starts_at": [
                "2030-01-17T09:00:00+00:00",
                "2030-02-17T09:00:00+00:00",
                "2030-03-17T09:00:00+00:00",
            ],
            "kind": "regular",
        },
    )
    invitations = Notification.objects.filter(dedupe_key=f"governance.meeting.scheduled:{first.pk}")
    assert sorted(n.recipient.email for n in invitations) == sorted(
        m.user.email for m in board.seats.values()
    )
    invitation = invitations.first()
    assert (invitation.title, invitation.body, invitation.url) == (
        "Invitation: Steering committee, 17 Jan 2030 09:00",
        "3 meetings, at Lyon plant. The calendar invitation is on the meeting's page.",
        reverse("meeting-detail", args=[org_a.slug, first.pk]),
    )


def test_meeting_url_is_the_meetings_page_in_the_current_organization(scope, board, org_a):
    meeting = _schedule(board)[0]
    url = services.meeting_url(meeting)
    assert url == reverse("meeting-detail", args=[org_a.slug, meeting.pk])
    assert url.startswith(f"/o/{org_a.slug}/") and url.rstrip("/").endswith(str(meeting.pk))


def test_a_single_meeting_has_no_series_and_an_invitation_without_a_place(scope, board):
    (meeting,) = _schedule(board, kind="quarterly_review")
    assert (meeting.series, meeting.kind, meeting.duration_minutes) == (
        None,
        "quarterly_review",
        90,
    )
    invitation = Notification.objects.filter(
        dedupe_key=f"governance.meeting.scheduled:{meeting.pk}"
    ).first()
    assert invitation.body == "The calendar invitation is on the meeting's page."
    assert _event("governance.meeting.scheduled").changes["kind"] == "quarterly_review"


def test_weekly_and_quarterly_series_step_by_their_frequency(scope, board):
    board.meeting_frequency = "weekly"
    board.save()
    weekly = _schedule(board, occurrences=2)
    assert weekly[1].starts_at - weekly[0].starts_at == timedelta(weeks=1)
    board.meeting_frequency = "quarterly"
    board.save()
    quarterly = _schedule(board, occurrences=2)
    assert quarterly[1].starts_at.date().isoformat() == "2030-04-17"


def test_a_series_is_one_to_twelve_meetings(scope, board):
    assert len(_schedule(board, occurrences=12)) == 12
    for occurrences in (0, 13):
        with pytest.raises(ValidationError) as refused:
            _schedule(board, occurrences=occurrences)
        assert _refusal(refused) == {"occurrences": ["Schedule between 1 and 12 meetings."]}


@pytest.mark.parametrize("minutes", [None, 0, 14, 601, 90.5, True, "90"])
def test_a_meeting_shorter_than_15_or_longer_than_600_minutes_is_refused_on_the_field(
    scope, board, minutes
):
    with pytest.raises(ValidationError) as refused:
        _schedule(board, duration_minutes=minutes)
    assert _refusal(refused) == {"duration_minutes": ["A meeting lasts 15 to 600 minutes."]}
    assert not Meeting.objects.exists()


def test_a_meeting_of_15_or_600_minutes_is_scheduled(scope, board):
    (short,) = _schedule(board, duration_minutes=15)
    (long,) = _schedule(board, duration_minutes=600, starts_at=LATER + timedelta(days=1))
    assert (short.duration_minutes, long.duration_minutes) == (15, 600)


def test_a_meeting_starts_later_than_now_with_a_time_zone(scope, board):
    for starts_at in (NOW, NOW - timedelta(minutes=1)):
        with pytest.raises(ValidationError) as refused:
            _schedule(board, starts_at=starts_at)
        assert _refusal(refused) == {
            "starts_at": ["The meeting starts in the past: an upcoming meeting starts later."]
        }
    for starts_at in (None, LATER.replace(tzinfo=None)):
        with pytest.raises(ValidationError) as refused:
            _schedule(board, starts_at=starts_at)
        assert _refusal(refused) == {
            "starts_at": ["Give the start with its date, time and time zone."]
        }
    assert len(_schedule(board, starts_at=NOW + timedelta(minutes=1))) == 1


def test_officers_and_admins_standing_in_schedule_but_not_other_members(
    scope, board, owner, org_a, make_member
):
    assert len(_schedule(board, actor=_user(board, "chair"))) == 1
    assert len(_schedule(board, actor=owner)) == 1
    assert services.is_officer(None, board, on=TODAY) is False
    for user in (_user(board, "guest"), make_member(org_a, Role.VIEWER)):
        with pytest.raises(PermissionDeniedError) as refused:
            _schedule(board, actor=user)
        assert str(refused.value) == ("Only the committee's chair or secretary schedules meetings.")
    inactive = make_member(org_a, Role.ORG_ADMIN)
    inactive.memberships.update(is_active=False)
    assert services.is_officer(inactive, board, on=TODAY) is False


def test_cancelling_needs_a_reason_and_a_scheduled_meeting_and_is_audited(scope, board):
    secretary = _user(board, "secretary")
    meeting = _schedule(board)[0]
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as refused:
            services.meeting_cancel(meeting=meeting, actor=secretary, reason=reason, today=TODAY)
        assert _refusal(refused) == {"reason": ["Say why the meeting is cancelled."]}
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_cancel(
            meeting=meeting, actor=_user(board, "guest"), reason="x", today=TODAY
        )
    assert str(refused.value) == "Only the committee's chair or secretary cancels meetings."
    services.meeting_cancel(
        meeting=meeting, actor=secretary, reason="  Plant closed  ", today=TODAY
    )
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    event = _event("governance.meeting.cancelled")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(meeting.pk),
        {"status": ["scheduled", "cancelled"], "reason": "Plant closed"},
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_cancel(meeting=meeting, actor=secretary, reason="again", today=TODAY)
    assert (refused.value.code, refused.value.message) == (
        "not_scheduled",
        "Only a scheduled meeting is cancelled.",
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_attendance_record(
            meeting=meeting, actor=secretary, present_member_ids=[], now=LATER
        )
    assert (refused.value.code, refused.value.message) == (
        "meeting_cancelled",
        "“Steering committee” was cancelled.",
    )


# --- attendance -------------------------------------------------------------------------------


def test_attendance_marks_everyone_else_absent_and_is_recorded_again_on_change(scope, board):
    secretary = _user(board, "secretary")
    meeting = _schedule(board)[0]
    services.meeting_attendance_record(
        meeting=meeting,
        actor=secretary,
        present_member_ids=[str(board.seats["chair"].pk), board.seats["guest"].pk],
        now=LATER,
    )
    meeting.refresh_from_db()
    assert meeting.status == "held"
    rows = {a.member_id: a.present for a in MeetingAttendance.objects.filter(meeting=meeting)}
    assert rows == {m.pk: k in ("chair", "guest") for k, m in board.seats.items()}
    event = _event("governance.meeting.attendance_recorded")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(meeting.pk),
        {"present": ["committee@alpha.test", "guest@alder.test"], "status": ["scheduled", "held"]},
    )
    services.meeting_attendance_record(
        meeting=meeting,
        actor=secretary,
        present_member_ids=[board.seats["sponsor"].pk, board.seats["guest"].pk],
        now=LATER,
    )
    rows = {a.member_id: a.present for a in MeetingAttendance.objects.filter(meeting=meeting)}
    assert rows == {m.pk: k in ("sponsor", "guest") for k, m in board.seats.items()}
    assert MeetingAttendance.objects.filter(meeting=meeting).count() == 5
    assert _event("governance.meeting.attendance_recorded").changes["status"] == ["held", "held"]


def test_only_members_of_the_committee_attend_and_only_officers_record_it(scope, board):
    meeting = _schedule(board)[0]
    with pytest.raises(ValidationError) as refused:
        services.meeting_attendance_record(
            meeting=meeting,
            actor=_user(board, "secretary"),
            present_member_ids=[board.seats["chair"].pk, 999999],
            now=LATER,
        )
    assert _refusal(refused) == {"present": ["Only members of this committee attend its meetings."]}
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_attendance_record(
            meeting=meeting, actor=_user(board, "guest"), present_member_ids=[], now=LATER
        )
    assert str(refused.value) == "Only the committee's chair or secretary records attendance."
    assert not MeetingAttendance.objects.exists()


# --- decisions and votes ----------------------------------------------------------------------


def test_a_decision_is_stored_with_its_votes_and_audited(scope, board):
    meeting = _held(board)
    secretary = _user(board, "secretary")
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=secretary,
        title="  Approve the capacity plan ",
        text="As tabled.",
        votes=[
            (_user(board, "chair"), "for"),
            (_user(board, "guest"), "against"),
            (_user(board, "sponsor"), "abstain"),
        ],
        now=LATER,
    )
    stored = MeetingDecision.objects.get(pk=decision.pk)
    assert (stored.title, stored.text, stored.outcome) == (
        "Approve the capacity plan",
        "As tabled.",
        "not_carried",
    )
    assert (stored.recorded_by, stored.recorded_at, stored.meeting) == (secretary, LATER, meeting)
    assert sorted(
        (v.member.user.email, v.choice) for v in Vote.objects.filter(decision=decision)
    ) == [
        ("committee@alpha.test", "for"),
        ("guest@alder.test", "against"),
        ("sponsor@alpha.test", "abstain"),
    ]
    event = _event("governance.meeting.decision_recorded")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(meeting.pk),
        {
            "decision": "Approve the capacity plan",
            "outcome": "not_carried",
            "votes": {
                "committee@alpha.test": "for",
                "guest@alder.test": "against",
                "sponsor@alpha.test": "abstain",
            },
        },
    )


def test_a_decision_refuses_in_words(scope, board, owner):
    meeting = _held(board)
    secretary = _user(board, "secretary")
    chair = _user(board, "chair")

    def record(votes, title="Approve"):
        return services.meeting_decision_record(
            meeting=meeting, actor=secretary, title=title, votes=votes, now=LATER
        )

    for title in ("", "  ", None):
        with pytest.raises(ValidationError) as refused:
            record([(chair, "for")], title=title)
        assert _refusal(refused) == {"title": ["Say what was decided."]}
    with pytest.raises(ValidationError) as refused:
        record([(chair, "yes")])
    assert _refusal(refused) == {"votes": ["“yes” is not a vote: for, against or abstain."]}
    with pytest.raises(ValidationError) as refused:
        record([])
    assert _refusal(refused) == {"votes": ["Record the vote of the members present."]}
    with pytest.raises(PermissionDeniedError) as refused:
        record([(owner, "for")])
    assert str(refused.value) == f"{owner} is not a member of this committee: no vote."
    with pytest.raises(PermissionDeniedError) as refused:
        record([(secretary, "for")])
    assert str(refused.value) == "Mia Manager sits on the committee without a vote."
    with pytest.raises(ConflictError) as refused:
        record([(chair, "for"), (chair, "against")])
    assert (refused.value.code, refused.value.message) == (
        "already_voted",
        "Carl Committee already voted on this decision.",
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_decision_record(
            meeting=meeting, actor=_user(board, "guest"), title="x", votes=[], now=LATER
        )
    assert str(refused.value) == "Only the committee's chair or secretary records decisions."
    assert not MeetingDecision.objects.exists()


def test_an_absent_voter_and_a_meeting_without_quorum_are_refused_in_words(scope, board):
    meeting = _held(board, ["chair", "secretary", "guest", "sponsor"])
    with pytest.raises(ValidationError) as refused:
        services.meeting_decision_record(
            meeting=meeting,
            actor=_user(board, "secretary"),
            title="Approve",
            votes=[(_user(board, "partner_sponsor"), "for")],
            now=LATER,
        )
    assert _refusal(refused) == {
        "votes": ["Pia Partner-Sponsor is not recorded as present: no vote."]
    }
    thin = _held(board, ["chair", "secretary"])
    with pytest.raises(ConflictError) as refused:
        services.meeting_decision_record(
            meeting=thin,
            actor=_user(board, "secretary"),
            title="Approve",
            votes=[(_user(board, "chair"), "for")],
            now=LATER,
        )
    assert (refused.value.code, refused.value.message) == (
        "no_quorum",
        "No quorum: 1 of 4 voting members present, 3 needed. No decision is recorded.",
    )
    quorum = services.meeting_quorum(thin)
    assert (quorum.present, quorum.voting, quorum.needed) == (1, 4, 3)


def test_a_late_vote_recomputes_the_outcome_and_is_audited_by_its_voter(scope, board):
    meeting = _held(board)
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        title="Approve",
        votes=[(_user(board, "chair"), "for"), (_user(board, "guest"), "against")],
        now=LATER,
    )
    assert decision.outcome == "not_carried"
    sponsor = _user(board, "sponsor")
    with pytest.raises(ValidationError) as refused:
        services.meeting_vote_cast(decision=decision, voter=sponsor, choice="yes", now=LATER)
    assert _refusal(refused) == {"choice": ["Vote for, against or abstain."]}
    services.meeting_vote_cast(decision=decision, voter=sponsor, choice="for", now=LATER)
    decision.refresh_from_db()
    assert decision.outcome == "carried"
    assert Vote.objects.get(decision=decision, member=board.seats["sponsor"]).choice == "for"
    event = _event("governance.meeting.vote_cast")
    assert (event.actor, event.object_id, event.changes) == (
        sponsor,
        str(meeting.pk),
        {"decision": "Approve", "choice": "for", "outcome": ["not_carried", "carried"]},
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_vote_cast(decision=decision, voter=sponsor, choice="against", now=LATER)
    assert (refused.value.code, refused.value.message) == (
        "already_voted",
        "Sam Sponsor already voted on this decision.",
    )


@pytest.mark.parametrize(
    ("threshold", "choices", "outcome"),
    [
        ("unanimous", ["for", "abstain"], "carried"),
        ("unanimous", ["abstain"], "not_carried"),
        ("unanimous", ["for", "against"], "not_carried"),
        ("two_thirds", ["for", "for", "against"], "carried"),
        ("two_thirds", ["for", "against"], "not_carried"),
        ("two_thirds", ["abstain"], "not_carried"),
        ("two_thirds", ["for", "abstain", "abstain"], "carried"),
        ("simple_majority", ["for", "against"], "not_carried"),
        ("simple_majority", ["for", "abstain", "abstain"], "carried"),
    ],
)
def test_abstentions_are_not_cast_and_each_threshold_has_its_edge(threshold, choices, outcome):
    assert services.decision_outcome(threshold, choices) == outcome


# --- minutes ----------------------------------------------------------------------------------


def test_minutes_are_saved_submitted_to_the_chair_and_approved_with_who_and_when(
    scope, board, org_a
):
    meeting = _held(board)
    secretary, chair = _user(board, "secretary"), _user(board, "chair")
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="1. Capacity plan.", today=TODAY
    )
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_status) == ("1. Capacity plan.", "draft")
    event = _event("governance.meeting.minutes_saved")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(meeting.pk),
        {"length": 17},
    )
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    meeting.refresh_from_db()
    assert meeting.minutes_status == "submitted"
    event = _event("governance.meeting.minutes_submitted")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(meeting.pk),
        {"minutes_status": ["draft", "submitted"]},
    )
    (notice,) = Notification.objects.filter(title="Minutes to approve: Steering committee")
    assert (notice.recipient, notice.dedupe_key) == (chair, "")
    assert notice.url.endswith(f"/{meeting.pk}/") and org_a.slug in notice.url
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_save(
            meeting=meeting, actor=secretary, minutes="changed", today=TODAY
        )
    assert (refused.value.code, refused.value.message) == (
        "minutes_locked",
        "The minutes are awaiting approval: they are no longer edited.",
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_minutes_approve(meeting=meeting, approver=secretary, now=LATER)
    assert str(refused.value) == "Only the committee's chair approves the minutes."
    services.meeting_minutes_approve(meeting=meeting, approver=chair, now=LATER)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by, meeting.minutes_approved_at) == (
        "approved",
        chair,
        LATER,
    )
    event = _event("governance.meeting.minutes_approved")
    assert (event.actor, event.object_id, event.changes) == (
        chair,
        str(meeting.pk),
        {"minutes_status": ["submitted", "approved"]},
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_save(
            meeting=meeting, actor=secretary, minutes="changed", today=TODAY
        )
    assert refused.value.message == "The minutes are approved: they are no longer edited."
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_approve(meeting=meeting, approver=chair, now=LATER)
    assert (refused.value.code, refused.value.message) == (
        "minutes_not_submitted",
        "The minutes are not awaiting approval.",
    )


def test_minutes_sent_back_need_a_reason_and_return_to_draft(scope, board):
    meeting = _held(board)
    secretary, chair = _user(board, "secretary"), _user(board, "chair")
    services.meeting_minutes_save(meeting=meeting, actor=secretary, minutes="Notes", today=TODAY)
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    for reason in ("", "  ", None):
        with pytest.raises(ValidationError) as refused:
            services.meeting_minutes_request_changes(
                meeting=meeting, approver=chair, reason=reason, today=TODAY
            )
        assert _refusal(refused) == {"reason": ["Say what should change in the minutes."]}
    with pytest.raises(PermissionDeniedError):
        services.meeting_minutes_request_changes(
            meeting=meeting, approver=secretary, reason="x", today=TODAY
        )
    services.meeting_minutes_request_changes(
        meeting=meeting, approver=chair, reason=" Add Q3 ", today=TODAY
    )
    meeting.refresh_from_db()
    assert meeting.minutes_status == "draft"
    event = _event("governance.meeting.minutes_changes_requested")
    assert (event.actor, event.object_id, event.changes) == (
        chair,
        str(meeting.pk),
        {"minutes_status": ["submitted", "draft"], "reason": "Add Q3"},
    )


def test_minutes_are_submitted_only_when_written_and_with_a_chair(scope, board):
    meeting = _held(board)
    secretary = _user(board, "secretary")
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    assert (refused.value.code, refused.value.message) == (
        "no_minutes",
        "Write the minutes before submitting them.",
    )
    services.meeting_minutes_save(meeting=meeting, actor=secretary, minutes="   ", today=TODAY)
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    assert refused.value.code == "no_minutes"
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_minutes_save(
            meeting=meeting, actor=_user(board, "guest"), minutes="x", today=TODAY
        )
    assert str(refused.value) == "Only the committee's chair or secretary writes the minutes."
    services.meeting_minutes_save(meeting=meeting, actor=secretary, minutes="Notes", today=TODAY)
    board.seats["chair"].delete()
    with pytest.raises(ConflictError) as refused:
        services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    assert (refused.value.code, refused.value.message) == (
        "no_minutes_approver",
        "No chair sits on the committee today to approve the minutes: seat one on the "
        "committee page first.",
    )
    meeting.refresh_from_db()
    assert meeting.minutes_status == "draft"


# --- a quarterly review's priorities ----------------------------------------------------------


def test_a_review_records_its_priorities_trimmed_and_cut_and_audited(scope, board):
    secretary = _user(board, "secretary")
    review = _schedule(board, kind="quarterly_review", title="Q1 review")[0]
    rows = [
        {"priority": "  On-time delivery ", "change": " Raised "},
        {"priority": "", "change": "  "},
        {},
        {"priority": "P" * 250, "change": "C" * 600},
    ]
    services.meeting_priorities_record(
        meeting=review, actor=secretary, priorities=rows, today=TODAY
    )
    review.refresh_from_db()
    cleaned = [
        {"priority": "On-time delivery", "change": "Raised"},
        {"priority": "P" * 200, "change": "C" * 500},
    ]
    assert review.priorities_changed == cleaned
    event = _event("governance.meeting.priorities_recorded")
    assert (event.actor, event.object_id, event.changes) == (
        secretary,
        str(review.pk),
        {"priorities_changed": [[], cleaned]},
    )


def test_a_review_refuses_half_rows_no_rows_and_other_meetings_in_words(scope, board):
    secretary = _user(board, "secretary")
    review = _schedule(board, kind="quarterly_review", title="Q1 review")[0]
    for row in ({"priority": "Cost", "change": ""}, {"priority": "", "change": "Up"}):
        with pytest.raises(ValidationError) as refused:
            services.meeting_priorities_record(
                meeting=review, actor=secretary, priorities=[row], today=TODAY
            )
        assert _refusal(refused) == {
            "priorities": ["Give each priority with the change the review made to it."]
        }
    for priorities in ([], None, [{"priority": " ", "change": ""}]):
        with pytest.raises(ValidationError) as refused:
            services.meeting_priorities_record(
                meeting=review, actor=secretary, priorities=priorities, today=TODAY
            )
        assert _refusal(refused) == {
            "priorities": ["Record at least one priority the review changed."]
        }
    regular = _schedule(board)[0]
    with pytest.raises(ConflictError) as refused:
        services.meeting_priorities_record(
            meeting=regular,
            actor=secretary,
            priorities=[{"priority": "Cost", "change": "Up"}],
            today=TODAY,
        )
    assert (refused.value.code, refused.value.message) == (
        "not_a_review",
        "Priorities are recalibrated in a quarterly governance review.",
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_priorities_record(
            meeting=review, actor=_user(board, "guest"), priorities=[], today=TODAY
        )
    assert str(refused.value) == (
        "Only the committee's chair or secretary records the review's priorities."
    )


# --- reminders --------------------------------------------------------------------------------


def test_reminders_go_to_scheduled_meetings_starting_within_the_lead_with_the_agenda(scope, board):
    soon = _schedule(board, starts_at=NOW + timedelta(hours=24), agenda="Capacity\nPrices")[0]
    bare = _schedule(board, starts_at=NOW + timedelta(hours=2), title="Bare")[0]
    later = _schedule(board, starts_at=NOW + timedelta(hours=25), title="Later")[0]
    cancelled = _schedule(board, starts_at=NOW + timedelta(hours=3), title="Off")[0]
    services.meeting_cancel(
        meeting=cancelled, actor=_user(board, "secretary"), reason="Off", today=TODAY
    )
    assert services.meeting_reminders_send(now=NOW) == 2
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.reminder_sent_at, later.reminder_sent_at) == (NOW, None)
    reminders = Notification.objects.filter(dedupe_key=f"governance.meeting.reminder:{soon.pk}")
    assert reminders.count() == 5
    reminder = reminders.first()
    assert (reminder.title, reminder.body) == (
        "Reminder: Steering committee, 11 Jan 2030 09:00",
        "Capacity\nPrices",
    )
    assert reminder.url.endswith(f"/{soon.pk}/")
    assert (
        Notification.objects.filter(dedupe_key=f"governance.meeting.reminder:{bare.pk}")
        .first()
        .body
        == "No agenda yet."
    )
    assert not Notification.objects.filter(
        dedupe_key=f"governance.meeting.reminder:{cancelled.pk}"
    ).exists()
    event = _event("governance.meeting.reminders_sent")
    assert (event.actor, event.actor_label, sorted(event.changes["meetings"])) == (
        None,
        "reminder job",
        sorted([soon.pk, bare.pk]),
    )
    assert services.meeting_reminders_send(now=NOW + timedelta(hours=1)) == 1
    assert services.meeting_reminders_send(now=NOW + timedelta(hours=2)) == 0


def test_a_meeting_starting_now_is_not_reminded(scope, board):
    _schedule(board, starts_at=NOW + timedelta(hours=1))
    assert services.meeting_reminders_send(now=NOW + timedelta(hours=1)) == 0
    assert services.meeting_reminders_send(now=NOW, lead=timedelta(minutes=30)) == 0
    assert services.meeting_reminders_send(now=NOW, lead=timedelta(minutes=60)) == 1


# --- action items -----------------------------------------------------------------------------


def _action(board, partnership, owner_key="guest", **fields):
    fields.setdefault("title", "  Send the capacity plan ")
    fields.setdefault("due_date", TODAY)
    return services.meeting_action_create(
        partnership=partnership,
        actor=_user(board, "secretary"),
        owner=_user(board, owner_key),
        today=TODAY,
        **fields,
    )


def test_an_action_item_is_stored_audited_and_its_owner_told(scope, board, partnership, org_a):
    meeting = _schedule(board)[0]
    action = _action(board, partnership, meeting=meeting)
    stored = MeetingAction.objects.get(pk=action.pk)
    assert (stored.title, stored.party, stored.due_date, stored.meeting, stored.status) == (
        "Send the capacity plan",
        "partner",
        TODAY,
        meeting,
        "open",
    )
    assert (stored.owner, stored.partnership) == (_user(board, "guest"), partnership)
    event = _event("governance.action.created")
    assert (event.actor, event.object_id, event.changes) == (
        _user(board, "secretary"),
        str(action.pk),
        {"owner": "guest@alder.test", "party": "partner", "due_date": "2030-01-10"},
    )
    (notice,) = Notification.objects.filter(dedupe_key=f"governance.action.created:{action.pk}")
    assert (notice.recipient, notice.title, notice.body) == (
        _user(board, "guest"),
        "Action for you: Send the capacity plan",
        "Alder drive-train, due 10 Jan 2030.",
    )
    assert org_a.slug in notice.url and str(partnership.pk) in notice.url
    ours = _action(board, partnership, owner_key="sponsor")
    assert ours.party == "customer"


def test_an_action_item_refuses_in_words(scope, board, partnership, org_a, make_member, owner):
    from tenancy.context import tenant_scope
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch", owner=owner)
        foreign = services.committee_create(actor=owner, partnership=other)
        elsewhere = services.meeting_schedule(
            committee=foreign, actor=owner, now=NOW, title="Birch", starts_at=LATER
        )[0]
    with pytest.raises(ValidationError) as refused:
        _action(board, partnership, meeting=elsewhere)
    assert _refusal(refused) == {"meeting": ["The meeting belongs to another partnership."]}
    for due_date in (None, TODAY - timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            _action(board, partnership, due_date=due_date)
        assert _refusal(refused) == {"due_date": ["The deadline is today or later."]}
    uninvited = make_member(org_a, Role.PARTNER_GUEST, full_name="Una Uninvited")
    with pytest.raises(ValidationError) as refused:
        services.meeting_action_create(
            partnership=partnership,
            actor=owner,
            title="x",
            owner=uninvited,
            due_date=TODAY,
            today=TODAY,
        )
    assert _refusal(refused) == {
        "owner": ["Una Uninvited is a partner guest not invited to this partnership."]
    }
    gone = make_member(org_a, Role.VIEWER)
    gone.memberships.update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.meeting_action_create(
            partnership=partnership, actor=owner, title="x", owner=gone, due_date=TODAY, today=TODAY
        )
    assert _refusal(refused) == {"owner": ["The owner must be a member of this organization."]}
    assert not MeetingAction.objects.exists()


def test_an_action_moves_on_by_its_owner_or_an_officer_and_done_is_timed(scope, board, partnership):
    action = _action(board, partnership)
    guest, chair, sponsor = _user(board, "guest"), _user(board, "chair"), _user(board, "sponsor")
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_action_set_status(
            action=action, actor=_user(board, "partner_sponsor"), status="done", now=NOW
        )
    assert str(refused.value) == "Only the owner or the committee's officers update it."
    services.meeting_action_set_status(action=action, actor=chair, status="in_progress", now=NOW)
    services.meeting_action_set_status(action=action, actor=guest, status="open", now=NOW)
    services.meeting_action_set_status(action=action, actor=sponsor, status="done", now=LATER)
    action.refresh_from_db()
    assert (action.status, action.completed_at) == ("done", LATER)
    events = AuditEvent.objects.filter(action="governance.action.status_changed").order_by(
        "sequence"
    )
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (chair, str(action.pk), {"status": ["open", "in_progress"]}),
        (guest, str(action.pk), {"status": ["in_progress", "open"]}),
        (sponsor, str(action.pk), {"status": ["open", "done"]}),
    ]
    with pytest.raises(ConflictError) as refused:
        services.meeting_action_set_status(action=action, actor=guest, status="open", now=NOW)
    assert (refused.value.code, refused.value.message) == (
        "illegal_transition",
        "An action that is done cannot become open.",
    )
    with pytest.raises(ConflictError) as refused:
        services.meeting_action_set_status(action=action, actor=guest, status="cancelled", now=NOW)
    assert refused.value.message == "An action that is done cannot become cancelled."
    with pytest.raises(ValidationError) as refused:
        services.meeting_action_set_status(action=action, actor=guest, status="later", now=NOW)
    assert _refusal(refused) == {"status": ["Open, in progress, done or cancelled."]}


def test_an_open_action_can_be_cancelled_without_a_completion_time(scope, board, partnership):
    action = _action(board, partnership)
    guest = _user(board, "guest")
    services.meeting_action_set_status(action=action, actor=guest, status="in_progress", now=NOW)
    services.meeting_action_set_status(action=action, actor=guest, status="cancelled", now=LATER)
    action.refresh_from_db()
    assert (action.status, action.completed_at) == ("cancelled", None)
    with pytest.raises(ConflictError) as refused:
        services.meeting_action_set_status(action=action, actor=guest, status="open", now=NOW)
    assert refused.value.message == "An action that is cancelled cannot become open."


def test_an_action_done_closes_its_open_escalation(scope, board, partnership):
    from governance.models import Escalation
    from tests.governance.factories import EscalationFactory

    action = _action(board, partnership)
    escalation = EscalationFactory(partnership=partnership, action=action)
    services.meeting_action_set_status(
        action=action, actor=_user(board, "guest"), status="done", now=LATER
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_at) == (Escalation.Status.RESOLVED, LATER)
    assert escalation.resolution == "Action done."


# --- pinned after the re-run ------------------------------------------------------------------


def test_the_chair_without_a_standing_in_role_cancels_and_records_a_reviews_priorities(
    scope, board
):
    chair = _user(board, "chair")
    review = _schedule(board, kind="quarterly_review", title="Q1 review")[0]
    services.meeting_priorities_record(
        meeting=review,
        actor=chair,
        priorities=[{"priority": "Cost", "change": "Down"}],
        today=TODAY,
    )
    services.meeting_cancel(meeting=review, actor=chair, reason="Moved", today=TODAY)
    review.refresh_from_db()
    assert (review.status, review.priorities_changed) == (
        "cancelled",
        [{"priority": "Cost", "change": "Down"}],
    )


def test_a_late_vote_counts_only_this_meetings_attendance_and_this_decisions_votes(scope, board):
    sponsor = _user(board, "sponsor")
    first = _held(board)
    earlier = services.meeting_decision_record(
        meeting=first,
        actor=_user(board, "secretary"),
        title="Earlier",
        votes=[(sponsor, "for")],
        now=LATER,
    )
    assert earlier.outcome == "carried"
    second = _held(board, ["chair", "secretary", "guest", "partner_sponsor"])
    decision = services.meeting_decision_record(
        meeting=second,
        actor=_user(board, "secretary"),
        title="Later",
        votes=[(_user(board, "chair"), "for")],
        now=LATER,
    )
    with pytest.raises(ValidationError) as refused:
        services.meeting_vote_cast(decision=decision, voter=sponsor, choice="for", now=LATER)
    assert _refusal(refused) == {"votes": ["Sam Sponsor is not recorded as present: no vote."]}
    services.meeting_vote_cast(
        decision=decision, voter=_user(board, "guest"), choice="for", now=LATER
    )
    services.meeting_vote_cast(
        decision=earlier, voter=_user(board, "guest"), choice="for", now=LATER
    )
    assert Vote.objects.filter(member=board.seats["guest"]).count() == 2


def test_a_late_vote_is_weighed_by_the_committees_threshold(scope, board):
    board.decision_threshold = "unanimous"
    board.save()
    meeting = _held(board)
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        title="Approve",
        votes=[(_user(board, "chair"), "for"), (_user(board, "guest"), "for")],
        now=LATER,
    )
    services.meeting_vote_cast(
        decision=decision, voter=_user(board, "sponsor"), choice="against", now=LATER
    )
    decision.refresh_from_db()
    assert decision.outcome == "not_carried"


def test_a_reminder_for_a_committee_without_members_goes_to_nobody(scope, partnership, owner):
    empty = services.committee_create(actor=owner, partnership=partnership)
    services.meeting_schedule(
        committee=empty, actor=owner, now=NOW, title="Empty", starts_at=NOW + timedelta(hours=1)
    )
    assert services.meeting_reminders_send(now=NOW) == 1
    assert not Notification.objects.filter(title__startswith="Reminder:").exists()


def test_an_action_item_without_a_title_is_refused(scope, board, partnership):
    with pytest.raises(ValidationError) as refused:
        _action(board, partnership, title=None)
    assert _refusal(refused) == {"title": ["This field cannot be blank."]}


def test_the_escalation_an_action_closes_is_resolved_by_whoever_finished_it(
    scope, board, partnership
):
    from tests.governance.factories import EscalationFactory

    action = _action(board, partnership)
    EscalationFactory(partnership=partnership, action=action)
    services.meeting_action_set_status(
        action=action, actor=_user(board, "guest"), status="done", now=LATER
    )
    event = _event("governance.escalation.resolved")
    assert (event.actor, event.actor_label) == (_user(board, "guest"), "guest@alder.test")


def test_a_series_of_two_shares_a_series_and_says_two_meetings(scope, board):
    pair = _schedule(board, occurrences=2)
    assert pair[0].series is not None and pair[0].series == pair[1].series
    invitation = Notification.objects.filter(
        dedupe_key=f"governance.meeting.scheduled:{pair[0].pk}"
    ).first()
    assert invitation.body == "2 meetings, The calendar invitation is on the meeting's page."


def test_a_simple_majority_carries_three_to_two_where_two_thirds_would_not():
    assert services.decision_outcome("simple_majority", ["for"] * 3 + ["against"] * 2) == "carried"


def test_a_decision_without_text_stores_none_and_a_member_only_submits_as_officer(scope, board):
    meeting = _held(board)
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=_user(board, "chair"),
        title="Approve",
        votes=[(_user(board, "chair"), "for")],
        now=LATER,
    )
    assert MeetingDecision.objects.get(pk=decision.pk).text == ""
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_minutes_submit(meeting=meeting, actor=_user(board, "guest"), today=TODAY)
    assert str(refused.value) == "Only the committee's chair or secretary submits the minutes."


# --- officers and members of another committee --------------------------------------------------


@pytest.fixture
def other_board(scope, board, org_a, owner, make_member):
    """A second committee, of another partnership: Olga chairs it, Vic votes on it."""
    from governance.models import CommitteeMember
    from tests.partnerships.factories import PartnershipFactory

    olga = make_member(org_a, Role.COMMITTEE_MEMBER, email="olga@alpha.test", full_name="Olga")
    vic = make_member(org_a, Role.COMMITTEE_MEMBER, email="vic@alpha.test", full_name="Vic")
    other = services.committee_create(
        actor=owner, partnership=PartnershipFactory(organization=org_a)
    )
    services.committee_member_add(
        committee=other, user=olga, actor=owner, today=TODAY, role=CommitteeMember.Role.CHAIR
    )
    services.committee_member_add(committee=other, user=vic, actor=owner, today=TODAY)
    other.chair, other.voter = olga, vic
    return other


def test_the_chair_of_another_committee_is_no_officer_of_this_one(scope, board, other_board):
    assert services.is_officer(_user(board, "chair"), board, on=TODAY)
    assert not services.is_officer(other_board.chair, board, on=TODAY)
    meeting = _schedule(board)[0]
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_attendance_record(
            meeting=meeting, actor=other_board.chair, present_member_ids=[], now=LATER
        )
    assert str(refused.value) == "Only the committee's chair or secretary records attendance."


def test_a_procurement_manager_off_the_committee_stands_in_and_a_viewer_does_not(
    scope, board, org_a, make_member
):
    stand_in = make_member(org_a, Role.PROCUREMENT_MANAGER, email="paula@alpha.test")
    viewer = make_member(org_a, Role.VIEWER, email="vera@alpha.test")
    assert services.is_officer(stand_in, board, on=TODAY)
    assert not services.is_officer(viewer, board, on=TODAY)


def test_the_chair_records_attendance_and_writes_and_submits_the_minutes(scope, board):
    # The chair is a committee member by role: only their seat makes them an officer here.
    chair = _user(board, "chair")
    meeting = _schedule(board)[0]
    services.meeting_attendance_record(
        meeting=meeting,
        actor=chair,
        present_member_ids=[board.seats[k].pk for k in EVERYONE],
        now=LATER,
    )
    services.meeting_minutes_save(
        meeting=meeting, actor=chair, minutes="Capacity agreed.", today=TODAY
    )
    services.meeting_minutes_submit(meeting=meeting, actor=chair, today=TODAY)
    meeting.refresh_from_db()
    assert (meeting.minutes, meeting.minutes_status) == ("Capacity agreed.", "submitted")


def test_members_and_chairs_of_another_committee_count_for_nothing_here(scope, board, other_board):
    meeting = _held(board)
    quorum = services.meeting_quorum(meeting)
    # Four voting members here (the secretary has no vote), all present: Vic is not one.
    assert (quorum.reached, quorum.present, quorum.voting) == (True, 4, 4)
    assert services.minutes_approvers(meeting, on=TODAY) == [_user(board, "chair")]
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_decision_record(
            meeting=meeting,
            actor=_user(board, "secretary"),
            title="Extend the pilot",
            votes=[(other_board.voter, "for")],
            now=LATER,
        )
    assert str(refused.value) == f"{other_board.voter} is not a member of this committee: no vote."


def test_presence_at_another_meeting_gives_no_vote_at_this_one(scope, board):
    _held(board)  # Greta was present at the first meeting
    second = _held(
        board,
        present_keys=["chair", "secretary", "sponsor", "partner_sponsor"],
        starts_at=LATER + timedelta(days=30),
    )
    with pytest.raises(ValidationError) as refused:
        services.meeting_decision_record(
            meeting=second,
            actor=_user(board, "secretary"),
            title="Extend the pilot",
            votes=[(_user(board, "guest"), "for")],
            now=LATER + timedelta(days=30),
        )
    assert _refusal(refused) == {
        "votes": [f"{_user(board, 'guest')} is not recorded as present: no vote."]
    }


def test_a_unanimous_committee_does_not_carry_three_for_and_one_against(scope, board):
    board.decision_threshold = "unanimous"
    board.save()
    meeting = _held(board)
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=_user(board, "secretary"),
        title="Extend the pilot",
        votes=[
            (_user(board, "chair"), "for"),
            (_user(board, "guest"), "for"),
            (_user(board, "sponsor"), "for"),
            (_user(board, "partner_sponsor"), "against"),
        ],
        now=LATER,
    )
    assert decision.outcome == MeetingDecision.Outcome.NOT_CARRIED
