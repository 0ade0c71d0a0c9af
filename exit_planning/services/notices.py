"""Stakeholder notices: drafted, sent, and the continuity of service recorded."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction

from exit_planning.models import ExitPlan, StakeholderNotice
from exit_planning.services._shared import _full_clean
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User


@transaction.atomic
def notice_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    stakeholder: str,
    email: str = "",
    kind: str,
    message: str,
) -> StakeholderNotice:
    errors = {}
    if not (stakeholder or "").strip():
        errors["stakeholder"] = "Name who is told."
    if not (message or "").strip():
        errors["message"] = "Write what they are told."
    if errors:
        raise ValidationError(errors)
    notice = StakeholderNotice(
        organization=require_organization(),
        plan=plan,
        stakeholder=(stakeholder or "").strip(),
        email=(email or "").strip(),
        kind=kind,
        message=(message or "").strip(),
    )
    _full_clean(notice)
    notice.save()
    audit_record(action="exit_planning.notice.created", actor=actor, obj=notice)
    return notice


@transaction.atomic
def notice_send(*, notice: StakeholderNotice, actor: User, now: datetime) -> StakeholderNotice:
    """Log the notice as sent (and e-mail it when an address is known)."""
    notice = (
        StakeholderNotice.objects.select_for_update()
        .select_related("plan__partnership")
        .get(pk=notice.pk)
    )
    if notice.sent_at is not None:
        raise ConflictError(f"Already sent on {notice.sent_at:%d %b %Y}.", code="sent")
    if notice.email:
        # EMAIL_BACKEND is the transactional outbox: the mail is a row of this transaction,
        # delivered after the commit (tenancy/outbox.py).
        send_mail(f"Notice: {notice.plan.partnership.name}", notice.message, None, [notice.email])
    notice.sent_at, notice.sent_by = now, actor
    notice.save(update_fields=["sent_at", "sent_by"])
    audit_record(action="exit_planning.notice.sent", actor=actor, obj=notice)
    return notice


@transaction.atomic
def notice_continuity_record(
    *, notice: StakeholderNotice, actor: User | None, continuity_ok: bool, note: str = ""
) -> StakeholderNotice:
    if not continuity_ok and not (note or "").strip():
        raise ValidationError({"continuity_note": "Say what is at risk for this stakeholder."})
    changes = changed_fields(
        notice, {"continuity_ok": continuity_ok, "continuity_note": (note or "").strip()}
    )
    notice.save()
    audit_record(action="exit_planning.notice.continuity", actor=actor, obj=notice, changes=changes)
    return notice
