"""Quarterly business reviews and their action items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Partnership
from performance.models import (
    ACTION_ITEM_LIFECYCLE,
    QBR_LIFECYCLE,
    ActionItem,
    Qbr,
    QbrAttendee,
    Scorecard,
    SlaBreach,
)
from performance.periods import add_months, quarter_start
from tenancy.audit import audit_record, lock_fresh
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.money import format_amount, format_quantity
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify

QBR_YEARS = (2000, 2100)


@transaction.atomic
def qbr_schedule(
    *,
    actor: User | None,
    partnership: Partnership,
    quarter: date,
    scheduled_at: datetime,
    attendees: Sequence[User] = (),
    location: str = "",
) -> Qbr:
    """Schedule the review of a quarter (one per quarter) and fill its agenda."""
    quarter = quarter_start(quarter)
    if Qbr.objects.filter(partnership=partnership, quarter_start=quarter).exists():
        raise ValidationError({"quarter_start": "A QBR for this quarter already exists."})
    qbr = Qbr(
        organization=require_organization(),
        partnership=partnership,
        quarter_start=quarter,
        scheduled_at=scheduled_at,
        location=location,
    )
    qbr.full_clean()
    qbr.save()
    unique_attendees = {user.pk: user for user in attendees if user is not None}
    for user in unique_attendees.values():  # the owner may also be the one scheduling
        QbrAttendee.objects.create(organization=qbr.organization, qbr=qbr, user=user)
    qbr.agenda = qbr_build_agenda(qbr=qbr)
    qbr.save(update_fields=["agenda"])
    audit_record(action="performance.qbr.scheduled", actor=actor, obj=qbr)
    return qbr


def qbr_schedule_year(
    *, actor: User | None, partnership: Partnership, year: int, attendees: Sequence[User] = ()
) -> list[Qbr]:
    """The quarterly rhythm: a review in the third week after each quarter ends. Idempotent."""
    if not isinstance(year, int) or not QBR_YEARS[0] <= year <= QBR_YEARS[1]:
        raise ValidationError(
            {"year": f"Give a year between {QBR_YEARS[0]} and {QBR_YEARS[1]}, e.g. 2026."}
        )
    created = []
    for month in (1, 4, 7, 10):
        quarter = date(year, month, 1)
        if Qbr.objects.filter(partnership=partnership, quarter_start=quarter).exists():
            continue
        meeting_day = add_months(quarter, 3) + timedelta(days=14)
        created.append(
            qbr_schedule(
                actor=actor,
                partnership=partnership,
                quarter=quarter,
                scheduled_at=timezone.make_aware(datetime.combine(meeting_day, datetime.min.time()))
                + timedelta(hours=10),
                attendees=attendees,
            )
        )
    return created


def qbr_build_agenda(*, qbr: Qbr) -> list[dict]:
    """Agenda from the quarter's scorecards, SLA breaches and open action items."""
    end = add_months(qbr.quarter_start, 3)
    scorecards = list(
        Scorecard.objects.filter(
            partnership_id=qbr.partnership_id,
            period_start__gte=qbr.quarter_start,
            period_start__lt=end,
        ).order_by("period_start")
    )
    breaches = list(
        SlaBreach.objects.filter(
            partnership_id=qbr.partnership_id,
            period_start__gte=qbr.quarter_start,
            period_start__lt=end,
        ).select_related("sla")
    )
    actions = list(
        ActionItem.objects.filter(
            partnership_id=qbr.partnership_id, status__in=ActionItem.OPEN_STATUSES
        ).select_related("owner")
    )
    scores = ", ".join(
        f"{s.period_start:%b %Y}: {s.total if s.total is not None else 'N/A'}" for s in scorecards
    )
    return [
        {"title": "Scorecard review", "items": [scores or "No scorecard yet for this quarter."]},
        {
            "title": "SLA breaches",
            "items": [
                f"{b.sla.name} {b.period_start:%b %Y}: {format_quantity(b.measured_value)}, "
                f"credit {b.currency} {format_amount(b.service_credit, b.currency)}"
                for b in breaches
            ]
            or ["No breaches this quarter."],
        },
        {
            "title": "Open action items",
            "items": [
                f"{a.title} ({a.owner.display_name if a.owner else 'no owner'}, "
                f"due {a.due_date:%d %b %Y})"
                for a in actions
            ]
            or ["None open."],
        },
        {"title": "Improvement initiatives and next quarter's priorities", "items": []},
    ]


