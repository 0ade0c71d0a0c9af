"""Change requests, their required approvers and decisions.

The approval rule lives here, once: a change request is approved only when every required
approver of both parties (the customer's members and the partner's guests) has approved it; one
rejection rejects it. Decisions lock the change request row, so two simultaneous final approvals
serialise: the second sees the first and exactly one of them moves the request to approved.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from contracts.models import Agreement
from governance.models import (
    CHANGE_REQUEST_LIFECYCLE,
    ChangeRequest,
    ChangeRequestApprover,
)
from integrations.services import webhook_object_event
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, User
from tenancy.permissions import role_allows
from tenancy.services import notify

# First key of pg_advisory_xact_lock(int, int) for change-request numbers; the second is the
# organization. (7_301 is the audit trail, 7_401 the SLA breach check.)
_NUMBER_LOCK_NAMESPACE = 7_501

CHANGE_REQUEST_FIELDS = (
    "agreement",
    "title",
    "description",
    "category",
    "cost_impact",
    "currency",
    "schedule_impact_days",
    "decision_due",
)
# When the requester gives no deadline, the approvers have this long from submission.
DEFAULT_DECISION_PERIOD = timedelta(days=10)

Status = ChangeRequest.Status
Party = ChangeRequestApprover.Party
Decision = ChangeRequestApprover.Decision


def change_request_url(change_request: ChangeRequest) -> str:
    return reverse("change-request-detail", args=[require_organization().slug, change_request.pk])


def _lock(change_request: ChangeRequest) -> ChangeRequest:
    """The row again, locked until the transaction ends (decisions serialise on it)."""
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("partnership", "requested_by")
        .get(pk=change_request.pk)
    )


def _transition(change_request: ChangeRequest, target: str) -> str:
    CHANGE_REQUEST_LIFECYCLE.check(change_request.status, target)
    old = change_request.status
    change_request.status = target
    return old


def _require_draft(change_request: ChangeRequest, doing: str) -> None:
    if change_request.status != Status.DRAFT:
        raise ConflictError(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            f"{doing} only while it is a draft.",
            code="not_a_draft",
        )


def _validate_fields(change_request: ChangeRequest, *, now: datetime | None) -> None:
    if change_request.cost_impact is None:
        change_request.cost_impact = Decimal("0.00")
    due = change_request.decision_due
    if due is not None and timezone.is_naive(due):
        raise ValidationError({"decision_due": "Give the time with its time zone."})
    if due is not None and now is not None and due <= now:
        raise ValidationError({"decision_due": "The decision deadline must be in the future."})
    change_request.full_clean()


def _allocate_number() -> int:
    """The organization's next CR number. The advisory lock serialises concurrent creations in
    one organization (others are not blocked); the unique constraint is the backstop."""
    organization = require_organization()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBER_LOCK_NAMESPACE, organization.pk]
        )
    last = ChangeRequest.objects.aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


# --- change requests ----------------------------------------------------------------------


@transaction.atomic
def change_request_create(
    *,
    actor: User | None,
    partnership: Partnership,
    title: str,
    now: datetime,
    agreement: Agreement | None = None,
    description: str = "",
    category: str = ChangeRequest.Category.OTHER,
    cost_impact: Decimal | None = None,
    currency: str | None = None,
    schedule_impact_days: int = 0,
    decision_due: datetime | None = None,
) -> ChangeRequest:
    change_request = ChangeRequest(
        organization=require_organization(),
        partnership=partnership,
        agreement=agreement,
        title=title,
        description=description,
        category=category,
        cost_impact=cost_impact if cost_impact is not None else Decimal("0.00"),
        currency=currency or partnership.currency,
        schedule_impact_days=schedule_impact_days,
        decision_due=decision_due,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
        number=_allocate_number(),
        created_at=now,
    )
    _validate_fields(change_request, now=now)
    change_request.save()
    audit_record(
        action="governance.change_request.created",
        actor=actor,
        obj=change_request,
        changes={
            "reference": change_request.reference,
            "partnership": partnership.pk,
            "category": category,
            "cost_impact": f"{change_request.cost_impact_money}",
        },
    )
    return change_request


@transaction.atomic
def change_request_update(
    *, change_request: ChangeRequest, actor: User | None, now: datetime, **fields
) -> ChangeRequest:
    """Edit a draft. Once submitted, the approvers decide on exactly what they were sent."""
    change_request = _lock(change_request)
    _require_draft(change_request, "it is edited")
    fields = {k: v for k, v in fields.items() if k in CHANGE_REQUEST_FIELDS}
    if "agreement" in fields:  # compared (and audited) by id, not as an object
        agreement = fields.pop("agreement")
        fields["agreement_id"] = agreement.pk if agreement is not None else None
    changes = changed_fields(change_request, fields)
    _validate_fields(change_request, now=now if "decision_due" in changes else None)
    change_request.save()
    if changes:
        audit_record(
            action="governance.change_request.updated",
            actor=actor,
            obj=change_request,
            changes=changes,
        )
    return change_request


# --- approvers ----------------------------------------------------------------------------


def _party_of(membership: Membership | None, *, invited: bool) -> str:
    """The party a member can approve for, or a ValidationError saying why they cannot.

    Customer approvers are members of the organization whose role may approve governance
    decisions; partner approvers are guests invited to this partnership.
    """
    if membership is None or not membership.is_active:
        raise ValidationError({"user": "The approver must be a member of this organization."})
    if membership.is_guest:
        if not invited:
            raise ValidationError(
                {"user": f"{membership.user} is a partner guest not invited to this partnership."}
            )
        return Party.PARTNER
    if not role_allows(membership.role, "governance.approve"):
        raise ValidationError(
            {
                "user": f"{membership.user} is a {membership.get_role_display().lower()}, "
                "a role that does not approve change requests."
            }
        )
    return Party.CUSTOMER


def _memberships(users) -> dict[int, Membership]:
    return {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=require_organization(), user__in=users
        ).select_related("user")
    }


def _invited(partnership: Partnership, users) -> set[int]:
    """Which of `users` are guests invited to the partnership (one query)."""
    from partnerships.models import PartnershipUserObjectPermission

    return set(
        PartnershipUserObjectPermission.objects.filter(
            content_object=partnership,
            user__in=users,
            permission__codename="view_partnership",
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def change_request_approver_add(
    *, change_request: ChangeRequest, user: User, actor: User | None
) -> ChangeRequestApprover:
    """Require `user`'s decision; their party follows from their membership."""
    change_request = _lock(change_request)
    _require_draft(change_request, "approvers are changed")
    membership = _memberships([user]).get(user.pk)
    party = _party_of(membership, invited=user.pk in _invited(change_request.partnership, [user]))
    if ChangeRequestApprover.objects.filter(change_request=change_request, user=user).exists():
        raise ValidationError({"user": f"{user} is already an approver of this change request."})
    approver = ChangeRequestApprover(
        organization=change_request.organization,
        change_request=change_request,
        user=user,
        party=party,
    )
    approver.full_clean()
    approver.save()
    audit_record(
        action="governance.change_request.approver_added",
        actor=actor,
        obj=change_request,
        changes={"approver": user.email, "party": party},
    )
    return approver


