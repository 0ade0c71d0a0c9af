"""Committee meetings: the (recurring) schedule, attendance with the quorum, decisions with
their vote, minutes and their approval, quarterly reviews' priorities, reminders, and the
action items that come out of them.

Officers (the chair and the secretary, of either party) run a meeting; an organization admin or
procurement manager may stand in. Votes are cast only by voting members present, once each,
and a decision needs a quorum.
"""

import uuid
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    MEETING_ACTION_LIFECYCLE,
    MEETING_LIFECYCLE,
    MINUTES_LIFECYCLE,
    Committee,
    CommitteeMember,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingDecision,
    Party,
    Vote,
)
from governance.services.change_requests import _invited, _memberships
from governance.services.committees import (
    OFFICER_ROLES,
    able_members,
    quorum_of,
    seated_members,
    seated_on,
    seats_not_sitting,
)
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError, TransitionNotAllowed
from tenancy.models import User
from tenancy.permissions import role_allows
from tenancy.services import notify

MAX_SERIES = 12
# How long a meeting may last, in minutes (a quarter of an hour to a working day).
MIN_DURATION, MAX_DURATION = 15, 600
REMINDER_LEAD = timedelta(hours=24)
STEP: dict[str, relativedelta] = {
    Committee.Frequency.WEEKLY: relativedelta(weeks=1),
    Committee.Frequency.MONTHLY: relativedelta(months=1),
    Committee.Frequency.QUARTERLY: relativedelta(months=3),
}
Choice = Vote.Choice
Status = Meeting.Status
MinutesStatus = Meeting.MinutesStatus


def meeting_url(meeting: Meeting) -> str:
    return reverse("meeting-detail", args=[require_organization().slug, meeting.pk])


def _officer_seats(user: User, committee: Committee) -> QuerySet[CommitteeMember]:
    """`user`'s chair and secretary seats on `committee`, sitting or not."""
    return CommitteeMember.objects.filter(committee=committee, user=user, role__in=OFFICER_ROLES)


def _stands_in(user: User) -> bool:
    """An active admin or procurement manager, who may run a meeting in the officers' place."""
    membership = _memberships([user]).get(user.pk)
    return (
        membership is not None
        and membership.is_active
        and role_allows(membership.role, "governance.stand_in")
    )


def is_officer(user: User | None, committee: Committee, *, on: date) -> bool:
    """The chair or secretary who sits on the committee on the day `on` (within their term and
    still able to take part, `committees.seated_on`), or an admin or procurement manager
    standing in. A chair whose term has ended no longer runs the committee's meetings."""
    if user is None or not user.is_authenticated:
        return False
    if seated_on(able_members(_officer_seats(user, committee)), on):
        return True
    return _stands_in(user)


def _require_officer(user: User | None, committee: Committee, doing: str, *, on: date) -> None:
    """Refuse anyone but a sitting officer (or a stand-in); a former officer is told why their
    seat no longer counts (`committees.seats_not_sitting`)."""
    if is_officer(user, committee, on=on):
        return
    seats = _officer_seats(user, committee) if user is not None and user.is_authenticated else []
    why = seats_not_sitting(list(seats), on=on)
    if why:
        raise PermissionDeniedError(
            f"Only the committee's sitting chair or secretary {doing}. "
            f"Your seat: {next(iter(why.values()))}"
        )
    raise PermissionDeniedError(f"Only the committee's chair or secretary {doing}.")


def _lock(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("committee__partnership")
        .get(pk=meeting.pk)
    )


def _cancelled(meeting: Meeting) -> ConflictError:
    return ConflictError(f"“{meeting.title}” was cancelled.", code="meeting_cancelled")


def _require_not_cancelled(meeting: Meeting) -> None:
    if meeting.status == Status.CANCELLED:
        raise _cancelled(meeting)


def _when(moment: datetime) -> str:
    """A start as the module writes it: 12 Dec 2026 at 10:00 (local time)."""
    return f"{timezone.localtime(moment):%d %b %Y at %H:%M}"


