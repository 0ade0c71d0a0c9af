"""Invitations, roles, deactivation, partner guests and organization settings."""

import secrets
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from tenancy.audit import audit_record
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import (
    INVITATION_LIFECYCLE,
    ApiKey,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)
from tenancy.money import currency_code_problem

_TOKEN_SALT = "tenancy.invitation"
# Roles an org admin hands out on the members page; guests come through a partnership.
MEMBER_ROLES = [value for value in Role.values if value != Role.PARTNER_GUEST]


class InvalidInvitation(Exception):
    """The link is not an invitation (tampered, unknown or replaced by a newer link)."""


# --- invitation links ---------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"o": invitation.organization_id, "i": invitation.pk, "n": invitation.nonce},
        salt=_TOKEN_SALT,
        compress=True,
    )


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation-accept", args=[invitation_token(invitation)])


def invitation_organization_from_token(token: str) -> tuple[Organization, dict]:
    """The organization a token names (so the caller can enter its scope), or InvalidInvitation.
    The signature is checked here; expiry and single use are the accept service's rules."""
    try:
        payload = signing.loads(token, salt=_TOKEN_SALT)
    except signing.BadSignature as exc:
        raise InvalidInvitation("This invitation link is not valid.") from exc
    organization = Organization.objects.filter(pk=payload.get("o")).first()
    if organization is None:
        raise InvalidInvitation("This invitation link is not valid.")
    return organization, payload


def invitation_from_payload(payload: dict) -> Invitation:
    """Inside the organization's scope: the invitation a verified token names."""
    invitation = (
        Invitation.objects.select_related("organization", "partnership")
        .filter(pk=payload.get("i"))
        .first()
    )
    if invitation is None or not secrets.compare_digest(invitation.nonce, payload.get("n", "")):
        raise InvalidInvitation(
            "This invitation link was replaced by a newer one or withdrawn. "
            "Use the latest e-mail, or ask for a new invitation."
        )
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    url = invitation_url(invitation)
    organization = invitation.organization
    where = f" to the partnership “{invitation.partnership}”" if invitation.partnership_id else ""
    inviter = invitation.invited_by.display_name if invitation.invited_by else "Partnerline"
    subject = f"[Partnerline] {inviter} invites you to {organization.name}"
    body = (
        f"{inviter} invites you to {organization.name}{where} on Partnerline, "
        f"as {invitation.get_role_display().lower()}.\n\n"
        f"Accept the invitation: {url}\n\n"
        f"The link works once and expires on {invitation.expires_at:%d %B %Y %H:%M} UTC."
    )
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [invitation.email], fail_silently=True)
    )


def _new_expiry(now: datetime) -> datetime:
    return now + settings.INVITATION_VALIDITY


# --- members ------------------------------------------------------------------------------


def _active_admin_count(organization: Organization, *, excluding: Membership) -> int:
    return (
        Membership.objects.filter(organization=organization, role=Role.ORG_ADMIN, is_active=True)
        .exclude(pk=excluding.pk)
        .count()
    )