@transaction.atomic
def change_request_approver_remove(
    *, change_request: ChangeRequest, user: User, actor: User | None
) -> None:
    change_request = _lock(change_request)
    _require_draft(change_request, "approvers are changed")
    approver = ChangeRequestApprover.objects.filter(
        change_request=change_request, user=user
    ).first()
    if approver is None:
        raise ValidationError({"user": f"{user} is not an approver of this change request."})
    approver.delete()
    audit_record(
        action="governance.change_request.approver_removed",
        actor=actor,
        obj=change_request,
        changes={"approver": user.email, "party": approver.party},
    )


def may_replace_approvers(
    user: User | None, change_request: ChangeRequest, role: str | None
) -> bool:
    """Who hands a stale approver's decision to someone else: the requester, or a procurement
    manager or admin (those who may withdraw the request), while it awaits decisions."""
    return change_request.status == Status.SUBMITTED and may_withdraw(user, change_request, role)


def approver_drop_refusal(
    approver: ChangeRequestApprover, approvers: list[ChangeRequestApprover]
) -> str | None:
    """Why `approver` (one of the request's `approvers`) cannot be dropped without someone in
    their place; None when they can: no rule required them and their party keeps another
    approver."""
    if approver.required_by:
        return (
            f"{approver.user} was required by the rule “{approver.required_by}”: name who "
            "decides in their place."
        )
    if not any(a.party == approver.party and a.pk != approver.pk for a in approvers):
        return (
            f"{approver.user} is the only approver of the {approver.party} party: name who "
            "decides in their place."
        )
    return None


