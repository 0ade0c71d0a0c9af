"""Writes of partners (supplier companies)."""

from django.db import transaction

from partnerships.models import Partner
from tenancy.audit import audit_reason, audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User

PARTNER_FIELDS = (
    "name",
    "legal_name",
    "country",
    "registration_number",
    "website",
    "category",
    "tier",
    "industry",
    "categories",
    "regions_served",
    "size",
)


@transaction.atomic
def partner_create(*, actor: User | None, name: str, **fields) -> Partner:
    partner = Partner(organization=require_organization(), name=name, **fields)
    partner.full_clean()
    partner.save()
    audit_record(action="partnerships.partner.created", actor=actor, obj=partner)
    return partner


@transaction.atomic
def partner_update(*, partner: Partner, actor: User | None, **fields) -> Partner:
    changes = changed_fields(partner, {k: v for k, v in fields.items() if k in PARTNER_FIELDS})
    partner.full_clean()
    partner.save()
    if changes:
        audit_record(
            action="partnerships.partner.updated", actor=actor, obj=partner, changes=changes
        )
    return partner


@transaction.atomic
def partner_delete(*, partner: Partner, actor: User | None, reason: str) -> None:
    """Delete a partner entered by mistake, saying why (the audit event keeps it). A partner
    with partnerships is kept with their history."""
    if partner.partnerships.exists():
        raise ConflictError(
            "This partner has partnerships and is kept with their history; only a partner "
            "without partnerships is deleted.",
            code="has_partnerships",
        )
    reason = audit_reason(reason)
    audit_record(
        action="partnerships.partner.deleted",
        actor=actor,
        obj=partner,
        changes={"name": partner.name, "reason": reason},
    )
    partner.delete()