@transaction.atomic
def member_invite(
    *,
    organization: Organization,
    email: str,
    role: str,
    actor: User,
    now: datetime,
    partnership=None,
) -> Invitation:
    """Invite `email` with `role` (a partner guest: to `partnership`). An earlier pending
    invitation of the same address (and partnership) is withdrawn: only the newest link works."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from exc
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the offered roles."})
    if role == Role.PARTNER_GUEST and partnership is None:
        raise ValidationError({"role": "Invite a partner guest from the partnership's page."})
    if role != Role.PARTNER_GUEST and partnership is not None:
        raise ValidationError({"role": "Only a partner guest is invited to one partnership."})
    existing = Membership.objects.filter(
        organization=organization, user__email__iexact=email, is_active=True
    ).first()
    if existing is not None and role != Role.PARTNER_GUEST:
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    if existing is not None and not existing.is_guest:
        raise ValidationError(
            {"email": f"{email} is a member of {organization.name} and sees every partnership."}
        )
    with tenant_scope(organization):
        superseded = Invitation.objects.filter(
            email=email, status=Invitation.Status.PENDING, partnership=partnership
        )
        for old in superseded:
            invitation_revoke(invitation=old, actor=actor, now=now)
        invitation = Invitation(
            organization=organization,
            email=email,
            role=role,
            partnership=partnership,
            nonce=secrets.token_hex(16),
            invited_by=actor,
            created_at=now,
            sent_at=now,
            expires_at=_new_expiry(now),
        )
        invitation.full_clean()
        invitation.save()
        audit_record(
            action="tenancy.invitation.created",
            actor=actor,
            obj=invitation,
            changes={
                "email": email,
                "role": role,
                "partnership": partnership.pk if partnership else None,
            },
        )
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User, now: datetime) -> Invitation:
    """A fresh link with a fresh expiry; the previous link stops working."""
    if invitation.status != Invitation.Status.PENDING:
        raise ConflictError(
            f"This invitation is {invitation.get_status_display().lower()}; "
            "invite the person again instead."
        )
    with tenant_scope(invitation.organization):
        invitation.nonce = secrets.token_hex(16)
        invitation.sent_at = now
        invitation.expires_at = _new_expiry(now)
        invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
        audit_record(action="tenancy.invitation.resent", actor=actor, obj=invitation)
    _send_invitation(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User, now: datetime) -> Invitation:
    """Withdraw a pending invitation. Judged on the row as it is now (locked, as the accept
    locks it): an invitation accepted since the caller read it stays accepted."""
    with tenant_scope(invitation.organization):
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        INVITATION_LIFECYCLE.check(invitation.status, Invitation.Status.REVOKED)
        invitation.status = Invitation.Status.REVOKED
        invitation.save(update_fields=["status"])
        audit_record(
            action="tenancy.invitation.revoked",
            actor=actor,
            obj=invitation,
            changes={"revoked_at": now.isoformat()},
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    now: datetime,
    user: User | None = None,
    full_name: str = "",
    password: str | None = None,
) -> Membership:
    """Accept once: `user` (signed in, same e-mail) or a new account with `password`.

    Grants the membership with the invited role (a guest: also the partnership's object
    permission) and marks the invitation used, under a row lock so a link works exactly once.
    """
    organization = invitation.organization
    with tenant_scope(organization):
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "partnership")
            .get(pk=invitation.pk)
        )
        if invitation.status == Invitation.Status.ACCEPTED:
            raise ConflictError("This invitation was already used. Sign in instead.")
        if invitation.status == Invitation.Status.REVOKED:
            raise ConflictError("This invitation was withdrawn. Ask for a new one.")
        INVITATION_LIFECYCLE.check(invitation.status, Invitation.Status.ACCEPTED)
        if invitation.is_expired(now):
            raise ConflictError("This invitation has expired. Ask for a new one.")
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError(
                    {"password": "An account with this e-mail exists: sign in to accept."}
                )
            user = User(email=invitation.email, full_name=(full_name or "").strip()[:200])
            try:
                validate_password(password or "", user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            user.set_password(password)
            user.save()
        elif user.email.lower() != invitation.email.lower():
            raise ValidationError(
                {"email": f"This invitation is for {invitation.email}; sign in as that address."}
            )
        existing = Membership.objects.filter(organization=organization, user=user).first()
        if existing is not None and existing.is_active and not existing.is_guest:
            membership = existing  # a member already: an extra guest invitation adds nothing
        else:
            membership, _ = Membership.objects.update_or_create(
                organization=organization,
                user=user,
                defaults={"role": invitation.role, "is_active": True},
            )
        if invitation.partnership_id and membership.is_guest:
            from partnerships.services import partnership_invite_guest

            partnership_invite_guest(
                partnership=invitation.partnership,  # type: ignore[arg-type]
                guest=user,
                actor=invitation.invited_by,
            )
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        audit_record(
            action="tenancy.invitation.accepted",
            actor=user,
            obj=invitation,
            changes={"role": membership.role, "user": user.email},
        )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": "Choose one of the offered roles."})
    if membership.is_guest:
        raise ValidationError(
            {"role": "A partner guest keeps the guest role; invite them as a member instead."}
        )
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.ORG_ADMIN
        and role != Role.ORG_ADMIN
        and _active_admin_count(membership.organization, excluding=membership) == 0
    ):
        raise ConflictError("The organization needs at least one active admin.")
    old = membership.role
    if old == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    with tenant_scope(membership.organization):
        audit_record(
            action="tenancy.membership.role_changed",
            actor=actor,
            obj=membership,
            changes={"role": [old, role], "user": membership.user.email},
        )
    return membership


@transaction.atomic
def membership_deactivate(
    *, membership: Membership, actor: User, reason: str, now: datetime
) -> Membership:
    """Remove a member at once: their next request to the organization is refused (the tenant
    middleware checks the membership on every request) and their API keys here are revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, for the audit log."})
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if not membership.is_active:
        raise ConflictError("This member is already deactivated.")
    if membership.user_id == actor.pk:
        raise ConflictError("You cannot deactivate yourself; ask another admin.")
    if (
        membership.role == Role.ORG_ADMIN
        and _active_admin_count(membership.organization, excluding=membership) == 0
    ):
        raise ConflictError("The organization needs at least one active admin.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    revoked = ApiKey.objects.filter(
        organization=membership.organization, user=membership.user, revoked_at__isnull=True
    ).update(revoked_at=now)
    with tenant_scope(membership.organization):
        audit_record(
            action="tenancy.membership.deactivated",
            actor=actor,
            obj=membership,
            changes={
                "user": membership.user.email,
                "reason": reason[:500],
                "api_keys_revoked": revoked,
            },
        )
    return membership


