"""Pages of the finance module: the portfolio page (savings, rebates, FX), the partnership's
finance tab, and one page (or POST URL) per action. Thin: load with the tenancy helpers, call a
selector or a service, render; refused input comes back as field errors (400) or a message.

A partner guest sees the tab of their partnerships, verifies or disputes the buyer's savings and
reads issued statements; the buyer's internal note on a saving, the competition-law review of a
rebate design and draft statements are never rendered for them.
"""

from datetime import date
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from finance import exports, selectors, services
from finance.forms import (
    BandForm,
    CostPoolForm,
    FxAmountForm,
    FxArrangementForm,
    FxImportForm,
    FxRateForm,
    PaymentTermsForm,
    RebateSchemeForm,
    SavingsForm,
    SchemeForm,
    StatementForm,
    TierForm,
    VolumeCorrectForm,
    VolumeForm,
)
from finance.models import GainShareBand, GainShareStatement, PaymentTerms
from finance.pdf import render_statement_pdf
from finance.services import BAND_FIELDS, COST_POOL_FIELDS, SCHEME_FIELDS, TIER_FIELDS
from governance.services import is_overdue as disclosure_is_overdue
from partnerships.models import Partnership
from tenancy.errors import ConflictError
from tenancy.forms import ReasonForm, apply_errors
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.views import (
    form_page,
    form_submit,
    get_object_for_member_or_404,
    paginate,
    refusals_to_messages,
    require_permission,
)


def _today() -> date:
    return timezone.localdate()


def _partnership(request, partnership_id, verb="view") -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, f"finance.{verb}", partnership)
    return partnership


def _tab(partnership, anchor="") -> str:
    return (
        reverse("partnership-finance", args=[partnership.organization.slug, partnership.pk])
        + anchor
    )


# A finance form on its own page (crumbs: Finance › the partnership), and the service behind it.
_form_page = partial(form_page, template="finance/form.html")
_save = form_submit


# -- portfolio and tab -------------------------------------------------------------------------


def finance_home(request, org_slug):
    """The portfolio page, three cards over every partnership the member may see: savings
    (claimed vs verified vs paid, 50 rows a page), rebate schemes in force (accrued and
    projected) and FX arrangements (the effect to date, the buyer's part and the partner's),
    each with totals per currency over every row. The clock is read here, never in a
    selector."""
    require_permission(request, "finance.view")
    membership = request.membership
    rows = selectors.portfolio_savings(membership=membership)
    rebates = selectors.portfolio_rebates(membership=membership, today=_today())
    fx = selectors.portfolio_fx(membership=membership)
    return render(
        request,
        "finance/home.html",
        {
            "page": paginate(request, rows),  # totals are over every row, not the page
            "totals": selectors.portfolio_totals(rows),
            "rebates": rebates,
            "rebate_totals": selectors.portfolio_totals(rebates, selectors.REBATE_TOTALS),
            "fx": fx,
            "fx_totals": selectors.portfolio_totals(fx, selectors.FX_TOTALS),
            "can_rates": has_permission(membership, "finance.change"),
        },
    )


def partnership_finance(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    membership = request.membership
    today = _today()
    data = selectors.partnership_finance(
        membership=membership, partnership=partnership, today=today
    )
    disclosures = selectors.disclosures_of(membership=membership, partnership=partnership)
    for disclosure in disclosures:  # marked as on governance's transparency page
        disclosure.overdue = disclosure_is_overdue(disclosure, today=today)
    return render(
        request,
        "finance/partnership_finance.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "data": data,
            "disclosures": disclosures,
            "can_change": has_permission(membership, "finance.change", partnership),
            "can_claim": has_permission(membership, "finance.claim", partnership),
            "is_guest": membership.is_guest,
        },
    )


