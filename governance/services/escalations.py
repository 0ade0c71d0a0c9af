"""Escalation paths and escalations of open items.

A partnership's path has levels (working team → steering committee → executive sponsors →
mediation or an arbitrator), each with a deadline in days and named people. Any open item (a
change request, an action item, or a free-standing issue) can be escalated; it starts at the
first level and, when a level's deadline passes unresolved, the job takes it one level up.
Each level is reached at most once per escalation (`EscalationStep` is unique per level), so
the job is idempotent: a rerun, or two workers at once, never escalate twice."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    ESCALATION_LIFECYCLE,
    ChangeRequest,
    Committee,
    CommitteeMember,
    Escalation,
    EscalationContact,
    EscalationLevel,
    EscalationStep,
    MeetingAction,
)
from governance.services.meetings import _owner_party
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import User
from tenancy.services import notify

Tier = EscalationLevel.Tier
_ESCALATION_PATH_LOCK_NAMESPACE = 7_503
DEFAULT_PATH = (
    (Tier.WORKING_TEAM, 5),
    (Tier.COMMITTEE, 10),
    (Tier.EXECUTIVE_SPONSORS, 10),
    (Tier.MEDIATION, 30),
)


def escalation_url(escalation: Escalation) -> str:
    return reverse("escalation-detail", args=[require_organization().slug, escalation.pk])


# --- the path -----------------------------------------------------------------------------


@transaction.atomic
def escalation_path_save(
    *, partnership: Partnership, actor: User | None, levels: list[dict]
) -> list[EscalationLevel]:
    """Replace the partnership's path: levels in order, each {tier, response_days, contacts}."""
    if not levels:
        raise ValidationError({"levels": "An escalation path has at least one level."})
    problems = []
    for index, level in enumerate(levels, start=1):
        if level.get("tier") not in Tier.values:
            problems.append(f"Level {index}: choose who it goes to.")
        days = level.get("response_days")
        if not isinstance(days, int) or not 1 <= days <= 365:
            problems.append(f"Level {index}: give its deadline in days (1 to 365).")
        for user in level.get("contacts", []):
            try:
                _owner_party(partnership, user)
            except ValidationError as error:
                problems.extend(f"Level {index}: {m}" for m in error.message_dict["owner"])
    if problems:
        raise ValidationError({"levels": problems})
    if Escalation.objects.filter(
        partnership=partnership, status=Escalation.Status.OPEN, rank__gt=len(levels)
    ).exists():
        raise ConflictError(
            "An open escalation is above the last level of the new path.", code="path_in_use"
        )
    EscalationLevel.objects.filter(partnership=partnership).delete()
    saved = []
    for index, level in enumerate(levels, start=1):
        row = EscalationLevel.objects.create(
            organization=require_organization(),
            partnership=partnership,
            rank=index,
            tier=level["tier"],
            response_days=level["response_days"],
        )
        EscalationContact.objects.bulk_create(
            EscalationContact(organization=row.organization, level=row, user=user)
            for user in {u.pk: u for u in level.get("contacts", [])}.values()
        )
        saved.append(row)
    audit_record(
        action="governance.escalation_path.saved",
        actor=actor,
        obj=partnership,
        changes={
            "levels": [
                {
                    "tier": level["tier"],
                    "response_days": level["response_days"],
                    "contacts": sorted(u.email for u in level.get("contacts", [])),
                }
                for level in levels
            ]
        },
    )
    return saved


def default_path_levels(partnership: Partnership, *, today: date) -> list[dict]:
    """The usual path, with people taken from the partnership and from the members who sit on
    its committee `today` (`committees.seated_members`)."""
    from governance.services.committees import seated_members

    committee = Committee.objects.filter(partnership=partnership).first()
    members = seated_members(committee, on=today) if committee else []
    people = {
        Tier.WORKING_TEAM: [partnership.owner] if partnership.owner else [],
        Tier.COMMITTEE: [m.user for m in members if m.role == CommitteeMember.Role.CHAIR]
        or [m.user for m in members if m.has_vote],
        Tier.EXECUTIVE_SPONSORS: [m.user for m in members if m.is_executive_sponsor],
        Tier.MEDIATION: [],
    }
    return [
        {"tier": tier, "response_days": days, "contacts": people[tier]}
        for tier, days in DEFAULT_PATH
    ]


