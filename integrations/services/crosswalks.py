"""Master-data crosswalks: a partner's codes mapped to ours, and the re-processing of the
documents that waited on a mapping."""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from integrations.models import CodeMapping, CrosswalkReprocess, EdiDocumentLine
from integrations.services._shared import _check_partnership
from integrations.services.discrepancies import discrepancies_detect
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import TransitionNotAllowed
from tenancy.jobs import JOB_LIFECYCLE, enqueue, job_progress_clear, job_progress_set
from tenancy.models import User


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
    now: datetime,
) -> CodeMapping:
    """Map a partner's code to ours (or change what it maps to). A partner code means one thing
    of ours; several partner codes may map to one of ours. When documents wait on the code (a
    material the partner sent without our item code), their re-processing is queued (one job
    per partnership at a time)."""
    _check_partnership(partnership)
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
    *, partnership: Partnership, actor: User | None, now: datetime
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
        created_at=now,
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


def crosswalk_reprocess(*, job_id: int, clock: Callable[[], datetime]) -> CrosswalkReprocess:
    """The task's work: fill our item code on the lines that came without it, from the
    crosswalk (one UPDATE … FROM), then run the three-way match of the partnership again.
    Idempotent: a finished job is left as it is; a line already carrying our code is kept.
    `clock` is read when the job starts, when the match runs and when the job ends."""
    states = CrosswalkReprocess.job_states
    with transaction.atomic():
        job = CrosswalkReprocess.objects.select_for_update().get(pk=job_id)
        try:  # queued, or running again (a redelivery); finished: left as it is
            JOB_LIFECYCLE.check(job.status, states.running)
        except TransitionNotAllowed:
            return job
        job.status, job.started_at = states.running, clock()
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
        counts = discrepancies_detect(now=clock(), partnership_id=job.partnership_id)
        JOB_LIFECYCLE.check(job.status, states.succeeded)
        job.status, job.progress = states.succeeded, 100
        job.finished_at = clock()
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
