"""A committee seat whose term is about to end is told of, once, to its holder, the
partnership's owner and the officers sitting today (`committee_terms_ending_send`, a daily job),
and the committee page warns when nobody sits as chair or secretary today
(`officer_vacancies`). Before, terms lapsed silently: the chair's seat went empty, the minutes
waited and the quorum shrank without anyone being told."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from governance import services, tasks
from governance.models import CommitteeMember
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Notification, Role
from tests.governance.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
EVERY_MEMBER = ["guest", "sponsor", "partner_sponsor"]  # the seats that are neither officer


def _end_term(board, key, on):
    return services.committee_member_update(member=board.seats[key], actor=None, term_end=on)


def _seat_next_chair(board, make_member, org_a, owner, *, from_day):
    nina = make_member(org_a, Role.COMMITTEE_MEMBER, email="nina@alpha.test")
    return services.committee_member_add(
        committee=board, user=nina, actor=owner, today=from_day, role=CommitteeMember.Role.CHAIR
    )


def _told(seat):
    return Notification.objects.filter(
        dedupe_key=f"governance.committee.term_ending:{seat.pk}:{seat.term_end:%Y-%m-%d}"
    )


def test_a_seat_ending_within_thirty_days_is_told_to_its_holder_the_owner_and_the_officers(
    scope, board, manager
):
    sponsor = _end_term(board, "sponsor", TODAY + timedelta(days=30))  # the last day told
    _end_term(board, "partner_sponsor", TODAY + timedelta(days=31))  # not yet
    assert services.committee_terms_ending_send(now=NOW) == 1
    told = _told(sponsor)
    assert sorted(n.recipient.email for n in told) == [
        "committee@alpha.test",  # the chair
        "manager@alpha.test",  # the secretary and the partnership's owner, told once
        "sponsor@alpha.test",  # the holder
    ]
    notice = told.get(recipient=manager)
    assert notice.title == "Committee seat ending on 09 Feb 2030: Sam Sponsor (member)"
    assert notice.body == (
        f"Sam Sponsor's seat on {board.name} (Alder drive-train) ends on 09 Feb 2030. Extend "
        "the term or seat the next member on the committee page."
    )
    assert notice.url == reverse("partnership-committee", args=["alpha", board.partnership.pk])
    assert AuditEvent.objects.filter(
        action="governance.committee.terms_ending_told"
    ).get().changes == {"seats": [sponsor.pk]}


def test_a_term_ending_today_is_still_told_of(scope, board):
    assert _told(_end_term(board, "sponsor", TODAY)).count() == 0
    assert services.committee_terms_ending_send(now=NOW) == 1


def test_only_the_officers_sitting_today_are_told(scope, board):
    """Carl's chair term ended yesterday: he hears nothing of Sam's seat."""
    _end_term(board, "chair", TODAY - timedelta(days=1))
    sponsor = _end_term(board, "sponsor", TODAY + timedelta(days=5))
    services.committee_terms_ending_send(now=NOW)
    assert sorted(n.recipient.email for n in _told(sponsor)) == [
        "manager@alpha.test",
        "sponsor@alpha.test",
    ]


def test_members_leaving_together_are_told_of_without_an_officers_warning(scope, board):
    seats = [_end_term(board, key, TODAY + timedelta(days=5)) for key in EVERY_MEMBER]
    assert services.committee_terms_ending_send(now=NOW) == 3
    for seat in seats:
        assert {n.body for n in _told(seat)} == {
            f"{seat.user}'s seat on {board.name} (Alder drive-train) ends on 15 Jan 2030. "
            "Extend the term or seat the next member on the committee page."
        }


def test_a_successor_seated_only_later_leaves_the_chair_empty_and_says_so(
    scope, board, make_member, org_a, owner, manager
):
    chair = _end_term(board, "chair", TODAY + timedelta(days=20))
    _seat_next_chair(board, make_member, org_a, owner, from_day=TODAY + timedelta(days=40))
    services.committee_terms_ending_send(now=NOW)
    assert "Nobody else is seated as chair from 31 Jan 2030" in (
        _told(chair).get(recipient=manager).body
    )


def test_a_second_run_tells_nobody_again_but_an_extended_term_is_told_of_anew(scope, board):
    sponsor = _end_term(board, "sponsor", TODAY + timedelta(days=10))
    assert services.committee_terms_ending_send(now=NOW) == 1
    assert services.committee_terms_ending_send(now=NOW + timedelta(days=1)) == 0
    assert _told(sponsor).count() == 3
    extended = _end_term(board, "sponsor", TODAY + timedelta(days=25))
    assert services.committee_terms_ending_send(now=NOW + timedelta(days=1)) == 1
    assert _told(extended).count() == 3


def test_a_term_already_over_or_of_someone_who_left_is_not_told_of(
    scope, board, partnership, owner
):
    from partnerships.services import partnership_remove_guest

    _end_term(board, "sponsor", TODAY - timedelta(days=1))
    _end_term(board, "guest", TODAY + timedelta(days=5))
    partnership_remove_guest(partnership=partnership, guest=board.seats["guest"].user, actor=owner)
    assert services.committee_terms_ending_send(now=NOW) == 0
    assert not Notification.objects.filter(dedupe_key__startswith="governance.committee.term")


def test_a_chair_leaving_with_nobody_to_follow_is_told_that_the_minutes_will_wait(
    scope, board, manager
):
    chair = _end_term(board, "chair", TODAY + timedelta(days=20))
    services.committee_terms_ending_send(now=NOW)
    assert (
        _told(chair)
        .get(recipient=manager)
        .body.endswith(
            "ends on 30 Jan 2030. Extend the term or seat the next member on the committee page. "
            "Nobody else is seated as chair from 31 Jan 2030: the minutes will wait for a chair "
            "and only a stand-in will run the meetings."
        )
    )
    secretary = _end_term(board, "secretary", TODAY + timedelta(days=20))
    services.committee_terms_ending_send(now=NOW)
    assert (
        _told(secretary)
        .get(recipient=manager)
        .body.endswith(
            "Nobody else is seated as secretary from 31 Jan 2030: only a stand-in will run the "
            "meetings."
        )
    )


def test_a_chair_with_a_successor_seated_is_told_of_without_the_warning(
    scope, board, make_member, org_a, owner, manager
):
    chair = _end_term(board, "chair", TODAY + timedelta(days=20))
    _seat_next_chair(board, make_member, org_a, owner, from_day=TODAY + timedelta(days=21))
    services.committee_terms_ending_send(now=NOW)
    assert "Nobody else" not in _told(chair).get(recipient=manager).body


def test_the_job_tells_once_and_is_scheduled_daily(org_a, board):
    with tenant_scope(org_a):
        _end_term(board, "sponsor", TODAY + timedelta(days=3))
    kwargs = {"organization_id": org_a.pk, "now": NOW.isoformat()}
    assert tasks.committee_terms_ending.apply(kwargs=kwargs, throw=True).get() == 1
    assert tasks.committee_terms_ending.apply(kwargs=kwargs, throw=True).get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["governance-committee-terms-ending"]
    assert entry["task"] == "governance.tasks.committee_terms_ending_all_tenants"


# --- the committee page warns of an empty officer's seat -----------------------------------


def test_officer_vacancies_say_which_seat_nobody_sits_in(scope, board):
    sitting = services.seated_members(board, on=TODAY)
    assert services.officer_vacancies(sitting, can_seat=True) == ""
    without_chair = [m for m in sitting if m.role != "chair"]
    assert services.officer_vacancies(without_chair, can_seat=True) == (
        "Nobody sits as chair today: minutes wait until a chair sits, and only a stand-in (an "
        "admin or procurement manager) runs the meetings. Seat one or extend a term."
    )
    without_secretary = [m for m in sitting if m.role != "secretary"]
    assert services.officer_vacancies(without_secretary, can_seat=True) == (
        "Nobody sits as secretary today: only a stand-in (an admin or procurement manager) runs "
        "the meetings. Seat one or extend a term."
    )
    assert services.officer_vacancies([], can_seat=True).startswith(
        "Nobody sits as chair or as secretary today: minutes wait"
    )
    assert services.officer_vacancies(without_chair, can_seat=False).endswith(
        "runs the meetings. Those who manage the committee can seat one or extend a term."
    )


def test_the_committee_page_warns_both_parties_when_no_chair_sits_today(org_a, board, client_as):
    url = reverse("partnership-committee", args=[org_a.slug, board.partnership.pk])
    guest = client_as(board.seats["guest"].user)
    assert 'data-testid="officer-vacancies"' not in guest.get(url).content.decode()
    with tenant_scope(org_a):
        _end_term(board, "chair", timezone.localdate() - timedelta(days=1))
    for viewer in (client_as(board.seats["secretary"].user), guest):
        page = viewer.get(url).content.decode()
        assert 'data-testid="officer-vacancies"' in page
        assert "Nobody sits as chair today: minutes wait until a chair sits" in page


def test_only_a_reader_who_can_seat_members_is_told_to_seat_one(org_a, board, client_as):
    url = reverse("partnership-committee", args=[org_a.slug, board.partnership.pk])
    with tenant_scope(org_a):
        _end_term(board, "chair", timezone.localdate() - timedelta(days=1))
    told = {
        who: client_as(board.seats[who].user).get(url).content.decode()
        for who in ("secretary", "guest")
    }
    assert "Seat one or extend a term." in told["secretary"]
    assert "Seat one or extend a term." not in told["guest"]
    assert "Those who manage the committee can seat one or extend a term." in told["guest"]