def _path(partnership: Partnership, actor: User | None, *, today: date) -> list[EscalationLevel]:
    levels = list(EscalationLevel.objects.filter(partnership=partnership).order_by("rank"))
    if not levels:
        levels = escalation_path_save(
            partnership=partnership,
            actor=actor,
            levels=default_path_levels(partnership, today=today),
        )
    return levels


def _contacts(level: EscalationLevel) -> list[User]:
    return [c.user for c in EscalationContact.objects.filter(level=level).select_related("user")]


def _notify_level(escalation: Escalation, level: EscalationLevel) -> int:
    recipients: list[User | None] = list(_contacts(level))
    if escalation.raised_by_id:
        recipients.append(escalation.raised_by)
    sent = notify(
        recipients=recipients,
        title=f"Escalated to {level.get_tier_display().lower()}: {escalation.title}",
        body=(
            f"{escalation.item_kind}, level {level.rank}. Resolve it by "
            f"{timezone.localtime(escalation.level_due_at):%d %b %Y}, or it goes one level up."
        ),
        url=escalation_url(escalation),
        about=escalation.partnership,
        # Once per escalation and level, however often the job runs.
        dedupe_key=f"governance.escalation:{escalation.pk}:{level.rank}",
    )
    return len(sent)


# --- escalating ---------------------------------------------------------------------------


def _item_is_open(escalation: Escalation) -> bool:
    change_request, action = escalation.change_request, escalation.action
    if change_request is not None:
        return str(change_request.status) in ChangeRequest.OPEN_STATUSES
    if action is not None:
        return str(action.status) in MeetingAction.OPEN_STATUSES
    return True


