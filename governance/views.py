"""Pages of the governance module: the governance home (change requests and those awaiting your
decision), the partnership's governance tab, and a change request's form and detail page with
its approvers and decisions. Thin: load with the tenancy helpers, call a selector or a service,
render; a refused step comes back as a message, bad input as field errors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import selectors, services
from governance.forms import (
    ApproveForm,
    ApproverForm,
    ApproverReplaceForm,
    ChangeRequestForm,
    RejectForm,
    tiers_text,
)
from governance.models import ChangeRequest, ChangeRequestApprover
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from tenancy.audit import action_verb
from tenancy.errors import ConflictError
from tenancy.forms import apply_errors
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.views import (
    get_object_for_member_or_404,
    paginate,
    refusals_to_messages,
    require_permission,
)

PAGE_SIZE = 25


# A step the service refuses (409 in the API) goes back to the detail page with the reason.
_refusals_to_messages = refusals_to_messages("change-request-detail", "change_request_id")


def _next(request, org_slug, change_request_id) -> str:
    """Back where the form came from (the inbox's inline decisions), else the detail page."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("change-request-detail", args=[org_slug, change_request_id])


def _change_request(request, change_request_id, queryset=None) -> ChangeRequest:
    change_request = get_object_for_member_or_404(
        request,
        queryset
        if queryset is not None
        else ChangeRequest.objects.select_related("partnership", "requested_by"),
        pk=change_request_id,
    )
    require_permission(request, "governance.view", change_request)
    return change_request


def _status_filter(request, queryset):
    status = request.GET.get("status", "")
    if status in ChangeRequest.Status.values:
        queryset = queryset.filter(status=status)
    return queryset, status


def governance_home(request, org_slug):
    require_permission(request, "governance.view")
    change_requests, status = _status_filter(
        request, selectors.change_request_list(membership=request.membership)
    )
    return render(
        request,
        "governance/home.html",
        {
            "page": paginate(request, change_requests, PAGE_SIZE),
            "awaiting": list(selectors.awaiting_decision(membership=request.membership)[:20]),
            "counts": selectors.change_request_status_counts(membership=request.membership),
            "statuses": ChangeRequest.Status.choices,
            "status": status,
            "can_create": has_permission(request.membership, "governance.change"),
            "now": timezone.now(),
        },
    )


def partnership_governance(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "governance.view", partnership)
    change_requests, status = _status_filter(
        request,
        selectors.change_request_list(membership=request.membership).filter(
            partnership=partnership
        ),
    )
    return render(
        request,
        "governance/partnership_governance.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "page": paginate(request, change_requests, PAGE_SIZE),
            "awaiting": list(
                selectors.awaiting_decision(membership=request.membership).filter(
                    partnership=partnership
                )[:20]
            ),
            "statuses": ChangeRequest.Status.choices,
            "status": status,
            "can_create": has_permission(request.membership, "governance.change", partnership),
            "now": timezone.now(),
        },
    )


def _form_data(form) -> dict:
    data = form.request_fields()
    if data.get("schedule_impact_days") is None:
        data["schedule_impact_days"] = 0
    return data


def _apply_errors(form, error: ValidationError) -> None:
    """A service's errors on the form's fields; the SLA change's terms are the `sla_…` fields."""
    if hasattr(error, "error_dict"):
        renamed = {
            (
                f"sla_{field}"
                if f"sla_{field}" in form.fields and field not in form.fields
                else field
            ): messages
            for field, messages in error.message_dict.items()
        }
        error = ValidationError(renamed)
    apply_errors(form, error)


