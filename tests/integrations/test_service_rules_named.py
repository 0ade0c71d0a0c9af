"""Rules of the integrations services that were exercised only through larger flows (ingestion,
the three-way match, the crosswalk, the stock page, the webhook events of other modules), each
stated here directly through its service: which connector a message came through, how an invoice
is compared with its order, the outbound message, the stock feed replay, the crosswalk
re-processing request, the webhook events and a discrepancy's webhook payload."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ValidationError

from integrations import services, webhooks
from integrations.edi import parse_messages
from integrations.edi.result import Code
from integrations.models import Connector, CrosswalkReprocess, StockPosition
from integrations.services import crosswalks
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, OutboxMessage
from tests.integrations import samples
from tests.integrations.factories import (
    ConnectorFactory,
    CrosswalkReprocessFactory,
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
    StockPolicyFactory,
    WebhookSubscriptionFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = "4012345000009"  # the interchange sender of tests.integrations.samples
RECEIVER = "5412345000013"  # the party an order of samples is addressed to


def _parsed(content: bytes):
    return parse_messages(content)[0]


# --- connector_for_sender ---------------------------------------------------------------------


def test_a_document_of_a_partnership_without_connectors_is_accepted_unverified(org_a, partnership):
    with tenant_scope(org_a):
        document = EdiDocumentFactory(organization=org_a, partnership=partnership)
        found = services.connector_for_sender(
            document=document, parsed=_parsed(samples.edifact(kind="invoice"))
        )
    assert found is None


def test_a_document_from_an_unknown_sender_finds_no_connector(org_a, partnership):
    with tenant_scope(org_a):
        ConnectorFactory(
            organization=org_a, partnership=partnership, partner_identifiers=["5790000000001"]
        )
        document = EdiDocumentFactory(organization=org_a, partnership=partnership)
        with pytest.raises(services.SenderRefused) as refused:
            services.connector_for_sender(
                document=document, parsed=_parsed(samples.edifact(kind="invoice"))
            )
    message = str(refused.value)
    assert f"The sender {SENDER} is not one of {partnership.partner.name}'s identifiers" in message
    assert "(5790000000001)" in message and "not accepted for this partnership" in message


def test_the_connector_naming_the_sender_is_the_one_a_document_came_through(org_a, partnership):
    with tenant_scope(org_a):
        ConnectorFactory(
            organization=org_a, partnership=partnership, partner_identifiers=["5790000000001"]
        )
        # Compared without spaces or case.
        named = ConnectorFactory(
            organization=org_a, partnership=partnership, partner_identifiers=["4012345 000009"]
        )
        document = EdiDocumentFactory(organization=org_a, partnership=partnership)
        found = services.connector_for_sender(
            document=document, parsed=_parsed(samples.edifact(kind="invoice"))
        )
    assert found == named


def test_an_order_is_matched_on_the_supplier_it_is_addressed_to_not_its_sender(org_a, partnership):
    with tenant_scope(org_a):
        supplier = ConnectorFactory(
            organization=org_a, partnership=partnership, partner_identifiers=[RECEIVER]
        )
        document = EdiDocumentFactory(
            organization=org_a, partnership=partnership, doc_type="order", message_type="ORDERS"
        )
        assert (
            services.connector_for_sender(
                document=document, parsed=_parsed(samples.edifact(kind="order"))
            )
            == supplier
        )
        supplier.partner_identifiers = [SENDER]
        supplier.save()
        with pytest.raises(services.SenderRefused) as refused:
            services.connector_for_sender(
                document=document, parsed=_parsed(samples.edifact(kind="order"))
            )
    assert f"The order's supplier {RECEIVER} is not one of" in str(refused.value)


def test_a_document_no_connector_carries_is_refused_with_what_to_set_up(org_a, partnership):
    with tenant_scope(org_a):
        ConnectorFactory(
            organization=org_a,
            partnership=partnership,
            method=Connector.Method.UBL,
            partner_identifiers=[SENDER],
        )
        document = EdiDocumentFactory(organization=org_a, partnership=partnership)
        with pytest.raises(services.SenderRefused) as refused:
            services.connector_for_sender(
                document=document, parsed=_parsed(samples.edifact(kind="invoice"))
            )
    assert str(refused.value).startswith(
        "No connector of this partnership carries a UN/EDIFACT invoice message"
    )


# --- order_discrepancies ----------------------------------------------------------------------


def _order(org, partnership, *, currency="EUR", unit="PCE", number="PO-1001"):
    """An accepted order with the first two sample items: 100 × 2.50 and 20 × 11.90."""
    order = EdiDocumentFactory(
        organization=org, partnership=partnership, doc_type="order", message_type="ORDERS",
        document_number=number, order_reference="", currency=currency,
        received_at=datetime(2025, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    for gtin, code, _, quantity, _, price in samples.ORDER_ITEMS[:2]:
        EdiDocumentLineFactory(
            organization=org, document=order, gtin=gtin, buyer_item_code=code,
            seller_item_code="", quantity=Decimal(quantity), unit=unit,
            unit_price=Decimal(price),
        )  # fmt: skip
    return order


def _compare(org, partnership, content: bytes):
    document = EdiDocumentFactory(organization=org, partnership=partnership)
    return services.order_discrepancies(document=document, parsed=_parsed(content))


def test_only_an_invoice_or_a_despatch_advice_is_compared_with_an_order(org_a, partnership):
    # An order that names another order (a change) is still not compared with it.
    parsed = replace(
        _parsed(samples.edifact(kind="order", number="PO-2")), order_reference="PO-1001"
    )
    with tenant_scope(org_a):
        _order(org_a, partnership)
        document = EdiDocumentFactory(organization=org_a, partnership=partnership)
        assert services.order_discrepancies(document=document, parsed=parsed) == []


def test_an_invoice_whose_order_was_not_received_is_noted_and_not_compared(org_a, partnership):
    with tenant_scope(org_a):
        findings = _compare(org_a, partnership, samples.edifact(kind="invoice"))
    assert [(f.code, f.severity) for f in findings] == [(Code.ORDER_NOT_FOUND, "info")]
    assert findings[0].message == (
        "Order PO-1001 has not been received from this partnership; the lines were not "
        "compared with it."
    )


def test_an_order_of_another_partnership_is_not_the_invoices_order(org_a, partnership):
    with tenant_scope(org_a):
        _order(org_a, PartnershipFactory(organization=org_a))
        findings = _compare(org_a, partnership, samples.edifact(kind="invoice"))
    assert [f.code for f in findings] == [Code.ORDER_NOT_FOUND]


def test_an_invoice_above_the_ordered_quantity_or_at_another_price_is_an_error(org_a, partnership):
    items = [
        ("4012345000016", "MAT-1", "Bearing", "120", "PCE", "2.50"),
        ("4012345000023", "MAT-2", "Hose", "20", "PCE", "12.40"),
    ]
    with tenant_scope(org_a):
        _order(org_a, partnership)
        findings = _compare(org_a, partnership, samples.edifact(kind="invoice", items=items))
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {Code.QUANTITY_ABOVE_ORDER, Code.PRICE_DIFFERS}
    above = by_code[Code.QUANTITY_ABOVE_ORDER]
    assert (above.severity, above.line_number) == ("error", 1)
    assert above.message == "Item 4012345000016: 120 invoiced, 100 ordered on order PO-1001."
    price = by_code[Code.PRICE_DIFFERS]
    assert (price.severity, price.line_number) == ("error", 2)
    assert price.message == ("Line 2: item 4012345000023 is invoiced at 12.4 EUR, ordered at 11.9.")


def test_an_item_the_order_does_not_have_is_a_warning(org_a, partnership):
    items = [("4012345000099", "MAT-9", "Gasket", "5", "PCE", "1.00")]
    with tenant_scope(org_a):
        _order(org_a, partnership)
        findings = _compare(org_a, partnership, samples.edifact(kind="invoice", items=items))
    assert [(f.code, f.severity, f.line_number) for f in findings] == [
        (Code.ITEM_NOT_ON_ORDER, "warning", 1)
    ]
    assert findings[0].message == "Line 1: item 4012345000099 is not on order PO-1001."


def test_an_invoice_in_another_currency_is_an_error_and_its_prices_are_not_compared(
    org_a, partnership
):
    items = [("4012345000016", "MAT-1", "Bearing", "100", "PCE", "9.99")]
    with tenant_scope(org_a):
        _order(org_a, partnership, currency="USD")
        findings = _compare(org_a, partnership, samples.edifact(kind="invoice", items=items))
    assert [(f.code, f.severity) for f in findings] == [(Code.CURRENCY_DIFFERS, "error")]
    assert findings[0].message == (
        "The invoice is in EUR, order PO-1001 in USD; prices were not compared."
    )


def test_lines_in_another_unit_than_the_order_are_not_compared(org_a, partnership):
    items = [("4012345000016", "MAT-1", "Bearing", "500", "PCE", "9.99")]
    with tenant_scope(org_a):
        _order(org_a, partnership, unit="KGM")
        assert _compare(org_a, partnership, samples.edifact(kind="invoice", items=items)) == []


def test_a_despatch_advice_above_the_ordered_quantity_is_an_error_saying_shipped(
    org_a, partnership
):
    items = [("4012345000016", "MAT-1", "Bearing", "150", "PCE", "9.99")]
    with tenant_scope(org_a):
        _order(org_a, partnership)
        findings = _compare(org_a, partnership, samples.edifact(kind="despatch", items=items))
    assert [f.code for f in findings] == [Code.QUANTITY_ABOVE_ORDER]
    assert findings[0].message == "Item 4012345000016: 150 shipped, 100 ordered on order PO-1001."


# --- outbound_message -------------------------------------------------------------------------


def _accepted_order(org, partnership, number="PO 7/1"):
    order = EdiDocumentFactory(
        organization=org, partnership=partnership, doc_type="order", message_type="ORDERS",
        document_number=number, order_reference="", sender_id=RECEIVER, receiver_id=SENDER,
    )  # fmt: skip
    EdiDocumentLineFactory(organization=org, document=order, description="Bearing 6204-2RS")
    return order


def test_only_an_accepted_order_is_sent_on_or_answered(org_a, partnership, manager):
    with tenant_scope(org_a):
        invoice = EdiDocumentFactory(organization=org_a, partnership=partnership)
        rejected = EdiDocumentFactory(
            organization=org_a, partnership=partnership, doc_type="order", status="rejected"
        )
        for document in (invoice, rejected):
            with pytest.raises(ConflictError) as refused:
                services.outbound_message(
                    document=document, kind="order", standard="edifact", actor=manager, now=NOW
                )
            assert refused.value.code == "not_an_order"
            assert str(refused.value) == "Only an accepted order is sent on or answered."
        assert not AuditEvent.objects.filter(action="integrations.outbound.generated").exists()


@pytest.mark.parametrize(
    ("kind", "standard", "field"),
    [("invoice", "edifact", "kind"), ("order", "x12", "standard")],
)
def test_an_outbound_message_of_another_kind_or_standard_is_refused(
    org_a, partnership, manager, kind, standard, field
):
    with tenant_scope(org_a):
        order = _accepted_order(org_a, partnership)
        with pytest.raises(ValidationError) as refused:
            services.outbound_message(
                document=order, kind=kind, standard=standard, actor=manager, now=NOW
            )
    assert list(refused.value.message_dict) == [field]


def test_an_order_response_is_named_after_the_order_and_audited(org_a, partnership, manager):
    with tenant_scope(org_a):
        order = _accepted_order(org_a, partnership)
        name, content = services.outbound_message(
            document=order, kind="order_response", standard="edifact", actor=manager, now=NOW
        )
        event = AuditEvent.objects.get(action="integrations.outbound.generated")
    assert name == "RSP-PO-7-1.edi"
    assert b"ORDRSP" in content and b"RSP-PO 7/1" in content.replace(b"?", b"")
    assert (event.actor, event.object_id) == (manager, str(order.pk))
    assert event.changes == {
        "kind": "order_response",
        "standard": "edifact",
        "number": "RSP-PO 7/1",
    }


def test_an_order_sent_on_in_ubl_keeps_the_orders_number_and_is_xml(org_a, partnership, manager):
    with tenant_scope(org_a):
        order = _accepted_order(org_a, partnership, number="PO-88")
        name, content = services.outbound_message(
            document=order, kind="order", standard="ubl", actor=manager, now=NOW
        )
    assert name == "PO-88.xml"
    assert b"<Order" in content and b"PO-88" in content and b"Bearing 6204-2RS" in content


# --- stock_feed_replay ------------------------------------------------------------------------


def test_a_stock_feed_without_the_item_quantity_and_as_of_columns_is_refused(org_a, partnership):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_feed_replay(
            partnership=partnership, content="item,qty,as_of\nMAT-1,5,2026-03-01T08:00\n", now=NOW
        )
    assert refused.value.message_dict == {
        "content": ["The feed needs the columns item, quantity, as_of."]
    }


def test_a_stock_feed_with_a_huge_cell_is_refused_in_words_not_a_crash(org_a, partnership):
    content = "item,quantity,as_of\nMAT-1," + "9" * 200_000 + ",2026-03-01T08:00\n"
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.stock_feed_replay(partnership=partnership, content=content, now=NOW)
    assert refused.value.message_dict == {
        "content": ["Line 2 has a value of more than 1,000 characters: is this the right file?"]
    }


def test_a_replayed_stock_feed_shows_its_levels_and_alerts_but_keeps_nothing(
    org_a, partnership, manager
):
    content = (
        "item,quantity,as_of\n"
        "MAT-1,140,2026-03-01T06:00:00+00:00\n"
        "MAT-1,80,2026-03-01T08:00:00+00:00\n"
        "MAT-1,40,2026-03-01T08:30:00+00:00\n"
    )
    with tenant_scope(org_a):
        StockPolicyFactory(organization=org_a, partnership=partnership, item="MAT-1", owner=manager)
        result = services.stock_feed_replay(partnership=partnership, content=content, now=NOW)
        assert [(p.quantity, p.level) for p in result.positions] == [
            (Decimal("140"), "ok"),
            (Decimal("80"), "reorder"),
            (Decimal("40"), "safety"),
        ]
        assert result.alerts == 2
        assert result.max_lag == NOW - datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
        assert not StockPosition.objects.exists()
        assert not Notification.objects.filter(recipient=manager).exists()
        assert not AuditEvent.objects.filter(
            action="integrations.stock_positions.recorded"
        ).exists()


def test_a_stock_feed_replay_reads_at_most_5000_rows(org_a, partnership):
    content = "item,quantity,as_of\n" + "MAT-1,10,2026-03-01T08:00:00+00:00\n" * 5001
    with tenant_scope(org_a):
        result = services.stock_feed_replay(partnership=partnership, content=content, now=NOW)
    assert len(result.positions) == 5000


# --- crosswalk_reprocess_request --------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch):
    """The tasks the crosswalk services enqueue (patched where crosswalks looks it up)."""
    calls = []
    monkeypatch.setattr(crosswalks, "enqueue", lambda task, **kwargs: calls.append((task, kwargs)))
    return calls


def test_a_crosswalk_reprocess_is_queued_once_while_one_waits(org_a, partnership, manager, sent):
    with tenant_scope(org_a):
        job = services.crosswalk_reprocess_request(partnership=partnership, actor=manager, now=NOW)
        again = services.crosswalk_reprocess_request(partnership=partnership, actor=None, now=NOW)
        assert again == job
        assert CrosswalkReprocess.objects.count() == 1
        assert (job.status, job.requested_by, job.created_at) == ("queued", manager, NOW)
        queued = AuditEvent.objects.filter(action="integrations.crosswalk_reprocess.queued")
        assert [(e.actor, e.object_id) for e in queued] == [(manager, str(job.pk))]
    assert sent == [
        ("integrations.tasks.crosswalk_reprocess", {"organization_id": org_a.pk, "job_id": job.pk})
    ]


def test_a_finished_crosswalk_reprocess_is_not_reused(org_a, partnership, manager, sent):
    with tenant_scope(org_a):
        done = CrosswalkReprocessFactory(organization=org_a, partnership=partnership)
        job = services.crosswalk_reprocess_request(partnership=partnership, actor=manager, now=NOW)
    assert job.pk != done.pk and job.status == "queued"
    assert [kwargs["job_id"] for _, kwargs in sent] == [job.pk]


def test_a_crosswalk_reprocess_of_another_organizations_partnership_is_refused(
    org_a, org_b, manager, sent
):
    theirs = PartnershipFactory(organization=org_b)
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.crosswalk_reprocess_request(partnership=theirs, actor=manager, now=NOW)
    assert refused.value.message_dict == {
        "partnership": ["No such partnership in this organization."]
    }
    assert sent == []


# --- webhook events ---------------------------------------------------------------------------


def _webhook_payloads():
    return [
        m.payload for m in OutboxMessage.objects.filter(channel=webhooks.CHANNEL).order_by("pk")
    ]


def test_a_webhook_event_is_queued_once_for_each_subscription_to_it(org_a):
    with tenant_scope(org_a):
        first = WebhookSubscriptionFactory(organization=org_a, events=["scorecard.published"])
        second = WebhookSubscriptionFactory(organization=org_a, events=["scorecard.published"])
        WebhookSubscriptionFactory(organization=org_a, events=["discrepancy.opened"])
        queued = services.webhook_event_raise(event="scorecard.published", data={"id": 7}, now=NOW)
    assert queued == 2
    payloads = _webhook_payloads()
    assert [(p["subscription"], p["event"], p["data"]) for p in payloads] == [
        (first.pk, "scorecard.published", {"id": 7}),
        (second.pk, "scorecard.published", {"id": 7}),
    ]
    assert {p["occurred_at"] for p in payloads} == {NOW.isoformat()}


def test_a_webhook_event_nobody_subscribes_to_queues_nothing(org_a):
    with tenant_scope(org_a):
        WebhookSubscriptionFactory(organization=org_a, events=["discrepancy.opened"])
        assert (
            services.webhook_event_raise(event="scorecard.published", data={"id": 7}, now=NOW) == 0
        )
    assert _webhook_payloads() == []


def test_a_batch_of_webhook_events_reads_its_payloads_only_when_someone_subscribes(org_a):
    reads = []

    def items():
        reads.append(1)
        return [{"id": 1}, {"id": 2}]

    with tenant_scope(org_a):
        assert services.webhook_events_raise(event="breach.created", items=items, now=NOW) == 0
        assert reads == []
        WebhookSubscriptionFactory(organization=org_a, events=["breach.created"])
        assert services.webhook_events_raise(event="breach.created", items=items, now=NOW) == 2
    assert reads == [1]
    assert [(p["event"], p["data"]) for p in _webhook_payloads()] == [
        ("breach.created", {"id": 1}),
        ("breach.created", {"id": 2}),
    ]


def test_an_object_event_carries_its_type_id_and_the_public_facts_it_has(org_a, partnership):
    with tenant_scope(org_a):
        WebhookSubscriptionFactory(organization=org_a, events=["discrepancy.opened"])
        discrepancy = DiscrepancyFactory(organization=org_a, partnership=partnership)
        assert (
            services.webhook_object_event(event="discrepancy.opened", obj=discrepancy, now=NOW) == 1
        )
    [payload] = _webhook_payloads()
    assert payload["occurred_at"] == NOW.isoformat()
    # A discrepancy has a partnership, a status and a decision time (none yet): those are said,
    # with the partnership under its plain name; it has no title, score or period.
    assert payload["data"] == {
        "object": "integrations.discrepancy",
        "id": discrepancy.pk,
        "partnership": partnership.pk,
        "status": "open",
        "decided_at": None,
    }


# --- discrepancy_payload ----------------------------------------------------------------------


def test_a_discrepancys_webhook_payload_gives_quantities_without_trailing_zeros(org_a, partnership):
    with tenant_scope(org_a):
        discrepancy = DiscrepancyFactory(
            organization=org_a, partnership=partnership, order_number="PO-9", item="MAT-1",
            kind="price_differs", severity="high", expected=Decimal("10.500000"),
            actual=Decimal("100.000000"), amount_at_stake=Decimal("150.00"), currency="EUR",
        )  # fmt: skip
        discrepancy.refresh_from_db()
    assert services.discrepancy_payload(discrepancy) == {
        "id": discrepancy.pk,
        "partnership": partnership.pk,
        "order_number": "PO-9",
        "item": "MAT-1",
        "kind": "price_differs",
        "severity": "high",
        "expected": "10.5",
        "actual": "100",  # never "1E+2"
        "amount_at_stake": "150.00",
        "currency": "EUR",
        "status": "open",
    }


# --- what a user reads when something unforeseen fails ------------------------------------------


def test_an_interchange_the_reader_chokes_on_is_rejected_in_words_and_the_cause_logged(
    org_a, ingest, monkeypatch, caplog
):
    from integrations.services import reading

    def choke(content):
        raise KeyError("segment")

    monkeypatch.setattr(reading, "parse_messages", choke)
    document, _ = ingest(b"UNA:+.? 'UNB+UNOC:3+X+Y+240101:1200+1'")
    assert document.status == "rejected"
    assert document.error == (
        "The message could not be read: something in it is not what the reader expects. The "
        "details are logged for support."
    )
    assert "KeyError" not in document.error
    [logged] = [r for r in caplog.records if r.name == "integrations.services.reading"]
    assert logged.exc_info[0] is KeyError


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (requests.ConnectTimeout(), "The receiver did not answer within 10 seconds."),
        (requests.ReadTimeout(), "The receiver did not answer within 10 seconds."),
        (
            requests.exceptions.SSLError(),
            "The receiver's TLS certificate was refused (expired, self-signed or for another "
            "name).",
        ),
        (
            requests.ConnectionError(),
            "The receiver could not be reached: its name does not resolve or it refused the "
            "connection.",
        ),
        (requests.exceptions.InvalidURL(), "The receiver's address is not a valid URL."),
        (requests.exceptions.MissingSchema(), "The receiver's address is not a valid URL."),
        (requests.exceptions.TooManyRedirects(), "The receiver could not be reached."),
    ],
)
def test_a_webhook_delivery_that_fails_says_why_in_words(exc, reason):
    from integrations.webhooks import unreachable_reason

    assert unreachable_reason(exc) == reason