@transaction.atomic
def partnership_guest_remove(*, partnership, guest: User, actor: User, now: datetime) -> None:
    """Take one partnership away from a guest; a guest left with none is deactivated, so the
    organization's address answers them like a stranger."""
    from partnerships.models import PartnershipUserObjectPermission
    from partnerships.services import partnership_remove_guest

    organization = partnership.organization
    membership = Membership.objects.filter(
        organization=organization, user=guest, role=Role.PARTNER_GUEST
    ).first()
    if membership is None:
        raise ValidationError({"user": "This person is not a partner guest here."})
    with tenant_scope(organization):
        partnership_remove_guest(partnership=partnership, guest=guest, actor=actor)
        for invitation in Invitation.objects.filter(
            partnership=partnership, email__iexact=guest.email, status=Invitation.Status.PENDING
        ):
            invitation_revoke(invitation=invitation, actor=actor, now=now)
        remaining = PartnershipUserObjectPermission.objects.filter(user=guest).exists()
    if not remaining and membership.is_active:
        membership_deactivate(
            membership=membership,
            actor=actor,
            reason=f"No partnership left after removal from {partnership}",
            now=now,
        )


# --- API keys and settings ----------------------------------------------------------------


LOGO_MAX_BYTES = 512 * 1024
_LOGO_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # PNG, JPEG: no SVG (scripts)


def _is_png_or_jpeg(upload) -> bool:
    head = upload.read(8)
    upload.seek(0)
    return any(head.startswith(signature) for signature in _LOGO_SIGNATURES)


@transaction.atomic
def organization_update_settings(
    *,
    organization: Organization,
    actor: User,
    name: str,
    default_currency: str,
    time_zone: str,
    logo=None,
    remove_logo: bool = False,
) -> Organization:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the organization a name."
    currency = (default_currency or "").strip().upper()
    if problem := currency_code_problem(currency):
        errors["default_currency"] = problem
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = "Choose a time zone from the list."
    if logo is not None:
        if logo.size > LOGO_MAX_BYTES:
            errors["logo"] = "The logo may be at most 512 KB."
        elif not _is_png_or_jpeg(logo):
            errors["logo"] = "Upload a PNG or JPEG image."
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = {}
    for field, value in (
        ("name", name),
        ("default_currency", currency),
        ("time_zone", time_zone),
    ):
        if getattr(organization, field) != value:
            changes[field] = [getattr(organization, field), value]
            setattr(organization, field, value)
    storage, previous_logo = organization.logo.storage, organization.logo.name or ""
    if remove_logo and organization.logo:
        organization.logo = ""
        changes["logo"] = "removed"  # type: ignore[assignment]
    elif logo is not None:
        organization.logo.save(f"{organization.slug}-{logo.name}"[-100:], logo, save=False)
        changes["logo"] = "replaced"  # type: ignore[assignment]
    try:
        organization.full_clean()
        organization.save()
        if changes:
            with tenant_scope(organization):
                audit_record(
                    action="tenancy.organization.settings_changed",
                    actor=actor,
                    obj=organization,
                    changes=changes,
                )
    except Exception:
        uploaded = organization.logo.name or ""
        if uploaded and uploaded != previous_logo:
            storage.delete(uploaded)  # the new file would be left an orphan
        raise
    if previous_logo and previous_logo != organization.logo.name:
        # A replaced or removed logo's file goes once the change is committed: a change rolled
        # back later still points at it. Robust: a file the storage cannot delete is logged, and
        # the saved settings are not reported as a failure.
        transaction.on_commit(lambda: storage.delete(previous_logo), robust=True)
    return organization
