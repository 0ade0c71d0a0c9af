"""Pages of the exit-planning module: the portfolio of exit plans, the partnership's exit tab (plan,
readiness, triggers, wind-down with its Gantt, knowledge transfer, data disposition, assets,
stakeholder notices, alliance IP, post-mortem), the playbook changes under review, and the exit
report PDF. Thin: load with the tenancy helpers, call a selector or a service, render.

A partner guest sees the partnership's exit tab with what is shared with the partner (wind-down,
knowledge transfer, data disposition, assets, alliance IP, the joint post-mortem) and acts only
as the other party: verifies what we returned or destroyed, accepts valuations, contributes to
the post-mortem. Readiness, triggers, notices and playbook changes stay internal.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts.models import Agreement
from exit_planning import forms, selectors, services
from exit_planning.models import (
    READINESS_PARTS,
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    Party,
    PlaybookChange,
    PostMortemEntry,
    StakeholderNotice,
    WindDownTask,
)
from partnerships.models import Partnership
from tenancy.errors import ConflictError
from tenancy.forms import ReasonForm, apply_errors
from tenancy.modules import workspace_tabs as partnership_tabs
from tenancy.permissions import has_permission
from tenancy.selectors import people_to_pick
from tenancy.views import (
    form_page,
    get_object_for_member_or_404,
    paginate,
    refusal_message,
    refusals_to_messages,
    require_permission,
)


def _today():
    return timezone.localdate()


def _data(request):
    """The posted data of a form (an empty POST still binds the form: its errors show)."""
    return request.POST if request.method == "POST" else None


def _party(request) -> str:
    return Party.PARTNER if request.membership.is_guest else Party.US


def _partnership(request, partnership_id, verb="view") -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, f"exit_planning.{verb}", partnership)
    return partnership


def _plan(request, exit_plan_id, verb="change") -> ExitPlan:
    plan = get_object_for_member_or_404(
        request,
        ExitPlan.objects.select_related("partnership__partner", "owner", "governing_agreement"),
        pk=exit_plan_id,
    )
    require_permission(request, f"exit_planning.{verb}", plan)
    return plan


def _object(request, queryset, verb="change", **lookup):
    obj = get_object_for_member_or_404(
        request, queryset, partnership_path="plan__partnership", **lookup
    )
    require_permission(request, f"exit_planning.{verb}", obj)
    return obj


def _require_party_act(request, obj) -> None:
    """A member acts for us with the change right; a guest acts for the partner on what is
    shared with them (the other party's confirmations), with the view right on it."""
    verb = "view" if request.membership.is_guest else "change"
    require_permission(request, f"exit_planning.{verb}", obj)


def _tab(plan_or_partnership, anchor="") -> str:
    partnership = getattr(plan_or_partnership, "partnership", plan_or_partnership)
    return (
        reverse("partnership-exit", args=[partnership.organization.slug, partnership.pk]) + anchor
    )


# An exit-planning form on its own page (crumbs: Exit planning › the partnership).
_form_page = partial(form_page, template="exit_planning/form.html")


# --- The portfolio and the partnership tab --------------------------------------------------------


def exit_home(request, org_slug):
    require_permission(request, "exit_planning.view")
    membership = request.membership
    plans = selectors.plan_list(membership=membership)
    return render(
        request,
        "exit_planning/home.html",
        {
            "page": paginate(request, plans),
            "without_plan": []
            if membership.is_guest
            else list(
                selectors.partnerships_without_plan(membership=membership).select_related(
                    "partner"
                )[:50]
            ),
            "awaiting": list(
                selectors.trigger_list(membership=membership).filter(
                    status=ExitTrigger.Status.FIRED
                )[:50]
            ),
            "changes": list(
                selectors.playbook_change_list(membership=membership).filter(
                    status__in=[PlaybookChange.Status.PROPOSED, PlaybookChange.Status.APPROVED]
                )[:50]
            ),
        },
    )


def partnership_exit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    plan = selectors.plan_for_partnership(partnership)
    context = {
        "partnership": partnership,
        "partnership_tabs": partnership_tabs(request, partnership),
        "plan": plan,
        "can_change": has_permission(request.membership, "exit_planning.change", partnership),
        "guest": request.membership.is_guest,
        "party": _party(request),
        "today": _today(),
    }
    if plan is not None:
        context["view"] = selectors.exit_workspace(
            plan=plan, membership=request.membership, today=_today()
        )
        context["readiness"] = plan.readiness
        context["trigger_form"] = forms.TriggerForm()
        context["reason_form"] = ReasonForm()
        context["contribution_form"] = forms.ContributionForm()
        context["signoff_form"] = forms.SignOffForm()
        context["certificate_form"] = forms.CertificateForm()
    return render(request, "exit_planning/partnership_exit.html", context)


def _plan_form(request, partnership, data=None, initial=None):
    return forms.ExitPlanForm(
        data,
        initial=initial,
        users=people_to_pick(organization=request.organization),
        agreements=Agreement.objects.filter(partnership=partnership),
    )


def exit_plan_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = _plan_form(request, partnership, _data(request), {"owner": partnership.owner})
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_plan_create(
                actor=request.user, partnership=partnership, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(_tab(partnership))
        else:
            messages.success(request, "Exit plan created.")
            return redirect(_tab(partnership))
    return _form_page(
        request,
        title="Create the exit plan",
        partnership=partnership,
        form=form,
        submit="Create the exit plan",
        back=_tab(partnership),
    )


def exit_plan_edit(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    initial = {
        "owner": plan.owner,
        "governing_agreement": plan.governing_agreement,
        "lead_time_months": plan.lead_time_months,
        "sla_breach_count": plan.sla_breach_count,
        "sla_breach_window_months": plan.sla_breach_window_months,
        "financial_risk_threshold": plan.financial_risk_threshold,
        **{name: getattr(plan, name) for name, _ in READINESS_PARTS},
    }
    form = _plan_form(request, plan.partnership, _data(request), initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_plan_update(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Exit plan saved.")
            return redirect(_tab(plan))
    return _form_page(
        request,
        title="Edit the exit plan",
        partnership=plan.partnership,
        form=form,
        submit="Save",
        back=_tab(plan),
    )


@require_POST
@refusals_to_messages("exit-plan-back", "exit_plan_id")
def exit_plan_close(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    services.exit_plan_close(plan=plan, actor=request.user, today=_today())
    messages.success(request, "The exit is closed.")
    return redirect(_tab(plan))


def exit_plan_back(request, org_slug, exit_plan_id):
    """Where refused actions on a plan land: its partnership's exit tab."""
    plan = _plan(request, exit_plan_id, "view")
    return redirect(_tab(plan))


def exit_report_pdf(request, org_slug, exit_plan_id):
    from exit_planning.pdf import render_exit_report_pdf

    plan = _plan(request, exit_plan_id, "view")
    if request.membership.is_guest:
        raise Http404("No such object in this organization.")  # the report is internal
    view = selectors.exit_workspace(plan=plan, membership=request.membership, today=_today())
    pdf = render_exit_report_pdf(plan=plan, view=view)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="exit-report-{plan.partnership.code}.pdf"'
    return response


# --- Triggers -----------------------------------------------------------------------------------


def trigger_record(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    form = forms.TriggerForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_trigger_record(
                plan=plan, actor=request.user, today=_today(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(_tab(plan))
        else:
            messages.success(request, "Trigger recorded; the owners were told.")
            return redirect(_tab(plan, "#triggers"))
    return _form_page(
        request,
        title="Record an exit trigger",
        partnership=plan.partnership,
        form=form,
        submit="Record the trigger",
        back=_tab(plan),
    )


def _trigger(request, exit_trigger_id) -> ExitTrigger:
    trigger = get_object_for_member_or_404(
        request,
        ExitTrigger.objects.select_related("plan__partnership"),
        partnership_path="plan__partnership",
        pk=exit_trigger_id,
    )
    if request.membership.is_guest:
        raise Http404("No such object in this organization.")
    require_permission(request, "exit_planning.change", trigger)
    return trigger


@require_POST
@refusals_to_messages("exit-trigger-back", "exit_trigger_id")
def trigger_confirm(request, org_slug, exit_trigger_id):
    trigger = _trigger(request, exit_trigger_id)
    services.exit_trigger_confirm(
        trigger=trigger,
        actor=request.user,
        reason=request.POST.get("reason", ""),
        now=timezone.now(),
    )
    messages.success(request, "Trigger confirmed: the partnership is exiting.")
    return redirect(_tab(trigger.plan, "#triggers"))


@require_POST
@refusals_to_messages("exit-trigger-back", "exit_trigger_id")
def trigger_dismiss(request, org_slug, exit_trigger_id):
    trigger = _trigger(request, exit_trigger_id)
    services.exit_trigger_dismiss(
        trigger=trigger,
        actor=request.user,
        reason=request.POST.get("reason", ""),
        now=timezone.now(),
    )
    messages.success(request, "Trigger dismissed.")
    return redirect(_tab(trigger.plan, "#triggers"))


def trigger_back(request, org_slug, exit_trigger_id):
    trigger = _trigger(request, exit_trigger_id)
    return redirect(_tab(trigger.plan, "#triggers"))


# --- Wind-down tasks ------------------------------------------------------------------------------


def task_edit(request, org_slug, wind_down_task_id):
    task = _object(
        request, WindDownTask.objects.select_related("plan__partnership"), pk=wind_down_task_id
    )
    form = forms.TaskForm(
        _data(request),
        initial={"start_on": task.start_on, "due_on": task.due_on, "owner": task.owner_id},
        users=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.wind_down_task_update(task=task, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Task saved.")
            return redirect(_tab(task.plan, "#wind-down"))
    return _form_page(
        request,
        title=f"Reschedule or hand over: {task.title}",
        partnership=task.plan.partnership,
        form=form,
        submit="Save",
        back=_tab(task.plan, "#wind-down"),
    )


@require_POST
@refusals_to_messages("wind-down-task-edit", "wind_down_task_id")
def task_done(request, org_slug, wind_down_task_id):
    task = _object(
        request, WindDownTask.objects.select_related("plan__partnership"), pk=wind_down_task_id
    )
    services.wind_down_task_complete(task=task, actor=request.user, today=_today())
    messages.success(request, f"Done: {task.title}.")
    return redirect(_tab(task.plan, "#wind-down"))


# --- Knowledge transfer ---------------------------------------------------------------------------


def knowledge_create(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    form = forms.KnowledgeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.knowledge_item_create(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Knowledge-transfer item added.")
            return redirect(_tab(plan, "#knowledge"))
    return _form_page(
        request,
        title="Add a knowledge-transfer item",
        partnership=plan.partnership,
        form=form,
        submit="Add",
        back=_tab(plan, "#knowledge"),
    )


@require_POST
@refusals_to_messages("knowledge-item-back", "knowledge_transfer_item_id")
def knowledge_sign_off(request, org_slug, knowledge_transfer_item_id):
    item = _object(
        request,
        KnowledgeTransferItem.objects.select_related("plan__partnership"),
        pk=knowledge_transfer_item_id,
    )
    services.knowledge_item_sign_off(
        item=item,
        actor=request.user,
        attendees=request.POST.get("attendees", ""),
        now=timezone.now(),
    )
    messages.success(request, f"Signed off: {item.title}.")
    return redirect(_tab(item.plan, "#knowledge"))


def knowledge_back(request, org_slug, knowledge_transfer_item_id):
    item = _object(
        request,
        KnowledgeTransferItem.objects.select_related("plan__partnership"),
        "view",
        pk=knowledge_transfer_item_id,
    )
    return redirect(_tab(item.plan, "#knowledge"))


# --- Data disposition -----------------------------------------------------------------------------


def disposition_create(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    form = forms.DispositionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.disposition_create(
                plan=plan, actor=request.user, today=_today(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Data category added.")
            return redirect(_tab(plan, "#data"))
    return _form_page(
        request,
        title="Add a data category to return or destroy",
        partnership=plan.partnership,
        form=form,
        submit="Add",
        back=_tab(plan, "#data"),
    )


def _disposition(request, data_disposition_id, verb="change") -> DataDisposition:
    return _object(
        request,
        DataDisposition.objects.select_related("plan__partnership"),
        verb,
        pk=data_disposition_id,
    )


def disposition_done(request, org_slug, data_disposition_id):
    item = _disposition(request, data_disposition_id)
    form = forms.CertificateForm(_data(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disposition_mark_done(
                item=item,
                actor=request.user,
                certificate=form.cleaned_data.get("certificate"),
                today=_today(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(_tab(item.plan, "#data"))
        else:
            messages.success(request, f"Marked done: {item.data_category}.")
            return redirect(_tab(item.plan, "#data"))
    return _form_page(
        request,
        title=f"{item.get_action_display()} done: {item.data_category}",
        partnership=item.plan.partnership,
        form=form,
        submit="Mark done",
        back=_tab(item.plan, "#data"),
        multipart=True,
    )


@require_POST
@refusals_to_messages("data-disposition-back", "data_disposition_id")
def disposition_verify(request, org_slug, data_disposition_id):
    item = _disposition(request, data_disposition_id, "view")
    _require_party_act(request, item)
    services.disposition_verify(
        item=item, actor=request.user, party=_party(request), now=timezone.now()
    )
    messages.success(request, f"Verified: {item.data_category}.")
    return redirect(_tab(item.plan, "#data"))


def disposition_back(request, org_slug, data_disposition_id):
    item = _disposition(request, data_disposition_id, "view")
    return redirect(_tab(item.plan, "#data"))


def disposition_certificate(request, org_slug, data_disposition_id):
    from django.http import FileResponse

    item = _disposition(request, data_disposition_id, "view")
    if not item.certificate:
        raise Http404("No certificate.")
    return FileResponse(item.certificate.open("rb"), as_attachment=True)


# --- Assets ---------------------------------------------------------------------------------------


def asset_create(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    form = forms.AssetForm(_data(request), initial={"currency": plan.partnership.currency or "EUR"})
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_create(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Asset valued.")
            return redirect(_tab(plan, "#assets"))
    return _form_page(
        request,
        title="Value an asset, licence or equipment",
        partnership=plan.partnership,
        form=form,
        submit="Value the asset",
        back=_tab(plan, "#assets"),
    )


@require_POST
@refusals_to_messages("asset-transfer-back", "asset_transfer_id")
def asset_accept(request, org_slug, asset_transfer_id):
    asset = _object(
        request,
        AssetTransfer.objects.select_related("plan__partnership"),
        "view",
        pk=asset_transfer_id,
    )
    _require_party_act(request, asset)
    services.asset_accept(
        asset=asset, actor=request.user, party=_party(request), now=timezone.now()
    )
    messages.success(request, f"Valuation accepted: {asset.name}.")
    return redirect(_tab(asset.plan, "#assets"))


def asset_back(request, org_slug, asset_transfer_id):
    asset = _object(
        request,
        AssetTransfer.objects.select_related("plan__partnership"),
        "view",
        pk=asset_transfer_id,
    )
    return redirect(_tab(asset.plan, "#assets"))


# --- Stakeholder notices --------------------------------------------------------------------------


def _notice(request, stakeholder_notice_id) -> StakeholderNotice:
    if request.membership.is_guest:
        raise Http404("No such object in this organization.")
    return _object(
        request,
        StakeholderNotice.objects.select_related("plan__partnership"),
        pk=stakeholder_notice_id,
    )


def notice_create(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    form = forms.NoticeForm(
        _data(request),
        initial={
            "message": f"Our partnership with {plan.partnership.partner.name} ends"
            + (f" on {plan.wind_down_end_date:%d %B %Y}" if plan.wind_down_end_date else "")
            + ". Your service continues without interruption; we will confirm the new "
            "arrangements before then."
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_create(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Notice drafted.")
            return redirect(_tab(plan, "#notices"))
    return _form_page(
        request,
        title="Draft a stakeholder notice",
        partnership=plan.partnership,
        form=form,
        submit="Save the notice",
        back=_tab(plan, "#notices"),
    )


@require_POST
@refusals_to_messages("stakeholder-notice-continuity", "stakeholder_notice_id")
def notice_send(request, org_slug, stakeholder_notice_id):
    notice = _notice(request, stakeholder_notice_id)
    services.notice_send(notice=notice, actor=request.user, now=timezone.now())
    messages.success(request, f"Notice sent to {notice.stakeholder}.")
    return redirect(_tab(notice.plan, "#notices"))


def notice_continuity(request, org_slug, stakeholder_notice_id):
    notice = _notice(request, stakeholder_notice_id)
    form = forms.ContinuityForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_continuity_record(
                notice=notice,
                actor=request.user,
                continuity_ok=form.cleaned_data["continuity_ok"],
                note=form.cleaned_data["continuity_note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Service continuity recorded.")
            return redirect(_tab(notice.plan, "#notices"))
    return _form_page(
        request,
        title=f"Service continuity: {notice.stakeholder}",
        partnership=notice.plan.partnership,
        form=form,
        submit="Save",
        back=_tab(notice.plan, "#notices"),
    )


# --- Post-mortem and playbook changes -----------------------------------------------------------


@require_POST
def post_mortem_contribute(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id, "view")
    _require_party_act(request, plan)
    form = forms.ContributionForm(request.POST)
    if form.is_valid():
        try:
            services.post_mortem_contribute(
                plan=plan, actor=request.user, party=_party(request), **form.cleaned_data
            )
        except (ValidationError, ConflictError) as error:
            messages.error(request, refusal_message(error))
        else:
            messages.success(request, "Added to the post-mortem.")
    else:  # a section that is not one, over 4,000 characters
        messages.error(request, refusal_message(ValidationError(form.errors)))
    return redirect(_tab(plan, "#post-mortem"))


@require_POST
@refusals_to_messages("exit-plan-back", "exit_plan_id")
def post_mortem_complete(request, org_slug, exit_plan_id):
    plan = _plan(request, exit_plan_id)
    services.post_mortem_complete(plan=plan, actor=request.user, now=timezone.now())
    messages.success(request, "Post-mortem completed.")
    return redirect(_tab(plan, "#post-mortem"))


def playbook_change_propose(request, org_slug, post_mortem_entry_id):
    if request.membership.is_guest:
        raise Http404("No such object in this organization.")
    entry = get_object_for_member_or_404(
        request,
        PostMortemEntry.objects.select_related("post_mortem__plan__partnership"),
        partnership_path="post_mortem__plan__partnership",
        pk=post_mortem_entry_id,
    )
    require_permission(request, "exit_planning.change", entry)
    plan = entry.post_mortem.plan
    form = forms.PlaybookChangeForm(
        _data(request), initial={"text": entry.text, "clause_type": "limitation_of_liability"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = services.playbook_change_from_entry(
                entry=entry, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(_tab(plan, "#post-mortem"))
        else:
            messages.success(request, "Playbook change proposed for review.")
            return redirect("playbook-change-detail", org_slug, change.pk)
    return _form_page(
        request,
        title="Propose a playbook change",
        partnership=plan.partnership,
        form=form,
        submit="Propose for review",
        back=_tab(plan, "#post-mortem"),
    )


def _change(request, playbook_change_id, verb="view") -> PlaybookChange:
    if request.membership.is_guest:
        raise Http404("No such object in this organization.")
    change = get_object_for_member_or_404(
        request,
        PlaybookChange.objects.select_related(
            "partnership", "proposed_by", "reviewed_by", "playbook_clause", "source_type"
        ),
        partnership_path=None,
        pk=playbook_change_id,
    )
    require_permission(request, f"exit_planning.{verb}", change)
    return change


def playbook_change_list(request, org_slug):
    require_permission(request, "exit_planning.view")
    if request.membership.is_guest:
        raise PermissionDenied("The playbook is internal.")
    changes = selectors.playbook_change_list(membership=request.membership)
    return render(
        request, "exit_planning/playbook_changes.html", {"page": paginate(request, changes)}
    )


def playbook_change_detail(request, org_slug, playbook_change_id):
    change = _change(request, playbook_change_id)
    return render(
        request,
        "exit_planning/playbook_change.html",
        {
            "change": change,
            "review_form": forms.ReviewForm(),
            "can_change": has_permission(request.membership, "exit_planning.change"),
        },
    )


def _review(request, playbook_change_id, approve: bool):
    change = _change(request, playbook_change_id, "change")
    services.playbook_change_review(
        change=change,
        actor=request.user,
        approve=approve,
        note=request.POST.get("note", ""),
        now=timezone.now(),
    )
    messages.success(request, "Change approved." if approve else "Change rejected.")
    return redirect("playbook-change-detail", request.organization.slug, change.pk)


@require_POST
@refusals_to_messages("playbook-change-detail", "playbook_change_id")
def playbook_change_approve(request, org_slug, playbook_change_id):
    return _review(request, playbook_change_id, True)


@require_POST
@refusals_to_messages("playbook-change-detail", "playbook_change_id")
def playbook_change_reject(request, org_slug, playbook_change_id):
    return _review(request, playbook_change_id, False)


@require_POST
@refusals_to_messages("playbook-change-detail", "playbook_change_id")
def playbook_change_apply(request, org_slug, playbook_change_id):
    change = _change(request, playbook_change_id, "change")
    services.playbook_change_apply(change=change, actor=request.user, now=timezone.now())
    messages.success(request, "Applied to the clause playbook.")
    return redirect("playbook-change-detail", org_slug, change.pk)
