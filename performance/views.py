"""Pages of the performance module: landing, partnership performance tab, measurement import,
SLAs and breaches, portfolio ranking, QBR workspace, action board, PDF reports."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from partnerships.models import Partnership
from partnerships.views import partnership_tabs
from performance import selectors, services
from performance.forms import (
    ActionItemForm,
    BreachCheckForm,
    BreachStatusForm,
    CapaForm,
    ImportForm,
    KpiEditForm,
    KpiForm,
    MeasurementCorrectForm,
    MeasurementDeleteForm,
    MeasurementForm,
    QbrRecordForm,
    RcaForm,
    SlaForm,
    StandingBandFormSet,
    SurveyForm,
    kpi_template_initial,
)
from performance.models import (
    SLA_VERSIONED_TERMS,
    ActionItem,
    CorrectiveAction,
    Kpi,
    KpiTemplate,
    Measurement,
    MeasurementImport,
    Qbr,
    RootCauseAnalysis,
    Scorecard,
    ScorecardAppeal,
    ScorecardReport,
    Side,
    Sla,
    SlaBreach,
)
from performance.periods import add_months, month_start, parse_period
from tenancy.errors import ConflictError
from tenancy.forms import apply_errors
from tenancy.jobs import enqueue, job_progress, tasks_inline
from tenancy.views import (
    form_page,
    form_submit,
    get_object_for_member_or_404,
    refusal_message,
    refusals_to_messages,
    require_permission,
)
from tenancy.widgets import picker_query, picker_response

# POST actions: one URL each; a step the service refuses goes back to the page the action
# belongs to, with the reason as a message (tenancy.views.refusals_to_messages).
_to_performance_tab = refusals_to_messages("partnership-performance", "partnership_id")
_to_measurement = refusals_to_messages(
    "performance-measurement-edit", "partnership_id", "measurement_id"
)
_to_import_job = refusals_to_messages("performance-import-job", "measurementimport_id")
_to_scorecard = refusals_to_messages("performance-scorecard", "scorecard_id")
_to_qbrs = refusals_to_messages("partnership-qbrs", "partnership_id")
_to_action_board = refusals_to_messages("performance-actions")
_to_rca = refusals_to_messages("performance-rca", "rootcauseanalysis_id")


def _partnership(request, partnership_id) -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "performance.view", partnership)
    return partnership


def _performance_url(request, partnership) -> str:
    return reverse("partnership-performance", args=[request.organization.slug, partnership.pk])


RANKING_PAGE_SIZE = 50


def performance_home(request, org_slug):
    require_permission(request, "performance.view")
    ranking = selectors.portfolio_ranking(membership=request.membership)
    return render(
        request,
        "performance/home.html",
        {
            "ranking": list(ranking[:10]),
            "rank_offset": 0,
            "summary": selectors.breach_summary(membership=request.membership),
            "recent_breaches": list(selectors.breach_list(membership=request.membership)[:10]),
            "templates": list(selectors.kpi_template_list())
            if not request.membership.is_guest
            else [],
        },
    )


def portfolio_ranking(request, org_slug):
    require_permission(request, "performance.view")
    page = Paginator(
        selectors.portfolio_ranking(membership=request.membership), RANKING_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "performance/ranking.html",
        {"ranking": page.object_list, "page": page, "rank_offset": page.start_index() - 1},
    )


def partnership_performance(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    return _performance_page(request, partnership)


def _performance_page(request, partnership, *, measurement_form=None, survey_form=None, status=200):
    period = None
    if request.GET.get("period"):
        try:
            period = parse_period(request.GET["period"])
        except ValueError:
            period = None
    view = selectors.partnership_performance(
        partnership=partnership, period=period, membership=request.membership
    )
    is_guest = request.membership.is_guest
    can_change = not is_guest and _can(request, "performance.change")
    today = timezone.localdate()
    return render(
        request,
        "performance/partnership_performance.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "view": view,
            "scorecard": view.scorecard,
            "measurement_form": measurement_form or MeasurementForm(partnership=partnership),
            "survey_form": survey_form or SurveyForm(),
            "is_guest": is_guest,
            "can_change": can_change,
            # A viewer sees no form that would answer 403: members record, guests submit.
            "can_submit": can_change or (is_guest and _can(request, "performance.submit")),
            "check_from": add_months(month_start(today), -24),
            "check_to": today,
        },
        status=status,
    )


def _can(request, perm) -> bool:
    from tenancy.permissions import has_permission

    return has_permission(request.membership, perm)


@require_POST
@_to_performance_tab
def measurement_add(request, org_slug, partnership_id):
    """Manual entry by a member, or a partner guest's figure submitted for approval. Errors are
    shown under their field with the typed values kept."""
    partnership = _partnership(request, partnership_id)
    is_guest = request.membership.is_guest
    require_permission(
        request, "performance.submit" if is_guest else "performance.change", partnership
    )
    form = MeasurementForm(request.POST, partnership=partnership)
    if form.is_valid():
        now = timezone.now()
        try:
            services.measurement_record(
                actor=request.user,
                kpi=form.cleaned_data["kpi"],
                period_start=form.cleaned_data["period_start"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                pending=is_guest,
                today=timezone.localdate(now),
                now=now,
            )
            kpi = form.cleaned_data["kpi"]
            period = form.cleaned_data["period_start"]
            messages.success(
                request,
                f"{kpi.name} for {period:%B %Y} submitted for approval."
                if is_guest
                else f"{kpi.name} for {period:%B %Y} recorded.",
            )
            return redirect(_performance_url(request, partnership))
        except ValidationError as error:
            apply_errors(form, error)
    return _performance_page(request, partnership, measurement_form=form, status=400)


def _measurement(request, partnership_id, measurement_id) -> tuple[Partnership, Measurement]:
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    measurement = get_object_for_member_or_404(
        request,
        Measurement.objects.select_related("kpi", "submitted_by"),
        pk=measurement_id,
        partnership_id=partnership.pk,
    )
    return partnership, measurement


def _measurement_page(
    request, partnership, measurement, *, correct_form=None, delete_form=None, status=200
):
    return render(
        request,
        "performance/measurement_edit.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "measurement": measurement,
            "correct_form": correct_form
            # Plain notation: 100 must not prefill as "1E+2".
            or MeasurementCorrectForm(initial={"value": f"{measurement.value.normalize():f}"}),
            "delete_form": delete_form or MeasurementDeleteForm(),
        },
        status=status,
    )


@require_GET
def measurement_edit(request, org_slug, partnership_id, measurement_id):
    """Correct or delete a recorded figure, with a reason (audited); scorecards recompute."""
    partnership, measurement = _measurement(request, partnership_id, measurement_id)
    return _measurement_page(request, partnership, measurement)


def _measurement_form_step(
    request, partnership, measurement, form, *, service, fields, done: str, form_name: str
):
    """A form posted on the measurement page: done → the performance tab (scorecards are
    recomputed); refused → the page again with the errors under their fields."""
    if form.is_valid():
        try:
            service(
                measurement=measurement,
                actor=request.user,
                now=timezone.now(),
                **{name: form.cleaned_data[name] for name in fields},
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{measurement.kpi.name} for {measurement.period_start:%B %Y} {done}; "
                "scorecards recomputed.",
            )
            return redirect(_performance_url(request, partnership))
    return _measurement_page(request, partnership, measurement, status=400, **{form_name: form})


@require_POST
@_to_measurement
def measurement_correct(request, org_slug, partnership_id, measurement_id):
    partnership, measurement = _measurement(request, partnership_id, measurement_id)
    return _measurement_form_step(
        request,
        partnership,
        measurement,
        MeasurementCorrectForm(request.POST),
        service=services.measurement_correct,
        fields=("value", "reason"),
        done="corrected",
        form_name="correct_form",
    )


@require_POST
@_to_measurement
def measurement_delete(request, org_slug, partnership_id, measurement_id):
    partnership, measurement = _measurement(request, partnership_id, measurement_id)
    return _measurement_form_step(
        request,
        partnership,
        measurement,
        MeasurementDeleteForm(request.POST),
        service=services.measurement_delete,
        fields=("reason",),
        done="deleted",
        form_name="delete_form",
    )


@require_POST
@_to_performance_tab
def measurement_review(request, org_slug, partnership_id, measurement_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    measurement = get_object_for_member_or_404(
        request, Measurement.objects.all(), pk=measurement_id, partnership_id=partnership.pk
    )
    services.measurement_review(
        measurement=measurement,
        actor=request.user,
        approve=request.POST.get("decision") == "approve",
        now=timezone.now(),
    )
    messages.success(request, "Figure reviewed.")
    return redirect(_performance_url(request, partnership))


def measurement_import(request, org_slug, partnership_id):
    """Upload a CSV/Excel file: it is stored and checked by a background task (the page shows
    its progress), never parsed in the web request or kept in the session."""
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = services.measurement_import_start(
                    actor=request.user,
                    partnership=partnership,
                    upload=form.cleaned_data["file"],
                    limits=services.import_limits(),
                )
                return redirect(
                    "performance-import-job", org_slug=org_slug, measurementimport_id=job.pk
                )
            except ValidationError as error:
                apply_errors(form, error)
        status = 400
    return render(
        request,
        "performance/measurement_import.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "form": form,
            "limits": services.import_limits_text(services.import_limits()),
            "recent": list(
                MeasurementImport.objects.filter(partnership=partnership)
                .select_related("uploaded_by")
                .defer("result")[:5]
            ),
        },
        status=status,
    )


IMPORT_ERRORS_PAGE = 200


def _import_job(request, measurementimport_id) -> MeasurementImport:
    job = get_object_for_member_or_404(
        request, MeasurementImport.objects.select_related("partnership"), pk=measurementimport_id
    )
    require_permission(request, "performance.change", job)
    return job


@require_POST
@_to_import_job
def measurement_import_confirm(request, org_slug, measurementimport_id):
    """Import every row of a clean, checked file (a background task)."""
    job = _import_job(request, measurementimport_id)
    services.measurement_import_confirm(job=job, actor=request.user)
    messages.success(request, f"Importing {job.row_count:,} rows of {job.filename}.")
    return redirect("performance-import-job", org_slug=org_slug, measurementimport_id=job.pk)


@require_GET
def measurement_import_job(request, org_slug, measurementimport_id):
    """The job's progress; once checked, a bounded sample and every error row (paged); once
    clean, the button that imports all rows."""
    job = _import_job(request, measurementimport_id)
    progress = job_progress(job)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"status": job.status, "stage": job.stage, "progress": progress, "error": job.error}
        )
    result = job.result or {}
    errors = Paginator(result.get("errors", []), IMPORT_ERRORS_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "performance/measurement_import_job.html",
        {
            "job": job,
            "partnership": job.partnership,
            "partnership_tabs": partnership_tabs(request, job.partnership),
            "progress": progress,
            "result": result,
            "errors": errors,
        },
    )


def kpi_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    initial = {}
    if request.method == "GET" and request.GET.get("template", "").isdigit():
        template = KpiTemplate.objects.filter(pk=int(request.GET["template"])).first()
        if template is not None:
            initial = kpi_template_initial(template)
    form = KpiForm(
        request.POST or None,
        initial={"owner": request.user.pk, **initial},
        organization=request.organization,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        template = data.pop("template", None)
        try:
            kpi = services.kpi_create(
                actor=request.user, partnership=partnership, template=template, **data
            )
            messages.success(request, f"KPI {kpi.code} added.")
            return redirect(_performance_url(request, partnership))
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "performance/kpi_form.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "form": form,
            "templates": list(selectors.kpi_template_list()),
            "chosen_template": initial.get("template"),
        },
        status=400 if form.errors else 200,
    )


def kpi_edit(request, org_slug, partnership_id, kpi_id):
    """Correct a KPI's definition (name, target, thresholds, weight, formula …) or stop
    measuring it; the figures already recorded stay."""
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    kpi = get_object_for_member_or_404(
        request, Kpi.objects.all(), pk=kpi_id, partnership_id=partnership.pk
    )
    form = KpiEditForm(
        request.POST or None,
        instance=Kpi.objects.get(pk=kpi.pk),
        organization=request.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_update(kpi=kpi, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"KPI {kpi.code} saved.")
            return redirect(_performance_url(request, partnership))
    return render(
        request,
        "performance/kpi_edit.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "kpi": kpi,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@_to_performance_tab
def survey_submit(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    is_guest = request.membership.is_guest
    require_permission(
        request, "performance.submit" if is_guest else "performance.change", partnership
    )
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            services.health_survey_submit(
                actor=request.user,
                partnership=partnership,
                side=Side.PARTNER if is_guest else Side.BUYER,
                **form.cleaned_data,
            )
            messages.success(request, "Thank you: relationship health recorded.")
            return redirect(_performance_url(request, partnership))
        except ValidationError as error:
            apply_errors(form, error)
    return _performance_page(request, partnership, survey_form=form, status=400)


def _scorecard(request, scorecard_id) -> Scorecard:
    scorecard = get_object_for_member_or_404(
        request, Scorecard.objects.select_related("partnership__partner"), pk=scorecard_id
    )
    require_permission(request, "performance.view", scorecard)
    if request.membership.is_guest and scorecard.status != Scorecard.Status.PUBLISHED:
        raise Http404("No such scorecard.")
    return scorecard


def _scorecard_url(request, scorecard) -> str:
    return (
        _performance_url(request, scorecard.partnership) + f"?period={scorecard.period_start:%Y-%m}"
    )


@require_GET
def scorecard_detail(request, org_slug, scorecard_id):
    """A scorecard lives on its partnership's performance tab, at its month."""
    return redirect(_scorecard_url(request, _scorecard(request, scorecard_id)))


