"""The transactional outbox (tenancy/outbox.py): mail is a row written with the change, delivered
after the commit by a worker with retries, so an SMTP or broker outage loses nothing."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tenancy.context import tenant_scope
from tenancy.models import OutboxMessage, Role
from tenancy.outbox import backoff, outbox_deliver_due
from tenancy.services import notify

pytestmark = pytest.mark.django_db

OUTBOX = "tenancy.outbox.OutboxEmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def outbox_settings(settings):
    settings.EMAIL_BACKEND = OUTBOX
    settings.OUTBOX_EMAIL_BACKEND = LOCMEM
    settings.OUTBOX_MAX_ATTEMPTS = 3
    return settings


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mail_of_a_rolled_back_change_never_leaves(org_a, owner, outbox_settings):
    with pytest.raises(RuntimeError), transaction.atomic(), tenant_scope(org_a):
        notify(recipients=[owner], title="Breach opened")
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change fails after the notification was written")
    assert OutboxMessage.objects.count() == 0
    assert outbox_deliver_due(now=timezone.now()) == {"sent": 0, "retried": 0, "failed": 0}
    assert mail.outbox == []


def test_a_committed_mail_waits_in_the_outbox_and_is_delivered_once(org_a, owner, outbox_settings):
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Scorecard published")
    row = OutboxMessage.objects.get()
    assert row.organization == org_a and row.status == OutboxMessage.Status.PENDING
    assert mail.outbox == []  # nothing left the system inside the transaction

    now = timezone.now()
    assert outbox_deliver_due(now=now)["sent"] == 1
    assert outbox_deliver_due(now=now + timedelta(hours=1))["sent"] == 0
    assert [m.subject for m in mail.outbox] == ["[Partnerline] Scorecard published"]
    assert mail.outbox[0].to == [owner.email]
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.sent_at == now


def test_mail_queued_during_an_smtp_outage_is_delivered_once_after_it(
    org_a, owner, outbox_settings
):
    port = _free_port()
    outbox_settings.OUTBOX_EMAIL_BACKEND = SMTP
    outbox_settings.EMAIL_HOST, outbox_settings.EMAIL_PORT = "127.0.0.1", port
    outbox_settings.EMAIL_TIMEOUT = 5
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Renewal notice due")
    start = timezone.now()

    # The outage: nothing listens on the port.
    assert outbox_deliver_due(now=start) == {"sent": 0, "retried": 1, "failed": 0}
    row = OutboxMessage.objects.get()
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 1
    assert "ConnectionRefused" in row.last_error
    assert row.next_attempt_at == start + backoff(1)
    # Not due yet: a sweep before the backoff sends nothing and counts no attempt.
    assert outbox_deliver_due(now=start + timedelta(seconds=5))["retried"] == 0

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        later = start + backoff(1)
        assert outbox_deliver_due(now=later)["sent"] == 1
        assert outbox_deliver_due(now=later + timedelta(minutes=5))["sent"] == 0
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    assert inbox.messages[0].rcpt_tos == [owner.email]
    assert b"Renewal notice due" in inbox.messages[0].content
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 2


def test_backoff_doubles_and_is_capped_at_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=1)


def test_after_the_last_attempt_the_message_is_failed_and_an_admin_can_send_it_again(
    org_a, owner, outbox_settings, client_as
):
    outbox_settings.OUTBOX_EMAIL_BACKEND = SMTP
    outbox_settings.EMAIL_HOST, outbox_settings.EMAIL_PORT = "127.0.0.1", _free_port()
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Obligation overdue")
    now = timezone.now()
    for _ in range(3):
        now += timedelta(hours=2)
        outbox_deliver_due(now=now)
    row = OutboxMessage.objects.get()
    assert row.status == OutboxMessage.Status.FAILED and row.attempts == 3

    page = client_as(owner).get("/o/alpha/settings/outbox/").content.decode()
    assert "Obligation overdue" in page and "Failed (gave up)" in page
    response = client_as(owner).post(f"/o/alpha/settings/outbox/{row.pk}/retry/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PENDING and row.attempts == 0


def test_the_outbox_page_is_for_org_admins_of_that_organization_only(
    org_a, org_b, owner, member, outsider, make_member, outbox_settings, client_as
):
    with tenant_scope(org_b):
        notify(recipients=[outsider], title="Bravo private notice")
    with tenant_scope(org_a):
        notify(recipients=[owner], title="Alpha notice")
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER)

    page = client_as(owner).get("/o/alpha/settings/outbox/").content.decode()
    assert "Alpha notice" in page and "Bravo" not in page
    assert client_as(member).get("/o/alpha/settings/outbox/").status_code == 403
    assert client_as(manager).get("/o/alpha/settings/outbox/").status_code == 403
    assert client_as(outsider).get("/o/alpha/settings/outbox/").status_code == 404
    bravo_row = OutboxMessage.objects.get(organization=org_b)
    retry = client_as(owner).post(f"/o/alpha/settings/outbox/{bravo_row.pk}/retry/")
    assert retry.status_code == 404


def test_password_reset_mail_goes_through_the_outbox_too(owner, outbox_settings, client):
    client.post("/accounts/password/reset/", {"email": owner.email})
    row = OutboxMessage.objects.get()
    assert row.organization is None and owner.email in row.summary
    outbox_deliver_due(now=timezone.now())
    assert len(mail.outbox) == 1 and "reset" in mail.outbox[0].body.lower()