def allocation_xlsx(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    try:
        month = date.fromisoformat(request.GET.get("month", ""))
    except ValueError:  # no month asked: the latest with pools (an empty sheet when none)
        periods = selectors.cost_pool_periods(partnership)
        month = periods[0] if periods else _today().replace(day=1)
    statement = selectors.allocation_statement(
        partnership=partnership, period_start=month.replace(day=1)
    )
    header, rows = exports.allocation_rows(statement)
    response = HttpResponse(exports.workbook("Allocation", header, rows), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="allocation-{month:%Y-%m}.xlsx"'
    return response


# -- cost model --------------------------------------------------------------------------------


def cost_pool_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = CostPoolForm(request.POST or None, initial={"currency": partnership.currency})
    done = _save(
        request,
        form,
        lambda data: services.cost_pool_create(actor=request.user, partnership=partnership, **data),
        success="Cost pool added.",
        to=_tab(partnership, "#cost-model"),
    )
    return done or _form_page(
        request,
        title="Add a cost pool",
        form=form,
        back=_tab(partnership, "#cost-model"),
        submit="Add the cost pool",
        partnership=partnership,
    )


def _cost_pool(request, cost_pool_id):
    pool = get_object_for_member_or_404(
        request, selectors.cost_pool_list(membership=request.membership), pk=cost_pool_id
    )
    require_permission(request, "finance.change", pool)
    return pool


def cost_pool_edit(request, org_slug, cost_pool_id):
    pool = _cost_pool(request, cost_pool_id)
    form = CostPoolForm(
        request.POST or None, initial={name: getattr(pool, name) for name in COST_POOL_FIELDS}
    )
    done = _save(
        request,
        form,
        lambda data: services.cost_pool_update(actor=request.user, pool=pool, **data),
        success="Cost pool saved.",
        to=_tab(pool.partnership, "#cost-model"),
    )
    return done or _form_page(
        request,
        title=f"Edit {pool.name}",
        form=form,
        back=_tab(pool.partnership, "#cost-model"),
        submit="Save the cost pool",
        partnership=pool.partnership,
    )


def cost_pool_delete(request, org_slug, cost_pool_id):
    pool = _cost_pool(request, cost_pool_id)
    form = ReasonForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.cost_pool_delete(
            actor=request.user, pool=pool, reason=data["reason"]
        ),
        success=f"Cost pool {pool.name} deleted.",
        to=_tab(pool.partnership, "#cost-model"),
    )
    return done or _form_page(
        request,
        title=f"Delete {pool.name}",
        form=form,
        back=_tab(pool.partnership, "#cost-model"),
        submit="Delete the cost pool",
        partnership=pool.partnership,
        confirm="Delete this cost pool? The month's allocation is worked out again without it.",
    )


# -- savings -----------------------------------------------------------------------------------


def savings_create(request, org_slug, partnership_id):
    # Either party claims savings (the partner's guest on their partnerships): `finance.claim`.
    partnership = _partnership(request, partnership_id, "claim")
    form = SavingsForm(
        request.POST or None,
        initiatives=selectors.initiatives_of(partnership),
        guest=request.membership.is_guest,
        initial={"currency": partnership.currency, "period_start": _today()},
    )
    done = _save(
        request,
        form,
        lambda data: services.savings_record(
            actor=request.user, partnership=partnership, now=timezone.now(), **data
        ),
        success="Saving recorded. The other party verifies it.",
        to=_tab(partnership, "#savings"),
    )
    return done or _form_page(
        request,
        title="Record a saving",
        form=form,
        back=_tab(partnership, "#savings"),
        submit="Record the saving",
        partnership=partnership,
    )


def _saving(request, savings_entry_id, verb="view"):
    entry = get_object_for_member_or_404(
        request, selectors.savings_list(membership=request.membership), pk=savings_entry_id
    )
    require_permission(request, f"finance.{verb}", entry)
    return entry


def savings_detail(request, org_slug, savings_entry_id):
    entry = _saving(request, savings_entry_id)
    membership = request.membership
    own_party = "partner" if membership.is_guest else "buyer"
    return render(
        request,
        "finance/savings_detail.html",
        {
            "entry": entry,
            "partnership": entry.partnership,
            "is_guest": membership.is_guest,
            "can_verify": has_permission(membership, "finance.verify", entry)
            and own_party != entry.claimed_by_party,
            "is_claimant": own_party == entry.claimed_by_party,
            "can_accept": not membership.is_guest
            and has_permission(membership, "finance.verify", entry),
        },
    )


@require_POST
@refusals_to_messages("savings-detail", "savings_entry_id")
def savings_verify(request, org_slug, savings_entry_id):
    entry = _saving(request, savings_entry_id, "verify")
    services.savings_verify(
        entry=entry,
        actor=request.user,
        now=timezone.now(),
        evidence=request.POST.get("evidence", ""),
    )
    messages.success(request, "Saving verified.")
    return redirect("savings-detail", org_slug, entry.pk)


@require_POST
@refusals_to_messages("savings-detail", "savings_entry_id")
def savings_dispute(request, org_slug, savings_entry_id):
    entry = _saving(request, savings_entry_id, "verify")
    services.savings_dispute(
        entry=entry, actor=request.user, now=timezone.now(), reason=request.POST.get("reason", "")
    )
    messages.success(request, "Saving disputed; the claiming party has been told why.")
    return redirect("savings-detail", org_slug, entry.pk)


@require_POST
@refusals_to_messages("savings-detail", "savings_entry_id")
def savings_resubmit(request, org_slug, savings_entry_id):
    entry = _saving(request, savings_entry_id, "claim")
    services.savings_resubmit(entry=entry, actor=request.user, now=timezone.now())
    messages.success(request, "Saving resubmitted for verification.")
    return redirect("savings-detail", org_slug, entry.pk)


@require_POST
@refusals_to_messages("savings-detail", "savings_entry_id")
def savings_accept(request, org_slug, savings_entry_id):
    entry = _saving(request, savings_entry_id, "verify")
    services.savings_accept(
        entry=entry, actor=request.user, now=timezone.now(), reason=request.POST.get("reason", "")
    )
    messages.success(request, "Saving accepted.")
    return redirect("savings-detail", org_slug, entry.pk)


# -- gain-share --------------------------------------------------------------------------------


def gain_share_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    scheme = (
        selectors.scheme_list(membership=request.membership).filter(partnership=partnership).first()
    )
    initial = (
        {
            "currency": scheme.currency,
            "floor": scheme.floor,
            "cap": scheme.cap,
            "step_per_standing": scheme.step_per_standing,
            "reference_score": scheme.reference_score,
        }
        if scheme
        else {"currency": partnership.currency}
    )
    form = SchemeForm(request.POST or None, initial=initial)
    done = _save(
        request,
        form,
        lambda data: services.gain_share_scheme_set(
            actor=request.user, partnership=partnership, **data
        ),
        success="Gain-share scheme saved.",
        to=_tab(partnership, "#gain-share"),
    )
    return done or _form_page(
        request,
        title="Gain-share scheme",
        form=form,
        back=_tab(partnership, "#gain-share"),
        submit="Save the scheme",
        partnership=partnership,
    )


def gain_share_band_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    scheme = (
        selectors.scheme_list(membership=request.membership).filter(partnership=partnership).first()
    )
    if scheme is None:
        messages.error(request, "Set up the gain-share scheme first.")
        return redirect("finance-gain-share", org_slug, partnership.pk)
    form = BandForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.gain_share_band_add(actor=request.user, scheme=scheme, **data),
        success="Share band added.",
        to=_tab(partnership, "#gain-share"),
    )
    return done or _form_page(
        request,
        title="Add a share band",
        form=form,
        back=_tab(partnership, "#gain-share"),
        submit="Add the band",
        partnership=partnership,
    )


