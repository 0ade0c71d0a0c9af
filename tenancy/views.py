"""Pages of the tenancy app: home, health check, notifications, API keys, errors.

Page helpers every module uses: `require_permission` (the one permission helper, raising 403),
`get_object_for_member_or_404` (tenant- and guest-scoped lookup: another tenant's id is 404),
`form_page` and `form_submit` (a form on its own page and the service call behind it) and
`refusals_to_messages` (a refused POST action as a message).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenancy.api_errors import error_response
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.forms import apply_errors
from tenancy.models import Notification
from tenancy.permissions import has_permission, restrict_for_guest
from tenancy.selectors import notifications_for
from tenancy.services import notification_mark_read, notifications_mark_all_read
from tenancy.sessions import session_memberships


def require_permission(request, perm: str, obj=None) -> None:
    if not has_permission(request.membership, perm, obj):
        raise PermissionDenied("Your role does not allow this.")


def refusal_message(error: Exception) -> str:
    """The reason of a refused step, in the user's words."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return getattr(error, "message", None) or str(error)


def form_page(
    request,
    *,
    title: str,
    form,
    back: str,
    submit: str,
    template: str = "form_page.html",
    partnership=None,
    multipart: bool = False,
    confirm: str = "",
    **context,
) -> HttpResponse:
    """A form on a page of its own (`templates/form_page.html`, or a module's template that
    extends it for its crumbs): 400 while the form has errors. `confirm` makes it the
    confirmation of an irreversible step (a red button, the browser asks once more)."""
    return render(
        request,
        template,
        {
            "title": title,
            "form": form,
            "back": back,
            "submit": submit,
            "partnership": partnership,
            "multipart": multipart,
            "confirm": confirm,
            **context,
        },
        status=400 if form.errors else 200,
    )


def form_submit(
    request, form, call: Callable[[dict], Any], *, success: str, to: str | Callable[[Any], str]
) -> HttpResponse | None:
    """On a POST with a valid form, call the service with the cleaned data: its field errors go
    back onto the form, a refused step (ConflictError) becomes the form's error, and success
    redirects to `to` (a URL, or a function of the service's result) with `success` as the
    message. Returns None when the form page is to be shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = call(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    except ConflictError as error:
        form.add_error(None, error.message)
        return None
    messages.success(request, success)
    return redirect(to(result) if callable(to) else to)


def refusals_to_messages(url_name: str, *url_kwargs: str):
    """Decorator for POST actions: a step the service refuses (ConflictError or
    ValidationError: 409/400 in the API) redirects to `url_name` with the reason as an error
    message; a right the user lacks (PermissionDeniedError) is a 403. The redirect takes
    `org_slug` and the view's kwargs named in `url_kwargs`:

        @refusals_to_messages("change-request-detail", "change_request_id")
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except (ConflictError, ValidationError) as error:
                messages.error(request, refusal_message(error))
            except PermissionDeniedError as error:
                raise PermissionDenied(str(error)) from error
            names = ("org_slug", *url_kwargs)
            return redirect(url_name, **{name: kwargs[name] for name in names})

        return wrapper

    return decorate


def get_object_for_member_or_404(request, queryset, *, partnership_path="partnership", **lookup):
    """One object of the current tenant that this member may see, else 404 (never 403)."""
    queryset = restrict_for_guest(
        queryset.filter(organization=request.organization), request.membership, partnership_path
    )
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("No such object in this organization.")
    return obj


@login_required
def home(request):
    memberships = session_memberships(request)
    if len(memberships) == 1:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return render(request, "tenancy/choose_organization.html", {"memberships": memberships})


def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )


def paginate(request, queryset, per_page: int = 50):
    """The requested page of a list (bad or out-of-range page numbers give the nearest page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def notification_list(request, org_slug):
    return render(
        request,
        "tenancy/notifications.html",
        {"notifications": notifications_for(user=request.user)[:200]},
    )


@require_POST
def notification_read(request, org_slug, notification_id):
    notification = Notification.objects.filter(pk=notification_id, recipient=request.user).first()
    if notification is None:
        raise Http404("No such notification.")
    notification_mark_read(notification=notification, now=timezone.now())
    if notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notifications", org_slug=org_slug)


@require_POST
def notifications_read_all(request, org_slug):
    notifications_mark_all_read(user=request.user, now=timezone.now())
    return redirect("notifications", org_slug=org_slug)


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "Not found.")
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response(403, "forbidden", str(exception or "Forbidden."))
    return render(request, "errors/403.html", {"message": str(exception or "")}, status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return error_response(500, "server_error", "Server error.")
    # No request context: the context processors query the database, and after the error
    # the request's transaction may be aborted (the 500 page itself must not fail).
    return HttpResponseServerError(render_to_string("errors/500.html"))
