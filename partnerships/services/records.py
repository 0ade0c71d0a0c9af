"""Create, update and delete of the simple records around partners and partnerships (contacts,
yearly financials, certifications, sub-tier links, stakeholders, objectives, joint objectives,
exclusivities, joint IP, onboarding milestones). Their rules are field rules and cross-reference
rules on the model (`clean()`), so one set of services serves them all: validate, save in a
transaction, record the audit event `partnerships.<model>.<created|updated|deleted>`."""

from django.db import models, transaction

from tenancy.audit import audit_reason, audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.services import require_staff

# A stakeholder linked to a user is one of the buyer's own people (the API's StaffField, the
# page's picker); the partner's stakeholders are named, not linked.
STAFF_FIELDS: dict[str | None, tuple[str, ...]] = {"stakeholder": ("user",)}


def _action(record: models.Model, verb: str) -> str:
    return f"partnerships.{record._meta.model_name}.{verb}"


@transaction.atomic
def record_create(*, model: type[models.Model], actor: User | None, **fields) -> models.Model:
    record = model(organization=require_organization(), **fields)
    require_staff(record, *STAFF_FIELDS.get(record._meta.model_name, ()))
    record.full_clean()
    record.save()
    audit_record(action=_action(record, "created"), actor=actor, obj=record)
    return record


@transaction.atomic
def record_update(*, record: models.Model, actor: User | None, **fields) -> models.Model:
    changes = changed_fields(record, fields)
    require_staff(record, *STAFF_FIELDS.get(record._meta.model_name, ()), changes=changes)
    record.full_clean()
    record.save()
    if changes:
        audit_record(action=_action(record, "updated"), actor=actor, obj=record, changes=changes)
    return record


@transaction.atomic
def record_delete(*, record: models.Model, actor: User | None, reason: str) -> None:
    """Delete a record, with a reason (the page's confirmation and the API's `?reason=`), kept
    in the audit event. A record something else still points at for good is refused, not a
    crash."""
    reason = audit_reason(reason)
    audit_record(
        action=_action(record, "deleted"),
        actor=actor,
        obj=record,
        changes={"label": str(record), "reason": reason},
    )
    try:
        with transaction.atomic():
            record.delete()
    except models.ProtectedError as error:
        raise ConflictError(
            f"“{record}” is still used elsewhere and cannot be deleted.", code="in_use"
        ) from error
