"""Single sign-on with OpenID Connect, one provider per organization (Authlib's Django client:
discovery, state, nonce, PKCE, token exchange and ID-token verification).

The login page asks for a work e-mail; its domain routes to the organization's provider
(`sso_start`). The provider sends the browser back to `sso_callback`, which verifies the ID
token and hands its claims to `services.sso_sign_in` (membership, role from a claim,
just-in-time membership for allowed domains).
"""

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenancy.access import services
from tenancy.access.domains import challenge_name, expected_record
from tenancy.access.forms import SingleSignOnForm
from tenancy.access.security import logger
from tenancy.errors import ConflictError
from tenancy.forms import apply_errors
from tenancy.models import SingleSignOn
from tenancy.sessions import SSO_ORGANIZATION
from tenancy.views import require_permission

_SESSION_KEY = "sso_organization_id"


def sso_for_email(email: str) -> SingleSignOn | None:
    domain = (email or "").strip().lower().rsplit("@", 1)[-1]
    if not domain or "@" not in (email or ""):
        return None
    return (
        SingleSignOn.objects.filter(is_enabled=True, verified_domains__contains=[domain])
        .select_related("organization")
        .first()
    )


def _client(config: SingleSignOn):
    oauth = OAuth()
    return oauth.register(
        name=f"org{config.organization_id}",
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )


@require_POST
def sso_start(request):
    email = request.POST.get("email", "")
    config = sso_for_email(email)
    if config is None:
        messages.error(
            request, "Single sign-on is not set up for that e-mail domain; use your password."
        )
        return redirect("login")
    request.session[_SESSION_KEY] = config.pk
    request.session["sso_next"] = request.POST.get("next", "")
    try:
        redirect_to_provider = _client(config).authorize_redirect(
            request, request.build_absolute_uri(reverse("sso-callback")), login_hint=email
        )
    except Exception:  # noqa: BLE001 - an unreachable or broken provider is the user's message
        logger.exception("single sign-on: provider of %s unreachable", config.organization.slug)
        messages.error(request, "Your organization's sign-in provider does not answer; try later.")
        return redirect("login")
    # A page with a link, not a redirect: the Content-Security-Policy's form-action would stop a
    # form's redirect to another site. static/js/app.js follows the link at once.
    return render(
        request,
        "tenancy/access/sso_continue.html",
        {
            "provider_url": redirect_to_provider["Location"],
            "organization_name": config.organization,
        },
    )


def sso_callback(request):
    config = SingleSignOn.objects.filter(
        pk=request.session.get(_SESSION_KEY), is_enabled=True
    ).first()
    if config is None:
        messages.error(request, "The sign-in took too long or was not started here; try again.")
        return redirect("login")
    try:
        token = _client(config).authorize_access_token(request)
        claims = token.get("userinfo") or {}
        issuer = claims.get("iss", "").rstrip("/")
        if issuer != config.issuer:
            raise OAuthError(description=f"unexpected issuer {issuer}")
        user = services.sso_sign_in(config=config, claims=dict(claims), now=timezone.now())
    except services.SingleSignOnRefused as refusal:
        logger.warning(
            "single sign-on refused: organization=%s reason=%s", config.organization.slug, refusal
        )
        return render(
            request, "tenancy/access/sso_refused.html", {"message": str(refusal)}, status=403
        )
    except Exception as error:  # noqa: BLE001 - a bad token or provider error is never a 500
        logger.warning(
            "single sign-on failed: organization=%s error=%s", config.organization.slug, error
        )
        messages.error(request, "The sign-in provider's answer could not be verified; try again.")
        return redirect("login")
    request.session.pop(_SESSION_KEY, None)
    next_url = request.session.pop("sso_next", "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # This session opens this organization only (tenancy/sessions.py says why).
    request.session[SSO_ORGANIZATION] = config.organization_id
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("dashboard", config.organization.slug)


def sso_settings(request, org_slug):
    require_permission(request, "tenancy.admin")
    config = SingleSignOn.objects.filter(organization=request.organization).first()
    initial = (
        {
            "issuer": config.issuer,
            "client_id": config.client_id,
            "email_domains": ", ".join(config.email_domains),
            "role_claim": config.role_claim,
            "default_role": config.default_role,
            "allow_jit": config.allow_jit,
            "is_enabled": config.is_enabled,
        }
        if config
        else None
    )
    form = SingleSignOnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sso_configure(
                organization=request.organization,
                actor=request.user,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Single sign-on saved.")
            return redirect("sso-settings", org_slug)
    domains = (
        [
            {
                "name": domain,
                "verified": domain in config.verified_domains,
                "record_name": challenge_name(domain),
            }
            for domain in config.email_domains
        ]
        if config
        else []
    )
    return render(
        request,
        "tenancy/access/sso_settings.html",
        {
            "form": form,
            "config": config,
            "domains": domains,
            "record_value": expected_record(config.domain_token) if config else "",
            "callback_url": request.build_absolute_uri(reverse("sso-callback")),
        },
    )


@require_POST
def sso_domains_verify(request, org_slug):
    """Check the DNS records that prove the organization's domains (the button on the page)."""
    require_permission(request, "tenancy.admin")
    try:
        found = services.sso_domains_verify(
            organization=request.organization, actor=request.user, now=timezone.now()
        )
    except ConflictError as error:
        messages.error(request, error.message)
        return redirect("sso-settings", org_slug)
    for domain, outcome in found.items():
        if outcome == services.DOMAIN_VERIFIED:
            messages.success(request, f"{domain} is verified: its people can sign in.")
        elif outcome != services.DOMAIN_ALREADY:
            messages.error(request, f"{domain} is not verified: {outcome}.")
    return redirect("sso-settings", org_slug)