@transaction.atomic
def escalation_raise(
    *,
    partnership: Partnership,
    actor: User | None,
    now: datetime,
    title: str = "",
    reason: str = "",
    change_request: ChangeRequest | None = None,
    action: MeetingAction | None = None,
) -> Escalation:
    """Take an open item (or a free-standing issue, with a title) to the path's first level,
    saying why (pages, API and the overdue-action job alike)."""
    if change_request is not None and action is not None:
        raise ValidationError({"item": "Escalate one item at a time."})
    # The item as it is now, locked: its status decides whether it may be escalated.
    if change_request is not None:
        change_request = ChangeRequest.objects.select_for_update(of=("self",)).get(
            pk=change_request.pk
        )
    if action is not None:
        action = MeetingAction.objects.select_for_update(of=("self",)).get(pk=action.pk)
    item = change_request or action
    if item is not None and item.partnership_id != partnership.pk:
        raise ValidationError({"item": "The item belongs to another partnership."})
    if change_request is not None:
        if change_request.status not in ChangeRequest.OPEN_STATUSES:
            raise ConflictError(
                f"{change_request.reference} is decided: only open items are escalated.",
                code="item_closed",
            )
        title = title or f"{change_request.reference} {change_request.title}"
    if action is not None:
        if action.status not in MeetingAction.OPEN_STATUSES:
            raise ConflictError(
                "The action item is closed: only open items are escalated.", code="item_closed"
            )
        title = title or f"Action: {action.title}"
    if not (title or "").strip():
        raise ValidationError({"title": "Say what is escalated."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why it is escalated."})
    open_items = Escalation.objects.filter(status=Escalation.Status.OPEN)
    if (change_request and open_items.filter(change_request=change_request).exists()) or (
        action and open_items.filter(action=action).exists()
    ):
        raise ConflictError("This item is already escalated.", code="already_escalated")
    first = _path(partnership, actor, today=timezone.localdate(now))[0]
    escalation = Escalation(
        organization=require_organization(),
        partnership=partnership,
        change_request=change_request,
        action=action,
        title=title.strip()[:300],
        reason=reason,
        rank=first.rank,
        level_due_at=now + timedelta(days=first.response_days),
        raised_by=actor if actor is not None and actor.is_authenticated else None,
        opened_at=now,
    )
    # The one-open-escalation rule is left to the database: an escalation committed by someone
    # else since the check above must read as the same refusal, never as the constraint's name.
    escalation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError as error:  # a concurrent escalation of the same item
        raise ConflictError("This item is already escalated.", code="already_escalated") from error
    EscalationStep.objects.create(
        organization=escalation.organization,
        escalation=escalation,
        rank=first.rank,
        reached_at=now,
        by_job=actor is None,
    )
    audit_record(
        action="governance.escalation.raised",
        actor=actor,
        actor_label="" if actor else "escalation job",
        obj=escalation,
        changes={"item": escalation.item_kind, "level": first.rank, "tier": first.tier},
    )
    _notify_level(escalation, first)
    return escalation


@transaction.atomic
def escalation_resolve(
    *, escalation: Escalation, actor: User | None, now: datetime, resolution: str
) -> Escalation:
    if not (resolution or "").strip():
        raise ValidationError({"resolution": "Say how it was resolved."})
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    try:
        ESCALATION_LIFECYCLE.check(escalation.status, Escalation.Status.RESOLVED)
    except TransitionNotAllowed:
        # The one state it is not resolved from, in the words users know.
        raise ConflictError(
            "The escalation is already resolved.", code="already_resolved"
        ) from None
    escalation.status = Escalation.Status.RESOLVED
    escalation.resolved_at = now
    escalation.resolution = resolution.strip()
    escalation.save(update_fields=["status", "resolved_at", "resolution"])
    audit_record(
        action="governance.escalation.resolved",
        actor=actor,
        actor_label="" if actor else "escalation job",
        obj=escalation,
        changes={"status": ["open", "resolved"], "resolution": escalation.resolution},
    )
    return escalation


def escalations_resolve_for(
    *,
    now: datetime,
    actor: User | None,
    resolution: str,
    action: MeetingAction | None = None,
    change_request: ChangeRequest | None = None,
) -> int:
    """Resolve the open escalation of an item that is no longer open."""
    open_items = Escalation.objects.filter(status=Escalation.Status.OPEN)
    if action is not None:
        open_items = open_items.filter(action=action)
    elif change_request is not None:
        open_items = open_items.filter(change_request=change_request)
    else:
        return 0
    count = 0
    for escalation in open_items:
        escalation_resolve(escalation=escalation, actor=actor, now=now, resolution=resolution)
        count += 1
    return count


@dataclass(frozen=True)
class EscalationRun:
    raised: int
    advanced: int
    resolved: int
    notifications: int


@transaction.atomic
def escalations_run(*, now: datetime) -> EscalationRun:
    """The job: escalate overdue action items, resolve escalations whose item closed, and take
    every open escalation whose level deadline has passed one level up (never twice to the
    same level; at the last level it stays there)."""
    organization = require_organization()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [_ESCALATION_PATH_LOCK_NAMESPACE, organization.pk],
        )
    raised = advanced = resolved = sent = 0
    today = timezone.localdate(now)
    overdue_actions = (
        MeetingAction.objects.filter(status__in=MeetingAction.OPEN_STATUSES, due_date__lt=today)
        .exclude(escalations__status=Escalation.Status.OPEN)
        .select_related("partnership")
        .order_by("pk")
    )
    for action in overdue_actions:
        escalation_raise(
            partnership=action.partnership,
            actor=None,
            now=now,
            action=action,
            reason=f"Overdue since {action.due_date:%d %b %Y}.",
        )
        raised += 1
    due = list(
        Escalation.objects.select_for_update(of=("self",))
        .filter(status=Escalation.Status.OPEN, level_due_at__lte=now)
        .select_related("change_request", "action", "raised_by")
        .order_by("pk")
    )
    levels: dict[int, dict[int, EscalationLevel]] = {}
    for level in EscalationLevel.objects.filter(partnership__in={e.partnership_id for e in due}):
        levels.setdefault(level.partnership_id, {})[level.rank] = level
    for escalation in due:
        if not _item_is_open(escalation):
            escalation_resolve(
                escalation=escalation, actor=None, now=now, resolution="The item was closed."
            )
            resolved += 1
            continue
        following = levels.get(escalation.partnership_id, {}).get(escalation.rank + 1)
        if following is None:
            continue  # at the top of the path: it stays there
        try:
            with transaction.atomic():
                EscalationStep.objects.create(
                    organization=organization,
                    escalation=escalation,
                    rank=following.rank,
                    reached_at=now,
                    by_job=True,
                )
        except IntegrityError:
            continue  # this level was already reached: never twice
        before = escalation.rank
        escalation.rank = following.rank
        escalation.level_due_at = now + timedelta(days=following.response_days)
        escalation.save(update_fields=["rank", "level_due_at"])
        audit_record(
            action="governance.escalation.advanced",
            actor_label="escalation job",
            obj=escalation,
            changes={"level": [before, following.rank], "tier": following.tier},
        )
        sent += _notify_level(escalation, following)
        advanced += 1
    return EscalationRun(raised=raised, advanced=advanced, resolved=resolved, notifications=sent)
