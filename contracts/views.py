"""Pages of the contracts module. Thin: load with the tenancy helpers, call a selector or a
service, render. Service errors become a message on the page they came from."""

from datetime import date, datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts import selectors, services
from contracts.detection.taxonomy import BY_CODE
from contracts.forms import (
    AgreementForm,
    CommentForm,
    CorrectionForm,
    DecisionForm,
    FulfilForm,
    ObligationForm,
    ReviewerForm,
    RuleForm,
    UploadForm,
    format_parameters,
)
from contracts.models import (
    Agreement,
    Clause,
    ClauseVersion,
    Obligation,
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import PARAMETERS
from contracts.redline import redline_html
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from partnerships.views import partnership_tabs
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Role, User
from tenancy.views import get_object_for_member_or_404, require_permission


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs)
        return " ".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


def service_errors_to_messages(view):
    """A POST whose service refuses (400/409/403 in the API) goes back with the reason."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ValidationError, ConflictError) as exc:
            messages.error(request, _error_text(exc))
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
        Clause.objects.select_related("agreement__partnership"),
        partnership_path="agreement__partnership",
        pk=clause_id,
    )


def _org_members(request, roles=None):
    queryset = User.objects.filter(
        memberships__organization=request.organization, memberships__is_active=True
    )
    if roles:
        queryset = queryset.filter(memberships__role__in=roles)
    return queryset.distinct().order_by("email")


# --- landing, lists -----------------------------------------------------------------------


def contracts_home(request, org_slug):
    require_permission(request, "contracts.view")
    today = timezone.localdate()
    agreements = selectors.agreement_list(membership=request.membership)
    calendar = [
        m
        for m in selectors.contract_calendar(today=today, membership=request.membership)
        if today <= m.on <= today + timedelta(days=180)
    ]
    counts = dict.fromkeys(Agreement.Status.values, 0)
    counts.update(agreements.order_by().values_list("status").annotate(n=Count("pk")))
    return render(
        request,
        "contracts/home.html",
        {
            "queue": selectors.review_queue(membership=request.membership),
            "upcoming": calendar[:20],
            "counts": [(label, counts[value], value) for value, label in Agreement.Status.choices],
            "jobs": selectors.intake_jobs().filter(
                partnership__in=partnership_portfolio(membership=request.membership)
            )[:5]
            if not request.membership.is_guest
            else [],
            "today": today,
        },
    )


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
    if filters["status"] in Agreement.Status.values:
        agreements = agreements.filter(status=filters["status"])
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
                messages.success(request, "Agreement created.")
                return redirect("agreement-detail", org_slug, agreement.pk)
    return render(
        request,
        "contracts/agreement_list.html",
        {
            "agreements": agreements,
            "filters": filters,
            "types": Agreement.Type.choices,
            "statuses": Agreement.Status.choices,
            "partnerships": partnership_portfolio(membership=request.membership),
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


def _clause_rows(agreement, clauses):
    playbook = selectors.playbook_map()
    deviations = selectors.deviations_for(agreement, clauses, playbook)
    by_clause: dict = {}
    for d in deviations:
        by_clause.setdefault(d.clause_id, []).append(d)
    rows = [
        {
            "clause": c,
            "label": BY_CODE[c.clause_type].label,
            "deviations": by_clause.get(c.pk, []),
            "red_line": any(d.is_red_line and d.is_open for d in by_clause.get(c.pk, [])),
            "playbook": playbook.get(c.clause_type),
        }
        for c in clauses
    ]
    return rows, deviations, by_clause.get(None, [])


def agreement_detail(request, org_slug, agreement_id):
    agreement = _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )
    require_permission(request, "contracts.view", agreement)
    today = timezone.localdate()
    try:
        on = date.fromisoformat(request.GET["on"]) if request.GET.get("on") else today
    except ValueError:
        on = today
    clauses = list(agreement.clauses.all())
    rows, deviations, missing = _clause_rows(agreement, clauses)
    members = _org_members(request)
    return render(
        request,
        "contracts/agreement_detail.html",
        {
            "agreement": agreement,
            "rows": rows,
            "missing": missing,
            "open_red_lines": [d for d in deviations if d.is_red_line and d.is_open],
            "milestones": selectors.agreement_milestones(agreement, today=today),
            "timeline": selectors.agreement_timeline(agreement),
            "reviewers": selectors.agreement_reviewers(agreement),
            "reviewer_form": ReviewerForm(
                members=_org_members(request, [Role.LEGAL, Role.ORG_ADMIN])
            ),
            "obligation_form": ObligationForm(
                clauses=Clause.objects.filter(agreement=agreement).select_related("agreement"),
                members=members,
            ),
            "terms": selectors.terms_in_force(agreement, on=on)
            if agreement.amendments.all()
            else None,
            "on": on,
            "transitions": sorted(
                __import__(
                    "contracts.models", fromlist=["AGREEMENT_LIFECYCLE"]
                ).AGREEMENT_LIFECYCLE.allowed_from(agreement.status)
            ),
            "can_change": request.membership
            and not request.membership.is_guest
            and _has(request, "contracts.change"),
        },
    )


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
        raise ValidationError({"status": "Unknown status."})
    services.agreement_transition(agreement=agreement, actor=request.user, status=status)
    messages.success(request, f"The agreement is now {Agreement.Status(status).label.lower()}.")
    return redirect(
        request.POST.get("next") or reverse("agreement-detail", args=[org_slug, agreement.pk])
    )


@require_POST
@service_errors_to_messages
def agreement_reviewer_assign(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    require_permission(request, "contracts.change", agreement)
    form = ReviewerForm(request.POST, members=_org_members(request, [Role.LEGAL, Role.ORG_ADMIN]))
    if not form.is_valid():
        raise ValidationError({"reviewer": "Choose a legal member."})
    services.agreement_assign_reviewer(
        agreement=agreement, reviewer=form.cleaned_data["reviewer"], actor=request.user
    )
    messages.success(request, "Reviewer assigned.")
    return redirect("agreement-detail", org_slug, agreement.pk)


@require_POST
@service_errors_to_messages
def obligation_add(request, org_slug, agreement_id):
    agreement = _agreement(request, agreement_id)
    require_permission(request, "contracts.change", agreement)
    form = ObligationForm(
        request.POST,
        clauses=Clause.objects.filter(agreement=agreement).select_related("agreement"),
        members=_org_members(request),
    )
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    services.obligation_create(actor=request.user, agreement=agreement, **form.cleaned_data)
    messages.success(request, "Obligation added.")
    return redirect("agreement-detail", org_slug, agreement.pk)


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
        },
    )


@require_POST
@service_errors_to_messages
def obligation_fulfil(request, org_slug, obligation_id):
    obligation = get_object_for_member_or_404(
        request,
        Obligation.objects.select_related("agreement__partnership"),
        partnership_path="agreement__partnership",
        pk=obligation_id,
    )
    require_permission(request, "contracts.change", obligation)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"evidence": "Say how the obligation was fulfilled."})
    services.obligation_fulfil(obligation=obligation, actor=request.user, **form.cleaned_data)
    messages.success(request, "Fulfilment recorded.")
    return redirect("obligation-list", org_slug)


# --- legal review -------------------------------------------------------------------------


def agreement_review(request, org_slug, agreement_id):
    agreement = _agreement(
        request, agreement_id, selectors.agreement_for_detail(membership=request.membership)
    )
    require_permission(request, "contracts.view", agreement)
    clauses = list(agreement.clauses.all())
    rows, deviations, missing = _clause_rows(agreement, clauses)
    for row in rows:
        clause = row["clause"]
        row["correction_form"] = CorrectionForm(
            initial={
                "clause_type": clause.clause_type,
                "parameters": format_parameters(clause.parameters),
            },
            prefix=f"c{clause.pk}",
        )
        row["decision_form"] = DecisionForm(
            initial={
                "redline_text": clause.text,
                "redline_parameters": format_parameters(clause.parameters),
            },
            prefix=f"d{clause.pk}",
        )
        comments = list(clause.comments.all())
        row["threads"] = [c for c in comments if c.parent_id is None]
        replies: dict = {}
        for c in comments:
            if c.parent_id:
                replies.setdefault(c.parent_id, []).append(c)
        for c in row["threads"]:
            c.reply_list = replies.get(c.pk, [])
    return render(
        request,
        "contracts/agreement_review.html",
        {
            "agreement": agreement,
            "rows": rows,
            "missing": missing,
            "blockers": services.approval_blockers(agreement)
            if agreement.status == Agreement.Status.IN_LEGAL_REVIEW
            else [],
            "may_review": services.may_review(request.user, agreement),
            "decided": sum(1 for c in clauses if c.decision != Clause.Decision.PENDING),
            "parameter_help": PARAMETERS,
        },
    )


def _back_to_review(clause):
    return redirect(
        reverse("agreement-review", args=[clause.organization.slug, clause.agreement_id])
        + f"#clause-{clause.pk}"
    )


@require_POST
@service_errors_to_messages
def clause_decide(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.review", clause)
    form = DecisionForm(request.POST, prefix=f"d{clause.pk}")
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    services.clause_decide(
        clause=clause,
        actor=request.user,
        decision=data["decision"],
        comment=data["comment"],
        redline_text=data["redline_text"] if data["decision"] == "redline" else None,
        redline_parameters=(data["redline_parameters"] or None)
        if data["decision"] == "redline"
        else None,
    )
    messages.success(request, f"{BY_CODE[clause.clause_type].label}: decision recorded.")
    return _back_to_review(clause)


@require_POST
@service_errors_to_messages
def clause_correct(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.review", clause)
    if request.POST.get("confirm"):
        services.clause_confirm(clause=clause, actor=request.user)
        messages.success(request, "Proposal confirmed.")
        return _back_to_review(clause)
    form = CorrectionForm(request.POST, prefix=f"c{clause.pk}")
    if not form.is_valid():
        raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    services.clause_correct(clause=clause, actor=request.user, **form.cleaned_data)
    messages.success(request, "Correction saved; the detector's proposal is kept for reference.")
    return _back_to_review(clause)


@require_POST
@service_errors_to_messages
def clause_comment(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.change", clause)
    form = CommentForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"body": "Write the comment."})
    parent = None
    if form.cleaned_data.get("parent"):
        parent = clause.comments.filter(pk=form.cleaned_data["parent"]).first()
    services.clause_comment_add(
        clause=clause, actor=request.user, body=form.cleaned_data["body"], parent=parent
    )
    return _back_to_review(clause)


def clause_redline(request, org_slug, clause_id):
    clause = _clause(request, clause_id)
    require_permission(request, "contracts.view", clause)
    versions = list(ClauseVersion.objects.filter(clause=clause).select_related("author"))
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


# --- intake -------------------------------------------------------------------------------


def intake_upload(request, org_slug):
    require_permission(request, "contracts.change")
    partnerships = partnership_portfolio(membership=request.membership)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        partnerships=partnerships,
        agreements=Agreement.objects.filter(agreement_type=Agreement.Type.MSA).order_by("title"),
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
            "max_mb": services.upload_max_bytes() // 1_048_576,
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
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Rule added; deviations are recomputed everywhere.")
                return redirect("contracts-playbook", org_slug)
    entries = list(selectors.playbook_entries())
    return render(
        request,
        "contracts/playbook.html",
        {"entries": entries, "form": form, "labels": {c.code: c.label for c in BY_CODE.values()}},
    )


@require_POST
@service_errors_to_messages
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
    clauses = list(agreement.clauses.all())
    rows, deviations, missing = _clause_rows(agreement, clauses)
    html = render_to_string(
        "contracts/agreement_summary_pdf.html",
        {
            "agreement": agreement,
            "rows": rows,
            "deviation_rows": [(BY_CODE[d.clause_type].label, d) for d in deviations],
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
        event.add("dtend", milestone.on + timedelta(days=1))
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
