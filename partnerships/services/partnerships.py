"""Writes of partnerships: create, edit, the lifecycle with its guards, guests."""

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from partnerships.models import PARTNERSHIP_LIFECYCLE, DueDiligenceItem, Partner, Partnership
from partnerships.signals import partnership_move_blockers, partnership_moved
from tenancy.audit import audit_reason, audit_record, changed_fields, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import Membership, Role, User
from tenancy.services import require_staff

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
    "executive_sponsor",
    "partner_sponsor_name",
    "partner_sponsor_email",
)
PEOPLE = ("owner", "executive_sponsor")  # the buyer's own staff (require_staff)
STATUS_LABELS = dict(Partnership.Status.choices)


@transaction.atomic
def partnership_create(
    *, actor: User | None, partner: Partner, name: str, code: str, **fields
) -> Partnership:
    organization = require_organization()
    partnership = Partnership(
        organization=organization, partner=partner, name=name, code=code, **fields
    )
    require_staff(partnership, *PEOPLE)
    partnership.full_clean()
    partnership.save()
    audit_record(action="partnerships.partnership.created", actor=actor, obj=partnership)
    return partnership


@transaction.atomic
def partnership_update(*, partnership: Partnership, actor: User | None, **fields) -> Partnership:
    changes = changed_fields(
        partnership, {k: v for k, v in fields.items() if k in PARTNERSHIP_FIELDS}
    )
    require_staff(partnership, *PEOPLE, changes=changes)
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


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def transition_blockers(partnership: Partnership, status: str) -> list[str]:
    """Why `partnership` cannot move to `status` now, in the user's words (empty: it can).

    The lifecycle's order, and the guard that a partnership leaves due diligence for
    negotiating only when every mandatory checklist item has passed or was waived. Closing
    (abandoning the candidate) stays possible with items open. Then what other modules hold
    against the step (`partnership_move_blockers`: an exit under way closes from its plan).
    """
    current = partnership.status
    allowed = PARTNERSHIP_LIFECYCLE.allowed_from(current)
    if status not in allowed:
        options = " or ".join(_label(s) for s in sorted(allowed, key=_order)) or "nowhere"
        return [
            f"A partnership in {_label(current)} cannot move to {_label(status)}; "
            f"from {_label(current)} it can move to {options}."
        ]
    if current == Partnership.Status.DUE_DILIGENCE and status == Partnership.Status.NEGOTIATING:
        open_items = DueDiligenceItem.objects.filter(
            partnership=partnership, mandatory=True
        ).exclude(status__in=DueDiligenceItem.SETTLED_STATUSES)
        names = [f"“{item.title}” ({item.get_status_display().lower()})" for item in open_items]
        if names:
            return ["Mandatory due-diligence items are not settled: " + ", ".join(names) + "."]
    # What other modules hold against the step (partnerships/signals.py).
    return [
        reason
        for _, reasons in partnership_move_blockers.send(
            sender=Partnership, partnership=partnership, status=status
        )
        for reason in reasons or ()
    ]


def _order(status: str) -> int:
    return Partnership.Status.values.index(status)


# The steps that end a partnership: from these there is no way back to a live partnership, so
# each is taken with a reason, kept in the audit trail (and the pages confirm it first).
REASON_NEEDED: dict[str, str] = {
    Partnership.Status.EXITING: "Starting the exit needs a reason: it cannot be undone.",
    Partnership.Status.CLOSED: "Closing a partnership needs a reason.",
}


def transition_needs_reason(status: str) -> bool:
    return status in REASON_NEEDED


@transaction.atomic
def partnership_transition(
    *, partnership: Partnership, actor: User | None, status: str, reason: str = ""
) -> Partnership:
    """Move a partnership along its lifecycle; a refused step raises TransitionNotAllowed (409)
    with every reason. Starting the exit and closing need a reason (pages, API and the exit plan
    alike), kept in the audit trail. Other modules follow the step through `partnership_moved`
    (partnerships/signals.py), in the same transaction; one that refuses it rolls it back."""
    reason = (reason or "").strip()
    if status in REASON_NEEDED and not reason:
        raise ValidationError({"reason": REASON_NEEDED[status]})
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    blockers = transition_blockers(partnership, status)
    if blockers:
        raise TransitionNotAllowed(" ".join(blockers))
    PARTNERSHIP_LIFECYCLE.check(partnership.status, status)
    old = partnership.status
    partnership.status = status
    partnership.save(update_fields=["status", "updated_at"])
    partnership_moved.send(
        sender=Partnership,
        partnership=partnership,
        old=old,
        status=status,
        actor=actor,
        reason=reason,
    )
    audit_record(
        action=f"partnerships.partnership.{status}",
        actor=actor,
        obj=partnership,
        changes={"status": [old, status], **({"reason": reason} if reason else {})},
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
def partnership_delete(*, partnership: Partnership, actor: User | None, reason: str) -> None:
    """Only a proposal that never went anywhere may be deleted, saying why (the audit event
    keeps it); later ones are closed."""
    lock_fresh(partnership)  # moved on since the page was opened: closed, never deleted
    if partnership.status != Partnership.Status.PROPOSED:
        raise ConflictError(
            f"A partnership in {_label(partnership.status)} is closed, never deleted."
        )
    reason = audit_reason(reason)
    audit_record(
        action="partnerships.partnership.deleted",
        actor=actor,
        obj=partnership,
        changes={"name": partnership.name, "reason": reason},
    )
    partnership.delete()
