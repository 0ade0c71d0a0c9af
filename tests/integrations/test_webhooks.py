"""Webhooks: an event is written to the outbox in the caller's transaction and delivered signed;
a small independent receiver (hmac module only) verifies the signature; a failing receiver gets
retries with backoff, each attempt in the delivery log; a broker outage after the commit loses
nothing; a logged delivery can be sent again."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.urls import reverse

from integrations import webhooks
from integrations.models import WebhookDelivery, WebhookSubscription
from tenancy.context import tenant_scope
from tenancy.models import OutboxMessage
from tenancy.outbox import outbox_deliver_due

pytestmark = pytest.mark.django_db

# The outbox's rows are due from when they are written (the real clock); the delivery runs "now",
# a day later, whatever the time the tests start.
NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


class Receiver:
    """A REST client's endpoint, knowing nothing of Partnerline but the shared secret."""

    def __init__(self):
        self.secret = ""
        self.answer = 204
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = dict(
                    p.split("=", 1) for p in self.headers["X-Partnerline-Signature"].split(",")
                )
                expected = hmac.new(receiver.secret.encode(), parts["t"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()  # fmt: skip
                receiver.received.append({
                    "verified": hmac.compare_digest(expected, parts["v1"]),
                    "timestamp": int(parts["t"]), "body": json.loads(body),
                    "delivery": self.headers["X-Partnerline-Delivery"],
                })  # fmt: skip
                self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def subscription(org_a, manager, receiver, settings):
    settings.INTEGRATIONS_WEBHOOKS_ALLOW_HTTP = True  # the test receiver speaks plain HTTP
    with tenant_scope(org_a):
        made = webhooks.webhook_subscription_create(
            actor=manager, name="ERP", url=receiver.url, events=["discrepancy.opened"]
        )
    receiver.secret = made.secret
    return made


def _raise(org, event="discrepancy.opened"):
    with tenant_scope(org):
        return webhooks.event_raise(event=event, data={"id": 7, "amount": "12.50"}, now=NOW)


def test_a_signed_event_verifies_with_an_independent_client(org_a, subscription, receiver):
    assert _raise(org_a) == 1
    assert _raise(org_a, event="scorecard.published") == 0  # not subscribed
    assert outbox_deliver_due(now=NOW) == {"sent": 1, "retried": 0, "failed": 0}
    (got,) = receiver.received
    assert got["verified"] and got["timestamp"] == int(NOW.timestamp())
    assert got["body"]["event"] == "discrepancy.opened" and got["body"]["data"]["id"] == 7
    receiver.secret = "not-the-secret"
    _raise(org_a)
    outbox_deliver_due(now=NOW)
    assert receiver.received[-1]["verified"] is False  # a forged or altered body fails


def test_a_failing_receiver_gets_retries_with_backoff_visible_in_the_log(
    org_a, subscription, receiver, manager, client_as
):
    receiver.answer = 500
    _raise(org_a)
    assert outbox_deliver_due(now=NOW)["retried"] == 1
    assert outbox_deliver_due(now=NOW + timedelta(seconds=29))["retried"] == 0  # not due yet
    assert outbox_deliver_due(now=NOW + timedelta(seconds=30))["retried"] == 1
    receiver.answer = 200
    assert outbox_deliver_due(now=NOW + timedelta(seconds=89))["sent"] == 0
    assert outbox_deliver_due(now=NOW + timedelta(seconds=90))["sent"] == 1
    with tenant_scope(org_a):
        log = list(WebhookDelivery.objects.order_by("attempt").values_list(
            "attempt", "succeeded", "status_code", "next_attempt_at"))  # fmt: skip
    assert log == [
        (1, False, 500, NOW + timedelta(seconds=30)),
        (2, False, 500, NOW + timedelta(seconds=90)),
        (3, True, 200, None),
    ]
    assert len({r["delivery"] for r in receiver.received}) == 1  # one event id throughout
    page = client_as(manager).get(reverse("webhook-detail", args=["alpha", subscription.pk]))
    assert page.status_code == 200 and page.content.count(b"The receiver answered HTTP 500") == 2
    with tenant_scope(org_a):
        first = WebhookDelivery.objects.get(attempt=1)
    client_as(manager).post(reverse("webhook-delivery-redeliver", args=["alpha", first.pk]))
    assert outbox_deliver_due(now=NOW + timedelta(seconds=91))["sent"] == 1
    assert receiver.received[-1]["delivery"] == receiver.received[0]["delivery"]


def test_an_event_is_kept_through_a_broker_outage_and_rolled_back_with_its_cause(
    org_a, subscription, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    settings.OUTBOX_NUDGE_WORKER = True
    monkeypatch.setattr(current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        _raise(org_a)  # committed; the nudge fails quietly
    with pytest.raises(RuntimeError), transaction.atomic():
        _raise(org_a)
        raise RuntimeError("the change that raised the event failed")
    assert OutboxMessage.objects.filter(channel="webhook", status="pending").count() == 1
    assert outbox_deliver_due(now=NOW)["sent"] == 1  # the beat sweep delivers it
    assert len(receiver.received) == 1 and receiver.received[0]["verified"]


def test_a_paused_subscription_receives_nothing(org_a, subscription, receiver, manager):
    with tenant_scope(org_a):
        webhooks.webhook_subscription_set_active(
            subscription=subscription, actor=manager, active=False
        )
    assert _raise(org_a) == 0
    with tenant_scope(org_a):
        assert WebhookSubscription.objects.get().is_active is False


def test_a_plain_http_url_is_refused(org_a, manager):
    from django.core.exceptions import ValidationError

    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        webhooks.webhook_subscription_create(
            actor=manager,
            name="ERP",
            url="http://erp.example/hooks",
            events=["scorecard.published"],
        )
    assert "HTTPS" in " ".join(refused.value.message_dict["url"])
