"""Writes of the integrations module: receiving EDI documents, reading them, and comparing them
with the orders they reference. Every write runs in a transaction and is audited.

Two ways in, one reading:
- `edi_document_ingest` (API, feeds, benchmarks) stores, reads and checks a message in one call;
- `edi_document_receive` (uploads) stores the message and enqueues `edi_document_process`, which
  reads it in a Celery task with progress.
Both keep the message as it came, even when it cannot be read (status `rejected`, with the
reason), and both are idempotent on the SHA-256 of the bytes: a resend returns the document
already received.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrations import webhooks
from integrations.edi import (
    EdiParseError,
    Finding,
    ParsedDocument,
    detect_standard,
    parse_messages,
)
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
from integrations.health import FeedHealth, feed_health
from integrations.matching import MatchLine, Tolerances, three_way_match
from integrations.models import (
    CONNECTOR_LIFECYCLE,
    CONNECTOR_ROLES,
    DISCREPANCY_LIFECYCLE,
    DR_TEST_LIFECYCLE,
    EDI_DOCUMENT_LIFECYCLE,
    CodeMapping,
    Connector,
    CrosswalkReprocess,
    DataSharingTerm,
    DemandForecast,
    DisasterRecoveryTest,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
    ForecastVersion,
    RetentionRun,
    StockPolicy,
    StockPosition,
)
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.jobs import enqueue, job_progress, job_progress_clear, job_progress_set
from tenancy.models import Membership, Role, User
from tenancy.services import notify

logger = logging.getLogger(__name__)

# Findings of one kind beyond this many are summed up in one more finding: a 200,000-line
# invoice priced off a stale list must not produce 200,000 rows of the same news.
FINDINGS_PER_CODE = 50


def upload_max_bytes() -> int:
    return getattr(settings, "INTEGRATIONS_EDI_MAX_BYTES", 64 * 1024 * 1024)


def _check_content(content: bytes, filename: str, declared_size: int | None) -> None:
    """Refuse what could never be a message (nothing is stored): empty, or over the limit."""
    name = filename or "The message"
    limit = upload_max_bytes()
    size = max(len(content or b""), declared_size or 0)
    if size > limit:
        raise ValidationError(
            {
                "file": f"“{name}” is {size / 1_048_576:.1f} MB; the limit is "
                f"{limit / 1_048_576:.0f} MB. Split the interchange."
            }
        )
    if not content or not content.strip():
        raise ValidationError({"file": f"“{name}” is empty."})


def _check_partnership(partnership: Partnership) -> None:
    # The document takes the organization from the context; a partnership of another tenant
    # would make a row that points across tenants.
    if partnership.organization_id != require_organization().pk:
        raise ValidationError({"partnership": "No such partnership in this organization."})


def _existing(sha256: str) -> EdiDocument | None:
    # Without the bytes: they are the ones just received.
    return (
        EdiDocument.objects.select_related("partnership")
        .defer("content")
        .filter(sha256=sha256)
        .first()
    )


def _store_received(
    *,
    partnership: Partnership,
    content: bytes,
    filename: str,
    received_via: str,
    actor: User | None,
) -> tuple[EdiDocument, bool]:
    """Keep the message as it came, before anything reads it. Idempotent on its SHA-256."""
    _check_partnership(partnership)
    sha256 = hashlib.sha256(content).hexdigest()
    existing = _existing(sha256)
    if existing is not None:
        return existing, False
    document = EdiDocument(
        organization=require_organization(),
        partnership=partnership,
        filename=PurePath(filename or "").name[:255],
        size=len(content),
        sha256=sha256,
        content=content,
        received_via=received_via,
        received_by=actor if actor is not None and actor.is_authenticated else None,
        received_at=timezone.now(),
    )
    # The foreign keys are known good (checked above, or the caller); uniqueness is the
    # database's job (below), so no query here.
    document.full_clean(
        exclude=["content", "partnership", "organization", "received_by"],
        validate_constraints=False,
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent resend loses the race cleanly
            document.save(force_insert=True)
    except IntegrityError:
        existing = _existing(sha256)
        if existing is None:
            raise
        return existing, False
    return document, True


@transaction.atomic
def edi_document_ingest(
    *,
    partnership: Partnership,
    content: bytes,
    filename: str = "",
    received_via: str = EdiDocument.Channel.API,
    actor: User | None = None,
    declared_size: int | None = None,
    api_key_prefix: str = "",
) -> tuple[EdiDocument, bool]:
    """Store, read and check a message; returns (document, created). Every message of an
    interchange is stored, the first in `document`, each further one as a document of its own
    (as uploads do). `api_key_prefix`: the key it was pushed with (a connector may allow only
    some keys).

    A resend of the same bytes returns the document already received with created=False. A
    message that cannot be read is stored `rejected` with the reason (never raised). Empty or
    oversized content is refused with a field error and nothing is stored.
    """
    _check_content(content, filename, declared_size)
    document, created = _store_received(
        partnership=partnership,
        content=content,
        filename=filename,
        received_via=received_via,
        actor=actor,
    )
    if not created:
        return document, False
    document.started_at = timezone.now()
    document.sent_with_key = api_key_prefix  # type: ignore[attr-defined]
    further = _read(document)
    for read in (document, *further):
        audit_record(
            action=f"integrations.edi_document.{read.status}",
            actor=actor,
            obj=read,
            changes=_audit_changes(read),
        )
        _notify_problems(read)
    return document, True


@transaction.atomic
def edi_document_receive(
    *,
    partnership: Partnership,
    content: bytes,
    filename: str = "",
    received_via: str = EdiDocument.Channel.UPLOAD,
    actor: User | None = None,
    declared_size: int | None = None,
) -> tuple[EdiDocument, bool]:
    """Store a message and enqueue its reading (`edi_document_process`); returns (document,
    created). For uploads: the page follows the task's progress."""
    _check_content(content, filename, declared_size)
    document, created = _store_received(
        partnership=partnership,
        content=content,
        filename=filename,
        received_via=received_via,
        actor=actor,
    )
    if not created:
        return document, False
    audit_record(
        action="integrations.edi_document.received",
        actor=actor,
        obj=document,
        changes={"filename": document.filename, "size": document.size, "sha256": document.sha256},
    )
    enqueue(
        "integrations.tasks.edi_document_process",
        organization_id=document.organization_id,
        document_id=document.pk,
    )
    return document, True


def edi_document_process(*, document_id: int) -> EdiDocument:
    """Read a received message (the upload task). Running it again is a no-op."""
    with transaction.atomic():
        document = (
            EdiDocument.objects.select_for_update(of=("self",))
            .select_related("partnership")
            .get(pk=document_id)
        )
        if document.status != EdiDocument.Status.RECEIVED:
            return document
        document.started_at = timezone.now()
        job_progress_set(document, 10)
        further = _read(document, progress=lambda percent: job_progress_set(document, percent))
        for read in (document, *further):
            audit_record(
                action=f"integrations.edi_document.{read.status}",
                actor=document.received_by,
                obj=read,
                changes=_audit_changes(read),
            )
            _notify_problems(read)
    job_progress_clear(document)
    return document


def edi_document_progress(document: EdiDocument) -> int:
    """Percent read (the one progress helper of tenancy.jobs)."""
    return job_progress(document)


# --- reading ------------------------------------------------------------------------------


def _read(
    document: EdiDocument, progress: Callable[[int], None] | None = None
) -> list[EdiDocument]:
    """Parse the stored interchange and store each message's header, lines and findings: all
    of it, or (when it cannot be read) none of it and the document rejected with the reason.

    Every message is stored: the first in `document`, each further one as a document of its
    own (`interchange` = `document`), read, checked and rejected on its own; returns those
    further documents."""
    progress = progress or (lambda percent: None)
    try:
        messages = parse_messages(bytes(document.content))
    except EdiParseError as exc:
        _reject(document, str(exc))
        return []
    except Exception as exc:  # noqa: BLE001 - the message is kept and rejected; the cause logged
        logger.exception("EDI interchange %s could not be read", document.pk)
        _reject(document, f"The message could not be read ({exc.__class__.__name__}).")
        return []
    progress(40)
    _read_one(document, _given(messages[0]))
    further = []
    for index, message in enumerate(messages[1:], start=2):
        sibling = _store_further_message(document, index)
        _read_one(sibling, _given(message))
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


def _store_further_message(document: EdiDocument, index: int) -> EdiDocument:
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
        started_at=timezone.now(),
    )
    # The key an API client pushed the interchange with (a connector may allow only some).
    sibling.sent_with_key = getattr(document, "sent_with_key", "")  # type: ignore[attr-defined]
    sibling.save(force_insert=True)
    return sibling