# --- schedule -----------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    committee: Committee,
    actor: User | None,
    now: datetime,
    title: str,
    starts_at: datetime,
    kind: str = Meeting.Kind.REGULAR,
    duration_minutes: int = 90,
    location: str = "",
    agenda: str = "",
    occurrences: int = 1,
) -> list[Meeting]:
    """Schedule an upcoming meeting, or a series of `occurrences` at the committee's frequency,
    each lasting 15 to 600 minutes. A start in the past is refused: past meetings are not
    scheduled as upcoming."""
    _require_officer(actor, committee, "schedules meetings", on=timezone.localdate(now))
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the start with its date, time and time zone."})
    if starts_at <= now:
        raise ValidationError(
            {"starts_at": "The meeting starts in the past: an upcoming meeting starts later."}
        )
    if not 1 <= occurrences <= MAX_SERIES:
        raise ValidationError({"occurrences": f"Schedule between 1 and {MAX_SERIES} meetings."})
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not MIN_DURATION <= duration_minutes <= MAX_DURATION
    ):
        raise ValidationError(
            {"duration_minutes": f"A meeting lasts {MIN_DURATION} to {MAX_DURATION} minutes."}
        )
    series = uuid.uuid4() if occurrences > 1 else None
    meetings = []
    for index in range(occurrences):
        meeting = Meeting(
            organization=require_organization(),
            committee=committee,
            series=series,
            kind=kind,
            title=title.strip(),
            starts_at=starts_at + STEP[committee.meeting_frequency] * index,
            duration_minutes=duration_minutes,
            location=location,
            agenda=agenda,
            created_at=now,
        )
        meeting.full_clean()
        meeting.save()
        meetings.append(meeting)
    audit_record(
        action="governance.meeting.scheduled",
        actor=actor,
        obj=meetings[0],
        changes={
            "committee": committee.pk,
            "starts_at": [m.starts_at.isoformat() for m in meetings],
            "kind": kind,
        },
    )
    first = meetings[0]
    notify(
        recipients=[m.user for m in seated_members(committee, on=meeting_day(first))],
        title=f"Invitation: {first.title}, {timezone.localtime(first.starts_at):%d %b %Y %H:%M}",
        body=(f"{len(meetings)} meetings, " if len(meetings) > 1 else "")
        + (f"at {first.location}. " if first.location else "")
        + "The calendar invitation is on the meeting's page.",
        url=meeting_url(first),
        about=committee.partnership,
        dedupe_key=f"governance.meeting.scheduled:{first.pk}",
    )
    return meetings


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User | None, reason: str, today: date) -> Meeting:
    """An officer sitting `today` cancels a scheduled meeting, saying why."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "cancels meetings", on=today)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the meeting is cancelled."})
    # The lifecycle decides; its refusal reads in the words users know.
    try:
        MEETING_LIFECYCLE.check(meeting.status, Status.CANCELLED)
    except TransitionNotAllowed:
        raise ConflictError(
            "Only a scheduled meeting is cancelled.", code="not_scheduled"
        ) from None
    meeting.status = Status.CANCELLED
    meeting.save(update_fields=["status"])
    audit_record(
        action="governance.meeting.cancelled",
        actor=actor,
        obj=meeting,
        changes={"status": [Status.SCHEDULED, Status.CANCELLED], "reason": reason.strip()},
    )
    return meeting


# --- attendance and decisions -------------------------------------------------------------


def attendance_refusal(meeting: Meeting, *, now: datetime) -> ConflictError | None:
    """Why the attendance of `meeting` is not recorded at `now`, or None: not before the
    meeting has begun (the page asks this before offering the form; the service raises it)."""
    if meeting.starts_at > now:
        return ConflictError(
            f"The meeting starts on {_when(meeting.starts_at)}: record the attendance once it "
            "has begun.",
            code="meeting_not_started",
        )
    return None


@transaction.atomic
def meeting_attendance_record(
    *, meeting: Meeting, actor: User | None, present_member_ids, now: datetime
) -> Meeting:
    """Record who is present (every other member is absent); the meeting is then held.
    Attendance is recorded once the meeting has begun (its start at or before `now`): a
    meeting not yet started has nobody present and is not held."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "records attendance", on=timezone.localdate(now))
    try:
        MEETING_LIFECYCLE.check(meeting.status, Status.HELD)
    except TransitionNotAllowed:
        raise _cancelled(meeting) from None  # the one state a meeting is not held from
    refusal = attendance_refusal(meeting, now=now)
    if refusal is not None:
        raise refusal
    members = {m.pk: m for m in seated_members(meeting.committee, on=meeting_day(meeting))}
    present = {int(pk) for pk in present_member_ids}
    unknown = present - set(members)
    if unknown:
        unseated = CommitteeMember.objects.filter(
            committee=meeting.committee, pk__in=unknown
        ).select_related("user")
        if len(unseated) < len(unknown):
            raise ValidationError(
                {"present": "Only members of this committee attend its meetings."}
            )
        names = ", ".join(sorted(str(m.user) for m in unseated))
        raise ValidationError(
            {
                "present": f"{names} did not sit on the committee on "
                f"{meeting_day(meeting):%d %b %Y} (their term or their access had ended)."
            }
        )
    existing = {a.member_id: a for a in MeetingAttendance.objects.filter(meeting=meeting)}
    for member_id in members:
        row = existing.get(member_id)
        if row is None:
            MeetingAttendance.objects.create(
                organization=meeting.organization,
                meeting=meeting,
                member_id=member_id,
                present=member_id in present,
            )
        elif row.present != (member_id in present):
            row.present = member_id in present
            row.save(update_fields=["present"])
    old = meeting.status
    meeting.status = Status.HELD
    meeting.save(update_fields=["status"])
    audit_record(
        action="governance.meeting.attendance_recorded",
        actor=actor,
        obj=meeting,
        changes={
            "present": sorted(members[pk].user.email for pk in present),
            "status": [old, Status.HELD],
        },
    )
    return meeting


