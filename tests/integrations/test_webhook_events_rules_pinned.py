"""Pinned rules of `integrations.services.webhook_events` (mutation testing, eleventh session):
what an object's event says about it. Each public fact the object has is said under its plain
name (`partnership_id` as `partnership`), with the object's type and id; a fact it lacks is not
said at all, not said as empty."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations import services, webhooks
from tenancy.context import tenant_scope
from tenancy.models import OutboxMessage
from tests.integrations.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _payloads():
    return [
        m.payload for m in OutboxMessage.objects.filter(channel=webhooks.CHANNEL).order_by("pk")
    ]


def _record(**facts):
    """Something with a model's label and primary key, and the given facts as attributes."""
    return SimpleNamespace(_meta=SimpleNamespace(label_lower="governance.changerequest"), **facts)


EVERY_FACT = {
    "partnership_id": 11,
    "reference": "CR-0042",
    "title": "Extend the warranty",
    "status": "approved",
    "decided_at": datetime(2026, 11, 26, 15, 30, tzinfo=UTC),
    "published_at": datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    "period": "2026-10",
    "period_start": date(2026, 10, 1),
    "score": Decimal("87.5"),
    "rejection_reason": "",
}


def test_an_object_event_says_every_public_fact_the_object_has_under_its_plain_name(org_a):
    with tenant_scope(org_a):
        WebhookSubscriptionFactory(organization=org_a, events=["change_request.decided"])
        queued = services.webhook_object_event(
            event="change_request.decided", obj=_record(pk=42, **EVERY_FACT), now=NOW
        )
    assert queued == 1
    [payload] = _payloads()
    assert payload["event"] == "change_request.decided"
    assert payload["occurred_at"] == NOW.isoformat()
    assert payload["data"] == {
        "object": "governance.changerequest",
        "id": 42,
        "partnership": 11,
        "reference": "CR-0042",
        "title": "Extend the warranty",
        "status": "approved",
        "decided_at": "2026-11-26T15:30:00Z",
        "published_at": "2026-11-25T08:00:00Z",
        "period": "2026-10",
        "period_start": "2026-10-01",
        "score": "87.5",
        "rejection_reason": "",
    }


def test_an_object_event_leaves_out_the_facts_the_object_does_not_have(org_a):
    with tenant_scope(org_a):
        WebhookSubscriptionFactory(organization=org_a, events=["scorecard.published"])
        services.webhook_object_event(
            event="scorecard.published", obj=_record(pk=5, score=Decimal("90")), now=NOW
        )
    [payload] = _payloads()
    assert payload["data"] == {"object": "governance.changerequest", "id": 5, "score": "90"}


def test_an_object_event_nobody_subscribes_to_queues_nothing(org_a):
    with tenant_scope(org_a):
        WebhookSubscriptionFactory(organization=org_a, events=["discrepancy.opened"])
        queued = services.webhook_object_event(
            event="scorecard.published", obj=_record(pk=5), now=NOW
        )
    assert queued == 0
    assert _payloads() == []
