"""Document intake: an uploaded contract becomes a draft agreement with proposed clauses."""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm

from contracts.detection import DocumentError, detect
from contracts.detection.extract import extract_document
from contracts.models import (
    Agreement,
    Clause,
    ClauseVersion,
    IntakeJob,
)
from contracts.playbook import (
    normalise_detected_parameters,
)
from contracts.selectors import playbook_map
from contracts.services._shared import may_review_role
from contracts.services.agreements import MAX_NOTICE_DAYS
from contracts.services.clauses import _apply_key_terms_from_clauses, _risk_for, _snapshot
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.dates import in_range
from tenancy.filesize import over_limit_texts
from tenancy.jobs import (
    JOB_LIFECYCLE,
    enqueue,
    job_progress,
    job_progress_clear,
    job_progress_key,
    job_progress_set,
    unexpected_failure,
)
from tenancy.models import User

logger = logging.getLogger(__name__)
UNREADABLE_DOCUMENT = unexpected_failure(
    "The document could not be read: something in it is not what the reader expects."
)

UPLOAD_EXTENSIONS = (".pdf", ".docx", ".txt")


def upload_max_bytes() -> int:
    return getattr(settings, "CONTRACTS_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)


def intake_progress_key(job: IntakeJob) -> str:
    return job_progress_key(job)


def intake_progress(job: IntakeJob) -> int:
    """Percent done (the kernel's one progress helper): a running job's figure lives in the
    cache, since the task's own transaction is not visible to the page until it commits."""
    return job_progress(job)


def _set_progress(job: IntakeJob, percent: int) -> None:
    job_progress_set(job, percent)


@transaction.atomic
def intake_job_create(
    *,
    actor: User | None,
    partnership: Partnership,
    filename: str,
    content: bytes,
    title: str = "",
    agreement_type: str = Agreement.Type.MSA,
    parent: Agreement | None = None,
    declared_size: int | None = None,
) -> IntakeJob:
    """Store an upload and enqueue its reading. A file the job could never read (empty, too
    large, of an unsupported type) is refused here with a field error and nothing is stored."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in UPLOAD_EXTENSIONS:
        raise ValidationError(
            {"file": f"“{filename}” is not a PDF, DOCX or TXT file; upload one of those."}
        )
    limit = upload_max_bytes()
    size = max(len(content), declared_size or 0)
    if size > limit:
        size_shown, limit_shown = over_limit_texts(size, limit)
        raise ValidationError(
            {"file": f"“{filename}” is {size_shown}; the limit is {limit_shown}."}
        )
    if not content:
        raise ValidationError({"file": f"“{filename}” is empty."})
    # An amendment is read into an agreement that amends `parent`: both known before the reading,
    # so that a reading never fails on what the upload could have said.
    if agreement_type == Agreement.Type.AMENDMENT and parent is None:
        raise ValidationError({"parent": "Say which agreement this amendment changes."})
    if parent is not None and parent.partnership_id != partnership.pk:
        raise ValidationError({"parent": "It must belong to the same partnership."})
    if not (title or "").strip():
        title = PurePath(filename).stem.replace("_", " ").strip() or "Uploaded agreement"
    job = IntakeJob(
        organization=require_organization(),
        partnership=partnership,
        agreement_type=agreement_type,
        title=title.strip()[:200],
        parent=parent,
        filename=PurePath(filename).name[:255],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )
    job.full_clean(exclude=["content"])
    job.save()
    audit_record(
        action="contracts.intake.uploaded",
        actor=actor,
        obj=job,
        changes={"filename": job.filename, "size": job.size, "sha256": job.sha256},
    )
    _enqueue_reading(job)
    return job


def _enqueue_reading(job: IntakeJob) -> None:
    """After commit, by task name (services never import tasks); TASKS_INLINE runs it here."""
    enqueue("contracts.tasks.intake_process", organization_id=job.organization_id, job_id=job.pk)


def _group_by_segment(clauses) -> list[dict]:
    """The detector reports one clause per type found in a segment; legal reviews segments."""
    groups: dict[tuple[int, int], dict] = {}
    for found in clauses:
        key = (found.start, found.end)
        group = groups.setdefault(key, {"primary": None, "all": []})
        group["all"].append(found)
        primary = group["primary"]
        if (
            primary is None
            or (primary.code == "other" and found.code != "other")
            or (found.code != "other" and found.confidence > primary.confidence)
        ):
            group["primary"] = found
    return [groups[key] for key in sorted(groups)]


def _agreement_fields_from(result, partnership: Partnership, organization) -> dict:
    facts = result.facts
    fields: dict = {
        "parties": [
            {"name": organization.name, "role": "customer"},
            {"name": partnership.partner.name, "role": "supplier"},
        ],
        "currency": partnership.currency,
        "annual_value": partnership.annual_value,
    }
    effective = facts.effective_date if in_range(facts.effective_date) else None
    expiry = facts.expiry_date if in_range(facts.expiry_date) else None
    if effective:
        fields["effective_date"] = effective
    if expiry and (not effective or expiry >= effective):
        fields["expiry_date"] = expiry
    if facts.notice_period_days and facts.notice_period_days <= MAX_NOTICE_DAYS:
        fields["notice_period_days"] = facts.notice_period_days
    if facts.governing_law:
        fields["governing_law"] = facts.governing_law[:100]
    if facts.renewal_term and fields.get("expiry_date"):
        months = int(facts.renewal_term.in_months()) or 12
        fields["term_type"] = Agreement.TermType.AUTO_RENEWING
        fields["renewal_period_months"] = months
    return fields


def intake_job_run(*, job_id: int, clock: Callable[[], datetime]) -> IntakeJob:
    """Read an uploaded contract: extract its text, detect clauses, create the draft agreement
    with one proposed clause per segment. All or nothing: a failure leaves the job failed with
    its reason and no agreement or clause behind. Running it again is a no-op. `clock` is read
    when the job starts and when it finishes."""
    with transaction.atomic():
        job = IntakeJob.objects.select_for_update().get(pk=job_id)
        if job.status in (IntakeJob.Status.SUCCEEDED, IntakeJob.Status.FAILED):
            return job
        JOB_LIFECYCLE.check(job.status, IntakeJob.Status.RUNNING)
        job.status = IntakeJob.Status.RUNNING
        job.started_at = clock()
        _set_progress(job, 5)
        try:
            with transaction.atomic():  # a savepoint: a failure rolls back only the proposals
                _intake_read(job, clock=clock)
        except DocumentError as exc:
            _intake_failed(job, str(exc), now=clock())
        except Exception:  # noqa: BLE001 - the reason is kept on the job, the cause logged
            logger.exception("contract intake %s failed", job.pk)
            _intake_failed(job, UNREADABLE_DOCUMENT, now=clock())
        job_progress_clear(job)
        return job


def _intake_failed(job: IntakeJob, reason: str, *, now: datetime) -> None:
    job.status = IntakeJob.Status.FAILED
    job.error = reason
    job.agreement = None
    job.finished_at = now
    job.save()
    audit_record(
        action="contracts.intake.failed",
        actor=job.uploaded_by,
        obj=job,
        changes={"reason": reason},
    )


def _intake_read(job: IntakeJob, *, clock: Callable[[], datetime]) -> None:
    extracted = extract_document(bytes(job.content), job.filename)
    _set_progress(job, 35)
    result = detect(extracted.text)
    _set_progress(job, 70)
    organization = require_organization()
    amendment = job.agreement_type == Agreement.Type.AMENDMENT
    agreement = Agreement(
        organization=organization,
        partnership=job.partnership,
        agreement_type=job.agreement_type,
        title=job.title,
        # The agreement named at upload: an amendment amends it, anything else sits under it.
        parent=None if amendment else job.parent,
        amends=job.parent if amendment else None,
        owner=job.uploaded_by,
        **_agreement_fields_from(result, job.partnership, organization),
    )
    agreement.full_clean()
    agreement.save()
    playbook = playbook_map()
    groups = _group_by_segment(result.clauses)
    for order, group in enumerate(groups, start=1):
        found = group["primary"]
        raw = found.to_dict()
        clause = Clause(
            organization=organization,
            agreement=agreement,
            clause_type=found.code,
            heading=(found.heading or found.text.split("\n", 1)[0])[:200],
            text=found.text,
            order=order,
            parameters=normalise_detected_parameters(found.code, raw["parameters"]),
            source=Clause.Source.DETECTED,
            proposal=Clause.Proposal.PROPOSED,
            detection={
                "code": found.code,
                "cuad_categories": raw["cuad_categories"],
                "confidence": found.confidence,
                "needs_attention": found.needs_attention,
                "source": found.source,
                "rule": found.rule,
                "span": [found.start, found.end],
                "parameters": raw["parameters"],
                "also": [c.code for c in group["all"] if c is not found],
            },
        )
        clause.risk = _risk_for(clause, agreement, playbook)
        clause.save()
        _snapshot(clause, kind=ClauseVersion.Kind.DETECTED, author=None, note=found.rule[:500])
        if len(groups) > 1:
            _set_progress(job, 70 + int(25 * order / len(groups)))
    _apply_key_terms_from_clauses(agreement)
    audit_record(
        action="contracts.agreement.created",
        actor=job.uploaded_by,
        obj=agreement,
        changes={"source": "intake", "intake_job": job.pk, "clauses": len(groups)},
    )
    if job.uploaded_by is not None and may_review_role(job.uploaded_by):
        assign_perm("contracts.review_agreement", job.uploaded_by, agreement)
    job.agreement = agreement
    # Which pages had no text layer and were read by OCR (1-based), for the uploader to check.
    job.result = {"clauses": len(groups), "ocr_pages": extracted.ocr_pages}
    job.status = IntakeJob.Status.SUCCEEDED
    job.progress = 100
    job.finished_at = clock()
    job.save()
    audit_record(
        action="contracts.intake.succeeded",
        actor=job.uploaded_by,
        obj=job,
        changes={
            "agreement": agreement.pk,
            "clauses": len(groups),
            "ocr_pages": extracted.ocr_pages,
        },
    )
