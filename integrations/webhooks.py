"""Webhooks: events raised anywhere in the app are written to the transactional outbox
(tenancy.outbox, channel `webhook`) in the caller's transaction, one row per subscription, and
delivered by the outbox worker with its retries and backoff: a broker outage after the commit
loses nothing (the beat sweep delivers what the nudge could not).

Each delivery POSTs JSON `{"id", "event", "occurred_at", "data"}` with the headers
`X-Partnerline-Event`, `X-Partnerline-Delivery` (the event id: the same on every retry and
redelivery, so receivers can deduplicate) and `X-Partnerline-Signature: t=<unix time>,v1=<hex>`
where hex = HMAC-SHA256(secret, "<t>." + body). A receiver recomputes it and rejects a timestamp
older than its tolerance (5 minutes is usual). Every attempt is logged (`WebhookDelivery`).
"""

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from integrations.models import WebhookDelivery, WebhookSubscription
from tenancy.context import current_organization, tenant_scope
from tenancy.models import Organization, OutboxMessage
from tenancy.outbox import backoff, outbox_enqueue

CHANNEL = "webhook"
TIMEOUT_SECONDS = 10


class WebhookFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event_raise(*, event: str, data: dict, now: datetime) -> int:
    """Queue `event` for every active subscription to it, in the caller's transaction. One
    query when nobody subscribes. Returns how many deliveries were queued."""
    return events_raise(event=event, items=[data], now=now)


def events_raise(
    *,
    event: str,
    items: list[dict] | Callable[[], list[dict]],
    now: datetime,
) -> int:
    """`event` once per item (a batch job's new breaches), one subscription query in all.
    `items` may be a callable, called only when someone subscribes: a set-based job reads its
    new rows for the payloads only then (one query when nobody subscribes)."""
    if current_organization() is None or (not callable(items) and not items):
        return 0
    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True, events__contains=[event]).only(
            "pk", "url"
        )
    )
    if not subscriptions:
        return 0
    if callable(items):
        items = items()
    occurred = now.isoformat()
    queued = 0
    for item in items:
        data = json.loads(json.dumps(item, cls=DjangoJSONEncoder))
        for subscription in subscriptions:
            outbox_enqueue(
                channel=CHANNEL,
                summary=f"{event} → {subscription.url}",
                payload={
                    "subscription": subscription.pk,
                    "event": event,
                    "id": str(uuid.uuid4()),
                    "occurred_at": occurred,
                    "data": data,
                },
            )
            queued += 1
    return queued


def webhook_redeliver(*, delivery: WebhookDelivery, actor=None) -> OutboxMessage:
    """Send the event of a logged attempt again (same event id), through the outbox."""
    from tenancy.audit import audit_record
    from tenancy.errors import ConflictError

    original = OutboxMessage.objects.filter(
        pk=delivery.outbox_message_id, organization_id=delivery.organization_id
    ).first()
    if original is None:
        raise ConflictError(
            "The event is no longer kept (the outbox was purged); it cannot be sent again."
        )
    row = outbox_enqueue(
        channel=CHANNEL, summary=f"{original.summary} (redelivery)"[:300],
        payload=original.payload,
    )  # fmt: skip
    audit_record(
        action="integrations.webhook_delivery.redelivered",
        actor=actor,
        obj=delivery,
        changes={"event_id": delivery.event_id, "outbox_message": row.pk},
    )
    return row


def unreachable_reason(exc: requests.RequestException) -> str:
    """Why a delivery did not reach its receiver, in words an integrator acts on (the delivery
    log shows it), rather than the exception's class name."""
    if isinstance(exc, requests.Timeout):
        return f"The receiver did not answer within {TIMEOUT_SECONDS} seconds."
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "The receiver's TLS certificate was refused (expired, self-signed or for another name)."
        )
    if isinstance(exc, requests.ConnectionError):
        return (
            "The receiver could not be reached: its name does not resolve or it refused the "
            "connection."
        )
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "The receiver's address is not a valid URL."
    return "The receiver could not be reached."


def webhook_send(row: OutboxMessage, now: datetime) -> None:
    """The outbox sender of the `webhook` channel: POST, log the attempt, raise unless 2xx."""
    payload = row.payload
    organization = Organization.objects.get(pk=row.organization_id)
    with tenant_scope(organization):
        subscription = WebhookSubscription.objects.filter(pk=payload["subscription"]).first()
        if subscription is None or not subscription.is_active:
            return  # unsubscribed since: nothing to send, nothing to retry
        body = json.dumps(
            {k: payload[k] for k in ("id", "event", "occurred_at", "data")},
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Partnerline-Webhooks/1",
            "X-Partnerline-Event": payload["event"],
            "X-Partnerline-Delivery": payload["id"],
            "X-Partnerline-Signature": sign(subscription.secret, timestamp, body),
        }
        started = time.monotonic()
        status_code, error = None, ""
        try:
            response = requests.post(
                subscription.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )  # fmt: skip
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"The receiver answered HTTP {status_code}."
        except requests.RequestException as exc:
            error = unreachable_reason(exc)
        attempt = row.attempts + 1
        max_attempts = getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10)
        WebhookDelivery.objects.create(
            organization=organization,
            subscription=subscription,
            outbox_message_id=row.pk,
            event=payload["event"],
            event_id=payload["id"],
            attempt=attempt,
            succeeded=not error,
            status_code=status_code,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
            attempted_at=now,
            next_attempt_at=now + backoff(attempt) if error and attempt < max_attempts else None,
        )
    if error:
        raise WebhookFailed(error)


def webhook_subscription_create(*, actor, name: str, url: str, events: list[str]):
    from django.core.exceptions import ValidationError

    from tenancy.audit import audit_record
    from tenancy.context import require_organization

    subscription = WebhookSubscription(
        organization=require_organization(), name=(name or "").strip(), url=(url or "").strip(),
        events=sorted(set(events or [])), created_by=actor,
    )  # fmt: skip
    subscription.full_clean(exclude=["organization", "created_by"], validate_constraints=False)
    if (
        not subscription.url.startswith("https://")
        and not settings.DEBUG
        and not getattr(settings, "INTEGRATIONS_WEBHOOKS_ALLOW_HTTP", False)
    ):
        raise ValidationError({"url": "Webhooks are sent over HTTPS only: use an https:// URL."})
    subscription.save()
    audit_record(
        action="integrations.webhook_subscription.created",
        actor=actor,
        obj=subscription,
        changes={"name": subscription.name, "url": subscription.url, "events": subscription.events},
    )
    return subscription


def webhook_subscription_set_active(*, subscription, actor, active: bool):
    from tenancy.audit import audit_record

    subscription.is_active = active
    subscription.save(update_fields=["is_active"])
    audit_record(
        action=f"integrations.webhook_subscription.{'resumed' if active else 'paused'}",
        actor=actor,
        obj=subscription,
    )
    return subscription