@transaction.atomic
def change_request_approver_replace(
    *,
    change_request: ChangeRequest,
    user: User,
    replacement: User | None,
    reason: str,
    actor: User,
    now: datetime,
) -> ChangeRequest:
    """While the request awaits decisions, hand the decision of an approver who can no longer
    take it (see `approvers_who_cannot_decide`) to another approver of the same party, or drop
    it when their party keeps another approver and no decision-right rule required them.

    Only an approver who cannot decide is replaced: a reluctant approver is not swapped for a
    willing one. Decisions already taken stand; dropping the last undecided approver approves
    the request when everyone else approved."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the approver is replaced."})
    change_request = _lock(change_request)
    if change_request.status != Status.SUBMITTED:
        raise ConflictError(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "approvers are replaced only while it awaits decisions (in a draft, remove and add "
            "them).",
            code="not_submitted",
        )
    membership = _memberships([actor]).get(actor.pk)
    if not may_replace_approvers(actor, change_request, membership.role if membership else None):
        raise PermissionDeniedError(
            "Only the requester or a procurement manager replaces an approver."
        )
    row = (
        ChangeRequestApprover.objects.select_for_update()
        .filter(change_request=change_request, user=user)
        .select_related("user")
        .first()
    )
    if row is None:
        raise ValidationError({"user": f"{user} is not an approver of this change request."})
    if row.decision != Decision.PENDING:
        raise ConflictError(
            f"{user} already {row.decision} {change_request.reference}: a decision taken stands.",
            code="already_decided",
        )
    why = approvers_who_cannot_decide(change_request, [row]).get(user.pk)
    if why is None:
        raise ConflictError(
            f"{user} can still decide for the {row.party} party: only an approver who can no "
            "longer decide is replaced.",
            code="approver_can_decide",
        )
    if replacement is None:
        refusal = approver_drop_refusal(
            row, list(ChangeRequestApprover.objects.filter(change_request=change_request))
        )
        if refusal:
            raise ValidationError({"replacement": refusal})
        row.delete()
    else:
        try:
            party = _party_of(
                _memberships([replacement]).get(replacement.pk),
                invited=replacement.pk in _invited(change_request.partnership, [replacement]),
            )
        except ValidationError as error:
            raise ValidationError({"replacement": error.message_dict["user"]}) from None
        if party != row.party:
            raise ValidationError(
                {
                    "replacement": f"{replacement} would decide for the {party} party, not for "
                    f"the {row.party} party."
                }
            )
        if ChangeRequestApprover.objects.filter(
            change_request=change_request, user=replacement
        ).exists():
            raise ValidationError(
                {"replacement": f"{replacement} is already an approver of this change request."}
            )
        row.user = replacement
        row.save(update_fields=["user"])
    audit_record(
        action="governance.change_request.approver_replaced",
        actor=actor,
        obj=change_request,
        changes={
            "approver": user.email,
            "replacement": replacement.email if replacement is not None else None,
            "party": row.party,
            "why": why,
            "reason": reason,
        },
    )
    if replacement is None:
        _approve_when_complete(change_request, actor=actor, now=now)
        return change_request
    notify(
        recipients=[replacement],
        title=f"{change_request.reference} awaits your decision: {change_request.title}",
        body=(
            f"{change_request.partnership.name}: you decide in place of {user.display_name}, "
            f"who can no longer decide ({reason}). Decide by "
            f"{timezone.localtime(change_request.decision_due):%d %b %Y %H:%M}."
        ),
        url=change_request_url(change_request),
        about=change_request.partnership,
        dedupe_key=f"governance.change_request.approver_replaced:{change_request.pk}:{row.pk}:"
        f"{replacement.pk}",
    )
    return change_request


def approvers_who_cannot_decide(
    change_request: ChangeRequest, approvers: list[ChangeRequestApprover]
) -> dict[int, str]:
    """Of `approvers`, those who can no longer decide for the party they were chosen for, by
    user id, with why: they left the organization, a partner guest was taken off the
    partnership, a member's role no longer approves, or they changed sides. Two queries."""
    users = [a.user for a in approvers]
    memberships = _memberships(users)
    invited = _invited(change_request.partnership, users)
    cannot: dict[int, str] = {}
    for approver in approvers:
        try:
            party = _party_of(
                memberships.get(approver.user_id), invited=approver.user_id in invited
            )
        except ValidationError as error:
            cannot[approver.user_id] = " ".join(error.message_dict["user"])
            continue
        if party != approver.party:
            cannot[approver.user_id] = (
                f"{approver.user} no longer represents the {approver.party} party."
            )
    return cannot