def _read_one(document: EdiDocument, parse: Callable[[], ParsedDocument]) -> None:
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no line or finding behind
            _store_parsed(document, parse())
    except SenderRefused as exc:
        _reject(document, str(exc), sender_refused=True)
    except EdiParseError as exc:
        _reject(document, str(exc))
    except Exception as exc:  # noqa: BLE001 - the message is kept and rejected; the cause logged
        logger.exception("EDI document %s could not be read", document.pk)
        _reject(document, f"The message could not be read ({exc.__class__.__name__}).")


def _reject(document: EdiDocument, reason: str, sender_refused: bool | None = None) -> None:
    # The savepoint rolled back the row; give the instance its stored state back too.
    started_at = document.started_at
    document.refresh_from_db(fields=[*HEADER_FIELDS, *COUNT_FIELDS])
    document.started_at = started_at
    EDI_DOCUMENT_LIFECYCLE.check(document.status, EdiDocument.Status.REJECTED)
    document.status = EdiDocument.Status.REJECTED
    document.error = reason
    document.finished_at = timezone.now()
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


def _store_parsed(document: EdiDocument, parsed: ParsedDocument) -> None:
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
    document.finished_at = timezone.now()
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


# --- discrepancy monitoring ---------------------------------------------------------------


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
            ordered = ", ".join(f"{p.normalize():f}" for p in sorted(item.prices))
            findings.append(
                Finding(
                    Code.PRICE_DIFFERS,
                    ERROR,
                    f"Line {line.line_number}: item {item.label} is {noun} at "
                    f"{price.quantize(Decimal(1).scaleb(-PRICE_PLACES)).normalize():f} "
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
                    f"Item {item.label}: {item.received.normalize():f} {noun}, "
                    f"{item.quantity.normalize():f} ordered on order {order.document_number}.",
                    item.first_line,
                )
            )
    return findings


def _notify_problems(document: EdiDocument) -> None:
    """Tell the partnership's owner, once per document, about a message that could not be read
    or that has error findings."""
    owner = document.partnership.owner
    if owner is None:
        return
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
        recipients=[owner],
        title=title,
        body=body,
        url=reverse("edi-document-detail", args=[require_organization().slug, document.pk]),
        dedupe_key=f"integrations:edi_document:{document.pk}:problems",
    )


# --- connectors -----------------------------------------------------------------------------

# Methods that carry any standard (the message says which); the others carry their own.
CARRIERS = {
    Connector.Method.REST_PUSH,
    Connector.Method.CSV_UPLOAD,
    Connector.Method.DROP_FOLDER,
}


class SenderRefused(EdiParseError):
    """The message reads, but its sender is not the partner's (no connector names it)."""


def normalise_identifier(value: str) -> str:
    return "".join((value or "").split()).upper()


def sender_matches(sender: str, identifiers: list[str]) -> bool:
    """The sender is one of the identifiers: compared without spaces or case; a UBL endpoint
    `scheme:value` also matches its value alone (and the other way round)."""
    sender = normalise_identifier(sender)
    if not sender:
        return False
    wanted = {normalise_identifier(i) for i in identifiers if i and i.strip()}
    return sender in wanted or sender.rsplit(":", 1)[-1] in {w.rsplit(":", 1)[-1] for w in wanted}


def connector_carries(connector: Connector, *, standard: str, doc_type: str) -> bool:
    return (
        connector.status != Connector.Status.RETIRED
        and connector.receives
        and (connector.method == standard or connector.method in CARRIERS)
        and (not connector.message_types or doc_type in connector.message_types)
    )


def _receiving_connectors(partnership_id: int) -> list[Connector]:
    return list(
        Connector.objects.filter(partnership_id=partnership_id)
        .exclude(status=Connector.Status.RETIRED)
        .exclude(direction=Connector.Direction.OUTBOUND)
        .order_by("pk")
    )


def connector_for_sender(*, document: EdiDocument, parsed: ParsedDocument) -> Connector | None:
    """The connector the message came through: one of the partnership's connectors carrying its
    standard and type whose partner identifiers name the partner's party on the message (the
    sender of an invoice or despatch advice; the supplier an order is addressed to). Without any
    connector the message is accepted unverified (the document page says so); with connectors,
    a party none of them names is refused (`SenderRefused`): a message from another company is
    never filed under this partner."""
    connectors = _receiving_connectors(document.partnership_id)
    if not connectors:
        return None
    # The partner's party on the message: who sent an invoice or a despatch advice, to whom an
    # order (the buyer's own) was addressed.
    is_order = parsed.doc_type == ORDER
    party_id = parsed.receiver_id if is_order else parsed.sender_id
    party = (
        f"The order's supplier {party_id or '(none)'}"
        if is_order
        else (f"The sender {party_id or '(none)'}")
    )
    carrying = [
        c
        for c in connectors
        if connector_carries(c, standard=parsed.standard, doc_type=parsed.doc_type)
    ]
    for connector in carrying:
        if sender_matches(party_id, connector.partner_identifiers):
            _check_connector_access(connector, document)
            return connector
    partner = document.partnership.partner.name if document.partnership_id else "the partner"
    what = (
        f"{dict(EdiDocument.Standard.choices)[parsed.standard]} "
        + dict(EdiDocument.DocType.choices)[parsed.doc_type].lower()
    )
    if not carrying:
        raise SenderRefused(
            f"No connector of this partnership carries a {what} message; set one up (or "
            "widen a connector's message types) before sending it."
        )
    known = sorted({i for c in carrying for i in c.partner_identifiers}) or ["no identifier"]
    raise SenderRefused(
        f"{party} is not one of {partner}'s identifiers on this partnership's connectors "
        f"({', '.join(known)}); the message was not accepted for this partnership."
    )


def _connector_of_unreadable(document: EdiDocument) -> Connector | None:
    """A message that cannot be read counts against its feed when only one connector of the
    partnership carries its standard."""
    holder = document.interchange if document.interchange else document
    try:
        standard = detect_standard(bytes(holder.content))
    except EdiParseError:
        return None
    carrying = [
        c
        for c in _receiving_connectors(document.partnership_id)
        if c.method == standard or c.method in CARRIERS
    ]
    return carrying[0] if len(carrying) == 1 else None


CONNECTOR_FIELDS = (
    "name",
    "method",
    "direction",
    "message_types",
    "expected_frequency",
    "partner_identifiers",
    "owner",
    "buyer_system",
    "partner_system",
    "formats_versions",
    "gaps",
    "endpoint_url",
    "allowed_roles",
    "allowed_api_keys",
    "encryption_in_transit",
    "encryption_at_rest",
    "monitoring_contact",
)


def _clean_identifiers(values) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or []:
        text = " ".join(str(value).split())
        if text and normalise_identifier(text) not in seen:
            seen[normalise_identifier(text)] = text
    return list(seen.values())


def _connector_validate(connector: Connector) -> None:
    connector.partner_identifiers = _clean_identifiers(connector.partner_identifiers)
    connector.message_types = sorted(set(connector.message_types or []))
    connector.name = (connector.name or "").strip()
    connector.full_clean(
        exclude=["organization", "partnership", "owner"], validate_constraints=False
    )
    errors = {}
    if connector.receives and not connector.partner_identifiers:
        errors["partner_identifiers"] = (
            "Name at least one identifier the partner sends from: without one, no message "
            "from this feed can be accepted."
        )
    duplicate = (
        Connector.objects.filter(partnership_id=connector.partnership_id, name=connector.name)
        .exclude(pk=connector.pk)
        .exists()
    )
    if duplicate:
        errors["name"] = "This partnership already has a connector with this name."
    if (
        connector.owner_id
        and not Membership.objects.filter(
            user_id=connector.owner_id, organization_id=connector.organization_id, is_active=True
        )
        .exclude(role=Role.PARTNER_GUEST)
        .exists()
    ):
        errors["owner"] = "The owner must be a member of this organization."
    errors.update(_connector_security_errors(connector))
    if errors:
        raise ValidationError(errors)


# The endpoint schemes each protection in transit allows; a plain http:// or ftp:// endpoint is
# refused whatever is stated.
TRANSIT_SCHEMES = {
    "tls": {"https", "ftps"},
    "ssh": {"sftp"},
    "as2": {"https"},
    "vpn": {"https", "ftps", "sftp"},
    "none": {"https", "ftps", "sftp"},
}


