"""A committee's officers are the chair and secretary who sit on it on the day they act: within
their term and still able to take part (`committees.seated_on`, `committees.able_members`).
Before, an officer's seat counted whatever its term said: a chair whose term had ended went on
scheduling and running meetings, recording decisions and approving minutes, and minutes waited
for them rather than for the chair who followed. An admin or procurement manager still stands
in; the seat of a former officer stays on record."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import selectors, services
from governance.models import CommitteeMember
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, Notification, Role
from tests.governance.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

MEETING_AT = NOW + timedelta(days=7)
EVERYONE = ["chair", "secretary", "guest", "sponsor", "partner_sponsor"]


def _user(board, key):
    return board.seats[key].user


def _end_chairs_term(board, on):
    return services.committee_member_update(member=board.seats["chair"], actor=None, term_end=on)


def _new_chair(board, make_member, org_a, owner, *, from_day):
    nina = make_member(
        org_a, Role.COMMITTEE_MEMBER, email="nina@alpha.test", full_name="Nina Newchair"
    )
    return services.committee_member_add(
        committee=board,
        user=nina,
        actor=owner,
        today=from_day,
        role=CommitteeMember.Role.CHAIR,
        term_end=from_day + timedelta(days=700),
    )


def _held_with_draft_minutes(board, *, starts_at=MEETING_AT, saved_on=TODAY, present=EVERYONE):
    """A meeting held at `starts_at` with `present` there and draft minutes saved on `saved_on`,
    all by the secretary."""
    secretary = _user(board, "secretary")
    meeting = services.meeting_schedule(
        committee=board,
        actor=secretary,
        now=starts_at - timedelta(days=14),
        title="Steering committee",
        starts_at=starts_at,
    )[0]
    services.meeting_attendance_record(
        meeting=meeting,
        actor=secretary,
        present_member_ids=[board.seats[k].pk for k in present],
        now=starts_at,
    )
    return services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="Capacity agreed.", today=saved_on
    )


def _held_with_minutes_submitted(
    board, *, starts_at=MEETING_AT, submitted_on=TODAY, present=EVERYONE
):
    meeting = _held_with_draft_minutes(
        board, starts_at=starts_at, saved_on=submitted_on, present=present
    )
    services.meeting_minutes_submit(
        meeting=meeting, actor=_user(board, "secretary"), today=submitted_on
    )
    return meeting


def _minutes_waiting_while_the_chair_changes(board, make_member, org_a, owner):
    """Minutes submitted today; Carl's term ends on 20 Jan and Nina chairs from 21 Jan."""
    meeting = _held_with_minutes_submitted(board)
    _end_chairs_term(board, TODAY + timedelta(days=10))
    nina = _new_chair(board, make_member, org_a, owner, from_day=TODAY + timedelta(days=11)).user
    return _user(board, "chair"), nina, meeting


# --- who is an officer -------------------------------------------------------------------


def test_a_chair_is_an_officer_only_within_their_term(scope, board):
    chair = _user(board, "chair")
    _end_chairs_term(board, TODAY)
    assert services.is_officer(chair, board, on=TODAY)  # the last day of the term still counts
    assert not services.is_officer(chair, board, on=TODAY + timedelta(days=1))
    services.committee_member_update(
        member=board.seats["chair"],
        actor=None,
        term_start=TODAY + timedelta(days=3),
        term_end=TODAY + timedelta(days=300),
    )
    assert not services.is_officer(chair, board, on=TODAY + timedelta(days=2))
    assert services.is_officer(chair, board, on=TODAY + timedelta(days=3))


def test_a_partner_secretary_taken_off_the_partnership_is_no_longer_an_officer(
    scope, board, partnership, owner
):
    from partnerships.services import partnership_remove_guest

    greta = _user(board, "guest")
    services.committee_member_update(
        member=board.seats["guest"], actor=None, role=CommitteeMember.Role.SECRETARY
    )
    assert services.is_officer(greta, board, on=TODAY)
    partnership_remove_guest(partnership=partnership, guest=greta, actor=owner)
    assert not services.is_officer(greta, board, on=TODAY)


