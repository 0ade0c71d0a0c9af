"""Writes of the tenancy app: organizations, memberships, API keys, notifications."""

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction

from tenancy.audit import audit_record, audit_value, lock_fresh
from tenancy.context import require_organization, tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import ApiKey, Membership, Notification, Organization, Role, User
from tenancy.money import currency_code_problem
from tenancy.permissions import guests_invited
from tenancy.selectors import people_to_pick


def organization_create(*, name: str, slug: str, default_currency: str = "EUR") -> Organization:
    currency = (default_currency or "").strip().upper()
    if problem := currency_code_problem(currency):
        raise ValidationError({"default_currency": problem})
    organization = Organization(name=name, slug=slug, default_currency=currency)
    organization.full_clean()
    organization.save()
    with tenant_scope(organization):
        audit_record(action="tenancy.organization.created", obj=organization)
    return organization


def membership_grant(
    *, organization: Organization, user: User, role: str, actor=None
) -> Membership:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role, "is_active": True}
    )
    with tenant_scope(organization):
        audit_record(
            action="tenancy.membership.granted",
            actor=actor,
            obj=membership,
            changes={"user": user.email, "role": role},
        )
    return membership


def require_staff(
    record: models.Model, *fields: str, changes: Collection[str] | None = None
) -> None:
    """The rule behind every owner, reviewer and sponsor: the person in each of `fields` of
    `record` is one of its organization's active staff, as the pages' pickers offer them
    (`people_to_pick`). A partner guest is the supplier's employee and never owns the buyer's
    records (an owner is told of them); someone who left owns nothing new. Raises a
    ValidationError naming each refused field; an empty field passes.

    On an edit, pass `changes` (what `changed_fields` returned): only the people it changed are
    checked, so an owner who has since left stays on the record, and the edit page keeps showing
    them, until someone else is chosen. A record not yet saved belongs to the tenant in context.
    One query, none when nobody is named."""
    named = {
        field: getattr(record, f"{field}_id")
        for field in fields
        if getattr(record, f"{field}_id") is not None and (changes is None or field in changes)
    }
    if not named:
        return
    staff = set(
        people_to_pick(organization=record.organization_id or require_organization().pk)  # type: ignore[attr-defined]
        .filter(pk__in=set(named.values()))
        .values_list("pk", flat=True)
    )
    errors = {
        field: f"{getattr(record, field)} is not one of this organization's active staff; "
        "choose a colleague."
        for field, pk in named.items()
        if pk not in staff
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def responsibilities_hand_over(
    *, organization: Organization, from_user: User, to_user: User | None, actor: User
) -> list[tuple[str, int]]:
    """Hand everything `from_user` still answers for (tenancy.handover: the open risks,
    agreements, tasks …) to `to_user`, one of the organization's active staff, at once: when a
    member moves on, their work does not fall silently to the admins. Returns (label, count) of
    what moved. Each record's own trail gets a `<app>.<model>.handed_over` event, the member's a
    summary, and the new owner is told."""
    from tenancy.handover import responsibilities

    if to_user is None:
        raise ValidationError({"to_user": "Choose the colleague who takes the work over."})
    if to_user.pk == from_user.pk:
        raise ValidationError({"to_user": "Choose someone else than the member themselves."})
    if not people_to_pick(organization=organization).filter(pk=to_user.pk).exists():
        raise ValidationError(
            {"to_user": f"{to_user} is not one of this organization's active staff."}
        )
    if Membership.objects.filter(
        organization=organization, user=from_user, role=Role.PARTNER_GUEST
    ).exists():
        raise ConflictError("A partner guest's work stays with the partner's side.")
    moved = []
    with tenant_scope(organization):
        change = [audit_value(from_user), audit_value(to_user)]
        for item in (item for item in responsibilities() if item.moves):
            # Locked and read first: each record's own trail says who took it over.
            rows = list(item.queryset(from_user.pk).select_for_update())
            if not rows:
                continue
            type(rows[0]).objects.filter(pk__in=[row.pk for row in rows]).update(
                **{f"{item.field}_id": to_user.pk}
            )
            for row in rows:
                audit_record(
                    action=f"{row._meta.app_label}.{row._meta.model_name}.handed_over",
                    actor=actor,
                    obj=row,
                    changes={item.field: change},
                )
            moved.append((item.label, len(rows)))
        if moved:
            summary = "; ".join(f"{label}: {count:,}" for label, count in moved)
            audit_record(
                action="tenancy.membership.handed_over",
                actor=actor,
                obj=Membership.objects.get(organization=organization, user=from_user),
                changes={"from": from_user.email, "to": to_user.email, "moved": dict(moved)},
            )
            notify(
                recipients=[to_user],
                title=f"{from_user} handed their work over to you",
                body=f"You now answer for what {from_user} answered for: {summary}.",
                url=f"/o/{organization.slug}/",
                email=True,
            )
    return moved


def api_key_create(
    *,
    organization: Organization,
    user: User,
    name: str,
    scope: str = ApiKey.Scope.READ_WRITE,
    expires_at=None,
    now: datetime,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is never stored nor shown again."""
    membership = Membership.objects.filter(
        organization=organization, user=user, is_active=True
    ).first()
    if membership is None:
        raise PermissionError(f"{user} is not a member of {organization}.")
    if scope not in ApiKey.Scope.values:
        raise ValidationError({"scope": "Choose read only or read and write."})
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        organization=organization,
        user=user,
        membership=membership,
        name=name.replace("\x00", "").strip() or "API key",
        prefix=prefix,
        key_hash=ApiKey.hash_secret(secret),
        scope=scope,
        expires_at=expires_at,
    )
    key.full_clean(exclude=["key_hash", "prefix"])  # the name's length, in the user's words
    key.save()
    with tenant_scope(organization):
        audit_record(
            action="tenancy.api_key.created",
            actor=user,
            obj=key,
            changes={"scope": scope, "expires_at": expires_at},
        )
    return key, f"pl_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User, now: datetime) -> ApiKey:
    """Revoke a key: its owner does, or an org admin for any key of the organization (the
    caller checks which; the audit event says whose key it was)."""
    lock_fresh(api_key)  # revoked since the page was opened: the first revocation stands
    if api_key.revoked_at is None:
        api_key.revoked_at = now
        api_key.save(update_fields=["revoked_at"])
        changes = {} if actor.pk == api_key.user_id else {"owner": api_key.user.email}
        with tenant_scope(api_key.organization):
            audit_record(
                action="tenancy.api_key.revoked", actor=actor, obj=api_key, changes=changes
            )
    return api_key


def api_key_authenticate(raw_key: str, *, now: datetime) -> ApiKey | None:
    """The active, unexpired key matching `raw_key`, or None. Constant-time hash comparison.

    One query reads the key with its membership, organization and user: `key.membership` is the
    caller's active membership (None for a key whose membership is inactive), so the tenant
    middleware needs no second query."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != "pl" or not parts[1] or not parts[2]:
        return None
    key = (
        ApiKey.objects.select_related("user", "organization", "membership")
        .filter(prefix=parts[1], revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None or not secrets.compare_digest(key.key_hash, ApiKey.hash_secret(parts[2])):
        return None
    if key.is_expired(now):
        return None
    if key.membership is not None:
        if key.membership.is_active:
            # The same rows as the key's own: no query when the middleware reads them.
            key.membership.organization = key.organization
            key.membership.user = key.user
        else:
            key.membership = None
    # Writing last_used_at on every call would make each API read a write; a minute is enough.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def notify(
    *,
    recipients,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    email: bool = True,
    about=None,
) -> list[Notification]:
    """Tell `recipients` something, in the app and by e-mail, in the current organization.

    With a `dedupe_key`, each recipient gets the notification (and the e-mail) once, however
    often a job calls this: that is what makes reminder and alert jobs idempotent.

    Only active members of this organization (staff and partner guests) are told: someone who
    has left, whose account is switched off or who belongs to another organization gets
    neither the notification nor the e-mail, whoever the caller named (an approver or requester
    who left, a record's former owner).

    `about`: the partnership the news concerns. A partner guest hears of it only while invited
    to that partnership: a guest taken off it (still a guest of another) is not told of its
    meetings, change requests or reviews any more.
    """
    organization = require_organization()
    named = {u.pk: u for u in recipients if u is not None}
    roles = (
        dict(
            Membership.objects.filter(
                organization=organization, user__in=named, is_active=True, user__is_active=True
            ).values_list("user_id", "role")
        )
        if named
        else {}
    )
    members = {pk for pk, role in roles.items() if role != Role.PARTNER_GUEST}
    guests = set(roles) - members
    if guests and about is not None:
        guests &= guests_invited(about, guests)
    members |= guests
    created = []
    for user in (user for pk, user in named.items() if pk in members):
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    organization=organization,
                    recipient=user,
                    title=title[:200],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            continue  # already notified under this key
        created.append(notification)
        if email and user.email:
            # EMAIL_BACKEND is the transactional outbox: the mail is a row written in this
            # transaction, delivered by a worker after the commit (tenancy/outbox.py).
            link = f"{settings.SITE_URL}{url}" if url else ""
            send_mail(
                subject=f"[Partnerline] {title}",
                message=f"{body}\n\n{link}".strip(),
                from_email=None,
                recipient_list=[user.email],
            )
    return created


def notification_mark_read(*, notification: Notification, now: datetime) -> None:
    """Read once: the first reading's time stays."""
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user: User, now: datetime) -> int:
    """Every unread notification of `user` (never another's) read at `now`; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)


def notifications_purge_read(*, now: datetime, older_than_days: int = 90) -> int:
    """Delete notifications read more than `older_than_days` ago (unread ones stay)."""
    cutoff = now - timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted
