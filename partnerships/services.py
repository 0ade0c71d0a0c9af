"""Writes of the partnerships module: partners, partnerships, their lifecycle and guests."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from partnerships.models import PARTNERSHIP_LIFECYCLE, Partner, Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import Membership, Role, User

PARTNER_FIELDS = (
    "name",
    "legal_name",
    "country",
    "registration_number",
    "website",
    "category",
    "tier",
)
PARTNERSHIP_FIELDS = (
    "partner",
    "name",
    "code",
    "description",
    "kind",
    "category",
    "owner",
    "start_date",
    "end_date",
    "annual_value",
    "currency",
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
def partnership_create(
    *, actor: User | None, partner: Partner, name: str, code: str, **fields
) -> Partnership:
    partnership = Partnership(
        organization=require_organization(), partner=partner, name=name, code=code, **fields
    )
    partnership.full_clean()
    partnership.save()
    audit_record(action="partnerships.partnership.created", actor=actor, obj=partnership)
    return partnership


@transaction.atomic
def partnership_update(*, partnership: Partnership, actor: User | None, **fields) -> Partnership:
    changes = changed_fields(
        partnership, {k: v for k, v in fields.items() if k in PARTNERSHIP_FIELDS}
    )
    partnership.full_clean()
    partnership.save()
    if changes:
        audit_record(
            action="partnerships.partnership.updated",
            actor=actor,
            obj=partnership,
            changes=changes,
        )
    return partnership


@transaction.atomic
def partnership_transition(
    *, partnership: Partnership, actor: User | None, status: str
) -> Partnership:
    """Move a partnership along its lifecycle; an illegal step raises TransitionNotAllowed."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    PARTNERSHIP_LIFECYCLE.check(partnership.status, status)
    old = partnership.status
    partnership.status = status
    partnership.save(update_fields=["status", "updated_at"])
    audit_record(
        action=f"partnerships.partnership.{status}",
        actor=actor,
        obj=partnership,
        changes={"status": [old, status]},
    )
    return partnership


@transaction.atomic
def partnership_invite_guest(*, partnership: Partnership, guest: User, actor: User | None) -> None:
    """Let a partner's representative (role partner_guest) see this one partnership."""
    membership = Membership.objects.filter(
        organization=partnership.organization, user=guest, is_active=True
    ).first()
    if membership is None or membership.role != Role.PARTNER_GUEST:
        raise ValueError(f"{guest} is not a partner guest of this organization.")
    assign_perm("partnerships.view_partnership", guest, partnership)
    audit_record(
        action="partnerships.partnership.guest_invited",
        actor=actor,
        obj=partnership,
        changes={"guest": guest.email},
    )


@transaction.atomic
def partnership_remove_guest(*, partnership: Partnership, guest: User, actor: User | None) -> None:
    remove_perm("partnerships.view_partnership", guest, partnership)
    audit_record(
        action="partnerships.partnership.guest_removed",
        actor=actor,
        obj=partnership,
        changes={"guest": guest.email},
    )


@transaction.atomic
def partner_delete(*, partner: Partner, actor: User | None) -> None:
    if partner.partnerships.exists():
        raise ConflictError("This partner has partnerships; close or move them first.")
    audit_record(action="partnerships.partner.deleted", actor=actor, obj=partner)
    partner.delete()


@transaction.atomic
def partnership_delete(*, partnership: Partnership, actor: User | None) -> None:
    """Only a proposal that never went anywhere may be deleted; later ones are closed."""
    if partnership.status != Partnership.Status.PROPOSED:
        raise ConflictError(
            f"A partnership in status '{partnership.status}' is closed, never deleted."
        )
    audit_record(action="partnerships.partnership.deleted", actor=actor, obj=partnership)
    partnership.delete()