def statement_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = StatementForm(request.POST or None)
    created: dict = {}

    def make(data):
        created["statement"] = services.gain_share_statement_create(
            actor=request.user, partnership=partnership, now=timezone.now(), **data
        )

    if request.method == "POST" and form.is_valid():
        try:
            make(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Gain-share statement drawn up.")
            return redirect("statement-detail", org_slug, created["statement"].pk)
    return _form_page(
        request,
        title="Draw up a gain-share statement",
        form=form,
        back=_tab(partnership, "#gain-share"),
        submit="Draw up the statement",
        partnership=partnership,
    )


def _statement(request, gain_share_statement_id, verb="view") -> GainShareStatement:
    statement = get_object_for_member_or_404(
        request,
        selectors.statement_list(membership=request.membership),
        pk=gain_share_statement_id,
    )
    require_permission(request, f"finance.{verb}", statement)
    return statement


def statement_detail(request, org_slug, gain_share_statement_id):
    statement = _statement(request, gain_share_statement_id)
    return render(
        request,
        "finance/statement_detail.html",
        {
            "statement": statement,
            "partnership": statement.partnership,
            "savings": selectors.statement_savings(statement),
            "can_change": has_permission(request.membership, "finance.change", statement),
        },
    )


def statement_pdf(request, org_slug, gain_share_statement_id):
    statement = _statement(request, gain_share_statement_id)
    pdf = render_statement_pdf(statement=statement, generated_at=timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="gain-share-{statement.period_start:%Y-%m}.pdf"'
    )
    return response


def statement_xlsx(request, org_slug, gain_share_statement_id):
    statement = _statement(request, gain_share_statement_id)
    header, rows = exports.statement_rows(statement, selectors.statement_savings(statement))
    content = exports.workbook("Gain-share", header, rows, statement.currency)
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="gain-share-{statement.period_start:%Y-%m}.xlsx"'
    )
    return response


