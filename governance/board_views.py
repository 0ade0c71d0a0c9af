"""Pages of joint governance beyond change requests: the partnership's steering committee and
its meetings (attendance, decisions with votes, minutes, priorities, action items, invitations
and minutes as PDF), the RACI grid, decision-right rules, escalation paths and escalations, the
approvals inbox, and the calendar feed. Thin: load with the tenancy helpers, call a selector or
a service, render; a refused step comes back as a message, bad input as field errors (400)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from governance import selectors, services
from governance.board_forms import (
    RACI_CHOICES,
    ActionForm,
    ActionStatusForm,
    AttendanceForm,
    AttestForm,
    CommitteeForm,
    CommitteeMemberForm,
    CommitteeSeatForm,
    CrisisContactForm,
    CrisisLogForm,
    CrisisProtocolForm,
    DecisionForm,
    DisclosureEditForm,
    DisclosureForm,
    EscalationLevelsForm,
    EscalationRaiseForm,
    MeetingForm,
    MinutesForm,
    OfficerForm,
    PrioritiesForm,
    ReceivedForm,
    RuleForm,
)
from governance.ical import meeting_invitation, meetings_feed
from governance.models import (
    ChangeRequest,
    CommitteeMember,
    DecisionRightRule,
    Disclosure,
    Escalation,
    Meeting,
    MeetingAction,
    MinutesPdf,
    RaciActivity,
    Vote,
)
from partnerships.models import Partnership
from risk.models import ComplianceRequirement
from risk.services import compliance
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.forms import ReasonForm, apply_errors
from tenancy.jobs import job_progress
from tenancy.modules import workspace_tabs
from tenancy.permissions import has_permission
from tenancy.views import (
    get_object_for_member_or_404,
    refusal_message,
    refusals_to_messages,
    require_permission,
)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# Refused steps (409/400 in the API) go back to the page with the reason (the kernel's helper).
_to_committee = refusals_to_messages("partnership-committee", "partnership_id")
_to_meeting = refusals_to_messages("meeting-detail", "meeting_id")


def _partnership(request, partnership_id) -> Partnership:
    partnership = get_object_for_member_or_404(
        request,
        Partnership.objects.select_related("partner", "owner"),
        partnership_path="",
        pk=partnership_id,
    )
    require_permission(request, "governance.view", partnership)
    return partnership


def _meeting(request, meeting_id, queryset=None) -> Meeting:
    meeting = get_object_for_member_or_404(
        request,
        queryset
        if queryset is not None
        else Meeting.objects.select_related("committee__partnership"),
        partnership_path="committee__partnership",
        pk=meeting_id,
    )
    require_permission(request, "governance.view", meeting)
    return meeting


def _can_change(request, obj) -> bool:
    return has_permission(request.membership, "governance.change", obj)


# --- committee ----------------------------------------------------------------------------


def partnership_committee(request, org_slug, partnership_id, *, status=200, **forms):
    partnership = _partnership(request, partnership_id)
    committee = selectors.committee_of(partnership)
    members = list(committee.members.all()) if committee else []
    not_sitting = services.seats_not_sitting(members, on=timezone.localdate())
    for member in members:
        member.not_sitting = not_sitting.get(member.pk, "")
    people = selectors.people_of_both_parties(partnership)
    seated = {m.user_id for m in members}
    now = timezone.now()
    meetings = (
        list(selectors.meeting_list(membership=request.membership).filter(committee=committee))
        if committee
        else []
    )
    can_change = _can_change(request, partnership)
    officer = committee is not None and services.is_officer(
        request.user, committee, on=timezone.localdate()
    )
    # Officer seats nobody sits in today: the page warns (minutes wait without a chair).
    vacancies = (
        services.officer_vacancies(
            [m for m in members if m.pk not in not_sitting], can_seat=can_change
        )
        if committee
        else ""
    )
    return render(
        request,
        "governance/committee.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "committee": committee,
            "customer_members": [m for m in members if m.party == "customer"],
            "partner_members": [m for m in members if m.party == "partner"],
            "upcoming": [m for m in meetings if m.starts_at >= now and m.status == "scheduled"],
            "past": [m for m in meetings if not (m.starts_at >= now and m.status == "scheduled")][
                ::-1
            ],
            "actions": list(
                selectors.action_list(membership=request.membership).filter(
                    partnership=partnership, status__in=MeetingAction.OPEN_STATUSES
                )
            ),
            "can_change": can_change,
            "officer": officer,
            "officer_vacancies": vacancies,
            "committee_form": forms.get("committee_form")
            or (CommitteeForm(instance=committee) if can_change else None),
            "member_form": forms.get("member_form")
            or (
                CommitteeMemberForm(people=[u for u in people if u.pk not in seated])
                if can_change and committee
                else None
            ),
            "action_form": forms.get("action_form")
            or (ActionForm(people=people) if officer else None),
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_POST
@_to_committee
def committee_save(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    committee = selectors.committee_of(partnership)
    form = CommitteeForm(request.POST, instance=committee)
    if not form.is_valid():
        return partnership_committee(
            request, org_slug, partnership_id=partnership_id, status=400, committee_form=form
        )
    data = dict(form.cleaned_data)
    try:
        if committee is None:
            services.committee_create(actor=request.user, partnership=partnership, **data)
            messages.success(request, "Steering committee set up. Seat its members next.")
        else:
            services.committee_update(committee=committee, actor=request.user, **data)
            messages.success(request, "Committee rules saved.")
    except ValidationError as error:
        apply_errors(form, error)
        return partnership_committee(
            request, org_slug, partnership_id=partnership_id, status=400, committee_form=form
        )
    return redirect("partnership-committee", org_slug, partnership.pk)


@require_POST
@_to_committee
def committee_member_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    committee = selectors.committee_of(partnership)
    if committee is None:
        raise ConflictError("Set up the committee first.", code="no_committee")
    form = CommitteeMemberForm(request.POST, people=selectors.people_of_both_parties(partnership))
    if form.is_valid():
        data = dict(form.cleaned_data)
        user = data.pop("user")
        try:
            member = services.committee_member_add(
                committee=committee,
                user=user,
                actor=request.user,
                today=timezone.localdate(),
                **data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{member.user.display_name} seated as {member.get_role_display().lower()}.",
            )
            return redirect("partnership-committee", org_slug, partnership.pk)
    return partnership_committee(
        request, org_slug, partnership_id=partnership_id, status=400, member_form=form
    )


def committee_member_edit(request, org_slug, partnership_id, committee_member_id):
    """Change a member's seat: role, vote, sponsor or lead (a member with votes on record
    stays on the committee, so this is how their seat changes)."""
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    member = get_object_for_member_or_404(
        request,
        CommitteeMember.objects.select_related("user", "committee"),
        partnership_path="committee__partnership",
        pk=committee_member_id,
        committee__partnership=partnership,
    )
    form = CommitteeSeatForm(
        request.POST or None,
        initial={name: getattr(member, name) for name in CommitteeSeatForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.committee_member_update(
                member=member, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{member.user.display_name} now sits as {member.get_role_display().lower()}.",
            )
            return redirect("partnership-committee", org_slug, partnership.pk)
    return render(
        request,
        "governance/seat_form.html",
        {"partnership": partnership, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@_to_committee
def committee_member_remove(request, org_slug, partnership_id, committee_member_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    member = get_object_for_member_or_404(
        request,
        CommitteeMember.objects.select_related("user", "committee"),
        partnership_path="committee__partnership",
        pk=committee_member_id,
        committee__partnership=partnership,
    )
    services.committee_member_remove(member=member, actor=request.user)
    messages.success(request, f"{member.user.display_name} left the committee.")
    return redirect("partnership-committee", org_slug, partnership.pk)


# --- meetings -----------------------------------------------------------------------------


def meeting_schedule(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    committee = selectors.committee_of(partnership)
    if committee is None:
        messages.error(request, "Set up the steering committee before scheduling meetings.")
        return redirect("partnership-committee", org_slug, partnership.pk)
    if not services.is_officer(request.user, committee, on=timezone.localdate()):
        raise PermissionDenied("Only the committee's chair or secretary schedules meetings.")
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meetings = services.meeting_schedule(
                committee=committee, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDeniedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            count = len(meetings)
            messages.success(
                request,
                f"{count} meetings scheduled."
                if count > 1
                else "Meeting scheduled; members invited.",
            )
            return redirect("meeting-detail", org_slug, meetings[0].pk)
    return render(
        request,
        "governance/meeting_form.html",
        {"form": form, "partnership": partnership, "committee": committee},
        status=400 if form.errors else 200,
    )


def meeting_detail(request, org_slug, meeting_id, *, status=200, **forms):
    meeting = _meeting(
        request, meeting_id, selectors.meeting_for_detail(membership=request.membership)
    )
    committee = meeting.committee
    partnership = committee.partnership
    # Who sits on the committee on the meeting's day: only they attend, vote and count.
    members = services.seated_members(committee, on=services.meeting_day(meeting))
    attendance = list(meeting.attendance.all())
    present_ids = {a.member_id for a in attendance if a.present}
    voters = [m for m in members if m.has_vote and m.pk in present_ids]
    # The viewer's own vote: offered on each decision they have not voted on, if present with
    # a vote (the service checks it again).
    my_seat = next((m for m in voters if m.user_id == request.user.pk), None)
    voted_on = (
        set(
            Vote.objects.filter(decision__meeting=meeting, member=my_seat).values_list(
                "decision_id", flat=True
            )
        )
        if my_seat
        else set()
    )
    today = timezone.localdate()
    officer = services.is_officer(request.user, committee, on=today)
    # The chair sitting today decides on the minutes (the meeting's chair may have left since).
    is_chair = request.user.pk in {u.pk for u in services.minutes_approvers(meeting, on=today)}
    quorum = services.quorum_of(committee, [m for m in members if m.has_vote], present_ids)
    cancelled = meeting.status == "cancelled"
    # Offer only what the services would do, and say why not (their words).
    not_started = services.attendance_refusal(meeting, now=timezone.now())
    can_record_attendance = officer and not cancelled and not_started is None
    can_write_minutes = officer and not cancelled and meeting.minutes_status in ("none", "draft")
    not_approved = services.minutes_refusal(meeting, step="approved")
    not_sent = services.minutes_submit_refusal(meeting, today=today)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "committee": committee,
            "partnership": partnership,
            "members": members,
            "attendance": attendance,
            "recorded": bool(attendance),
            "present_ids": present_ids,
            "quorum": quorum,
            "decisions": list(meeting.decisions.all()),
            "can_vote": my_seat is not None,
            "voted_on": voted_on,
            "actions": list(meeting.actions.all()),
            "officer": officer,
            "is_chair": is_chair,
            "attendance_waits": (
                not_started.message if officer and not cancelled and not_started else ""
            ),
            "minutes_to_chair": not_sent is None,
            "minutes_not_sent": not_sent.message if not_sent else "",
            "minutes_not_approved": not_approved.message if not_approved else "",
            "attendance_form": forms.get("attendance_form")
            or (
                AttendanceForm(members=members, initial={"present": [str(i) for i in present_ids]})
                if can_record_attendance
                else None
            ),
            "decision_form": forms.get("decision_form")
            or (DecisionForm(voters=voters) if officer and voters else None),
            "minutes_form": forms.get("minutes_form")
            or (MinutesForm(initial={"minutes": meeting.minutes}) if can_write_minutes else None),
            "priorities_form": forms.get("priorities_form")
            or (
                PrioritiesForm(
                    initial={
                        "priorities": "\n".join(
                            f"{p['priority']}: {p['change']}" for p in meeting.priorities_changed
                        )
                    }
                )
                if officer and meeting.kind == "quarterly_review"
                else None
            ),
            "action_form": forms.get("action_form")
            or (
                ActionForm(people=selectors.people_of_both_parties(partnership))
                if officer
                else None
            ),
            "reason_form": ReasonForm(),
        },
        status=status,
    )


@require_POST
@_to_meeting
def meeting_attendance(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    members = services.seated_members(meeting.committee, on=services.meeting_day(meeting))
    form = AttendanceForm(request.POST, members=members)
    if not form.is_valid():
        return meeting_detail(request, org_slug, meeting_id, status=400, attendance_form=form)
    meeting = services.meeting_attendance_record(
        meeting=meeting,
        actor=request.user,
        present_member_ids=form.cleaned_data["present"],
        now=timezone.now(),
    )
    quorum = services.meeting_quorum(meeting)
    if quorum.reached:
        messages.success(request, "Attendance recorded: the quorum is reached.")
    else:
        messages.error(request, f"Attendance recorded. {quorum.reason}")
    return redirect("meeting-detail", org_slug, meeting.pk)


@require_POST
@_to_meeting
def meeting_vote(request, org_slug, meeting_id, meeting_decision_id):
    """A present voting member (of either party) adds their own vote to a recorded decision."""
    meeting = _meeting(request, meeting_id)
    decision = meeting.decisions.filter(pk=meeting_decision_id).first()
    if decision is None:
        raise Http404("No such decision.")
    decision = services.meeting_vote_cast(
        decision=decision,
        voter=request.user,
        choice=request.POST.get("choice", ""),
        now=timezone.now(),
    )
    messages.success(
        request, f"Vote recorded; the decision is {decision.get_outcome_display().lower()}."
    )
    return redirect("meeting-detail", org_slug, meeting.pk)


@require_POST
@_to_meeting
def meeting_decision(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    present = set(meeting.attendance.filter(present=True).values_list("member_id", flat=True))
    voters = list(
        CommitteeMember.objects.filter(
            committee=meeting.committee, has_vote=True, pk__in=present
        ).select_related("user")
    )
    form = DecisionForm(request.POST, voters=voters)
    if form.is_valid():
        try:
            decision = services.meeting_decision_record(
                meeting=meeting,
                actor=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                votes=form.votes(),
                now=timezone.now(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Decision recorded: {decision.get_outcome_display().lower()}."
            )
            return redirect("meeting-detail", org_slug, meeting.pk)
    return meeting_detail(request, org_slug, meeting_id, status=400, decision_form=form)


@require_POST
@_to_meeting
def meeting_minutes(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    form = MinutesForm(request.POST)
    form.is_valid()
    services.meeting_minutes_save(
        meeting=meeting,
        actor=request.user,
        minutes=form.cleaned_data.get("minutes", ""),
        today=timezone.localdate(),
    )
    if request.POST.get("submit"):
        services.meeting_minutes_submit(
            meeting=meeting, actor=request.user, today=timezone.localdate()
        )
        messages.success(request, "Minutes sent to the chair for approval.")
    else:
        messages.success(request, "Minutes saved.")
    return redirect("meeting-detail", org_slug, meeting.pk)


@require_POST
@_to_meeting
def meeting_minutes_approve(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    services.meeting_minutes_approve(meeting=meeting, approver=request.user, now=timezone.now())
    messages.success(request, f"Minutes of “{meeting.title}” approved.")
    return redirect(_back(request, reverse("meeting-detail", args=[org_slug, meeting.pk])))


@require_POST
@_to_meeting
def meeting_minutes_changes(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    services.meeting_minutes_request_changes(
        meeting=meeting,
        approver=request.user,
        reason=form.cleaned_data.get("reason", ""),
        today=timezone.localdate(),
    )
    messages.success(request, "Minutes sent back to the secretary.")
    return redirect(_back(request, reverse("meeting-detail", args=[org_slug, meeting.pk])))


@require_POST
@_to_meeting
def meeting_priorities(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    form = PrioritiesForm(request.POST)
    if not form.is_valid():
        return meeting_detail(request, org_slug, meeting_id, status=400, priorities_form=form)
    services.meeting_priorities_record(
        meeting=meeting, actor=request.user, priorities=form.rows(), today=timezone.localdate()
    )
    messages.success(request, "Priorities recorded.")
    return redirect("meeting-detail", org_slug, meeting.pk)


@require_POST
@_to_meeting
def meeting_cancel(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    services.meeting_cancel(
        meeting=meeting,
        actor=request.user,
        reason=form.cleaned_data.get("reason", ""),
        today=timezone.localdate(),
    )
    messages.success(request, "Meeting cancelled.")
    return redirect("meeting-detail", org_slug, meeting.pk)


@require_POST
@_to_meeting
def meeting_action_add(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    partnership = meeting.committee.partnership
    if not services.is_officer(request.user, meeting.committee, on=timezone.localdate()):
        raise PermissionDenied("Only the committee's chair or secretary records actions.")
    form = ActionForm(request.POST, people=selectors.people_of_both_parties(partnership))
    if form.is_valid():
        try:
            services.meeting_action_create(
                partnership=partnership,
                meeting=meeting,
                actor=request.user,
                today=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Action recorded; its owner is told.")
            return redirect("meeting-detail", org_slug, meeting.pk)
    return meeting_detail(request, org_slug, meeting_id, status=400, action_form=form)


@require_GET
def meeting_ics(request, org_slug, meeting_id):
    meeting = _meeting(request, meeting_id)
    users = [
        m.user for m in services.seated_members(meeting.committee, on=services.meeting_day(meeting))
    ]
    body = meeting_invitation(
        meeting,
        url=request.build_absolute_uri(reverse("meeting-detail", args=[org_slug, meeting.pk])),
        attendees=users,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8; method=REQUEST")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@require_POST
@_to_meeting
def meeting_minutes_pdf(request, org_slug, meeting_id):
    """Ask for the minutes as a PDF: a job renders it; its page polls until it is ready."""
    meeting = _meeting(request, meeting_id)
    if request.membership.is_guest and meeting.minutes_status != "approved":
        # The partner sees the minutes once approved, never a draft.
        raise Http404("The minutes of this meeting are not available yet.")
    job = services.minutes_pdf_request(
        meeting=meeting, actor=request.user, membership=request.membership, now=timezone.now()
    )
    return redirect("minutes-pdf-job", org_slug, job.pk)


def _minutes_pdf(request, minutes_pdf_id) -> MinutesPdf:
    """A minutes PDF job of a meeting the member sees (a guest: only of approved minutes)."""
    job = get_object_for_member_or_404(
        request,
        MinutesPdf.objects.select_related("meeting__committee__partnership"),
        partnership_path="meeting__committee__partnership",
        pk=minutes_pdf_id,
    )
    require_permission(request, "governance.view", job)
    if request.membership.is_guest and job.meeting.minutes_status != "approved":
        raise Http404("The minutes of this meeting are not available yet.")
    return job


@require_GET
def minutes_pdf_job(request, org_slug, minutes_pdf_id):
    job = _minutes_pdf(request, minutes_pdf_id)
    progress = job_progress(job)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": job.status, "progress": progress, "error": job.error})
    return render(
        request,
        "governance/minutes_pdf_job.html",
        {"job": job, "meeting": job.meeting, "progress": progress},
    )


@require_GET
def minutes_pdf_download(request, org_slug, minutes_pdf_id):
    job = _minutes_pdf(request, minutes_pdf_id)
    if job.status != job.job_states.succeeded or not job.file:
        raise Http404("This PDF is not ready.")
    if request.membership.is_guest and job.minutes_status != "approved":
        raise Http404("This PDF holds minutes that were not approved.")
    return FileResponse(
        job.file.open("rb"),
        filename=f"minutes-{job.meeting_id}.pdf",
        content_type="application/pdf",
    )


# --- action items -------------------------------------------------------------------------


@require_POST
def meeting_action_status(request, org_slug, meeting_action_id):
    action = get_object_for_member_or_404(
        request,
        MeetingAction.objects.select_related("partnership"),
        pk=meeting_action_id,
    )
    require_permission(request, "governance.view", action)
    back = _back(request, reverse("partnership-committee", args=[org_slug, action.partnership_id]))
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the new status.")
        return redirect(back)
    try:
        services.meeting_action_set_status(
            action=action,
            actor=request.user,
            status=form.cleaned_data["status"],
            now=timezone.now(),
        )
    except (ConflictError, ValidationError) as error:
        messages.error(request, refusal_message(error))
    except PermissionDeniedError as error:
        raise PermissionDenied(str(error)) from error
    else:
        messages.success(request, "Action updated.")
    return redirect(back)


# --- RACI ---------------------------------------------------------------------------------


def partnership_raci(request, org_slug, partnership_id, *, status=200, errors=(), typed=None):
    partnership = _partnership(request, partnership_id)
    can_change = _can_change(request, partnership)
    activities, people, cells = selectors.raci_matrix(partnership)
    if typed is not None:
        cells = typed  # what was typed, so it can be corrected
    columns = people
    if can_change:
        seen = {u.pk for u in people}
        columns = people + [
            u for u in selectors.people_of_both_parties(partnership) if u.pk not in seen
        ]
    grid = [
        (activity, [(user, cells.get((activity.pk, user.pk), "")) for user in columns])
        for activity in activities
    ]
    return render(
        request,
        "governance/raci.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "columns": columns,
            "grid": grid,
            "choices": RACI_CHOICES,
            "errors": list(errors),
            "can_change": can_change,
        },
        status=status,
    )


_to_raci = refusals_to_messages("partnership-raci", "partnership_id")


@require_POST
def raci_save(request, org_slug, partnership_id):
    """Save the grid (cells `cell_<activity>_<user>`): validated whole, 400 with every row's
    problem and nothing written."""
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    everyone = {str(u.pk): u for u in selectors.people_of_both_parties(partnership)}
    activities, _, _ = selectors.raci_matrix(partnership)
    matrix: dict[int, list] = {a.pk: [] for a in activities}
    typed = {}
    unknown = False
    for key, value in request.POST.items():
        if not key.startswith("cell_") or not value:
            continue
        _, activity_id, user_id = (key.split("_", 2) + ["", ""])[:3]
        if not (activity_id.isdigit() and user_id.isdigit()):
            continue
        typed[(int(activity_id), int(user_id))] = value
        user = everyone.get(user_id)
        if user is None or int(activity_id) not in matrix:
            unknown = True
            continue
        matrix[int(activity_id)].append((user, value))
    try:
        if unknown:
            raise ValidationError({"matrix": ["The grid names someone or something unknown."]})
        services.raci_matrix_save(partnership=partnership, actor=request.user, matrix=matrix)
    except ValidationError as error:
        return partnership_raci(
            request,
            org_slug,
            partnership_id,
            status=400,
            errors=error.message_dict.get("matrix", error.messages),
            typed=typed,
        )
    messages.success(request, "RACI matrix saved.")
    return redirect("partnership-raci", org_slug, partnership.pk)


@require_POST
@_to_raci
def raci_activity_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    services.raci_activity_create(
        partnership=partnership, name=request.POST.get("name", ""), actor=request.user
    )
    messages.success(request, "Activity added.")
    return redirect("partnership-raci", org_slug, partnership.pk)


@require_POST
@_to_raci
def raci_activity_delete(request, org_slug, partnership_id, raci_activity_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    activity = RaciActivity.objects.filter(partnership=partnership, pk=raci_activity_id).first()
    if activity is None:
        raise Http404("No such activity.")
    services.raci_activity_delete(activity=activity, actor=request.user)
    messages.success(request, f"Activity “{activity.name}” removed with its assignments.")
    return redirect("partnership-raci", org_slug, partnership.pk)


@require_POST
@_to_raci
def raci_defaults(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    services.raci_install_defaults(partnership=partnership, actor=request.user)
    messages.success(request, "The usual activities are added.")
    return redirect("partnership-raci", org_slug, partnership.pk)


# --- decision rights ----------------------------------------------------------------------


def _internal(request) -> None:
    if request.membership.is_guest:  # the organization's rules: not even disclosed to guests
        raise PermissionDenied("The organization's decision rules are internal.")


def decision_rights(request, org_slug, *, form=None, status=200):
    require_permission(request, "governance.view")
    _internal(request)
    can_change = has_permission(request.membership, "governance.change")
    stored = list(DecisionRightRule.objects.order_by("position", "pk"))
    return render(
        request,
        "governance/decision_rights.html",
        {
            "rules": stored or services.DEFAULT_RULES,
            "defaults": not stored,
            "form": (form or RuleForm()) if can_change else None,
            "can_change": can_change,
        },
        status=status,
    )


@require_POST
def decision_right_rule_add(request, org_slug):
    _internal(request)
    require_permission(request, "governance.change")
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.decision_right_rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Rule added.")
            return redirect("decision-rights", org_slug)
    return decision_rights(request, org_slug, form=form, status=400)


@require_POST
@refusals_to_messages("decision-rights")
def decision_rights_defaults(request, org_slug):
    _internal(request)
    require_permission(request, "governance.change")
    services.decision_rights_install_defaults(actor=request.user)
    messages.success(request, "The default rules are stored and can be edited.")
    return redirect("decision-rights", org_slug)


@require_POST
def decision_right_rule_toggle(request, org_slug, decision_right_rule_id):
    if request.membership.is_guest:  # internal: not even its existence is disclosed
        raise Http404("No such rule.")
    require_permission(request, "governance.change")
    rule = DecisionRightRule.objects.filter(pk=decision_right_rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    services.decision_right_rule_update(rule=rule, actor=request.user, is_active=not rule.is_active)
    messages.success(
        request, f"“{rule.name}” {'activated' if not rule.is_active else 'deactivated'}."
    )
    return redirect("decision-rights", org_slug)


# --- escalations --------------------------------------------------------------------------


def partnership_escalations(request, org_slug, partnership_id, *, form=None, status=200):
    partnership = _partnership(request, partnership_id)
    can_change = _can_change(request, partnership)
    levels = selectors.escalation_path(partnership)
    if form is None and can_change:
        form = EscalationLevelsForm(
            people=selectors.people_of_both_parties(partnership), initial_levels=levels
        )
    escalations = list(
        selectors.escalation_list(membership=request.membership)
        .filter(partnership=partnership)
        .order_by("status", "-opened_at")[:100]
    )
    return render(
        request,
        "governance/escalations.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "levels": levels,
            "escalations": escalations,
            "form": form if can_change else None,
            "raise_form": EscalationRaiseForm() if can_change else None,
        },
        status=status,
    )


@require_POST
def escalation_path_save(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    form = EscalationLevelsForm(request.POST, people=selectors.people_of_both_parties(partnership))
    if form.is_valid():
        try:
            services.escalation_path_save(
                partnership=partnership, actor=request.user, levels=form.levels()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Escalation path saved.")
            return redirect("partnership-escalations", org_slug, partnership.pk)
    return partnership_escalations(request, org_slug, partnership_id, form=form, status=400)


@require_POST
def escalation_raise(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    form = EscalationRaiseForm(request.POST)
    item = {}
    if request.POST.get("change_request", "").isdigit():
        item["change_request"] = get_object_for_member_or_404(
            request, ChangeRequest.objects.all(), pk=int(request.POST["change_request"])
        )
    elif request.POST.get("action", "").isdigit():
        item["action"] = get_object_for_member_or_404(
            request, MeetingAction.objects.all(), pk=int(request.POST["action"])
        )
    back = _back(request, reverse("partnership-escalations", args=[org_slug, partnership.pk]))
    if not form.is_valid():  # a title over 300 characters, a NUL byte
        messages.error(request, refusal_message(ValidationError(form.errors)))
        return redirect(back)
    try:
        escalation = services.escalation_raise(
            partnership=partnership,
            actor=request.user,
            now=timezone.now(),
            title=form.cleaned_data["title"],
            reason=form.cleaned_data["reason"],
            **item,
        )
    except (ConflictError, ValidationError) as error:
        messages.error(request, refusal_message(error))
        return redirect(back)
    messages.success(request, "Escalated to the first level of the path.")
    return redirect("escalation-detail", org_slug, escalation.pk)


def _escalation(request, escalation_id) -> Escalation:
    escalation = get_object_for_member_or_404(
        request, selectors.escalation_list(membership=request.membership), pk=escalation_id
    )
    require_permission(request, "governance.view", escalation)
    return escalation


def escalation_detail(request, org_slug, escalation_id, *, form=None, status=200):
    escalation = _escalation(request, escalation_id)
    can_resolve = escalation.status == Escalation.Status.OPEN and _can_change(
        request, escalation.partnership
    )
    return render(
        request,
        "governance/escalation_detail.html",
        {
            "escalation": escalation,
            "partnership": escalation.partnership,
            "levels": selectors.escalation_path(escalation.partnership),
            "steps": list(escalation.steps.all()),
            "form": (form or ReasonForm()) if can_resolve else None,
        },
        status=status,
    )


@require_POST
@refusals_to_messages("escalation-detail", "escalation_id")
def escalation_resolve(request, org_slug, escalation_id):
    escalation = _escalation(request, escalation_id)
    require_permission(request, "governance.change", escalation)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return escalation_detail(request, org_slug, escalation_id, form=form, status=400)
    services.escalation_resolve(
        escalation=escalation,
        actor=request.user,
        now=timezone.now(),
        resolution=form.cleaned_data["reason"],
    )
    messages.success(request, "Escalation resolved.")
    return redirect("escalation-detail", org_slug, escalation.pk)


# --- approvals inbox ----------------------------------------------------------------------


def governance_inbox(request, org_slug):
    require_permission(request, "governance.view")
    from governance.forms import ApproveForm, RejectForm

    waiting = selectors.inbox(membership=request.membership, today=timezone.localdate())
    for meeting in waiting["minutes"]:
        # "Approve minutes" only where the service approves them; otherwise its reason.
        refusal = services.minutes_refusal(meeting, step="approved")
        meeting.not_approved = refusal.message if refusal else ""
    return render(
        request,
        "governance/inbox.html",
        {
            **waiting,
            "approve_form": ApproveForm(),
            "reject_form": RejectForm(),
            "reason_form": ReasonForm(),
            "attest_form": AttestForm(),
            "now": timezone.now(),
        },
    )


# --- calendar feed ------------------------------------------------------------------------


def calendar_settings(request, org_slug):
    require_permission(request, "governance.view")
    return render(request, "governance/calendar.html", {"feed_url": None})


@require_POST
def calendar_token_rotate(request, org_slug):
    """A new subscription address, shown once on the page it renders (never stored plain)."""
    require_permission(request, "governance.view")
    token = services.calendar_token_rotate(user=request.user)
    messages.success(request, "New subscription address: copy it now, it is shown once.")
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[token]))
    return render(request, "governance/calendar.html", {"feed_url": feed_url})


@require_GET
def calendar_feed(request, token):
    """The user's meetings as an iCalendar feed. No session: the token names the user and the
    organization, and the feed holds only meetings of committees they sit on."""
    resolved = services.calendar_token_resolve(token.removesuffix(".ics"))
    if resolved is None:
        raise Http404("Unknown calendar address.")
    row, membership = resolved
    with tenant_scope(row.organization):
        meetings = selectors.meeting_list(membership=membership).filter(
            committee__members__user=row.user
        )
        body = meetings_feed(
            list(meetings.order_by("starts_at")[:500]),
            name=f"{row.organization.name}: governance",
            url_for=lambda m: request.build_absolute_uri(
                reverse("meeting-detail", args=[row.organization.slug, m.pk])
            ),
        )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# --- transparency -------------------------------------------------------------------------


def partnership_transparency(request, org_slug, partnership_id, *, form=None, status=200):
    partnership = _partnership(request, partnership_id)
    can_change = _can_change(request, partnership)
    today = timezone.localdate()
    disclosures = list(
        selectors.disclosure_list(membership=request.membership).filter(partnership=partnership)
    )
    for disclosure in disclosures:
        disclosure.overdue = services.is_overdue(disclosure, today=today)
    return render(
        request,
        "governance/transparency.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            "disclosures": disclosures,
            "form": (form or DisclosureForm()) if can_change else None,
            "can_change": can_change,
            "today": today,
        },
        status=status,
    )


@require_POST
def disclosure_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            services.disclosure_create(
                partnership=partnership,
                actor=request.user,
                today=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Disclosure added.")
            return redirect("partnership-transparency", org_slug, partnership.pk)
    return partnership_transparency(request, org_slug, partnership_id, form=form, status=400)


def disclosure_edit(request, org_slug, partnership_id, disclosure_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    disclosure = get_object_for_member_or_404(
        request, Disclosure.objects.all(), pk=disclosure_id, partnership=partnership
    )
    form = DisclosureEditForm(
        request.POST or None,
        initial={name: getattr(disclosure, name) for name in services.DISCLOSURE_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_update(
                disclosure=disclosure, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Disclosure saved.")
            return redirect("partnership-transparency", org_slug, partnership.pk)
    return render(
        request,
        "governance/disclosure_form.html",
        {"partnership": partnership, "disclosure": disclosure, "form": form},
        status=400 if form.errors else 200,
    )


_to_transparency = refusals_to_messages("partnership-transparency", "partnership_id")


@require_POST
@_to_transparency
def disclosure_received(request, org_slug, partnership_id, disclosure_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    disclosure = get_object_for_member_or_404(
        request, Disclosure.objects.all(), pk=disclosure_id, partnership=partnership
    )
    form = ReceivedForm(request.POST)
    if not form.is_valid():  # not a date
        raise ValidationError(form.errors)
    services.disclosure_record_received(
        disclosure=disclosure,
        actor=request.user,
        received_on=form.cleaned_data["received_on"],
        today=timezone.localdate(),
    )
    messages.success(request, "Receipt recorded; the next one is due in a period.")
    return redirect("partnership-transparency", org_slug, partnership.pk)


# --- crisis protocol ----------------------------------------------------------------------


def partnership_crisis(request, org_slug, partnership_id, *, status=200, **forms):
    partnership = _partnership(request, partnership_id)
    can_change = _can_change(request, partnership)
    view = selectors.crisis_view(partnership)
    protocol = view["protocol"]
    people = selectors.people_of_both_parties(partnership) if can_change else []
    return render(
        request,
        "governance/crisis.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            **view,
            "protocol_form": forms.get("protocol_form")
            or (
                CrisisProtocolForm(
                    people=people,
                    initial={
                        "customer_spokesperson": getattr(protocol, "customer_spokesperson_id", ""),
                        "partner_spokesperson": getattr(protocol, "partner_spokesperson_id", ""),
                        "media_steps": getattr(protocol, "media_steps", ""),
                    },
                )
                if can_change
                else None
            ),
            "contact_form": forms.get("contact_form")
            or (
                CrisisContactForm(people=people, contacts=view["contacts"])
                if can_change and protocol
                else None
            ),
            "log_form": forms.get("log_form") or (CrisisLogForm() if can_change else None),
        },
        status=status,
    )


def _crisis_post(request, org_slug, partnership_id, form, form_name, save):
    """Validate `form`, call `save(partnership, data)`; field errors re-render with 400."""
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    if form.is_valid():
        try:
            save(partnership, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("partnership-crisis", org_slug, partnership.pk)
    return partnership_crisis(request, org_slug, partnership_id, status=400, **{form_name: form})


@require_POST
def crisis_protocol_save(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    form = CrisisProtocolForm(request.POST, people=selectors.people_of_both_parties(partnership))
    return _crisis_post(
        request,
        org_slug,
        partnership_id,
        form,
        "protocol_form",
        lambda p, data: services.crisis_protocol_save(
            partnership=p, actor=request.user, now=timezone.now(), **data
        ),
    )


@require_POST
def crisis_contact_add(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    view = selectors.crisis_view(partnership)
    if view["protocol"] is None:
        messages.error(request, "Save the protocol first.")
        return redirect("partnership-crisis", org_slug, partnership.pk)
    form = CrisisContactForm(
        request.POST,
        people=selectors.people_of_both_parties(partnership),
        contacts=view["contacts"],
    )
    return _crisis_post(
        request,
        org_slug,
        partnership_id,
        form,
        "contact_form",
        lambda p, data: services.crisis_contact_add(
            protocol=view["protocol"], actor=request.user, **data
        ),
    )


@require_POST
def crisis_log_add(request, org_slug, partnership_id):
    return _crisis_post(
        request,
        org_slug,
        partnership_id,
        CrisisLogForm(request.POST),
        "log_form",
        lambda p, data: services.crisis_log_record(
            partnership=p, actor=request.user, now=timezone.now(), **data
        ),
    )


# --- compliance officers and attestations -------------------------------------------------


def partnership_compliance(request, org_slug, partnership_id, *, status=200, **forms):
    """Compliance officers of both parties and, per requirement of the risk module's compliance
    matrix, each officer's attestation of the current period."""
    partnership = _partnership(request, partnership_id)
    can_change = _can_change(request, partnership)
    view = selectors.compliance_view(partnership=partnership, today=timezone.localdate())
    people = selectors.people_of_both_parties(partnership) if can_change else []
    return render(
        request,
        "governance/compliance.html",
        {
            "partnership": partnership,
            "partnership_tabs": workspace_tabs(request, partnership),
            **view,
            "officer_form": forms.get("officer_form")
            or (OfficerForm(people=people) if can_change else None),
            "can_change": can_change,
            "attest_form": AttestForm(),
        },
        status=status,
    )


