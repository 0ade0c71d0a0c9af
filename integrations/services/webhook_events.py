"""Events for webhooks: the one call other modules make to raise an event, written to the
outbox in their own transaction (integrations.webhooks)."""

from collections.abc import Callable
from datetime import datetime

from integrations import webhooks


def webhook_event_raise(*, event: str, data: dict, now: datetime) -> int:
    """Other modules raise a webhook event with this one call, in their own transaction: the
    deliveries are written to the outbox with the change (integrations.webhooks)."""
    return webhooks.event_raise(event=event, data=data, now=now)


def webhook_events_raise(
    *, event: str, items: list[dict] | Callable[[], list[dict]], now: datetime
) -> int:
    """The same for a batch (one event per item); `items` may be a callable that reads the
    payloads, called only when someone subscribes to `event`."""
    return webhooks.events_raise(event=event, items=items, now=now)


# What an object's event says about it (for webhook_object_event), when the object has it.
_EVENT_FIELDS = ("partnership_id", "reference", "title", "status", "decided_at", "published_at",
                 "period", "period_start", "score", "rejection_reason")  # fmt: skip


def webhook_object_event(*, event: str, obj, now: datetime) -> int:
    """Raise `event` about a model instance (a change request decided, a scorecard published):
    its type, id and the public facts it has. One line in the module that raises it."""
    data = {"object": obj._meta.label_lower, "id": obj.pk}
    for name in _EVENT_FIELDS:
        if hasattr(obj, name):
            data[name.removesuffix("_id")] = getattr(obj, name)
    return webhooks.event_raise(event=event, data=data, now=now)