@require_POST
@_to_scorecard
def scorecard_publish(request, org_slug, scorecard_id):
    scorecard = _scorecard(request, scorecard_id)
    require_permission(request, "performance.change", scorecard)
    services.scorecard_publish(scorecard=scorecard, actor=request.user, now=timezone.now())
    messages.success(
        request,
        f"Scorecard of {scorecard.period_start:%B %Y} published to "
        f"{scorecard.partnership.partner.name}.",
    )
    return redirect(_scorecard_url(request, scorecard))


@require_POST
@_to_scorecard
def scorecard_acknowledge(request, org_slug, scorecard_id):
    scorecard = _scorecard(request, scorecard_id)
    side = Side.PARTNER if request.membership.is_guest else Side.BUYER
    services.scorecard_acknowledge(
        scorecard=scorecard, actor=request.user, side=side, now=timezone.now()
    )
    messages.success(request, f"Scorecard of {scorecard.period_start:%B %Y} acknowledged.")
    return redirect(_scorecard_url(request, scorecard))


@require_POST
@_to_scorecard
def scorecard_appeal(request, org_slug, scorecard_id):
    scorecard = _scorecard(request, scorecard_id)
    appeal = services.scorecard_appeal_raise(
        scorecard=scorecard,
        actor=request.user,
        criterion_code=request.POST.get("criterion_code", ""),
        comment=request.POST.get("comment", ""),
    )
    messages.success(
        request, f"Appeal on {appeal.criterion_code} of {scorecard.period_start:%B %Y} sent."
    )
    return redirect(_scorecard_url(request, scorecard))


