"""The one JSON error format of the API:

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"name": ["..."]}}}

Service errors map to statuses here, so no bad input becomes a 500: Django's ValidationError is a
400 with per-field messages, ConflictError (illegal lifecycle step, duplicate) a 409.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from tenancy.errors import (
    CONCURRENT_CHANGE_MESSAGE,
    ConflictError,
    PermissionDeniedError,
    is_concurrency_failure,
)


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{k}: {m}" for k, v in detail.items() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item)]
    return [str(detail)]


def error_body(
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    *,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The one error body of the API (DRF responses, middleware and error pages alike);
    `extra` adds keys beside `fields` (e.g. the rows of an import)."""
    return {
        "error": {
            "status": status_code,
            "code": code,
            "message": message,
            "fields": fields or {},
            **(extra or {}),
        }
    }


def error_response(
    status_code: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> JsonResponse:
    """`error_body` as a plain Django response (outside DRF: middleware, handler404/500)."""
    return JsonResponse(error_body(status_code, code, message, fields), status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {"non_field_errors": list(exc.messages)}
        )
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, ConflictError):
        set_rollback()
        return Response(error_body(409, exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, PermissionDeniedError):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            error_body(409, "conflict", "This conflicts with an existing record."),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, OperationalError) and is_concurrency_failure(exc):
        set_rollback()
        return Response(
            error_body(409, "concurrent_change", CONCURRENT_CHANGE_MESSAGE),
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = {
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
            }
        else:
            fields = {"non_field_errors": _flatten(detail)}
        message = "; ".join(_flatten(detail)) or "Invalid input."
        response.data = error_body(response.status_code, "invalid", message, fields)
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(
            exc, "default_code", "error"
        )
        response.data = error_body(response.status_code, str(code), message)
    return response