def meeting_day(meeting: Meeting) -> date:
    """The day the meeting is held on, in the organization's time: whose seat covers it."""
    return timezone.localtime(meeting.starts_at).date()


def meeting_quorum(meeting: Meeting):
    """The quorum of the members with a vote who sit on the committee on the meeting's day."""
    voting = [m for m in seated_members(meeting.committee, on=meeting_day(meeting)) if m.has_vote]
    present = set(
        MeetingAttendance.objects.filter(meeting=meeting, present=True).values_list(
            "member_id", flat=True
        )
    )
    return quorum_of(meeting.committee, voting, present)


def decision_outcome(threshold: str, choices: list[str]) -> str:
    """Carried or not under the committee's threshold; abstentions do not count as cast."""
    in_favour = choices.count(Choice.FOR)
    against = choices.count(Choice.AGAINST)
    cast = in_favour + against
    if threshold == Committee.Threshold.UNANIMOUS:
        carried = in_favour > 0 and against == 0
    elif threshold == Committee.Threshold.TWO_THIRDS:
        carried = in_favour > 0 and in_favour * 3 >= cast * 2
    else:
        carried = in_favour > against
    return MeetingDecision.Outcome.CARRIED if carried else MeetingDecision.Outcome.NOT_CARRIED


def _voter(meeting: Meeting, user: User, present: set[int], seated: set[int]) -> CommitteeMember:
    """The seat `user` votes with: a member with a vote, seated on the meeting's day (`seated`:
    member ids) and recorded as present."""
    member = CommitteeMember.objects.filter(committee=meeting.committee, user=user).first()
    if member is None:
        raise PermissionDeniedError(f"{user} is not a member of this committee: no vote.")
    if member.pk not in seated:
        raise PermissionDeniedError(
            f"{user} did not sit on the committee on {meeting_day(meeting):%d %b %Y}: no vote."
        )
    if not member.has_vote:
        raise PermissionDeniedError(f"{user} sits on the committee without a vote.")
    if member.pk not in present:
        raise ValidationError({"votes": f"{user} is not recorded as present: no vote."})
    return member