@require_POST
@_to_performance_tab
def appeal_resolve(request, org_slug, partnership_id, scorecardappeal_id):
    partnership = _partnership(request, partnership_id)
    appeal = get_object_for_member_or_404(
        request,
        ScorecardAppeal.objects.select_related("scorecard__partnership"),
        pk=scorecardappeal_id,
        partnership_id=partnership.pk,
    )
    require_permission(request, "performance.change", appeal)
    services.scorecard_appeal_resolve(
        appeal=appeal,
        actor=request.user,
        uphold=request.POST.get("decision") == "uphold",
        resolution=request.POST.get("resolution", ""),
        now=timezone.now(),
    )
    messages.success(request, "Appeal resolved.")
    return redirect(_performance_url(request, partnership))


# --- SLAs and breaches -------------------------------------------------------------------------

SLA_PAGE_SIZE = 50
BREACH_PAGE_SIZE = 50


def sla_list(request, org_slug):
    require_permission(request, "performance.view")
    today = timezone.localdate()
    form = BreachCheckForm(
        initial={
            "period_from": f"{add_months(month_start(today), -24):%Y-%m}",
            "period_to": f"{today:%Y-%m}",
        }
    )
    slas = Paginator(selectors.sla_list(membership=request.membership), SLA_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "performance/sla_list.html",
        {
            "slas": slas,
            # Newest first, a page at a time (each open breach carries its close/waive form).
            "breaches": Paginator(
                selectors.breach_list(membership=request.membership), BREACH_PAGE_SIZE
            ).get_page(request.GET.get("breaches_page")),
            "form": form,
            "can_change": not request.membership.is_guest and _can(request, "performance.change"),
        },
    )


