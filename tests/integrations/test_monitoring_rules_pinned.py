"""Monitoring rules pinned in their exact words: which documents are compared with their order
(an invoice or despatch advice naming one), which order (accepted, of this partnership, the
latest received, never the document itself), the finding of an order not received; the
currency of an invoice and its order differing (prices then not compared); the order's items
known by GTIN, buyer's or seller's code, quantities added up per item; an item not on the
order, a unit price other than the order's (invoices only, in the invoice's currency, the
ordered prices listed), a quantity above the order (what the lines add up to, on the item's
first line), lines in another unit left alone; who is told of a message that could not be read
or has errors (the partnership's owner, else the admins), the title, body, link and key of
that notification, and nothing for a clean one. Found by
`make mutation MUTATION_ARGS=integrations.monitoring`."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from integrations.edi.result import Finding, ParsedDocument, ParsedLine
from integrations.models import EdiDocument
from integrations.services import monitoring
from tenancy.context import tenant_scope
from tenancy.models import Notification, Role
from tests.integrations.factories import (
    EdiDocumentFactory,
    EdiDocumentLineFactory,
    EdiFindingFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_FOUND = (
    "Order PO-1 has not been received from this partnership; the lines were not compared with it."
)


def _order(org, partnership, *lines, number="PO-1", currency="EUR", **fields) -> EdiDocument:
    """An order with lines (gtin, buyer, seller, quantity, unit, unit price)."""
    order = EdiDocumentFactory(
        organization=org, partnership=partnership, doc_type="order", message_type="ORDERS",
        document_number=number, order_reference="", currency=currency,
        **{"received_at": RECEIVED, **fields},
    )  # fmt: skip
    for gtin, buyer, seller, quantity, unit, price in lines:
        EdiDocumentLineFactory(
            organization=org, document=order, gtin=gtin, buyer_item_code=buyer,
            seller_item_code=seller, quantity=Decimal(quantity), unit=unit,
            unit_price=None if price is None else Decimal(price),
        )  # fmt: skip
    return order


def _line(number, quantity, *, gtin="", buyer="", seller="", unit="PCE", price=None):
    return ParsedLine(
        line_number=number, quantity=Decimal(quantity), unit=unit, gtin=gtin,
        buyer_item_code=buyer, seller_item_code=seller,
        unit_price=None if price is None else Decimal(price),
    )  # fmt: skip


def _compare(org, partnership, *lines, doc_type="invoice", reference="PO-1", currency="EUR"):
    document = EdiDocumentFactory(
        organization=org, partnership=partnership, doc_type=doc_type, order_reference=reference
    )
    parsed = ParsedDocument(
        standard="edifact", doc_type=doc_type, order_reference=reference, currency=currency,
        lines=list(lines),
    )  # fmt: skip
    with tenant_scope(org):
        return monitoring.order_discrepancies(document=document, parsed=parsed)


# --- which documents, which order ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "reference"), [("order", "PO-1"), ("unknown", "PO-1"), ("invoice", "")]
)
def test_only_an_invoice_or_despatch_advice_naming_an_order_is_compared(
    org_a, partnership, doc_type, reference
):
    assert _compare(org_a, partnership, doc_type=doc_type, reference=reference) == []


@pytest.mark.parametrize("doc_type", ["invoice", "despatch_advice"])
def test_an_order_not_received_is_an_information_finding(org_a, partnership, doc_type):
    assert _compare(org_a, partnership, _line(1, "5", gtin="G1"), doc_type=doc_type) == [
        Finding("order_not_found", "info", NOT_FOUND)
    ]


def test_an_order_of_another_partnership_or_not_accepted_or_numbered_otherwise_is_not_found(
    org_a, manager, partnership
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _order(org_a, other, ("G1", "", "", "5", "PCE", "10"))
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), status="rejected")
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), number="PO-2")
    found = _compare(org_a, partnership, _line(1, "5", gtin="G1", price="10"))
    assert found == [Finding("order_not_found", "info", NOT_FOUND)]


def test_an_invoice_numbered_like_its_order_is_not_its_own_order(org_a, partnership):
    document = EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="order", document_number="PO-1",
        order_reference="PO-1",
    )  # fmt: skip
    parsed = ParsedDocument(standard="edifact", doc_type="invoice", order_reference="PO-1")
    with tenant_scope(org_a):
        assert monitoring._order_for(document, "PO-1") is None
        found = monitoring.order_discrepancies(document=document, parsed=parsed)
    assert found == [Finding("order_not_found", "info", NOT_FOUND)]


def test_another_kind_of_document_with_the_orders_number_is_not_the_order(org_a, partnership):
    order = _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"))
    EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="invoice", document_number="PO-1",
        received_at=RECEIVED + timedelta(hours=1),
    )  # fmt: skip
    with tenant_scope(org_a):
        assert monitoring._order_for(EdiDocument(partnership_id=partnership.pk), "PO-1") == order


def test_the_latest_received_order_of_that_number_is_the_one_compared(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), received_at=RECEIVED)
    latest = _order(
        org_a, partnership, ("G1", "", "", "5", "PCE", "12"),
        received_at=RECEIVED + timedelta(hours=1),
    )  # fmt: skip
    _order(
        org_a, partnership, ("G1", "", "", "5", "PCE", "11"),
        received_at=RECEIVED - timedelta(hours=1),
    )  # fmt: skip
    assert _compare(org_a, partnership, _line(1, "5", gtin="G1", price="12")) == []
    with tenant_scope(org_a):
        assert monitoring._order_for(EdiDocument(partnership_id=partnership.pk), "PO-1") == latest


def test_of_two_orders_received_at_once_the_later_one_is_compared(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"))
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "12"))
    assert _compare(org_a, partnership, _line(1, "5", gtin="G1", price="12")) == []


# --- currency -----------------------------------------------------------------------------------


def test_an_invoice_in_another_currency_is_an_error_and_its_prices_are_not_compared(
    org_a, partnership
):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), currency="USD")
    found = _compare(org_a, partnership, _line(1, "9", gtin="G1", price="99"), currency="EUR")
    assert found == [
        Finding(
            "currency_differs", "error",
            "The invoice is in EUR, order PO-1 in USD; prices were not compared.",
        ),
        Finding(
            "quantity_above_order", "error", "Item G1: 9 invoiced, 5 ordered on order PO-1.", 1
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(("ordered", "invoiced"), [("", "EUR"), ("USD", "")])
def test_a_currency_missing_on_either_side_is_no_difference(org_a, partnership, ordered, invoiced):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), currency=ordered)
    found = _compare(org_a, partnership, _line(1, "5", gtin="G1", price="11"), currency=invoiced)
    assert [f.code for f in found] == ["price_differs"]


def test_a_despatch_advice_in_another_currency_is_no_difference(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), currency="USD")
    found = _compare(
        org_a, partnership, _line(1, "5", gtin="G1", price="11"), doc_type="despatch_advice"
    )
    assert found == []


# --- items, prices and quantities ---------------------------------------------------------------


def test_an_item_not_on_the_order_is_a_warning_naming_the_line(org_a, partnership):
    _order(org_a, partnership, ("G1", "B1", "S1", "5", "PCE", "10"))
    found = _compare(
        org_a, partnership, _line(1, "1", gtin="G9"), _line(2, "1", seller="S9"), _line(3, "1")
    )
    assert found == [
        Finding("item_not_on_order", "warning", "Line 1: item G9 is not on order PO-1.", 1),
        Finding("item_not_on_order", "warning", "Line 2: item S9 is not on order PO-1.", 2),
        Finding("item_not_on_order", "warning", "Line 3: item line 3 is not on order PO-1.", 3),
    ]


@pytest.mark.parametrize(
    "line",
    [
        _line(1, "5", gtin="G1", price="10"),
        _line(1, "5", buyer="B1", price="10"),
        _line(1, "5", seller="S1", price="10"),
        _line(1, "5", gtin="G9", buyer="B9", seller="S1", price="10"),
    ],
)
def test_an_item_is_found_by_its_gtin_buyers_or_sellers_code(org_a, partnership, line):
    _order(org_a, partnership, ("G1", "B1", "S1", "5", "PCE", "10"))
    assert _compare(org_a, partnership, line) == []


def test_an_order_line_without_codes_is_left_out(org_a, partnership):
    _order(org_a, partnership, ("", "", "", "5", "PCE", "10"), ("G1", "", "", "5", "PCE", "10"))
    assert _compare(org_a, partnership, _line(1, "5", gtin="G1", price="10")) == []


def test_a_price_other_than_the_orders_is_an_error_listing_the_ordered_prices(org_a, partnership):
    _order(
        org_a, partnership, ("G1", "", "", "5", "PCE", "1250.5"), ("", "B1", "", "5", "PCE", "10"),
        ("G1", "", "", "5", "PCE", "9.25"),
    )  # fmt: skip
    found = _compare(
        org_a, partnership, _line(3, "10", gtin="G1", price="1300.1234567"),
        _line(4, "5", buyer="B1", price="10.000"), currency="EUR",
    )  # fmt: skip
    assert found == [
        Finding(
            "price_differs", "error",
            "Line 3: item G1 is invoiced at 1,300.123457 EUR, ordered at 9.25, 1,250.5.", 3,
        )
    ]  # fmt: skip


def test_an_order_line_without_a_price_or_an_invoice_line_without_one_is_not_compared(
    org_a, partnership
):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", None), ("G2", "", "", "5", "PCE", "10"))
    found = _compare(
        org_a, partnership, _line(1, "5", gtin="G1", price="3"), _line(2, "5", gtin="G2")
    )
    assert found == []


def test_a_despatch_advice_compares_quantities_not_prices(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"))
    found = _compare(
        org_a, partnership, _line(1, "6", gtin="G1", price="11"), doc_type="despatch_advice"
    )
    assert found == [
        Finding("quantity_above_order", "error", "Item G1: 6 shipped, 5 ordered on order PO-1.", 1)
    ]


def test_quantities_add_up_per_item_and_the_finding_names_the_items_first_line(org_a, partnership):
    _order(
        org_a, partnership, ("G1", "B1", "", "600", "PCE", "10"),
        ("", "B1", "", "400", "PCE", "10"), ("G2", "", "", "3", "PCE", "10"),
    )  # fmt: skip
    found = _compare(
        org_a, partnership, _line(2, "3", gtin="G2", price="10"),
        _line(4, "600.5", buyer="B1", price="10"), _line(7, "400", gtin="G1", price="10"),
    )  # fmt: skip
    assert found == [
        Finding(
            "quantity_above_order", "error",
            "Item G1: 1,000.5 invoiced, 1,000 ordered on order PO-1.", 4,
        )
    ]  # fmt: skip


def test_the_ordered_quantity_exactly_is_no_finding(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"))
    found = _compare(
        org_a, partnership, _line(1, "2", gtin="G1", price="10"),
        _line(2, "3", gtin="G1", price="10"),
    )  # fmt: skip
    assert found == []


def test_a_line_in_another_unit_is_compared_neither_for_quantity_nor_price(org_a, partnership):
    _order(org_a, partnership, ("G1", "", "", "5", "PCE", "10"), ("G2", "", "", "5", "", "10"))
    found = _compare(
        org_a, partnership, _line(1, "50", gtin="G1", unit="KGM", price="1"),
        _line(2, "5", gtin="G1", price="10"), _line(3, "5", gtin="G2", unit="KGM", price="10"),
        _line(4, "5", gtin="G1", unit="", price="10"),
    )  # fmt: skip
    assert found == [
        Finding(
            "quantity_above_order", "error", "Item G1: 10 invoiced, 5 ordered on order PO-1.", 2
        )
    ]  # fmt: skip


# --- _notify_problems ---------------------------------------------------------------------------


def _notifications(org):
    with tenant_scope(org):
        return list(Notification.objects.order_by("pk"))


def _notify(org, document):
    with tenant_scope(org):
        monitoring._notify_problems(EdiDocument.objects.get(pk=document.pk))


def test_an_unreadable_message_is_told_to_the_partnerships_owner_once(org_a, manager, partnership):
    document = EdiDocumentFactory(
        organization=org_a, partnership=partnership, status="rejected", filename="bad.edi",
        error="No UNH segment.",
    )  # fmt: skip
    _notify(org_a, document)
    _notify(org_a, document)
    [note] = _notifications(org_a)
    assert (note.recipient, note.title, note.body) == (
        manager, "EDI message bad.edi could not be read", "No UNH segment."
    )  # fmt: skip
    assert note.url == reverse("edi-document-detail", args=["alpha", document.pk])
    assert note.dedupe_key == f"integrations:edi_document:{document.pk}:problems"


def test_an_unreadable_message_without_a_file_name_is_named_by_its_number(org_a, partnership):
    document = EdiDocumentFactory(
        organization=org_a, partnership=partnership, status="rejected", filename="", error="x"
    )
    _notify(org_a, document)
    [note] = _notifications(org_a)
    assert note.title == f"EDI message {document.pk} could not be read"


def test_a_message_with_errors_lists_its_first_five_errors(org_a, manager, partnership):
    document = EdiDocumentFactory(
        organization=org_a, partnership=partnership, doc_type="invoice",
        document_number="INV-7", error_count=6,
    )  # fmt: skip
    for n in range(1, 7):
        EdiFindingFactory(organization=org_a, document=document, message=f"Error {n}.")
    EdiFindingFactory(organization=org_a, document=document, severity="warning", message="Warn.")
    _notify(org_a, document)
    [note] = _notifications(org_a)
    assert note.recipient == manager
    assert note.title == "Invoice INV-7 from Alder drive-train: 6 error(s)"
    assert note.body == "Error 1.\nError 2.\nError 3.\nError 4.\nError 5."
    assert note.url == reverse("edi-document-detail", args=["alpha", document.pk])
    assert note.dedupe_key == f"integrations:edi_document:{document.pk}:problems"


def test_a_clean_accepted_message_tells_nobody(org_a, manager, partnership):
    document = EdiDocumentFactory(organization=org_a, partnership=partnership, error_count=0)
    EdiFindingFactory(organization=org_a, document=document, severity="warning")
    _notify(org_a, document)
    assert _notifications(org_a) == []


def test_without_an_owner_the_admins_are_told(org_a, owner, make_member):
    make_member(org_a, Role.PROCUREMENT_MANAGER, email="other@alpha.test")
    ownerless = PartnershipFactory(organization=org_a, owner=None, name="Cedar parts")
    document = EdiDocumentFactory(
        organization=org_a, partnership=ownerless, status="rejected", filename="bad.edi", error="x"
    )
    _notify(org_a, document)
    assert [n.recipient for n in _notifications(org_a)] == [owner]
