"""Pages of the risk module: the portfolio risk page, the partnership's risk tab, and the forms
and detail pages of risks, certificates, bonds, penalties, price mechanisms, index values, breach
duties, breaches and the risk score. Thin: load with the tenancy helpers, call a selector or a
service, render; bad input comes back as field errors with status 400.

Everything here is the customer's internal view: guests are refused by role (`risk.view`), and
the selectors return nothing for them as well.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerships.models import Partnership
from risk import selectors, services
from risk.forms import (
    AttestationForm,
    BondForm,
    BreachForm,
    CertificateForm,
    CloseForm,
    ComplianceRequirementEditForm,
    ComplianceRequirementForm,
    CyberAllocationForm,
    ForceMajeureForm,
    ForceMajeureUpdateForm,
    IncidentPlanForm,
    IndexImportForm,
    IndexValueForm,
    MitigationForm,
    PenaltyForm,
    PriceMechanismForm,
    PriceReviewForm,
    RequirementForm,
    ReviewForm,
    RiskForm,
    ScoreFactorsForm,
    ScoreForm,
    WatchItemForm,
)
from risk.models import (
    EXPIRY_THRESHOLDS,
    ComplianceRequirement,
    CyberAllocation,
    DataBreach,
    ForceMajeureEvent,
    IncidentResponsePlan,
    IndexValue,
    Mitigation,
    PriceMechanism,
    Risk,
)
from tenancy.audit import action_verb
from tenancy.errors import ConflictError
from tenancy.forms import apply_errors
from tenancy.modules import workspace_tabs as partnership_tabs
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


def _today():
    return timezone.localdate()


def _partnership(request, partnership_id, verb="view") -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, f"risk.{verb}", partnership)
    return partnership


def _object(request, queryset, verb="view", path="partnership", **lookup):
    obj = get_object_for_member_or_404(request, queryset, partnership_path=path, **lookup)
    require_permission(request, f"risk.{verb}", obj)
    return obj


def _render_form(request, template_context, *, title, back, form, submit, multipart=False):
    return form_page(
        request,
        template="risk/form.html",
        title=title,
        back=back,
        form=form,
        submit=submit,
        multipart=multipart,
        **template_context,
    )


def _tab_url(partnership, anchor=""):
    return (
        reverse("partnership-risk", args=[partnership.organization.slug, partnership.pk]) + anchor
    )


# -- the portfolio and the partnership tab ----------------------------------------------------


# The portfolio page lists the suppliers most depended on and a few partnerships of each; the
# API's portfolio gives them all.
SPOFS_SHOWN = 20
SPOF_PATHS_SHOWN = 5


def risk_home(request, org_slug):
    require_permission(request, "risk.view")
    today = _today()
    portfolio = selectors.portfolio_risk(
        membership=request.membership,
        today=today,
        now=timezone.now(),
        spofs_shown=SPOFS_SHOWN,
        spof_paths=SPOF_PATHS_SHOWN,
    )
    return render(
        request,
        "risk/home.html",
        {
            "portfolio": portfolio,
            "expiring": [(c, *c.expiry_state(today)) for c in portfolio.expiring],
            "due_mechanisms": list(
                selectors.mechanisms_due(membership=request.membership, today=today)[:20]
            ),
            "now": timezone.now(),
            "thresholds": EXPIRY_THRESHOLDS,
        },
    )


def partnership_risk(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    today = _today()
    data = selectors.partnership_risk(membership=request.membership, partnership=partnership)
    return render(
        request,
        "risk/partnership_risk.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "data": data,
            "certificates": [(c, *c.expiry_state(today)) for c in data.certificates],
            "gaps": selectors.coverage_gaps(data.requirements, data.certificates, today),
            "can_change": has_permission(request.membership, "risk.change", partnership),
            "now": timezone.now(),
            "today": today,
        },
    )


# -- risks ------------------------------------------------------------------------------------


def risk_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    members = people_to_pick(organization=request.organization)
    form = RiskForm(
        request.POST or None,
        partnership=partnership,
        members=members,
        initial={"owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(
                actor=request.user, partnership=partnership, today=_today(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Risk “{risk.title}” recorded.")
            return redirect("risk-detail", org_slug, risk.pk)
    return _render_form(
        request,
        {"partnership": partnership},
        title=f"New risk · {partnership.name}",
        back=_tab_url(partnership),
        form=form,
        submit="Record the risk",
    )


def _risk(request, risk_id, verb="view") -> Risk:
    return _object(
        request, selectors.risk_for_detail(membership=request.membership), verb, pk=risk_id
    )


def risk_detail(request, org_slug, risk_id, status=200, **forms):
    risk = _risk(request, risk_id)
    members = people_to_pick(organization=request.organization)
    return render(
        request,
        "risk/risk_detail.html",
        {
            "risk": risk,
            "partnership": risk.partnership,
            "mitigations": list(risk.mitigations.all()),
            "mitigation_form": forms.get("mitigation_form") or MitigationForm(members=members),
            "review_form": forms.get("review_form") or ReviewForm(),
            "close_form": forms.get("close_form") or CloseForm(),
            "can_change": has_permission(request.membership, "risk.change", risk),
            "timeline": [(e, action_verb(e.action)) for e in selectors.risk_timeline(risk)],
            "today": _today(),
        },
        status=status,
    )


def risk_edit(request, org_slug, risk_id):
    risk = _risk(request, risk_id, "change")
    form = RiskForm(
        request.POST or None,
        instance=risk,
        partnership=risk.partnership,
        members=people_to_pick(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_update(risk=risk, actor=request.user, today=_today(), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Risk saved.")
            return redirect("risk-detail", org_slug, risk.pk)
    return _render_form(
        request,
        {"partnership": risk.partnership},
        title=f"Edit risk · {risk.title}",
        back=reverse("risk-detail", args=[org_slug, risk.pk]),
        form=form,
        submit="Save",
    )


@require_POST
def risk_mitigation_add(request, org_slug, risk_id):
    risk = _risk(request, risk_id, "change")
    form = MitigationForm(request.POST, members=people_to_pick(organization=request.organization))
    if form.is_valid():
        try:
            services.mitigation_add(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Mitigation added.")
            return redirect("risk-detail", org_slug, risk.pk)
    return risk_detail(request, org_slug, risk_id, status=400, mitigation_form=form)


def mitigation_edit(request, org_slug, mitigation_id):
    """Reword, reschedule or hand over a mitigation still to do."""
    mitigation = _object(
        request,
        Mitigation.objects.select_related("risk__partnership", "owner"),
        "change",
        path="risk__partnership",
        pk=mitigation_id,
    )
    form = MitigationForm(
        request.POST or None,
        initial={
            "action": mitigation.action,
            "due_on": mitigation.due_on,
            "owner": mitigation.owner_id,
        },
        members=people_to_pick(organization=request.organization),
    )
    back = reverse("risk-detail", args=[org_slug, mitigation.risk_id])
    done = form_submit(
        request,
        form,
        lambda data: services.mitigation_update(mitigation=mitigation, actor=request.user, **data),
        success="Mitigation saved.",
        to=back,
    )
    return done or _render_form(
        request,
        {"partnership": mitigation.risk.partnership},
        title=f"Mitigation · {mitigation.risk.title}",
        back=back,
        form=form,
        submit="Save",
    )


@require_POST
def mitigation_complete(request, org_slug, mitigation_id):
    mitigation = _object(
        request,
        Mitigation.objects.select_related("risk__partnership"),
        "change",
        path="risk__partnership",
        pk=mitigation_id,
    )
    services.mitigation_complete(mitigation=mitigation, actor=request.user, today=_today())
    messages.success(request, "Mitigation marked done.")
    return redirect("risk-detail", org_slug, mitigation.risk_id)


@require_POST
def risk_review(request, org_slug, risk_id):
    risk = _risk(request, risk_id, "change")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.risk_review_record(
                risk=risk,
                actor=request.user,
                today=_today(),
                next_review_on=form.cleaned_data["next_review_on"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Review recorded.")
            return redirect("risk-detail", org_slug, risk.pk)
    return risk_detail(request, org_slug, risk_id, status=400, review_form=form)


@require_POST
def risk_close(request, org_slug, risk_id):
    risk = _risk(request, risk_id, "change")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.risk_set_status(
                risk=risk,
                actor=request.user,
                status=Risk.Status.CLOSED,
                reason=form.cleaned_data["reason"],
            )
        except ConflictError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Risk closed.")
        return redirect("risk-detail", org_slug, risk.pk)
    return risk_detail(request, org_slug, risk_id, status=400, close_form=form)


@require_POST
@refusals_to_messages("risk-detail", "risk_id")
def risk_reopen(request, org_slug, risk_id):
    risk = _risk(request, risk_id, "change")
    services.risk_set_status(risk=risk, actor=request.user, status=Risk.Status.OPEN)
    messages.success(request, "Risk reopened.")
    return redirect("risk-detail", org_slug, risk.pk)


# -- insurance, bonds, penalties --------------------------------------------------------------


def _simple_create(request, partnership, form, service, *, title, submit, anchor, done, **extra):
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, partnership=partnership, **form.cleaned_data, **extra)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_tab_url(partnership, anchor))
    return _render_form(
        request,
        {"partnership": partnership},
        title=f"{title} · {partnership.name}",
        back=_tab_url(partnership, anchor),
        form=form,
        submit=submit,
        multipart=any(f.widget.needs_multipart_form for f in form.fields.values()),
    )


def requirement_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = RequirementForm(
        request.POST or None, initial={"currency": request.organization.default_currency}
    )
    return _simple_create(
        request,
        partnership,
        form,
        services.insurance_requirement_set,
        title="Required coverage",
        submit="Save the requirement",
        anchor="#insurance",
        done="Required coverage saved.",
    )


def certificate_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = CertificateForm(
        request.POST or None,
        request.FILES or None,
        initial={"currency": request.organization.default_currency},
    )
    return _simple_create(
        request,
        partnership,
        form,
        services.certificate_upload,
        title="Upload an insurance certificate",
        submit="Upload",
        anchor="#insurance",
        done="Certificate uploaded.",
    )


def bond_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = BondForm(
        request.POST or None, initial={"currency": request.organization.default_currency}
    )
    return _simple_create(
        request,
        partnership,
        form,
        services.bond_create,
        title="Bond or guarantee",
        submit="Save",
        anchor="#bonds",
        done="Bond saved.",
    )


def penalty_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = PenaltyForm(
        request.POST or None, initial={"currency": request.organization.default_currency}
    )
    return _simple_create(
        request,
        partnership,
        form,
        services.penalty_create,
        title="Penalty",
        submit="Save",
        anchor="#penalties",
        done="Penalty added to the schedule.",
    )


# -- price adjustment -------------------------------------------------------------------------


def price_mechanism_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = PriceMechanismForm(
        request.POST or None, initial={"currency": partnership.currency or "EUR"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            mechanism = services.price_mechanism_create(
                actor=request.user, partnership=partnership, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Price mechanism “{mechanism.name}” saved.")
            return redirect("price-mechanism-detail", org_slug, mechanism.pk)
    return _render_form(
        request,
        {"partnership": partnership},
        title=f"Price-adjustment mechanism · {partnership.name}",
        back=_tab_url(partnership, "#prices"),
        form=form,
        submit="Save the mechanism",
    )


def price_mechanism_edit(request, org_slug, price_mechanism_id):
    """Correct a mechanism's terms; the reviews already run keep the figures they had."""
    mechanism = _object(
        request,
        selectors.price_mechanisms(membership=request.membership),
        "change",
        pk=price_mechanism_id,
    )
    form = PriceMechanismForm(
        request.POST or None, instance=type(mechanism).objects.get(pk=mechanism.pk)
    )
    detail = reverse("price-mechanism-detail", args=[org_slug, mechanism.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.price_mechanism_update(
                mechanism=mechanism, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Price mechanism “{mechanism.name}” saved.")
            return redirect(detail)
    return _render_form(
        request,
        {"partnership": mechanism.partnership},
        title=f"Edit · {mechanism.name}",
        back=detail,
        form=form,
        submit="Save the mechanism",
    )


def price_mechanism_detail(request, org_slug, price_mechanism_id, review_form=None):
    mechanism = _object(
        request,
        selectors.price_mechanisms(membership=request.membership),
        pk=price_mechanism_id,
    )
    reviews = list(mechanism.reviews.all())
    return render(
        request,
        "risk/price_mechanism_detail.html",
        {
            "mechanism": mechanism,
            "partnership": mechanism.partnership,
            "reviews": reviews,
            "latest": reviews[0] if reviews else None,
            "review_form": review_form or PriceReviewForm(),
            "index_values": list(
                IndexValue.objects.filter(index_name=mechanism.index_name).order_by("-period")[:24]
            ),
            "can_change": has_permission(request.membership, "risk.change", mechanism),
            "today": _today(),
        },
        status=400 if review_form is not None and review_form.errors else 200,
    )


@require_POST
def price_review_run(request, org_slug, price_mechanism_id):
    mechanism = _object(
        request,
        PriceMechanism.objects.select_related("partnership"),
        "change",
        pk=price_mechanism_id,
    )
    form = PriceReviewForm(request.POST)
    if form.is_valid():
        try:
            review = services.price_review_run(
                mechanism=mechanism,
                actor=request.user,
                today=_today(),
                period=form.cleaned_data["period"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"New price {review.adjusted_price_money} from {review.period:%B %Y}."
            )
            return redirect("price-mechanism-detail", org_slug, mechanism.pk)
    return price_mechanism_detail(request, org_slug, price_mechanism_id, review_form=form)


def index_values(request, org_slug):
    require_permission(request, "risk.view")
    can_change = has_permission(request.membership, "risk.change")
    value_form = IndexValueForm(prefix="value")
    import_form = IndexImportForm(prefix="import")
    status = 200
    if request.method == "POST":
        require_permission(request, "risk.change")
        if "import-file" in request.FILES or request.POST.get("kind") == "import":
            import_form = IndexImportForm(request.POST, request.FILES, prefix="import")
            if import_form.is_valid():
                try:
                    count = services.index_values_import_csv(
                        actor=request.user, content=import_form.cleaned_data["file"]
                    )
                except ValidationError as error:
                    apply_errors(import_form, error)
                else:
                    messages.success(
                        request, f"{count} index value{'s' if count != 1 else ''} imported."
                    )
                    return redirect("risk-index-values", org_slug)
        else:
            value_form = IndexValueForm(request.POST, prefix="value")
            if value_form.is_valid():
                try:
                    services.index_value_record(actor=request.user, **value_form.cleaned_data)
                except ValidationError as error:
                    apply_errors(value_form, error)
                else:
                    messages.success(request, "Index value saved.")
                    return redirect("risk-index-values", org_slug)
        status = 400
    values = selectors.index_value_list(membership=request.membership)
    return render(
        request,
        "risk/index_values.html",
        {
            "page": paginate(request, values, 50),
            "value_form": value_form,
            "import_form": import_form,
            "can_change": can_change,
        },
        status=status,
    )


# -- cyber and breaches -----------------------------------------------------------------------


def cyber_allocation_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    instance = CyberAllocation.objects.filter(partnership=partnership).first()
    form = CyberAllocationForm(request.POST or None, instance=instance)
    return _simple_create(
        request,
        partnership,
        form,
        services.cyber_allocation_set,
        title="Data-breach duties",
        submit="Save the duties",
        anchor="#breaches",
        done="Data-breach duties saved.",
    )


def breach_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = BreachForm(request.POST or None)
    return _simple_create(
        request,
        partnership,
        form,
        services.data_breach_report,
        title="Log a data breach",
        submit="Log the breach and start the clock",
        anchor="#breaches",
        done="Breach logged: the notification clock is running.",
        now=timezone.now(),
    )


def _breach_step(request, data_breach_id, status: str, done: str):
    breach = _object(
        request, DataBreach.objects.select_related("partnership"), "change", pk=data_breach_id
    )
    try:
        services.data_breach_transition(
            breach=breach, actor=request.user, status=status, now=timezone.now()
        )
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_tab_url(breach.partnership, "#breaches"))


@require_POST
def breach_notified(request, org_slug, data_breach_id):
    return _breach_step(request, data_breach_id, DataBreach.Status.NOTIFIED, "Breach notified.")


@require_POST
def breach_close(request, org_slug, data_breach_id):
    return _breach_step(request, data_breach_id, DataBreach.Status.CLOSED, "Breach closed.")


# -- risk score -------------------------------------------------------------------------------


def score_record(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    factors = selectors.score_factors(membership=request.membership)
    last = (
        selectors.latest_scores(membership=request.membership)
        .filter(partnership=partnership)
        .first()
    )
    form = ScoreForm(
        request.POST or None,
        factors=factors,
        initial={
            "buyer_threshold": last.buyer_threshold if last else 60,
            "partner_threshold": last.partner_threshold if last else 70,
        },
    )
    if not factors:
        messages.error(request, "Set up the score factors first.")
        return redirect("risk-score-factors", org_slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_score_record(
                actor=request.user,
                partnership=partnership,
                ratings=form.ratings(),
                buyer_threshold=form.cleaned_data["buyer_threshold"],
                partner_threshold=form.cleaned_data["partner_threshold"],
                today=_today(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Risk score recorded.")
            return redirect(_tab_url(partnership, "#score"))
    return _render_form(
        request,
        {"partnership": partnership},
        title=f"Score the partner · {partnership.name}",
        back=_tab_url(partnership, "#score"),
        form=form,
        submit="Record the score",
    )


def score_factors_edit(request, org_slug):
    require_permission(request, "risk.view")
    factors = selectors.score_factors(membership=request.membership)
    form = ScoreFactorsForm(request.POST or None, factors=factors)
    if request.method == "POST":
        require_permission(request, "risk.change")
        if form.is_valid():
            try:
                services.score_factors_set(actor=request.user, factors=form.factors())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Score factors saved.")
                return redirect("risk-score-factors", org_slug)
    return render(
        request,
        "risk/score_factors.html",
        {
            "form": form,
            "rows": [
                (
                    form[f"name_{i}"],
                    form[f"weight_{i}"],
                    form[f"source_{i}"],
                    form[f"description_{i}"],
                )
                for i in range(form.ROWS)
            ],
            "factors": factors,
            "can_change": has_permission(request.membership, "risk.change"),
        },
        status=400 if form.errors else 200,
    )


# -- compliance, force majeure, incident plan, watch list -------------------------------------


def compliance_requirement_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = ComplianceRequirementForm(
        request.POST or None,
        members=people_to_pick(organization=request.organization),
        initial={"owner": request.user.pk},
    )
    return _simple_create(
        request,
        partnership,
        form,
        services.compliance_requirement_create,
        title="Compliance requirement",
        submit="Save the requirement",
        anchor="#compliance",
        done="Compliance requirement saved.",
    )


def compliance_requirement_edit(request, org_slug, compliance_requirement_id):
    requirement = _object(
        request,
        selectors.compliance_requirements(membership=request.membership),
        "change",
        pk=compliance_requirement_id,
    )
    form = ComplianceRequirementEditForm(
        request.POST or None,
        instance=ComplianceRequirement.objects.get(pk=requirement.pk),
        members=people_to_pick(organization=request.organization),
    )
    back = _tab_url(requirement.partnership, "#compliance")
    if request.method == "POST" and form.is_valid():
        try:
            services.compliance_requirement_update(
                requirement=requirement, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Compliance requirement saved.")
            return redirect(back)
    return _render_form(
        request,
        {"partnership": requirement.partnership, "requirement": requirement},
        title=f"Edit · {requirement.title}",
        back=back,
        form=form,
        submit="Save",
    )


def attestation_create(request, org_slug, compliance_requirement_id):
    requirement = _object(
        request,
        selectors.compliance_requirements(membership=request.membership),
        "change",
        pk=compliance_requirement_id,
    )
    form = AttestationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attestation_record(
                requirement=requirement,
                attested_by=request.user,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Attestation recorded.")
            return redirect(_tab_url(requirement.partnership, "#compliance"))
    return _render_form(
        request,
        {"partnership": requirement.partnership, "requirement": requirement},
        title=f"Attest · {requirement.title}",
        back=_tab_url(requirement.partnership, "#compliance"),
        form=form,
        submit="Record the attestation",
        multipart=True,
    )


def force_majeure_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = ForceMajeureForm(request.POST or None)
    return _simple_create(
        request,
        partnership,
        form,
        services.force_majeure_log,
        title="Log a force majeure event",
        submit="Log the event",
        anchor="#force-majeure",
        done="Force majeure event logged.",
        today=_today(),
    )


def force_majeure_edit(request, org_slug, force_majeure_event_id):
    event = _object(
        request,
        ForceMajeureEvent.objects.select_related("partnership"),
        "change",
        pk=force_majeure_event_id,
    )
    form = ForceMajeureUpdateForm(
        request.POST or None,
        initial={
            "notice_given_on": event.notice_given_on,
            "ended_on": event.ended_on,
            "alternative_sourcing_met": event.alternative_sourcing_met,
            "escalation_steps": event.escalation_steps,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.force_majeure_update(event=event, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Force majeure event updated.")
            return redirect(_tab_url(event.partnership, "#force-majeure"))
    return _render_form(
        request,
        {"partnership": event.partnership},
        title=f"Update · {event.title}",
        back=_tab_url(event.partnership, "#force-majeure"),
        form=form,
        submit="Save",
    )


def incident_plan_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    instance = IncidentResponsePlan.objects.filter(partnership=partnership).first()
    form = IncidentPlanForm(request.POST or None, instance=instance)
    return _simple_create(
        request,
        partnership,
        form,
        services.incident_plan_set,
        title="Incident response plan",
        submit="Save the plan",
        anchor="#incident-plan",
        done="Incident response plan saved.",
    )


def watch_list(request, org_slug):
    require_permission(request, "risk.view")
    form = WatchItemForm(request.POST or None)
    if request.method == "POST":
        require_permission(request, "risk.change")
        if form.is_valid():
            try:
                services.watch_item_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Added to the watch list.")
                return redirect("risk-watch-list", org_slug)
    return render(
        request,
        "risk/watch_list.html",
        {
            "items": selectors.watch_exposure(membership=request.membership),
            "form": form,
            "can_change": has_permission(request.membership, "risk.change"),
        },
        status=400 if form.errors else 200,
    )