def sla_picker_search(request, org_slug):
    """The searchable SLA picker's matches (tenancy/widgets.py): JSON, at most 20."""
    require_permission(request, "performance.view")
    text, partnership_id = picker_query(request)
    matches = selectors.sla_search(
        membership=request.membership, text=text, partnership_id=partnership_id
    )
    return picker_response(matches, lambda s: f"{s.name} ({s.partnership.name})")


@require_POST
def breach_check_run(request, org_slug):
    """Run (or queue) the set-based SLA breach check for a range of months."""
    require_permission(request, "performance.change")
    form = BreachCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the months to check as YYYY-MM.")
    else:
        enqueue(
            "performance.tasks.sla_breach_check",
            organization_id=request.organization.pk,
            period_from=form.cleaned_data["period_from"].isoformat(),
            period_to=form.cleaned_data["period_to"].isoformat(),
        )
        messages.success(
            request, "SLA breach check done." if tasks_inline() else "SLA breach check queued."
        )
    return redirect(request.POST.get("next") or reverse("performance-slas", args=[org_slug]))


# --- PDF reports -------------------------------------------------------------------------------


@require_POST
def report_request(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    try:
        period = parse_period(request.POST.get("period", ""))
    except ValueError:
        raise Http404("Unknown period.") from None
    if (
        request.membership.is_guest
        and not selectors.scorecard_list(membership=request.membership)
        .filter(partnership=partnership, period_start=period)
        .exists()
    ):
        raise Http404("No published scorecard for this month.")
    report = services.report_request(
        partnership=partnership, period_start=period, actor=request.user
    )
    enqueue(
        "performance.tasks.scorecard_report_generate",
        organization_id=request.organization.pk,
        report_id=report.pk,
    )
    return redirect("performance-report", org_slug=org_slug, scorecardreport_id=report.pk)


def report_status(request, org_slug, scorecardreport_id):
    report = get_object_for_member_or_404(
        request, ScorecardReport.objects.select_related("partnership"), pk=scorecardreport_id
    )
    require_permission(request, "performance.view", report)
    if not selectors.report_visible(report=report, membership=request.membership):
        raise Http404("No published scorecard for this month.")
    progress = job_progress(report)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": report.status,
                "progress": progress,
                "download": reverse("performance-report-download", args=[org_slug, report.pk])
                if report.status == ScorecardReport.Status.DONE
                else None,
            }
        )
    return render(
        request,
        "performance/report_status.html",
        {"report": report, "progress": progress, "partnership": report.partnership},
    )


