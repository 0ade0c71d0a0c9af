"""The landing page's inbox: what waits for this member, read through each module's selectors
(change requests to decide, agreements in legal review, overdue obligations and action items,
renewals and notice deadlines in the next 90 days, open SLA breaches, and module 1's own
due-diligence reviews, onboarding escalations and exclusivity conflicts). A fixed number of
queries whatever the portfolio's size; each section keeps its first rows and its count."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from contracts.selectors import agreement_deadlines, agreement_list, obligation_list
from governance.selectors import awaiting_decision
from partnerships.models import DueDiligenceItem, OnboardingEscalation
from partnerships.selectors import exclusivity_conflicts
from performance.selectors import action_board, open_breaches_owned_by
from tenancy.models import Membership
from tenancy.permissions import roles_with

HORIZON_DAYS = 90
SHOWN = 5
LEGAL_REVIEWERS = tuple(roles_with("contracts.review"))  # legal reviewers and org admins


@dataclass
class InboxItem:
    label: str
    url: str
    detail: str = ""
    due: date | None = None
    overdue: bool = False


@dataclass
class InboxSection:
    key: str
    title: str
    items: list[InboxItem] = field(default_factory=list)
    count: int = 0
    more_url: str = ""


def _take(queryset, limit=SHOWN) -> tuple[list, int]:
    """The first rows and the total in one query when the page is not full, two otherwise."""
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], queryset.count()


def inbox_for(*, membership: Membership, today: date) -> list[InboxSection]:
    slug = membership.organization.slug
    user_id = membership.user_id
    sections: list[InboxSection] = []

    def url(name, *args, query=""):
        return reverse(name, args=[slug, *args]) + query

    rows, count = _take(awaiting_decision(membership=membership))
    sections.append(
        InboxSection(
            "approvals",
            "Change requests awaiting your decision",
            [
                InboxItem(
                    f"{cr.reference} {cr.title}",
                    url("change-request-detail", cr.pk),
                    cr.partnership.name,
                    timezone.localdate(cr.decision_due) if cr.decision_due else None,
                    bool(cr.decision_due and timezone.localdate(cr.decision_due) < today),
                )
                for cr in rows
            ],
            count,
            url("governance-home", query="?status=submitted"),
        )
    )
    mine = action_board(membership=membership).filter(
        owner_id=user_id, status__in=("open", "in_progress"), due_date__lt=today
    )
    rows, count = _take(mine)
    sections.append(
        InboxSection(
            "actions",
            "Your overdue action items",
            [
                InboxItem(
                    a.title,
                    url("partnership-qbrs", a.partnership_id),
                    a.partnership.name,
                    a.due_date,
                    True,
                )
                for a in rows
            ],
            count,
            url("performance-actions"),
        )
    )
    if membership.is_guest:
        return [s for s in sections if s.count]

    if membership.role in LEGAL_REVIEWERS:
        reviews = agreement_list(membership=membership).filter(status="in_legal_review")
        rows, count = _take(reviews)
        sections.append(
            InboxSection(
                "reviews",
                "Agreements in legal review",
                [
                    InboxItem(
                        a.title,
                        url("agreement-review", a.pk),
                        f"{a.partnership.name} · {a.undecided_count} clause(s) undecided",
                    )
                    for a in rows
                ],
                count,
                url("agreement-list", query="?status=in_legal_review"),
            )
        )
    obligations = obligation_list(membership=membership).filter(
        Q(owner_id=user_id) | Q(owner__isnull=True, agreement__partnership__owner_id=user_id),
        status="open",
        due_date__lt=today,
    )
    rows, count = _take(obligations)
    sections.append(
        InboxSection(
            "obligations",
            "Overdue obligations",
            [
                InboxItem(
                    o.title,
                    url("agreement-detail", o.agreement_id),
                    o.agreement.partnership.name,
                    o.due_date,
                    True,
                )
                for o in rows
            ],
            count,
            url("obligation-list"),
        )
    )
    horizon = today + timedelta(days=HORIZON_DAYS)
    deadlines = agreement_deadlines(
        membership=membership, today=today, until=horizon, owner_id=user_id
    )
    sections.append(
        InboxSection(
            "deadlines",
            f"Renewals and notice deadlines in the next {HORIZON_DAYS} days",
            [
                InboxItem(
                    f"{m.label}: {m.agreement.title}",
                    url("agreement-detail", m.agreement.pk),
                    m.agreement.partnership.name,
                    m.on,
                    # The window starts today: a deadline in it is still to come (a notice
                    # deadline was shown "overdue since" the day it is due).
                    m.on < today,
                )
                for m in deadlines[:SHOWN]
            ],
            len(deadlines),
            url("agreement-list", query=f"?expiring_before={horizon.isoformat()}"),
        )
    )
    breaches = open_breaches_owned_by(membership=membership, user_id=user_id)
    rows, count = _take(breaches)
    sections.append(
        InboxSection(
            "breaches",
            "Open SLA breaches",
            [
                InboxItem(
                    f"{b.sla.name} in {b.period_start:%b %Y}",
                    url("partnership-performance", b.partnership_id),
                    b.partnership.name,
                    b.remediation_due,
                    bool(b.remediation_due and b.remediation_due < today),
                )
                for b in rows
            ],
            count,
            url("performance-slas"),
        )
    )
    reviews = (
        DueDiligenceItem.objects.filter(reviewer_id=user_id)
        .exclude(status__in=(*DueDiligenceItem.SETTLED_STATUSES, DueDiligenceItem.Status.FAILED))
        .select_related("partnership")
        .order_by("created_at", "pk")
    )
    rows, count = _take(reviews)
    sections.append(
        InboxSection(
            "due_diligence",
            "Due-diligence items to review",
            [
                InboxItem(
                    i.title,
                    url("partnership-due-diligence", i.partnership_id),
                    f"{i.partnership.name} · {i.get_area_display()}",
                )
                for i in rows
            ],
            count,
        )
    )
    escalations = (
        OnboardingEscalation.objects.filter(owner_id=user_id, status="open")
        .select_related("partnership")
        .order_by("deadline", "pk")
    )
    rows, count = _take(escalations)
    sections.append(
        InboxSection(
            "escalations",
            "Onboarding escalations you own",
            [
                InboxItem(
                    e.summary,
                    url("partnership-onboarding", e.partnership_id),
                    e.partnership.name,
                    e.deadline,
                    e.deadline < today,
                )
                for e in rows
            ],
            count,
        )
    )
    conflicts = exclusivity_conflicts(membership=membership)
    sections.append(
        InboxSection(
            "exclusivity",
            "Exclusivity conflicts",
            [
                InboxItem(
                    f"{c.first.partnership.name} ↔ {c.second.partnership.name}",
                    url("partnership-strategy", c.first.partnership_id),
                    f"{', '.join(c.categories)} in {', '.join(c.regions)}",
                )
                for c in conflicts[:SHOWN]
            ],
            len(conflicts),
        )
    )
    return [s for s in sections if s.count]
