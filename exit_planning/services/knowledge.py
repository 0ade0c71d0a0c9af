"""Knowledge transfer: the items of the exit (trainings, access windows, handovers) and their
sign-off (a training records who attended)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning.models import ExitPlan, KnowledgeTransferItem
from exit_planning.services._shared import _full_clean
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User

KNOWLEDGE_FIELDS = ("kind", "title", "holder", "starts_on", "ends_on", "attendees")


@transaction.atomic
def knowledge_item_create(*, plan: ExitPlan, actor: User | None, **fields) -> KnowledgeTransferItem:
    item = KnowledgeTransferItem(
        organization=require_organization(),
        plan=plan,
        **{k: v for k, v in fields.items() if k in KNOWLEDGE_FIELDS},
    )
    # The forms and the API trim; a caller that does not (a task, the shell) must not store
    # " Handover " beside "Handover".
    for name in ("title", "holder", "attendees"):
        setattr(item, name, (getattr(item, name) or "").strip())
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        raise ValidationError({"ends_on": "The end is before the start."})
    if item.kind == KnowledgeTransferItem.Kind.ACCESS_WINDOW and not (
        item.starts_on and item.ends_on
    ):
        raise ValidationError({"ends_on": "An access window needs a start and an end."})
    _full_clean(item)
    item.save()
    audit_record(action="exit_planning.knowledge.created", actor=actor, obj=item)
    return item


@transaction.atomic
def knowledge_item_sign_off(
    *, item: KnowledgeTransferItem, actor: User, attendees: str, now: datetime
) -> KnowledgeTransferItem:
    item = KnowledgeTransferItem.objects.select_for_update().get(pk=item.pk)
    if item.signed_off_at is not None:
        raise ConflictError("This item is already signed off.", code="signed_off")
    attendees = (attendees or item.attendees or "").strip()
    if item.kind == KnowledgeTransferItem.Kind.TRAINING and not attendees:
        raise ValidationError({"attendees": "Record who attended the session."})
    item.attendees, item.signed_off_by, item.signed_off_at = attendees, actor, now
    item.save(update_fields=["attendees", "signed_off_by", "signed_off_at"])
    audit_record(action="exit_planning.knowledge.signed_off", actor=actor, obj=item)
    return item
