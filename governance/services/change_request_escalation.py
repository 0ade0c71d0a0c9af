"""Escalation of overdue change-request decisions (the daily job's service).

Levels only go up, so a rerun the same day raises nothing and sends nothing; each notification
carries a dedupe key as well.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from governance.models import MAX_ESCALATION_LEVEL, ChangeRequest, ChangeRequestApprover
from governance.services.change_requests import change_request_url
from partnerships.models import PartnershipUserObjectPermission
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User
from tenancy.selectors import organization_admins
from tenancy.services import notify

_ESCALATION_LOCK_NAMESPACE = 7_502

Status = ChangeRequest.Status
Decision = ChangeRequestApprover.Decision
Party = ChangeRequestApprover.Party


@dataclass(frozen=True)
class EscalationResult:
    escalated: int
    notifications: int


def escalation_level_due(*, decision_due: datetime, now: datetime, period_days: int) -> int:
    """The level a pending decision has reached: 1 once its deadline has passed, one more per
    full escalation period since, at most MAX_ESCALATION_LEVEL. Counted in whole local days,
    so every run on the same day agrees."""
    if now <= decision_due:
        return 0
    days = (timezone.localdate(now) - timezone.localdate(decision_due)).days
    return min(MAX_ESCALATION_LEVEL, 1 + days // max(period_days, 1))


@transaction.atomic
def change_requests_escalate(*, now: datetime, period_days: int) -> EscalationResult:
    """Raise the escalation level of every overdue submitted change request still waiting for
    a decision, and tell each newly reached level once.

    Set-based: one locked read of the overdue requests, one bulk update, one read of their
    pending approvers, one of the admins, then one notification per recipient and level (not
    per request). A rerun the same day finds nothing to raise and sends nothing.
    """
    organization = require_organization()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_ESCALATION_LOCK_NAMESPACE, organization.pk]
        )
    pending = ChangeRequestApprover.objects.filter(
        change_request=OuterRef("pk"), decision=Decision.PENDING
    )
    overdue = list(
        ChangeRequest.objects.select_for_update(of=("self",))
        .filter(
            status=Status.SUBMITTED,
            decision_due__lt=now,
            escalation_level__lt=MAX_ESCALATION_LEVEL,
        )
        .filter(Exists(pending))
        .select_related("partnership__owner")
        .order_by("number")
    )
    raised: list[tuple[ChangeRequest, int]] = []  # (request, level it had before)
    for change_request in overdue:
        level = escalation_level_due(
            decision_due=change_request.decision_due, now=now, period_days=period_days
        )
        if level > change_request.escalation_level:
            raised.append((change_request, change_request.escalation_level))
            change_request.escalation_level = level
            change_request.escalated_at = now
    if not raised:
        return EscalationResult(escalated=0, notifications=0)
    ChangeRequest.objects.bulk_update(
        [cr for cr, _ in raised], ["escalation_level", "escalated_at"], batch_size=1000
    )
    audit_record(
        action="governance.change_request.escalated",
        changes={cr.reference: [before, cr.escalation_level] for cr, before in raised},
        actor_label="escalation job",
    )

    # recipient id -> (user, level, [requests]) for every level each request newly reached.
    pending_rows = list(
        ChangeRequestApprover.objects.filter(
            change_request__in=[cr for cr, _ in raised], decision=Decision.PENDING
        ).select_related("user", "change_request")
    )
    # A partner's approver taken off the partnership since hears nothing more of it (the
    # digest lists requests of several partnerships, so `notify(about=)` cannot say it).
    partners = [row for row in pending_rows if row.party == Party.PARTNER]
    invited = (
        set(
            PartnershipUserObjectPermission.objects.filter(
                permission__codename="view_partnership",
                user_id__in={row.user_id for row in partners},
                content_object_id__in={row.change_request.partnership_id for row in partners},
            ).values_list("content_object_id", "user_id")
        )
        if partners
        else set()
    )
    pending_by_request: dict[int, list[User]] = {}
    for row in pending_rows:
        if row.party == Party.PARTNER and (
            (row.change_request.partnership_id, row.user_id) not in invited
        ):
            continue
        pending_by_request.setdefault(row.change_request_id, []).append(row.user)
    admins = organization_admins()
    batches: dict[tuple[int, int], tuple[User, list[ChangeRequest]]] = {}
    for change_request, before in raised:
        for level in range(before + 1, change_request.escalation_level + 1):
            recipients: Sequence[User | None]
            if level == 1:
                recipients = [
                    *pending_by_request.get(change_request.pk, []),
                    change_request.partnership.owner,
                ]
            else:
                recipients = admins
            for user in recipients:
                if user is not None:
                    batches.setdefault((user.pk, level), (user, []))[1].append(change_request)
    sent = 0
    for (_, level), (user, requests) in batches.items():
        sent += len(_notify_escalation(user=user, level=level, requests=requests))
    return EscalationResult(escalated=len(raised), notifications=sent)


def _notify_escalation(*, user: User, level: int, requests: list[ChangeRequest]):
    organization = require_organization()
    lines = [
        f"{cr.reference} {cr.title} ({cr.partnership.name}): decision was due "
        f"{timezone.localtime(cr.decision_due):%d %b %Y}"
        for cr in requests
    ]
    ids = ",".join(str(cr.pk) for cr in requests)
    digest = hashlib.sha256(ids.encode()).hexdigest()[:24]
    count = len(requests)
    what = requests[0].reference if count == 1 else f"{count} change requests"
    return notify(
        recipients=[user],
        title=(
            f"Overdue decision: {what}"
            if level == 1
            else f"Escalated to the organization admins: {what}"
        ),
        body="\n".join(lines),
        url=(
            change_request_url(requests[0])
            if count == 1
            else reverse("governance-home", args=[organization.slug])
        ),
        # Once per request set and level, however often the job runs.
        dedupe_key=f"governance.change_request.escalated:{level}:{digest}",
    )
