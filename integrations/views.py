"""Pages of the integrations module: the EDI overview with filters, the upload (read by a task
with progress), a document with its findings and lines, and the partnership's integrations tab.
Thin: load with the tenancy helpers, call a selector or a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from integrations import selectors, services, webhooks
from integrations.forms import (
    CodeMappingForm,
    ConnectorForm,
    DataSharingTermForm,
    DiscrepancyFilterForm,
    DocumentFilterForm,
    DrResultForm,
    DrTestForm,
    ForecastForm,
    ForecastVersionForm,
    StockPolicyForm,
    StockReplayForm,
    UploadForm,
    WebhookSubscriptionForm,
)
from integrations.models import (
    DISCREPANCY_LIFECYCLE,
    Connector,
    DataSharingTerm,
    Discrepancy,
    EdiDocument,
    RetentionRun,
    WebhookDelivery,
    WebhookSubscription,
)
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from tenancy.errors import ConflictError
from tenancy.filesize import limit_text
from tenancy.forms import ReasonForm, apply_errors
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.selectors import people_to_pick
from tenancy.views import (
    form_submit,
    get_object_for_member_or_404,
    paginate,
    refusal_message,
    refusals_to_messages,
    require_permission,
)

LINES_PER_PAGE = 100
FILTERS = ("partnership", "standard", "doc_type", "status", "has_errors", "q")


def _filters(request) -> dict:
    return {name: request.GET.get(name, "") for name in FILTERS}


def integrations_home(request, org_slug):
    require_permission(request, "integrations.view")
    partnerships = partnership_portfolio(membership=request.membership)
    filters = _filters(request)
    visible = selectors.edi_documents_for(request.membership)
    documents = selectors.edi_documents_filtered(visible, **filters)
    return render(
        request,
        "integrations/home.html",
        {
            "counts": selectors.edi_document_counts(visible),
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
    is_guest = request.membership.is_guest
    shared = selectors.discrepancies_for(request.membership).filter(partnership=partnership)
    return render(
        request,
        "integrations/partnership_integrations.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "connectors": []
            if is_guest
            else selectors.connector_health(partnership.pk, now=timezone.now()),
            "is_guest": is_guest,
            "disputed": shared.filter(shared_with_partner=True)[:50],
            "terms": []
            if is_guest
            else DataSharingTerm.objects.filter(partnership=partnership).order_by("category"),
            "retention_runs": []
            if is_guest
            else RetentionRun.objects.filter(partnership=partnership).order_by("-ran_at", "-pk")[
                :10
            ],
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
                now=timezone.now(),
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
            "max_size": limit_text(services.upload_max_bytes()),
            "may_change": True,
        },
    )


def _document(request, edi_document_id) -> EdiDocument:
    # A partner guest reads the documents their company sent (under their partnerships).
    return get_object_for_member_or_404(
        request, selectors.edi_documents(), partnership_path="partnership", pk=edi_document_id
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
            "further_messages": selectors.edi_document_further_messages(document),
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
    content = EdiDocument.objects.filter(pk=document.interchange_id or document.pk).values_list(
        "content", flat=True
    )[0]
    response = HttpResponse(bytes(content), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        True, document.filename or f"edi-document-{document.pk}.edi"
    )
    return response


# --- connectors -----------------------------------------------------------------------------


def _connector(request, connector_id, verb="view") -> Connector:
    _not_for_guests(request)  # the buyer's set-up, never the partner's
    connector = get_object_for_member_or_404(
        request, selectors.connectors(), partnership_path="partnership", pk=connector_id
    )
    require_permission(request, f"integrations.{verb}", connector)
    return connector


def connector_create(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request, Partnership.objects.select_related("partner"), partnership_path="",
        pk=partnership_id,
    )  # fmt: skip
    require_permission(request, "integrations.change", partnership)
    _not_for_guests(request)
    form = ConnectorForm(
        request.POST or None, members=people_to_pick(organization=request.organization)
    )
    if request.method == "POST" and form.is_valid():
        try:
            connector = services.connector_create(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Connector “{connector.name}” set up, in testing.")
            return redirect("connector-detail", org_slug, connector.pk)
    return render(
        request,
        "integrations/connector_form.html",
        {
            "form": form,
            "partnership": partnership,
            "title": f"New connector for {partnership.name}",
            "submit": "Set up the connector",
            "back": reverse("partnership-integrations", args=[org_slug, partnership.pk]),
        },
        status=400 if form.errors else 200,
    )


def connector_detail(request, org_slug, connector_id):
    connector = _connector(request, connector_id)
    row = next(
        r
        for r in selectors.connector_health(connector.partnership_id, now=timezone.now())
        if r.connector.pk == connector.pk
    )
    return render(
        request,
        "integrations/connector_detail.html",
        {
            "connector": connector,
            "security": services.connector_security_checks(connector),
            "health": row.health,
            "documents": selectors.edi_documents().filter(connector=connector)[:20],
            "may_change": has_permission(request.membership, "integrations.change"),
            "reason_form": ReasonForm(),
        },
    )


def connector_edit(request, org_slug, connector_id):
    connector = _connector(request, connector_id, "change")
    form = ConnectorForm(
        request.POST or None,
        instance=connector,
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.connector_update(connector=connector, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Connector saved.")
            return redirect("connector-detail", org_slug, connector.pk)
    return render(
        request,
        "integrations/connector_form.html",
        {
            "form": form,
            "partnership": connector.partnership,
            "title": f"Edit {connector.name}",
            "submit": "Save",
            "back": reverse("connector-detail", args=[org_slug, connector.pk]),
        },
        status=400 if form.errors else 200,
    )


def _connector_step(request, org_slug, connector_id, status, done):
    connector = _connector(request, connector_id, "change")
    reason = ""
    if status == Connector.Status.RETIRED:
        # The form cleans the text (trims, refuses NUL); a blank reason is the service's refusal.
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.connector_transition(
        connector=connector, actor=request.user, status=status, reason=reason
    )
    messages.success(request, done)
    return redirect("connector-detail", org_slug, connector_id)


@require_POST
@refusals_to_messages("connector-detail", "connector_id")
def connector_activate(request, org_slug, connector_id):
    return _connector_step(
        request, org_slug, connector_id, Connector.Status.ACTIVE, "Connector active."
    )


@require_POST
@refusals_to_messages("connector-detail", "connector_id")
def connector_pause(request, org_slug, connector_id):
    return _connector_step(
        request, org_slug, connector_id, Connector.Status.PAUSED, "Connector paused."
    )


@require_POST
@refusals_to_messages("connector-detail", "connector_id")
def connector_retire(request, org_slug, connector_id):
    return _connector_step(
        request, org_slug, connector_id, Connector.Status.RETIRED, "Connector retired."
    )


# --- discrepancies (three-way match) ------------------------------------------------------------


def _not_for_guests(request) -> None:
    if request.membership.is_guest:
        raise Http404("No such page.")


def discrepancy_board(request, org_slug):
    require_permission(request, "integrations.view")
    visible = selectors.discrepancies_for(request.membership)
    counts = selectors.discrepancy_counts(visible)
    status = request.GET.get("status", "")
    if status not in Discrepancy.Status.values:
        status = "open" if "status" not in request.GET else ""
    partnership = request.GET.get("partnership", "")
    listed = visible.filter(status=status) if status else visible
    if partnership.isdigit():
        listed = listed.filter(partnership_id=int(partnership))
    return render(
        request,
        "integrations/discrepancy_board.html",
        {
            "counts": [
                (value, label, counts[value]) for value, label in Discrepancy.Status.choices
            ],
            "status": status,
            "page": paginate(request, listed, per_page=50),
            "filter_form": DiscrepancyFilterForm(
                {"status": status, "partnership": partnership},
                partnerships=partnership_portfolio(membership=request.membership),
            ),
            "may_change": has_permission(request.membership, "integrations.change"),
            "is_guest": request.membership.is_guest,
        },
    )


@require_POST
def discrepancy_detect_now(request, org_slug):
    _not_for_guests(request)  # the organization's own set-up: a guest is told it does not exist
    require_permission(request, "integrations.change")
    counts = services.discrepancies_detect(now=timezone.now())
    messages.success(
        request,
        f"{counts['orders']:,} order(s) matched: {counts['opened']:,} new discrepancies, "
        f"{counts['cleared']:,} no longer found.",
    )
    return redirect("discrepancy-board", org_slug)


def _discrepancy(request, discrepancy_id):
    discrepancy = get_object_for_member_or_404(
        request, selectors.discrepancies_for(request.membership), partnership_path="partnership",
        pk=discrepancy_id,
    )  # fmt: skip
    require_permission(request, "integrations.view", discrepancy)
    return discrepancy


def discrepancy_detail(request, org_slug, discrepancy_id):
    discrepancy = _discrepancy(request, discrepancy_id)
    may_change = has_permission(request.membership, "integrations.change")
    allowed = DISCREPANCY_LIFECYCLE.allowed_from(discrepancy.status)
    actions = [
        (name, target, what)
        for name, (target, _, what) in services.DISCREPANCY_ACTIONS.items()
        if target in allowed
    ]
    return render(
        request,
        "integrations/discrepancy_detail.html",
        {
            "discrepancy": discrepancy,
            "actions": actions if may_change and not request.membership.is_guest else [],
            "reason_form": ReasonForm(),
            "is_guest": request.membership.is_guest,
        },
    )


def _act(request, org_slug, discrepancy_id, action, done):
    discrepancy = _discrepancy(request, discrepancy_id)
    require_permission(request, "integrations.change", discrepancy)
    _not_for_guests(request)
    services.discrepancy_act(
        discrepancy=discrepancy, actor=request.user, action=action,
        reason=request.POST.get("reason", ""), now=timezone.now(),
    )  # fmt: skip
    messages.success(request, done)
    return redirect("discrepancy-detail", org_slug, discrepancy_id)


@require_POST
@refusals_to_messages("discrepancy-detail", "discrepancy_id")
def discrepancy_dispute(request, org_slug, discrepancy_id):
    return _act(request, org_slug, discrepancy_id, "dispute", "Disputed: the partner sees it.")


@require_POST
@refusals_to_messages("discrepancy-detail", "discrepancy_id")
def discrepancy_block_payment(request, org_slug, discrepancy_id):
    return _act(request, org_slug, discrepancy_id, "block_payment", "Payment blocked.")


@require_POST
@refusals_to_messages("discrepancy-detail", "discrepancy_id")
def discrepancy_accept(request, org_slug, discrepancy_id):
    return _act(request, org_slug, discrepancy_id, "accept", "Discrepancy accepted.")


@require_POST
@refusals_to_messages("discrepancy-detail", "discrepancy_id")
def discrepancy_resolve(request, org_slug, discrepancy_id):
    return _act(request, org_slug, discrepancy_id, "resolve", "Discrepancy resolved.")


# --- webhooks -----------------------------------------------------------------------------------


def webhook_list(request, org_slug):
    _not_for_guests(request)  # the organization's own set-up: a guest is told it does not exist
    require_permission(request, "integrations.change")
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.webhook_subscription_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Subscription created: events are signed with its secret.")
            return redirect("webhook-detail", org_slug, subscription.pk)
    return render(
        request,
        "integrations/webhooks.html",
        {
            "subscriptions": WebhookSubscription.objects.order_by("name", "pk"),
            "form": form,
            "may_change": True,
        },
        status=400 if form.errors else 200,
    )


def _subscription(request, webhook_subscription_id):
    _not_for_guests(request)  # the organization's own set-up: a guest is told it does not exist
    require_permission(request, "integrations.change")
    return get_object_for_member_or_404(
        request, WebhookSubscription.objects.all(), partnership_path=None,
        pk=webhook_subscription_id,
    )  # fmt: skip


def webhook_detail(request, org_slug, webhook_subscription_id):
    subscription = _subscription(request, webhook_subscription_id)
    deliveries = WebhookDelivery.objects.filter(subscription=subscription).order_by(
        "-attempted_at", "-pk"
    )
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "subscription": subscription,
            "page": paginate(request, deliveries, per_page=50),
            "may_change": True,
        },
    )


@require_POST
@refusals_to_messages("webhook-detail", "webhook_subscription_id")
def webhook_pause(request, org_slug, webhook_subscription_id):
    subscription = _subscription(request, webhook_subscription_id)
    webhooks.webhook_subscription_set_active(
        subscription=subscription, actor=request.user, active=not subscription.is_active
    )
    messages.success(request, "Subscription resumed." if subscription.is_active else "Paused.")
    return redirect("webhook-detail", org_slug, subscription.pk)


@require_POST
def webhook_delivery_redeliver(request, org_slug, webhook_delivery_id):
    _not_for_guests(request)  # the organization's own set-up: a guest is told it does not exist
    require_permission(request, "integrations.change")
    delivery = get_object_for_member_or_404(
        request, WebhookDelivery.objects.all(), partnership_path=None, pk=webhook_delivery_id
    )
    try:
        webhooks.webhook_redeliver(delivery=delivery, actor=request.user)
    except ConflictError as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, "Queued for delivery again, with the same event id.")
    return redirect("webhook-detail", org_slug, delivery.subscription_id)


# --- data-sharing terms ---------------------------------------------------------------------------


def data_sharing_term_create(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request, Partnership.objects.all(), partnership_path="", pk=partnership_id
    )
    require_permission(request, "integrations.change", partnership)
    _not_for_guests(request)
    form = DataSharingTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.data_sharing_term_set(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Data-sharing terms recorded.")
            return redirect("partnership-integrations", org_slug, partnership.pk)
    return render(
        request,
        "integrations/connector_form.html",
        {
            "form": form,
            "partnership": partnership,
            "title": f"Data-sharing terms for {partnership.name}",
            "submit": "Record the terms",
            "back": reverse("partnership-integrations", args=[org_slug, partnership.pk]),
        },
        status=400 if form.errors else 200,
    )


def _term(request, data_sharing_term_id) -> DataSharingTerm:
    _not_for_guests(request)
    term = get_object_for_member_or_404(
        request, DataSharingTerm.objects.all(), partnership_path="partnership",
        pk=data_sharing_term_id,
    )  # fmt: skip
    require_permission(request, "integrations.change", term)
    return term


@require_POST
def data_sharing_term_hold(request, org_slug, data_sharing_term_id):
    term = _term(request, data_sharing_term_id)
    try:
        services.data_sharing_term_hold(
            term=term, actor=request.user, hold=True, reason=request.POST.get("reason", "")
        )
    except (ValidationError, ConflictError) as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, "Legal hold placed: the retention job leaves this data alone.")
    return redirect("partnership-integrations", org_slug, term.partnership_id)


@require_POST
def data_sharing_term_release(request, org_slug, data_sharing_term_id):
    term = _term(request, data_sharing_term_id)
    try:
        services.data_sharing_term_hold(term=term, actor=request.user, hold=False)
    except (ValidationError, ConflictError) as exc:
        messages.error(request, refusal_message(exc))
    else:
        messages.success(request, "Legal hold lifted.")
    return redirect("partnership-integrations", org_slug, term.partnership_id)


# --- master-data crosswalks -----------------------------------------------------------------------


def crosswalk(request, org_slug, partnership_id):
    """The partnership's crosswalk: the mappings, the codes its documents carry that are not
    mapped yet (each with a form to map it), and the re-processing of waiting documents."""
    _not_for_guests(request)
    partnership = get_object_for_member_or_404(
        request, Partnership.objects.select_related("partner"), partnership_path="",
        pk=partnership_id,
    )  # fmt: skip
    require_permission(request, "integrations.view", partnership)
    may_change = has_permission(request.membership, "integrations.change", partnership)
    form = CodeMappingForm(request.POST or None)
    if request.method == "POST":
        require_permission(request, "integrations.change", partnership)
        if form.is_valid():
            try:
                mapping = services.code_mapping_set(
                    partnership=partnership,
                    actor=request.user,
                    now=timezone.now(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Mapped: {mapping}.")
                return redirect("crosswalk", org_slug, partnership.pk)
    jobs = list(selectors.crosswalk_reprocesses(partnership.pk)[:5])
    return render(
        request,
        "integrations/crosswalk.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "mappings": paginate(request, selectors.code_mappings(partnership.pk), per_page=100),
            "unmapped": selectors.unmapped_codes(partnership.pk, limit=200),
            "jobs": [(job, job.current_progress) for job in jobs],
            "form": form,
            "may_change": may_change,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def code_mapping_delete(request, org_slug, code_mapping_id):
    _not_for_guests(request)
    mapping = get_object_for_member_or_404(
        request, selectors.code_mappings(), partnership_path="partnership", pk=code_mapping_id
    )
    require_permission(request, "integrations.change", mapping)
    services.code_mapping_delete(mapping=mapping, actor=request.user)
    messages.success(request, "Mapping removed; lines it already filled keep our code.")
    return redirect("crosswalk", org_slug, mapping.partnership_id)


@require_POST
def crosswalk_reprocess_request(request, org_slug, partnership_id):
    _not_for_guests(request)
    partnership = get_object_for_member_or_404(
        request, Partnership.objects.all(), partnership_path="", pk=partnership_id
    )
    require_permission(request, "integrations.change", partnership)
    services.crosswalk_reprocess_request(
        partnership=partnership, actor=request.user, now=timezone.now()
    )
    messages.success(request, "Re-processing queued: its progress shows below.")
    return redirect("crosswalk", org_slug, partnership.pk)


# --- forecasts and stock --------------------------------------------------------------------------


def _partnership(request, partnership_id, *, guests=True):
    if not guests:
        _not_for_guests(request)
    partnership = get_object_for_member_or_404(
        request, Partnership.objects.select_related("partner", "owner"), partnership_path="",
        pk=partnership_id,
    )  # fmt: skip
    require_permission(request, "integrations.view", partnership)
    return partnership


def _may_change(request, obj) -> bool:
    return not request.membership.is_guest and has_permission(
        request.membership, "integrations.change", obj
    )


def forecast_list(request, org_slug, partnership_id):
    """The partnership's shared demand forecasts (a guest reads them); create one."""
    partnership = _partnership(request, partnership_id)
    may_change = _may_change(request, partnership)
    form = ForecastForm(
        request.POST or None,
        members=people_to_pick(organization=request.organization),
        initial={"owner": request.user.pk},
    )
    if request.method == "POST":
        _not_for_guests(request)
        require_permission(request, "integrations.change", partnership)
        if form.is_valid():
            try:
                forecast = services.forecast_create(
                    partnership=partnership, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Forecast created: add its first version.")
                return redirect("forecast-detail", org_slug, forecast.pk)
    now = timezone.now()
    rows = [(f, services.forecast_update_due(f)) for f in selectors.forecasts(partnership.pk)[:200]]
    return render(
        request,
        "integrations/forecasts.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "rows": rows,
            "now": now,
            "form": form,
            "may_change": may_change,
        },
        status=400 if form.errors else 200,
    )


