"""A committee seat counts only while its member sits: within the seat's term and while they can
still take part (an active member of the organization; for the partner, still invited to the
partnership). Before, a term's end changed nothing and a guest taken off the partnership kept
counting: the quorum's denominator held people who could not attend, and they were still
invited, reminded, allowed to vote and required as approvers. The seat stays on record (who sat
when); on the meeting's day it counts for nothing."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from governance import services
from partnerships.services import partnership_invite_guest, partnership_remove_guest
from tenancy.access.services.members import membership_deactivate
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, Notification, Role
from tests.governance.conftest import NOW
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MEETING_AT = NOW + timedelta(days=20)  # 30 Jan 2030


def _end_term(board, key, days_after_now):
    return services.committee_member_update(
        member=board.seats[key],
        actor=None,
        term_end=NOW.date() + timedelta(days=days_after_now),
    )


def _schedule(board, starts_at=MEETING_AT):
    return services.meeting_schedule(
        committee=board,
        actor=board.seats["secretary"].user,
        now=NOW,
        title="Steering committee",
        starts_at=starts_at,
    )[0]


def _schedule_at(board, starts_at):
    """Scheduled with a clock before it, so a meeting of the real yesterday can be held."""
    return services.meeting_schedule(
        committee=board,
        actor=board.seats["secretary"].user,
        now=starts_at - timedelta(days=1),
        title="Steering committee",
        starts_at=starts_at,
    )[0]


def _attend(board, meeting, keys):
    return services.meeting_attendance_record(
        meeting=meeting,
        actor=board.seats["secretary"].user,
        present_member_ids=[board.seats[k].pk for k in keys],
        now=meeting.starts_at,
    )


def test_a_member_whose_term_ended_does_not_count_towards_the_quorum(scope, board):
    _end_term(board, "sponsor", 5)  # Sam's term ends on 15 Jan, before the meeting
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "secretary", "guest"])
    quorum = services.meeting_quorum(meeting)
    # Voting and sitting on 30 Jan: Carl, Greta, Pia (not Sam): 2 of 3, more than half.
    assert (quorum.reached, quorum.present, quorum.voting, quorum.needed) == (True, 2, 3, 2)


def test_the_last_day_of_a_term_still_counts(scope, board):
    _end_term(board, "sponsor", 20)  # the meeting's own day
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "guest", "sponsor"])
    assert services.meeting_quorum(meeting).voting == 4


def test_the_meetings_day_is_counted_in_the_organizations_time(scope, board):
    """12:00 UTC on 30 Jan is 01:00 on 31 Jan in Auckland: a term ending on 30 Jan is over."""
    _end_term(board, "sponsor", 20)  # 30 Jan
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        meeting = _schedule(board, starts_at=MEETING_AT.replace(hour=12))
        assert services.meeting_day(meeting) == date(2030, 1, 31)
        _attend(board, meeting, ["chair", "guest"])
        assert services.meeting_quorum(meeting).voting == 3


def test_a_seat_whose_term_starts_after_the_meeting_does_not_count(scope, board):
    services.committee_member_update(
        member=board.seats["sponsor"],
        actor=None,
        term_start=NOW.date() + timedelta(days=30),
        term_end=NOW.date() + timedelta(days=400),
    )
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "guest"])
    assert services.meeting_quorum(meeting).voting == 3


def test_a_seat_starting_on_the_meeting_day_counts(scope, board):
    services.committee_member_update(
        member=board.seats["sponsor"],
        actor=None,
        term_start=MEETING_AT.date(),
        term_end=MEETING_AT.date() + timedelta(days=400),
    )
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "guest", "sponsor"])
    assert services.meeting_quorum(meeting).voting == 4


def test_a_member_who_left_the_organization_no_longer_counts(scope, board, org_a, org_b, owner):
    # Still a member of another organization: that membership does not seat them here.
    MembershipFactory(organization=org_b, user=board.seats["sponsor"].user, role=Role.ORG_ADMIN)
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=board.seats["sponsor"].user),
        actor=owner,
        reason="Left the company",
        now=NOW,
    )
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "guest"])
    assert services.meeting_quorum(meeting).voting == 3


def test_someone_not_sitting_is_not_marked_present(scope, board):
    _end_term(board, "sponsor", 5)
    meeting = _schedule(board)
    with pytest.raises(ValidationError) as refused:
        _attend(board, meeting, ["chair", "sponsor"])
    assert refused.value.message_dict == {
        "present": [
            "Sam Sponsor did not sit on the committee on 30 Jan 2030 (their term or their "
            "access had ended)."
        ]
    }


def test_a_guest_taken_off_the_partnership_no_longer_counts_nor_votes(
    scope, board, owner, partnership
):
    meeting = _schedule(board)
    _attend(board, meeting, ["chair", "guest", "sponsor", "partner_sponsor"])
    assert services.meeting_quorum(meeting).voting == 4
    # Still a guest of another partnership of the customer: that does not seat them here.
    other = PartnershipFactory(organization=partnership.organization, name="Birch castings")
    partnership_invite_guest(partnership=other, guest=board.seats["guest"].user, actor=owner)
    partnership_remove_guest(partnership=partnership, guest=board.seats["guest"].user, actor=owner)
    quorum = services.meeting_quorum(meeting)
    assert (quorum.present, quorum.voting) == (3, 3)
    with pytest.raises(PermissionDeniedError) as refused:
        services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve the 2031 price review",
            votes=[(board.seats["guest"].user, "for")],
            now=MEETING_AT,
        )
    assert str(refused.value) == (
        "Greta Guest did not sit on the committee on 30 Jan 2030: no vote."
    )
    decision = services.meeting_decision_record(
        meeting=meeting,
        actor=board.seats["secretary"].user,
        title="Approve the 2031 price review",
        votes=[(board.seats["chair"].user, "for")],
        now=MEETING_AT,
    )
    with pytest.raises(PermissionDeniedError):
        services.meeting_vote_cast(
            decision=decision, voter=board.seats["guest"].user, choice="for", now=MEETING_AT
        )


def test_only_members_sitting_on_the_day_are_invited_and_reminded(scope, board):
    _end_term(board, "sponsor", 5)
    meeting = _schedule(board, starts_at=NOW + timedelta(hours=20))  # Sam still sits then
    later = _schedule(board)
    invited = Notification.objects.filter(dedupe_key=f"governance.meeting.scheduled:{later.pk}")
    assert "sponsor@alpha.test" not in {n.recipient.email for n in invited}
    assert invited.count() == 4
    services.meeting_reminders_send(now=NOW)
    reminded = Notification.objects.filter(dedupe_key=f"governance.meeting.reminder:{meeting.pk}")
    assert "sponsor@alpha.test" in {n.recipient.email for n in reminded}
    services.meeting_reminders_send(now=MEETING_AT - timedelta(hours=20))
    reminded = Notification.objects.filter(dedupe_key=f"governance.meeting.reminder:{later.pk}")
    assert sorted(n.recipient.email for n in reminded) == [
        "committee@alpha.test",
        "guest@alder.test",
        "manager@alpha.test",
        "pia@alder.test",
    ]


def test_the_calendar_invitation_lists_only_those_sitting(scope, board, org_a, client_as):
    _end_term(board, "sponsor", 5)
    meeting = _schedule(board)
    ics = (
        client_as(board.seats["secretary"].user)
        .get(reverse("meeting-ics", args=[org_a.slug, meeting.pk]))
        .content.decode()
        .replace("\r\n ", "")  # unfold the 75-character lines
    )
    assert "committee@alpha.test" in ics
    assert "sponsor@alpha.test" not in ics


def test_decision_rights_require_only_sponsors_who_sit_today(scope, board, manager, partnership):
    change_request = services.change_request_create(
        actor=manager,
        partnership=partnership,
        now=NOW,
        title="Second production line",
        cost_impact=Decimal("80000.00"),
    )
    required, blockers = services.required_approvers(change_request, today=NOW.date())
    assert sorted(r.user.email for r in required) == ["pia@alder.test", "sponsor@alpha.test"]
    assert blockers == []
    _end_term(board, "sponsor", 5)
    later = NOW.date() + timedelta(days=6)
    required, blockers = services.required_approvers(change_request, today=later)
    assert [r.user.email for r in required] == ["pia@alder.test"]
    assert blockers == [
        "“Budget change above 50,000” needs our executive sponsor: the partnership's steering "
        "committee has none."
    ]


def test_the_committee_page_says_who_does_not_sit_and_why(
    scope, board, org_a, owner, partnership, client_as
):
    """The page reads the real today: the seats are moved to run from a month ago. Carl (the
    chair, listed first) sits; everyone else does not, each for their own reason."""
    today = timezone.localdate()
    starts = {"partner_sponsor": today + timedelta(days=3)}
    for key, member in board.seats.items():
        services.committee_member_update(
            member=member,
            actor=None,
            term_start=starts.get(key, today - timedelta(days=30)),
            term_end=today - timedelta(days=1) if key == "sponsor" else None,
        )
    partnership_remove_guest(partnership=partnership, guest=board.seats["guest"].user, actor=owner)
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=board.seats["secretary"].user),
        actor=owner,
        reason="Left the company",
        now=NOW,
    )
    url = reverse("partnership-committee", args=[org_a.slug, partnership.pk])
    html = client_as(owner).get(url).content.decode()
    rows = {
        row.split('"', 1)[0]: row.split("</tr>", 1)[0] for row in html.split('data-member="')[1:]
    }
    assert 'data-testid="not-sitting"' not in rows["committee@alpha.test"]
    assert f"Term ended on {today - timedelta(days=1):%d %b %Y}." in rows["sponsor@alpha.test"]
    assert (
        "No longer a member of the organization: no longer takes part."
        in rows["manager@alpha.test"]
    )
    assert "Taken off the partnership: no longer takes part." in rows["guest@alder.test"]
    assert f"Sits from {today + timedelta(days=3):%d %b %Y}." in rows["pia@alder.test"]
    assert html.count('data-testid="not-sitting"') == 4


def test_the_usual_escalation_path_names_only_members_who_sit(scope, board, partnership):
    def contacts(today):
        levels = services.default_path_levels(partnership, today=today)
        return {level["tier"]: sorted(u.email for u in level["contacts"]) for level in levels}

    assert contacts(NOW.date())["executive_sponsors"] == ["pia@alder.test", "sponsor@alpha.test"]
    _end_term(board, "sponsor", 5)
    _end_term(board, "chair", 5)
    later = contacts(NOW.date() + timedelta(days=6))
    assert later["executive_sponsors"] == ["pia@alder.test"]
    # With the chair's term over, the committee level names the voting members who sit.
    assert later["committee"] == ["guest@alder.test", "pia@alder.test"]


def test_the_meeting_page_lists_and_counts_only_those_sitting(scope, board, org_a, client_as):
    """A meeting held yesterday (real time, so the page offers the attendance form); Sam's
    term ended the day before it."""
    starts_at = timezone.now() - timedelta(days=1)
    meeting = _schedule_at(board, starts_at)
    services.committee_member_update(
        member=board.seats["sponsor"],
        actor=None,
        term_end=services.meeting_day(meeting) - timedelta(days=1),
    )
    secretary = client_as(board.seats["secretary"].user)
    url = reverse("meeting-detail", args=[org_a.slug, meeting.pk])
    form = secretary.get(url).content.decode().split('data-testid="attendance-form"')[1]
    form = form.split("</form>")[0]
    assert "Carl Committee" in form and "Sam Sponsor" not in form
    _attend(board, meeting, ["chair", "guest"])
    page = secretary.get(url).content.decode()
    assert "Reached (2 of 3 voting members)" in page


def test_the_api_invitation_lists_only_those_sitting(scope, board, org_a, api_as):
    _end_term(board, "sponsor", 5)
    meeting = _schedule(board)
    api = api_as(board.seats["secretary"].user, org_a)
    ics = (
        api.get(f"/api/v1/o/{org_a.slug}/meetings/{meeting.pk}/invitation/")
        .content.decode()
        .replace("\r\n ", "")
    )
    assert "committee@alpha.test" in ics
    assert "sponsor@alpha.test" not in ics


def test_submitting_after_a_sponsors_term_ended_is_blocked_on_the_day_it_is_submitted(
    scope, board, manager, guest, committee, partnership
):
    """The submission's own clock decides who sits: Sam's term ends on 15 Jan 2030."""
    _end_term(board, "sponsor", 5)
    change_request = services.change_request_create(
        actor=manager,
        partnership=partnership,
        now=NOW,
        title="Second production line",
        cost_impact=Decimal("80000.00"),
    )
    for user in (committee, guest):
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    with pytest.raises(ConflictError) as refused:
        services.change_request_submit(
            change_request=change_request, actor=manager, now=NOW + timedelta(days=6)
        )
    assert "needs our executive sponsor" in str(refused.value)