@require_POST
@refusals_to_messages("statement-detail", "gain_share_statement_id")
def statement_issue(request, org_slug, gain_share_statement_id):
    statement = _statement(request, gain_share_statement_id, "change")
    services.gain_share_statement_transition(
        statement=statement,
        actor=request.user,
        status="issued",
        today=_today(),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, "Statement issued to the partner.")
    return redirect("statement-detail", org_slug, statement.pk)


@require_POST
@refusals_to_messages("statement-detail", "gain_share_statement_id")
def statement_paid(request, org_slug, gain_share_statement_id):
    statement = _statement(request, gain_share_statement_id, "change")
    services.gain_share_statement_transition(
        statement=statement,
        actor=request.user,
        status="paid",
        today=_today(),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, "Payout recorded as paid.")
    return redirect("statement-detail", org_slug, statement.pk)


def _band(request, gain_share_band_id):
    band = get_object_for_member_or_404(
        request,
        GainShareBand.objects.select_related("scheme__partnership"),
        partnership_path="scheme__partnership",
        pk=gain_share_band_id,
    )
    require_permission(request, "finance.change", band)
    return band


def gain_share_band_edit(request, org_slug, gain_share_band_id):
    band = _band(request, gain_share_band_id)
    partnership = band.scheme.partnership
    form = BandForm(
        request.POST or None, initial={name: getattr(band, name) for name in BAND_FIELDS}
    )
    done = _save(
        request,
        form,
        lambda data: services.gain_share_band_update(actor=request.user, band=band, **data),
        success="Share band saved.",
        to=_tab(partnership, "#gain-share"),
    )
    return done or _form_page(
        request,
        title="Edit a share band",
        form=form,
        back=_tab(partnership, "#gain-share"),
        submit="Save the band",
        partnership=partnership,
    )


