"""Outbound documents: an accepted order sent on, or answered with an order response, as an
EDIFACT or UBL message."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.edi.result import ORDER
from integrations.models import EdiDocument, EdiDocumentLine
from tenancy.audit import audit_record
from tenancy.errors import ConflictError
from tenancy.models import User

OUTBOUND_KINDS = ("order", "order_response")
OUTBOUND_STANDARDS = ("edifact", "ubl")


def outbound_message(
    *, document: EdiDocument, kind: str, standard: str, actor: User | None, now
) -> tuple[str, bytes]:
    """An order document as a message to send: the order itself (EDIFACT ORDERS or UBL Order,
    whatever standard it came in) or the order response accepting every line (EDIFACT ORDRSP or
    UBL OrderResponse). Returns (file name, bytes); audited."""
    from integrations.edi import outbound

    if kind not in OUTBOUND_KINDS:
        raise ValidationError({"kind": "Choose order or order_response."})
    if standard not in OUTBOUND_STANDARDS:
        raise ValidationError({"standard": "Choose edifact or ubl."})
    if document.doc_type != ORDER or document.status != EdiDocument.Status.ACCEPTED:
        raise ConflictError("Only an accepted order is sent on or answered.", code="not_an_order")
    lines = [
        outbound.OutLine(
            line.line_number,
            line.gtin,
            line.buyer_item_code,
            line.seller_item_code,
            line.description,
            line.quantity,
            line.unit,
            line.unit_price,
        )  # fmt: skip
        for line in EdiDocumentLine.objects.filter(document=document).order_by("pk")
    ]
    order = outbound.OutOrder(
        number=document.document_number, issue_date=document.issue_date or timezone.localdate(now),
        currency=document.currency, buyer_id=document.sender_id,
        seller_id=document.receiver_id, lines=lines,
    )  # fmt: skip
    number = document.document_number if kind == "order" else f"RSP-{document.document_number}"
    if kind == "order":
        content = (
            outbound.edifact_orders(order) if standard == "edifact" else outbound.ubl_order(order)
        )
    elif standard == "edifact":
        content = outbound.edifact_ordrsp(order, number=number, issued=timezone.localdate(now))
    else:
        content = outbound.ubl_order_response(order, number=number, issued=timezone.localdate(now))
    audit_record(
        action="integrations.outbound.generated", actor=actor, obj=document,
        changes={"kind": kind, "standard": standard, "number": number},
    )  # fmt: skip
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in number) or "order"
    return f"{safe}.{'edi' if standard == 'edifact' else 'xml'}", content
