"""Pages of the integrations module: the EDI overview with filters, the upload (read by a task
with progress), a document with its findings and lines, and the partnership's integrations tab.
Thin: load with the tenancy helpers, call a selector or a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from integrations import selectors, services
from integrations.forms import DocumentFilterForm, UploadForm
from integrations.models import EdiDocument
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from tenancy.forms import apply_errors
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.views import get_object_for_member_or_404, paginate, require_permission

LINES_PER_PAGE = 100
FILTERS = ("partnership", "standard", "doc_type", "status", "has_errors", "q")


def _filters(request) -> dict:
    return {name: request.GET.get(name, "") for name in FILTERS}


def integrations_home(request, org_slug):
    require_permission(request, "integrations.view")
    partnerships = partnership_portfolio(membership=request.membership)
    filters = _filters(request)
    documents = selectors.edi_documents_filtered(selectors.edi_documents(), **filters)
    return render(
        request,
        "integrations/home.html",
        {
            "counts": selectors.edi_document_counts(selectors.edi_documents()),
            "page": paginate(request, documents, per_page=25),
            "filter_form": DocumentFilterForm(request.GET or None, partnerships=partnerships),
            "filtering": any(filters.values()),
            "may_change": has_permission(request.membership, "integrations.change"),
        },
    )


def partnership_integrations(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "integrations.view", partnership)
    own = selectors.edi_documents().filter(partnership=partnership)
    filters = {**_filters(request), "partnership": ""}
    return render(
        request,
        "integrations/partnership_integrations.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "counts": selectors.edi_document_counts(own),
            "page": paginate(request, selectors.edi_documents_filtered(own, **filters), 25),
            "filter_form": DocumentFilterForm(request.GET or None),
            "filtering": any(filters.values()),
            "may_change": has_permission(request.membership, "integrations.change"),
        },
    )


def edi_document_upload(request, org_slug):
    require_permission(request, "integrations.change")
    partnerships = partnership_portfolio(membership=request.membership)
    initial = {"partnership": request.GET.get("partnership")}
    form = UploadForm(
        request.POST or None, request.FILES or None, partnerships=partnerships, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        too_big = upload.size > services.upload_max_bytes()  # refused before reading it
        try:
            document, created = services.edi_document_receive(
                actor=request.user,
                partnership=form.cleaned_data["partnership"],
                filename=upload.name,
                content=b"" if too_big else upload.read(),
                declared_size=upload.size,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not created:
                messages.info(
                    request,
                    f"This file was received before, on {document.received_at:%d %b %Y %H:%M}: "
                    "here is that document.",
                )
            return redirect("edi-document-detail", org_slug, document.pk)
    return render(
        request,
        "integrations/upload.html",
        {
            "form": form,
            "recent": selectors.edi_documents().filter(received_via="upload")[:10],
            "max_mb": services.upload_max_bytes() // 1_048_576,
            "may_change": True,
        },
    )


def _document(request, edi_document_id) -> EdiDocument:
    return get_object_for_member_or_404(
        request, selectors.edi_documents(), partnership_path=None, pk=edi_document_id
    )


def edi_document_detail(request, org_slug, edi_document_id):
    require_permission(request, "integrations.view")
    document = _document(request, edi_document_id)
    paginator = Paginator(selectors.edi_document_lines(document), LINES_PER_PAGE)
    paginator.count = document.line_count  # known already: no COUNT(*) over 200,000 lines
    return render(
        request,
        "integrations/document_detail.html",
        {
            "document": document,
            "findings": selectors.edi_document_findings(document),
            "page": paginator.get_page(request.GET.get("page")),
            "progress": services.edi_document_progress(document),
        },
    )


def edi_document_status(request, org_slug, edi_document_id):
    """Polled by the document page while the upload task reads the message."""
    require_permission(request, "integrations.view")
    document = _document(request, edi_document_id)
    return JsonResponse(
        {
            "status": document.status,
            "status_label": document.get_status_display(),
            "progress": services.edi_document_progress(document),
            "error": document.error,
            "line_count": document.line_count,
            "error_count": document.error_count,
        }
    )


def edi_document_original(request, org_slug, edi_document_id):
    """The message exactly as received."""
    require_permission(request, "integrations.view")
    document = _document(request, edi_document_id)
    content = EdiDocument.objects.filter(pk=document.pk).values_list("content", flat=True)[0]
    response = HttpResponse(bytes(content), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        True, document.filename or f"edi-document-{document.pk}.edi"
    )
    return response