def forecast_detail(request, org_slug, demand_forecast_id):
    forecast = get_object_for_member_or_404(
        request, selectors.forecasts(), partnership_path="partnership", pk=demand_forecast_id
    )
    require_permission(request, "integrations.view", forecast)
    may_change = _may_change(request, forecast)
    form = ForecastVersionForm(request.POST or None)
    if request.method == "POST":
        _not_for_guests(request)
        require_permission(request, "integrations.change", forecast)
        if form.is_valid():
            try:
                version = services.forecast_version_add(
                    forecast=forecast, actor=request.user, lines=form.cleaned_data["lines"],
                    note=form.cleaned_data["note"], now=timezone.now(),
                )  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error("lines", refusal_message(exc))
            else:
                messages.success(request, f"Version {version.number} saved.")
                return redirect("forecast-detail", org_slug, forecast.pk)
    versions = list(selectors.forecast_versions(forecast)[:50])
    return render(
        request,
        "integrations/forecast_detail.html",
        {
            "forecast": forecast,
            "current": versions[0] if versions else None,
            "versions": versions,
            "due": services.forecast_update_due(forecast),
            "now": timezone.now(),
            "form": form,
            "may_change": may_change,
        },
        status=400 if form.errors else 200,
    )


def forecast_edit(request, org_slug, demand_forecast_id):
    """Rename a forecast, change its unit or agreed frequency, or hand it to a colleague."""
    forecast = get_object_for_member_or_404(
        request, selectors.forecasts(), partnership_path="partnership", pk=demand_forecast_id
    )
    _not_for_guests(request)
    require_permission(request, "integrations.change", forecast)
    form = ForecastForm(
        request.POST or None,
        members=people_to_pick(organization=request.organization),
        initial={
            "title": forecast.title,
            "unit": forecast.unit,
            "update_frequency": forecast.update_frequency,
            "owner": forecast.owner_id,
        },
    )
    done = form_submit(
        request,
        form,
        lambda data: services.forecast_update(forecast=forecast, actor=request.user, **data),
        success="Forecast saved.",
        to=reverse("forecast-detail", args=[org_slug, forecast.pk]),
    )
    return done or render(
        request,
        "integrations/forecast_edit.html",
        {"forecast": forecast, "form": form},
        status=400 if form.errors else 200,
    )


