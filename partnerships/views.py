"""Pages of the partnerships module: the list and the partnership workspace."""

from django.shortcuts import render

from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio, partnership_search
from tenancy.modules import workspace_tabs
from tenancy.views import get_object_for_member_or_404, paginate, require_permission


def partnership_tabs(request, partnership) -> list[dict]:
    """Tabs for the partnership workspace (the module registry: tenancy/modules.py)."""
    return workspace_tabs(request, partnership)


def partnership_list(request, org_slug):
    require_permission(request, "partnerships.view")
    query = request.GET.get("q", "")
    partnerships = partnership_search(partnership_portfolio(membership=request.membership), query)
    status = request.GET.get("status")
    if status in Partnership.Status.values:
        partnerships = partnerships.filter(status=status)
    return render(
        request,
        "partnerships/partnership_list.html",
        {
            "page": paginate(request, partnerships),
            "statuses": Partnership.Status.choices,
            "status": status,
            "q": query,
        },
    )


def partnership_detail(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "partnerships.view", partnership)
    return render(
        request,
        "partnerships/partnership_detail.html",
        {"partnership": partnership, "partnership_tabs": partnership_tabs(request, partnership)},
    )
