"""Receiving EDI documents: store the message as it came, then read it (services.reading).

Two ways in, one reading:
- `edi_document_ingest` (API, feeds, benchmarks) stores, reads and checks a message in one call;
- `edi_document_receive` (uploads) stores the message and enqueues `edi_document_process`, which
  reads it in a Celery task with progress.
Both keep the message as it came, even when it cannot be read (status `rejected`, with the
reason), and both are idempotent on the SHA-256 of the bytes: a resend returns the document
already received.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integrations.models import EdiDocument
from integrations.services._shared import _check_partnership
from integrations.services.monitoring import _notify_problems
from integrations.services.reading import _audit_changes, _read
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.filesize import over_limit_texts
from tenancy.jobs import enqueue, job_progress, job_progress_clear, job_progress_set
from tenancy.models import User


def upload_max_bytes() -> int:
    return getattr(settings, "INTEGRATIONS_EDI_MAX_BYTES", 64 * 1024 * 1024)


def _check_content(content: bytes, filename: str, declared_size: int | None) -> None:
    """Refuse what could never be a message (nothing is stored): empty, or over the limit."""
    name = filename or "The message"
    limit = upload_max_bytes()
    size = max(len(content or b""), declared_size or 0)
    if size > limit:
        size_shown, limit_shown = over_limit_texts(size, limit)
        raise ValidationError(
            {
                "file": f"“{name}” is {size_shown}; the limit is {limit_shown}. "
                "Split the interchange."
            }
        )
    if not content or not content.strip():
        raise ValidationError({"file": f"“{name}” is empty."})


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
    now: datetime,
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
        received_at=now,
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
    clock: Callable[[], datetime],
) -> tuple[EdiDocument, bool]:
    """Store, read and check a message; returns (document, created). Every message of an
    interchange is stored, the first in `document`, each further one as a document of its own
    (as uploads do). `api_key_prefix`: the key it was pushed with (a connector may allow only
    some keys).

    A resend of the same bytes returns the document already received with created=False. A
    message that cannot be read is stored `rejected` with the reason (never raised). Empty or
    oversized content is refused with a field error and nothing is stored.

    `clock` is read when the message is received, when its reading starts and when it ends.
    """
    _check_content(content, filename, declared_size)
    document, created = _store_received(
        partnership=partnership,
        content=content,
        filename=filename,
        received_via=received_via,
        actor=actor,
        now=clock(),
    )
    if not created:
        return document, False
    document.started_at = clock()
    document.sent_with_key = api_key_prefix  # type: ignore[attr-defined]
    further = _read(document, clock=clock)
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
    now: datetime,
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
        now=now,
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


def edi_document_process(*, document_id: int, clock: Callable[[], datetime]) -> EdiDocument:
    """Read a received message (the upload task). Running it again is a no-op. `clock` is read
    when the reading starts and when it ends."""
    with transaction.atomic():
        document = (
            EdiDocument.objects.select_for_update(of=("self",))
            .select_related("partnership")
            .get(pk=document_id)
        )
        if document.status != EdiDocument.Status.RECEIVED:
            return document
        document.started_at = clock()
        job_progress_set(document, 10)
        further = _read(
            document, clock=clock, progress=lambda percent: job_progress_set(document, percent)
        )
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
