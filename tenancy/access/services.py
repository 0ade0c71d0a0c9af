"""Writes of organization administration: invitations, roles, deactivation, partner guests,
API-key administration and organization settings.

Every function takes the clock as `now=` and records an audit event. Membership and ApiKey are
boundary tables (no row-level security), so each query names the organization explicitly.
"""

import contextlib
import secrets
import zoneinfo
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from tenancy.access.domains import (
    DomainLookupFailed,
    challenge_name,
    expected_record,
    txt_records,
)
from tenancy.audit import audit_record
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.lifecycle import lifecycle
from tenancy.models import ApiKey, Invitation, Membership, Organization, Role, User
from tenancy.money import currency_code_problem

INVITATION_LIFECYCLE = lifecycle(
    "invitation",
    {
        Invitation.Status.PENDING: {Invitation.Status.ACCEPTED, Invitation.Status.REVOKED},
    },
)
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
    if remove_logo and organization.logo:
        organization.logo.delete(save=False)
        organization.logo = ""
        changes["logo"] = "removed"  # type: ignore[assignment]
    elif logo is not None:
        organization.logo.save(f"{organization.slug}-{logo.name}"[-100:], logo, save=False)
        changes["logo"] = "replaced"  # type: ignore[assignment]
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
    return organization


# --- single sign-on (OpenID Connect) --------------------------------------------------------


def _clean_domains(raw: str) -> list[str]:
    domains = []
    for part in (raw or "").replace("\n", ",").split(","):
        domain = part.strip().lower().lstrip("@")
        if domain and domain not in domains:
            domains.append(domain)
    return domains


@transaction.atomic
def sso_configure(
    *,
    organization: Organization,
    actor: User,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: str,
    role_claim: str,
    default_role: str,
    allow_jit: bool,
    is_enabled: bool,
    now: datetime,
):
    """Set the organization's OpenID Connect provider. An empty secret keeps the stored one."""
    from django.core.validators import URLValidator

    from tenancy.models import SingleSignOn

    config = SingleSignOn.objects.filter(organization=organization).first()
    errors = {}
    issuer = (issuer or "").strip().rstrip("/")
    try:
        URLValidator(schemes=["https", "http"])(issuer)
    except ValidationError:
        errors["issuer"] = "Enter the provider's issuer URL, e.g. https://login.example.com."
    else:
        if issuer.startswith("http:") and not settings.SSO_ALLOW_HTTP_ISSUER:
            errors["issuer"] = "The issuer must use https."
    domains = _clean_domains(email_domains)
    if not domains:
        errors["email_domains"] = "Give at least one e-mail domain, e.g. example.com."
    if role_claim and not role_claim.replace("_", "").replace("-", "").replace(".", "").isalnum():
        errors["role_claim"] = "Use the claim's plain name, e.g. partnerline_role."
    if default_role not in MEMBER_ROLES:
        errors["default_role"] = "Choose one of the offered roles."
    secret = (client_secret or "").strip() or (config.client_secret if config else "")
    if not secret:
        errors["client_secret"] = "Enter the client secret the provider gave you."
    if not (client_id or "").strip():
        errors["client_id"] = "Enter the client id the provider gave you."
    # A domain removed from the list loses its proof; the others keep theirs.
    verified = [d for d in (config.verified_domains if config else []) if d in domains]
    if is_enabled and _domains_taken(verified, organization=organization):
        errors["email_domains"] = "One of these domains already signs in to another organization."
    if errors:
        raise ValidationError(errors)
    config = config or SingleSignOn(organization=organization)
    config.domain_token = config.domain_token or secrets.token_urlsafe(24)
    before = {
        "issuer": config.issuer,
        "client_id": config.client_id,
        "email_domains": list(config.email_domains or []),
        "verified_domains": list(config.verified_domains or []),
        "role_claim": config.role_claim,
        "default_role": config.default_role,
        "allow_jit": config.allow_jit,
        "is_enabled": config.is_enabled,
    }
    config.issuer = issuer
    config.client_id = client_id.strip()
    secret_changed = secret != config.client_secret
    config.client_secret = secret
    config.email_domains = domains
    config.verified_domains = verified
    config.role_claim = (role_claim or "").strip()
    config.default_role = default_role
    config.allow_jit = allow_jit
    config.is_enabled = is_enabled
    config.updated_at = now
    config.save()
    after = {key: getattr(config, key) for key in before}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if secret_changed:
        changes["client_secret"] = "replaced"  # type: ignore[assignment]  # never the secret
    with tenant_scope(organization):
        audit_record(
            action="tenancy.single_sign_on.configured", actor=actor, obj=config, changes=changes
        )
    return config


def _domains_taken(domains: list[str], *, organization: Organization) -> list[str]:
    """Which of `domains` another enabled organization has proven and signs in with."""
    from tenancy.models import SingleSignOn

    if not domains:
        return []
    others = SingleSignOn.objects.filter(
        is_enabled=True, verified_domains__overlap=domains
    ).exclude(organization=organization)
    return sorted({d for config in others for d in config.verified_domains if d in domains})


# What a domain check found, per domain, in the admin's words.
DOMAIN_VERIFIED = "verified"
DOMAIN_ALREADY = "already verified"