def test_a_member_who_is_not_an_officer_is_refused_in_the_usual_words(scope, board):
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_schedule(
            committee=board,
            actor=_user(board, "partner_sponsor"),
            now=NOW,
            title="Steering committee",
            starts_at=MEETING_AT,
        )
    assert str(refused.value) == "Only the committee's chair or secretary schedules meetings."


def test_a_chair_whose_term_ended_is_told_why_they_no_longer_run_meetings(scope, board):
    chair = _user(board, "chair")
    _end_chairs_term(board, TODAY - timedelta(days=1))
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_schedule(
            committee=board, actor=chair, now=NOW, title="Steering committee", starts_at=MEETING_AT
        )
    assert str(refused.value) == (
        "Only the committee's sitting chair or secretary schedules meetings. "
        "Your seat: Term ended on 09 Jan 2030."
    )


def test_a_chair_not_yet_seated_is_told_from_when_they_sit(scope, board):
    meeting = services.meeting_schedule(
        committee=board,
        actor=_user(board, "secretary"),
        now=NOW,
        title="Steering committee",
        starts_at=MEETING_AT,
    )[0]
    services.committee_member_update(
        member=board.seats["chair"],
        actor=None,
        term_start=TODAY + timedelta(days=1),
        term_end=TODAY + timedelta(days=300),
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_cancel(
            meeting=meeting, actor=_user(board, "chair"), reason="Plant closed", today=TODAY
        )
    assert str(refused.value) == (
        "Only the committee's sitting chair or secretary cancels meetings. "
        "Your seat: Sits from 11 Jan 2030."
    )
    services.meeting_cancel(
        meeting=meeting,
        actor=_user(board, "chair"),
        reason="Plant closed",
        today=TODAY + timedelta(days=1),
    )
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


def test_every_meeting_record_is_refused_to_a_former_chair(scope, board):
    """Attendance, decisions, the minutes, a review's priorities and a meeting's actions: each
    asks for an officer sitting on the day of the act."""
    chair, secretary = _user(board, "chair"), _user(board, "secretary")
    meeting = services.meeting_schedule(
        committee=board,
        actor=secretary,
        now=NOW,
        title="Quarterly review",
        kind="quarterly_review",
        starts_at=MEETING_AT,
    )[0]
    _end_chairs_term(board, MEETING_AT.date() - timedelta(days=1))
    day = MEETING_AT.date()
    refused_acts = {
        "records attendance": lambda: services.meeting_attendance_record(
            meeting=meeting, actor=chair, present_member_ids=[], now=MEETING_AT
        ),
        "writes the minutes": lambda: services.meeting_minutes_save(
            meeting=meeting, actor=chair, minutes="Notes", today=day
        ),
        "records the review's priorities": lambda: services.meeting_priorities_record(
            meeting=meeting,
            actor=chair,
            priorities=[{"priority": "Cost", "change": "Down"}],
            today=day,
        ),
        "records a meeting's actions": lambda: services.meeting_action_create(
            partnership=board.partnership,
            meeting=meeting,
            actor=chair,
            title="Send the shift plan",
            owner=secretary,
            due_date=day + timedelta(days=7),
            today=day,
        ),
    }
    for doing, act in refused_acts.items():
        with pytest.raises(PermissionDeniedError) as refused:
            act()
        assert str(refused.value) == (
            f"Only the committee's sitting chair or secretary {doing}. "
            f"Your seat: Term ended on {day - timedelta(days=1):%d %b %Y}."
        )
    services.meeting_attendance_record(
        meeting=meeting,
        actor=secretary,
        present_member_ids=[board.seats[k].pk for k in ["secretary", "guest", "sponsor"]],
        now=MEETING_AT,
    )
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_decision_record(
            meeting=meeting,
            actor=chair,
            title="Approve the plan",
            votes=[(_user(board, "guest"), "for")],
            now=MEETING_AT,
        )
    assert "records decisions. Your seat: Term ended on" in str(refused.value)
    # The secretary (and any stand-in) goes on recording.
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=secretary,
        title="Approve the plan",
        votes=[(_user(board, "guest"), "for"), (_user(board, "sponsor"), "for")],
        now=MEETING_AT,
    )
    assert decision.outcome == "carried"