def report_download(request, org_slug, scorecardreport_id):
    report = get_object_for_member_or_404(
        request, ScorecardReport.objects.select_related("partnership"), pk=scorecardreport_id
    )
    require_permission(request, "performance.view", report)
    if not selectors.report_visible(report=report, membership=request.membership):
        raise Http404("No published scorecard for this month.")
    if report.status != ScorecardReport.Status.DONE or not report.file:
        raise Http404("This PDF is not ready.")
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"scorecard-{report.partnership.code}-{report.period_start:%Y-%m}.pdf",
        content_type="application/pdf",
    )


# --- QBRs and actions --------------------------------------------------------------------------


@require_GET
def partnership_qbrs(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    can_change = not request.membership.is_guest and _can(request, "performance.change")
    qbrs = selectors.qbr_workspace(partnership=partnership)
    for qbr in qbrs:
        # Each QBR's form shows what is recorded: saving it records the minutes and the
        # decisions as shown, so an empty form would erase them.
        qbr.record_form = QbrRecordForm(
            initial={"minutes": qbr.minutes, "decisions": qbr.decisions},
            auto_id=f"id_qbr{qbr.pk}_%s",
        )
    return render(
        request,
        "performance/partnership_qbrs.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "qbrs": qbrs,
            "action_form": ActionItemForm(
                initial={"due_date": timezone.localdate() + timedelta(days=30)}
            ),
            "can_change": can_change,
            "this_year": timezone.localdate().year,
        },
    )


def _qbr(request, partnership_id, qbr_id) -> tuple[Partnership, Qbr]:
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    qbr = get_object_for_member_or_404(
        request, Qbr.objects.all(), pk=qbr_id, partnership_id=partnership.pk
    )
    return partnership, qbr


