"""Obligations: create, edit, fulfil (recurring ones roll forward), waive, overdue reminders."""

from datetime import date, datetime
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from contracts import dates
from contracts.models import (
    OBLIGATION_LIFECYCLE,
    Agreement,
    Obligation,
    ObligationFulfilment,
)
from contracts.services._shared import agreement_url
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.dates import check_dates
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.filesize import over_limit_texts
from tenancy.models import User
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff

OBLIGATION_FIELDS = (
    "clause",
    "title",
    "description",
    "responsible_party",
    "owner",
    "due_date",
    "recurrence",
    "evidence",
    "evidence_url",
)


def _check_obligation(obligation: Obligation) -> None:
    clause = obligation.clause if obligation.clause_id else None
    if clause is not None and clause.agreement_id != obligation.agreement_id:
        raise ValidationError({"clause": "The clause must belong to the same agreement."})
    if obligation.recurrence and not obligation.due_date:
        raise ValidationError({"due_date": "A recurring obligation needs its first due date."})
    check_dates(obligation, "due_date")


EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".csv", ".txt", ".png", ".jpg", ".jpeg", ".eml")


@transaction.atomic
def obligation_create(
    *, actor: User | None, agreement: Agreement, title: str, **fields
) -> Obligation:
    obligation = Obligation(
        organization=require_organization(),
        agreement=agreement,
        title=title,
        **{k: v for k, v in fields.items() if k in OBLIGATION_FIELDS},
    )
    require_staff(obligation, "owner")
    _check_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    audit_record(action="contracts.obligation.created", actor=actor, obj=obligation)
    return obligation


@transaction.atomic
def obligation_update(*, obligation: Obligation, actor: User | None, **fields) -> Obligation:
    changes = changed_fields(
        obligation, {k: v for k, v in fields.items() if k in OBLIGATION_FIELDS}
    )
    require_staff(obligation, "owner", changes=changes)
    _check_obligation(obligation)
    obligation.full_clean()
    obligation.save()
    if changes:
        audit_record(
            action="contracts.obligation.updated",
            actor=actor,
            obj=obligation,
            changes=changes,
        )
    return obligation


def _check_evidence_file(filename: str, content: bytes) -> str:
    name = PurePath(filename or "").name[:200]
    if PurePath(name).suffix.lower() not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            {
                "evidence_file": f"“{name}” is not a file type kept as evidence; upload one of "
                + ", ".join(e.lstrip(".").upper() for e in EVIDENCE_EXTENSIONS)
                + "."
            }
        )
    if len(content) > EVIDENCE_MAX_BYTES:
        size, limit = over_limit_texts(len(content), EVIDENCE_MAX_BYTES)
        raise ValidationError({"evidence_file": f"“{name}” is {size}; the limit is {limit}."})
    if not content:
        raise ValidationError({"evidence_file": f"“{name}” is empty."})
    return name


@transaction.atomic
def obligation_fulfil(
    *,
    obligation: Obligation,
    actor: User | None,
    evidence: str = "",
    evidence_url: str = "",
    evidence_filename: str = "",
    evidence_content: bytes | None = None,
    now: datetime,
) -> Obligation:
    """Record a fulfilment with its evidence (a note, a link and/or a file), kept in the
    obligation's history. A recurring obligation moves to its next due date; one whose next
    occurrence would fall after the end of the calendar is fulfilled for good."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status != Obligation.Status.OPEN:
        raise ConflictError(f"The obligation is already {obligation.get_status_display().lower()}.")
    has_file = evidence_content is not None
    if not evidence.strip() and not evidence_url and not has_file:
        raise ValidationError({"evidence": "Say how the obligation was fulfilled."})
    filename = (
        _check_evidence_file(evidence_filename, evidence_content)
        if evidence_content is not None
        else ""
    )
    obligation.evidence = evidence.strip()
    obligation.evidence_url = evidence_url
    old_due = obligation.due_date
    following = dates.next_due_date(old_due, obligation.recurrence) if old_due else None
    if following:
        obligation.due_date = following
    else:
        OBLIGATION_LIFECYCLE.check(obligation.status, Obligation.Status.FULFILLED)
        obligation.status = Obligation.Status.FULFILLED
        obligation.fulfilled_at = now
    obligation.full_clean()
    obligation.save()
    fulfilment = ObligationFulfilment(
        organization=obligation.organization,
        obligation=obligation,
        due_date=old_due,
        evidence=evidence.strip(),
        evidence_url=evidence_url,
        evidence_filename=filename,
        fulfilled_by=actor,
    )
    if has_file:
        fulfilment.evidence_file.save(filename, ContentFile(evidence_content), save=False)
    fulfilment.full_clean()
    fulfilment.save()
    audit_record(
        action="contracts.obligation.fulfilled",
        actor=actor,
        obj=obligation,
        changes={
            "due_date": str(old_due),
            "evidence": obligation.evidence,
            "evidence_file": filename,
            "next_due_date": str(following) if following else None,
        },
    )
    return obligation


@transaction.atomic
def obligation_waive(
    *, obligation: Obligation, actor: User | None, reason: str, now: datetime
) -> Obligation:
    """Release the organization from an obligation that no longer applies (the other party
    waived it in writing, the SOW it served was cancelled), with the reason kept on it and in
    the audit trail. Final: a waived obligation never falls due again, so it leaves the overdue
    lists and the reminders; a recurring one stops rolling forward."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    try:
        OBLIGATION_LIFECYCLE.check(obligation.status, Obligation.Status.WAIVED)
    except TransitionNotAllowed:
        raise ConflictError(
            f"The obligation is already {obligation.get_status_display().lower()}."
        ) from None
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the obligation no longer applies."})
    obligation.status = Obligation.Status.WAIVED
    obligation.waived_at, obligation.waived_by, obligation.waive_reason = now, actor, reason
    others = [f.name for f in Obligation._meta.concrete_fields if f.name != "waive_reason"]
    try:  # the size rules of a stored text, under the field the user typed it in
        obligation.clean_fields(exclude=others)
    except ValidationError as error:
        raise ValidationError({"reason": error.message_dict["waive_reason"]}) from None
    obligation.save(update_fields=["status", "waived_at", "waived_by", "waive_reason"])
    audit_record(
        action="contracts.obligation.waived",
        actor=actor,
        obj=obligation,
        changes={"status": ["open", "waived"], "reason": reason},
    )
    return obligation


def obligations_notify_overdue(*, today: date) -> int:
    """Tell each overdue obligation's owner (else its partnership's owner, else the admins) once
    per due date, however often the job runs."""
    sent = 0
    overdue = Obligation.objects.select_related("agreement__partnership__owner", "owner").filter(
        status=Obligation.Status.OPEN, due_date__lt=today
    )
    admins = AdminsOnce()
    for obligation in overdue:
        created = notify(
            recipients=accountable(
                obligation.owner, obligation.agreement.partnership.owner, admins=admins
            ),
            title=f"Overdue obligation: {obligation.title}",
            body=f"Due {obligation.due_date:%d %b %Y} under “{obligation.agreement.title}”.",
            url=agreement_url(obligation.agreement),
            dedupe_key=f"contracts.obligation.overdue.{obligation.pk}.{obligation.due_date}",
        )
        sent += len(created)
    return sent
