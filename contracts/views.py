"""Pages of the contracts module. Thin: load with the tenancy helpers, call a selector or a
service, render. Service errors become a message on the page they came from."""

from datetime import date, datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts import selectors, services
from contracts.detection.taxonomy import BY_CODE
from contracts.forms import (
    AgreementEditForm,
    AgreementFilterForm,
    AgreementForm,
    AmendmentForm,
    ClauseForm,
    CommentForm,
    CorrectionForm,
    DecisionForm,
    FulfilForm,
    ObligationForm,
    RedlineAgreeForm,
    ReviewerForm,
    RuleForm,
    TerminateForm,
    UploadForm,
    WaiveForm,
    format_parameters,
)
from contracts.models import (
    AGREEMENT_LIFECYCLE,
    Agreement,
    Clause,
    ClauseComment,
    Obligation,
    ObligationFulfilment,
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import PARAMETERS
from contracts.redline import redline_html
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from partnerships.views import partnership_tabs
from tenancy.dates import add_days
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.filesize import limit_text
from tenancy.forms import apply_errors
from tenancy.permissions import roles_with
from tenancy.selectors import people_to_pick
from tenancy.views import (
    get_object_for_member_or_404,
    refusal_message,
    refusals_to_messages,
    require_permission,
)
from tenancy.widgets import picker_query, picker_response


def service_errors_to_messages(view):
    """Like tenancy.views.refusals_to_messages, for actions posted from several pages: a
    refusal goes back to the page it came from (`next`) with the reason."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ValidationError, ConflictError) as exc:
            messages.error(request, refusal_message(exc))
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        return redirect(request.POST.get("next") or request.META.get("HTTP_REFERER") or "/")

    return wrapper


def _agreement(request, agreement_id, queryset=None):
    queryset = (
        queryset
        if queryset is not None
        else Agreement.objects.select_related("partnership__partner", "owner", "parent", "amends")
    )
    return get_object_for_member_or_404(request, queryset, pk=agreement_id)


def _clause(request, clause_id):
    return get_object_for_member_or_404(
        request,
        selectors.clause_list(membership=request.membership).select_related(
            "agreement__partnership"
        ),
        partnership_path="agreement__partnership",
        pk=clause_id,
    )


# --- landing, lists -----------------------------------------------------------------------


def contracts_home(request, org_slug):
    require_permission(request, "contracts.view")
    today = timezone.localdate()
    calendar = [
        m
        for m in selectors.contract_calendar(today=today, membership=request.membership)
        if today <= m.on <= today + timedelta(days=180)
    ]
    counts = selectors.agreement_status_counts(membership=request.membership)
    return render(
        request,
        "contracts/home.html",
        {
            "internal": selectors.sees_internal(request.membership),
            "queue": selectors.review_queue(membership=request.membership),
            "upcoming": calendar[:20],
            "counts": [
                (label, counts[value], value)
                for value, label in selectors.status_choices(request.membership)
            ],
            "jobs": selectors.intake_jobs().filter(
                partnership__in=partnership_portfolio(membership=request.membership)
            )[:5]
            if not request.membership.is_guest
            else [],
            "today": today,
        },
    )


AGREEMENTS_PER_PAGE = 50


def agreement_list(request, org_slug):
    require_permission(request, "contracts.view")
    agreements = selectors.agreement_list(membership=request.membership)
    filters = {
        "type": request.GET.get("type", ""),
        "status": request.GET.get("status", ""),
        "partnership": request.GET.get("partnership", ""),
        "expiring_before": request.GET.get("expiring_before", ""),
    }
    if filters["type"] in Agreement.Type.values:
        agreements = agreements.filter(agreement_type=filters["type"])
    agreements = selectors.filter_by_status(agreements, filters["status"], request.membership)
    if filters["partnership"].isdigit():
        agreements = agreements.filter(partnership_id=int(filters["partnership"]))
    try:
        if filters["expiring_before"]:
            agreements = agreements.filter(
                expiry_date__lte=date.fromisoformat(filters["expiring_before"])
            )
    except ValueError:
        messages.error(request, "Give the expiry date as YYYY-MM-DD.")
    form = None
    if request.method == "POST":
        require_permission(request, "contracts.change")
    if not request.membership.is_guest:
        form = AgreementForm(
            request.POST or None,
            partnerships=partnership_portfolio(membership=request.membership),
            agreements=Agreement.objects.order_by("title"),
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                agreement = services.agreement_create(
                    actor=request.user, owner=request.user, **data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    f"Agreement “{agreement.title}” created as a draft: add its clauses or "
                    "send it to legal review.",
                )
                return redirect("agreement-detail", org_slug, agreement.pk)
    page = Paginator(agreements, AGREEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    filter_form = AgreementFilterForm(
        initial={"partnership": filters["partnership"] if filters["partnership"].isdigit() else ""},
        partnerships=partnership_portfolio(membership=request.membership),
    )
    return render(
        request,
        "contracts/agreement_list.html",
        {
            "agreements": page.object_list,
            "page": page,
            "filters": filters,
            "types": Agreement.Type.choices,
            "statuses": selectors.status_choices(request.membership),
            "filter_form": filter_form,
            "form": form,
        },
    )


def partnership_contracts(request, org_slug, partnership_id):
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "contracts.view", partnership)
    agreements = selectors.agreement_list(membership=request.membership).filter(
        partnership=partnership
    )
    today = timezone.localdate()
    milestones = []
    for agreement in agreements:
        milestones.extend(selectors.agreement_milestones(agreement, today=today))
    return render(
        request,
        "contracts/partnership_contracts.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "agreements": _as_tree(list(agreements)),
            "milestones": sorted(milestones, key=lambda m: m.on),
            "today": today,
        },
    )


def _as_tree(agreements):
    """[(agreement, depth)] with SOWs and amendments under their agreement."""
    by_parent: dict = {}
    ids = {a.pk for a in agreements}
    for a in agreements:
        up = a.parent_id or a.amends_id
        by_parent.setdefault(up if up in ids else None, []).append(a)
    result = []

    def walk(parent_id, depth):
        for a in by_parent.get(parent_id, []):
            result.append((a, depth))
            walk(a.pk, depth + 1)

    walk(None, 0)
    return result


# --- agreement detail ---------------------------------------------------------------------


def agreement_detail(request, org_slug, agreement_id):
    agreement = _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )
    require_permission(request, "contracts.view", agreement)
    return _detail_page(request, agreement)


def _detail_page(request, agreement, *, obligation_form=None, status=200):
    today = timezone.localdate()
    try:
        on = date.fromisoformat(request.GET["on"]) if request.GET.get("on") else today
    except ValueError:
        on = today
    review = selectors.review_view(agreement=agreement, membership=request.membership)
    members = people_to_pick(organization=request.organization)
    return render(
        request,
        "contracts/agreement_detail.html",
        {
            "agreement": agreement,
            "internal": review.internal,
            "rows": review.rows,
            "missing": review.missing,
            "open_red_lines": review.open_red_lines,
            "milestones": selectors.agreement_milestones(agreement, today=today),
            "timeline": selectors.agreement_timeline(agreement) if review.internal else [],
            "reviewers": selectors.agreement_reviewers(agreement) if review.internal else [],
            "reviewer_form": ReviewerForm(
                members=people_to_pick(
                    organization=request.organization, roles=roles_with("contracts.review")
                )
            ),
            "obligation_form": obligation_form
            or ObligationForm(
                clauses=Clause.objects.filter(agreement=agreement).select_related("agreement"),
                members=members,
            ),
            "terms": selectors.terms_in_force(agreement, on=on)
            if agreement.amendments.all()
            else None,
            "on": on,
            # Terminating has its own page (confirmation, reason, date); approval happens on
            # the review page, where the blockers are shown.
            "transitions": sorted(
                t
                for t in AGREEMENT_LIFECYCLE.allowed_from(agreement.status)
                if t not in (Agreement.Status.TERMINATED, Agreement.Status.APPROVED)
            ),
            "can_terminate": Agreement.Status.TERMINATED
            in AGREEMENT_LIFECYCLE.allowed_from(agreement.status),
            "can_amend": agreement.status in (Agreement.Status.APPROVED, Agreement.Status.EXECUTED),
            "editable": agreement.status in services.EDITABLE_STATUSES,
            "can_change": request.membership
            and not request.membership.is_guest
            and _has(request, "contracts.change"),
            "obligation_errors": obligation_form is not None,
        },
        status=status,
    )


TRANSITION_DONE = {
    "in_legal_review": "“{title}” was sent to legal review.",
    "draft": "“{title}” is back in draft.",
    "approved": "“{title}” is approved; its key terms now follow the accepted clauses.",
    "executed": "“{title}” is marked executed.",
    "expired": "“{title}” is marked expired.",
    "terminated": "“{title}” is terminated.",
}


def _has(request, perm):
    from tenancy.permissions import has_permission

    return has_permission(request.membership, perm)


@require_POST
@service_errors_to_messages
def agreement_transition(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    status = request.POST.get("status", "")
    require_permission(
        request, "contracts.approve" if status == "approved" else "contracts.change", agreement
    )
    if status not in Agreement.Status.values:
        raise ValidationError({"status": "Choose a status the agreement can move to."})
    if status == Agreement.Status.TERMINATED:
        return redirect("agreement-terminate", org_slug, agreement.pk)
    services.agreement_transition(
        agreement=agreement, actor=request.user, status=status, now=timezone.now()
    )
    messages.success(request, TRANSITION_DONE[status].format(title=agreement.title))
    return redirect(
        request.POST.get("next") or reverse("agreement-detail", args=[org_slug, agreement.pk])
    )


@require_POST
@refusals_to_messages("agreement-detail", "agreement_id")
def agreement_reviewer_assign(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    require_permission(request, "contracts.change", agreement)
    form = ReviewerForm(
        request.POST,
        members=people_to_pick(
            organization=request.organization, roles=roles_with("contracts.review")
        ),
    )
    if not form.is_valid():
        raise ValidationError({"reviewer": "Choose a legal member."})
    reviewer = form.cleaned_data["reviewer"]
    services.agreement_assign_reviewer(agreement=agreement, reviewer=reviewer, actor=request.user)
    messages.success(
        request, f"{reviewer.display_name} now reviews “{agreement.title}” and was notified."
    )
    return redirect("agreement-detail", org_slug, agreement.pk)


@require_POST
@refusals_to_messages("agreement-detail", "agreement_id")
def agreement_reviewer_remove(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    require_permission(request, "contracts.change", agreement)
    chosen = request.POST.get("reviewer", "")
    reviewer = next(
        (u for u in selectors.agreement_reviewers(agreement) if str(u.pk) == chosen), None
    )
    if reviewer is None:
        raise ValidationError({"reviewer": "Choose one of the agreement's reviewers."})
    services.agreement_remove_reviewer(agreement=agreement, reviewer=reviewer, actor=request.user)
    messages.success(request, f"{reviewer.display_name} no longer reviews “{agreement.title}”.")
    return redirect("agreement-detail", org_slug, agreement.pk)


@require_POST
def obligation_add(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    require_permission(request, "contracts.change", agreement)
    form = ObligationForm(
        request.POST,
        clauses=Clause.objects.filter(agreement=agreement).select_related("agreement"),
        members=people_to_pick(organization=request.organization),
    )
    if form.is_valid():
        try:
            obligation = services.obligation_create(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"Obligation “{obligation.title}” added to “{agreement.title}”."
            )
            return redirect("agreement-detail", org_slug, agreement.pk)
    agreement = _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )
    return _detail_page(request, agreement, obligation_form=form, status=400)


def obligation_list(request, org_slug):
    require_permission(request, "contracts.view")
    obligations = selectors.obligation_list(membership=request.membership)
    status = request.GET.get("status", "open")
    if status in Obligation.Status.values:
        obligations = obligations.filter(status=status)
    return render(
        request,
        "contracts/obligation_list.html",
        {
            "obligations": obligations,
            "status": status,
            "statuses": Obligation.Status.choices,
            "today": timezone.localdate(),
            "fulfil_form": FulfilForm(),
            "can_change": not request.membership.is_guest and _has(request, "contracts.change"),
        },
    )


def _obligation(request, obligation_id):
    return get_object_for_member_or_404(
        request,
        selectors.obligation_list(membership=request.membership),
        partnership_path="agreement__partnership",
        pk=obligation_id,
    )


def obligation_detail(request, org_slug, obligation_id):
    """An obligation with the history of its fulfilments and their evidence; members who may
    change contracts record a fulfilment here (with a note, a link and/or a file)."""
    obligation = _obligation(request, obligation_id)
    require_permission(request, "contracts.view", obligation)
    form = FulfilForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        _require_editor(request, obligation)
        if form.is_valid():
            upload = form.cleaned_data.get("evidence_file")
            try:
                obligation = services.obligation_fulfil(
                    obligation=obligation,
                    actor=request.user,
                    evidence=form.cleaned_data["evidence"],
                    evidence_url=form.cleaned_data["evidence_url"],
                    evidence_filename=upload.name if upload else "",
                    evidence_content=upload.read() if upload else None,
                    now=timezone.now(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            else:
                if obligation.status == Obligation.Status.OPEN:
                    messages.success(
                        request,
                        f"Fulfilment of “{obligation.title}” recorded; next due "
                        f"{obligation.due_date:%d %b %Y}.",
                    )
                else:
                    messages.success(request, f"“{obligation.title}” is fulfilled.")
                return redirect("obligation-detail", org_slug, obligation.pk)
    return _obligation_page(request, obligation, form=form)


def _obligation_page(request, obligation, *, form=None, waive_form=None, status=200):
    """The obligation's page; members who may fulfil it (never a partner guest) also get the
    forms to fulfil or waive it while it is open."""
    can_change = not request.membership.is_guest and _has(request, "contracts.change")
    may_decide = can_change and obligation.status == Obligation.Status.OPEN
    if may_decide:
        form = form if form is not None else FulfilForm()
        waive_form = waive_form if waive_form is not None else WaiveForm()
    return render(
        request,
        "contracts/obligation_detail.html",
        {
            "obligation": obligation,
            "fulfilments": selectors.obligation_fulfilments(obligation),
            "form": form if may_decide else None,
            "waive_form": waive_form if may_decide else None,
            "can_change": can_change,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_POST
@refusals_to_messages("obligation-detail", "obligation_id")
def obligation_waive(request, org_slug, obligation_id):
    """Waive an obligation that no longer applies, with the reason (the page asks first). Who
    may is who may fulfil it; an obligation no longer open is refused with a message."""
    obligation = _obligation(request, obligation_id)
    _require_editor(request, obligation)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            obligation = services.obligation_waive(
                obligation=obligation,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"“{obligation.title}” is waived; it no longer falls due.")
            return redirect("obligation-detail", org_slug, obligation.pk)
    return _obligation_page(request, obligation, waive_form=form, status=400)


def obligation_edit(request, org_slug, obligation_id):
    """Correct an obligation: its title, clause, who is responsible, owner, next due date,
    recurrence, description (the fulfilments recorded stay as they were)."""
    obligation = _obligation(request, obligation_id)
    _require_editor(request, obligation)
    form = ObligationForm(
        request.POST or None,
        instance=Obligation.objects.get(pk=obligation.pk),  # the form's copy, not the page's
        clauses=Clause.objects.filter(agreement_id=obligation.agreement_id).select_related(
            "agreement"
        ),
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.obligation_update(obligation=obligation, actor=request.user, **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"“{fields['title']}” saved.")
            return redirect("obligation-detail", org_slug, obligation.pk)
    return render(
        request,
        "contracts/obligation_edit.html",
        {"obligation": obligation, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@refusals_to_messages("obligation-list")
def obligation_fulfil(request, org_slug, obligation_id):
    """The quick form of the obligations list (a note and a link)."""
    obligation = _obligation(request, obligation_id)
    require_permission(request, "contracts.change", obligation)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"evidence": "Say how the obligation was fulfilled."})
    obligation = services.obligation_fulfil(
        obligation=obligation,
        actor=request.user,
        evidence=form.cleaned_data["evidence"],
        evidence_url=form.cleaned_data["evidence_url"],
        now=timezone.now(),
    )
    messages.success(request, f"Fulfilment of “{obligation.title}” recorded.")
    return redirect("obligation-list", org_slug)


def fulfilment_evidence(request, org_slug, obligationfulfilment_id):
    fulfilment = get_object_for_member_or_404(
        request,
        ObligationFulfilment.objects.select_related("obligation__agreement__partnership"),
        partnership_path="obligation__agreement__partnership",
        pk=obligationfulfilment_id,
    )
    require_permission(request, "contracts.view", fulfilment)
    if not fulfilment.evidence_file:
        raise Http404("No file was kept with this fulfilment.")
    return FileResponse(
        fulfilment.evidence_file.open("rb"),
        as_attachment=True,
        filename=fulfilment.evidence_filename or "evidence",
    )


# --- legal review -------------------------------------------------------------------------


REVIEW_FILTERS = {
    "": "All clauses",
    "undecided": "Not decided",
    "red_lines": "Open red lines",
}


def _review_page(request, agreement, *, bound: dict | None = None, status=200):
    """The review page; `bound` holds a clause's submitted form (with its errors) so what the
    reviewer typed stays under the field that was refused."""
    bound = bound or {}
    review = selectors.review_view(agreement=agreement, membership=request.membership)
    shown = request.GET.get("show", "")
    shown = shown if shown in REVIEW_FILTERS else ""
    for row in review.rows:
        clause = row.clause
        row.correction_form = bound.get(("correct", clause.pk)) or CorrectionForm(
            initial={
                "clause_type": clause.clause_type,
                "parameters": format_parameters(clause.parameters),
            },
            prefix=f"c{clause.pk}",
        )
        row.decision_form = bound.get(("decide", clause.pk)) or DecisionForm(
            initial={
                "redline_text": clause.text,
                "redline_parameters": format_parameters(clause.parameters),
            },
            prefix=f"d{clause.pk}",
        )
        row.comment_form = bound.get(("comment", clause.pk)) or CommentForm()
        row.agree_form = bound.get(("agree", clause.pk)) or RedlineAgreeForm()
        row.bound = any(key[1] == clause.pk for key in bound)
    if shown == "undecided":
        visible_rows = [r for r in review.rows if r.clause.decision == Clause.Decision.PENDING]
    elif shown == "red_lines":
        visible_rows = [r for r in review.rows if r.red_line]
    else:
        visible_rows = review.rows
    internal = review.internal
    return render(
        request,
        "contracts/agreement_review.html",
        {
            "agreement": agreement,
            "internal": internal,
            "rows": visible_rows,
            "all_rows": review.rows,
            "missing": review.missing,
            "shown": shown,
            "filters": [
                (value, label, _filter_count(review.rows, value))
                for value, label in REVIEW_FILTERS.items()
            ]
            if internal
            else [],
            "blockers": services.approval_blockers(agreement)
            if internal and agreement.status == Agreement.Status.IN_LEGAL_REVIEW
            else [],
            "may_review": internal and services.may_review(request.user, agreement),
            "may_comment": not internal or _has(request, "contracts.change"),
            "may_edit": internal
            and _has(request, "contracts.change")
            and agreement.status in services.EDITABLE_STATUSES,
            "decided": sum(1 for r in review.rows if r.clause.decision != Clause.Decision.PENDING),
            "parameter_help": PARAMETERS,
            "visibilities": ClauseComment.Visibility.choices,
        },
        status=status,
    )


def _filter_count(rows, value) -> int:
    if value == "undecided":
        return sum(1 for r in rows if r.clause.decision == Clause.Decision.PENDING)
    if value == "red_lines":
        return sum(1 for r in rows if r.red_line)
    return len(rows)


def _review_agreement(request, agreement_id):
    return _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )


def agreement_review(request, org_slug, agreement_id):
    agreement = _review_agreement(request, agreement_id)
    require_permission(request, "contracts.view", agreement)
    return _review_page(request, agreement)


def _back_to_review(clause):
    return redirect(
        reverse("agreement-review", args=[clause.organization.slug, clause.agreement_id])
        + f"#clause-{clause.pk}"
    )


def _refused(request, clause, key, form, exc):
    """Render the review page again with the refused form bound and its errors in place."""
    if isinstance(exc, ValidationError):
        apply_errors(form, exc)
    else:
        form.add_error(None, getattr(exc, "message", str(exc)))
    agreement = _review_agreement(request, clause.agreement_id)
    return _review_page(request, agreement, bound={(key, clause.pk): form}, status=400)


@require_POST
def clause_decide(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.review", clause)
    form = DecisionForm(request.POST, prefix=f"d{clause.pk}")
    if not form.is_valid():
        return _refused(request, clause, "decide", form, ValidationError({}))
    data = form.cleaned_data
    try:
        services.clause_decide(
            clause=clause,
            actor=request.user,
            decision=data["decision"],
            comment=data["comment"],
            redline_text=data["redline_text"] if data["decision"] == "redline" else None,
            # The box starts with the clause's parameters: emptied, the redline states none.
            redline_parameters=data["redline_parameters"]
            if data["decision"] == "redline"
            else None,
            justification=data["justification"],
            now=timezone.now(),
        )
    except (ValidationError, ConflictError) as exc:
        return _refused(request, clause, "decide", form, exc)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    label = BY_CODE[clause.clause_type].label
    done = {
        "accepted": f"{label}: accepted.",
        "redline": f"{label}: redline proposed to the partner.",
        "rejected": f"{label}: rejected.",
    }[data["decision"]]
    if data["decision"] == "accepted" and data["justification"].strip():
        done = f"{label}: accepted; the red line is waived with your justification."
    messages.success(request, done)
    return _back_to_review(clause)


@require_POST
def clause_agree(request, org_slug, clause_id):
    """The partner agrees to a redline (a guest), or a reviewer records that they did."""
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.view", clause)
    form = RedlineAgreeForm(request.POST)
    if not form.is_valid():
        return _refused(request, clause, "agree", form, ValidationError({}))
    try:
        services.clause_redline_agree(
            clause=clause, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
        )
    except (ValidationError, ConflictError) as exc:
        return _refused(request, clause, "agree", form, exc)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(
        request, f"{BY_CODE[clause.clause_type].label}: the partner's agreement is recorded."
    )
    return _back_to_review(clause)


@require_POST
@service_errors_to_messages
def clause_correct(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.review", clause)
    if request.POST.get("confirm"):
        services.clause_confirm(clause=clause, actor=request.user)
        messages.success(request, f"{BY_CODE[clause.clause_type].label}: proposal confirmed.")
        return _back_to_review(clause)
    form = CorrectionForm(request.POST, prefix=f"c{clause.pk}")
    if not form.is_valid():
        return _refused(request, clause, "correct", form, ValidationError({}))
    try:
        services.clause_correct(clause=clause, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _refused(request, clause, "correct", form, exc)
    messages.success(request, "Correction saved; the detector's proposal is kept for reference.")
    return _back_to_review(clause)


@require_POST
def clause_comment(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    # A guest comments on their partnership's clauses (always shared with the partner);
    # members need the right to change contracts. The service holds the rule.
    require_permission(
        request, "contracts.view" if request.membership.is_guest else "contracts.change", clause
    )
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _refused(request, clause, "comment", form, ValidationError({}))
    parent = None
    if form.cleaned_data.get("parent"):
        parent = (
            selectors.visible_comments(request.membership)
            .filter(clause=clause, pk=form.cleaned_data["parent"])
            .first()
        )
    try:
        comment = services.clause_comment_add(
            clause=clause,
            actor=request.user,
            body=form.cleaned_data["body"],
            parent=parent,
            visibility=form.cleaned_data.get("visibility") or ClauseComment.Visibility.INTERNAL,
        )
    except ValidationError as exc:
        return _refused(request, clause, "comment", form, exc)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(
        request,
        "Comment shared with the partner."
        if comment.visibility == ClauseComment.Visibility.SHARED
        else "Internal comment added (the partner does not see it).",
    )
    return _back_to_review(clause)


def clause_redline(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.view", clause)
    versions = selectors.clause_versions(clause=clause, membership=request.membership)
    numbers = [v.number for v in versions]

    def pick(name, default):
        try:
            value = int(request.GET.get(name, default))
        except ValueError:
            value = default
        return value if value in numbers else default

    old = pick("from", numbers[0] if numbers else 1)
    new = pick("to", numbers[-1] if numbers else 1)
    by_number = {v.number: v for v in versions}
    html = (
        redline_html(by_number[old].text, by_number[new].text)
        if old in by_number and new in by_number
        else ""
    )
    return render(
        request,
        "contracts/clause_redline.html",
        {
            "clause": clause,
            "versions": versions,
            "old": by_number.get(old),
            "new": by_number.get(new),
            "html": html,
            "label": BY_CODE[clause.clause_type].label,
        },
    )


# --- clause editing, amendments, termination ----------------------------------------------


def _require_editor(request, obj):
    require_permission(request, "contracts.change", obj)
    if request.membership.is_guest:
        raise PermissionDenied("Your role does not allow this.")


def clause_add(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    _require_editor(request, agreement)
    form = ClauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clause = services.clause_create(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"{BY_CODE[clause.clause_type].label} added to “{agreement.title}”."
            )
            return redirect(
                reverse("agreement-review", args=[org_slug, agreement.pk]) + f"#clause-{clause.pk}"
            )
    return render(
        request,
        "contracts/clause_form.html",
        {"agreement": agreement, "form": form, "clause": None, "parameter_help": PARAMETERS},
    )


def clause_edit(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    _require_editor(request, clause)
    form = ClauseForm(
        request.POST or None,
        initial={
            "clause_type": clause.clause_type,
            "heading": clause.heading,
            "text": clause.text,
            "parameters": format_parameters(clause.parameters),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            clause = services.clause_update(clause=clause, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"{BY_CODE[clause.clause_type].label} saved as version {clause.version}; "
                "changed wording needs a new decision.",
            )
            return _back_to_review(clause)
    return render(
        request,
        "contracts/clause_form.html",
        {
            "agreement": clause.agreement,
            "form": form,
            "clause": clause,
            "parameter_help": PARAMETERS,
        },
    )


@require_POST
def clause_remove(request, org_slug, clause_id):
    """Remove a clause from a draft or an agreement in review (after a tick to confirm)."""
    clause = _clause(request, clause_id)
    _require_editor(request, clause)
    label = BY_CODE[clause.clause_type].label
    if not request.POST.get("confirm"):
        messages.error(request, f"Tick the box to confirm that {label.lower()} is removed.")
        return redirect("clause-edit", org_slug, clause.pk)
    agreement_id = clause.agreement_id
    try:
        services.clause_delete(clause=clause, actor=request.user)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("clause-edit", org_slug, clause.pk)
    messages.success(request, f"{label} removed from the agreement.")
    return redirect("agreement-review", org_slug, agreement_id)


def agreement_amend(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    _require_editor(request, agreement)
    form = AmendmentForm(
        request.POST or None, initial={"title": f"Amendment to {agreement.title}"[:200]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.agreement_amend(
                agreement=agreement, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Amendment “{amendment.title}” started as a draft: add the clauses it changes.",
            )
            return redirect("clause-add", org_slug, amendment.pk)
    return render(request, "contracts/agreement_amend.html", {"agreement": agreement, "form": form})


def agreement_edit(request, org_slug, agreement_id):
    """Correct a draft's terms (dates, values, law, liability cap …) on a page; an approved or
    executed agreement changes by amendment, so its page sends the user back to it."""
    agreement = _agreement(request, agreement_id)
    _require_editor(request, agreement)
    if agreement.status not in services.EDITABLE_STATUSES:
        messages.error(
            request,
            f"An agreement that is {agreement.get_status_display().lower()} is not edited; "
            "amend it instead.",
        )
        return redirect("agreement-detail", org_slug, agreement.pk)
    others = Agreement.objects.filter(partnership_id=agreement.partnership_id).exclude(
        pk=agreement.pk
    )
    form = AgreementEditForm(
        request.POST or None,
        instance=Agreement.objects.get(pk=agreement.pk),  # the form's copy, not the page's
        agreements=others.order_by("title"),
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.agreement_update(agreement=agreement, actor=request.user, **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"“{fields['title']}” saved.")
            return redirect("agreement-detail", org_slug, agreement.pk)
    return render(
        request,
        "contracts/agreement_edit.html",
        {"agreement": agreement, "form": form},
        status=400 if form.errors else 200,
    )


def agreement_terminate(request, org_slug, agreement_id):
    """Terminating is irreversible: a page that asks for the date, the reason and a tick."""
    agreement = _agreement(request, agreement_id)
    _require_editor(request, agreement)
    allowed = Agreement.Status.TERMINATED in AGREEMENT_LIFECYCLE.allowed_from(agreement.status)
    form = TerminateForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and allowed and form.is_valid():
        try:
            services.agreement_transition(
                agreement=agreement,
                actor=request.user,
                status=Agreement.Status.TERMINATED,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"“{agreement.title}” is terminated as of {form.cleaned_data['on']:%d %b %Y}.",
            )
            return redirect("agreement-detail", org_slug, agreement.pk)
    return render(
        request,
        "contracts/agreement_terminate.html",
        {"agreement": agreement, "form": form, "allowed": allowed},
        status=200 if request.method == "GET" or not form.errors else 400,
    )


# --- intake -------------------------------------------------------------------------------


def agreement_picker_search(request, org_slug):
    """The searchable agreement picker's matches (tenancy/widgets.py): JSON, at most 20."""
    require_permission(request, "contracts.view")
    text, partnership_id = picker_query(request)
    matches = selectors.agreement_search(
        membership=request.membership, text=text, partnership_id=partnership_id
    )
    return picker_response(matches, lambda a: f"{a.title} ({a.partnership.name})")


def intake_upload(request, org_slug):
    require_permission(request, "contracts.change")
    partnerships = partnership_portfolio(membership=request.membership)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        partnerships=partnerships,
        agreements=Agreement.objects.order_by("title"),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        too_big = upload.size > services.upload_max_bytes()
        try:
            job = services.intake_job_create(
                actor=request.user,
                partnership=form.cleaned_data["partnership"],
                title=form.cleaned_data["title"],
                agreement_type=form.cleaned_data["agreement_type"],
                parent=form.cleaned_data["parent"],
                filename=upload.name,
                content=b"" if too_big else upload.read(),
                declared_size=upload.size,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("intake-job", org_slug, job.pk)
    return render(
        request,
        "contracts/intake_upload.html",
        {
            "form": form,
            "jobs": selectors.intake_jobs()[:10],
            "max_size": limit_text(services.upload_max_bytes()),
        },
    )


def _job(request, intakejob_id):
    return get_object_for_member_or_404(
        request, selectors.intake_jobs(), partnership_path=None, pk=intakejob_id
    )


def intake_job(request, org_slug, intakejob_id):
    require_permission(request, "contracts.view")
    job = _job(request, intakejob_id)
    return render(
        request,
        "contracts/intake_job.html",
        {"job": job, "progress": services.intake_progress(job)},
    )


def intake_job_status(request, org_slug, intakejob_id):
    """Polled by the job page while the document is read."""
    require_permission(request, "contracts.view")
    job = _job(request, intakejob_id)
    return JsonResponse(
        {
            "status": job.status,
            "progress": services.intake_progress(job),
            "error": job.error,
            "review_url": reverse("agreement-review", args=[org_slug, job.agreement_id])
            if job.agreement_id
            else None,
        }
    )


# --- playbook -----------------------------------------------------------------------------


def playbook(request, org_slug):
    require_permission(request, "contracts.view")
    if request.membership.is_guest:
        raise PermissionDenied("The playbook is internal.")
    form = RuleForm(request.POST or None)
    if request.method == "POST":
        require_permission(request, "contracts.change")
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = PlaybookClause.objects.filter(clause_type=data["clause_type"]).first()
                entry = entry or services.playbook_clause_save(
                    actor=request.user, clause_type=data["clause_type"]
                )
                services.playbook_rule_create(
                    actor=request.user,
                    playbook_clause=entry,
                    name=data["name"],
                    parameter=data["parameter"],
                    operator=data["operator"],
                    value=form.cleaned_value(),
                    severity=data["severity"],
                    **({"waived_by": data["waived_by"]} if data["waived_by"] else {}),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    f"Rule “{data['name']}” added; deviations are recomputed everywhere.",
                )
                return redirect("contracts-playbook", org_slug)
    entries = list(selectors.playbook_entries())
    return render(
        request,
        "contracts/playbook.html",
        {"entries": entries, "form": form, "labels": {c.code: c.label for c in BY_CODE.values()}},
    )


@require_POST
@refusals_to_messages("contracts-playbook")
def playbook_rule_toggle(request, org_slug, playbookrule_id):
    require_permission(request, "contracts.change")
    rule = get_object_for_member_or_404(
        request, PlaybookRule.objects.all(), partnership_path=None, pk=playbookrule_id
    )
    services.playbook_rule_update(rule=rule, actor=request.user, is_active=not rule.is_active)
    return redirect("contracts-playbook", org_slug)


# --- exports ------------------------------------------------------------------------------


def agreement_summary_pdf(request, org_slug, agreement_id):
    from weasyprint import HTML

    agreement = _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )
    require_permission(request, "contracts.view", agreement)
    review = selectors.review_view(agreement=agreement, membership=request.membership)
    html = render_to_string(
        "contracts/agreement_summary_pdf.html",
        {
            "agreement": agreement,
            "internal": review.internal,
            "membership": request.membership,  # what the status reads (no context processor)
            "rows": review.rows,
            "deviation_rows": [(BY_CODE[d.clause_type].label, d) for d in review.deviations],
            "milestones": selectors.agreement_milestones(agreement, today=timezone.localdate()),
            "generated": timezone.now(),
            "organization": request.organization,
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}-summary.pdf"'
    return response


def contract_calendar_ics(request, org_slug):
    from icalendar import Calendar, Event

    require_permission(request, "contracts.view")
    today = timezone.localdate()
    calendar = Calendar()
    calendar.add("prodid", "-//Partnerline//Contracts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{request.organization.name}: contract dates")
    for milestone in selectors.contract_calendar(today=today, membership=request.membership):
        event = Event()
        key = milestone.extra.get("obligation").pk if milestone.kind == "obligation" else ""
        event.add(
            "uid",
            f"{request.organization.slug}-{milestone.agreement.pk}-{milestone.kind}{key}-"
            f"{milestone.on.isoformat()}@partnerline",
        )
        event.add("summary", f"{milestone.label}: {milestone.agreement.title}")
        event.add("dtstart", milestone.on)
        event.add("dtend", add_days(milestone.on, 1) or milestone.on)
        event.add("dtstamp", datetime.now(tz=timezone.get_current_timezone()))
        event.add(
            "url",
            request.build_absolute_uri(
                reverse("agreement-detail", args=[org_slug, milestone.agreement.pk])
            ),
        )
        event.add("description", f"{milestone.agreement.partnership.name} · {milestone.label}")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org_slug}-contracts.ics"'
    return response