@transaction.atomic
def qbr_record(
    *,
    qbr: Qbr,
    actor: User | None,
    minutes: str = "",
    decisions: str = "",
    attended_user_ids: list[int] | None = None,
) -> Qbr:
    """Record what happened: minutes, decisions and attendance; the QBR becomes held."""
    lock_fresh(qbr)  # cancelled since the page was opened: not recorded as held
    if qbr.status == Qbr.Status.CANCELLED:
        raise ConflictError("This QBR was cancelled.")
    QBR_LIFECYCLE.check(qbr.status, Qbr.Status.HELD)
    qbr.minutes = minutes
    qbr.decisions = decisions
    qbr.status = Qbr.Status.HELD
    qbr.save(update_fields=["minutes", "decisions", "status"])
    if attended_user_ids is not None:
        for attendee in qbr.attendees.all():
            attendee.attended = attendee.user_id in set(attended_user_ids)
            attendee.save(update_fields=["attended"])
    audit_record(action="performance.qbr.held", actor=actor, obj=qbr)
    return qbr


@transaction.atomic
def action_item_create(
    *,
    actor: User | None,
    partnership: Partnership,
    title: str,
    due_date: date,
    owner: User | None = None,
    qbr: Qbr | None = None,
) -> ActionItem:
    """An action agreed at a QBR (or on its own): a title and a due date, in words if missing."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Give the action a title."
    if due_date is None:
        errors["due_date"] = "Give the action a due date."
    if errors:
        raise ValidationError(errors)
    item = ActionItem(
        organization=require_organization(),
        partnership=partnership,
        qbr=qbr,
        title=title.strip(),
        owner=owner,
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    audit_record(action="performance.action_item.created", actor=actor, obj=item)
    return item


@transaction.atomic
def action_item_set_status(*, item: ActionItem, actor: User | None, status: str) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": "Choose open, in progress, done or cancelled."})
    old = item.status
    if status == old:
        return item
    ACTION_ITEM_LIFECYCLE.check(old, status)
    item.status = status
    item.save(update_fields=["status"])
    audit_record(
        action="performance.action_item.status_changed",
        actor=actor,
        obj=item,
        changes={"status": [old, status]},
    )
    return item


def qbr_reminders_send(*, now: datetime, days_before: int = 7) -> int:
    """Remind attendees of QBRs in the next `days_before` days and owners of overdue actions.
    Each reminder is sent once (reminded_at / overdue_reminded_at plus a dedupe key)."""
    organization = require_organization()
    sent = 0
    attendees = QbrAttendee.objects.filter(
        reminded_at__isnull=True,
        qbr__status=Qbr.Status.SCHEDULED,
        qbr__scheduled_at__gte=now,
        qbr__scheduled_at__lte=now + timedelta(days=days_before),
    ).select_related("qbr__partnership", "user")
    for attendee in attendees:
        qbr = attendee.qbr
        sent += len(
            notify(
                recipients=[attendee.user],
                title=f"{qbr} of {qbr.partnership.name} on {qbr.scheduled_at:%d %b %Y %H:%M}",
                body="The agenda is ready in Partnerline.",
                url=reverse("partnership-qbrs", args=[organization.slug, qbr.partnership_id]),
                about=qbr.partnership,
                dedupe_key=f"qbr-reminder:{qbr.pk}",
            )
        )
        attendee.reminded_at = now
        attendee.save(update_fields=["reminded_at"])
    overdue = ActionItem.objects.filter(
        status__in=ActionItem.OPEN_STATUSES,
        due_date__lt=timezone.localdate(now),
        overdue_reminded_at__isnull=True,
    ).select_related("owner", "partnership__owner")
    admins = AdminsOnce()
    for item in overdue:
        sent += len(
            notify(
                # An action nobody owns goes to the partnership's owner, else the admins.
                recipients=accountable(item.owner, item.partnership.owner, admins=admins),
                title=f"Overdue action: {item.title}",
                body=f"{item.partnership.name}: due {item.due_date:%d %b %Y}.",
                url=reverse("performance-actions", args=[organization.slug]),
                dedupe_key=f"action-overdue:{item.pk}",
            )
        )
        item.overdue_reminded_at = now
        item.save(update_fields=["overdue_reminded_at"])
    return sent


def qbr_ical(*, qbr: Qbr) -> bytes:
    """An iCalendar invitation (METHOD:REQUEST) for the QBR, to every attendee."""
    from icalendar import Calendar, Event, vCalAddress

    calendar = Calendar()
    calendar.add("prodid", "-//Partnerline//QBR//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"qbr-{qbr.pk}@{qbr.organization.slug}.partnerline")
    event.add("summary", f"{qbr} · {qbr.partnership.name}")
    event.add("dtstart", qbr.scheduled_at)
    event.add("dtend", qbr.scheduled_at + timedelta(minutes=qbr.duration_minutes))
    event.add("dtstamp", qbr.created_at)
    if qbr.location:
        event.add("location", qbr.location)
    event.add(
        "description",
        "\n".join(
            f"{i}. {section['title']}" for i, section in enumerate(qbr.agenda or [], start=1)
        ),
    )
    for attendee in qbr.attendees.select_related("user"):
        address = vCalAddress(f"mailto:{attendee.user.email}")
        address.params["cn"] = attendee.user.display_name
        address.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", address, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