def test_an_action_of_a_meeting_is_recorded_by_its_officers_only(scope, board):
    """Before, the page asked for an officer but the API let any member who may change the
    governance module add actions to a meeting; the service now asks, once, for both."""
    meeting = services.meeting_schedule(
        committee=board,
        actor=_user(board, "secretary"),
        now=NOW,
        title="Steering committee",
        starts_at=MEETING_AT,
    )[0]
    sam = _user(board, "sponsor")  # an organization admin: may stand in
    greta = _user(board, "guest")
    fields = {"title": "Send the shift plan", "due_date": TODAY + timedelta(days=7), "today": TODAY}
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_action_create(
            partnership=board.partnership, meeting=meeting, actor=greta, owner=greta, **fields
        )
    assert (
        str(refused.value) == "Only the committee's chair or secretary records a meeting's actions."
    )
    by_chair = services.meeting_action_create(
        partnership=board.partnership,
        meeting=meeting,
        actor=_user(board, "chair"),
        owner=greta,
        **fields,
    )
    by_stand_in = services.meeting_action_create(
        partnership=board.partnership, meeting=meeting, actor=sam, owner=greta, **fields
    )
    # Without a meeting, an action is the partnership's: no officer is asked for.
    loose = services.meeting_action_create(
        partnership=board.partnership, actor=greta, owner=greta, **fields
    )
    assert [a.meeting_id for a in (by_chair, by_stand_in, loose)] == [meeting.pk, meeting.pk, None]


def test_a_committee_member_who_is_no_officer_gets_403_adding_an_action_to_a_meeting(
    org_a, board, make_member, api_as
):
    from tenancy.context import tenant_scope

    chair = _user(board, "chair")
    cora = make_member(org_a, Role.COMMITTEE_MEMBER, email="cora@alpha.test")
    with tenant_scope(org_a):
        meeting = services.meeting_schedule(
            committee=board,
            actor=_user(board, "secretary"),
            now=timezone.now(),
            title="Steering committee",
            starts_at=timezone.now() + timedelta(days=3),
        )[0]
    body = {
        "partnership": board.partnership.pk,
        "meeting": meeting.pk,
        "title": "Send the shift plan",
        "owner": chair.pk,
        "due_date": str(timezone.localdate() + timedelta(days=7)),
    }
    url = f"/api/v1/o/{org_a.slug}/meeting-actions/"
    refused = api_as(cora, org_a).post(url, body, format="json")
    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["message"] == (
        "Only the committee's chair or secretary records a meeting's actions."
    )
    assert api_as(chair, org_a).post(url, body, format="json").status_code == 201


def test_a_former_chair_no_longer_moves_someone_elses_action_on(scope, board):
    greta = _user(board, "guest")
    action = services.meeting_action_create(
        partnership=board.partnership,
        actor=_user(board, "secretary"),
        title="Send the shift plan",
        owner=greta,
        due_date=TODAY + timedelta(days=7),
        today=TODAY,
    )
    # While Carl chairs he moves it on; once his term has ended he no longer does.
    services.meeting_action_set_status(
        action=action, actor=_user(board, "chair"), status="in_progress", now=NOW
    )
    _end_chairs_term(board, TODAY - timedelta(days=1))
    with pytest.raises(PermissionDeniedError):
        services.meeting_action_set_status(
            action=action, actor=_user(board, "chair"), status="open", now=NOW
        )
    # Greta, the owner, still does.
    moved = services.meeting_action_set_status(action=action, actor=greta, status="done", now=NOW)
    assert moved.status == "done"


# --- the minutes go to the chair sitting on the day ---------------------------------------