@transaction.atomic
def sso_domains_verify(
    *,
    organization: Organization,
    actor: User,
    now: datetime,
    lookup: Callable[[str], list[str]] | None = None,
) -> dict[str, str]:
    """Check the DNS of each of the organization's single sign-on domains not yet proven: the
    TXT record `partnerline-domain-verification=<token>` at `_partnerline-challenge.<domain>`
    proves it. Returns, per domain, what was found ("verified", "already verified" or why not);
    the newly proven ones are audited."""
    from tenancy.models import SingleSignOn

    config = SingleSignOn.objects.select_for_update().filter(organization=organization).first()
    if config is None:
        raise ConflictError("Set up single sign-on first.", code="not_configured")
    lookup = lookup or txt_records  # the DNS (tests hand in its answer)
    expected = expected_record(config.domain_token)
    found: dict[str, str] = {}
    newly = []
    for domain in config.email_domains:
        if domain in config.verified_domains:
            found[domain] = DOMAIN_ALREADY
            continue
        try:
            records = lookup(challenge_name(domain))
        except DomainLookupFailed:
            found[domain] = "the DNS did not answer; try again in a few minutes"
            continue
        if expected not in records:
            found[domain] = (
                f"no TXT record “{expected}” at {challenge_name(domain)} yet (DNS changes "
                "can take an hour to show)"
            )
        elif _domains_taken([domain], organization=organization):
            found[domain] = "another organization signs in with this domain"
        else:
            found[domain] = DOMAIN_VERIFIED
            newly.append(domain)
    if newly:
        config.verified_domains = [*config.verified_domains, *newly]
        config.updated_at = now
        config.save(update_fields=["verified_domains", "updated_at"])
        with tenant_scope(organization):
            audit_record(
                action="tenancy.single_sign_on.domains_verified",
                actor=actor,
                obj=config,
                changes={"domains": newly},
            )
    return found


@transaction.atomic
def single_sign_on_secrets_reencrypt() -> int:
    """Re-encrypt every stored client secret with the first of FIELD_ENCRYPTION_KEYS (after a
    key rotation; plaintext left from before encryption is encrypted too). Returns how many."""
    from tenancy.models import SingleSignOn

    configs = list(SingleSignOn.objects.select_for_update())
    for config in configs:  # reading decrypts with any key; saving encrypts with the first
        config.save(update_fields=["client_secret"])
    return len(configs)


class SingleSignOnRefused(Exception):
    """The provider vouched for someone this organization does not let in (a message to show)."""


def _role_from_claims(config, claims: dict) -> str | None:
    value = claims.get(config.role_claim) if config.role_claim else None
    values = value if isinstance(value, list) else [value]
    labels = {label.lower(): code for code, label in Role.choices}
    for candidate in values:
        if not isinstance(candidate, str):
            continue
        code = candidate.strip().lower()
        code = labels.get(code, code)
        if code in MEMBER_ROLES:
            return code
    return None


@transaction.atomic
def sso_sign_in(*, config, claims: dict, now: datetime) -> User:
    """The user an ID token (already verified: signature, issuer, audience, nonce, expiry)
    stands for, with the membership and role the organization's rules give them."""
    organization = config.organization
    email = (claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise SingleSignOnRefused("Your provider did not confirm an e-mail address.")
    if email.rsplit("@", 1)[-1] not in config.verified_domains:
        raise SingleSignOnRefused(f"{email} is not in a domain that signs in to {organization}.")
    claimed_role = _role_from_claims(config, claims)
    user = User.objects.filter(email__iexact=email).first()
    membership = (
        Membership.objects.filter(organization=organization, user=user).first() if user else None
    )
    active = membership is not None and membership.is_active
    with tenant_scope(organization):
        # A newcomer's invitation, or a removed member's new one (their account signs in only
        # with the provider: it has no password to sign in with and accept the link).
        invitation = (
            None
            if active
            else Invitation.objects.filter(
                email__iexact=email, status=Invitation.Status.PENDING, expires_at__gt=now
            )
            .order_by("-created_at")
            .first()
        )
    if membership is not None and not active and invitation is None:
        raise SingleSignOnRefused(
            f"Your access to {organization} was removed. Ask an administrator to invite you again."
        )
    if user is not None and membership is None:
        # An account that exists already (it belongs to other organizations) joins this one
        # only by its owner's consent: accepting the invitation signed in with the account's
        # own password. Never because this organization's provider names its address, nor
        # because its admin invited that address (tenancy/sessions.py says why).
        raise SingleSignOnRefused(
            "You already have a Partnerline account. Open the invitation from your e-mail and "
            "sign in with your password to accept it."
            if invitation is not None
            else f"You already have a Partnerline account. Ask an administrator of "
            f"{organization} to invite you."
        )
    if membership is None and invitation is None and not config.allow_jit:
        raise SingleSignOnRefused(
            f"You are not a member of {organization} yet. Ask an administrator to invite you."
        )
    if user is None:
        user = User(email=email, full_name=str(claims.get("name") or "")[:200])
        user.set_unusable_password()
        user.save()
    if invitation is not None:
        membership = invitation_accept(invitation=invitation, user=user, now=now)
    if membership is None:
        membership = Membership.objects.create(
            organization=organization, user=user, role=claimed_role or config.default_role
        )
        with tenant_scope(organization):
            audit_record(
                action="tenancy.membership.granted",
                actor=user,
                obj=membership,
                changes={"user": email, "role": membership.role, "via": "single sign-on"},
            )
    elif claimed_role and claimed_role != membership.role and not membership.is_guest:
        # The provider cannot demote the last admin: they keep their role.
        with contextlib.suppress(ConflictError):
            membership_change_role(membership=membership, role=claimed_role, actor=user)
    return user
