"""Reading a stored interchange: every message's header, lines and findings are stored, all of
it or (when it cannot be read) none of it and the document rejected with the reason. The
connector it came through is found (services.connectors) and an invoice or despatch advice is
compared with its order (services.monitoring)."""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction

from integrations.edi import EdiParseError, Finding, ParsedDocument, parse_messages
from integrations.edi.result import ERROR, WARNING
from integrations.models import (
    EDI_DOCUMENT_LIFECYCLE,
    Connector,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
)
from integrations.services.connectors import (
    SenderRefused,
    _connector_of_unreadable,
    connector_for_sender,
)
from integrations.services.monitoring import order_discrepancies
from tenancy.jobs import unexpected_failure

logger = logging.getLogger(__name__)
UNREADABLE_MESSAGE = unexpected_failure(
    "The message could not be read: something in it is not what the reader expects."
)

# Findings of one kind beyond this many are summed up in one more finding: a 200,000-line
# invoice priced off a stale list must not produce 200,000 rows of the same news.
FINDINGS_PER_CODE = 50


def _read(
    document: EdiDocument,
    *,
    clock: Callable[[], datetime],
    progress: Callable[[int], None] | None = None,
) -> list[EdiDocument]:
    """Parse the stored interchange and store each message's header, lines and findings: all
    of it, or (when it cannot be read) none of it and the document rejected with the reason.

    Every message is stored: the first in `document`, each further one as a document of its
    own (`interchange` = `document`), read, checked and rejected on its own; returns those
    further documents. `clock` stamps when each message's reading starts and ends."""
    progress = progress or (lambda percent: None)
    try:
        messages = parse_messages(bytes(document.content))
    except EdiParseError as exc:
        _reject(document, str(exc), now=clock())
        return []
    except Exception:  # noqa: BLE001 - the message is kept and rejected; the cause logged
        logger.exception("EDI interchange %s could not be read", document.pk)
        _reject(document, UNREADABLE_MESSAGE, now=clock())
        return []
    progress(40)
    _read_one(document, _given(messages[0]), clock=clock)
    further = []
    for index, message in enumerate(messages[1:], start=2):
        sibling = _store_further_message(document, index, now=clock())
        _read_one(sibling, _given(message), clock=clock)
        further.append(sibling)
        progress(40 + 50 * index // len(messages))
    progress(90)
    return further


def _given(message: ParsedDocument | EdiParseError) -> Callable[[], ParsedDocument]:
    def parsed() -> ParsedDocument:
        if isinstance(message, EdiParseError):
            raise message
        return message

    return parsed


def _store_further_message(document: EdiDocument, index: int, *, now: datetime) -> EdiDocument:
    """A document for the `index`-th message of `document`'s interchange: the bytes stay on
    the interchange's document; its fingerprint derives from the interchange's and the index
    (unique, and a resend of the interchange finds the first document)."""
    sibling = EdiDocument(
        organization_id=document.organization_id,
        partnership=document.partnership,
        interchange=document,
        message_index=index,
        filename=document.filename,
        size=document.size,
        sha256=hashlib.sha256(f"{document.sha256}:{index}".encode()).hexdigest(),
        content=b"",
        received_via=document.received_via,
        received_by=document.received_by,
        received_at=document.received_at,
        started_at=now,
    )
    # The key an API client pushed the interchange with (a connector may allow only some).
    sibling.sent_with_key = getattr(document, "sent_with_key", "")  # type: ignore[attr-defined]
    sibling.save(force_insert=True)
    return sibling


def _read_one(
    document: EdiDocument, parse: Callable[[], ParsedDocument], *, clock: Callable[[], datetime]
) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no line or finding behind
            _store_parsed(document, parse(), clock=clock)
    except SenderRefused as exc:
        _reject(document, str(exc), sender_refused=True, now=clock())
    except EdiParseError as exc:
        _reject(document, str(exc), now=clock())
    except Exception:  # noqa: BLE001 - the message is kept and rejected; the cause logged
        logger.exception("EDI document %s could not be read", document.pk)
        _reject(document, UNREADABLE_MESSAGE, now=clock())


def _reject(
    document: EdiDocument, reason: str, sender_refused: bool | None = None, *, now: datetime
) -> None:
    # The savepoint rolled back the row; give the instance its stored state back too.
    started_at = document.started_at
    document.refresh_from_db(fields=[*HEADER_FIELDS, *COUNT_FIELDS])
    document.started_at = started_at
    EDI_DOCUMENT_LIFECYCLE.check(document.status, EdiDocument.Status.REJECTED)
    document.status = EdiDocument.Status.REJECTED
    document.error = reason
    document.finished_at = now
    if sender_refused is None:
        document.connector = _connector_of_unreadable(document)
    document.save(update_fields=["status", "error", "started_at", "finished_at", "connector"])
    if document.connector_id:
        Connector.objects.filter(pk=document.connector_id).update(
            last_error_at=document.finished_at, last_error=reason[:1000]
        )


HEADER_FIELDS = (
    "standard",
    "doc_type",
    "message_type",
    "syntax_version",
    "sender_id",
    "receiver_id",
    "interchange_control_number",
    "message_control_number",
    "document_number",
    "order_reference",
    "issue_date",
    "currency",
    "declared_total",
    "document_total",
)
COUNT_FIELDS = (
    "status",
    "line_total",
    "line_count",
    "error_count",
    "warning_count",
    "finished_at",
    "error",
)


def _store_parsed(
    document: EdiDocument, parsed: ParsedDocument, *, clock: Callable[[], datetime]
) -> None:
    for name in HEADER_FIELDS:
        setattr(document, name, getattr(parsed, name))
    document.connector = connector_for_sender(document=document, parsed=parsed)
    findings = [*parsed.findings, *order_discrepancies(document=document, parsed=parsed)]
    findings = _capped(findings)
    line_total = parsed.line_total
    EDI_DOCUMENT_LIFECYCLE.check(document.status, EdiDocument.Status.ACCEPTED)
    document.status = EdiDocument.Status.ACCEPTED
    document.line_total = line_total
    document.line_count = len(parsed.lines)
    document.error_count = sum(1 for f in findings if f.severity == ERROR)
    document.warning_count = sum(1 for f in findings if f.severity == WARNING)
    document.finished_at = clock()
    document.error = ""
    # not the raw content again
    document.save(update_fields=[*HEADER_FIELDS, *COUNT_FIELDS, "started_at", "connector"])
    if document.connector_id:
        seen: dict[str, object] = {"last_success_at": document.finished_at}
        if document.error_count:
            seen["last_error_at"] = document.finished_at
            seen["last_error"] = (
                f"{document.get_doc_type_display()} {document.document_number}: "
                f"{document.error_count} error(s)"
            )
        Connector.objects.filter(pk=document.connector_id).update(**seen)
    _insert_lines(document, parsed)
    EdiFinding.objects.bulk_create(
        EdiFinding(
            organization_id=document.organization_id,
            document=document,
            code=f.code,
            severity=f.severity,
            message=f.message,
            line_number=f.line_number,
        )
        for f in findings
    )


_LINE_COLUMNS = (
    ("line_number", "integer"),
    ("buyer_item_code", "text"),
    ("seller_item_code", "text"),
    ("gtin", "text"),
    ("description", "text"),
    ("quantity", "numeric"),
    ("unit", "text"),
    ("unit_price", "numeric"),
    ("line_amount", "numeric"),
)


def _insert_lines(document: EdiDocument, parsed: ParsedDocument) -> None:
    """All lines in one INSERT … SELECT FROM unnest(one array per column).

    One statement with a fixed number of parameters, whatever the number of lines: close to
    COPY, which row-level security does not allow for the runtime role. The parser has already
    made every value fit its column (`integrations.edi.result.finalise`).
    """
    lines = parsed.lines
    if not lines:
        return
    meta = EdiDocumentLine._meta
    quote = connection.ops.quote_name
    names = [str(meta.get_field(name).column) for name, _ in _LINE_COLUMNS]  # type: ignore[union-attr]
    fixed = ["organization_id", "document_id", "partnership_id", "currency"]
    arrays = ", ".join(f"%s::{sql_type}[]" for _, sql_type in _LINE_COLUMNS)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in fixed + names)}) "
        f"SELECT %s, %s, %s, %s, * FROM unnest({arrays})"
    )
    columns = [[getattr(line, name) for line in lines] for name, _ in _LINE_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                document.organization_id,
                document.pk,
                document.partnership_id,
                document.currency,
                *columns,
            ],
        )


def _capped(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
        if counts[finding.code] <= FINDINGS_PER_CODE:
            kept.append(finding)
    for code, count in counts.items():
        if count > FINDINGS_PER_CODE:
            first = next(f for f in findings if f.code == code)
            kept.append(
                Finding(
                    code,
                    first.severity,
                    f"… and {count - FINDINGS_PER_CODE:,} more lines with the same problem.",
                )
            )
    return kept


def _audit_changes(document: EdiDocument) -> dict:
    changes = {
        "standard": document.standard,
        "doc_type": document.doc_type,
        "document_number": document.document_number,
        "received_via": document.received_via,
        "filename": document.filename,
        "sha256": document.sha256,
        "lines": document.line_count,
        "errors": document.error_count,
        "warnings": document.warning_count,
    }
    if document.interchange_id:
        changes["interchange"] = document.interchange_id
        changes["message_index"] = document.message_index
    if document.error:
        changes["reason"] = document.error
    return changes
