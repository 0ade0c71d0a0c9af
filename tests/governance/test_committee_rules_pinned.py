"""Steering-committee rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): one committee per partnership, who may sit and decide, terms of office,
observers without a vote, members with votes kept, the quorum's exact figures and texts, and the
audit trail of every change."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import Committee, CommitteeMember, Party
from governance.services.committees import Quorum, quorum_of
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Membership, Role
from tests.governance.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = NOW.date()


def _event(action):
    return AuditEvent.objects.filter(action=action).order_by("sequence").last()


@pytest.fixture
def committee_(scope, partnership, owner):
    return services.committee_create(actor=owner, partnership=partnership)


# --- the committee ----------------------------------------------------------------------------


def test_a_partnership_has_one_committee_named_by_default_and_its_creation_is_audited(
    scope, partnership, owner
):
    committee = services.committee_create(
        actor=owner, partnership=partnership, term_months=12, created_at="ignored", colour="red"
    )
    assert (committee.name, committee.term_months) == ("Joint steering committee", 12)
    event = _event("governance.committee.created")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(committee.pk),
        {"partnership": partnership.pk},
    )
    with pytest.raises(ConflictError) as refused:
        services.committee_create(actor=owner, partnership=partnership, name="Second board")
    assert (refused.value.code, refused.value.message) == (
        "committee_exists",
        "Alder drive-train already has a steering committee.",
    )
    assert Committee.objects.count() == 1


def test_a_named_committee_keeps_its_name(scope, partnership, owner):
    committee = services.committee_create(actor=owner, partnership=partnership, name="Alder board")
    assert committee.name == "Alder board"


def test_a_committee_update_is_audited_only_when_something_changed(
    scope, committee_, owner, manager
):
    services.committee_update(committee=committee_, actor=manager, quorum_rule="all", colour="x")
    services.committee_update(committee=committee_, actor=owner, quorum_rule="all")
    committee_.refresh_from_db()
    assert committee_.quorum_rule == "all"
    events = AuditEvent.objects.filter(action="governance.committee.updated")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (manager, str(committee_.pk), {"quorum_rule": ["majority", "all"]})
    ]
    with pytest.raises(ValidationError):
        services.committee_update(committee=committee_, actor=owner, quorum_rule="most")


# --- its members ------------------------------------------------------------------------------


def test_a_members_term_runs_the_committees_months_from_today_unless_given(
    scope, committee_, owner, committee, sponsor
):
    seated = services.committee_member_add(
        committee=committee_, user=committee, actor=owner, today=TODAY
    )
    assert (seated.term_start, seated.term_end) == (TODAY, date(2032, 1, 10))
    given = services.committee_member_add(
        committee=committee_,
        user=sponsor,
        actor=owner,
        today=TODAY,
        term_start=date(2030, 2, 1),
        term_end=date(2030, 2, 1),
        party="partner",
    )
    assert (given.term_start, given.term_end, given.party) == (
        date(2030, 2, 1),
        date(2030, 2, 1),
        "customer",
    )


def test_an_observer_has_no_vote_unless_asked_and_then_is_refused(
    scope, committee_, owner, member, committee
):
    observer = services.committee_member_add(
        committee=committee_, user=member, actor=owner, today=TODAY, role="observer"
    )
    assert observer.has_vote is False
    with pytest.raises(ValidationError) as refused:
        services.committee_member_add(
            committee=committee_,
            user=committee,
            actor=owner,
            today=TODAY,
            role="observer",
            has_vote=True,
        )
    assert refused.value.message_dict == {"has_vote": ["An observer has no vote."]}


def test_a_term_may_not_end_before_it_starts(scope, committee_, owner, committee):
    with pytest.raises(ValidationError) as refused:
        services.committee_member_add(
            committee=committee_,
            user=committee,
            actor=owner,
            today=TODAY,
            term_end=date(2030, 1, 9),
        )
    assert refused.value.message_dict == {"term_end": ["The term ends after it starts."]}


def test_who_may_not_sit_is_told_why(
    scope, committee_, owner, committee, member, make_member, org_a, org_b
):
    stranger = make_member(org_b, email="x@bravo.test", full_name="Xena")
    with pytest.raises(ValidationError) as outsider:
        services.committee_member_add(committee=committee_, user=stranger, actor=owner, today=TODAY)
    assert outsider.value.message_dict == {
        "user": ["A committee member must be a member of this organization."]
    }
    Membership.objects.filter(user=committee).update(is_active=False)
    with pytest.raises(ValidationError) as inactive:
        services.committee_member_add(
            committee=committee_, user=committee, actor=owner, today=TODAY
        )
    assert "must be a member of this organization" in str(inactive.value)
    uninvited = make_member(org_a, Role.PARTNER_GUEST, email="y@other.test", full_name="Yann")
    with pytest.raises(ValidationError) as guest:
        services.committee_member_add(
            committee=committee_, user=uninvited, actor=owner, today=TODAY, role="observer"
        )
    assert guest.value.message_dict == {
        "user": ["Yann is a partner guest not invited to this partnership."]
    }
    with pytest.raises(ValidationError) as viewer:
        services.committee_member_add(
            committee=committee_,
            user=member,
            actor=owner,
            today=TODAY,
            is_programme_lead=True,
            has_vote=False,
        )
    assert viewer.value.message_dict == {
        "user": [
            f"{member} is a viewer: that role does not take governance decisions "
            "(make them an observer)."
        ]
    }


@pytest.mark.parametrize("flag", ["has_vote", "is_executive_sponsor", "is_programme_lead"])
def test_a_viewer_who_would_decide_is_refused_whatever_the_flag(
    scope, committee_, owner, member, flag
):
    fields = {"has_vote": False, flag: True}
    with pytest.raises(ValidationError):
        services.committee_member_add(
            committee=committee_, user=member, actor=owner, today=TODAY, **fields
        )


def test_nobody_sits_twice_and_a_seat_is_audited_with_its_flags(scope, committee_, owner, guest):
    seat = services.committee_member_add(
        committee=committee_,
        user=guest,
        actor=owner,
        today=TODAY,
        is_executive_sponsor=True,
    )
    assert seat.party == Party.PARTNER
    event = _event("governance.committee.member_added")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(committee_.pk),
        {
            "member": "guest@alder.test",
            "party": "partner",
            "role": "member",
            "has_vote": True,
            "executive_sponsor": True,
            "programme_lead": False,
        },
    )
    with pytest.raises(ValidationError) as twice:
        services.committee_member_add(
            committee=committee_, user=guest, actor=owner, today=TODAY, role="observer"
        )
    assert twice.value.message_dict == {"user": ["Greta Guest already sits on this committee."]}


def test_making_a_member_an_observer_takes_their_vote_and_is_audited(
    scope, committee_, owner, committee, manager
):
    seat = services.committee_member_add(
        committee=committee_, user=committee, actor=owner, today=TODAY
    )
    services.committee_member_update(member=seat, actor=manager, role="observer", colour="x")
    seat.refresh_from_db()
    assert (seat.role, seat.has_vote) == ("observer", False)
    event = _event("governance.committee.member_updated")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(committee_.pk),
        {
            "member": "committee@alpha.test",
            "role": ["member", "observer"],
            "has_vote": [True, False],
        },
    )
    services.committee_member_update(member=seat, actor=manager, role="observer")
    assert AuditEvent.objects.filter(action="governance.committee.member_updated").count() == 1


def test_an_update_that_would_make_a_viewer_decide_is_refused(scope, committee_, owner, member):
    seat = services.committee_member_add(
        committee=committee_, user=member, actor=owner, today=TODAY, role="observer"
    )
    with pytest.raises(ValidationError) as refused:
        services.committee_member_update(
            member=seat, actor=owner, role="member", is_executive_sponsor=True
        )
    assert "that role does not take governance decisions" in str(refused.value)
    seat.refresh_from_db()
    assert (seat.role, seat.is_executive_sponsor) == ("observer", False)


def test_a_member_with_votes_on_record_stays_and_a_removal_is_audited(scope, board, owner):
    secretary = board.seats["secretary"]
    services.committee_member_remove(member=secretary, actor=owner)
    assert not CommitteeMember.objects.filter(pk=secretary.pk).exists()
    event = _event("governance.committee.member_removed")
    assert (event.actor, event.object_id, event.changes) == (
        owner,
        str(board.pk),
        {"member": "manager@alpha.test"},
    )
    from tests.governance.test_committees import LATER, held

    seats = board.seats
    services.meeting_decision_record(
        meeting=held(board, ["chair", "guest", "sponsor"]),
        actor=owner,
        title="Approve the Q3 capacity plan",
        votes=[(seats["chair"].user, "for"), (seats["guest"].user, "for")],
        now=LATER,
    )
    chair = seats["chair"]
    with pytest.raises(ConflictError) as refused:
        services.committee_member_remove(member=chair, actor=owner)
    assert (refused.value.code, refused.value.message) == (
        "member_has_votes",
        "Carl Committee has votes on record: end their term instead of removing them.",
    )


# --- quorum -----------------------------------------------------------------------------------


def _members(*parties):
    return [SimpleNamespace(pk=index, party=party) for index, party in enumerate(parties, 1)]


def _committee(rule, both=False):
    return SimpleNamespace(quorum_rule=rule, quorum_needs_both_parties=both)


Rule = Committee.QuorumRule
C, P = Party.CUSTOMER, Party.PARTNER


def test_quorum_figures_under_each_rule():
    four = _members(C, C, P, P)
    assert quorum_of(_committee(Rule.MAJORITY), four, {1, 2, 3}) == Quorum(True, 3, 4, 3, "")
    assert quorum_of(_committee(Rule.MAJORITY), _members(C, P, P), {1, 2}) == Quorum(
        True, 2, 3, 2, ""
    )
    assert quorum_of(_committee(Rule.TWO_THIRDS), _members(C, C, P), {1, 2}) == Quorum(
        True, 2, 3, 2, ""
    )
    assert quorum_of(_committee(Rule.ALL), four, {1, 2, 3, 4}) == Quorum(True, 4, 4, 4, "")
    assert quorum_of(_committee(Rule.ALL), _members(C), {1}) == Quorum(True, 1, 1, 1, "")


def test_no_quorum_says_how_many_are_present_and_needed():
    assert quorum_of(_committee(Rule.ALL), _members(C, C, P), {1, 3}) == Quorum(
        False, 2, 3, 3, "No quorum: 2 of 3 voting members present, 3 needed."
    )
    assert quorum_of(_committee(Rule.MAJORITY), [], set()) == Quorum(
        False, 0, 0, 1, "The committee has no voting members."
    )


def test_without_both_parties_present_there_is_no_quorum_and_the_missing_one_is_named():
    members = _members(C, C, P, P)
    both = _committee(Rule.MAJORITY, both=True)
    assert quorum_of(both, members, {1, 2, 5}) == Quorum(
        False, 2, 4, 3, "No quorum: 2 of 4 voting members present, 3 needed."
    )
    assert quorum_of(both, members[1:], {2, 3, 4}) == Quorum(True, 3, 3, 2, "")
    assert quorum_of(both, _members(P, P, C), {1, 2}) == Quorum(
        False, 2, 3, 2, "No quorum: no voting member of ours is present."
    )
    assert quorum_of(both, _members(C, C, P), {1, 2}) == Quorum(
        False, 2, 3, 2, "No quorum: no voting member of the partner's is present."
    )
    assert quorum_of(_committee(Rule.MAJORITY), _members(C, C, P), {1, 2}).reached


def test_a_person_may_sit_on_the_committees_of_two_partnerships(
    scope, committee_, owner, committee, manager
):
    from tests.partnerships.factories import PartnershipFactory

    other = services.committee_create(
        actor=owner, partnership=PartnershipFactory(organization=scope, owner=manager)
    )
    services.committee_member_add(committee=committee_, user=committee, actor=owner, today=TODAY)
    services.committee_member_add(committee=other, user=committee, actor=owner, today=TODAY)
    assert CommitteeMember.objects.filter(user=committee).count() == 2