def submission_blockers(change_request: ChangeRequest, *, today: date) -> list[str]:
    """Why the change request cannot be submitted now (empty: it can): a scorecard standing
    that blocks change requests, approvers the decision-right rules need but the committee
    lacks, approvers no longer eligible, or a party without any approver."""
    from governance.selectors import change_request_block_reason
    from governance.services.decision_rights import required_approvers
    from governance.services.sla_changes import sla_change_blockers

    reasons = []
    blocked = change_request_block_reason(change_request.partnership)
    if blocked:
        reasons.append(blocked)
    reasons.extend(sla_change_blockers(change_request))
    required, rule_blockers = required_approvers(change_request, today=today)
    reasons.extend(rule_blockers)
    approvers = list(
        ChangeRequestApprover.objects.filter(change_request=change_request).select_related("user")
    )
    reasons.extend(approvers_who_cannot_decide(change_request, approvers).values())
    parties = {a.party for a in approvers} | {r.party for r in required}
    if Party.CUSTOMER not in parties:
        reasons.append("Add at least one approver of ours (a member who may approve).")
    if Party.PARTNER not in parties:
        reasons.append("Add at least one approver of the partner (a guest of this partnership).")
    return reasons


def _add_required_approvers(
    change_request: ChangeRequest, actor: User | None, *, today: date
) -> list[str]:
    """Record the approvers the decision-right rules require (those not yet approvers)."""
    from governance.services.decision_rights import required_approvers

    required, _ = required_approvers(change_request, today=today)
    existing = set(
        ChangeRequestApprover.objects.filter(change_request=change_request).values_list(
            "user_id", flat=True
        )
    )
    added = []
    for requirement in required:
        if requirement.user.pk in existing:
            continue
        ChangeRequestApprover.objects.create(
            organization=change_request.organization,
            change_request=change_request,
            user=requirement.user,
            party=requirement.party,
            required_by=requirement.reason[:200],
        )
        added.append(f"{requirement.user.email} ({requirement.party}): {requirement.reason}")
    if added:
        audit_record(
            action="governance.change_request.approvers_required",
            actor=actor,
            obj=change_request,
            changes={"required": added},
        )
    return added


