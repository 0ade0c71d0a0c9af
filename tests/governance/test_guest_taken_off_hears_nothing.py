"""A partner guest taken off a partnership hears nothing more of it (`notify(..., about=)`),
while still a guest of another partnership of the same customer: no meeting reminder with the
agenda, no news of its change requests. The committee seat and the approver row stay (they are
the record of who sat and who was asked); the notifications stop at once."""

from datetime import timedelta

import pytest

from governance import services
from partnerships.services import partnership_invite_guest, partnership_remove_guest
from tenancy.context import tenant_scope
from tenancy.models import Notification, Role
from tenancy.permissions import guests_invited
from tenancy.services import notify
from tests.governance.conftest import NOW, TODAY
from tests.governance.test_services import submitted
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere(scope, owner, guest, partner_sponsor):
    """Both guests are also invited to a second partnership, so they stay members."""
    other = PartnershipFactory(organization=scope, name="Birch castings")
    for user in (guest, partner_sponsor):
        partnership_invite_guest(partnership=other, guest=user, actor=owner)
    return other


def _told(**where):
    return sorted(n.recipient.email for n in Notification.objects.filter(**where))


def test_notify_about_a_partnership_tells_its_guests_and_staff_but_no_other_guest(
    org_a, owner, guest, partnership, make_member
):
    stranger = make_member(org_a, Role.PARTNER_GUEST, email="stranger@birch.test")
    with tenant_scope(org_a):
        notify(recipients=[owner, guest, stranger], title="About Alder", about=partnership)
        notify(recipients=[stranger], title="To everyone named")
        assert _told(title="About Alder") == sorted([owner.email, guest.email])
        assert _told(title="To everyone named") == ["stranger@birch.test"]
        assert guests_invited(partnership, {owner.pk, guest.pk, stranger.pk}) == {guest.pk}


def test_a_guest_taken_off_the_partnership_gets_no_meeting_reminder(
    scope, board, owner, guest, partnership, elsewhere
):
    meeting = services.meeting_schedule(
        committee=board,
        actor=board.seats["secretary"].user,
        now=NOW,
        title="Steering committee",
        starts_at=NOW + timedelta(hours=20),
        agenda="Price review for 2031",
    )[0]
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.meeting_reminders_send(now=NOW)
    told = _told(dedupe_key=f"governance.meeting.reminder:{meeting.pk}")
    assert "guest@alder.test" not in told
    assert told == sorted(
        ["committee@alpha.test", "manager@alpha.test", "pia@alder.test", "sponsor@alpha.test"]
    )


def test_a_guest_taken_off_the_partnership_hears_nothing_of_its_change_requests(
    scope, manager, committee, guest, owner, partnership, elsewhere
):
    change_request = submitted(manager, partnership, [committee, guest])
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.change_request_withdraw(change_request=change_request, actor=manager, now=NOW)
    assert _told(dedupe_key__startswith="governance.change_request.withdrawn") == [
        "committee@alpha.test"
    ]


def test_a_guest_taken_off_the_partnership_is_not_invited_to_its_next_meetings(
    scope, board, owner, guest, partnership, elsewhere
):
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    meeting = services.meeting_schedule(
        committee=board,
        actor=board.seats["secretary"].user,
        now=NOW,
        title="Steering committee",
        starts_at=NOW + timedelta(days=20),
    )[0]
    told = _told(dedupe_key=f"governance.meeting.scheduled:{meeting.pk}")
    assert told == sorted(
        ["committee@alpha.test", "manager@alpha.test", "pia@alder.test", "sponsor@alpha.test"]
    )


def test_a_guest_who_raised_a_change_request_hears_of_its_decision_only_while_invited(
    scope, committee, guest, partner_sponsor, owner, partnership, elsewhere
):
    """The partner raises change requests too: its requester hears of the approval, the
    rejection or a request for changes, unless taken off the partnership since."""
    approved, rejected, returned = (
        submitted(guest, partnership, [committee, partner_sponsor], title=title)
        for title in ("Night shift", "Second dock", "Weekend desk")
    )
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    for approver in (partner_sponsor, committee):
        services.change_request_approve(change_request=approved, approver=approver, now=NOW)
    services.change_request_reject(
        change_request=rejected, approver=committee, reason="No budget.", now=NOW
    )
    services.change_request_request_changes(
        change_request=returned, approver=committee, reason="Cost it.", now=NOW
    )
    assert _told(title__contains="approved by both parties") == ["manager@alpha.test"]
    assert _told(title__contains="rejected") == ["manager@alpha.test", "pia@alder.test"]
    assert _told(title__startswith="Changes requested") == ["manager@alpha.test"]


def test_a_partner_approver_taken_off_gets_no_escalation_digest_of_that_partnership(
    scope, manager, committee, guest, partner_sponsor, owner, partnership, elsewhere
):
    """The digest lists overdue requests of every partnership a person approves for: the
    taken-off guest's request is left out of theirs, the one still invited is told."""
    for approver in (guest, partner_sponsor):
        submitted(
            manager,
            partnership,
            [committee, approver],
            title=f"Asked of {approver.email}",
            decision_due=NOW + timedelta(days=2),
        )
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.change_requests_escalate(now=NOW + timedelta(days=2, hours=1), period_days=3)
    told = _told(dedupe_key__startswith="governance.change_request.escalated:1:")
    assert told == ["committee@alpha.test", "manager@alpha.test", "pia@alder.test"]


def test_a_partner_approver_taken_off_after_approving_is_not_told_of_the_implementation(
    scope, manager, committee, guest, owner, partnership, elsewhere
):
    change_request = submitted(manager, partnership, [committee, guest])
    for approver in (guest, committee):
        services.change_request_approve(change_request=change_request, approver=approver, now=NOW)
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.change_request_implement(change_request=change_request, actor=manager, now=NOW)
    assert _told(title__contains="implemented") == ["committee@alpha.test", "manager@alpha.test"]


def test_a_guest_who_raised_an_escalation_is_not_told_it_climbed_once_taken_off(
    scope, board, owner, guest, partnership, elsewhere
):
    escalation = services.escalation_raise(
        partnership=partnership,
        actor=guest,
        now=NOW,
        title="Invoices paid late",
        reason="Three months running.",
    )
    assert escalation.raised_by == guest
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.escalations_run(now=escalation.level_due_at + timedelta(minutes=1))
    told = _told(dedupe_key=f"governance.escalation:{escalation.pk}:2")
    assert told == ["committee@alpha.test"]


def test_a_partner_co_chair_taken_off_is_not_sent_the_minutes_to_approve(
    scope, board, owner, guest, partnership, elsewhere
):
    from governance.models import CommitteeMember
    from tests.governance.test_meeting_rules_pinned import _held

    CommitteeMember.objects.filter(pk=board.seats["guest"].pk).update(
        role=CommitteeMember.Role.CHAIR
    )
    meeting = _held(board)
    secretary = board.seats["secretary"].user
    services.meeting_minutes_save(
        meeting=meeting, actor=secretary, minutes="Prices agreed.", today=TODAY
    )
    partnership_remove_guest(partnership=partnership, guest=guest, actor=owner)
    services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
    assert _told(title__startswith="Minutes to approve") == ["committee@alpha.test"]
