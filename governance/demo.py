"""Demo data of the governance module: change requests in every state on the partnership the
partner guest is invited to, one of them waiting for the guest's approval and one overdue and
escalated, plus a draft on a second partnership; then, on every partnership, a steering
committee of both parties, a past meeting with minutes and decisions, a quarterly review, an
upcoming meeting, a RACI matrix and an overdue action item that is escalated. Idempotent:
requests are found by title, committees by partnership."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Agreement
from governance import services
from governance.models import ChangeRequest, Committee, RaciActivity
from partnerships.services import partnership_update
from risk.models import ComplianceRequirement
from risk.services import compliance
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
    # The partnerships name their executive sponsors (ours the admin, the partner's the guest
    # where invited): before a committee exists, large budget changes need them.
    for partnership in tenant.partnerships:
        if partnership.executive_sponsor_id is None:
            sponsors: dict = {"executive_sponsor": users[Role.ORG_ADMIN]}
            if guest.has_perm("partnerships.view_partnership", partnership):
                sponsors["partner_sponsor_name"] = guest.display_name
                sponsors["partner_sponsor_email"] = guest.email
            partnership_update(partnership=partnership, actor=manager, **sponsors)
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
            for approver in change_request.approvers.filter(decision="pending").select_related(
                "user"
            ):
                services.change_request_approve(
                    change_request=change_request, approver=approver.user, now=start
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
    # After the requests: their approvers were chosen by hand before the committee existed.
    for partnership in tenant.partnerships:
        if not Committee.objects.filter(partnership=partnership).exists():
            _seed_committee(tenant, partnership, now)


def _seed_committee(tenant, partnership, now) -> None:
    users = tenant.users
    admin, manager = users[Role.ORG_ADMIN], users[Role.PROCUREMENT_MANAGER]
    committee_member, guest = users[Role.COMMITTEE_MEMBER], users[Role.PARTNER_GUEST]
    guest_invited = guest.has_perm("partnerships.view_partnership", partnership)
    today = timezone.localdate(now)
    committee = services.committee_create(
        actor=admin, partnership=partnership, meeting_frequency="monthly"
    )
    seats = [
        (committee_member, {"role": "chair", "is_programme_lead": True}),
        (manager, {"role": "secretary", "has_vote": False}),
        # Our sponsor's term ends in three weeks: the committee is told (below) to extend it or
        # seat the next sponsor.
        (admin, {"is_executive_sponsor": True, "term_end": today + timedelta(days=21)}),
    ]
    if guest_invited:
        seats.append((guest, {"is_executive_sponsor": True, "is_programme_lead": True}))
    else:  # no partner representative invited yet: a quorum of ours only
        committee = services.committee_update(
            committee=committee, actor=admin, quorum_needs_both_parties=False
        )
    members = [
        services.committee_member_add(
            committee=committee, user=user, actor=admin, today=today - timedelta(days=120), **f
        )
        for user, f in seats
    ]
    services.committee_terms_ending_send(now=now)
    # A meeting held a month ago: everybody present, a decision with its vote, minutes approved.
    held_at = now - timedelta(days=30)
    past = services.meeting_schedule(
        committee=committee,
        actor=manager,
        now=held_at - timedelta(days=14),
        title="Monthly steering committee",
        starts_at=held_at,
        location="Lyon plant, room 2",
        agenda="Delivery performance\nOpen change requests\nCapacity for Q3",
    )[0]
    services.meeting_attendance_record(
        meeting=past, actor=manager, present_member_ids=[m.pk for m in members], now=held_at
    )
    voters = [m.user for m in members if m.has_vote]
    services.meeting_decision_record(
        meeting=past,
        actor=manager,
        title="Approve the Q3 capacity plan",
        text="Two extra shifts from July; reviewed again in September.",
        votes=[(user, "for") for user in voters],
        now=held_at,
    )
    services.meeting_minutes_save(
        meeting=past,
        actor=manager,
        minutes="Delivery on time at 94%. The partner presented the Q3 capacity plan; "
        "approved. Two change requests remain open.",
        today=held_at.date(),
    )
    services.meeting_minutes_submit(meeting=past, actor=manager, today=held_at.date())
    services.meeting_minutes_approve(meeting=past, approver=committee_member, now=held_at)
    # The quarterly review recalibrated the priorities.
    review_at = now - timedelta(days=10)
    review = services.meeting_schedule(
        committee=committee,
        actor=manager,
        now=review_at - timedelta(days=14),
        title="Quarterly governance review",
        kind="quarterly_review",
        starts_at=review_at,
    )[0]
    services.meeting_attendance_record(
        meeting=review, actor=manager, present_member_ids=[m.pk for m in members], now=review_at
    )
    services.meeting_priorities_record(
        meeting=review,
        actor=manager,
        priorities=[
            {"priority": "On-time delivery", "change": "Raised to first priority"},
            {"priority": "Cost reduction", "change": "Target lowered from 5% to 3% this year"},
        ],
        today=review_at.date(),
    )
    services.meeting_schedule(
        committee=committee,
        actor=manager,
        now=now,
        title="Monthly steering committee",
        starts_at=now + timedelta(days=14),
        agenda="Follow-up of the capacity plan\nQ3 forecast",
    )
    # An action from the meeting, overdue and escalated.
    action = services.meeting_action_create(
        partnership=partnership,
        meeting=past,
        actor=manager,
        title="Send the revised shift plan",
        owner=guest if guest_invited else manager,
        due_date=today - timedelta(days=5),
        today=today - timedelta(days=30),
    )
    services.escalation_raise(
        partnership=partnership,
        actor=manager,
        now=now,
        action=action,
        reason="Five days late; the Q3 ramp-up depends on it.",
    )
    # Open book: the partner's cost breakdown quarterly (received), its margin monthly (late).
    cost = services.disclosure_create(
        partnership=partnership,
        actor=manager,
        first_due_on=today - timedelta(days=60),
        today=today - timedelta(days=90),
        party="partner",
        data_type="cost_breakdown",
        description="Unit cost by component, material and labour",
        cadence="quarterly",
    )
    services.disclosure_record_received(
        disclosure=cost, actor=manager, received_on=today - timedelta(days=20), today=today
    )
    services.disclosure_create(
        partnership=partnership,
        actor=manager,
        first_due_on=today - timedelta(days=12),
        today=today - timedelta(days=40),
        party="partner",
        data_type="margin",
        cadence="monthly",
    )
    # Compliance: our anti-bribery officer, owing this quarter's attestation of the
    # partnership's anti-bribery requirement (the risk module's compliance matrix).
    compliance.compliance_officer_appoint(
        partnership=partnership, actor=admin, user=admin, framework="anti_bribery"
    )
    if not ComplianceRequirement.objects.filter(
        partnership=partnership, framework="anti_bribery"
    ).exists():
        compliance.compliance_requirement_create(
            actor=manager,
            partnership=partnership,
            framework="anti_bribery",
            jurisdiction="GLOBAL",
            title="Quarterly anti-bribery attestation",
            due_on=today + timedelta(days=21),
            attestation_months=3,
        )
    # The RACI matrix: the sponsor accountable, the manager responsible.
    activities = services.raci_install_defaults(partnership=partnership, actor=admin)
    matrix = {}
    for activity in RaciActivity.objects.filter(pk__in=[a.pk for a in activities]):
        row = [(admin, "A"), (manager, "R"), (committee_member, "C")]
        if guest_invited:
            row.append((guest, "I"))
        matrix[activity.pk] = row
    services.raci_matrix_save(partnership=partnership, actor=admin, matrix=matrix)