@transaction.atomic
def change_request_submit(
    *, change_request: ChangeRequest, actor: User | None, now: datetime
) -> ChangeRequest:
    """Send the request to its approvers: needs at least one approver of each party."""
    change_request = _lock(change_request)
    CHANGE_REQUEST_LIFECYCLE.check(change_request.status, Status.SUBMITTED)
    today = timezone.localdate(now)
    blockers = submission_blockers(change_request, today=today)
    if not blockers:
        _add_required_approvers(change_request, actor, today=today)
    if blockers:
        raise ConflictError(
            f"{change_request.reference} cannot be submitted: " + " ".join(blockers),
            code="submission_blocked",
        )
    if change_request.decision_due is None:
        change_request.decision_due = now + DEFAULT_DECISION_PERIOD
    elif change_request.decision_due <= now:
        raise ValidationError(
            {"decision_due": "The decision deadline has passed: set a new one before submitting."}
        )
    old = _transition(change_request, Status.SUBMITTED)
    change_request.submitted_at = now
    change_request.save()
    audit_record(
        action="governance.change_request.submitted",
        actor=actor,
        obj=change_request,
        changes={"status": [old, Status.SUBMITTED], "decision_due": change_request.decision_due},
    )
    approvers = ChangeRequestApprover.objects.filter(change_request=change_request).select_related(
        "user"
    )
    notify(
        recipients=[a.user for a in approvers],
        title=f"{change_request.reference} awaits your decision: {change_request.title}",
        body=(
            f"{change_request.partnership.name}: {change_request.get_category_display()} change, "
            f"cost impact {change_request.cost_impact_money}, schedule impact "
            f"{change_request.schedule_impact_days} days. Decide by "
            f"{timezone.localtime(change_request.decision_due):%d %b %Y %H:%M}."
        ),
        url=change_request_url(change_request),
        about=change_request.partnership,
        # Once per submission: a request resubmitted after a request for changes is news again.
        dedupe_key=f"governance.change_request.submitted:{change_request.pk}:{now:%Y%m%dT%H%M%S%f}",
    )
    return change_request


def _approver_row(change_request: ChangeRequest, user: User | None) -> ChangeRequestApprover:
    approver = (
        ChangeRequestApprover.objects.select_for_update()
        .filter(change_request=change_request, user=user)
        .first()
        if user is not None
        else None
    )
    if approver is None:
        raise PermissionDeniedError(
            f"Only the approvers {change_request.reference} requires may decide on it."
        )
    return approver


def _require_undecided(change_request: ChangeRequest, approver: ChangeRequestApprover) -> None:
    if change_request.status != Status.SUBMITTED:
        raise ConflictError(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "decisions are taken only while it is submitted.",
            code="not_submitted",
        )
    if approver.decision != Decision.PENDING:
        raise ConflictError(
            f"You already {approver.decision} {change_request.reference} "
            f"on {timezone.localtime(approver.decided_at):%d %b %Y}; a decision is taken once.",
            code="already_decided",
        )


@transaction.atomic
def change_request_approve(
    *, change_request: ChangeRequest, approver: User, comment: str = "", now: datetime
) -> ChangeRequest:
    """Record one required approver's approval; the request becomes approved when every
    required approver of both parties has approved."""
    change_request = _lock(change_request)
    row = _approver_row(change_request, approver)
    _require_undecided(change_request, row)
    row.decision, row.decided_at, row.comment = Decision.APPROVED, now, comment
    row.save(update_fields=["decision", "decided_at", "comment"])
    audit_record(
        action="governance.change_request.approval_recorded",
        actor=approver,
        obj=change_request,
        changes={"approver": approver.email, "party": row.party, "comment": comment},
    )
    _approve_when_complete(change_request, actor=approver, now=now)
    return change_request


