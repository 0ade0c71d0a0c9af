"""Playbook changes learned from an exit: proposed (or taken from a post-mortem entry), reviewed,
and applied through contracts' playbook service."""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from contracts.detection.taxonomy import BY_CODE
from contracts.models import PlaybookClause
from contracts.services.playbook import playbook_clause_save
from exit_planning.models import (
    PLAYBOOK_CHANGE_LIFECYCLE,
    Party,
    PlaybookChange,
    PostMortemEntry,
)
from exit_planning.services._shared import _full_clean
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User


@transaction.atomic
def playbook_change_propose(
    *,
    source: models.Model,
    actor: User | None,
    clause_type: str,
    field: str,
    text: str,
    rationale: str = "",
    partnership: Partnership | None = None,
    target: str = PlaybookChange.Target.CLAUSE_PLAYBOOK,
) -> PlaybookChange:
    """A proposed change from any source (a post-mortem recommendation, an innovation lesson
    learned). A change to the clause playbook names its clause type; one to the training
    material does not."""
    if target == PlaybookChange.Target.TRAINING_MATERIAL:
        clause_type = ""
    elif clause_type not in BY_CODE:
        raise ValidationError({"clause_type": "Choose a clause type of the playbook."})
    change = PlaybookChange(
        organization=require_organization(),
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        partnership=partnership,
        target=target,
        clause_type=clause_type,
        field=field,
        text=(text or "").strip(),
        rationale=(rationale or "").strip(),
        proposed_by=actor,
    )
    _full_clean(change)
    change.save()
    audit_record(
        action="exit_planning.playbook_change.proposed",
        actor=actor,
        obj=change,
        changes={"clause_type": clause_type, "field": field},
    )
    return change


# Who made a post-mortem recommendation, as the proposal's rationale names them.
RECOMMENDED_BY = {Party.US: "us", Party.PARTNER: "the partner"}


def playbook_change_from_entry(
    *, entry: PostMortemEntry, actor: User | None, clause_type: str, field: str, text: str = ""
) -> PlaybookChange:
    if entry.section != PostMortemEntry.Section.RECOMMENDATION:
        raise ConflictError(
            "Only a recommendation becomes a playbook change.", code="not_recommendation"
        )
    return playbook_change_propose(
        source=entry,
        actor=actor,
        clause_type=clause_type,
        field=field,
        text=text or entry.text,
        rationale=f"Post-mortem recommendation by {RECOMMENDED_BY[entry.party]}.",
        partnership=entry.post_mortem.plan.partnership,
    )


@transaction.atomic
def playbook_change_review(
    *, change: PlaybookChange, actor: User, approve: bool, note: str, now: datetime
) -> PlaybookChange:
    change = PlaybookChange.objects.select_for_update().get(pk=change.pk)
    target = PlaybookChange.Status.APPROVED if approve else PlaybookChange.Status.REJECTED
    PLAYBOOK_CHANGE_LIFECYCLE.check(change.status, target)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": "Say why the change is rejected."})
    change.status, change.reviewed_by, change.reviewed_at = target, actor, now
    change.review_note = (note or "").strip()
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(
        action=f"exit_planning.playbook_change.{target}",
        actor=actor,
        obj=change,
        changes={"note": change.review_note},
    )
    return change


@transaction.atomic
def playbook_change_apply(*, change: PlaybookChange, actor: User, now: datetime) -> PlaybookChange:
    """Apply a reviewed change through contracts' playbook service, and link back to it."""
    change = PlaybookChange.objects.select_for_update().get(pk=change.pk)
    if change.status == PlaybookChange.Status.PROPOSED:
        raise ConflictError("Review the change before applying it.", code="not_reviewed")
    PLAYBOOK_CHANGE_LIFECYCLE.check(change.status, PlaybookChange.Status.APPLIED)
    if change.target == PlaybookChange.Target.TRAINING_MATERIAL:
        # The training material lives outside Partnerline: applying records that it was done.
        change.status, change.applied_at = PlaybookChange.Status.APPLIED, now
        change.save(update_fields=["status", "applied_at"])
        audit_record(action="exit_planning.playbook_change.applied", actor=actor, obj=change)
        return change
    current = PlaybookClause.objects.filter(clause_type=change.clause_type).first()
    fields: dict = {}
    if change.field == PlaybookChange.Field.GUIDANCE:
        existing = (current.guidance if current else "").strip()
        fields["guidance"] = f"{existing}\n\n{change.text}" if existing else change.text
    elif change.field == PlaybookChange.Field.PREFERRED_TEXT:
        fields["preferred_text"] = change.text
    else:
        existing_list = list(getattr(current, change.field, None) or []) if current else []
        fields[change.field] = [*existing_list, change.text]
    entry = playbook_clause_save(actor=actor, clause_type=change.clause_type, **fields)
    change.status, change.applied_at, change.playbook_clause = (
        PlaybookChange.Status.APPLIED,
        now,
        entry,
    )
    change.save(update_fields=["status", "applied_at", "playbook_clause"])
    audit_record(
        action="exit_planning.playbook_change.applied",
        actor=actor,
        obj=change,
        changes={"playbook_clause": {"id": entry.pk, "label": str(entry)}},
    )
    return change
