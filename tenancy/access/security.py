"""Sign-in and authorization failures, logged where operations can alert on them, and the
response headers Django's own middleware does not set.

Every failed login (`user_login_failed`, which django-axes also counts for its lockout) and every
refused request (401/403, and the 404 a non-member gets for an organization's address) is written
to the `partnerline.security` logger with the user, the organization and the path.
"""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("partnerline.security")


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or credentials.get("email") or ""
    logger.warning(
        "login failed: user=%s address=%s path=%s",
        username,
        client_address(request),
        request.path if request is not None else "",
        extra={"event": "login_failed", "user": username},
    )


class SecurityMiddleware:
    """Logs refused requests and adds Permissions-Policy. Sits just outside TenantMiddleware,
    so it sees the organization and membership that middleware resolved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        reason = getattr(request, "security_refusal", None)
        if reason or response.status_code in (401, 403):
            user = getattr(request, "user", None)
            organization = getattr(request, "organization", None)
            logger.warning(
                "authorization refused: status=%s user=%s organization=%s path=%s method=%s "
                "address=%s reason=%s",
                response.status_code,
                user.email if user is not None and user.is_authenticated else "anonymous",
                organization.slug if organization is not None else "",
                request.path,
                request.method,
                client_address(request),
                reason or "",
                extra={"event": "authorization_refused"},
            )
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