def test_minutes_go_to_the_chair_who_sits_on_the_day_they_are_decided(
    scope, board, make_member, org_a, owner
):
    carl, nina, meeting = _minutes_waiting_while_the_chair_changes(board, make_member, org_a, owner)
    assert services.minutes_approvers(meeting, on=TODAY + timedelta(days=10)) == [carl]
    assert services.minutes_approvers(meeting, on=TODAY + timedelta(days=11)) == [nina]
    later = NOW + timedelta(days=11)
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_minutes_approve(meeting=meeting, approver=carl, now=later)
    assert str(refused.value) == "Only the committee's chair approves the minutes."
    services.meeting_minutes_approve(meeting=meeting, approver=nina, now=later)
    meeting.refresh_from_db()
    assert (meeting.minutes_status, meeting.minutes_approved_by) == ("approved", nina)


def test_a_chair_who_left_the_organization_no_longer_approves_the_minutes(
    scope, board, org_a, owner
):
    from tenancy.access.services.members import membership_deactivate

    meeting = _held_with_minutes_submitted(board)
    carl = _user(board, "chair")
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=carl),
        actor=owner,
        reason="Left the company",
        now=NOW,
    )
    assert services.minutes_approvers(meeting, on=TODAY) == []
    assert not services.is_officer(carl, board, on=TODAY)


def test_a_former_chair_no_longer_sends_the_minutes_back(scope, board):
    meeting = _held_with_minutes_submitted(board)
    _end_chairs_term(board, TODAY)
    with pytest.raises(PermissionDeniedError):
        services.meeting_minutes_request_changes(
            meeting=meeting,
            approver=_user(board, "chair"),
            reason="Add the Q3 plan",
            today=TODAY + timedelta(days=1),
        )
    services.meeting_minutes_request_changes(
        meeting=meeting, approver=_user(board, "chair"), reason="Add the Q3 plan", today=TODAY
    )
    meeting.refresh_from_db()
    assert meeting.minutes_status == "draft"


def test_minutes_are_not_sent_when_no_chair_sits_that_day(scope, board):
    _end_chairs_term(board, TODAY - timedelta(days=1))
    with pytest.raises(ConflictError) as refused:
        _held_with_minutes_submitted(board, present=["secretary", "guest", "sponsor"])
    assert (refused.value.code, refused.value.message) == (
        "no_minutes_approver",
        "No chair sits on the committee today to approve the minutes: seat one on the "
        "committee page first.",
    )


def test_submitted_minutes_are_announced_to_the_sitting_chair_only(
    scope, board, make_member, org_a, owner
):
    _end_chairs_term(board, TODAY - timedelta(days=1))
    nina = _new_chair(board, make_member, org_a, owner, from_day=TODAY).user
    meeting = _held_with_minutes_submitted(board, present=["secretary", "guest", "sponsor"])
    told = Notification.objects.filter(title=f"Minutes to approve: {meeting.title}")
    assert [n.recipient for n in told] == [nina]


def test_the_inbox_holds_minutes_for_the_chair_sitting_today_only(
    scope, board, make_member, org_a, owner
):
    carl, nina, meeting = _minutes_waiting_while_the_chair_changes(board, make_member, org_a, owner)

    def awaiting(user, day):
        membership = Membership.objects.get(organization=org_a, user=user)
        return list(selectors.minutes_awaiting(membership=membership, today=day))

    assert awaiting(carl, TODAY + timedelta(days=10)) == [meeting]
    assert awaiting(nina, TODAY + timedelta(days=10)) == []
    assert awaiting(carl, TODAY + timedelta(days=11)) == []
    assert awaiting(nina, TODAY + timedelta(days=11)) == [meeting]
    assert awaiting(nina, TODAY + timedelta(days=711)) == [meeting]  # her last day
    assert awaiting(nina, TODAY + timedelta(days=712)) == []


# --- the pages ----------------------------------------------------------------------------