@require_POST
@_to_qbrs
def qbr_schedule_year(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    year_text = (request.POST.get("year") or "").strip()
    if not year_text.isdigit():
        raise ValidationError("Give the year as four digits, e.g. 2026.")
    year = int(year_text)
    created = services.qbr_schedule_year(
        actor=request.user,
        partnership=partnership,
        year=year,
        attendees=[u for u in (request.user, partnership.owner) if u],
    )
    messages.success(request, f"{len(created)} QBR(s) scheduled for {year}.")
    return redirect("partnership-qbrs", org_slug=org_slug, partnership_id=partnership.pk)


@require_POST
@_to_qbrs
def qbr_record(request, org_slug, partnership_id, qbr_id):
    partnership, qbr = _qbr(request, partnership_id, qbr_id)
    form = QbrRecordForm(request.POST)
    if form.is_valid():
        services.qbr_record(qbr=qbr, actor=request.user, **form.cleaned_data)
        messages.success(request, "Minutes saved.")
    return redirect("partnership-qbrs", org_slug=org_slug, partnership_id=partnership.pk)


@require_POST
@_to_qbrs
def qbr_action_add(request, org_slug, partnership_id, qbr_id):
    partnership, qbr = _qbr(request, partnership_id, qbr_id)
    form = ActionItemForm(request.POST)
    try:
        if not form.is_valid():  # a date that is not one, a title over 300 characters
            raise ValidationError(form.errors)
        services.action_item_create(
            actor=request.user,
            partnership=partnership,
            qbr=qbr,
            owner=request.user,
            **form.cleaned_data,
        )
    except ValidationError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(request, "Action item added.")
    return redirect("partnership-qbrs", org_slug=org_slug, partnership_id=partnership.pk)


def qbr_ical(request, org_slug, partnership_id, qbr_id):
    partnership = _partnership(request, partnership_id)
    qbr = get_object_for_member_or_404(
        request, Qbr.objects.select_related("partnership"), pk=qbr_id, partnership_id=partnership.pk
    )
    response = HttpResponse(
        services.qbr_ical(qbr=qbr), content_type="text/calendar; method=REQUEST"
    )
    response["Content-Disposition"] = f'attachment; filename="qbr-{qbr.pk}.ics"'
    return response


def action_board(request, org_slug):
    require_permission(request, "performance.view")
    items = list(selectors.action_board(membership=request.membership))
    today = timezone.localdate()
    columns = [
        (label, [i for i in items if i.status == value])
        for value, label in ActionItem.Status.choices
    ]
    return render(
        request,
        "performance/action_board.html",
        {
            "columns": columns,
            "today": today,
            "statuses": ActionItem.Status.choices,
            "can_change": not request.membership.is_guest and _can(request, "performance.change"),
        },
    )


@require_POST
@_to_action_board
def action_item_status(request, org_slug, actionitem_id):
    item = get_object_for_member_or_404(request, ActionItem.objects.all(), pk=actionitem_id)
    require_permission(request, "performance.change", item)
    services.action_item_set_status(
        item=item, actor=request.user, status=request.POST.get("status", "")
    )
    return redirect("performance-actions", org_slug=org_slug)


# --- SLA editing, breach closing, RCA/CAPA, standings -----------------------------------------


def _sla_values(form) -> dict:
    data = dict(form.cleaned_data)
    return {"tiers": data.pop("tiers"), **data}


def sla_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    form = SlaForm(
        request.POST or None, partnership=partnership, initial={"owner": request.user.pk}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                values = _sla_values(form)
                sla = services.sla_create(actor=request.user, partnership=partnership, **values)
                messages.success(request, f"SLA “{sla.name}” created for {partnership.name}.")
                return redirect(_performance_url(request, partnership))
            except ValidationError as error:
                apply_errors(form, error)
        status = 400
    return render(
        request,
        "performance/sla_form.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "form": form,
            "sla": None,
        },
        status=status,
    )


def sla_detail(request, org_slug, sla_id):
    """An SLA's terms now and their history: each version with the months it applied to and
    the change request that agreed it. A partner guest sees those of their partnerships."""
    sla = get_object_for_member_or_404(
        request, selectors.sla_for_member(membership=request.membership), pk=sla_id
    )
    require_permission(request, "performance.view", sla)
    membership = request.membership
    return render(
        request,
        "performance/sla_detail.html",
        {
            "sla": sla,
            "partnership": sla.partnership,
            "partnership_tabs": partnership_tabs(request, sla.partnership),
            "history": selectors.sla_version_history(sla=sla, today=timezone.localdate()),
            "can_change": not membership.is_guest and _can(request, "performance.change"),
            "can_propose": not membership.is_guest and _can(request, "governance.change"),
        },
    )


def sla_edit(request, org_slug, sla_id):
    sla = get_object_for_member_or_404(
        request, Sla.objects.select_related("partnership", "kpi"), pk=sla_id
    )
    partnership = sla.partnership
    require_permission(request, "performance.change", sla)
    form = SlaForm(request.POST or None, instance=sla, partnership=partnership)
    # Terms that judged a month, or were changed by a change request, change only through one.
    governed = services.sla_terms_governed_reason(sla)
    if governed:
        for name in (*SLA_VERSIONED_TERMS, "tiers"):
            if name in form.fields:
                form.fields[name].disabled = True
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                values = _sla_values(form)
                values.pop("kpi", None)  # the metric of an SLA with breaches stays put
                services.sla_update(sla=sla, actor=request.user, **values)
                messages.success(request, f"SLA “{sla.name}” saved.")
                return redirect("performance-slas", org_slug=org_slug)
            except ValidationError as error:
                apply_errors(form, error)
            except ConflictError as error:
                form.add_error(None, error.message)
        status = 400
    form.fields["kpi"].disabled = True
    return render(
        request,
        "performance/sla_form.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "form": form,
            "sla": sla,
            "governed": governed,
        },
        status=status,
    )


