"""What `manage.py ingest_document` prints about one file: every message of the interchange,
normalised (type, number, parties, currency, lines, totals, findings), or the reason it cannot be
read. Pure: reads bytes, touches no database (the comparison with received orders needs the
database and is the ingestion service's)."""

from decimal import Decimal

from integrations.edi import EdiParseError, ParsedDocument, detect_standard, parse_messages
from integrations.edi.result import CENT
from tenancy.filesize import over_limit_texts


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(CENT):f}"


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def reconcile(document: ParsedDocument) -> dict:
    """The declared line total against the sum of the lines, to the cent."""
    declared, lines = document.declared_total, document.line_total
    totals = {
        "declared_line_total": _amount(declared),
        "sum_of_lines": _amount(lines),
        "document_total": _amount(document.document_total),
    }
    document_total = document.document_total
    if declared is None and lines is not None and document_total is not None:
        # No line total declared: the document total is the lines' only without charges,
        # allowances and taxes, which are not itemised here; equal is reconciled, else reported.
        difference = (document_total - lines).quantize(CENT)
        return {
            **totals,
            "reconciled": True if difference == 0 else None,
            "difference": _amount(difference),
            "note": "The document total is the sum of the lines, to the cent."
            if difference == 0
            else f"No line total declared; the document total {_amount(document_total)} is "
            f"{_amount(difference)} above the lines' {_amount(lines)} (charges, allowances "
            "and taxes).",
        }
    if declared is None or lines is None:
        missing = "declares no line total" if declared is None else "has no line amounts"
        return {
            **totals,
            "reconciled": None,
            "difference": None,
            "note": f"The message {missing}: nothing to reconcile.",
        }
    difference = (declared - lines).quantize(CENT)
    return {
        **totals,
        "reconciled": difference == 0,
        "difference": _amount(difference),
        "note": "Reconciled to the cent."
        if difference == 0
        else f"Mismatch: the declared line total is {_amount(declared)}, the lines add up to "
        f"{_amount(lines)} (difference {_amount(difference)}).",
    }


def describe_message(message: ParsedDocument | EdiParseError, position: int) -> dict:
    if isinstance(message, EdiParseError):
        return {
            "position": position,
            "status": "rejected",
            "message_control_number": getattr(message, "message_control_number", ""),
            "reason": str(message),
        }
    return {
        "position": position,
        "status": "parsed",
        "doc_type": message.doc_type,
        "message_type": message.message_type,
        "syntax_version": message.syntax_version,
        "document_number": message.document_number,
        "order_reference": message.order_reference,
        "issue_date": message.issue_date.isoformat() if message.issue_date else None,
        "parties": {"sender": message.sender_id, "receiver": message.receiver_id},
        "interchange_control_number": message.interchange_control_number,
        "message_control_number": message.message_control_number,
        "currency": message.currency,
        "totals": reconcile(message),
        "line_count": len(message.lines),
        "lines": [
            {
                "line_number": line.line_number,
                "gtin": line.gtin,
                "buyer_item_code": line.buyer_item_code,
                "seller_item_code": line.seller_item_code,
                "description": line.description,
                "quantity": _number(line.quantity),
                "unit": line.unit,
                "unit_price": _number(line.unit_price),
                "line_amount": _amount(line.line_amount),
            }
            for line in message.lines
        ],
        "findings": [
            {
                "code": finding.code,
                "severity": finding.severity,
                "message": finding.message,
                "line_number": finding.line_number,
            }
            for finding in message.findings
        ],
    }


def describe(content: bytes, *, name: str, max_bytes: int) -> dict:
    """The report on one file; never raises for what the file holds."""
    report: dict = {"file": name, "size": len(content)}
    if len(content) > max_bytes:
        size, limit = over_limit_texts(len(content), max_bytes)
        return {
            **report,
            "status": "rejected",
            "reason": f"The file is {size}; the limit is {limit}. Split the interchange.",
        }
    try:
        standard = detect_standard(content)
        messages = parse_messages(content)
    except EdiParseError as exc:
        return {**report, "status": "rejected", "reason": str(exc)}
    except RecursionError:
        return {**report, "status": "rejected", "reason": "The message is nested too deeply."}
    described = [describe_message(m, i) for i, m in enumerate(messages, start=1)]
    parsed = sum(1 for m in described if m["status"] == "parsed")
    if not parsed:
        reasons = "; ".join(m["reason"] for m in described)
        return {**report, "standard": standard, "status": "rejected", "reason": reasons,
                "messages": described}  # fmt: skip
    return {
        **report,
        "standard": standard,
        "status": "parsed" if parsed == len(described) else "partly_parsed",
        "message_count": len(described),
        "messages": described,
    }
