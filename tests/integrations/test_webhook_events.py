"""The four webhook events, each raised by the module that makes the change, in its own
transaction, through the outbox, and verified by the independent receiver of test_webhooks
(hmac module only): an SLA breach created (performance's set-based breach check), a change
request decided (governance), a scorecard published (performance) and a discrepancy opened
(the three-way match)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from governance import services as governance
from integrations import services, webhooks
from partnerships.services import partnership_invite_guest
from performance import services as performance
from tenancy.context import tenant_scope
from tenancy.models import OutboxMessage, Role
from tenancy.outbox import outbox_deliver_due
from tests.integrations import samples
from tests.integrations.test_webhooks import NOW, Receiver

pytestmark = pytest.mark.django_db
TODAY = date(2027, 6, 15)


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def subscribe(org_a, manager, receiver, settings):
    settings.INTEGRATIONS_WEBHOOKS_ALLOW_HTTP = True  # the test receiver speaks plain HTTP

    def make(*events):
        with tenant_scope(org_a):
            made = webhooks.webhook_subscription_create(
                actor=manager, name="ERP", url=receiver.url, events=list(events)
            )
        receiver.secret = made.secret
        return made

    return make


def _delivered(receiver) -> list[dict]:
    outbox_deliver_due(now=NOW)
    assert all(got["verified"] for got in receiver.received)
    return [got["body"] for got in receiver.received]


def _kpi_with_sla(manager, partnership):
    kpi = performance.kpi_create(
        actor=manager, partnership=partnership, code="otd_pct", name="On-time delivery",
        perspective="operational", unit="%", direction="higher_is_better",
        target=Decimal("98"), red_threshold=Decimal("90"), weight=Decimal("1"), owner=manager,
    )  # fmt: skip
    performance.sla_create(
        actor=manager, partnership=partnership, kpi=kpi, name="Delivery SLA",
        target=Decimal("98"), breach_threshold=Decimal("95"), period_fee=Decimal("10000.00"),
        currency="EUR", owner=manager, tiers=[(Decimal("95"), Decimal("5"))],
    )  # fmt: skip
    return kpi


def _record(manager, kpi, month, value):
    performance.measurement_record(
        actor=manager,
        kpi=kpi,
        period_start=month,
        value=Decimal(value),
        today=TODAY,
        now=timezone.now(),
    )


def test_an_sla_breach_created_by_the_breach_check_is_sent_signed(
    org_a, manager, partnership, subscribe, receiver
):
    subscribe("breach.created")
    with tenant_scope(org_a):
        kpi = _kpi_with_sla(manager, partnership)
        _record(manager, kpi, date(2025, 1, 1), "99")
        _record(manager, kpi, date(2025, 2, 1), "93.5")
        result = performance.sla_breach_check(
            period_from=date(2025, 1, 1), period_to=date(2025, 6, 1), now=NOW
        )
        assert result.breaches_created == 1
        # A rerun creates no breach, so it raises no event.
        performance.sla_breach_check(
            period_from=date(2025, 1, 1), period_to=date(2025, 6, 1), now=NOW
        )
    (body,) = _delivered(receiver)
    assert body["event"] == "breach.created"
    data = body["data"]
    assert (data["partnership"], data["period"], data["measured_value"]) == (
        partnership.pk, "2025-02", "93.5",
    )  # fmt: skip
    assert data["sla"]["name"] == "Delivery SLA" and data["sla"]["kpi"] == "otd_pct"
    assert (data["service_credit"], data["currency"]) == ("500.00", "EUR")


def test_the_breach_check_queues_no_event_when_nobody_subscribes(org_a, manager, partnership):
    with tenant_scope(org_a):
        kpi = _kpi_with_sla(manager, partnership)
        for month in range(1, 7):
            _record(manager, kpi, date(2025, month, 1), "91")
        result = performance.sla_breach_check(
            period_from=date(2025, 1, 1), period_to=date(2025, 6, 1), now=NOW
        )
        assert result.breaches_created == 6
        assert not OutboxMessage.objects.filter(channel=webhooks.CHANNEL).exists()


def test_a_change_request_decided_is_sent_signed(
    org_a, manager, owner, partnership, make_member, subscribe, receiver
):
    subscribe("change_request.decided")
    committee = make_member(org_a, Role.COMMITTEE_MEMBER, email="committee@alpha.test")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@alder.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
        change = governance.change_request_create(
            actor=manager, partnership=partnership, title="Saturday service desk", now=NOW
        )
        for user in (committee, guest):
            governance.change_request_approver_add(change_request=change, user=user, actor=manager)
        governance.change_request_submit(change_request=change, actor=manager, now=NOW)
        governance.change_request_reject(
            change_request=change, approver=guest, reason="Too expensive", now=NOW
        )
    (body,) = _delivered(receiver)
    assert body["event"] == "change_request.decided"
    assert (body["data"]["id"], body["data"]["status"]) == (change.pk, "rejected")


def test_a_scorecard_published_is_sent_signed(org_a, manager, partnership, subscribe, receiver):
    subscribe("scorecard.published")
    with tenant_scope(org_a):
        kpi = _kpi_with_sla(manager, partnership)
        _record(manager, kpi, date(2025, 3, 1), "97")
        card = performance.scorecard_compute(
            partnership=partnership, period_start=date(2025, 3, 1), now=timezone.now()
        )
        performance.scorecard_publish(scorecard=card, actor=manager, now=timezone.now())
    (body,) = _delivered(receiver)
    assert body["event"] == "scorecard.published" and body["data"]["id"] == card.pk


def test_a_discrepancy_opened_is_sent_signed(org_a, ingest, subscribe, receiver):
    subscribe("discrepancy.opened")
    priced = [list(item) for item in samples.ORDER_ITEMS]
    priced[0][5] = "3.50"
    ingest(samples.edifact(kind="order"), filename="po.edi")
    ingest(samples.edifact(kind="invoice", number="INV-9", items=[tuple(i) for i in priced]))
    with tenant_scope(org_a):
        assert services.discrepancies_detect(now=NOW)["opened"] == 1
    (body,) = _delivered(receiver)
    assert body["event"] == "discrepancy.opened"
    assert (body["data"]["kind"], body["data"]["order_number"]) == ("price_differs", "PO-1001")


def test_every_event_a_subscription_can_choose_is_one_the_app_raises():
    from integrations.models import WEBHOOK_EVENTS

    assert {event for event, _ in WEBHOOK_EVENTS} == {
        "breach.created", "change_request.decided", "scorecard.published", "discrepancy.opened",
    }  # fmt: skip