@transaction.atomic
def meeting_decision_record(
    *,
    meeting: Meeting,
    actor: User | None,
    title: str,
    votes: list[tuple[User, str]],
    now: datetime,
    text: str = "",
) -> MeetingDecision:
    """Record a decision with its vote. Needs a quorum; each voter a voting member present,
    voting once."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "records decisions", on=timezone.localdate(now))
    _require_not_cancelled(meeting)
    if not (title or "").strip():
        raise ValidationError({"title": "Say what was decided."})
    quorum = meeting_quorum(meeting)
    if not quorum.reached:
        raise ConflictError(quorum.reason + " No decision is recorded.", code="no_quorum")
    present = set(
        MeetingAttendance.objects.filter(meeting=meeting, present=True).values_list(
            "member_id", flat=True
        )
    )
    seated = {m.pk for m in seated_members(meeting.committee, on=meeting_day(meeting))}
    seen: set[int] = set()
    rows = []
    for user, choice in votes:
        if choice not in Choice.values:
            raise ValidationError({"votes": f"“{choice}” is not a vote: for, against or abstain."})
        member = _voter(meeting, user, present, seated)
        if member.pk in seen:
            raise ConflictError(f"{user} already voted on this decision.", code="already_voted")
        seen.add(member.pk)
        rows.append((member, choice))
    if not rows:
        raise ValidationError({"votes": "Record the vote of the members present."})
    decision = MeetingDecision(
        organization=meeting.organization,
        meeting=meeting,
        title=title.strip(),
        text=text,
        outcome=decision_outcome(meeting.committee.decision_threshold, [c for _, c in rows]),
        recorded_by=actor,
        recorded_at=now,
    )
    decision.full_clean()
    decision.save()
    Vote.objects.bulk_create(
        Vote(organization=meeting.organization, decision=decision, member=member, choice=choice)
        for member, choice in rows
    )
    audit_record(
        action="governance.meeting.decision_recorded",
        actor=actor,
        obj=meeting,
        changes={
            "decision": decision.title,
            "outcome": decision.outcome,
            "votes": {member.user.email: choice for member, choice in rows},
        },
    )
    return decision


@transaction.atomic
def meeting_vote_cast(
    *, decision: MeetingDecision, voter: User, choice: str, now: datetime
) -> MeetingDecision:
    """A present voting member adds their vote to a recorded decision, once."""
    decision = (
        MeetingDecision.objects.select_for_update(of=("self",))
        .select_related("meeting__committee")
        .get(pk=decision.pk)
    )
    meeting = decision.meeting
    if choice not in Choice.values:
        raise ValidationError({"choice": "Vote for, against or abstain."})
    present = set(
        MeetingAttendance.objects.filter(meeting=meeting, present=True).values_list(
            "member_id", flat=True
        )
    )
    seated = {m.pk for m in seated_members(meeting.committee, on=meeting_day(meeting))}
    member = _voter(meeting, voter, present, seated)
    if Vote.objects.filter(decision=decision, member=member).exists():
        raise ConflictError(f"{voter} already voted on this decision.", code="already_voted")
    Vote.objects.create(
        organization=decision.organization, decision=decision, member=member, choice=choice
    )
    choices = list(Vote.objects.filter(decision=decision).values_list("choice", flat=True))
    old = decision.outcome
    decision.outcome = decision_outcome(meeting.committee.decision_threshold, choices)
    decision.save(update_fields=["outcome"])
    audit_record(
        action="governance.meeting.vote_cast",
        actor=voter,
        obj=meeting,
        changes={"decision": decision.title, "choice": choice, "outcome": [old, decision.outcome]},
    )
    return decision


# --- minutes ------------------------------------------------------------------------------


def minutes_refusal(meeting: Meeting, *, step: str) -> ConflictError | None:
    """Why the minutes of `meeting` are not `step` ("submitted" or "approved"), or None.

    Approved minutes are the committee's record of the decisions it took, so they go to the
    chair, and are approved, only for a meeting held (its attendance recorded): never for a
    meeting still scheduled, nor for one cancelled, whatever was drafted before. The page asks
    this before offering "Send to the chair" or "Approve minutes"; the services raise it."""
    if meeting.status == Status.CANCELLED:
        return ConflictError(
            f"“{meeting.title}” was cancelled: its minutes are not {step}.",
            code="meeting_cancelled",
        )
    if meeting.status != Status.HELD:
        return ConflictError(
            f"Record the attendance first: minutes are {step} once the meeting has been held.",
            code="meeting_not_held",
        )
    return None


def _require_held(meeting: Meeting, step: str) -> None:
    refusal = minutes_refusal(meeting, step=step)
    if refusal is not None:
        raise refusal


@transaction.atomic
def meeting_minutes_save(
    *, meeting: Meeting, actor: User | None, minutes: str, today: date
) -> Meeting:
    """Save the minutes as a draft. A draft is saved before the meeting is held too (the
    secretary prepares the skeleton from the agenda), never for a cancelled meeting; the
    draft goes to the chair only once the meeting is held (`meeting_minutes_submit`)."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "writes the minutes", on=today)
    _require_not_cancelled(meeting)
    locked = ConflictError(
        f"The minutes are {meeting.get_minutes_status_display().lower()}: they are no "
        "longer edited.",
        code="minutes_locked",
    )
    if meeting.minutes_status == MinutesStatus.SUBMITTED:
        # Submitted minutes go back to draft only when the chair sends them back.
        raise locked
    try:
        MINUTES_LIFECYCLE.check(meeting.minutes_status, MinutesStatus.DRAFT)
    except TransitionNotAllowed:
        raise locked from None
    meeting.minutes = minutes
    meeting.minutes_status = MinutesStatus.DRAFT
    meeting.save(update_fields=["minutes", "minutes_status"])
    audit_record(
        action="governance.meeting.minutes_saved",
        actor=actor,
        obj=meeting,
        changes={"length": len(minutes)},
    )
    return meeting