def gain_share_band_remove(request, org_slug, gain_share_band_id):
    band = _band(request, gain_share_band_id)
    partnership = band.scheme.partnership
    form = ReasonForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.gain_share_band_remove(
            actor=request.user, band=band, reason=data["reason"]
        ),
        success="Share band removed.",
        to=_tab(partnership, "#gain-share"),
    )
    return done or _form_page(
        request,
        title="Remove a share band",
        form=form,
        back=_tab(partnership, "#gain-share"),
        submit="Remove the band",
        partnership=partnership,
        confirm="Remove this band? Statements made from now on share without it; "
        "statements already made keep their figures.",
    )


# -- rebates -----------------------------------------------------------------------------------


def rebate_scheme_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = RebateSchemeForm(
        request.POST or None,
        initial={"currency": partnership.currency, "year_start": _today().replace(month=1, day=1)},
    )
    created: dict = {}
    done = _save(
        request,
        form,
        lambda data: created.update(
            scheme=services.rebate_scheme_create(
                actor=request.user, partnership=partnership, **data
            )
        ),
        success="Rebate scheme added; now add its tiers.",
        to=_tab(partnership, "#rebates"),
    )
    if done:
        return redirect("rebate-detail", org_slug, created["scheme"].pk)
    return _form_page(
        request,
        title="Add a rebate scheme",
        form=form,
        back=_tab(partnership, "#rebates"),
        submit="Add the scheme",
        partnership=partnership,
    )


def _rebate(request, rebate_scheme_id, verb="view"):
    scheme = get_object_for_member_or_404(
        request, selectors.rebate_scheme_list(membership=request.membership), pk=rebate_scheme_id
    )
    require_permission(request, f"finance.{verb}", scheme)
    return scheme


def rebate_detail(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id)
    can_change = has_permission(request.membership, "finance.change", scheme)
    tier_form = TierForm() if can_change else None
    volume_form = VolumeForm() if can_change else None
    return render(
        request,
        "finance/rebate_detail.html",
        {
            "scheme": scheme,
            "partnership": scheme.partnership,
            "position": selectors.rebate_position(scheme=scheme, today=_today()),
            "can_change": can_change,
            "tier_form": tier_form,
            "volume_form": volume_form,
            "is_guest": request.membership.is_guest,
        },
    )


def rebate_tier_add(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    form = TierForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.rebate_tier_add(actor=request.user, scheme=scheme, **data),
        success="Tier added.",
        to=reverse("rebate-detail", args=[org_slug, scheme.pk]),
    )
    return done or _form_page(
        request,
        title=f"Add a tier to {scheme.name}",
        form=form,
        back=reverse("rebate-detail", args=[org_slug, scheme.pk]),
        submit="Add the tier",
        partnership=scheme.partnership,
    )


def rebate_volume_add(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    form = VolumeForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.volume_record(actor=request.user, scheme=scheme, **data),
        success="Volume recorded.",
        to=reverse("rebate-detail", args=[org_slug, scheme.pk]),
    )
    return done or _form_page(
        request,
        title=f"Record volume for {scheme.name}",
        form=form,
        back=reverse("rebate-detail", args=[org_slug, scheme.pk]),
        submit="Record the volume",
        partnership=scheme.partnership,
    )


