"""The rules behind committee seats and stale approvers, each called by its own name (the
behaviour they drive is specified in test_committee_seats_by_term.py and
test_stale_approver_replaced.py; here each function's answer is pinned directly)."""

from datetime import date, timedelta

import pytest

from governance import services
from governance.models import ChangeRequestApprover, CommitteeMember
from governance.services.committees import able_members, seated_on
from partnerships.services import partnership_remove_guest
from tenancy.access.services.members import membership_deactivate
from tenancy.models import Membership
from tests.governance.conftest import NOW
from tests.governance.test_services import submitted

pytestmark = pytest.mark.django_db


def _seat(start, end):
    return CommitteeMember(term_start=start, term_end=end)


def test_seated_on_keeps_the_seats_whose_term_covers_the_day_both_ends_included():
    day = date(2030, 1, 30)
    inside = _seat(date(2030, 1, 1), date(2030, 12, 31))
    starts_that_day = _seat(day, None)
    ends_that_day = _seat(date(2029, 1, 1), day)
    open_ended = _seat(date(2020, 1, 1), None)
    ended = _seat(date(2029, 1, 1), date(2030, 1, 29))
    not_yet = _seat(date(2030, 1, 31), None)
    seats = [inside, starts_that_day, ends_that_day, open_ended, ended, not_yet]
    assert seated_on(seats, day) == [inside, starts_that_day, ends_that_day, open_ended]


def test_able_members_drops_who_left_and_guests_taken_off(scope, board, org_a, owner, partnership):
    partnership_remove_guest(partnership=partnership, guest=board.seats["guest"].user, actor=owner)
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=board.seats["sponsor"].user),
        actor=owner,
        reason="Left",
        now=NOW,
    )
    able = able_members(CommitteeMember.objects.filter(committee=board))
    assert sorted(m.user.email for m in able) == [
        "committee@alpha.test",
        "manager@alpha.test",
        "pia@alder.test",
    ]


def test_seated_members_is_term_and_ability_together(scope, board, owner, partnership):
    services.committee_member_update(
        member=board.seats["sponsor"], actor=None, term_end=NOW.date() + timedelta(days=5)
    )
    partnership_remove_guest(partnership=partnership, guest=board.seats["guest"].user, actor=owner)
    on_day = services.seated_members(board, on=NOW.date() + timedelta(days=6))
    assert [m.user.email for m in on_day] == [
        "committee@alpha.test",  # customer chair
        "manager@alpha.test",  # customer secretary
        "pia@alder.test",  # partner member
    ]
    assert "sponsor@alpha.test" in {
        m.user.email for m in services.seated_members(board, on=NOW.date() + timedelta(days=5))
    }


def test_seats_not_sitting_says_why_for_each_seat_that_does_not_sit(
    scope, board, org_a, owner, partnership
):
    seats = board.seats
    services.committee_member_update(
        member=seats["sponsor"], actor=None, term_end=NOW.date() + timedelta(days=5)
    )
    services.committee_member_update(
        member=seats["partner_sponsor"],
        actor=None,
        term_start=NOW.date() + timedelta(days=30),
        term_end=None,
    )
    partnership_remove_guest(partnership=partnership, guest=seats["guest"].user, actor=owner)
    membership_deactivate(
        membership=Membership.objects.get(organization=org_a, user=seats["secretary"].user),
        actor=owner,
        reason="Left",
        now=NOW,
    )
    members = list(CommitteeMember.objects.filter(committee=board))
    why = services.seats_not_sitting(members, on=NOW.date() + timedelta(days=6))
    assert why == {
        seats["sponsor"].pk: "Term ended on 15 Jan 2030.",
        seats["partner_sponsor"].pk: "Sits from 09 Feb 2030.",
        seats["guest"].pk: "Taken off the partnership: no longer takes part.",
        seats["secretary"].pk: "No longer a member of the organization: no longer takes part.",
    }


def test_may_replace_approvers_only_the_requester_or_a_withdrawing_role_while_submitted(
    scope, manager, committee, guest, owner, partnership, sponsor
):
    change_request = submitted(manager, partnership, [committee, guest])
    assert services.may_replace_approvers(manager, change_request, "procurement_manager")
    assert services.may_replace_approvers(sponsor, change_request, "org_admin")
    assert not services.may_replace_approvers(committee, change_request, "committee_member")
    assert not services.may_replace_approvers(None, change_request, None)
    # Back in draft (still open, so it could be withdrawn): approvers are removed and added.
    services.change_request_request_changes(
        change_request=change_request, approver=committee, reason="Cost it.", now=NOW
    )
    change_request.refresh_from_db()
    assert services.may_withdraw(manager, change_request, "procurement_manager")
    assert not services.may_replace_approvers(manager, change_request, "procurement_manager")


def test_approver_drop_refusal_needs_another_approver_of_the_party_and_no_rule(
    scope, manager, committee, guest, partner_sponsor, partnership
):
    change_request = submitted(manager, partnership, [committee, guest, partner_sponsor])
    rows = {
        a.user.email: a
        for a in ChangeRequestApprover.objects.filter(change_request=change_request).select_related(
            "user"
        )
    }
    approvers = list(rows.values())
    assert services.approver_drop_refusal(rows["guest@alder.test"], approvers) is None
    assert services.approver_drop_refusal(rows["committee@alpha.test"], approvers) == (
        "Carl Committee is the only approver of the customer party: name who decides in their "
        "place."
    )
    rows["guest@alder.test"].required_by = "Scope change"
    assert services.approver_drop_refusal(rows["guest@alder.test"], approvers) == (
        "Greta Guest was required by the rule “Scope change”: name who decides in their place."
    )
