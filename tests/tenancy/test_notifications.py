"""The notification service every job uses: in-app plus e-mail, once per dedupe key."""

import pytest

from tenancy.context import tenant_scope
from tenancy.models import Membership, Notification, Role
from tenancy.services import notify

pytestmark = pytest.mark.django_db


def test_a_notification_with_a_dedupe_key_is_sent_once(
    org_a, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        first = notify(recipients=[owner], title="SLA breached", dedupe_key="sla:1:2026-10")
        second = notify(recipients=[owner], title="SLA breached", dedupe_key="sla:1:2026-10")
    assert len(first) == 1 and second == []
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[Partnerline] SLA breached"


def test_only_active_members_of_the_organization_are_told(
    org_a, org_b, owner, outsider, make_member, mailoutbox, django_capture_on_commit_callbacks
):
    """Whoever a service names (a requester or former owner who has left, an account switched
    off, someone of another organization), only this organization's active members are told,
    in the app or by e-mail; a partner guest is a member and is told."""
    left = make_member(org_a, email="left@alpha.test")
    Membership.objects.filter(user=left).update(is_active=False)
    switched_off = make_member(org_a, email="off@alpha.test", is_active=False)
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        told = notify(
            recipients=[left, switched_off, outsider, owner, None, guest, owner],
            title="Change request decided",
        )
        assert sorted(n.recipient.email for n in told) == ["guest@supplier.test", owner.email]
        assert notify(recipients=[left, outsider], title="Nobody") == []
        assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == sorted(
            ["guest@supplier.test", owner.email]
        )
    assert sorted(to for mail in mailoutbox for to in mail.to) == sorted(
        ["guest@supplier.test", owner.email]
    )


def test_the_header_shows_the_unread_count(org_a, owner, client_as):
    with tenant_scope(org_a):
        notify(recipients=[owner], title="One", email=False)
        notify(recipients=[owner], title="Two", email=False)
    page = client_as(owner).get("/o/alpha/").content.decode()
    assert 'data-testid="unread-count">2<' in page


def test_marking_all_read_clears_the_count(org_a, owner, client_as):
    with tenant_scope(org_a):
        notify(recipients=[owner], title="One", email=False)
    client = client_as(owner)
    client.post("/o/alpha/notifications/read-all/")
    with tenant_scope(org_a):
        assert not Notification.objects.filter(read_at__isnull=True).exists()
