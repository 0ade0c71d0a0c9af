"""Discrepancy monitoring while a document is read: an invoice or despatch advice compared with
the order it references, and the partnership's owner told about a message that could not be
read or has errors."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse

from integrations.edi import Finding, ParsedDocument
from integrations.edi.result import (
    DESPATCH_ADVICE,
    ERROR,
    INFO,
    INVOICE,
    ORDER,
    PRICE_PLACES,
    WARNING,
    Code,
)
from integrations.models import EdiDocument, EdiDocumentLine
from tenancy.context import require_organization
from tenancy.money import format_quantity
from tenancy.selectors import accountable
from tenancy.services import notify


@dataclass
class _OrderedItem:
    label: str
    unit: str
    quantity: Decimal = Decimal("0")
    prices: set = field(default_factory=set)
    received: Decimal = Decimal("0")
    first_line: int | None = None


def _order_for(document: EdiDocument, reference: str) -> EdiDocument | None:
    return (
        EdiDocument.objects.filter(
            partnership_id=document.partnership_id,
            doc_type=ORDER,
            document_number=reference,
            status=EdiDocument.Status.ACCEPTED,
        )
        .exclude(pk=document.pk)
        .defer("content")
        .order_by("-received_at", "-pk")
        .first()
    )


def order_discrepancies(*, document: EdiDocument, parsed: ParsedDocument) -> list[Finding]:
    """Compare an invoice or despatch advice with the order it references, line by line on the
    item codes (GTIN, then buyer's, then seller's code): a quantity above the ordered one, a unit
    price other than the order's, an item the order does not have.

    Compares one document with its order; quantities already invoiced by earlier invoices are
    not added up (see docs/integrations.md).
    """
    if parsed.doc_type not in (INVOICE, DESPATCH_ADVICE) or not parsed.order_reference:
        return []
    order = _order_for(document, parsed.order_reference)
    noun = "invoiced" if parsed.doc_type == INVOICE else "shipped"
    if order is None:
        return [
            Finding(
                Code.ORDER_NOT_FOUND,
                INFO,
                f"Order {parsed.order_reference} has not been received from this partnership; "
                "the lines were not compared with it.",
            )
        ]
    findings: list[Finding] = []
    if (
        parsed.doc_type == INVOICE
        and parsed.currency
        and order.currency
        and parsed.currency != order.currency
    ):
        findings.append(
            Finding(
                Code.CURRENCY_DIFFERS,
                ERROR,
                f"The invoice is in {parsed.currency}, order {order.document_number} in "
                f"{order.currency}; prices were not compared.",
            )
        )
    compare_prices = parsed.doc_type == INVOICE and not findings
    by_code: dict[tuple[str, str], _OrderedItem] = {}
    rows = EdiDocumentLine.objects.filter(document=order).values_list(
        "gtin", "buyer_item_code", "seller_item_code", "quantity", "unit", "unit_price"
    )
    for gtin, buyer, seller, quantity, unit, price in rows.iterator(chunk_size=5000):
        keys = [k for k in (("gtin", gtin), ("buyer", buyer), ("seller", seller)) if k[1]]
        if not keys:
            continue
        item = next((by_code[k] for k in keys if k in by_code), None)
        if item is None:
            item = _OrderedItem(label=keys[0][1], unit=unit)
        item.quantity += quantity
        if price is not None:
            item.prices.add(price)
        for key in keys:
            by_code.setdefault(key, item)
    touched: list[_OrderedItem] = []
    for line in parsed.lines:
        item = next((by_code[k] for k in line.item_codes if k in by_code), None)
        if item is None:
            findings.append(
                Finding(
                    Code.ITEM_NOT_ON_ORDER,
                    WARNING,
                    f"Line {line.line_number}: item {line.item_label} is not on order "
                    f"{order.document_number}.",
                    line.line_number,
                )
            )
            continue
        if item.unit and line.unit and item.unit != line.unit:
            continue  # different units of measure: neither quantity nor price is comparable
        if item.first_line is None:
            item.first_line = line.line_number
            touched.append(item)
        item.received += line.quantity
        price = line.unit_price
        if compare_prices and price is not None and item.prices and price not in item.prices:
            ordered = ", ".join(format_quantity(p) for p in sorted(item.prices))
            findings.append(
                Finding(
                    Code.PRICE_DIFFERS,
                    ERROR,
                    f"Line {line.line_number}: item {item.label} is {noun} at "
                    f"{format_quantity(price.quantize(Decimal(1).scaleb(-PRICE_PLACES)))} "
                    f"{parsed.currency}, ordered at {ordered}.",
                    line.line_number,
                )
            )
    for item in touched:
        if item.received > item.quantity:
            findings.append(
                Finding(
                    Code.QUANTITY_ABOVE_ORDER,
                    ERROR,
                    f"Item {item.label}: {format_quantity(item.received)} {noun}, "
                    f"{format_quantity(item.quantity)} ordered on order {order.document_number}.",
                    item.first_line,
                )
            )
    return findings


def _notify_problems(document: EdiDocument) -> None:
    """Tell the partnership's owner (the admins when it has none), once per document, about a
    message that could not be read or that has error findings."""
    if document.status == EdiDocument.Status.REJECTED:
        title = f"EDI message {document.filename or document.pk} could not be read"
        body = document.error
    elif document.error_count:
        title = (
            f"{document.get_doc_type_display()} {document.document_number} from "
            f"{document.partnership.name}: {document.error_count} error(s)"
        )
        body = "\n".join(
            document.findings.filter(severity=ERROR)
            .order_by("pk")
            .values_list("message", flat=True)[:5]
        )
    else:
        return
    notify(
        recipients=accountable(document.partnership.owner),
        title=title,
        body=body,
        url=reverse("edi-document-detail", args=[require_organization().slug, document.pk]),
        dedupe_key=f"integrations:edi_document:{document.pk}:problems",
    )