def _approve_when_complete(change_request: ChangeRequest, *, actor: User, now: datetime) -> None:
    """Move the (locked) request to approved once none of its approvers is left to approve."""
    # Under the row lock, so a concurrent last approval waits for this one and sees it.
    outstanding = (
        ChangeRequestApprover.objects.filter(change_request=change_request)
        .exclude(decision=Decision.APPROVED)
        .exists()
    )
    if outstanding:
        return
    old = _transition(change_request, Status.APPROVED)
    change_request.decided_at = now
    change_request.save()
    audit_record(
        action="governance.change_request.approved",
        actor=actor,
        obj=change_request,
        changes={"status": [old, Status.APPROVED]},
    )
    # An approved SLA change becomes the SLA's new version now (see services.sla_changes).
    from governance.services.sla_changes import sla_change_apply

    sla_change_apply(change_request=change_request, actor=actor, now=now)
    notify(
        recipients=[change_request.requested_by, change_request.partnership.owner],
        title=f"{change_request.reference} approved by both parties: {change_request.title}",
        body="Every required approver approved it; it can now be implemented.",
        url=change_request_url(change_request),
        about=change_request.partnership,
        dedupe_key=f"governance.change_request.approved:{change_request.pk}",
    )
    webhook_object_event(event="change_request.decided", obj=change_request, now=now)