def _connector_security_errors(connector: Connector) -> dict[str, str]:
    """What the app can check of a connector's security protocol: the endpoint is encrypted and
    agrees with the stated protection in transit; the API keys allowed are live keys of this
    organization."""
    from urllib.parse import urlsplit

    from django.core.validators import URLValidator

    from tenancy.models import ApiKey

    errors: dict[str, str] = {}
    connector.endpoint_url = (connector.endpoint_url or "").strip()
    connector.monitoring_contact = " ".join((connector.monitoring_contact or "").split())
    connector.allowed_roles = sorted(set(connector.allowed_roles or []))
    connector.allowed_api_keys = sorted(
        {k.strip() for k in connector.allowed_api_keys or [] if k.strip()}
    )
    if connector.endpoint_url:
        scheme = urlsplit(connector.endpoint_url).scheme.lower()
        try:
            URLValidator(schemes=["http", "https", "ftp", "ftps", "sftp"])(connector.endpoint_url)
        except ValidationError:
            errors["endpoint_url"] = "Give a full address: https://…, ftps://… or sftp://…."
        else:
            if scheme in ("http", "ftp"):
                errors["endpoint_url"] = (
                    f"{scheme}:// sends messages unencrypted: use https://, ftps:// or sftp://."
                )
            elif scheme not in TRANSIT_SCHEMES[connector.encryption_in_transit]:
                errors["encryption_in_transit"] = (
                    f"A {scheme}:// endpoint is not protected by "
                    f"{connector.get_encryption_in_transit_display()}: state what protects it."
                )
    if connector.allowed_api_keys:
        live = set(
            ApiKey.objects.filter(
                organization_id=connector.organization_id, prefix__in=connector.allowed_api_keys,
                revoked_at__isnull=True,
            ).values_list("prefix", flat=True)
        )  # fmt: skip
        unknown = [k for k in connector.allowed_api_keys if k not in live]
        if unknown:
            errors["allowed_api_keys"] = (
                f"No live API key of this organization has the prefix {', '.join(unknown)}."
            )
    return errors


def connector_security_checks(connector: Connector) -> list[tuple[bool, str]]:
    """The security protocol as the connector page shows it: (met, what), for what the app
    checks and what a connector needs before it goes active."""
    from urllib.parse import urlsplit

    scheme = urlsplit(connector.endpoint_url).scheme.lower() if connector.endpoint_url else ""
    return [
        (
            connector.encryption_in_transit != "none",
            f"Encryption in transit: {connector.get_encryption_in_transit_display()}",
        ),
        (
            not scheme or scheme in {"https", "ftps", "sftp"},
            f"Endpoint {connector.endpoint_url or '(none: messages come through the API)'}"
            + (" is encrypted" if scheme in {"https", "ftps", "sftp"} else ""),
        ),
        (
            connector.encryption_at_rest != "none",
            f"Encryption at rest: {connector.get_encryption_at_rest_display()}",
        ),
        (
            bool(connector.monitoring_contact),
            f"Monitoring contact: {connector.monitoring_contact or 'none named'}",
        ),
        (
            True,
            "Access: "
            + (
                ", ".join(dict(CONNECTOR_ROLES)[r] for r in connector.allowed_roles)
                if connector.allowed_roles
                else "any role that may send"
            )
            + "; API keys: "
            + (", ".join(connector.allowed_api_keys) if connector.allowed_api_keys else "any"),
        ),  # fmt: skip
    ]


def _check_connector_access(connector: Connector, document: EdiDocument) -> None:
    """The sender matched the connector; the person and key who sent it must be allowed to use
    it (its access control). Messages without a person (feeds) are not checked by role."""
    actor_id = document.received_by_id
    if connector.allowed_roles and actor_id is not None:
        role = (
            Membership.objects.filter(
                user_id=actor_id, organization_id=document.organization_id, is_active=True
            )
            .values_list("role", flat=True)
            .first()
        )
        if role not in connector.allowed_roles:
            raise SenderRefused(
                f"Your role may not send through the connector “{connector.name}” (allowed: "
                f"{', '.join(dict(CONNECTOR_ROLES)[r] for r in connector.allowed_roles)})."
            )
    if connector.allowed_api_keys and document.received_via == EdiDocument.Channel.API:
        key = getattr(document, "sent_with_key", "")
        if key not in connector.allowed_api_keys:
            raise SenderRefused(
                f"The API key {key or '(none)'} may not push through the connector "
                f"“{connector.name}”; its allowed keys are {', '.join(connector.allowed_api_keys)}."
            )


