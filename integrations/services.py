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
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from integrations.edi import EdiParseError, Finding, ParsedDocument, parse_document
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
from integrations.models import (
    EDI_DOCUMENT_LIFECYCLE,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
)
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.jobs import enqueue, job_progress, job_progress_clear, job_progress_set
from tenancy.models import User
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
) -> tuple[EdiDocument, bool]:
    """Store, read and check one message; returns (document, created).

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
    _read(document)
    audit_record(
        action=f"integrations.edi_document.{document.status}",
        actor=actor,
        obj=document,
        changes=_audit_changes(document),
    )
    _notify_problems(document)
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
        _read(document, progress=lambda percent: job_progress_set(document, percent))
        audit_record(
            action=f"integrations.edi_document.{document.status}",
            actor=document.received_by,
            obj=document,
            changes=_audit_changes(document),
        )
        _notify_problems(document)
    job_progress_clear(document)
    return document


def edi_document_progress(document: EdiDocument) -> int:
    """Percent read (the one progress helper of tenancy.jobs)."""
    return job_progress(document)


# --- reading ------------------------------------------------------------------------------


def _read(document: EdiDocument, progress: Callable[[int], None] | None = None) -> None:
    """Parse the stored message and store its header, lines and findings: all of it, or (when
    it cannot be read) none of it and the document rejected with the reason."""
    progress = progress or (lambda percent: None)
    try:
        with transaction.atomic():  # a savepoint: a failure leaves no line or finding behind
            parsed = parse_document(bytes(document.content))
            progress(50)
            _store_parsed(document, parsed)
            progress(90)
    except EdiParseError as exc:
        _reject(document, str(exc))
    except Exception as exc:  # noqa: BLE001 - the message is kept and rejected; the cause logged
        logger.exception("EDI document %s could not be read", document.pk)
        _reject(document, f"The message could not be read ({exc.__class__.__name__}).")


def _reject(document: EdiDocument, reason: str) -> None:
    # The savepoint rolled back the row; give the instance its stored state back too.
    started_at = document.started_at
    document.refresh_from_db(fields=[*HEADER_FIELDS, *COUNT_FIELDS])
    document.started_at = started_at
    EDI_DOCUMENT_LIFECYCLE.check(document.status, EdiDocument.Status.REJECTED)
    document.status = EdiDocument.Status.REJECTED
    document.error = reason
    document.finished_at = timezone.now()
    document.save(update_fields=["status", "error", "started_at", "finished_at"])


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
    document.save(update_fields=[*HEADER_FIELDS, *COUNT_FIELDS, "started_at"])
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
