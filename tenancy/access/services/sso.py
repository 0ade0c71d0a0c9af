"""Single sign-on (OpenID Connect): the organization's provider, the proof of its domains and
the sign-in itself (tenancy/access/sso.py is the browser's side)."""

import contextlib
import secrets
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tenancy.access.domains import (
    DomainLookupFailed,
    challenge_name,
    expected_record,
    txt_records,
)
from tenancy.access.services.members import (
    MEMBER_ROLES,
    invitation_accept,
    membership_change_role,
)
from tenancy.audit import audit_record
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import Invitation, Membership, Organization, Role, User

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
    role_claim = (role_claim or "").strip()
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
    config.role_claim = role_claim
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
    try:
        validate_email(email)
    except ValidationError as exc:
        shown = "".join(c for c in email if c.isprintable())[:254]  # no NUL or controls echoed
        raise SingleSignOnRefused(
            f"Your provider sent “{shown}”, which is not an e-mail address Partnerline "
            "can use. Ask your administrator to check the provider's e-mail claim."
        ) from exc
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