@require_POST
def compliance_officer_appoint(request, org_slug, partnership_id):
    partnership = _partnership(request, partnership_id)
    require_permission(request, "governance.change", partnership)
    form = OfficerForm(request.POST, people=selectors.people_of_both_parties(partnership))
    if form.is_valid():
        try:
            compliance.compliance_officer_appoint(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Compliance officer appointed.")
            return redirect("partnership-compliance", org_slug, partnership.pk)
    return partnership_compliance(request, org_slug, partnership_id, status=400, officer_form=form)


@require_POST
def compliance_officer_attest(request, org_slug, compliance_requirement_id):
    """The officer attests the requirement's current period (from the compliance page or the
    inbox)."""
    requirement = get_object_for_member_or_404(
        request,
        ComplianceRequirement.objects.select_related("partnership"),
        pk=compliance_requirement_id,
    )
    require_permission(request, "governance.view", requirement)
    back = _back(
        request, reverse("partnership-compliance", args=[org_slug, requirement.partnership_id])
    )
    form = AttestForm(request.POST)
    try:
        if not form.is_valid():  # over 2,000 characters, a NUL byte
            raise ValidationError(form.errors)
        compliance.compliance_officer_attest(
            requirement=requirement,
            officer_user=request.user,
            statement=form.cleaned_data["statement"],
            now=timezone.now(),
        )
    except (ConflictError, ValidationError) as error:
        messages.error(request, refusal_message(error))
    except PermissionDeniedError as error:
        raise PermissionDenied(str(error)) from error
    else:
        messages.success(request, "Attestation recorded.")
    return redirect(back)