def minutes_approvers(meeting: Meeting, *, on: date) -> list[User]:
    """Who approves the minutes on the day `on`: the committee's chair (of either party) who
    sits on it that day. When a chair's term ends, minutes still waiting go to the next chair."""
    return [
        m.user
        for m in seated_on(
            able_members(
                CommitteeMember.objects.filter(
                    committee=meeting.committee, role=CommitteeMember.Role.CHAIR
                ).select_related("user")
            ),
            on,
        )
    ]


def _no_chair() -> ConflictError:
    return ConflictError(
        "No chair sits on the committee today to approve the minutes: seat one on the "
        "committee page first.",
        code="no_minutes_approver",
    )


def minutes_submit_refusal(meeting: Meeting, *, today: date) -> ConflictError | None:
    """Why the minutes of `meeting` do not go to the chair on `today`, or None: the meeting is
    not held (`minutes_refusal`), or no chair sits that day to approve them. The meeting page
    asks this before offering "Send to the chair" and shows its words; the service raises
    the same."""
    refusal = minutes_refusal(meeting, step="submitted")
    if refusal is None and not minutes_approvers(meeting, on=today):
        refusal = _no_chair()
    return refusal


@transaction.atomic
def meeting_minutes_submit(*, meeting: Meeting, actor: User | None, today: date) -> Meeting:
    """Send the draft minutes to the chair sitting `today` for approval: only of a meeting
    held."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "submits the minutes", on=today)
    _require_held(meeting, "submitted")
    if meeting.minutes_status == MinutesStatus.NONE or (
        meeting.minutes_status == MinutesStatus.DRAFT and not meeting.minutes.strip()
    ):
        raise ConflictError("Write the minutes before submitting them.", code="no_minutes")
    # Minutes already submitted or approved: the lifecycle's refusal says so.
    MINUTES_LIFECYCLE.check(meeting.minutes_status, MinutesStatus.SUBMITTED)
    approvers = minutes_approvers(meeting, on=today)
    if not approvers:
        raise _no_chair()
    meeting.minutes_status = MinutesStatus.SUBMITTED
    meeting.save(update_fields=["minutes_status"])
    audit_record(
        action="governance.meeting.minutes_submitted",
        actor=actor,
        obj=meeting,
        changes={"minutes_status": [MinutesStatus.DRAFT, MinutesStatus.SUBMITTED]},
    )
    notify(
        recipients=approvers,
        title=f"Minutes to approve: {meeting.title}",
        url=meeting_url(meeting),
        about=meeting.committee.partnership,
        dedupe_key="",
    )
    return meeting


def _require_minutes_approver(meeting: Meeting, user: User, target: str, *, on: date) -> None:
    """The chair sitting on the day `on` deciding on minutes awaiting approval: `target` is
    approved, or draft when they are sent back."""
    if user.pk not in {u.pk for u in minutes_approvers(meeting, on=on)}:
        raise PermissionDeniedError("Only the committee's chair approves the minutes.")
    not_awaiting = ConflictError(
        "The minutes are not awaiting approval.", code="minutes_not_submitted"
    )
    if meeting.minutes_status in (MinutesStatus.NONE, MinutesStatus.DRAFT):
        # Nothing submitted to decide on (none or draft → draft is the secretary writing them).
        raise not_awaiting
    try:
        MINUTES_LIFECYCLE.check(meeting.minutes_status, target)
    except TransitionNotAllowed:
        raise not_awaiting from None


@transaction.atomic
def meeting_minutes_approve(*, meeting: Meeting, approver: User, now: datetime) -> Meeting:
    """The chair approves the submitted minutes: only of a meeting held (minutes submitted
    before this rule, of a meeting since cancelled or never held, are not approved; the chair
    may still send them back)."""
    meeting = _lock(meeting)
    _require_minutes_approver(meeting, approver, MinutesStatus.APPROVED, on=timezone.localdate(now))
    _require_held(meeting, "approved")
    meeting.minutes_status = MinutesStatus.APPROVED
    meeting.minutes_approved_by = approver
    meeting.minutes_approved_at = now
    meeting.save(update_fields=["minutes_status", "minutes_approved_by", "minutes_approved_at"])
    audit_record(
        action="governance.meeting.minutes_approved",
        actor=approver,
        obj=meeting,
        changes={"minutes_status": [MinutesStatus.SUBMITTED, MinutesStatus.APPROVED]},
    )
    return meeting


@transaction.atomic
def meeting_minutes_request_changes(
    *, meeting: Meeting, approver: User, reason: str, today: date
) -> Meeting:
    """The chair sends the minutes back to the secretary as a draft, saying what to change."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say what should change in the minutes."})
    meeting = _lock(meeting)
    _require_minutes_approver(meeting, approver, MinutesStatus.DRAFT, on=today)
    meeting.minutes_status = MinutesStatus.DRAFT
    meeting.save(update_fields=["minutes_status"])
    audit_record(
        action="governance.meeting.minutes_changes_requested",
        actor=approver,
        obj=meeting,
        changes={
            "minutes_status": [MinutesStatus.SUBMITTED, MinutesStatus.DRAFT],
            "reason": reason.strip(),
        },
    )
    return meeting


