"""The notification service every job uses: in-app plus e-mail, once per dedupe key."""

import pytest

from tenancy.context import tenant_scope
from tenancy.models import Notification
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