def rebate_scheme_edit(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    detail = reverse("rebate-detail", args=[org_slug, scheme.pk])
    form = RebateSchemeForm(
        request.POST or None, initial={name: getattr(scheme, name) for name in SCHEME_FIELDS}
    )
    done = _save(
        request,
        form,
        lambda data: services.rebate_scheme_update(actor=request.user, scheme=scheme, **data),
        success="Rebate scheme saved.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Edit {scheme.name}",
        form=form,
        back=detail,
        submit="Save the scheme",
        partnership=scheme.partnership,
    )


def rebate_scheme_delete(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    form = ReasonForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.rebate_scheme_delete(
            actor=request.user, scheme=scheme, reason=data["reason"]
        ),
        success=f"Rebate scheme {scheme.name} deleted.",
        to=_tab(scheme.partnership, "#rebates"),
    )
    return done or _form_page(
        request,
        title=f"Delete {scheme.name}",
        form=form,
        back=reverse("rebate-detail", args=[org_slug, scheme.pk]),
        submit="Delete the scheme for good",
        partnership=scheme.partnership,
        confirm="Delete the scheme with its tiers and volumes? It cannot be undone.",
    )


def _tier(request, rebate_scheme_id, rebate_tier_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    tier = scheme.tiers.filter(pk=rebate_tier_id).first()
    if tier is None:
        raise Http404("No such tier.")
    return scheme, tier


def rebate_tier_edit(request, org_slug, rebate_scheme_id, rebate_tier_id):
    scheme, tier = _tier(request, rebate_scheme_id, rebate_tier_id)
    detail = reverse("rebate-detail", args=[org_slug, scheme.pk])
    form = TierForm(
        request.POST or None, initial={name: getattr(tier, name) for name in TIER_FIELDS}
    )
    done = _save(
        request,
        form,
        lambda data: services.rebate_tier_update(actor=request.user, tier=tier, **data),
        success="Tier saved.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Edit a tier of {scheme.name}",
        form=form,
        back=detail,
        submit="Save the tier",
        partnership=scheme.partnership,
    )


def rebate_tier_remove(request, org_slug, rebate_scheme_id, rebate_tier_id):
    scheme, tier = _tier(request, rebate_scheme_id, rebate_tier_id)
    detail = reverse("rebate-detail", args=[org_slug, scheme.pk])
    form = ReasonForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.rebate_tier_remove(
            actor=request.user, tier=tier, reason=data["reason"]
        ),
        success="Tier removed.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Remove a tier of {scheme.name}",
        form=form,
        back=detail,
        submit="Remove the tier",
        partnership=scheme.partnership,
        confirm="Remove this tier? The rebate is worked out again without it.",
    )


def _volume(request, rebate_scheme_id, volume_entry_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    entry = scheme.volumes.filter(pk=volume_entry_id).first()
    if entry is None:
        raise Http404("No such volume.")
    return scheme, entry


def rebate_volume_edit(request, org_slug, rebate_scheme_id, volume_entry_id):
    scheme, entry = _volume(request, rebate_scheme_id, volume_entry_id)
    detail = reverse("rebate-detail", args=[org_slug, scheme.pk])
    form = VolumeCorrectForm(request.POST or None, initial={"volume": entry.volume})
    done = _save(
        request,
        form,
        lambda data: services.volume_update(actor=request.user, entry=entry, **data),
        success="Volume corrected.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Correct the volume of {entry.period_start:%B %Y}",
        form=form,
        back=detail,
        submit="Save the volume",
        partnership=scheme.partnership,
    )


def rebate_volume_remove(request, org_slug, rebate_scheme_id, volume_entry_id):
    scheme, entry = _volume(request, rebate_scheme_id, volume_entry_id)
    detail = reverse("rebate-detail", args=[org_slug, scheme.pk])
    form = ReasonForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.volume_remove(actor=request.user, entry=entry, reason=data["reason"]),
        success="Volume removed.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Remove the volume of {entry.period_start:%B %Y}",
        form=form,
        back=detail,
        submit="Remove the volume",
        partnership=scheme.partnership,
        confirm="Remove this month's volume? The rebate is worked out again without it.",
    )


@require_POST
@refusals_to_messages("rebate-detail", "rebate_scheme_id")
def rebate_volumes_from_invoices(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id, "change")
    months = services.rebate_volumes_from_invoices(
        actor=request.user,
        scheme=scheme,
        today=_today(),
        item_code=request.POST.get("item_code", ""),
    )
    if months:
        messages.success(request, f"Volumes of {months} month{'s' if months != 1 else ''} taken.")
    else:
        messages.info(request, "No accepted invoices in the rebate year so far.")
    return redirect("rebate-detail", org_slug, scheme.pk)


def rebate_xlsx(request, org_slug, rebate_scheme_id):
    scheme = _rebate(request, rebate_scheme_id)
    position = selectors.rebate_position(scheme=scheme, today=_today())
    header, rows = exports.rebate_rows(position)
    content = exports.workbook("Rebate", header, rows, scheme.currency)
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="rebate-{scheme.pk}.xlsx"'
    return response


# -- FX ----------------------------------------------------------------------------------------


def fx_rates(request, org_slug):
    require_permission(request, "finance.view")
    if request.membership.is_guest:
        raise Http404("No such page.")
    can_change = has_permission(request.membership, "finance.change")
    form = FxRateForm(request.POST or None) if can_change else None
    if form is not None:
        done = _save(
            request,
            form,
            lambda data: services.fx_rate_set(actor=request.user, **data),
            success="Rate saved.",
            to=reverse("finance-fx-rates", args=[org_slug]),
        )
        if done:
            return done
    return render(
        request,
        "finance/fx_rates.html",
        {
            "rates": list(selectors.fx_rate_list(membership=request.membership)[:200]),
            "form": form,
            "import_form": FxImportForm() if can_change else None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@refusals_to_messages("finance-fx-rates")
def fx_rates_import(request, org_slug):
    require_permission(request, "finance.change")
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": "Choose a CSV file."})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file is not UTF-8 text."}) from None
    count = services.fx_rates_import_csv(actor=request.user, text=text)
    messages.success(request, f"{count} rates imported.")
    return redirect("finance-fx-rates", org_slug)


def fx_arrangement_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    arrangement = data = (
        selectors.fx_arrangement_list(membership=request.membership)
        .filter(partnership=partnership)
        .first()
    )
    initial = (
        {
            "contract_currency": data.contract_currency,
            "invoice_currency": data.invoice_currency,
            "base_rate": data.base_rate,
            "band_percent": data.band_percent,
            "bearer": data.bearer,
            "other_share": data.other_share,
        }
        if arrangement
        else {"contract_currency": partnership.currency}
    )
    form = FxArrangementForm(request.POST or None, initial=initial)
    done = _save(
        request,
        form,
        lambda data: services.fx_arrangement_set(
            actor=request.user, partnership=partnership, **data
        ),
        success="FX arrangement saved.",
        to=_tab(partnership, "#fx"),
    )
    return done or _form_page(
        request,
        title="FX arrangement",
        form=form,
        back=_tab(partnership, "#fx"),
        submit="Save",
        partnership=partnership,
    )


def fx_amount_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    arrangement = (
        selectors.fx_arrangement_list(membership=request.membership)
        .filter(partnership=partnership)
        .first()
    )
    if arrangement is None:
        messages.error(request, "Set up the FX arrangement first.")
        return redirect("finance-fx-arrangement", org_slug, partnership.pk)
    form = FxAmountForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.fx_amount_record(actor=request.user, arrangement=arrangement, **data),
        success="Invoiced amount recorded.",
        to=_tab(partnership, "#fx"),
    )
    return done or _form_page(
        request,
        title="Record an invoiced amount",
        form=form,
        back=_tab(partnership, "#fx"),
        submit="Record",
        partnership=partnership,
    )


# -- payment terms -----------------------------------------------------------------------------


def payment_terms_edit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    terms = PaymentTerms.objects.filter(partnership=partnership).first()
    initial = (
        {name: getattr(terms, name) for name in services.PAYMENT_TERMS_FIELDS}
        if terms
        else {"currency": partnership.currency}
    )
    form = PaymentTermsForm(request.POST or None, initial=initial)
    done = _save(
        request,
        form,
        lambda data: services.payment_terms_set(
            actor=request.user, partnership=partnership, **data
        ),
        success="Payment terms saved.",
        to=_tab(partnership, "#working-capital"),
    )
    return done or _form_page(
        request,
        title="Payment terms",
        form=form,
        back=_tab(partnership, "#working-capital"),
        submit="Save the terms",
        partnership=partnership,
    )