@transaction.atomic
def meeting_priorities_record(
    *, meeting: Meeting, actor: User | None, priorities: list[dict], today: date
) -> Meeting:
    """A quarterly review records the priorities it recalibrated ({priority, change})."""
    meeting = _lock(meeting)
    _require_officer(actor, meeting.committee, "records the review's priorities", on=today)
    if meeting.kind != Meeting.Kind.QUARTERLY_REVIEW:
        raise ConflictError(
            "Priorities are recalibrated in a quarterly governance review.", code="not_a_review"
        )
    cleaned = []
    for row in priorities or []:
        priority = str(row.get("priority", "")).strip()
        change = str(row.get("change", "")).strip()
        if not priority and not change:
            continue
        if not priority or not change:
            raise ValidationError(
                {"priorities": "Give each priority with the change the review made to it."}
            )
        cleaned.append({"priority": priority[:200], "change": change[:500]})
    if not cleaned:
        raise ValidationError({"priorities": "Record at least one priority the review changed."})
    old = meeting.priorities_changed
    meeting.priorities_changed = cleaned
    meeting.save(update_fields=["priorities_changed"])
    audit_record(
        action="governance.meeting.priorities_recorded",
        actor=actor,
        obj=meeting,
        changes={"priorities_changed": [old, cleaned]},
    )
    return meeting


# --- reminders ----------------------------------------------------------------------------


@transaction.atomic
def meeting_reminders_send(*, now: datetime, lead: timedelta = REMINDER_LEAD) -> int:
    """Remind the members of every scheduled meeting starting within `lead`, once per meeting
    (`reminder_sent_at` under a row lock, plus a dedupe key on each notification)."""
    due = list(
        Meeting.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status=Status.SCHEDULED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + lead,
        )
        .select_related("committee__partnership")
    )
    if not due:
        return 0
    members: dict[int, list[CommitteeMember]] = {}
    for member in able_members(
        CommitteeMember.objects.filter(committee__in={m.committee_id for m in due})
    ).select_related("user"):
        members.setdefault(member.committee_id, []).append(member)
    for meeting in due:
        notify(
            recipients=[
                m.user
                for m in seated_on(members.get(meeting.committee_id, []), meeting_day(meeting))
            ],
            title=f"Reminder: {meeting.title}, "
            f"{timezone.localtime(meeting.starts_at):%d %b %Y %H:%M}",
            body="\n".join(meeting.agenda_items) or "No agenda yet.",
            url=meeting_url(meeting),
            about=meeting.committee.partnership,
            dedupe_key=f"governance.meeting.reminder:{meeting.pk}",
        )
        meeting.reminder_sent_at = now
    Meeting.objects.bulk_update(due, ["reminder_sent_at"])
    audit_record(
        action="governance.meeting.reminders_sent",
        actor_label="reminder job",
        changes={"meetings": [m.pk for m in due]},
    )
    return len(due)