@transaction.atomic
def change_request_reject(
    *, change_request: ChangeRequest, approver: User, reason: str, now: datetime
) -> ChangeRequest:
    """One required approver's rejection rejects the request; the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the change is rejected."})
    change_request = _lock(change_request)
    row = _approver_row(change_request, approver)
    _require_undecided(change_request, row)
    row.decision, row.decided_at, row.comment = Decision.REJECTED, now, reason
    row.save(update_fields=["decision", "decided_at", "comment"])
    old = _transition(change_request, Status.REJECTED)
    change_request.decided_at = now
    change_request.rejection_reason = reason
    change_request.save()
    audit_record(
        action="governance.change_request.rejected",
        actor=approver,
        obj=change_request,
        changes={
            "status": [old, Status.REJECTED],
            "approver": approver.email,
            "party": row.party,
            "reason": reason,
        },
    )
    others = ChangeRequestApprover.objects.filter(change_request=change_request).exclude(
        user=approver
    )
    notify(
        recipients=[
            change_request.requested_by,
            change_request.partnership.owner,
            *(a.user for a in others.select_related("user")),
        ],
        title=f"{change_request.reference} rejected: {change_request.title}",
        body=f"Rejected by {approver.display_name} ({row.get_party_display().lower()}): {reason}",
        url=change_request_url(change_request),
        about=change_request.partnership,
        dedupe_key=f"governance.change_request.rejected:{change_request.pk}",
    )
    webhook_object_event(event="change_request.decided", obj=change_request, now=now)
    return change_request


@transaction.atomic
def change_request_implement(
    *, change_request: ChangeRequest, actor: User | None, now: datetime
) -> ChangeRequest:
    change_request = _lock(change_request)
    old = _transition(change_request, Status.IMPLEMENTED)
    change_request.implemented_at = now
    if change_request.agreement_id and change_request.amendment_id is None:
        change_request.amendment = _amendment_create(change_request, actor)
    change_request.save()
    audit_record(
        action="governance.change_request.implemented",
        actor=actor,
        obj=change_request,
        changes={
            "status": [old, Status.IMPLEMENTED],
            "amendment": change_request.amendment_id,
        },
    )
    approvers = ChangeRequestApprover.objects.filter(change_request=change_request).select_related(
        "user"
    )
    notify(
        recipients=[change_request.requested_by, *(a.user for a in approvers)],
        title=f"{change_request.reference} implemented: {change_request.title}",
        url=change_request_url(change_request),
        about=change_request.partnership,
        dedupe_key=f"governance.change_request.implemented:{change_request.pk}",
    )
    return change_request


def _amendment_create(change_request: ChangeRequest, actor: User | None) -> Agreement:
    """The draft amendment of the agreement the change touches (contracts' own service)."""
    from contracts.services import agreement_create

    agreement = change_request.agreement
    assert agreement is not None  # the caller checked agreement_id
    return agreement_create(
        actor=actor,
        partnership=change_request.partnership,
        title=f"Amendment to {agreement.title}: {change_request.title}"[:200],
        agreement_type=Agreement.Type.AMENDMENT,
        amends=agreement,
        reference=change_request.reference,
        currency=agreement.currency,
        value=change_request.cost_impact if change_request.cost_impact > 0 else None,
    )


@transaction.atomic
def change_request_request_changes(
    *, change_request: ChangeRequest, approver: User, reason: str, now: datetime
) -> ChangeRequest:
    """A required approver sends the request back to draft with what should change. Decisions
    already taken are cleared, and the rule-required approvers are recomputed on resubmission."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what should change."})
    change_request = _lock(change_request)
    row = _approver_row(change_request, approver)
    _require_undecided(change_request, row)
    old = _transition(change_request, Status.DRAFT)
    change_request.changes_requested_reason = f"{approver.display_name}: {reason}"
    change_request.submitted_at = None
    change_request.escalation_level = 0
    change_request.escalated_at = None
    change_request.save()
    ChangeRequestApprover.objects.filter(change_request=change_request).exclude(
        required_by=""
    ).delete()
    ChangeRequestApprover.objects.filter(change_request=change_request).update(
        decision=Decision.PENDING, decided_at=None, comment=""
    )
    audit_record(
        action="governance.change_request.changes_requested",
        actor=approver,
        obj=change_request,
        changes={"status": [old, Status.DRAFT], "party": row.party, "reason": reason},
    )
    notify(
        recipients=[change_request.requested_by, change_request.partnership.owner],
        title=f"Changes requested on {change_request.reference}: {change_request.title}",
        body=f"{approver.display_name} ({row.get_party_display().lower()}): {reason}",
        url=change_request_url(change_request),
        about=change_request.partnership,
    )
    return change_request


def may_withdraw(user: User | None, change_request: ChangeRequest, role: str | None) -> bool:
    """The requester, or a procurement manager or admin, before the decision."""
    if change_request.status not in ChangeRequest.OPEN_STATUSES or user is None:
        return False
    return change_request.requested_by_id == user.pk or (
        role is not None and role_allows(role, "governance.withdraw")
    )


@transaction.atomic
def change_request_withdraw(
    *, change_request: ChangeRequest, actor: User, now: datetime
) -> ChangeRequest:
    change_request = _lock(change_request)
    membership = _memberships([actor]).get(actor.pk)
    if change_request.requested_by_id != actor.pk and (
        membership is None or not role_allows(membership.role, "governance.withdraw")
    ):
        raise PermissionDeniedError(
            "Only the requester or a procurement manager withdraws a change request."
        )
    was_submitted = change_request.status == Status.SUBMITTED
    old = _transition(change_request, Status.WITHDRAWN)
    change_request.withdrawn_at = now
    change_request.save()
    audit_record(
        action="governance.change_request.withdrawn",
        actor=actor,
        obj=change_request,
        changes={"status": [old, Status.WITHDRAWN]},
    )
    if was_submitted:
        approvers = ChangeRequestApprover.objects.filter(
            change_request=change_request
        ).select_related("user")
        notify(
            recipients=[a.user for a in approvers if a.user_id != actor.pk],
            title=f"{change_request.reference} withdrawn: {change_request.title}",
            body="No decision is needed any more.",
            url=change_request_url(change_request),
            about=change_request.partnership,
            dedupe_key=f"governance.change_request.withdrawn:{change_request.pk}",
        )
    return change_request
