"""Pages of the partnerships module: the landing page (inbox and portfolio), partners, the
partnership workspace (overview with lifecycle buttons, due diligence, strategy, onboarding) and
sourcing cases (TCO and Kraljic, criteria, candidates compared side by side, the decision).
Thin: load with the tenancy helpers, call a selector or a service, render; a refused step comes
back as a message, bad input as field errors."""

import re
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerships import charts, forms, selectors, services
from partnerships.inbox import inbox_for
from partnerships.models import (
    PARTNERSHIP_LIFECYCLE,
    DueDiligenceItem,
    OnboardingEscalation,
    OnboardingMilestone,
    Partner,
    Partnership,
    SourcingCandidate,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
)
from partnerships.selectors import LIVE_STATUSES, partnership_portfolio, partnership_search
from tenancy.errors import ConflictError
from tenancy.forms import ReasonForm, apply_errors
from tenancy.modules import MODULES, workspace_tabs
from tenancy.permissions import has_permission
from tenancy.selectors import people_to_pick
from tenancy.views import (
    form_page,
    form_submit,
    get_object_for_member_or_404,
    paginate,
    refusals_to_messages,
    require_permission,
)
from tenancy.widgets import picker_query, picker_response

STAGES = {
    "pipeline": (
        "In the pipeline",
        (
            Partnership.Status.PROPOSED,
            Partnership.Status.DUE_DILIGENCE,
            Partnership.Status.NEGOTIATING,
        ),
    ),
    "attention": ("Need attention", (Partnership.Status.UNDER_REVIEW, Partnership.Status.EXITING)),
    "live": ("Live", LIVE_STATUSES),
}


def partnership_tabs(request, partnership) -> list[dict]:
    """Tabs for the partnership workspace (the module registry: tenancy/modules.py); a tab
    appears only when the member may open it."""
    return workspace_tabs(request, partnership)


def _require_member(request) -> None:
    """Internal pages (the buyer's assessment): partner guests never open them."""
    if request.membership is None or request.membership.is_guest:
        raise PermissionDenied("This page is internal to your organization.")


def _partnership(request, partnership_id, perm="partnerships.view") -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner", "executive_sponsor", "organization"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, perm, partnership)
    return partnership


# --- Landing page --------------------------------------------------------------------------------


def dashboard(request, org_slug):
    """Each member lands on what waits for them, with the portfolio below it."""
    require_permission(request, "partnerships.view")
    query = request.GET.get("q", "")
    partnerships = partnership_search(partnership_portfolio(membership=request.membership), query)
    return render(
        request,
        "partnerships/dashboard.html",
        {
            "inbox": inbox_for(membership=request.membership, today=timezone.localdate()),
            "page": paginate(request, partnerships),
            "summary": selectors.partnership_portfolio_summary(membership=request.membership),
            "q": query,
        },
    )


def module_overview(request, org_slug, module: str):
    """The overview of a module whose screens are not built yet (its registry entry): what it
    will do, and the portfolio it will work on."""
    require_permission(request, f"{module}.view")
    return render(
        request,
        "modules/overview.html",
        {
            "module": MODULES[module],
            "page": paginate(request, partnership_portfolio(membership=request.membership)),
        },
    )


# --- Partnerships --------------------------------------------------------------------------------


def partnership_picker_search(request, org_slug):
    """The searchable partnership picker's matches (tenancy/widgets.py): JSON, at most 20."""
    require_permission(request, "partnerships.view")
    text, _ = picker_query(request)
    matches = partnership_search(partnership_portfolio(membership=request.membership), text)
    return picker_response(matches, lambda p: f"{p.name} ({p.partner.name})")


def partnership_list(request, org_slug):
    require_permission(request, "partnerships.view")
    query = request.GET.get("q", "")
    partnerships = partnership_search(partnership_portfolio(membership=request.membership), query)
    status = request.GET.get("status")
    if status in Partnership.Status.values:
        partnerships = partnerships.filter(status=status)
    stage = request.GET.get("stage", "")
    if stage in STAGES:
        partnerships = partnerships.filter(status__in=STAGES[stage][1])
    return render(
        request,
        "partnerships/partnership_list.html",
        {
            "page": paginate(request, partnerships),
            "statuses": Partnership.Status.choices,
            "status": status,
            "stage": STAGES.get(stage, ("", ()))[0],
            "q": query,
            "can_create": has_permission(request.membership, "partnerships.change"),
        },
    )