def _sla_initial(request, partnerships) -> dict:
    """The form's start when proposed from an SLA's page (`?sla=`): its current terms."""
    sla_id = request.GET.get("sla", "")
    sla = (
        selectors.sla_for_change(partnerships=partnerships).filter(pk=sla_id).first()
        if sla_id.isdigit() and len(sla_id) < 16
        else None
    )
    if sla is None:
        return {}
    return {
        "partnership": sla.partnership_id,
        "category": ChangeRequest.Category.SERVICE_LEVEL,
        "title": f"New terms for SLA “{sla.name}”"[:200],
        "sla": sla.pk,
        "sla_target": sla.target,
        "sla_breach_threshold": sla.breach_threshold,
        "sla_window_months": sla.window_months,
        "sla_period_fee": sla.period_fee,
        "sla_tiers": "\n".join(
            f"{t.threshold.normalize():f}, {t.percent_of_fee.normalize():f}"
            for t in sla.tiers.all()
        ),
    }


def change_request_create(request, org_slug):
    require_permission(request, "governance.change")
    partnerships = partnership_portfolio(membership=request.membership)
    initial = {"currency": request.organization.default_currency}
    if request.GET.get("partnership", "").isdigit():
        initial["partnership"] = int(request.GET["partnership"])
    initial.update(_sla_initial(request, partnerships))
    form = ChangeRequestForm(request.POST or None, partnerships=partnerships, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sla_change = form.sla_change()
            if sla_change is None:
                change_request = services.change_request_create(
                    actor=request.user, now=timezone.now(), **_form_data(form)
                )
            else:
                data = _form_data(form)
                data.pop("partnership")
                data.pop("category", None)
                change_request = services.sla_change_request_create(
                    actor=request.user, now=timezone.now(), **data, **sla_change
                )
        except ValidationError as error:
            _apply_errors(form, error)
        except ConflictError as error:
            form.add_error("sla_effective_from", error.message)
        else:
            messages.success(
                request, f"{change_request.reference} created. Add its approvers, then submit it."
            )
            return redirect("change-request-detail", org_slug, change_request.pk)
    return render(
        request,
        "governance/change_request_form.html",
        {"form": form, "change_request": None},
        status=400 if form.errors else 200,
    )


def change_request_edit(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    if change_request.status != ChangeRequest.Status.DRAFT:
        messages.error(request, f"{change_request.reference} is no longer a draft.")
        return redirect("change-request-detail", org_slug, change_request.pk)
    proposed = change_request.sla_changes.first()
    form = ChangeRequestForm(
        request.POST or None,
        instance=change_request,
        partnerships=partnership_portfolio(membership=request.membership),
        initial=_proposed_initial(proposed),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request_save_with_sla_change(
                change_request=change_request,
                actor=request.user,
                now=timezone.now(),
                sla_change=form.sla_change(),
                **_form_data(form),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except ConflictError as error:
            if error.code != "sla_already_judged":
                messages.error(request, error.message)
                return redirect("change-request-detail", org_slug, change_request.pk)
            form.add_error("sla_effective_from", error.message)
        else:
            messages.success(request, f"{change_request.reference} saved.")
            return redirect("change-request-detail", org_slug, change_request.pk)
    return render(
        request,
        "governance/change_request_form.html",
        {"form": form, "change_request": change_request},
        status=400 if form.errors else 200,
    )


def _proposed_initial(proposed) -> dict:
    if proposed is None:
        return {}
    return {
        "sla": proposed.sla_id,
        "sla_effective_from": proposed.effective_from,
        "sla_target": proposed.target,
        "sla_breach_threshold": proposed.breach_threshold,
        "sla_window_months": proposed.window_months,
        "sla_period_fee": proposed.period_fee,
        "sla_tiers": tiers_text(proposed.tiers),
    }


def _detail(request, change_request_id, *, status=200, **forms):
    change_request = _change_request(
        request,
        change_request_id,
        selectors.change_request_for_detail(membership=request.membership),
    )
    membership = request.membership
    approvers = list(change_request.approvers.all())
    mine = next((a for a in approvers if a.user_id == request.user.pk), None)
    is_open = change_request.status in ChangeRequest.OPEN_STATUSES
    can_change = has_permission(membership, "governance.change", change_request)
    is_draft = change_request.status == ChangeRequest.Status.DRAFT
    can_decide = (
        change_request.status == ChangeRequest.Status.SUBMITTED
        and mine is not None
        and mine.decision == ChangeRequestApprover.Decision.PENDING
        and has_permission(membership, "governance.approve", change_request)
    )
    # Approvers who can no longer decide (left, taken off the partnership, role changed), each
    # with its form to hand the decision on; only those who may replace see them.
    can_replace = can_change and services.may_replace_approvers(
        request.user, change_request, membership.role
    )
    if can_replace:
        pending = [a for a in approvers if a.decision == ChangeRequestApprover.Decision.PENDING]
        stale = services.approvers_who_cannot_decide(change_request, pending)
        if stale:
            taken = {a.user_id for a in approvers}
            candidates = [
                u
                for u in selectors.approver_candidates(change_request.partnership)
                if u.pk not in taken
            ]
            bound = forms.get("replace_forms", {})
            for approver in pending:
                if approver.user_id not in stale:
                    continue
                approver.cannot_decide = stale[approver.user_id]
                approver.replace_form = bound.get(approver.pk) or ApproverReplaceForm(
                    candidates=[u for u in candidates if u.party == approver.party],
                    may_drop=services.approver_drop_refusal(approver, approvers) is None,
                    party=approver.party,
                    prefix=f"replace-{approver.pk}",
                )
    context = {
        "change_request": change_request,
        "partnership": change_request.partnership,
        "approvers": approvers,
        "customer_approvers": [a for a in approvers if a.party == "customer"],
        "partner_approvers": [a for a in approvers if a.party == "partner"],
        "mine": mine,
        "can_edit": can_change and is_draft,
        "can_submit": can_change and is_draft,
        "blockers": services.submission_blockers(change_request, today=timezone.localdate())
        if can_change and is_draft
        else [],
        "can_decide": can_decide,
        "can_implement": can_change and change_request.status == ChangeRequest.Status.APPROVED,
        "can_escalate": can_change and is_open and not membership.is_guest,
        "can_withdraw": can_change
        and is_open
        and services.may_withdraw(request.user, change_request, membership.role),
        "approver_form": forms.get("approver_form")
        or (
            ApproverForm(
                candidates=[
                    u
                    for u in selectors.approver_candidates(change_request.partnership)
                    if u.pk not in {a.user_id for a in approvers}
                ]
            )
            if can_change and is_draft
            else None
        ),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "timeline": [
            (event, action_verb(event.action))
            for event in selectors.change_request_timeline(change_request)
        ],
        "now": timezone.now(),
    }
    return render(request, "governance/change_request_detail.html", context, status=status)


def change_request_detail(request, org_slug, change_request_id):
    return _detail(request, change_request_id)


@require_POST
@_refusals_to_messages
def change_request_submit(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    change_request = services.change_request_submit(
        change_request=change_request, actor=request.user, now=timezone.now()
    )
    messages.success(request, f"{change_request.reference} sent to its approvers.")
    return redirect("change-request-detail", org_slug, change_request.pk)


@require_POST
@_refusals_to_messages
def change_request_approve(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.approve", change_request)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, change_request_id, status=400, approve_form=form)
    change_request = services.change_request_approve(
        change_request=change_request,
        approver=request.user,
        comment=form.cleaned_data["comment"],
        now=timezone.now(),
    )
    if change_request.status == ChangeRequest.Status.APPROVED:
        messages.success(request, f"{change_request.reference} is approved by both parties.")
    else:
        messages.success(request, "Your approval is recorded.")
    return redirect(_next(request, org_slug, change_request.pk))


@require_POST
@_refusals_to_messages
def change_request_reject(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.approve", change_request)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.change_request_reject(
                change_request=change_request,
                approver=request.user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{change_request.reference} rejected.")
            return redirect(_next(request, org_slug, change_request.pk))
    return _detail(request, change_request_id, status=400, reject_form=form)


@require_POST
@_refusals_to_messages
def change_request_implement(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    change_request = services.change_request_implement(
        change_request=change_request, actor=request.user, now=timezone.now()
    )
    if change_request.amendment_id:
        messages.success(
            request,
            f"{change_request.reference} implemented: its amendment is drafted for legal review.",
        )
    else:
        messages.success(request, f"{change_request.reference} marked implemented.")
    return redirect("change-request-detail", org_slug, change_request.pk)


@require_POST
@_refusals_to_messages
def change_request_withdraw(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    services.change_request_withdraw(
        change_request=change_request, actor=request.user, now=timezone.now()
    )
    messages.success(request, f"{change_request.reference} withdrawn.")
    return redirect("change-request-detail", org_slug, change_request.pk)


@require_POST
@_refusals_to_messages
def change_request_approver_add(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    form = ApproverForm(
        request.POST, candidates=selectors.approver_candidates(change_request.partnership)
    )
    if form.is_valid():
        try:
            approver = services.change_request_approver_add(
                change_request=change_request,
                user=form.cleaned_data["user"],
                actor=request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{approver.user.display_name} added as {approver.get_party_display().lower()} "
                "approver.",
            )
            return redirect("change-request-detail", org_slug, change_request.pk)
    return _detail(request, change_request_id, status=400, approver_form=form)


def _approver(request, change_request, change_request_approver_id) -> ChangeRequestApprover:
    """One approver row of this change request (404 for any other id)."""
    return get_object_for_member_or_404(
        request,
        ChangeRequestApprover.objects.select_related("user"),
        partnership_path="change_request__partnership",
        pk=change_request_approver_id,
        change_request=change_request,
    )


@require_POST
@_refusals_to_messages
def change_request_approver_remove(
    request, org_slug, change_request_id, change_request_approver_id
):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    approver = _approver(request, change_request, change_request_approver_id)
    services.change_request_approver_remove(
        change_request=change_request, user=approver.user, actor=request.user
    )
    messages.success(request, f"{approver.user.display_name} is no longer an approver.")
    return redirect("change-request-detail", org_slug, change_request.pk)


@require_POST
@_refusals_to_messages
def change_request_approver_replace(
    request, org_slug, change_request_id, change_request_approver_id
):
    """Hand the decision of an approver who can no longer decide to someone of their party, or
    drop it (the service says when that is allowed)."""
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.change", change_request)
    approver = _approver(request, change_request, change_request_approver_id)
    approvers = list(change_request.approvers.select_related("user"))
    form = ApproverReplaceForm(
        request.POST,
        candidates=[
            u
            for u in selectors.approver_candidates(change_request.partnership)
            if u.party == approver.party and u.pk not in {a.user_id for a in approvers}
        ],
        may_drop=services.approver_drop_refusal(approver, approvers) is None,
        party=approver.party,
        prefix=f"replace-{approver.pk}",
    )
    if form.is_valid():
        replacement = form.cleaned_data["replacement"]
        try:
            services.change_request_approver_replace(
                change_request=change_request,
                user=approver.user,
                replacement=replacement,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if replacement is None:
                messages.success(request, f"{approver.user.display_name} is no longer an approver.")
            else:
                messages.success(
                    request,
                    f"{replacement.display_name} decides in place of {approver.user.display_name}.",
                )
            return redirect("change-request-detail", org_slug, change_request.pk)
    return _detail(request, change_request_id, status=400, replace_forms={approver.pk: form})


@require_POST
@_refusals_to_messages
def change_request_request_changes(request, org_slug, change_request_id):
    change_request = _change_request(request, change_request_id)
    require_permission(request, "governance.approve", change_request)
    form = RejectForm(request.POST)
    form.is_valid()
    services.change_request_request_changes(
        change_request=change_request,
        approver=request.user,
        reason=form.cleaned_data.get("reason", ""),
        now=timezone.now(),
    )
    messages.success(request, f"{change_request.reference} is back with its requester as a draft.")
    return redirect(_next(request, org_slug, change_request.pk))