def test_the_meeting_page_offers_the_chairs_buttons_to_the_sitting_chair_only(
    org_a, board, make_member, owner, client_as
):
    """The page reads the real today. Carl chaired the meeting three days ago; his term ended
    yesterday and Nina chairs from today: the minutes are hers to decide."""
    from tenancy.context import tenant_scope

    today = timezone.localdate()
    with tenant_scope(org_a):
        meeting = _held_with_minutes_submitted(
            board, starts_at=timezone.now() - timedelta(days=3), submitted_on=today
        )
        _end_chairs_term(board, today - timedelta(days=1))
        nina = _new_chair(board, make_member, org_a, owner, from_day=today).user
    url = reverse("meeting-detail", args=[org_a.slug, meeting.pk])
    approve = reverse("meeting-minutes-approve", args=[org_a.slug, meeting.pk])
    carl_sees = client_as(_user(board, "chair")).get(url).content.decode()
    nina_sees = client_as(nina).get(url).content.decode()
    assert approve not in carl_sees
    assert 'data-testid="schedule' not in carl_sees and "Record attendance" not in carl_sees
    assert approve in nina_sees
    refused = client_as(_user(board, "chair")).post(approve)
    assert refused.status_code == 403
    assert client_as(nina).post(approve).status_code == 302
    with tenant_scope(org_a):
        meeting.refresh_from_db()
    assert meeting.minutes_approved_by == nina


def test_the_committee_page_no_longer_offers_a_former_chair_the_officers_forms(
    org_a, board, client_as
):
    from tenancy.context import tenant_scope

    url = reverse("partnership-committee", args=[org_a.slug, board.partnership.pk])
    schedule = reverse("meeting-schedule", args=[org_a.slug, board.partnership.pk])
    carl = client_as(_user(board, "chair"))
    assert schedule in carl.get(url).content.decode()
    with tenant_scope(org_a):
        _end_chairs_term(board, timezone.localdate() - timedelta(days=1))
    assert schedule not in carl.get(url).content.decode()
    assert carl.get(schedule).status_code == 403


# --- the API says who sits ------------------------------------------------------------------


def test_the_api_says_of_each_seat_whether_it_sits_today_and_why_not(
    org_a, board, partnership, owner, api_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partnerships.services import partnership_remove_guest
    from tenancy.context import tenant_scope

    today = timezone.localdate()
    with tenant_scope(org_a):
        services.committee_member_update(
            member=board.seats["sponsor"], actor=None, term_end=today - timedelta(days=1)
        )
        services.committee_member_update(
            member=board.seats["chair"],
            actor=None,
            term_start=today + timedelta(days=1),
            term_end=today + timedelta(days=365),
        )
        partnership_remove_guest(
            partnership=partnership, guest=board.seats["guest"].user, actor=owner
        )
    api = api_as(owner, org_a)
    url = f"/api/v1/o/{org_a.slug}/committee-members/?committee={board.pk}"
    api.get(url)  # the key's last use is written on the first call
    with CaptureQueriesContext(connection) as five_seats:
        rows = api.get(url).json()["results"]
    queries_for_five = len(five_seats.captured_queries)  # read before the next request resets it
    said = {row["user_name"]: (row["sitting"], row["not_sitting_because"]) for row in rows}
    assert said == {
        "Carl Committee": (False, f"Sits from {today + timedelta(days=1):%d %b %Y}."),
        "Mia Manager": (True, ""),
        "Greta Guest": (False, "Taken off the partnership: no longer takes part."),
        "Sam Sponsor": (False, f"Term ended on {today - timedelta(days=1):%d %b %Y}."),
        "Pia Partner-Sponsor": (True, ""),
    }
    committee_url = f"/api/v1/o/{org_a.slug}/committees/{board.pk}/"
    with CaptureQueriesContext(connection) as committee_of_five:
        nested = api.get(committee_url).json()["members"]
    queries_for_committee_of_five = len(committee_of_five.captured_queries)
    assert {m["user_name"]: m["sitting"] for m in nested} == {
        name: sitting for name, (sitting, _) in said.items()
    }
    # No query per seat: a sixth seat costs nothing more.
    with tenant_scope(org_a):
        services.committee_member_add(
            committee=board, user=owner, actor=owner, today=today, role="observer"
        )
    with django_assert_max_num_queries(queries_for_five):
        assert len(api.get(url).json()["results"]) == 6
    with django_assert_max_num_queries(queries_for_committee_of_five):
        assert len(api.get(committee_url).json()["members"]) == 6


def test_a_seat_sits_from_the_first_to_the_last_day_of_its_term_both_included(scope, board):
    seat = services.committee_member_update(
        member=board.seats["sponsor"],
        actor=None,
        term_start=TODAY,
        term_end=TODAY + timedelta(days=30),
    )
    why = {
        day: services.not_sitting_because(seat, able=True, on=day)
        for day in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30))
    }
    assert why == {
        TODAY - timedelta(days=1): "Sits from 10 Jan 2030.",
        TODAY: "",
        TODAY + timedelta(days=30): "",
    }
    assert services.not_sitting_because(seat, able=True, on=TODAY + timedelta(days=31)) == (
        "Term ended on 09 Feb 2030."
    )
    assert services.not_sitting_because(seat, able=False, on=TODAY) == (
        "No longer a member of the organization: no longer takes part."
    )
    seat.term_end = None
    assert services.not_sitting_because(seat, able=True, on=TODAY + timedelta(days=9999)) == ""