@transaction.atomic
def connector_create(*, partnership: Partnership, actor: User, **fields) -> Connector:
    _check_partnership(partnership)
    unknown = set(fields) - set(CONNECTOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown connector fields: {sorted(unknown)}")
    connector = Connector(organization=require_organization(), partnership=partnership, **fields)
    _connector_validate(connector)
    connector.save()
    audit_record(
        action="integrations.connector.created",
        actor=actor,
        obj=connector,
        changes={name: _plain(getattr(connector, name)) for name in CONNECTOR_FIELDS},
    )
    return connector


@transaction.atomic
def connector_update(*, connector: Connector, actor: User, **fields) -> Connector:
    unknown = set(fields) - set(CONNECTOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown connector fields: {sorted(unknown)}")
    if connector.status == Connector.Status.RETIRED:
        raise ConflictError("A retired connector cannot be changed.")
    before = {name: _plain(getattr(connector, name)) for name in fields}
    for name, value in fields.items():
        setattr(connector, name, value)
    _connector_validate(connector)
    connector.save()
    changes = {
        name: [before[name], _plain(getattr(connector, name))]
        for name in fields
        if before[name] != _plain(getattr(connector, name))
    }
    audit_record(
        action="integrations.connector.updated", actor=actor, obj=connector, changes=changes
    )
    return connector


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def connector_transition(
    *, connector: Connector, actor: User, status: str, reason: str = ""
) -> Connector:
    """Activate, pause or retire a connector. Retiring is final and needs a reason."""
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    CONNECTOR_LIFECYCLE.check(connector.status, status)
    reason = (reason or "").strip()
    if status == Connector.Status.RETIRED and not reason:
        raise ValidationError({"reason": "Say why the connector is retired."})
    if status == Connector.Status.ACTIVE:
        missing = []
        if connector.encryption_in_transit == "none":
            missing.append("encryption in transit")
        if not connector.monitoring_contact:
            missing.append("a monitoring contact")
        if missing:
            raise ConflictError(
                f"A connector goes active with {' and '.join(missing)}: edit its security "
                "protocol first.",
                code="security_incomplete",
            )
    before = connector.status
    connector.status = status
    connector.save(update_fields=["status"])
    audit_record(
        action=f"integrations.connector.{status}",
        actor=actor,
        obj=connector,
        changes={"status": [before, status], **({"reason": reason} if reason else {})},
    )
    return connector


def connector_feeds_check(*, now) -> int:
    """The late-feed job: tell each late connector's owner (or its partnership's owner) once per
    missed due time. Returns how many were told."""
    from integrations.selectors import connector_feed_stats

    connectors = list(
        Connector.objects.filter(
            status__in=[Connector.Status.ACTIVE, Connector.Status.TESTING]
        ).select_related("partnership__owner", "owner")
    )
    stats = connector_feed_stats(connectors, now=now)
    told = 0
    for connector in connectors:
        health: FeedHealth = feed_health(connector=connector, stats=stats[connector.pk], now=now)
        recipient = connector.owner or connector.partnership.owner
        if health.state != "late" or recipient is None or health.due_at is None:
            continue
        notify(
            recipients=[recipient],
            title=f"{connector.partnership.name}: feed “{connector.name}” is late",
            body=_late_body(health, stats[connector.pk].last_received_at),
            url=reverse("connector-detail", args=[require_organization().slug, connector.pk]),
            dedupe_key=f"integrations:connector:{connector.pk}:late:{health.due_at:%Y%m%d%H%M}",
        )
        told += 1
    return told


def _late_body(health: FeedHealth, last_received_at) -> str:
    last = (
        f"The last message came on {last_received_at:%d %b %Y %H:%M}"
        if last_received_at
        else "No message has come since the connector was set up"
    )
    return f"{last}; the next was due on {health.due_at:%d %b %Y %H:%M} ({health.label.lower()})."


# --- three-way match --------------------------------------------------------------------------


def match_tolerances() -> Tolerances:
    return Tolerances(
        quantity_percent=Decimal(
            str(getattr(settings, "INTEGRATIONS_MATCH_QUANTITY_TOLERANCE_PERCENT", "0"))
        ),
        price_percent=Decimal(
            str(getattr(settings, "INTEGRATIONS_MATCH_PRICE_TOLERANCE_PERCENT", "0.5"))
        ),
    )


_MATCH_FIELDS = ("expected", "actual", "unit", "amount_at_stake", "severity", "message",
                 "document_id", "line_number", "last_seen_at", "order_document_id")  # fmt: skip


@transaction.atomic
def discrepancies_detect(
    *, now, partnership_id: int | None = None, tolerances: Tolerances | None = None
) -> dict[str, int]:
    """The scheduled detection: every order with invoices or receipts is matched three ways
    (integrations.matching); new discrepancies are opened (owner: the partnership's owner),
    ones still found are brought up to date, open ones no longer found are resolved (the
    missing receipt came, the credit note arrived). Decided ones are left as decided.
    Returns counts: orders, opened, updated, cleared."""
    tolerances = tolerances or match_tolerances()
    documents = EdiDocument.objects.filter(status=EdiDocument.Status.ACCEPTED)
    if partnership_id is not None:
        documents = documents.filter(partnership_id=partnership_id)
    headers = list(
        documents.filter(doc_type__in=[ORDER, INVOICE, DESPATCH_ADVICE])
        .order_by("received_at", "pk")
        .values_list(
            "pk", "partnership_id", "doc_type", "document_number", "order_reference",
            "received_at", "currency",
        )
    )  # fmt: skip
    orders: dict[tuple[int, str], tuple[int, str]] = {}
    for pk, partnership, doc_type, number, _, _, currency in headers:
        if doc_type == ORDER and number:
            orders[(partnership, number)] = (pk, currency)  # the latest version wins
    followers: dict[tuple[int, str], list[tuple]] = {}
    for header in headers:
        key = (header[1], header[4])
        if header[2] != ORDER and key in orders:
            followers.setdefault(key, []).append(header)
    wanted = {pk for pk, _ in (orders[k] for k in followers)}
    wanted |= {h[0] for hs in followers.values() for h in hs}
    lines: dict[int, list[tuple]] = {}
    rows = EdiDocumentLine.objects.filter(document_id__in=wanted).values_list(
        "document_id", "line_number", "gtin", "buyer_item_code", "seller_item_code",
        "quantity", "unit", "unit_price",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=10_000):
        lines.setdefault(row[0], []).append(row)
    planned: dict[tuple, tuple] = {}
    for (partnership, number), found in followers.items():
        order_pk, currency = orders[(partnership, number)]
        info = {h[0]: h for h in found}

        def match_lines(pks, info=info, number=number):
            return [
                MatchLine(
                    pk,
                    info[pk][3] if pk in info else number,
                    info[pk][5] if pk in info else now,
                    *row[1:],
                )  # fmt: skip
                for pk in pks
                for row in lines.get(pk, [])
            ]

        results = three_way_match(
            order_number=number,
            order=match_lines([order_pk]),
            receipts=match_lines([h[0] for h in found if h[2] == DESPATCH_ADVICE]),
            invoices=match_lines([h[0] for h in found if h[2] == INVOICE]),
            tolerances=tolerances,
        )
        for result in results:
            planned[(partnership, number, result.item[:64], result.kind)] = (
                result,
                order_pk,
                currency,
            )
    existing = {
        (d.partnership_id, d.order_number, d.item, d.kind): d
        for d in Discrepancy.objects.filter(
            (Q(partnership_id=partnership_id) if partnership_id is not None else Q()),
            order_number__in={k[1] for k in followers} or {""},
        )
    }
    owners = dict(
        Partnership.objects.filter(pk__in={k[0] for k in followers}).values_list("pk", "owner_id")
    )
    new, changed, cleared = [], [], []
    for found_key, (result, order_pk, currency) in planned.items():
        values = {
            "expected": result.expected, "actual": result.actual, "unit": result.unit[:16],
            "amount_at_stake": result.amount_at_stake, "severity": result.severity,
            "message": result.message, "document_id": result.document_id,
            "line_number": result.line_number, "last_seen_at": now,
            "order_document_id": order_pk,
        }  # fmt: skip
        discrepancy = existing.get(found_key)
        if discrepancy is None:
            new.append(
                Discrepancy(
                    organization=require_organization(),
                    partnership_id=found_key[0],
                    order_number=found_key[1],
                    item=found_key[2],
                    kind=found_key[3],
                    currency=currency[:3],
                    owner_id=owners.get(found_key[0]),
                    detected_at=now,
                    **values,
                )  # fmt: skip
            )
        elif not discrepancy.is_closed:
            for name, value in values.items():
                setattr(discrepancy, name, value)
            changed.append(discrepancy)
    matched_orders = set(followers)
    for seen_key, discrepancy in existing.items():
        if (
            seen_key not in planned
            and (seen_key[0], seen_key[1]) in matched_orders
            and discrepancy.status == Discrepancy.Status.OPEN
        ):
            DISCREPANCY_LIFECYCLE.check(discrepancy.status, Discrepancy.Status.RESOLVED)
            discrepancy.status = Discrepancy.Status.RESOLVED
            discrepancy.resolution = "No longer found by the three-way match."
            discrepancy.decided_at = now
            cleared.append(discrepancy)
    Discrepancy.objects.bulk_create(new, batch_size=1000)
    Discrepancy.objects.bulk_update(changed, _MATCH_FIELDS, batch_size=1000)
    Discrepancy.objects.bulk_update(cleared, ["status", "resolution", "decided_at"])
    counts = {"orders": len(followers), "opened": len(new), "updated": len(changed),
              "cleared": len(cleared)}  # fmt: skip
    if new or cleared:
        audit_record(action="integrations.discrepancies.detected", changes=counts)
    webhooks.events_raise(
        event="discrepancy.opened", items=[discrepancy_payload(d) for d in new], now=now
    )
    return counts


def discrepancy_payload(discrepancy: Discrepancy) -> dict:
    return {
        "id": discrepancy.pk,
        "partnership": discrepancy.partnership_id,
        "order_number": discrepancy.order_number,
        "item": discrepancy.item,
        "kind": discrepancy.kind,
        "severity": discrepancy.severity,
        "expected": str(discrepancy.expected.normalize()),
        "actual": str(discrepancy.actual.normalize()),
        "amount_at_stake": str(discrepancy.amount_at_stake),
        "currency": discrepancy.currency,
        "status": discrepancy.status,
    }


# What each action needs and does: (target status, field the reason goes to, word for it).
DISCREPANCY_ACTIONS = {
    "dispute": (Discrepancy.Status.DISPUTED, "dispute_note", "what the partner is told"),
    "block_payment": (Discrepancy.Status.PAYMENT_BLOCKED, "resolution", "why payment is blocked"),
    "accept": (Discrepancy.Status.ACCEPTED, "resolution", "why it is accepted"),
    "resolve": (Discrepancy.Status.RESOLVED, "resolution", "how it was resolved"),
}


@transaction.atomic
def discrepancy_act(
    *, discrepancy: Discrepancy, actor: User, action: str, reason: str, now
) -> Discrepancy:
    """Dispute (shared with the partner, who sees it and the note), block the payment, accept,
    or resolve a discrepancy; each needs a reason. Accepted and resolved are final."""
    target, field_name, what = DISCREPANCY_ACTIONS[action]
    discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    DISCREPANCY_LIFECYCLE.check(discrepancy.status, target)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say {what}."})
    before = discrepancy.status
    discrepancy.status = target
    setattr(discrepancy, field_name, reason)
    if target == Discrepancy.Status.DISPUTED:
        discrepancy.shared_with_partner = True
    discrepancy.decided_by = actor
    discrepancy.decided_at = now
    discrepancy.save(
        update_fields=["status", field_name, "shared_with_partner", "decided_by", "decided_at"]
    )
    audit_record(
        action=f"integrations.discrepancy.{target}",
        actor=actor,
        obj=discrepancy,
        changes={"status": [before, target], "reason": reason},
    )
    return discrepancy


# --- events for webhooks (the one call other modules make) ----------------------------------


def webhook_event_raise(*, event: str, data: dict, now=None) -> int:
    """Other modules raise a webhook event with this one call, in their own transaction: the
    deliveries are written to the outbox with the change (integrations.webhooks)."""
    return webhooks.event_raise(event=event, data=data, now=now)


def webhook_events_raise(
    *, event: str, items: list[dict] | Callable[[], list[dict]], now=None
) -> int:
    """The same for a batch (one event per item); `items` may be a callable that reads the
    payloads, called only when someone subscribes to `event`."""
    return webhooks.events_raise(event=event, items=items, now=now)


# What an object's event says about it (for webhook_object_event), when the object has it.
_EVENT_FIELDS = ("partnership_id", "reference", "title", "status", "decided_at", "published_at",
                 "period", "period_start", "score", "rejection_reason")  # fmt: skip


def webhook_object_event(*, event: str, obj, now=None) -> int:
    """Raise `event` about a model instance (a change request decided, a scorecard published):
    its type, id and the public facts it has. One line in the module that raises it."""
    data = {"object": obj._meta.label_lower, "id": obj.pk}
    for name in _EVENT_FIELDS:
        if hasattr(obj, name):
            data[name.removesuffix("_id")] = getattr(obj, name)
    return webhooks.event_raise(event=event, data=data, now=now)


# --- data-sharing terms and retention -------------------------------------------------------

TERM_FIELDS = ("category", "owner", "usage_rights", "retention_days", "on_expiry", "legal_basis")


@transaction.atomic
def data_sharing_term_set(*, partnership: Partnership, actor: User, **fields) -> DataSharingTerm:
    """Record (or change) the terms of one category of data of a partnership."""
    _check_partnership(partnership)
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown term fields: {sorted(unknown)}")
    term = DataSharingTerm.objects.filter(
        partnership=partnership, category=fields.get("category")
    ).first() or DataSharingTerm(organization=require_organization(), partnership=partnership)
    before = {name: getattr(term, name) for name in TERM_FIELDS} if term.pk else {}
    for name, value in fields.items():
        setattr(term, name, value)
    term.full_clean(exclude=["organization", "partnership"], validate_constraints=False)
    if not (term.usage_rights or "").strip():
        raise ValidationError({"usage_rights": "Say what each party may use the data for."})
    term.save()
    audit_record(
        action="integrations.data_sharing_term.set",
        actor=actor,
        obj=term,
        changes={
            n: [before.get(n), getattr(term, n)]
            for n in TERM_FIELDS
            if before.get(n) != getattr(term, n)
        },
    )
    return term


@transaction.atomic
def data_sharing_term_hold(
    *, term: DataSharingTerm, actor: User, hold: bool, reason: str = ""
) -> DataSharingTerm:
    """Place or lift a legal hold: while held, the retention job leaves the data alone."""
    reason = (reason or "").strip()
    if hold and not reason:
        raise ValidationError({"reason": "Say why the data is held (the matter or request)."})
    if term.legal_hold == hold:
        raise ConflictError("The data is already held." if hold else "The data is not held.")
    term.legal_hold = hold
    term.legal_hold_reason = reason if hold else ""
    term.save(update_fields=["legal_hold", "legal_hold_reason"])
    audit_record(
        action=f"integrations.data_sharing_term.{'held' if hold else 'released'}",
        actor=actor,
        obj=term,
        changes={"legal_hold": hold, "reason": reason},
    )
    return term


def _expired_documents(term: DataSharingTerm, cutoff):
    return EdiDocument.objects.filter(partnership_id=term.partnership_id, received_at__lt=cutoff)


def _expired_discrepancies(term: DataSharingTerm, cutoff):
    # Only decided ones: an open discrepancy is still being worked on.
    return Discrepancy.objects.filter(
        partnership_id=term.partnership_id,
        status__in=[Discrepancy.Status.ACCEPTED, Discrepancy.Status.RESOLVED],
        decided_at__lt=cutoff,
    )


def _apply_term(term: DataSharingTerm, cutoff) -> tuple[int, str]:
    delete = term.on_expiry == DataSharingTerm.OnExpiry.DELETE
    if term.category == DataSharingTerm.Category.EDI_DOCUMENTS:
        documents = _expired_documents(term, cutoff)
        if delete:
            ids = list(documents.values_list("pk", flat=True))
            Discrepancy.objects.filter(document_id__in=ids).update(document=None)
            Discrepancy.objects.filter(order_document_id__in=ids).update(order_document=None)
            EdiDocumentLine.objects.filter(document_id__in=ids).delete()
            EdiFinding.objects.filter(document_id__in=ids).delete()
            return documents.filter(pk__in=ids).delete()[1].get("integrations.EdiDocument", 0), (
                "messages, lines and findings deleted"
            )
        pending = documents.exclude(size=0)
        ids = list(pending.values_list("pk", flat=True))
        EdiDocumentLine.objects.filter(document_id__in=ids).update(description="")
        affected = pending.filter(pk__in=ids).update(
            content=b"", size=0, filename="", sender_id="", receiver_id="", received_by=None,
            error="",
        )  # fmt: skip
        return affected, "message bytes, parties, file names and line texts removed"
    if term.category == DataSharingTerm.Category.DISCREPANCIES:
        discrepancies = _expired_discrepancies(term, cutoff)
        if delete:
            return discrepancies.delete()[0], "decided discrepancies deleted"
        affected = discrepancies.exclude(dispute_note="", resolution="", owner=None).update(
            dispute_note="", resolution="", owner=None, decided_by=None
        )
        return affected, "notes and people removed from decided discrepancies"
    return 0, "No data of this category is kept by the integrations module yet."


@transaction.atomic
def retention_apply(*, now) -> list[RetentionRun]:
    """The retention job: for every term, delete or anonymise what is older than its retention
    period, and record what was done. Data under legal hold is never touched (the run is
    recorded as held)."""
    runs = []
    for term in DataSharingTerm.objects.select_for_update().order_by("pk"):
        cutoff = now - timedelta(days=term.retention_days)
        if term.legal_hold:
            affected, note, held = 0, f"Legal hold: {term.legal_hold_reason}", True
        else:
            (affected, note), held = _apply_term(term, cutoff), False
        runs.append(
            RetentionRun(
                organization=require_organization(),
                term=term,
                partnership_id=term.partnership_id,
                category=term.category,
                action="held" if held else term.on_expiry,
                cutoff=cutoff,
                affected=affected,
                held=held,
                note=note,
                ran_at=now,
            )  # fmt: skip
        )
    RetentionRun.objects.bulk_create(runs)
    done = sum(r.affected for r in runs)
    if done:
        audit_record(
            action="integrations.retention.applied",
            changes={f"{r.category}:{r.partnership_id}": [r.action, r.affected] for r in runs},
        )
    return runs


# --- master-data crosswalks -------------------------------------------------------------------


def _code(value: str, field_name: str, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError({field_name: f"Give {what}."})
    if len(text) > 64:
        raise ValidationError({field_name: "At most 64 characters."})
    return text


@transaction.atomic
def code_mapping_set(
    *,
    partnership: Partnership,
    kind: str,
    partner_code: str,
    our_code: str,
    actor: User | None,
    description: str = "",
    now=None,
) -> CodeMapping:
    """Map a partner's code to ours (or change what it maps to). A partner code means one thing
    of ours; several partner codes may map to one of ours. When documents wait on the code (a
    material the partner sent without our item code), their re-processing is queued (one job
    per partnership at a time)."""
    _check_partnership(partnership)
    now = now or timezone.now()
    if kind not in CodeMapping.Kind.values:
        raise ValidationError({"kind": "Choose supplier, material or cost code."})
    partner_code = _code(partner_code, "partner_code", "the partner's code")
    our_code = _code(our_code, "our_code", "our code")
    mapping = CodeMapping.objects.filter(
        partnership=partnership, kind=kind, partner_code=partner_code
    ).first()
    before = mapping.our_code if mapping else None
    if mapping is None:
        mapping = CodeMapping(
            organization=require_organization(), partnership=partnership, kind=kind,
            partner_code=partner_code, created_by=actor, created_at=now,
        )  # fmt: skip
    mapping.our_code = our_code
    mapping.description = (description or "").strip()[:200]
    mapping.updated_at = now
    mapping.save()
    audit_record(
        action="integrations.code_mapping.set",
        actor=actor,
        obj=mapping,
        changes={"kind": kind, "partner_code": partner_code, "our_code": [before, our_code]},
    )
    if kind == CodeMapping.Kind.MATERIAL and _lines_waiting(partnership.pk, [partner_code]):
        crosswalk_reprocess_request(partnership=partnership, actor=actor, now=now)
    return mapping


def _lines_waiting(partnership_id: int, partner_codes: list[str] | None = None):
    lines = EdiDocumentLine.objects.filter(
        partnership_id=partnership_id, buyer_item_code=""
    ).exclude(seller_item_code="")
    if partner_codes is not None:
        lines = lines.filter(seller_item_code__in=partner_codes)
    return lines.exists()


@transaction.atomic
def code_mapping_delete(*, mapping: CodeMapping, actor: User | None) -> None:
    """Remove a mapping (lines it already filled keep our code)."""
    audit_record(
        action="integrations.code_mapping.deleted",
        actor=actor,
        obj=mapping,
        changes={"kind": mapping.kind, "partner_code": mapping.partner_code,
                 "our_code": mapping.our_code},
    )  # fmt: skip
    mapping.delete()


@transaction.atomic
def crosswalk_reprocess_request(
    *, partnership: Partnership, actor: User | None, now=None
) -> CrosswalkReprocess:
    """Queue the re-processing of the partnership's documents waiting on mapped codes; a job
    still queued for the partnership is reused (it will see every mapping made until it runs)."""
    _check_partnership(partnership)
    queued = (
        CrosswalkReprocess.objects.select_for_update()
        .filter(partnership=partnership, status=CrosswalkReprocess.job_states.queued)
        .first()
    )
    if queued is not None:
        return queued
    job = CrosswalkReprocess.objects.create(
        organization=require_organization(), partnership=partnership, requested_by=actor,
        created_at=now or timezone.now(),
    )  # fmt: skip
    audit_record(action="integrations.crosswalk_reprocess.queued", actor=actor, obj=job)
    enqueue(
        "integrations.tasks.crosswalk_reprocess",
        organization_id=job.organization_id,
        job_id=job.pk,
    )
    return job


_FILL_FROM_CROSSWALK_SQL = """
UPDATE {line} AS l SET {buyer} = m.our_code
FROM {mapping} AS m
WHERE l.organization_id = %(organization_id)s AND m.organization_id = l.organization_id
  AND l.partnership_id = %(partnership_id)s AND m.partnership_id = l.partnership_id
  AND m.kind = 'material' AND l.{buyer} = '' AND l.{seller} <> '' AND l.{seller} = m.partner_code
RETURNING l.document_id
"""


def crosswalk_reprocess(*, job_id: int, now=None) -> CrosswalkReprocess:
    """The task's work: fill our item code on the lines that came without it, from the
    crosswalk (one UPDATE … FROM), then run the three-way match of the partnership again.
    Idempotent: a finished job is left as it is; a line already carrying our code is kept."""
    states = CrosswalkReprocess.job_states
    with transaction.atomic():
        job = CrosswalkReprocess.objects.select_for_update().get(pk=job_id)
        if job.status in states.finished:
            return job
        job.status, job.started_at = states.running, timezone.now()
        job.save(update_fields=["status", "started_at"])
        job_progress_set(job, 10)
        quote = connection.ops.quote_name
        sql = _FILL_FROM_CROSSWALK_SQL.format(
            line=quote(EdiDocumentLine._meta.db_table),
            mapping=quote(CodeMapping._meta.db_table),
            buyer=quote("buyer_item_code"),
            seller=quote("seller_item_code"),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, {"organization_id": job.organization_id, "partnership_id": job.partnership_id}
            )
            documents = {row[0] for row in cursor.fetchall()}
            lines = cursor.rowcount
        job_progress_set(job, 50)
        counts = discrepancies_detect(now=now or timezone.now(), partnership_id=job.partnership_id)
        job.status, job.progress = states.succeeded, 100
        job.finished_at = timezone.now()
        job.result = {"lines": lines, "documents": len(documents), **counts}
        job.save(update_fields=["status", "progress", "finished_at", "result"])
        audit_record(
            action="integrations.crosswalk_reprocess.succeeded",
            actor=job.requested_by,
            obj=job,
            changes=job.result,
        )
    job_progress_clear(job)
    return job


# --- KPIs from the documents exchanged --------------------------------------------------------

# The KPI codes the computed figures are written to (a partnership's KPI of that code whose
# source is "Integration feed"); settings.INTEGRATIONS_KPI_CODES overrides them per metric.
DEFAULT_KPI_CODES = {
    "on_time_delivery": "otd_pct",
    "fill_rate": "fill_rate_pct",
    "invoice_accuracy": "invoice_accuracy_pct",
    "requisition_to_pay_days": "r2p_days",
}


def document_kpi_codes() -> dict[str, str]:
    return {**DEFAULT_KPI_CODES, **getattr(settings, "INTEGRATIONS_KPI_CODES", {})}


def kpi_lead_time_days() -> int:
    return int(getattr(settings, "INTEGRATIONS_KPI_LEAD_TIME_DAYS", 14))


@transaction.atomic
def document_kpis_record(*, now, partnership_id: int | None = None, actor: User | None = None):
    """The KPI job: compute on-time delivery, fill rate, invoice accuracy and the
    requisition-to-pay cycle from the documents (integrations.kpis) and write them, through
    performance's measurement services, to the partnership's KPIs of the agreed codes whose
    source is the integration feed. A month without a figure gets one; a figure this job wrote
    before is corrected when the documents changed; a figure entered by hand (another source)
    is never touched. Both parties read them on the partnership's scorecard. Returns counts."""
    from integrations.kpis import Header, document_kpis
    from performance.models import Kpi, Measurement, Source
    from performance.services import measurement_correct, measurement_record

    codes = document_kpi_codes()
    kpis = Kpi.objects.filter(
        source=Source.INTEGRATION, code__in=set(codes.values()), is_active=True
    ).select_related("partnership")
    if partnership_id is not None:
        kpis = kpis.filter(partnership_id=partnership_id)
    by_partnership: dict[int, dict[str, Kpi]] = {}
    for kpi in kpis:
        by_partnership.setdefault(kpi.partnership_id, {})[kpi.code] = kpi
    counts = {"recorded": 0, "corrected": 0, "unchanged": 0, "kept_manual": 0}
    if not by_partnership:
        return counts
    documents = EdiDocument.objects.filter(
        status=EdiDocument.Status.ACCEPTED,
        partnership_id__in=list(by_partnership),
        doc_type__in=[ORDER, INVOICE, DESPATCH_ADVICE],
    )
    headers = [
        Header(pk, partnership, doc_type, number, reference, issued or received.date(), errors)
        for pk, partnership, doc_type, number, reference, issued, received, errors in (
            documents.values_list(
                "pk",
                "partnership_id",
                "doc_type",
                "document_number",
                "order_reference",
                "issue_date",
                "received_at",
                "error_count",
            )
        )  # fmt: skip
    ]
    quantities: dict[int, dict[str, Decimal]] = {}
    lines = EdiDocumentLine.objects.filter(document__in=documents).values_list(
        "document_id", "gtin", "buyer_item_code", "seller_item_code", "quantity"
    )
    for document_id, gtin, buyer, seller, quantity in lines.iterator(chunk_size=10_000):
        item = gtin or buyer or seller
        if item:
            per_item = quantities.setdefault(document_id, {})
            per_item[item] = per_item.get(item, Decimal(0)) + quantity
    disputed = set(
        Discrepancy.objects.filter(document_id__in=documents.filter(doc_type=INVOICE))
        .values_list("document_id", flat=True)
        .distinct()
    )
    today = now.date()
    figures = document_kpis(
        headers=headers, quantities=quantities, disputed_invoices=disputed,
        lead_time_days=kpi_lead_time_days(), today=today,
    )  # fmt: skip
    existing = {
        (m.kpi_id, m.period_start): m
        for m in Measurement.objects.filter(
            kpi__in=[k for ks in by_partnership.values() for k in ks.values()],
            period_start__in={month for _, month in figures} or {today},
        )
    }
    for (partnership, month), values in sorted(figures.items()):
        for metric, value in values.items():
            kpi = by_partnership.get(partnership, {}).get(codes[metric])
            if kpi is None:
                continue
            measured = existing.get((kpi.pk, month))
            note = "Computed from the documents exchanged (integrations)."
            if measured is None:
                measurement_record(
                    actor=actor, kpi=kpi, period_start=month, value=value, today=today,
                    note=note, source=Source.INTEGRATION,
                )  # fmt: skip
                counts["recorded"] += 1
            elif measured.source != Source.INTEGRATION:
                counts["kept_manual"] += 1
            elif measured.value != value and measured.status != Measurement.Status.REJECTED:
                measurement_correct(
                    measurement=measured, actor=actor, value=value,
                    reason="The documents of the month changed.",
                )  # fmt: skip
                counts["corrected"] += 1
            else:
                counts["unchanged"] += 1
    if counts["recorded"] or counts["corrected"]:
        audit_record(action="integrations.document_kpis.recorded", actor=actor, changes=counts)
    return counts


# --- demand forecasts, stock policies and positions ---------------------------------------------

FORECAST_PERIODS = {"weekly": timedelta(days=7), "monthly": timedelta(days=31)}


def forecast_update_due(forecast: DemandForecast):
    """When the next version is due (the agreed frequency after the last one), or None before
    the first."""
    if forecast.last_updated_at is None:
        return None
    return forecast.last_updated_at + FORECAST_PERIODS[forecast.update_frequency]


@transaction.atomic
def forecast_create(
    *, partnership: Partnership, title: str, actor: User | None, update_frequency: str = "monthly",
    unit: str = "", owner: User | None = None,
) -> DemandForecast:  # fmt: skip
    _check_partnership(partnership)
    forecast = DemandForecast(
        organization=require_organization(), partnership=partnership,
        title=" ".join((title or "").split()), unit=(unit or "").strip(),
        update_frequency=update_frequency, owner=owner or actor,
    )  # fmt: skip
    forecast.full_clean(
        exclude=["organization", "partnership", "owner"], validate_constraints=False
    )
    if DemandForecast.objects.filter(partnership=partnership, title=forecast.title).exists():
        raise ValidationError({"title": "This partnership already has a forecast of this title."})
    forecast.save()
    audit_record(
        action="integrations.forecast.created", actor=actor, obj=forecast,
        changes={"title": forecast.title, "update_frequency": forecast.update_frequency},
    )  # fmt: skip
    return forecast


def _forecast_lines(raw_lines) -> list[list[str]]:
    """[(item, 'YYYY-MM', quantity)] checked and normalised; errors name the line."""
    import re

    lines: dict[tuple[str, str], Decimal] = {}
    for number, raw in enumerate(raw_lines or [], start=1):
        try:
            item, period, quantity = raw
        except (TypeError, ValueError):
            raise ValidationError(
                {"lines": f"Line {number}: give item, month and quantity."}
            ) from None
        item = " ".join(str(item or "").split())[:64]
        period = str(period or "").strip()
        if not item:
            raise ValidationError({"lines": f"Line {number}: the item is missing."})
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
            raise ValidationError({"lines": f"Line {number}: the month must read YYYY-MM."})
        try:
            value = Decimal(str(quantity).strip())
        except ArithmeticError:
            raise ValidationError(
                {"lines": f"Line {number}: “{quantity}” is not a quantity."}
            ) from None
        if not value.is_finite() or value < 0 or abs(value) >= Decimal("1e14"):
            raise ValidationError({"lines": f"Line {number}: the quantity must be 0 or more."})
        if (item, period) in lines:
            raise ValidationError({"lines": f"Line {number}: {item} {period} is given twice."})
        lines[(item, period)] = value
    if not lines:
        raise ValidationError({"lines": "Give at least one line: item, month, quantity."})
    return [[i, p, f"{q.normalize():f}"] for (i, p), q in sorted(lines.items())]


@transaction.atomic
def forecast_version_add(
    *, forecast: DemandForecast, lines, actor: User | None, note: str = "", now=None
) -> ForecastVersion:
    """A new version of the forecast: what changed against the previous one (item, month,
    before, after) is kept with who made it and when. A version that changes nothing is
    refused."""
    now = now or timezone.now()
    forecast = DemandForecast.objects.select_for_update().get(pk=forecast.pk)
    new_lines = _forecast_lines(lines)
    previous = ForecastVersion.objects.filter(forecast=forecast).order_by("-number").first()
    before = {(i, p): q for i, p, q in (previous.lines if previous else [])}
    after = {(i, p): q for i, p, q in new_lines}
    changes = [
        {"item": i, "period": p, "before": before.get((i, p)), "after": after.get((i, p))}
        for (i, p) in sorted(set(before) | set(after))
        if before.get((i, p)) != after.get((i, p))
    ]
    if previous is not None and not changes:
        raise ConflictError("Nothing changed against the current version.", code="unchanged")
    version = ForecastVersion.objects.create(
        organization=require_organization(), forecast=forecast,
        number=forecast.current_version + 1, lines=new_lines, changes=changes,
        note=(note or "").strip(), created_by=actor, created_at=now,
    )  # fmt: skip
    forecast.current_version, forecast.last_updated_at = version.number, now
    forecast.save(update_fields=["current_version", "last_updated_at"])
    audit_record(
        action="integrations.forecast.version_added", actor=actor, obj=forecast,
        changes={"version": version.number, "changed": len(changes)},
    )  # fmt: skip
    return version


def _quantity(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


@transaction.atomic
def stock_policy_set(
    *, partnership: Partnership, item: str, safety_stock, reorder_point, actor: User | None,
    unit: str = "", owner: User | None = None,
) -> StockPolicy:  # fmt: skip
    """Safety stock and reorder point of an item (create or change). The safety stock is at
    most the reorder point; both are 0 or more."""
    _check_partnership(partnership)
    item = " ".join((item or "").split())
    if not item:
        raise ValidationError({"item": "Give the item."})
    errors = {}
    safety_stock, reorder_point = _quantity(safety_stock), _quantity(reorder_point)
    for name, value in (("safety_stock", safety_stock), ("reorder_point", reorder_point)):
        if value is None or value < 0 or value >= Decimal("1e14"):
            errors[name] = "A quantity of 0 or more."
    if (
        not errors
        and safety_stock is not None
        and reorder_point is not None
        and safety_stock > reorder_point
    ):
        errors["safety_stock"] = "The safety stock cannot be above the reorder point."
    if errors:
        raise ValidationError(errors)
    policy = StockPolicy.objects.filter(partnership=partnership, item=item[:64]).first()
    if policy is None:
        policy = StockPolicy(organization=require_organization(), partnership=partnership,
                             item=item[:64])  # fmt: skip
    policy.safety_stock, policy.reorder_point = Decimal(safety_stock), Decimal(reorder_point)
    policy.unit, policy.owner = (unit or "").strip()[:16], owner or policy.owner or actor
    policy.full_clean(exclude=["organization", "partnership", "owner"], validate_constraints=False)
    policy.save()
    audit_record(
        action="integrations.stock_policy.set", actor=actor, obj=policy,
        changes={"item": policy.item, "safety_stock": str(policy.safety_stock),
                 "reorder_point": str(policy.reorder_point)},
    )  # fmt: skip
    return policy


def stock_level(policy: StockPolicy | None, quantity: Decimal) -> str:
    if policy is None:
        return StockPosition.Level.NO_POLICY
    if quantity <= policy.safety_stock:
        return StockPosition.Level.SAFETY
    if quantity <= policy.reorder_point:
        return StockPosition.Level.REORDER
    return StockPosition.Level.OK


_LEVEL_RANK = {"no_policy": 0, "ok": 0, "reorder": 1, "safety": 2}


@dataclass
class StockFeedResult:
    positions: list[StockPosition]
    alerts: int

    @property
    def max_lag(self):
        return max((p.lag for p in self.positions), default=None)

    @property
    def average_lag(self):
        if not self.positions:
            return None
        return sum((p.lag for p in self.positions), timedelta()) / len(self.positions)


def _position_rows(raw_positions) -> list[tuple[str, Decimal, datetime]]:
    from django.utils.dateparse import parse_datetime

    rows = []
    for number, raw in enumerate(raw_positions or [], start=1):
        item = " ".join(str(raw.get("item") or "").split())[:64]
        try:
            quantity = Decimal(str(raw.get("quantity")).strip())
        except ArithmeticError:
            quantity = None
        as_of = raw.get("as_of")
        if isinstance(as_of, str):
            try:
                as_of = parse_datetime(as_of.strip())
            except ValueError:
                as_of = None
        if not item or quantity is None or not quantity.is_finite() or as_of is None:
            raise ValidationError(
                {"positions": f"Position {number}: give the item, a quantity and as_of "
                 "(ISO date and time)."}
            )  # fmt: skip
        if timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
        rows.append((item, quantity, as_of))
    if not rows:
        raise ValidationError({"positions": "No stock position was sent."})
    return rows


@transaction.atomic
def stock_positions_record(
    *, partnership: Partnership, positions, now, received_via: str = "api",
    actor: User | None = None,
) -> StockFeedResult:  # fmt: skip
    """Store the stock positions a feed reports and alert (a tenancy notification to the
    policy's owner, else the partnership's) when an item's position crosses its reorder point
    or its safety stock downwards: once per crossing, not again while it stays there."""
    _check_partnership(partnership)
    rows = _position_rows(positions)
    items = {item for item, _, _ in rows}
    policies = {
        p.item: p
        for p in StockPolicy.objects.filter(partnership=partnership, item__in=items)
        .select_related("owner", "partnership__owner")
    }  # fmt: skip
    last_level: dict[str, str] = {}
    for item in items:
        latest = (
            StockPosition.objects.filter(partnership=partnership, item=item)
            .order_by("-as_of", "-pk")
            .values_list("level", flat=True)
            .first()
        )
        last_level[item] = latest or StockPosition.Level.OK
    created, alerts = [], 0
    for item, quantity, as_of in sorted(rows, key=lambda r: r[2]):
        policy = policies.get(item)
        level = stock_level(policy, quantity)
        position = StockPosition(
            organization=require_organization(), partnership=partnership, item=item,
            quantity=quantity, as_of=as_of, received_at=now, received_via=received_via[:10],
            level=level,
        )  # fmt: skip
        created.append(position)
        if policy is not None and _LEVEL_RANK[level] > _LEVEL_RANK[last_level[item]]:
            recipient = policy.owner or partnership.owner
            if recipient is not None:
                threshold = policy.safety_stock if level == "safety" else policy.reorder_point
                what = "safety stock" if level == "safety" else "reorder point"
                notify(
                    recipients=[recipient],
                    title=f"{partnership.name}: {item} at or below its {what}",
                    body=f"{quantity.normalize():f} {policy.unit} on {as_of:%d %b %Y %H:%M} "
                    f"(the {what} is {threshold.normalize():f}).",
                    url=reverse("stock-overview", args=[require_organization().slug,
                                                        partnership.pk]),
                    dedupe_key=f"integrations:stock:{policy.pk}:{level}:{as_of:%Y%m%d%H%M%S}",
                )  # fmt: skip
                alerts += 1
        last_level[item] = level
    StockPosition.objects.bulk_create(created)
    audit_record(
        action="integrations.stock_positions.recorded", actor=actor, obj=partnership,
        changes={"positions": len(created), "alerts": alerts, "via": received_via},
    )  # fmt: skip
    return StockFeedResult(created, alerts)


SAMPLE_STOCK_FEED = """item,quantity,as_of
MAT-100231,950,{t1}
MAT-100877,140,{t1}
MAT-100231,610,{t2}
MAT-100877,35,{t2}
"""


def stock_feed_sample(*, now) -> str:
    return SAMPLE_STOCK_FEED.format(
        t1=(now - timedelta(hours=6)).isoformat(timespec="seconds"),
        t2=(now - timedelta(minutes=40)).isoformat(timespec="seconds"),
    )


def stock_feed_replay(*, partnership: Partnership, content: str, now) -> StockFeedResult:
    """The integration test: read a stock feed (CSV: item, quantity, as_of) as the feed would
    deliver it, with the levels and alerts it would raise and its sync lag, then roll it all
    back (nothing is kept, nobody is notified)."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(content or ""))
    if not reader.fieldnames or {"item", "quantity", "as_of"} - set(reader.fieldnames):
        raise ValidationError({"content": "The feed needs the columns item, quantity, as_of."})
    rows = list(reader)[:5000]
    with transaction.atomic():
        result = stock_positions_record(
            partnership=partnership, positions=rows, now=now, received_via="replay"
        )
        transaction.set_rollback(True)
    return result


# --- disaster-recovery tests ------------------------------------------------------------------

DR_TEST_FIELDS = ("title", "plan", "participants", "scheduled_for", "rto_target_minutes",
                  "rpo_target_minutes", "connector")  # fmt: skip


@transaction.atomic
def dr_test_schedule(
    *, partnership: Partnership, actor: User | None, now, **fields
) -> DisasterRecoveryTest:
    """Plan a joint disaster-recovery test: a plan, a date (not in the past), and the RTO and
    RPO targets (minutes, more than 0); the feed tested, if one, belongs to the partnership."""
    _check_partnership(partnership)
    unknown = set(fields) - set(DR_TEST_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    test = DisasterRecoveryTest(
        organization=require_organization(), partnership=partnership, created_by=actor,
        created_at=now, **fields,
    )  # fmt: skip
    test.title = " ".join((test.title or "").split())
    test.plan = (test.plan or "").strip()
    errors: dict[str, str] = {}
    if not test.title:
        errors["title"] = "Give the test a title."
    if not test.plan:
        errors["plan"] = "Describe the scenario and the steps of both parties."
    if test.scheduled_for is None or test.scheduled_for < now:
        errors["scheduled_for"] = "Schedule it for a time to come."
    for name in ("rto_target_minutes", "rpo_target_minutes"):
        value = getattr(test, name)
        if value is None or value <= 0:
            errors[name] = "A target of at least one minute."
    if test.connector is not None and test.connector.partnership_id != partnership.pk:
        errors["connector"] = "Choose a connector of this partnership."
    if errors:
        raise ValidationError(errors)
    test.full_clean(exclude=["organization", "partnership", "connector", "created_by"],
                    validate_constraints=False)  # fmt: skip
    test.save()
    audit_record(
        action="integrations.dr_test.scheduled", actor=actor, obj=test,
        changes={"scheduled_for": test.scheduled_for.isoformat(),
                 "rto": test.rto_target_minutes, "rpo": test.rpo_target_minutes},
    )  # fmt: skip
    return test


@transaction.atomic
def dr_test_record_result(
    *, test: DisasterRecoveryTest, actor: User | None, executed_at, rto_achieved_minutes: int,
    rpo_achieved_minutes: int, findings: str = "", now,
) -> DisasterRecoveryTest:  # fmt: skip
    """Record what the test achieved: passed when both the recovery time and the data lost are
    within their targets. A failed test notifies the partnership's owner."""
    test = (
        DisasterRecoveryTest.objects.select_for_update()
        .select_related("partnership")
        .get(pk=test.pk)
    )
    DR_TEST_LIFECYCLE.check(test.status, DisasterRecoveryTest.Status.COMPLETED)
    errors: dict[str, str] = {}
    if executed_at is None or executed_at > now:
        errors["executed_at"] = "When it ran: not in the future."
    for name, value in (("rto_achieved_minutes", rto_achieved_minutes),
                        ("rpo_achieved_minutes", rpo_achieved_minutes)):  # fmt: skip
        if value is None or value < 0:
            errors[name] = "Minutes, 0 or more."
    if errors:
        raise ValidationError(errors)
    test.status = DisasterRecoveryTest.Status.COMPLETED
    test.executed_at = executed_at
    test.rto_achieved_minutes, test.rpo_achieved_minutes = (
        rto_achieved_minutes,
        rpo_achieved_minutes,
    )
    test.passed = (
        rto_achieved_minutes <= test.rto_target_minutes
        and rpo_achieved_minutes <= test.rpo_target_minutes
    )
    test.findings = (findings or "").strip()
    test.recorded_by = actor
    test.save()
    audit_record(
        action="integrations.dr_test.completed", actor=actor, obj=test,
        changes={"passed": test.passed, "rto": [test.rto_target_minutes, rto_achieved_minutes],
                 "rpo": [test.rpo_target_minutes, rpo_achieved_minutes]},
    )  # fmt: skip
    owner = test.partnership.owner
    if not test.passed and owner is not None:
        notify(
            recipients=[owner],
            title=f"{test.partnership.name}: disaster-recovery test “{test.title}” failed",
            body=f"Recovered in {rto_achieved_minutes:,} min (target {test.rto_target_minutes:,}); "
            f"data lost {rpo_achieved_minutes:,} min (target {test.rpo_target_minutes:,}).",
            url=reverse("dr-test-detail", args=[require_organization().slug, test.pk]),
            dedupe_key=f"integrations:dr_test:{test.pk}:failed",
        )
    return test


@transaction.atomic
def dr_test_cancel(*, test: DisasterRecoveryTest, actor: User | None, reason: str):
    """Cancel a planned test (final); the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the test is cancelled."})
    test = DisasterRecoveryTest.objects.select_for_update().get(pk=test.pk)
    DR_TEST_LIFECYCLE.check(test.status, DisasterRecoveryTest.Status.CANCELLED)
    test.status, test.cancel_reason = DisasterRecoveryTest.Status.CANCELLED, reason
    test.save(update_fields=["status", "cancel_reason"])
    audit_record(action="integrations.dr_test.cancelled", actor=actor, obj=test,
                 changes={"reason": reason})  # fmt: skip
    return test


# --- outbound documents -------------------------------------------------------------------------

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
        number=document.document_number, issue_date=document.issue_date or now.date(),
        currency=document.currency, buyer_id=document.sender_id,
        seller_id=document.receiver_id, lines=lines,
    )  # fmt: skip
    number = document.document_number if kind == "order" else f"RSP-{document.document_number}"
    if kind == "order":
        content = (
            outbound.edifact_orders(order) if standard == "edifact" else outbound.ubl_order(order)
        )
    elif standard == "edifact":
        content = outbound.edifact_ordrsp(order, number=number, issued=now.date())
    else:
        content = outbound.ubl_order_response(order, number=number, issued=now.date())
    audit_record(
        action="integrations.outbound.generated", actor=actor, obj=document,
        changes={"kind": kind, "standard": standard, "number": number},
    )  # fmt: skip
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in number) or "order"
    return f"{safe}.{'edi' if standard == 'edifact' else 'xml'}", content
