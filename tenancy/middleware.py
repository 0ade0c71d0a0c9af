"""Resolves the tenant from the URL, once per request, and runs the request inside it.

Pages live under `/o/<org-slug>/`, the API under `/api/v1/o/<org-slug>/`. The middleware finds the
organization, authenticates a Bearer API key (which must belong to that organization), checks
that the caller is an active member, and wraps the rest of the request in `tenant_scope`, so the
ORM filter and the row-level-security setting hold for every query the view makes. An unknown
slug and a non-member both get 404: a tenant's existence is not disclosed.
"""

import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError, OperationalError
from django.http import JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone

from tenancy.api_errors import error_response
from tenancy.context import tenant_scope
from tenancy.errors import CONCURRENT_CHANGE_MESSAGE, is_concurrency_failure
from tenancy.models import ApiKey, Membership, Organization
from tenancy.services import api_key_authenticate
from tenancy.sessions import session_organization_id

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TENANT_PATH = re.compile(r"^/(?P<api>api/v1/)?o/(?P<slug>[-a-zA-Z0-9_]+)(?:/|$)")


def _api_error(status: int, message: str, code: str) -> JsonResponse:
    return error_response(status, code, message)


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        request.api_key = None
        is_api = request.path.startswith("/api/")

        header = request.META.get("HTTP_AUTHORIZATION", "")
        # API keys authenticate the API only: on a page a Bearer header is ignored, so a stolen
        # key can never reach the HTML forms (e.g. to mint itself a successor).
        if is_api and header[:7].lower() == "bearer ":
            api_key = api_key_authenticate(header[7:].strip(), now=timezone.now())
            if api_key is None:
                request.security_refusal = "bad API key"
                return _api_error(
                    401, "The API key is malformed, unknown, expired or revoked.", "bad_key"
                )
            request.api_key = api_key
            request.user = api_key.user
            request._dont_enforce_csrf_checks = True  # a key is not a cookie: no CSRF exposure
            if api_key.scope == ApiKey.Scope.READ and request.method not in SAFE_METHODS:
                request.security_refusal = "read-only API key used to write"
                return _api_error(
                    403, "This API key is read-only: it may only read.", "read_only_key"
                )

        match = TENANT_PATH.match(request.path)
        if match is None:
            return self.get_response(request)

        if request.api_key is not None and request.api_key.organization.slug != match["slug"]:
            return _api_error(404, "No such organization for this API key.", "not_found")
        if not request.user.is_authenticated:
            if is_api:
                return _api_error(401, "Authentication required.", "not_authenticated")
            return redirect_to_login(request.get_full_path())
        if request.api_key is not None and request.api_key.membership_id is not None:
            # Read with the key (its organization's slug matched above); None when inactive.
            membership = request.api_key.membership
        else:
            # One query finds the organization and the caller's membership in it: an unknown
            # slug and a non-member look the same (None).
            membership = (
                Membership.objects.filter(
                    organization__slug=match["slug"], user=request.user, is_active=True
                )
                .select_related("organization")
                .first()
            )
        if membership is None:
            request.security_refusal = "not a member of the organization"
            if is_api:
                return _api_error(404, "No such organization.", "not_found")
            return render(
                request,
                "errors/404.html",
                {"message": "There is no organization at this address that you belong to."},
                status=404,
            )

        only = session_organization_id(request)
        if only is not None and membership.organization_id != only:
            request.security_refusal = "single sign-on session outside its organization"
            signed_in_at = Organization.objects.filter(pk=only).first()
            message = (
                f"You signed in through the single sign-on of {signed_in_at}, which opens "
                f"{signed_in_at} only. Sign out, then sign in with your password to open "
                f"{membership.organization}."
            )
            if is_api:
                return _api_error(403, message, "single_sign_on_scope")
            return render(
                request,
                "errors/problem.html",
                {"title": "Sign in again", "message": message},
                status=403,
            )

        request.organization = membership.organization
        request.membership = membership
        # Pages show times in the organization's time zone (its settings page sets it).
        timezone.activate(membership.organization.zone)
        try:
            with tenant_scope(membership.organization):
                return self.get_response(request)
        except IntegrityError:
            # A deferred foreign key checked at COMMIT: the row this write points to was
            # deleted by a concurrent request. The write is rolled back; say so, do not 500.
            message = "A record this change refers to was deleted meanwhile. Reload and retry."
            if is_api:
                return _api_error(409, message, "conflict")
            return render(request, "errors/problem.html", {"message": message}, status=409)
        except OperationalError as error:
            if not is_concurrency_failure(error):
                raise
            if is_api:
                return _api_error(409, CONCURRENT_CHANGE_MESSAGE, "concurrent_change")
            return render(
                request, "errors/problem.html", {"message": CONCURRENT_CHANGE_MESSAGE}, status=409
            )
        finally:
            timezone.deactivate()


# --- Request hygiene: one place for what no view should have to think about.

NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def without_nul(params):
    """`params` (a QueryDict or dict of form/query parameters) with every NUL character
    removed: PostgreSQL cannot store it, and no one types it on purpose."""
    if isinstance(params, QueryDict):
        if not any(
            NUL in key or any(NUL in v for v in values if isinstance(v, str))
            for key, values in params.lists()
        ):
            return params
        clean = QueryDict(mutable=True, encoding=params.encoding)
        for key, values in params.lists():
            clean.setlist(
                key.replace(NUL, ""),
                [v.replace(NUL, "") if isinstance(v, str) else v for v in values],
            )
        clean._mutable = False
        return clean
    if isinstance(params, dict):
        return {
            k.replace(NUL, "") if isinstance(k, str) else k: (
                v.replace(NUL, "") if isinstance(v, str) else v
            )
            for k, v in params.items()
        }
    return params


def body_limit(content_type: str) -> int:
    """Bytes a request body may have: JSON and forms are small; uploads (multipart, raw EDI)
    may be as large as the biggest file a module accepts."""
    if content_type in ("application/json", "application/x-www-form-urlencoded") or (
        content_type.endswith("+json")
    ):
        return getattr(settings, "REQUEST_BODY_MAX_BYTES", 10 * 1024 * 1024)
    return getattr(settings, "REQUEST_UPLOAD_MAX_BYTES", 70 * 1024 * 1024)


class RequestHygieneMiddleware:
    """Refuses an over-large body (413) before anything reads it, and strips NUL characters
    from every query and form parameter (pages and API alike), so no view, form, filter or
    search ever sends one to PostgreSQL. JSON bodies are checked by the API's parser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request.content_type or "")
        if length > limit:
            message = f"The request is too large ({length:,} bytes; at most {limit:,} bytes)."
            if is_api:
                return _api_error(413, message, "too_large")
            return render(
                request,
                "errors/problem.html",
                {"message": message, "title": "Too large"},
                status=413,
            )

        request.GET = without_nul(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            try:
                request.POST = without_nul(request.POST)
            except MultiPartParserError:
                message = "The form data could not be read."
                if is_api:
                    return _api_error(400, message, "parse_error")
                return render(request, "errors/problem.html", {"message": message}, status=400)
        return self.get_response(request)