def stock_overview(request, org_slug, partnership_id):
    """Safety stock and reorder points per item, and the latest positions from the feeds."""
    partnership = _partnership(request, partnership_id, guests=False)
    form = StockPolicyForm(
        request.POST or None, members=people_to_pick(organization=request.organization)
    )
    if request.method == "POST":
        require_permission(request, "integrations.change", partnership)
        if form.is_valid():
            try:
                policy = services.stock_policy_set(
                    partnership=partnership, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Policy saved for {policy.item}.")
                return redirect("stock-overview", org_slug, partnership.pk)
    return render(
        request,
        "integrations/stock.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "policies": selectors.stock_policies(partnership.pk)[:500],
            "positions": selectors.stock_latest_positions(partnership.pk),
            "form": form,
            "may_change": _may_change(request, partnership),
        },
        status=400 if form.errors else 200,
    )


def stock_replay(request, org_slug, partnership_id):
    """The integration test page: replay a sample stock feed (nothing is kept) and show the
    levels and alerts it would raise and its sync lag."""
    partnership = _partnership(request, partnership_id, guests=False)
    require_permission(request, "integrations.change", partnership)
    now = timezone.now()
    form = StockReplayForm(
        request.POST or None, initial={"content": services.stock_feed_sample(now=now)}
    )
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.stock_feed_replay(
                partnership=partnership, content=form.cleaned_data["content"], now=now
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(
        request,
        "integrations/stock_replay.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "form": form,
            "result": result,
        },
        status=400 if form.errors else 200,
    )