# --- action items -------------------------------------------------------------------------


def _owner_party(partnership: Partnership, user: User) -> str:
    membership = _memberships([user]).get(user.pk)
    if membership is None or not membership.is_active:
        raise ValidationError({"owner": "The owner must be a member of this organization."})
    if membership.is_guest:
        if user.pk not in _invited(partnership, [user]):
            raise ValidationError(
                {"owner": f"{user} is a partner guest not invited to this partnership."}
            )
        return Party.PARTNER
    return Party.CUSTOMER


@transaction.atomic
def meeting_action_create(
    *,
    partnership: Partnership,
    actor: User | None,
    title: str,
    owner: User,
    due_date: date,
    today: date,
    meeting: Meeting | None = None,
) -> MeetingAction:
    """Record an action item for `owner` (of either party), due `due_date`. An action of a
    meeting is recorded by an officer sitting `today` (or a stand-in), as the meeting's other
    records are; one without a meeting by anyone who may change the governance module."""
    if meeting is not None and meeting.committee.partnership_id != partnership.pk:
        raise ValidationError({"meeting": "The meeting belongs to another partnership."})
    if meeting is not None:
        _require_officer(actor, meeting.committee, "records a meeting's actions", on=today)
    if due_date is None or due_date < today:
        raise ValidationError({"due_date": "The deadline is today or later."})
    action = MeetingAction(
        organization=require_organization(),
        partnership=partnership,
        meeting=meeting,
        title=(title or "").strip(),
        owner=owner,
        party=_owner_party(partnership, owner),
        due_date=due_date,
    )
    action.full_clean()
    action.save()
    audit_record(
        action="governance.action.created",
        actor=actor,
        obj=action,
        changes={"owner": owner.email, "party": action.party, "due_date": due_date},
    )
    notify(
        recipients=[owner],
        title=f"Action for you: {action.title}",
        body=f"{partnership.name}, due {due_date:%d %b %Y}.",
        url=reverse("partnership-committee", args=[require_organization().slug, partnership.pk]),
        about=partnership,
        dedupe_key=f"governance.action.created:{action.pk}",
    )
    return action


@transaction.atomic
def meeting_action_set_status(
    *, action: MeetingAction, actor: User, status: str, now: datetime
) -> MeetingAction:
    """The owner (or an officer of the partnership's committee) moves an action item on;
    done closes its open escalation."""
    action = MeetingAction.objects.select_for_update().get(pk=action.pk)
    committee = Committee.objects.filter(partnership_id=action.partnership_id).first()
    if action.owner_id != actor.pk and not (
        committee and is_officer(actor, committee, on=timezone.localdate(now))
    ):
        raise PermissionDeniedError("Only the owner or the committee's officers update it.")
    if status not in MeetingAction.Status.values:
        raise ValidationError({"status": "Open, in progress, done or cancelled."})
    try:
        MEETING_ACTION_LIFECYCLE.check(action.status, status)
    except TransitionNotAllowed:
        raise ConflictError(
            f"An action that is {action.get_status_display().lower()} cannot become "
            f"{MeetingAction.Status(status).label.lower()}.",
            code="illegal_transition",
        ) from None
    old = action.status
    action.status = status
    action.completed_at = now if status == MeetingAction.Status.DONE else None
    action.save(update_fields=["status", "completed_at"])
    audit_record(
        action="governance.action.status_changed",
        actor=actor,
        obj=action,
        changes={"status": [old, status]},
    )
    if status not in MeetingAction.OPEN_STATUSES:
        from governance.services.escalations import escalations_resolve_for

        escalations_resolve_for(action=action, actor=actor, now=now, resolution=f"Action {status}.")
    return action