def test_a_seat_added_through_the_api_says_it_sits(org_a, board, owner, make_member, api_as):
    cora = make_member(org_a, Role.COMMITTEE_MEMBER, email="cora@alpha.test")
    added = api_as(owner, org_a).post(
        f"/api/v1/o/{org_a.slug}/committee-members/",
        {"committee": board.pk, "user": cora.pk, "role": "member"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert (added.json()["sitting"], added.json()["not_sitting_because"]) == (True, "")


def test_the_meeting_page_says_the_minutes_wait_for_a_chair_when_none_sits_today(
    org_a, board, client_as
):
    from tenancy.context import tenant_scope

    today = timezone.localdate()
    with tenant_scope(org_a):
        secretary = _user(board, "secretary")
        meeting = _held_with_draft_minutes(
            board, starts_at=timezone.now() - timedelta(days=3), saved_on=today
        )
        assert services.minutes_submit_refusal(meeting, today=today) is None
        _end_chairs_term(board, today - timedelta(days=1))
        refusal = services.minutes_submit_refusal(meeting, today=today)
    assert (refusal.code, refusal.message) == (
        "no_minutes_approver",
        "No chair sits on the committee today to approve the minutes: seat one on the "
        "committee page first.",
    )
    page = client_as(secretary).get(reverse("meeting-detail", args=[org_a.slug, meeting.pk]))
    text = page.content.decode()
    assert "Send to the chair" not in text and "Save draft" in text
    assert "No chair sits on the committee today to approve the minutes" in text


def test_with_ability_marks_each_seat_whether_its_member_can_still_take_part(
    scope, board, partnership, owner, org_a
):
    """One query for any number of seats: active members of the organization and, for the
    partner, guests still invited to the partnership (`with_ability`, which the API's lists
    use); the same answer as `able_members` gives by filtering."""
    from partnerships.services import partnership_remove_guest
    from tenancy.access.services.members import membership_deactivate

    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=_user(board, "sponsor")),
        actor=owner,
        reason="Left the company",
        now=NOW,
    )
    partnership_remove_guest(partnership=partnership, guest=_user(board, "guest"), actor=owner)
    seats = CommitteeMember.objects.filter(committee=board)
    able = {m.user.email: m.able for m in services.with_ability(seats.select_related("user"))}
    assert able == {
        "committee@alpha.test": True,
        "manager@alpha.test": True,
        "guest@alder.test": False,  # taken off the partnership
        "sponsor@alpha.test": False,  # left the organization
        "pia@alder.test": True,  # still invited
    }
    assert {m.user.email for m in services.able_members(seats)} == {
        email for email, can in able.items() if can
    }