@require_POST
def breach_status(request, org_slug, slabreach_id):
    """Close a breach as remediated or waive it, with a reason (audited)."""
    breach = get_object_for_member_or_404(
        request, SlaBreach.objects.select_related("sla", "partnership"), pk=slabreach_id
    )
    require_permission(request, "performance.change", breach)
    form = BreachStatusForm(request.POST)
    try:
        if not form.is_valid():  # a NUL byte
            raise ValidationError(form.errors)
        services.sla_breach_set_status(
            breach=breach,
            actor=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
        done = "closed as remediated" if form.cleaned_data["status"] == "remediated" else "waived"
        messages.success(
            request, f"Breach of “{breach.sla.name}” ({breach.period_start:%B %Y}) {done}."
        )
    except (ConflictError, ValidationError) as error:
        # Back where the form was (the SLA list or a performance tab), with the reason.
        messages.error(request, refusal_message(error))
    target = request.POST.get("next", "")
    if not target.startswith(f"/o/{org_slug}/"):
        target = reverse("performance-slas", args=[org_slug])
    return redirect(target)


def rca_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "performance.change", partnership)
    form = RcaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rca = services.rca_create(
                actor=request.user,
                partnership=partnership,
                problem=form.cleaned_data["problem"],
                five_whys=form.cleaned_data["five_whys"],
            )
            messages.success(request, "Root-cause analysis opened.")
            return redirect("performance-rca", org_slug=org_slug, rootcauseanalysis_id=rca.pk)
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "performance/rca_new.html",
        {
            "partnership": partnership,
            "partnership_tabs": partnership_tabs(request, partnership),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _rca(request, rootcauseanalysis_id, *, change=False) -> RootCauseAnalysis:
    rca = get_object_for_member_or_404(
        request,
        RootCauseAnalysis.objects.select_related("partnership", "sla"),
        pk=rootcauseanalysis_id,
    )
    require_permission(request, "performance.change" if change else "performance.view", rca)
    return rca


def _rca_page(request, rca, *, rca_form=None, capa_form=None, status=200):
    return render(
        request,
        "performance/rca_detail.html",
        {
            "rca": rca,
            "partnership": rca.partnership,
            "partnership_tabs": partnership_tabs(request, rca.partnership),
            "actions": list(rca.actions.select_related("owner")),
            "rca_form": rca_form
            or RcaForm(initial={"problem": rca.problem, "five_whys": "\n".join(rca.five_whys)}),
            "capa_form": capa_form
            or CapaForm(
                organization=request.organization,
                initial={"due_date": timezone.localdate() + timedelta(days=30)},
            ),
            "can_change": not request.membership.is_guest and _can(request, "performance.change"),
        },
        status=status,
    )


def _rca_redirect(org_slug, rca):
    return redirect("performance-rca", org_slug=org_slug, rootcauseanalysis_id=rca.pk)


@require_GET
def rca_detail(request, org_slug, rootcauseanalysis_id):
    """One root-cause analysis: problem, 5 whys, corrective/preventive actions with owner and
    due date, closing, and the effectiveness check after closing."""
    return _rca_page(request, _rca(request, rootcauseanalysis_id))


def _rca_form_step(request, org_slug, rca, form, *, service, done: str, form_name: str):
    """A form posted on the analysis page: done → back to it; refused → its field errors."""
    if form.is_valid():
        try:
            service(rca=rca, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return _rca_redirect(org_slug, rca)
    return _rca_page(request, rca, status=400, **{form_name: form})


@require_POST
@_to_rca
def rca_update(request, org_slug, rootcauseanalysis_id):
    rca = _rca(request, rootcauseanalysis_id, change=True)
    return _rca_form_step(
        request,
        org_slug,
        rca,
        RcaForm(request.POST),
        service=services.rca_update,
        done="Analysis saved.",
        form_name="rca_form",
    )


@require_POST
@_to_rca
def capa_add(request, org_slug, rootcauseanalysis_id):
    rca = _rca(request, rootcauseanalysis_id, change=True)
    return _rca_form_step(
        request,
        org_slug,
        rca,
        CapaForm(request.POST, organization=request.organization),
        service=services.capa_add,
        done="Action added.",
        form_name="capa_form",
    )


def capa_edit(request, org_slug, rootcauseanalysis_id, correctiveaction_id):
    """Reword, reschedule or hand over an open corrective or preventive action."""
    rca = _rca(request, rootcauseanalysis_id, change=True)
    action = get_object_for_member_or_404(
        request, CorrectiveAction.objects.all(), pk=correctiveaction_id, rca=rca
    )
    form = CapaForm(
        request.POST or None,
        initial={
            "description": action.description,
            "kind": action.kind,
            "owner": action.owner_id,
            "due_date": action.due_date,
        },
        organization=request.organization,
    )
    form.fields["kind"].disabled = True  # what the action is for stays
    back = reverse("performance-rca", args=[org_slug, rca.pk])
    done = form_submit(
        request,
        form,
        lambda data: services.capa_update(action=action, actor=request.user, **data),
        success="Action saved.",
        to=back,
    )
    return done or form_page(
        request,
        title=f"Action · {rca.problem[:80]}",
        form=form,
        back=back,
        submit="Save",
        partnership=rca.partnership,
    )


@require_POST
@_to_rca
def capa_complete(request, org_slug, rootcauseanalysis_id, correctiveaction_id):
    rca = _rca(request, rootcauseanalysis_id, change=True)
    action = get_object_for_member_or_404(
        request, CorrectiveAction.objects.all(), pk=correctiveaction_id, rca=rca
    )
    services.capa_complete(action=action, actor=request.user, now=timezone.now())
    messages.success(request, "Action marked done.")
    return _rca_redirect(org_slug, rca)


@require_POST
@_to_rca
def rca_close(request, org_slug, rootcauseanalysis_id):
    rca = _rca(request, rootcauseanalysis_id, change=True)
    now = timezone.now()
    services.rca_close(rca=rca, actor=request.user, today=timezone.localdate(now), now=now)
    messages.success(request, "Analysis closed; effectiveness check scheduled.")
    return _rca_redirect(org_slug, rca)


@require_POST
@_to_rca
def rca_effectiveness(request, org_slug, rootcauseanalysis_id):
    rca = _rca(request, rootcauseanalysis_id, change=True)
    services.rca_effectiveness_record(
        rca=rca, actor=request.user, effective=request.POST.get("effective") == "yes"
    )
    messages.success(request, "Effectiveness recorded.")
    return _rca_redirect(org_slug, rca)


def standings_edit(request, org_slug):
    """The organization's standings bands (0-100 covered exactly once)."""
    require_permission(request, "performance.view")
    can_change = not request.membership.is_guest and _can(request, "performance.change")
    if request.membership.is_guest:
        raise Http404("No such page.")
    initial = [
        {"name": s.name, "min_score": s.min_score, "max_score": s.max_score, "action": s.action}
        for s in services.organization_standings()
    ]
    formset = StandingBandFormSet(initial=initial, prefix="band")
    status = 200
    if request.method == "POST":
        require_permission(request, "performance.change")
        formset = StandingBandFormSet(request.POST, prefix="band")
        if formset.is_valid():
            bands = [
                (f["name"], f["min_score"], f["max_score"], f["action"])
                for f in formset.cleaned_data
                if f and f.get("name")
            ]
            try:
                services.standings_replace(actor=request.user, bands=bands)
                messages.success(request, "Standings saved; new scorecards use them.")
                return redirect("performance-standings", org_slug=org_slug)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        status = 400
    return render(
        request,
        "performance/standings.html",
        {"formset": formset, "can_change": can_change},
        status=status,
    )