def _transition_buttons(partnership) -> list[dict]:
    buttons = []
    for status in sorted(
        PARTNERSHIP_LIFECYCLE.allowed_from(partnership.status),
        key=Partnership.Status.values.index,
    ):
        blockers = services.transition_blockers(partnership, status)
        buttons.append(
            {
                "status": status,
                "label": Partnership.Status(status).label,
                "blockers": blockers,
                "irreversible": services.transition_needs_reason(status),
            }
        )
    return buttons


def partnership_detail(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    member = not request.membership.is_guest
    can_change = member and has_permission(request.membership, "partnerships.change", partnership)
    return render(
        request,
        "partnerships/partnership_detail.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "buttons": _transition_buttons(partnership) if can_change else [],
            "can_change": can_change,
            "member": member,
            "conflicts": selectors.exclusivity_conflicts(
                membership=request.membership, partnership=partnership
            )
            if member
            else [],
        },
    )


def partnership_create(request, org_slug):
    require_permission(request, "partnerships.change")
    initial = {"currency": request.organization.default_currency, "owner": request.user.pk}
    if request.GET.get("partner", "").isdigit():
        initial["partner"] = int(request.GET["partner"])
    form = forms.PartnershipForm(
        request.POST or None,
        members=people_to_pick(organization=request.organization),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Partnership “{partnership.name}” created as proposed.")
            return redirect("partnership-detail", org_slug, partnership.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": "New partnership"},
        status=400 if form.errors else 200,
    )


def partnership_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    form = forms.PartnershipForm(
        request.POST or None,
        instance=partnership,
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_update(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"“{partnership.name}” saved.")
            return redirect("partnership-detail", org_slug, partnership.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": f"Edit {partnership.name}", "partnership": partnership},
        status=400 if form.errors else 200,
    )


def partnership_delete(request, org_slug, partnership_id):
    """A proposal that never went anywhere is deleted after a confirmation with a reason; a
    partnership that started is closed instead (the page says so)."""
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    return _delete_page(
        request,
        delete=lambda reason: services.partnership_delete(
            partnership=partnership, actor=request.user, reason=reason
        ),
        title=f"Delete the proposal {partnership.name}",
        back=reverse("partnership-detail", args=[org_slug, partnership.pk]),
        done=reverse("partnership-list", args=[org_slug]),
        success=f"Proposal “{partnership.name}” deleted.",
        confirm="Delete this proposal? It cannot be undone.",
    )


def partner_delete(request, org_slug, partner_id):
    partner = _partner(request, partner_id)
    require_permission(request, "partnerships.change")
    return _delete_page(
        request,
        delete=lambda reason: services.partner_delete(
            partner=partner, actor=request.user, reason=reason
        ),
        title=f"Delete the partner {partner.name}",
        back=reverse("partner-detail", args=[org_slug, partner.pk]),
        done=reverse("partner-list", args=[org_slug]),
        success=f"Partner “{partner.name}” deleted.",
        confirm="Delete this partner with its contacts, figures and certifications? "
        "It cannot be undone.",
    )


@require_POST
@refusals_to_messages("partnership-detail", "partnership_id")
def partnership_transition(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a status to move to.")
    # Closing needs a reason: the service says so, as it does to the API.
    partnership = services.partnership_transition(
        partnership=partnership,
        actor=request.user,
        status=form.cleaned_data["status"],
        reason=request.POST.get("reason", ""),
    )
    messages.success(
        request, f"“{partnership.name}” is now {partnership.get_status_display().lower()}."
    )
    return redirect("partnership-detail", org_slug, partnership.pk)


# --- Partners ------------------------------------------------------------------------------------


def partner_list(request, org_slug):
    require_permission(request, "partnerships.view")
    _require_member(request)
    partners = selectors.partner_list_annotated(membership=request.membership)
    query = request.GET.get("q", "").strip()
    if query:
        partners = partners.filter(name__icontains=query)
    return render(
        request,
        "partnerships/partner_list.html",
        {
            "page": paginate(request, partners),
            "q": query,
            "can_create": has_permission(request.membership, "partnerships.change"),
        },
    )


def partner_create(request, org_slug):
    require_permission(request, "partnerships.change")
    _require_member(request)
    form = forms.PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Partner “{partner.name}” created.")
            return redirect("partner-detail", org_slug, partner.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": "New partner"},
        status=400 if form.errors else 200,
    )


def _partner(request, partner_id) -> Partner:
    _require_member(request)
    partner = get_object_for_member_or_404(
        request,
        selectors.partner_for_detail(membership=request.membership),
        partnership_path=None,
        pk=partner_id,
    )
    require_permission(request, "partnerships.view")
    return partner


def partner_edit(request, org_slug, partner_id):
    partner = _partner(request, partner_id)
    require_permission(request, "partnerships.change")
    form = forms.PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(partner=partner, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"“{partner.name}” saved.")
            return redirect("partner-detail", org_slug, partner.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": f"Edit {partner.name}"},
        status=400 if form.errors else 200,
    )


def _record_forms(partner, data=None, files=None, only=None):
    result = {}
    for kind, (form_class, _, title) in forms.PARTNER_RECORD_FORMS.items():
        bound = data if kind == only else None
        kwargs = {"partner": partner} if form_class is forms.SubTierForm else {}
        result[kind] = {"form": form_class(bound, prefix=kind, **kwargs), "title": title}
    return result


def partner_detail(request, org_slug, partner_id, *, record_forms=None, status=200):
    partner = _partner(request, partner_id)
    today = timezone.localdate()
    can_change = has_permission(request.membership, "partnerships.change")
    graph = selectors.supply_graph(partner)
    return render(
        request,
        "partnerships/partner_detail.html",
        {
            "partner": partner,
            "certifications": [
                (c, c.is_expired(today=today)) for c in partner.certifications.all()
            ],
            "graph": graph,
            "can_change": can_change,
            "record_forms": record_forms or (_record_forms(partner) if can_change else {}),
        },
        status=status,
    )


@require_POST
def partner_record_add(request, org_slug, partner_id, kind):
    partner = _partner(request, partner_id)
    require_permission(request, "partnerships.change")
    if kind not in forms.PARTNER_RECORD_FORMS:
        raise Http404("No such record.")
    _, model, title = forms.PARTNER_RECORD_FORMS[kind]
    record_forms = _record_forms(partner, request.POST, only=kind)
    form = record_forms[kind]["form"]
    if form.is_valid():
        try:
            services.record_create(
                model=model, actor=request.user, partner=partner, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{title} added to {partner.name}.")
            return redirect("partner-detail", org_slug, partner.pk)
    return partner_detail(request, org_slug, partner_id, record_forms=record_forms, status=400)


# --- Due diligence and onboarding ----------------------------------------------------------------


def partnership_due_diligence(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    _require_member(request)
    can_change = has_permission(request.membership, "partnerships.change", partnership)
    template_form = forms.ChecklistTemplateForm(request.POST or None)
    item_form = forms.DueDiligenceNewItemForm(prefix="new")
    if request.method == "POST":
        require_permission(request, "partnerships.change", partnership)
        try:
            if "template" in request.POST and template_form.is_valid():
                added = services.due_diligence_apply_template(
                    partnership=partnership,
                    template=template_form.cleaned_data["template"],
                    actor=request.user,
                )
                messages.success(request, f"{len(added)} checklist item(s) added.")
                return redirect("partnership-due-diligence", org_slug, partnership.pk)
            item_form = forms.DueDiligenceNewItemForm(request.POST, prefix="new")
            if item_form.is_valid():
                item = services.due_diligence_item_create(
                    partnership=partnership, actor=request.user, **item_form.cleaned_data
                )
                messages.success(request, f"“{item.title}” added to the checklist.")
                return redirect("partnership-due-diligence", org_slug, partnership.pk)
        except ValidationError as error:
            apply_errors(item_form, error)
        except ConflictError as error:
            messages.error(request, error.message)
    items = selectors.due_diligence_items(partnership)
    open_mandatory = [i for i in items if i.mandatory and not i.is_settled]
    return render(
        request,
        "partnerships/due_diligence.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "items": items,
            "open_mandatory": open_mandatory,
            "can_change": can_change,
            "template_form": template_form
            if request.method == "POST"
            else forms.ChecklistTemplateForm(),
            "item_form": item_form,
        },
        status=400 if request.method == "POST" else 200,
    )


def due_diligence_item(request, org_slug, partnership_id, due_diligence_item_id):
    partnership = _partnership(request, partnership_id)
    _require_member(request)
    item = get_object_for_member_or_404(
        request,
        DueDiligenceItem.objects.select_related("reviewer"),
        pk=due_diligence_item_id,
        partnership=partnership,
    )
    form = forms.DueDiligenceItemForm(
        request.POST or None,
        request.FILES or None,
        instance=item,
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST":
        require_permission(request, "partnerships.change", partnership)
        if form.is_valid():
            try:
                services.due_diligence_item_update(
                    item=item, actor=request.user, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"“{item.title}” saved.")
                return redirect("partnership-due-diligence", org_slug, partnership.pk)
    return render(
        request,
        "partnerships/form.html",
        {
            "form": form,
            "title": item.title,
            "subtitle": f"{item.get_area_display()} · "
            + ("mandatory" if item.mandatory else "optional"),
            "partnership": partnership,
            "multipart": True,
            "evidence_url": reverse(
                "due-diligence-evidence", args=[org_slug, partnership.pk, item.pk]
            )
            if item.evidence
            else "",
        },
        status=400 if form.errors else 200,
    )


def due_diligence_evidence(request, org_slug, partnership_id, due_diligence_item_id):
    partnership = _partnership(request, partnership_id)
    _require_member(request)
    item = get_object_for_member_or_404(
        request, DueDiligenceItem.objects.all(), pk=due_diligence_item_id, partnership=partnership
    )
    if not item.evidence:
        raise Http404("No evidence file.")
    return FileResponse(
        item.evidence.open("rb"), as_attachment=True, filename=item.evidence.name.rsplit("/", 1)[-1]
    )


def partnership_onboarding(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    _require_member(request)
    can_change = has_permission(request.membership, "partnerships.change", partnership)
    return render(
        request,
        "partnerships/onboarding.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "today": timezone.localdate(),
            "can_change": can_change,
            "milestone_form": forms.MilestoneForm(prefix="milestones", choices={}),
            "resolve_form": forms.ResolveForm(),
            **selectors.onboarding_for(partnership),
        },
    )


@require_POST
@refusals_to_messages("partnership-onboarding", "partnership_id")
def escalation_resolve(request, org_slug, partnership_id, onboarding_escalation_id):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    escalation = get_object_for_member_or_404(
        request,
        OnboardingEscalation.objects.all(),
        pk=onboarding_escalation_id,
        partnership=partnership,
    )
    form = forms.ResolveForm(request.POST)
    form.is_valid()
    services.escalation_resolve(
        escalation=escalation,
        actor=request.user,
        resolution=form.cleaned_data.get("resolution", ""),
        now=timezone.now(),
    )
    messages.success(request, "Escalation resolved.")
    return redirect("partnership-onboarding", org_slug, partnership.pk)


@require_POST
@refusals_to_messages("partnership-onboarding", "partnership_id")
def milestone_complete(request, org_slug, partnership_id, onboarding_milestone_id):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    milestone = get_object_for_member_or_404(
        request,
        OnboardingMilestone.objects.all(),
        pk=onboarding_milestone_id,
        partnership=partnership,
    )
    services.record_update(record=milestone, actor=request.user, completed_on=timezone.localdate())
    messages.success(request, f"“{milestone.title}” completed.")
    return redirect("partnership-onboarding", org_slug, partnership.pk)


# --- Strategy: stakeholders, joint objectives, exclusivity, joint IP -----------------------------


def _strategy_choices(request, partnership) -> dict:
    from contracts.selectors import agreement_list
    from performance.selectors import kpi_list

    return {
        "user": people_to_pick(organization=request.organization),
        "owner": Stakeholder.objects.filter(partnership=partnership),
        "conflicts_with": StakeholderObjective.objects.filter(partnership=partnership),
        "internal_objective": StakeholderObjective.objects.filter(partnership=partnership),
        "kpi": kpi_list(membership=request.membership).filter(partnership=partnership),
        "agreement": agreement_list(membership=request.membership).filter(partnership=partnership),
    }


def _strategy_forms(request, partnership, data=None, only=None) -> dict:
    choices = _strategy_choices(request, partnership)
    return {
        kind: {
            "form": form_class(data if kind == only else None, prefix=kind, choices=choices),
            "title": title,
            "kind": kind,
        }
        for kind, (form_class, _, title, page) in forms.PARTNERSHIP_RECORD_FORMS.items()
        if page == "strategy"
    }


def partnership_strategy(request, org_slug, partnership_id, *, record_forms=None, status=200):
    partnership = _partnership(request, partnership_id)
    _require_member(request)
    can_change = has_permission(request.membership, "partnerships.change", partnership)
    return render(
        request,
        "partnerships/strategy.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "can_change": can_change,
            "map": selectors.stakeholder_map(partnership),
            "exclusivities": selectors.exclusivities_of(partnership),
            "conflicts": selectors.exclusivity_conflicts(
                membership=request.membership, partnership=partnership
            ),
            "joint_ip": selectors.joint_ip_of(partnership),
            "record_forms": record_forms
            or (_strategy_forms(request, partnership) if can_change else {}),
        },
        status=status,
    )


@require_POST
def partnership_record_add(request, org_slug, partnership_id, kind):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    if kind not in forms.PARTNERSHIP_RECORD_FORMS:
        raise Http404("No such record.")
    form_class, model, title, page = forms.PARTNERSHIP_RECORD_FORMS[kind]
    if page == "strategy":
        record_forms = _strategy_forms(request, partnership, request.POST, only=kind)
        form = record_forms[kind]["form"]
    else:
        record_forms = None
        form = form_class(request.POST, prefix=kind, choices={})
    if form.is_valid():
        try:
            services.record_create(
                model=model, actor=request.user, partnership=partnership, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{title} added.")
            return redirect(f"partnership-{page}", org_slug, partnership.pk)
    if page == "strategy":
        return partnership_strategy(
            request, org_slug, partnership_id, record_forms=record_forms, status=400
        )
    for field, errors in form.errors.items():
        messages.error(
            request,
            f"{form.fields[field].label if field in form.fields else ''}: " + " ".join(errors),
        )
    return redirect(f"partnership-{page}", org_slug, partnership.pk)


# --- Correcting and deleting a record --------------------------------------------------------
# Every record added on the strategy, onboarding and partner pages is corrected on a page of its
# own and deleted after a confirmation with a reason (kept in the audit log). One URL per kind,
# named by the record's model (`…/stakeholders/<stakeholder_id>/edit/`), so routes name only ids.


def record_kwarg(model) -> str:
    """`JointIp` → `joint_ip_id`: the URL kwarg naming a record of `model`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower() + "_id"


_record_page = partial(form_page, template="partnerships/record_form.html")


def _partnership_record(request, partnership_id, kind, ids):
    partnership = _partnership(request, partnership_id, "partnerships.change")
    _require_member(request)
    if kind not in forms.PARTNERSHIP_RECORD_FORMS:
        raise Http404("No such record.")
    form_class, model, title, page = forms.PARTNERSHIP_RECORD_FORMS[kind]
    record = model.objects.filter(partnership=partnership, pk=ids.get(record_kwarg(model))).first()
    if record is None:
        raise Http404("No such record.")
    back = reverse(f"partnership-{page}", args=[partnership.organization.slug, partnership.pk])
    return partnership, record, form_class, title, back


def partnership_record_edit(request, org_slug, partnership_id, kind, **ids):
    partnership, record, form_class, title, back = _partnership_record(
        request, partnership_id, kind, ids
    )
    choices = _strategy_choices(request, partnership) if kind != "milestones" else {}
    form = form_class(
        request.POST or None,
        instance=type(record).objects.get(pk=record.pk),  # the form's copy, not the service's
        choices=choices,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(record=record, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{title} saved.")
            return redirect(back)
    return _record_page(
        request, title=f"Edit {title.lower()}: {record}", form=form, back=back, submit="Save"
    )


def partnership_record_delete(request, org_slug, partnership_id, kind, **ids):
    _, record, _, title, back = _partnership_record(request, partnership_id, kind, ids)
    return _record_delete_page(request, record=record, title=title, back=back)


def _delete_page(request, *, delete, title, back, done, success, confirm):
    """The confirmation page of a deletion: a reason, then `delete(reason)` (a service); a
    refusal comes back on the page."""
    form = ReasonForm(request.POST or None)
    deleted = form_submit(
        request, form, lambda data: delete(data["reason"]), success=success, to=done
    )
    return deleted or _record_page(
        request, title=title, form=form, back=back, submit="Delete for good", confirm=confirm
    )


def _record_delete_page(request, *, record, title, back):
    return _delete_page(
        request,
        delete=lambda reason: services.record_delete(
            record=record, actor=request.user, reason=reason
        ),
        title=f"Delete {title.lower()}: {record}",
        back=back,
        done=back,
        success=f"{title} “{record}” deleted.",
        confirm=f"Delete this {title.lower()}? It cannot be undone.",
    )


def _partner_record(request, partner_id, kind, ids):
    partner = _partner(request, partner_id)
    require_permission(request, "partnerships.change")
    if kind not in forms.PARTNER_RECORD_FORMS:
        raise Http404("No such record.")
    form_class, model, title = forms.PARTNER_RECORD_FORMS[kind]
    record = model.objects.filter(partner=partner, pk=ids.get(record_kwarg(model))).first()
    if record is None:
        raise Http404("No such record.")
    back = reverse("partner-detail", args=[partner.organization.slug, partner.pk])
    return partner, record, form_class, title, back


def partner_record_edit(request, org_slug, partner_id, kind, **ids):
    partner, record, form_class, title, back = _partner_record(request, partner_id, kind, ids)
    kwargs = {"partner": partner} if form_class is forms.SubTierForm else {}
    form = form_class(
        request.POST or None, instance=type(record).objects.get(pk=record.pk), **kwargs
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(record=record, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{title} saved.")
            return redirect(back)
    return _record_page(
        request, title=f"Edit {title.lower()}: {record}", form=form, back=back, submit="Save"
    )


def partner_record_delete(request, org_slug, partner_id, kind, **ids):
    _, record, _, title, back = _partner_record(request, partner_id, kind, ids)
    return _record_delete_page(request, record=record, title=title, back=back)


# --- Sourcing cases ------------------------------------------------------------------------------


def sourcing_list(request, org_slug):
    require_permission(request, "partnerships.view")
    _require_member(request)
    return render(
        request,
        "partnerships/sourcing_list.html",
        {
            "page": paginate(request, selectors.sourcing_case_list(membership=request.membership)),
            "can_create": has_permission(request.membership, "partnerships.change"),
        },
    )


def sourcing_create(request, org_slug):
    require_permission(request, "partnerships.change")
    _require_member(request)
    form = forms.SourcingCaseForm(
        request.POST or None,
        members=people_to_pick(organization=request.organization),
        initial={"currency": request.organization.default_currency, "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.sourcing_case_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"“{case.title}” created with the standard criteria.")
            return redirect("sourcing-detail", org_slug, case.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": "New sourcing need"},
        status=400 if form.errors else 200,
    )


def _case(request, sourcing_case_id) -> SourcingCase:
    require_permission(request, "partnerships.view")
    _require_member(request)
    return get_object_for_member_or_404(
        request,
        SourcingCase.objects.select_related("owner", "decided_by", "partnership"),
        partnership_path=None,
        pk=sourcing_case_id,
    )


MODEL_LABELS = dict(SourcingCase.Model.choices)


def sourcing_detail(request, org_slug, sourcing_case_id, *, tco_forms=None, status=200):
    case = _case(request, sourcing_case_id)
    analysis = selectors.sourcing_case_analysis(case)
    can_change = (
        has_permission(request.membership, "partnerships.change")
        and case.status == SourcingCase.Status.OPEN
    )
    curves = {}
    if analysis.transactional:
        curves["transactional"] = analysis.transactional.cumulative_npv
    if analysis.strategic:
        curves["strategic"] = analysis.strategic.cumulative_npv
    if tco_forms is None:
        tco_forms = {
            model: forms.TcoForm(instance=analysis.estimates.get(model), prefix=model)
            for model in SourcingCase.Model.values
        }
    return render(
        request,
        "partnerships/sourcing_detail.html",
        {
            "case": case,
            "analysis": analysis,
            "chart": charts.tco_curves_svg(curves, currency=case.currency, labels=MODEL_LABELS)
            if curves
            else "",
            "can_change": can_change,
            # The Kraljic dot: profit impact along x (1..5 → 10..110), supply risk up the y axis.
            "kraljic_x": 10 + (case.profit_impact - 0.5) * 20,
            "kraljic_y": 110 - (case.supply_risk - 0.5) * 20,
            "tco_forms": [(MODEL_LABELS[m], m, f) for m, f in tco_forms.items()],
            "candidate_form": forms.CandidateForm(prefix="candidate"),
        },
        status=status,
    )


@require_POST
def sourcing_tco(request, org_slug, sourcing_case_id, model):
    case = _case(request, sourcing_case_id)
    require_permission(request, "partnerships.change")
    if model not in SourcingCase.Model.values:
        raise Http404("No such model.")
    form = forms.TcoForm(request.POST, prefix=model)
    if form.is_valid():
        try:
            services.tco_estimate_set(case=case, model=model, actor=request.user, **form.costs())
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("sourcing-detail", org_slug, case.pk)
        else:
            messages.success(request, f"Costs of {MODEL_LABELS[model].lower()} saved.")
            return redirect("sourcing-detail", org_slug, case.pk)
    analysis_forms = {
        m: (form if m == model else forms.TcoForm(prefix=m)) for m in SourcingCase.Model.values
    }
    return sourcing_detail(
        request, org_slug, sourcing_case_id, tco_forms=analysis_forms, status=400
    )


def sourcing_edit(request, org_slug, sourcing_case_id):
    case = _case(request, sourcing_case_id)
    require_permission(request, "partnerships.change")
    form = forms.SourcingCaseForm(
        request.POST or None,
        instance=case,
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sourcing_case_update(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("sourcing-detail", org_slug, case.pk)
        else:
            messages.success(request, f"“{case.title}” saved.")
            return redirect("sourcing-detail", org_slug, case.pk)
    return render(
        request,
        "partnerships/form.html",
        {"form": form, "title": f"Edit {case.title}"},
        status=400 if form.errors else 200,
    )


def sourcing_criteria(request, org_slug, sourcing_case_id):
    case = _case(request, sourcing_case_id)
    criteria = list(case.criteria.order_by("pk"))
    form = forms.CriteriaForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        require_permission(request, "partnerships.change")
        if form.is_valid():
            try:
                services.selection_criteria_set(
                    case=case, actor=request.user, criteria=form.criteria()
                )
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                messages.error(request, error.message)
                return redirect("sourcing-detail", org_slug, case.pk)
            else:
                messages.success(request, "Selection criteria saved.")
                return redirect("sourcing-compare", org_slug, case.pk)
    return render(
        request,
        "partnerships/criteria.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def sourcing_candidate_add(request, org_slug, sourcing_case_id):
    case = _case(request, sourcing_case_id)
    require_permission(request, "partnerships.change")
    form = forms.CandidateForm(request.POST, prefix="candidate")
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        candidate = services.candidate_add(case=case, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{candidate.partner.name} is a candidate.")
    return redirect("sourcing-compare", org_slug, case.pk)


def sourcing_compare(request, org_slug, sourcing_case_id):
    case = _case(request, sourcing_case_id)
    analysis = selectors.sourcing_case_analysis(case)
    can_change = (
        has_permission(request.membership, "partnerships.change")
        and case.status == SourcingCase.Status.OPEN
    )
    best_fit = max((v.fit.total for v in analysis.candidates), default=None)
    npvs = [v.tco.npv for v in analysis.candidates if v.tco is not None]
    return render(
        request,
        "partnerships/sourcing_compare.html",
        {
            "case": case,
            "analysis": analysis,
            "can_change": can_change,
            "best_fit": best_fit,
            "lowest_npv": min(npvs) if npvs else None,
            "candidate_form": forms.CandidateForm(prefix="candidate"),
            "decide_form": forms.DecideForm(
                case=case,
                initial={"model": analysis.recommendation.model if analysis.recommendation else ""},
            ),
        },
    )


def sourcing_candidate(request, org_slug, sourcing_candidate_id):
    require_permission(request, "partnerships.view")
    _require_member(request)
    candidate = get_object_for_member_or_404(
        request,
        SourcingCandidate.objects.select_related("partner", "case"),
        partnership_path=None,
        pk=sourcing_candidate_id,
    )
    case = candidate.case
    criteria = list(case.criteria.order_by("pk"))
    scores = {s.criterion_id: s.score for s in candidate.scores.all()}
    estimate = candidate.estimates.first()
    form = forms.ScoresForm(
        request.POST or None, criteria=criteria, scores=scores, candidate=candidate
    )
    tco_form = forms.TcoForm(request.POST or None, instance=estimate, prefix="tco")
    if request.method == "POST":
        require_permission(request, "partnerships.change")
        if form.is_valid() and tco_form.is_valid():
            try:
                with transaction.atomic():
                    services.candidate_scores_set(
                        candidate=candidate,
                        actor=request.user,
                        scores=form.scores(),
                        risk_score=form.cleaned_data["risk_score"],
                    )
                    services.tco_estimate_set(
                        case=case,
                        model=SourcingCase.Model.STRATEGIC,
                        candidate=candidate,
                        actor=request.user,
                        **tco_form.costs(),
                    )
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                messages.error(request, error.message)
                return redirect("sourcing-compare", org_slug, case.pk)
            else:
                messages.success(request, f"{candidate.partner.name} scored.")
                return redirect("sourcing-compare", org_slug, case.pk)
    return render(
        request,
        "partnerships/candidate_form.html",
        {"case": case, "candidate": candidate, "form": form, "tco_form": tco_form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@refusals_to_messages("sourcing-candidate", "sourcing_candidate_id")
def sourcing_candidate_remove(request, org_slug, sourcing_candidate_id):
    """A candidate added by mistake leaves an open need (with its scores and cost estimate)."""
    require_permission(request, "partnerships.change")
    _require_member(request)
    candidate = get_object_for_member_or_404(
        request,
        SourcingCandidate.objects.select_related("partner", "case"),
        partnership_path=None,
        pk=sourcing_candidate_id,
    )
    case = candidate.case
    services.candidate_remove(candidate=candidate, actor=request.user)
    messages.success(request, f"{candidate.partner.name} is no longer a candidate.")
    return redirect("sourcing-compare", org_slug, case.pk)


@require_POST
def sourcing_decide(request, org_slug, sourcing_case_id):
    case = _case(request, sourcing_case_id)
    require_permission(request, "partnerships.change")
    form = forms.DecideForm(request.POST, case=case)
    if form.is_valid():
        try:
            case = services.sourcing_case_decide(
                case=case, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("sourcing-compare", org_slug, case.pk)
        else:
            messages.success(
                request,
                f"Decision recorded: {case.get_chosen_model_display().lower()} with "
                f"{case.chosen_candidate.partner.name}. The partnership is proposed.",
            )
            return redirect("partnership-detail", org_slug, case.partnership_id)
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.capitalize() if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("sourcing-compare", org_slug, case.pk)
