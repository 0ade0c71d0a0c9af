"""The outbox page: an org admin sees what left (or waits to leave) for their organization."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenancy.models import OutboxMessage
from tenancy.outbox import outbox_message_retry
from tenancy.views import require_permission

PERMISSION = "tenancy.admin"  # org admins only (their role holds every permission)


def outbox_list(request, org_slug):
    require_permission(request, PERMISSION)
    rows = OutboxMessage.objects.filter(organization=request.organization).order_by(
        "-created_at", "-pk"
    )
    status = request.GET.get("status", "")
    if status in OutboxMessage.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/outbox.html",
        {"page": page, "status": status, "statuses": OutboxMessage.Status.choices},
    )


@require_POST
def outbox_retry(request, org_slug, outbox_message_id):
    require_permission(request, PERMISSION)
    message = OutboxMessage.objects.filter(
        pk=outbox_message_id, organization=request.organization
    ).first()
    if message is None:
        raise Http404("No such message.")
    if message.status != OutboxMessage.Status.FAILED:
        messages.error(request, "Only a message that failed can be sent again.")
    else:
        outbox_message_retry(message=message, actor=request.user, now=timezone.now())
        messages.success(request, f"“{message.summary}” will be sent again.")
    return redirect("outbox", org_slug=org_slug)
