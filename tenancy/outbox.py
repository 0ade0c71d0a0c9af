"""The transactional outbox: everything that leaves the system goes through one table.

`OutboxEmailBackend` is Django's EMAIL_BACKEND: `send_mail` anywhere (notifications, invitations,
password resets) writes an `OutboxMessage` row in the caller's transaction instead of talking to
SMTP. If the transaction rolls back, no mail exists; once it commits, the mail exists until it is
delivered. `outbox_deliver_due` (run by the `tenancy.outbox_deliver` task, nudged after each
commit and swept every minute by beat) sends due rows through the real backend
(`OUTBOX_EMAIL_BACKEND`: SMTP in production) under a row lock with SKIP LOCKED, so two workers never
send one row; a failure schedules the next attempt with exponential backoff, and after
`OUTBOX_MAX_ATTEMPTS` the row is marked failed and stays visible on the organization's outbox page.
Delivery is at least once: a worker killed between SMTP's acceptance and the commit sends again.

Other channels (webhooks) use the same table, the same delivery loop, retries and backoff: the app
that owns a channel registers its sender (`outbox_channel_register`) and enqueues with
`outbox_enqueue` in the caller's transaction.
"""

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from tenancy.context import current_organization
from tenancy.lifecycle import lifecycle
from tenancy.models import OutboxMessage

OUTBOX_LIFECYCLE = lifecycle(
    "outbox message",
    {
        OutboxMessage.Status.PENDING: {OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED},
        OutboxMessage.Status.FAILED: {OutboxMessage.Status.PENDING},  # an admin retries it
    },
)
DELIVER_TASK = "tenancy.tasks.outbox_deliver"


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _payload(message: EmailMessage) -> dict:
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def _message(payload: dict, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email"),
        to=payload.get("to", []),
        cc=payload.get("cc", []),
        bcc=payload.get("bcc", []),
        reply_to=payload.get("reply_to", []),
        headers=payload.get("headers", {}),
        connection=connection,
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


def _nudge_worker() -> None:
    """Ask a worker to deliver now; if the broker is down, the beat sweep delivers later."""
    from celery import current_app

    # No retry: with the broker down this must not hold the request; the sweep delivers later.
    with contextlib.suppress(Exception):
        current_app.send_task(DELIVER_TASK, retry=False)


def outbox_email_enqueue(*, messages: list[EmailMessage]) -> list[OutboxMessage]:
    organization = current_organization()
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            organization=organization,
            channel="email",
            summary=f"{message.subject} → {', '.join(message.to)}"[:300],
            payload=_payload(message),
        )
        for message in messages
    )
    if getattr(settings, "OUTBOX_NUDGE_WORKER", True):
        transaction.on_commit(_nudge_worker)
    return rows


# Senders of the channels beyond e-mail: channel → sender(row, now), raising on failure.
CHANNEL_SENDERS: dict[str, Callable[[OutboxMessage, datetime], None]] = {}


def outbox_channel_register(channel: str, sender: Callable[[OutboxMessage, datetime], None]):
    CHANNEL_SENDERS[channel] = sender


def outbox_enqueue(*, channel: str, summary: str, payload: dict) -> OutboxMessage:
    """A message of another channel, written in the caller's transaction."""
    row = OutboxMessage.objects.create(
        organization=current_organization(), channel=channel, summary=summary[:300],
        payload=payload,
    )  # fmt: skip
    if getattr(settings, "OUTBOX_NUDGE_WORKER", True):
        transaction.on_commit(_nudge_worker)
    return row


class OutboxEmailBackend(BaseEmailBackend):
    """EMAIL_BACKEND: store, do not send (see the module docstring)."""

    def send_messages(self, email_messages):
        messages = [m for m in email_messages if m.recipients()]
        if messages:
            outbox_email_enqueue(messages=messages)
        return len(messages)


def outbox_deliver_due(*, now: datetime, limit: int = 100) -> dict[str, int]:
    """Send every due pending message (oldest first); returns counts of sent/retried/failed."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    connection = get_connection(settings.OUTBOX_EMAIL_BACKEND, fail_silently=False)
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        for row in due:
            try:
                if row.channel == "email":
                    _message(row.payload, connection).send()
                else:
                    CHANNEL_SENDERS[row.channel](row, now)
            except Exception as error:  # noqa: BLE001 - any transport error is retried
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:500]
                if row.attempts >= _max_attempts():
                    OUTBOX_LIFECYCLE.check(row.status, OutboxMessage.Status.FAILED)
                    row.status = OutboxMessage.Status.FAILED
                    counts["failed"] += 1
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    counts["retried"] += 1
            else:
                OUTBOX_LIFECYCLE.check(row.status, OutboxMessage.Status.SENT)
                row.attempts += 1
                row.status = OutboxMessage.Status.SENT
                row.sent_at = now
                row.last_error = ""
                counts["sent"] += 1
            row.save(
                update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
            )
    return counts


def outbox_message_retry(*, message: OutboxMessage, actor, now: datetime) -> OutboxMessage:
    """An org admin sends a failed message again (from the outbox page)."""
    from tenancy.audit import audit_record

    OUTBOX_LIFECYCLE.check(message.status, OutboxMessage.Status.PENDING)
    message.status = OutboxMessage.Status.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        action="tenancy.outbox_message.retried",
        actor=actor,
        obj=message,
        changes={"status": [OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]},
    )
    transaction.on_commit(_nudge_worker)
    return message
