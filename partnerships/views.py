"""Pages of the partnerships module: the list and the partnership workspace."""

from django.shortcuts import render

from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from tenancy.views import get_object_for_member_or_404, require_permission


def partnership_list(request, org_slug):
    require_permission(request, "partnerships.view")
    partnerships = partnership_portfolio(membership=request.membership)
    status = request.GET.get("status")
    if status in Partnership.Status.values:
        partnerships = partnerships.filter(status=status)
    return render(
        request,
        "partnerships/partnership_list.html",
        {"partnerships": partnerships, "statuses": Partnership.Status.choices, "status": status},
    )


def partnership_detail(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "partnerships.view", partnership)
    return render(request, "partnerships/partnership_detail.html", {"partnership": partnership})
