"""An optional second factor (TOTP, django-otp) for sign-in, offered to org admins.

Once a user has a confirmed authenticator, every page and session API call asks for a code after
the password (`SecondFactorMiddleware`); API keys are unaffected (they are their own factor).
"""

from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenancy.access.forms import TokenForm
from tenancy.access.security import logger
from tenancy.api_errors import error_body
from tenancy.sessions import session_organization_id

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/invitations/")


SESSION_FLAG = "second_factor_required"


@receiver(user_logged_in)
def remember_second_factor(sender, request, user, **kwargs):
    """Decide once, at sign-in, whether this session needs a code: no query per request."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_FLAG] = user_has_device(user, confirmed=True)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and (
            request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")
        ):
            # An API key (TenantMiddleware authenticates it or answers 401): no second factor,
            # and the session is never read. On a page a Bearer header is ignored, so it must
            # not skip the second factor either.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.session.get(SESSION_FLAG)
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error_body(
                        403,
                        "second_factor_required",
                        "Confirm your sign-in with your authenticator code first.",
                    ),
                    status=403,
                )
            return redirect(f"{reverse('two-factor-verify')}?next={quote(request.get_full_path())}")
        return self.get_response(request)


def totp_device_start(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("second factor enabled: user=%s", device.user.email)
    return True


def totp_devices_remove(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    logger.info("second factor removed: user=%s", user.email)


@login_required
def setup(request):
    if session_organization_id(request) is not None:
        # A second factor guards every organization of the account: it is not set up (nor
        # removed) from a session that one organization's provider opened.
        return render(
            request,
            "errors/problem.html",
            {
                "title": "Sign in with your password",
                "message": "Two-step sign-in protects your account in every organization. "
                "Sign in with your password to set it up or turn it off; your single sign-on "
                "provider has its own.",
            },
            status=403,
        )
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                totp_devices_remove(user=request.user)
                request.session[SESSION_FLAG] = False
                messages.success(request, "Two-step sign-in is off.")
                return redirect("two-factor")
            form.add_error("token", "That code is not valid. Try the current one.")
        return render(request, "tenancy/access/two_factor.html", {"enabled": True, "form": form})
    device = totp_device_start(user=request.user)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            request.session[SESSION_FLAG] = True
            messages.success(request, "Two-step sign-in is on. You will be asked for a code.")
            return redirect("two-factor")
        form.add_error("token", "That code is not valid. Try the current one.")
    return render(
        request,
        "tenancy/access/two_factor.html",
        {
            "enabled": False,
            "form": form,
            "secret": device.config_url.split("secret=")[1].split("&")[0],
            "qr": segno.make(device.config_url).svg_data_uri(scale=4),
        },
    )


@login_required
def verify(request):
    next_url = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        logger.warning(
            "second factor failed: user=%s address=%s",
            request.user.email,
            request.META.get("REMOTE_ADDR", ""),
        )
        form.add_error("token", "That code is not valid. Try the current one.")
    return render(
        request, "tenancy/access/two_factor_verify.html", {"form": form, "next": next_url}
    )
