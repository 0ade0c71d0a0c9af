"""Demo data of the governance module: change requests in every state on the partnership the
partner guest is invited to, one of them waiting for the guest's approval and one overdue and
escalated, plus a draft on a second partnership. Idempotent: each request is found by title."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Agreement
from governance import services
from governance.models import ChangeRequest
from tenancy.models import Role

# title, partnership index, category, cost impact, schedule days, what happens to it
REQUESTS = [
    (
        "Saturday service desk coverage",
        0,
        "scope",
        "48000.00",
        0,
        "awaiting_partner",
    ),
    (
        "Steel price indexation clause",
        0,
        "price",
        "-125000.00",
        0,
        "implemented",
    ),
    (
        "Extend delivery windows for the Q3 ramp-up",
        0,
        "schedule",
        "0.00",
        21,
        "rejected",
    ),
    (
        "Dual-source the gearbox housings",
        0,
        "service_level",
        "86000.00",
        30,
        "overdue",
    ),
    (
        "Add a cross-dock in Rotterdam",
        1,
        "scope",
        "210000.00",
        45,
        "draft",
    ),
]

DESCRIPTIONS = {
    "scope": "Extends what the partner delivers; the SOW is amended once approved.",
    "price": "Links unit prices to the published steel index, reviewed quarterly.",
    "schedule": "Moves the committed delivery windows; the partner asked for more time.",
    "service_level": "Raises the availability target and adds a second source.",
}


def seed(tenant) -> None:
    users = tenant.users
    manager = users[Role.PROCUREMENT_MANAGER]
    committee = users[Role.COMMITTEE_MEMBER]
    guest = users[Role.PARTNER_GUEST]
    now = timezone.now()
    existing = set(ChangeRequest.objects.values_list("title", flat=True))
    for title, index, category, cost, days, fate in REQUESTS:
        if title in existing or index >= len(tenant.partnerships):
            continue
        partnership = tenant.partnerships[index]
        # The overdue one was raised two weeks ago, with a deadline that has passed since.
        start = now - timedelta(days=14) if fate == "overdue" else now
        change_request = services.change_request_create(
            actor=manager,
            partnership=partnership,
            agreement=Agreement.objects.filter(partnership=partnership, agreement_type="msa")
            .order_by("pk")
            .first(),
            title=title,
            description=DESCRIPTIONS.get(category, ""),
            category=category,
            cost_impact=Decimal(cost),
            currency=partnership.currency,
            schedule_impact_days=days,
            decision_due=start + timedelta(days=7 if fate == "overdue" else 10),
            now=start,
        )
        approvers = [committee] if fate == "draft" else [committee, guest]
        for user in approvers:
            services.change_request_approver_add(
                change_request=change_request, user=user, actor=manager
            )
        if fate == "draft":
            continue
        services.change_request_submit(change_request=change_request, actor=manager, now=start)
        if fate in ("awaiting_partner", "implemented"):
            services.change_request_approve(
                change_request=change_request,
                approver=committee,
                comment="Within the agreed budget.",
                now=start,
            )
        if fate == "implemented":
            services.change_request_approve(
                change_request=change_request, approver=guest, now=start
            )
            services.change_request_implement(
                change_request=change_request, actor=manager, now=start
            )
        if fate == "rejected":
            services.change_request_reject(
                change_request=change_request,
                approver=guest,
                reason="Our capacity plan cannot absorb three more weeks before Q4.",
                now=start,
            )
    services.change_requests_escalate(now=now, period_days=3)