# --- disaster-recovery tests ----------------------------------------------------------------------


def dr_test_list(request, org_slug, partnership_id):
    """The partnership's disaster-recovery tests (a guest reads them: they are joint); plan one."""
    partnership = _partnership(request, partnership_id)
    form = DrTestForm(request.POST or None, connectors=selectors.connectors(partnership.pk))
    if request.method == "POST":
        _not_for_guests(request)
        require_permission(request, "integrations.change", partnership)
        if form.is_valid():
            try:
                test = services.dr_test_schedule(
                    partnership=partnership, actor=request.user, now=timezone.now(),
                    **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Disaster-recovery test planned.")
                return redirect("dr-test-detail", org_slug, test.pk)
    return render(
        request,
        "integrations/dr_tests.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "tests": selectors.dr_tests(partnership.pk)[:100],
            "form": form,
            "may_change": _may_change(request, partnership),
        },
        status=400 if form.errors else 200,
    )


def _dr_test(request, disaster_recovery_test_id):
    test = get_object_for_member_or_404(
        request, selectors.dr_tests(), partnership_path="partnership",
        pk=disaster_recovery_test_id,
    )  # fmt: skip
    require_permission(request, "integrations.view", test)
    return test


def dr_test_detail(request, org_slug, disaster_recovery_test_id):
    test = _dr_test(request, disaster_recovery_test_id)
    form = DrResultForm(request.POST or None)
    if request.method == "POST":
        _not_for_guests(request)
        require_permission(request, "integrations.change", test)
        if form.is_valid():
            try:
                services.dr_test_record_result(
                    test=test, actor=request.user, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, refusal_message(exc))
            else:
                messages.success(request, "Result recorded.")
                return redirect("dr-test-detail", org_slug, test.pk)
    return render(
        request,
        "integrations/dr_test_detail.html",
        {
            "test": test,
            "form": form,
            "reason_form": ReasonForm(),
            "may_change": _may_change(request, test),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@refusals_to_messages("dr-test-detail", "disaster_recovery_test_id")
def dr_test_cancel(request, org_slug, disaster_recovery_test_id):
    _not_for_guests(request)
    test = _dr_test(request, disaster_recovery_test_id)
    require_permission(request, "integrations.change", test)
    services.dr_test_cancel(test=test, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "Test cancelled.")
    return redirect("dr-test-detail", org_slug, test.pk)


def edi_document_outbound(request, org_slug, edi_document_id):
    """Download an order as a message to send (ORDERS / UBL Order) or its order response
    (ORDRSP / UBL OrderResponse): ?kind=order|order_response&to=edifact|ubl."""
    _not_for_guests(request)
    require_permission(request, "integrations.change")
    document = _document(request, edi_document_id)
    try:
        filename, content = services.outbound_message(
            document=document, kind=request.GET.get("kind", "order_response"),
            standard=request.GET.get("to", "edifact"), actor=request.user,
            now=timezone.now(),
        )  # fmt: skip
    except (ValidationError, ConflictError) as exc:
        messages.error(request, refusal_message(exc) if isinstance(exc, ConflictError) else
                       " ".join(exc.messages))  # fmt: skip
        return redirect("edi-document-detail", org_slug, document.pk)
    response = HttpResponse(
        content,
        content_type="application/edifact" if filename.endswith(".edi") else "application/xml",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
