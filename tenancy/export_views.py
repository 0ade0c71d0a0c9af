"""The data-export page: an org admin starts an export and downloads the archive when done."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenancy.errors import ConflictError
from tenancy.exports import OrganizationExport
from tenancy.portability import organization_export_request
from tenancy.views import require_permission

PERMISSION = "tenancy.admin"  # org admins only


def export_list(request, org_slug):
    require_permission(request, PERMISSION)
    exports = list(OrganizationExport.objects.select_related("requested_by")[:20])
    running = any(not export.is_finished for export in exports)
    return render(request, "tenancy/exports.html", {"exports": exports, "running": running})


@require_POST
def export_start(request, org_slug):
    require_permission(request, PERMISSION)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm that you want a full export.")
        return redirect("exports", org_slug=org_slug)
    try:
        organization_export_request(
            organization=request.organization, actor=request.user, now=timezone.now()
        )
    except ConflictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The export is being prepared; this page shows its progress.")
    return redirect("exports", org_slug=org_slug)


def export_download(request, org_slug, organization_export_id):
    require_permission(request, PERMISSION)
    export = OrganizationExport.objects.filter(pk=organization_export_id).first()
    if export is None or not export.file:
        raise Http404("No such export.")
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1]
    )
