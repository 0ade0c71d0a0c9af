"""Data-sharing terms of a partnership (what each category of data may be used for, how long it
is kept, a legal hold) and the retention job that applies them."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from integrations.models import (
    DataSharingTerm,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
    RetentionRun,
)
from integrations.services._shared import _check_partnership
from partnerships.models import Partnership
from tenancy.audit import audit_record, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User

TERM_FIELDS = ("category", "owner", "usage_rights", "retention_days", "on_expiry", "legal_basis")
# A longer period put the retention job's cutoff before year 1: the job failed for every term.
MAX_RETENTION_DAYS = 36500


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
    if term.retention_days > MAX_RETENTION_DAYS:
        raise ValidationError(
            {"retention_days": f"At most {MAX_RETENTION_DAYS:,} days (100 years)."}
        )
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
    lock_fresh(term)  # held since the page was opened: the first reason stands
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
        # Who decided is a person too: a decision with nothing else on it loses its decider.
        affected = discrepancies.exclude(
            dispute_note="", resolution="", owner=None, decided_by=None
        ).update(dispute_note="", resolution="", owner=None, decided_by=None)
        return affected, "notes and people removed from decided discrepancies"
    return 0, "No data of this category is kept by the integrations module yet."


@transaction.atomic
def retention_apply(*, now) -> list[RetentionRun]:
    """The retention job: for every term, delete or anonymise what is older than its retention
    period, and record what was done. Data under legal hold is never touched (the run is
    recorded as held)."""
    runs = []
    for term in DataSharingTerm.objects.select_for_update().order_by("pk"):
        # A term stored before the cap keeps more than 100 years: nothing is that old.
        cutoff = now - timedelta(days=min(term.retention_days, MAX_RETENTION_DAYS))
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
