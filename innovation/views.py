"""Pages of the innovation module: the module home, the partnership's innovation tab, one page
per initiative, pilot, sourcing model, task force, session and supplier programme, and one POST
URL per action. Thin: load with the tenancy helpers, call a selector or a service, render.

A partner guest submits and scores initiatives of their partnerships and sees the joint work;
the buyer's internal note, the buyer's evaluation comments and lessons learned are never
rendered for them.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from innovation import selectors, services
from innovation.forms import (
    AttendeeForm,
    BenefitForm,
    CriterionForm,
    DecisionForm,
    FollowUpsForm,
    InitiativeForm,
    InvestmentForm,
    LessonForm,
    MaterialForm,
    MemberForm,
    MilestoneForm,
    OutcomesForm,
    PilotCancelForm,
    PilotCriterionForm,
    PilotDecisionForm,
    PilotForm,
    ProgrammeForm,
    ProgrammeStatusForm,
    ScoreForm,
    SessionForm,
    SourcingModelForm,
    SourcingStatusForm,
    TargetForm,
    TaskForceForm,
)
from innovation.models import (
    EvaluationCriterion,
    ImprovementInitiative,
    KnowledgeSession,
    Party,
    SessionMaterial,
    SourcingModel,
    SupplierProgramme,
    TaskForce,
    TaskForceMilestone,
)
from partnerships.models import Partnership
from performance.models import Kpi
from tenancy.errors import ConflictError
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.views import (
    form_page,
    form_submit,
    get_object_for_member_or_404,
    refusals_to_messages,
    require_permission,
)


def _partnership(request, partnership_id, verb="view") -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, f"innovation.{verb}", partnership)
    return partnership


def _load(request, queryset, pk, verb="view", path="partnership"):
    obj = get_object_for_member_or_404(request, queryset, partnership_path=path, pk=pk)
    require_permission(request, f"innovation.{verb}", obj)
    return obj


def _tab(partnership, anchor="") -> str:
    return (
        reverse("partnership-innovation", args=[partnership.organization.slug, partnership.pk])
        + anchor
    )


def _can(request, verb, obj) -> bool:
    return has_permission(request.membership, f"innovation.{verb}", obj)


# An innovation form on its own page (crumbs: Innovation › the partnership), and its service.
_form_page = partial(form_page, template="innovation/form.html")
_save = form_submit


def _refused(request, error: Exception) -> None:
    text = error.message if isinstance(error, ConflictError) else "; ".join(error.messages)
    messages.error(request, text)


# -- home and the partnership tab ---------------------------------------------------------------


def innovation_home(request, org_slug):
    require_permission(request, "innovation.view")
    membership = request.membership
    return render(
        request,
        "innovation/home.html",
        {
            "initiatives": list(selectors.initiative_list(membership=membership)[:100]),
            "pilots": list(selectors.pilot_list(membership=membership)[:50]),
            "task_forces": list(selectors.task_force_list(membership=membership)[:50]),
            "sourcing_models": list(selectors.sourcing_model_list(membership=membership)[:50]),
        },
    )


def partnership_innovation(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    membership = request.membership
    data = selectors.partnership_innovation(membership=membership, partnership=partnership)
    return render(
        request,
        "innovation/partnership_innovation.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "data": data,
            "can_submit": _can(request, "submit", partnership),
            "can_change": _can(request, "change", partnership),
            "is_guest": membership.is_guest,
        },
    )


# -- initiatives -------------------------------------------------------------------------------


def _initiatives():
    return ImprovementInitiative.objects.select_related("partnership__partner")


def _initiative_url(initiative) -> str:
    return reverse("initiative-detail", args=[initiative.organization.slug, initiative.pk])


def initiative_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "submit")
    guest = request.membership.is_guest
    form = InitiativeForm(
        request.POST or None, guest=guest, initial={"currency": partnership.currency}
    )
    done = _save(
        request,
        form,
        lambda data: services.initiative_submit(
            actor=request.user, partnership=partnership, now=timezone.now(), **data
        ),
        success="Initiative submitted: both parties now score it.",
        to=_initiative_url,
    )
    return done or _form_page(
        request,
        title="Submit an improvement initiative",
        form=form,
        back=_tab(partnership, "#initiatives"),
        submit="Submit the initiative",
        partnership=partnership,
    )


def initiative_edit(request, org_slug, improvement_initiative_id):
    """Correct an initiative while it is proposed or parked (a decided one is not edited)."""
    initiative = _load(request, _initiatives(), improvement_initiative_id, "change")
    guest = request.membership.is_guest
    initial = {name: getattr(initiative, name) for name in services.INITIATIVE_FIELDS}
    form = InitiativeForm(request.POST or None, guest=guest, initial=initial)
    detail = reverse("initiative-detail", args=[org_slug, initiative.pk])
    done = _save(
        request,
        form,
        lambda data: services.initiative_update(initiative=initiative, actor=request.user, **data),
        success="Initiative saved.",
        to=detail,
    )
    return done or _form_page(
        request,
        title=f"Edit {initiative.title}",
        form=form,
        back=detail,
        submit="Save the initiative",
        partnership=initiative.partnership,
    )


def initiative_detail(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id)
    membership = request.membership
    party = Party.PARTNER if membership.is_guest else Party.BUYER
    evaluation = selectors.evaluation_of(initiative)
    rows = []
    for row in evaluation.rows:
        mine = row.partner if party == Party.PARTNER else row.buyer
        rows.append(
            {
                "row": row,
                "mine": mine,
                "form": ScoreForm(prefix=f"c{row.criterion.pk}"),
            }
        )
    can_change = _can(request, "change", initiative)
    return render(
        request,
        "innovation/initiative_detail.html",
        {
            "initiative": initiative,
            "partnership": initiative.partnership,
            "evaluation": evaluation,
            "rows": rows,
            "is_guest": membership.is_guest,
            "can_score": _can(request, "submit", initiative)
            and initiative.status == ImprovementInitiative.Status.PROPOSED,
            "can_decide": _can(request, "decide", initiative) and not membership.is_guest,
            "can_change": can_change,
            "decision_form": DecisionForm(),
            "criterion_form": CriterionForm(),
            "lesson_form": LessonForm(),
            "savings": selectors.initiative_savings(initiative, membership=membership),
            "pilots": list(initiative.pilots.all()),
        },
    )


@require_POST
@refusals_to_messages("initiative-detail", "improvement_initiative_id")
def initiative_score(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "submit")
    criterion_id = request.POST.get("criterion", "")
    criterion = (
        EvaluationCriterion.objects.filter(initiative=initiative, pk=criterion_id).first()
        if criterion_id.isdigit()
        else None
    )
    if criterion is None:
        raise ValidationError({"criterion": "Choose a criterion of this initiative."})
    form = ScoreForm(request.POST, prefix=f"c{criterion.pk}")
    if not form.is_valid():
        raise ValidationError({"score": "Give a score from 1 to 5."})
    services.criterion_score(
        criterion=criterion,
        actor=request.user,
        now=timezone.now(),
        score=form.cleaned_data["score"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(request, f"“{criterion.name}” scored.")
    return redirect(_initiative_url(initiative) + "#evaluation")


@require_POST
@refusals_to_messages("initiative-detail", "improvement_initiative_id")
def initiative_criterion_add(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "change")
    form = CriterionForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"weight": "Name the criterion and give it a weight above zero."})
    services.criterion_add(initiative=initiative, actor=request.user, **form.cleaned_data)
    messages.success(request, "Criterion added.")
    return redirect(_initiative_url(initiative) + "#evaluation")


@require_POST
@refusals_to_messages("initiative-detail", "improvement_initiative_id")
def initiative_decide(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "decide")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"decision": "Choose approve, park or reject."})
    initiative = services.initiative_decide(
        initiative=initiative,
        actor=request.user,
        now=timezone.now(),
        decision=form.cleaned_data["decision"],
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, f"Initiative {initiative.get_status_display().lower()}.")
    return redirect(_initiative_url(initiative))


@require_POST
@refusals_to_messages("initiative-detail", "improvement_initiative_id")
def initiative_reopen(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "decide")
    services.initiative_reopen(initiative=initiative, actor=request.user)
    messages.success(request, "The initiative is back in evaluation.")
    return redirect(_initiative_url(initiative))


@require_POST
@refusals_to_messages("initiative-detail", "improvement_initiative_id")
def initiative_implemented(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "decide")
    services.initiative_implemented(initiative=initiative, actor=request.user)
    messages.success(request, "The initiative is implemented.")
    return redirect(_initiative_url(initiative))


def initiative_benefit(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "change")
    form = BenefitForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.initiative_record_benefit(
            initiative=initiative, actor=request.user, now=timezone.now(), **data
        ),
        success="Realised benefit recorded in the savings ledger; the partner verifies it there.",
        to=_initiative_url(initiative) + "#benefit",
    )
    return done or _form_page(
        request,
        title=f"Record a realised benefit of “{initiative.title}”",
        form=form,
        back=_initiative_url(initiative),
        submit="Record the benefit",
        partnership=initiative.partnership,
    )


def _lesson(request, source, back: str) -> HttpResponse:
    form = LessonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the lesson learned.")
        return redirect(back)
    try:
        services.lesson_propose(source=source, actor=request.user, **form.cleaned_data)
    except (ValidationError, ConflictError) as error:
        _refused(request, error)
    else:
        messages.success(request, "Lesson proposed as a playbook change: it awaits review.")
    return redirect(back)


@require_POST
def initiative_lesson(request, org_slug, improvement_initiative_id):
    initiative = _load(request, _initiatives(), improvement_initiative_id, "change")
    return _lesson(request, initiative, _initiative_url(initiative))


# -- pilots ------------------------------------------------------------------------------------


def _pilot_url(pilot) -> str:
    return reverse("pilot-detail", args=[pilot.organization.slug, pilot.pk])


def pilot_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    approved = ImprovementInitiative.objects.filter(
        partnership=partnership,
        status__in=[ImprovementInitiative.Status.APPROVED, ImprovementInitiative.Status.PILOT],
    )
    form = PilotForm(request.POST or None, initiatives=approved)
    done = _save(
        request,
        form,
        lambda data: services.pilot_create(actor=request.user, partnership=partnership, **data),
        success="Pilot planned: add its success criteria.",
        to=_pilot_url,
    )
    return done or _form_page(
        request,
        title="Plan a pilot",
        form=form,
        back=_tab(partnership, "#pilots"),
        submit="Plan the pilot",
        partnership=partnership,
    )


def _pilots():
    return selectors.pilot_list_all()


def pilot_detail(request, org_slug, pilot_id):
    return _pilot_page(request, _load(request, _pilots(), pilot_id))


def _pilot_page(request, pilot, *, status=200, criterion_form=None, decision_form=None):
    """The pilot's page; a refused criterion or decision comes back bound, its errors by its
    fields and what was typed kept (status 400)."""
    kpis = Kpi.objects.filter(partnership=pilot.partnership)
    return render(
        request,
        "innovation/pilot_detail.html",
        {
            "pilot": pilot,
            "partnership": pilot.partnership,
            "results": selectors.pilot_results(pilot),
            "can_change": _can(request, "change", pilot),
            "can_decide": _can(request, "decide", pilot) and not request.membership.is_guest,
            "criterion_form": criterion_form or PilotCriterionForm(kpis=kpis),
            "decision_form": decision_form or PilotDecisionForm(),
            "lesson_form": LessonForm(),
        },
        status=status,
    )


@require_POST
@refusals_to_messages("pilot-detail", "pilot_id")
def pilot_criterion_add(request, org_slug, pilot_id):
    pilot = _load(request, _pilots(), pilot_id, "change")
    form = PilotCriterionForm(request.POST, kpis=Kpi.objects.filter(partnership=pilot.partnership))
    done = _save(
        request,
        form,
        lambda data: services.pilot_criterion_add(pilot=pilot, actor=request.user, **data),
        success="Success criterion added.",
        to=_pilot_url(pilot),
    )
    return done or _pilot_page(request, pilot, criterion_form=form, status=400)


@require_POST
@refusals_to_messages("pilot-detail", "pilot_id")
def pilot_start(request, org_slug, pilot_id):
    pilot = _load(request, _pilots(), pilot_id, "change")
    services.pilot_start(pilot=pilot, actor=request.user)
    messages.success(request, "Pilot running.")
    return redirect(_pilot_url(pilot))


def pilot_cancel(request, org_slug, pilot_id):
    """Call off a planned pilot: a page of its own, with a reason."""
    pilot = _load(request, _pilots(), pilot_id, "change")
    form = PilotCancelForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.pilot_cancel(pilot=pilot, actor=request.user, reason=data["reason"]),
        success="Pilot cancelled.",
        to=_pilot_url(pilot),
    )
    return done or _form_page(
        request,
        title=f"Cancel the pilot {pilot.title}",
        form=form,
        back=_pilot_url(pilot),
        submit="Cancel the pilot",
        partnership=pilot.partnership,
        confirm="Cancel this pilot? A cancelled pilot is not started again.",
    )


@require_POST
@refusals_to_messages("pilot-detail", "pilot_id")
def pilot_decide(request, org_slug, pilot_id):
    pilot = _load(request, _pilots(), pilot_id, "decide")
    form = PilotDecisionForm(request.POST)
    done = _save(
        request,
        form,
        lambda data: services.pilot_decide(
            pilot=pilot, actor=request.user, now=timezone.now(), **data
        ),
        success="Decision recorded.",
        to=_pilot_url(pilot),
    )
    return done or _pilot_page(request, pilot, decision_form=form, status=400)


@require_POST
def pilot_lesson(request, org_slug, pilot_id):
    pilot = _load(request, _pilots(), pilot_id, "change")
    return _lesson(request, pilot, _pilot_url(pilot))


# -- sourcing models ---------------------------------------------------------------------------


def _sourcing_url(model) -> str:
    return reverse("sourcing-model-detail", args=[model.organization.slug, model.pk])


def sourcing_model_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = SourcingModelForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.sourcing_model_create(
            actor=request.user, partnership=partnership, **data
        ),
        success="Sourcing model registered.",
        to=_sourcing_url,
    )
    return done or _form_page(
        request,
        title="Register a sourcing model",
        form=form,
        back=_tab(partnership, "#sourcing-models"),
        submit="Register it",
        partnership=partnership,
    )


def sourcing_model_detail(request, org_slug, sourcing_model_id):
    model = _load(request, SourcingModel.objects.select_related("partnership"), sourcing_model_id)
    return render(
        request,
        "innovation/sourcing_model_detail.html",
        {
            "model": model,
            "partnership": model.partnership,
            "can_change": _can(request, "change", model),
            "status_form": SourcingStatusForm(initial={"status": model.status}),
            "lesson_form": LessonForm(),
        },
    )


@require_POST
@refusals_to_messages("sourcing-model-detail", "sourcing_model_id")
def sourcing_model_status(request, org_slug, sourcing_model_id):
    model = _load(request, SourcingModel.objects.all(), sourcing_model_id, "change")
    form = SourcingStatusForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"status": "Choose a status."})
    services.sourcing_model_update(model=model, actor=request.user, **form.cleaned_data)
    messages.success(request, "Status changed.")
    return redirect(_sourcing_url(model))


@require_POST
def sourcing_model_lesson(request, org_slug, sourcing_model_id):
    model = _load(request, SourcingModel.objects.all(), sourcing_model_id, "change")
    return _lesson(request, model, _sourcing_url(model))


# -- task forces -------------------------------------------------------------------------------


def _task_force_url(task_force) -> str:
    return reverse("task-force-detail", args=[task_force.organization.slug, task_force.pk])


def task_force_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = TaskForceForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.task_force_create(
            actor=request.user, partnership=partnership, **data
        ),
        success="Task force set up: add members of both parties.",
        to=_task_force_url,
    )
    return done or _form_page(
        request,
        title="Set up a task force",
        form=form,
        back=_tab(partnership, "#task-forces"),
        submit="Set it up",
        partnership=partnership,
    )


def task_force_detail(request, org_slug, task_force_id):
    task_force = _load(request, TaskForce.objects.select_related("partnership"), task_force_id)
    return render(
        request,
        "innovation/task_force_detail.html",
        {
            "task_force": task_force,
            "partnership": task_force.partnership,
            "members": list(task_force.members.all()),
            "milestones": list(task_force.milestones.all()),
            "can_change": _can(request, "change", task_force),
            "member_form": MemberForm(),
            "milestone_form": MilestoneForm(),
            "outcomes_form": OutcomesForm(),
            "lesson_form": LessonForm(),
        },
    )


def _task_force_post(form_class, call, success):
    def view(request, org_slug, task_force_id):
        task_force = _load(request, TaskForce.objects.all(), task_force_id, "change")
        form = form_class(request.POST) if form_class else None
        if form is not None and not form.is_valid():
            raise ValidationError({"form": "Fill in every required field."})
        call(task_force, request.user, form.cleaned_data if form else {})
        messages.success(request, success)
        return redirect(_task_force_url(task_force))

    return require_POST(refusals_to_messages("task-force-detail", "task_force_id")(view))


task_force_member_add = _task_force_post(
    MemberForm,
    lambda tf, user, data: services.task_force_member_add(task_force=tf, actor=user, **data),
    "Member added.",
)
task_force_milestone_add = _task_force_post(
    MilestoneForm,
    lambda tf, user, data: services.task_force_milestone_add(task_force=tf, actor=user, **data),
    "Milestone added.",
)
task_force_activate = _task_force_post(
    None,
    lambda tf, user, data: services.task_force_activate(task_force=tf, actor=user),
    "Task force active.",
)
task_force_close = _task_force_post(
    OutcomesForm,
    lambda tf, user, data: services.task_force_close(
        task_force=tf, actor=user, outcomes=data["outcomes"]
    ),
    "Task force closed with its outcomes.",
)


@require_POST
def milestone_done(request, org_slug, task_force_milestone_id):
    milestone = _load(
        request,
        TaskForceMilestone.objects.select_related("task_force"),
        task_force_milestone_id,
        "change",
        path="task_force__partnership",
    )
    try:
        services.task_force_milestone_done(
            milestone=milestone, actor=request.user, today=timezone.localdate()
        )
    except ConflictError as error:
        _refused(request, error)
    else:
        messages.success(request, "Milestone done.")
    return redirect(_task_force_url(milestone.task_force))


@require_POST
def task_force_lesson(request, org_slug, task_force_id):
    task_force = _load(request, TaskForce.objects.all(), task_force_id, "change")
    return _lesson(request, task_force, _task_force_url(task_force))


# -- knowledge-sharing sessions ----------------------------------------------------------------


def _session_url(session) -> str:
    return reverse("knowledge-session-detail", args=[session.organization.slug, session.pk])


def session_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = SessionForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.session_create(actor=request.user, partnership=partnership, **data),
        success="Session planned.",
        to=_session_url,
    )
    return done or _form_page(
        request,
        title="Plan a knowledge-sharing session",
        form=form,
        back=_tab(partnership, "#sessions"),
        submit="Plan the session",
        partnership=partnership,
    )


def session_detail(request, org_slug, knowledge_session_id):
    session = _load(
        request, KnowledgeSession.objects.select_related("partnership"), knowledge_session_id
    )
    return render(
        request,
        "innovation/session_detail.html",
        {
            "session": session,
            "partnership": session.partnership,
            "attendees": list(session.attendees.all()),
            "materials": list(session.materials.all()),
            "can_change": _can(request, "change", session),
            "attendee_form": AttendeeForm(),
            "material_form": MaterialForm(),
            "follow_ups_form": FollowUpsForm(initial={"follow_ups": session.follow_ups}),
        },
    )


@require_POST
@refusals_to_messages("knowledge-session-detail", "knowledge_session_id")
def session_attendee_add(request, org_slug, knowledge_session_id):
    session = _load(request, KnowledgeSession.objects.all(), knowledge_session_id, "change")
    form = AttendeeForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"name": "Give the attendee's name and party."})
    services.session_attendee_add(session=session, actor=request.user, **form.cleaned_data)
    messages.success(request, "Attendee added.")
    return redirect(_session_url(session))


@require_POST
@refusals_to_messages("knowledge-session-detail", "knowledge_session_id")
def session_material_add(request, org_slug, knowledge_session_id):
    session = _load(request, KnowledgeSession.objects.all(), knowledge_session_id, "change")
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationError({"file": "Choose a file to upload."})
    services.session_material_add(
        session=session,
        actor=request.user,
        title=form.cleaned_data["title"],
        upload=form.cleaned_data["file"],
    )
    messages.success(request, "Material uploaded.")
    return redirect(_session_url(session))


@require_POST
@refusals_to_messages("knowledge-session-detail", "knowledge_session_id")
def session_follow_ups(request, org_slug, knowledge_session_id):
    session = _load(request, KnowledgeSession.objects.all(), knowledge_session_id, "change")
    form = FollowUpsForm(request.POST)
    form.is_valid()
    services.session_follow_ups_set(
        session=session, actor=request.user, follow_ups=form.cleaned_data.get("follow_ups", "")
    )
    messages.success(request, "Follow-ups saved.")
    return redirect(_session_url(session))


def material_download(request, org_slug, session_material_id):
    material = _load(
        request,
        SessionMaterial.objects.select_related("session"),
        session_material_id,
        path="session__partnership",
    )
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/")[-1]
    )


# -- joint supplier development ----------------------------------------------------------------


def _programme_url(programme) -> str:
    return reverse("supplier-programme-detail", args=[programme.organization.slug, programme.pk])


def programme_create(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id, "change")
    form = ProgrammeForm(request.POST or None)
    done = _save(
        request,
        form,
        lambda data: services.programme_create(actor=request.user, partnership=partnership, **data),
        success="Supplier development programme set up.",
        to=_programme_url,
    )
    return done or _form_page(
        request,
        title="Set up joint supplier development",
        form=form,
        back=_tab(partnership, "#supplier-development"),
        submit="Set it up",
        partnership=partnership,
    )


def programme_detail(request, org_slug, supplier_programme_id):
    programme = _load(
        request,
        selectors.programme_list_all(),
        supplier_programme_id,
    )
    kpis = Kpi.objects.filter(partnership=programme.partnership)
    return render(
        request,
        "innovation/programme_detail.html",
        {
            "programme": programme,
            "partnership": programme.partnership,
            "movement": selectors.programme_movement(programme),
            "investments": list(programme.investments.all()),
            "totals": selectors.programme_investments_by_party(programme),
            "can_change": _can(request, "change", programme),
            "investment_form": InvestmentForm(initial={"currency": programme.partnership.currency}),
            "target_form": TargetForm(kpis=kpis),
            "status_form": ProgrammeStatusForm(initial={"status": programme.status}),
            "lesson_form": LessonForm(),
        },
    )


@require_POST
@refusals_to_messages("supplier-programme-detail", "supplier_programme_id")
def programme_investment_add(request, org_slug, supplier_programme_id):
    programme = _load(request, SupplierProgramme.objects.all(), supplier_programme_id, "change")
    form = InvestmentForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"amount": "Give the party, what was invested, the amount and date."})
    services.investment_add(programme=programme, actor=request.user, **form.cleaned_data)
    messages.success(request, "Investment recorded.")
    return redirect(_programme_url(programme))


@require_POST
@refusals_to_messages("supplier-programme-detail", "supplier_programme_id")
def programme_target_add(request, org_slug, supplier_programme_id):
    programme = _load(
        request,
        SupplierProgramme.objects.select_related("partnership"),
        supplier_programme_id,
        "change",
    )
    form = TargetForm(request.POST, kpis=Kpi.objects.filter(partnership=programme.partnership))
    if not form.is_valid():
        raise ValidationError({"kpi": "Choose a KPI of this partnership, its baseline and target."})
    services.target_kpi_add(programme=programme, actor=request.user, **form.cleaned_data)
    messages.success(request, "Target KPI added.")
    return redirect(_programme_url(programme))


@require_POST
@refusals_to_messages("supplier-programme-detail", "supplier_programme_id")
def programme_status(request, org_slug, supplier_programme_id):
    programme = _load(request, SupplierProgramme.objects.all(), supplier_programme_id, "change")
    form = ProgrammeStatusForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"status": "Choose a status."})
    services.programme_transition(
        programme=programme, actor=request.user, status=form.cleaned_data["status"]
    )
    messages.success(request, "Status changed.")
    return redirect(_programme_url(programme))


@require_POST
def programme_lesson(request, org_slug, supplier_programme_id):
    programme = _load(request, SupplierProgramme.objects.all(), supplier_programme_id, "change")
    return _lesson(request, programme, _programme_url(programme))
