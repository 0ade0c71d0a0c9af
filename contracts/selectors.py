"""Reads of the contracts module. Lists join what they show (no query per row)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from contracts import dates
from contracts.models import (
    Agreement,
    AgreementUserObjectPermission,
    Clause,
    ClauseComment,
    IntakeJob,
    Obligation,
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import Deviation, agreement_deviations
from tenancy.models import AuditEvent, Membership, User
from tenancy.permissions import restrict_for_guest


def agreement_list(*, membership: Membership) -> QuerySet[Agreement]:
    queryset = (
        Agreement.objects.select_related("partnership__partner", "owner", "parent", "amends")
        .annotate(
            clause_count=Count("clauses", distinct=True),
            undecided_count=Count(
                "clauses", filter=Q(clauses__decision=Clause.Decision.PENDING), distinct=True
            ),
        )
        .order_by("partnership__name", "parent_id", "effective_date", "pk")
    )
    return restrict_for_guest(queryset, membership, "partnership")


def clause_list(*, membership: Membership) -> QuerySet[Clause]:
    queryset = Clause.objects.select_related("agreement", "decided_by").order_by(
        "agreement_id", "order", "pk"
    )
    return restrict_for_guest(queryset, membership, "agreement__partnership")


def clause_comments(*, membership: Membership) -> QuerySet[ClauseComment]:
    queryset = ClauseComment.objects.select_related("author", "clause").order_by("created_at")
    return restrict_for_guest(queryset, membership, "clause__agreement__partnership")


def obligation_list(*, membership: Membership) -> QuerySet[Obligation]:
    queryset = Obligation.objects.select_related(
        "agreement__partnership", "owner", "clause"
    ).order_by("due_date", "pk")
    return restrict_for_guest(queryset, membership, "agreement__partnership")


def playbook_entries() -> QuerySet[PlaybookClause]:
    return PlaybookClause.objects.prefetch_related(
        Prefetch("rules", queryset=PlaybookRule.objects.order_by("pk"))
    ).order_by("clause_type")


def playbook_rules() -> QuerySet[PlaybookRule]:
    return PlaybookRule.objects.select_related("playbook_clause").order_by("pk")


def playbook_map() -> dict[str, PlaybookClause]:
    """{clause type: playbook entry with its rules}, two queries whatever the size."""
    return {entry.clause_type: entry for entry in playbook_entries()}


def deviations_for(agreement: Agreement, clauses=None, playbook=None) -> list[Deviation]:
    clauses = list(agreement.clauses.all()) if clauses is None else clauses
    return agreement_deviations(
        agreement, clauses, playbook_map() if playbook is None else playbook
    )


def deviations_for_many(agreements) -> dict[int, list[Deviation]]:
    """Deviations of several agreements (clauses prefetched by the caller), playbook read once."""
    playbook = playbook_map()
    return {a.pk: agreement_deviations(a, list(a.clauses.all()), playbook) for a in agreements}


def agreement_reviewers(agreement: Agreement) -> list[User]:
    return [
        perm.user
        for perm in AgreementUserObjectPermission.objects.filter(
            content_object=agreement, permission__codename="review_agreement"
        ).select_related("user")
    ]


def reviewers_by_agreement(agreement_ids) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    for perm in AgreementUserObjectPermission.objects.filter(
        content_object_id__in=list(agreement_ids), permission__codename="review_agreement"
    ).select_related("user"):
        found.setdefault(perm.content_object_id, []).append(perm.user)
    return found


def review_queue(*, membership: Membership) -> list[Agreement]:
    """Agreements waiting for legal, with their reviewers and open red lines (fixed queries)."""
    agreements = list(
        agreement_list(membership=membership)
        .filter(status=Agreement.Status.IN_LEGAL_REVIEW)
        .prefetch_related("clauses")
    )
    reviewers = reviewers_by_agreement(a.pk for a in agreements)
    deviations = deviations_for_many(agreements)
    for agreement in agreements:
        agreement.reviewers = reviewers.get(agreement.pk, [])  # type: ignore[attr-defined]
        agreement.open_red_lines = sum(  # type: ignore[attr-defined]
            1 for d in deviations[agreement.pk] if d.is_red_line and d.is_open
        )
    return agreements


def agreement_for_detail(*, membership: Membership) -> QuerySet[Agreement]:
    return agreement_list(membership=membership).prefetch_related(
        Prefetch(
            "clauses",
            queryset=Clause.objects.select_related("decided_by").prefetch_related(
                Prefetch("comments", queryset=ClauseComment.objects.select_related("author")),
                "versions",
            ),
        ),
        Prefetch("children", queryset=Agreement.objects.order_by("effective_date", "pk")),
        Prefetch("amendments", queryset=Agreement.objects.order_by("effective_date", "pk")),
        Prefetch(
            "obligations", queryset=Obligation.objects.select_related("owner").order_by("due_date")
        ),
    )


@dataclass
class ClauseInForce:
    clause: Clause
    source: Agreement
    amended: bool = False


def terms_in_force(agreement: Agreement, *, on: date) -> list[ClauseInForce]:
    """The clauses in force on `on`: the agreement's own, replaced clause type by clause type by
    executed amendments effective on or before that date (the latest amendment wins)."""
    amendments = [
        a
        for a in agreement.amendments.filter(
            status__in=[Agreement.Status.EXECUTED, Agreement.Status.EXPIRED]
        )
        .prefetch_related("clauses")
        .order_by("effective_date", "pk")
        if a.effective_date is None or a.effective_date <= on
    ]
    in_force = {
        c.clause_type: ClauseInForce(c, agreement)
        for c in agreement.clauses.all()
        if c.decision != Clause.Decision.REJECTED
    }
    order = [c.clause_type for c in agreement.clauses.all()]
    for amendment in amendments:
        for clause in amendment.clauses.all():
            if clause.decision == Clause.Decision.REJECTED:
                continue
            if clause.clause_type not in in_force:
                order.append(clause.clause_type)
            in_force[clause.clause_type] = ClauseInForce(clause, amendment, amended=True)
    seen, result = set(), []
    for code in order:
        if code in in_force and code not in seen:
            seen.add(code)
            result.append(in_force[code])
    return result


@dataclass
class Milestone:
    on: date
    label: str
    kind: str  # "effective" | "expiry" | "renewal" | "notice" | "obligation"
    agreement: Agreement
    extra: dict = field(default_factory=dict)


def agreement_milestones(agreement: Agreement, *, today: date) -> list[Milestone]:
    found = []
    if agreement.effective_date:
        found.append(Milestone(agreement.effective_date, "Effective", "effective", agreement))
    term = dates.term_dates(
        term_type=agreement.term_type,
        expiry_date=agreement.expiry_date,
        renewal_period_months=agreement.renewal_period_months,
        notice_period_days=agreement.notice_period_days,
        today=today,
    )
    if term.term_end:
        if term.will_renew:
            label = "Renews" if term.renewals_before == 0 else "Renews (renewed term ends)"
            found.append(Milestone(term.term_end, label, "renewal", agreement))
        else:
            found.append(Milestone(term.term_end, "Expires", "expiry", agreement))
    if term.notice_deadline and agreement.notice_period_days:
        found.append(
            Milestone(
                term.notice_deadline,
                "Last day to give notice" + (" of non-renewal" if term.will_renew else ""),
                "notice",
                agreement,
            )
        )
    return sorted(found, key=lambda m: m.on)


def contract_calendar(*, today: date, membership: Membership | None = None) -> list[Milestone]:
    """Dates of every live agreement and open obligation, for the iCal feed and the landing page."""
    agreements = Agreement.objects.select_related("partnership").exclude(
        status__in=[Agreement.Status.EXPIRED, Agreement.Status.TERMINATED]
    )
    obligations = Obligation.objects.select_related("agreement__partnership").filter(
        status=Obligation.Status.OPEN, due_date__isnull=False
    )
    if membership is not None:
        agreements = restrict_for_guest(agreements, membership, "partnership")
        obligations = restrict_for_guest(obligations, membership, "agreement__partnership")
    found = []
    for agreement in agreements:
        found.extend(agreement_milestones(agreement, today=today))
    for obligation in obligations:
        found.append(
            Milestone(
                obligation.due_date,
                f"Obligation due: {obligation.title}",
                "obligation",
                obligation.agreement,
                {"obligation": obligation},
            )
        )
    return sorted(found, key=lambda m: (m.on, m.agreement.pk))


def agreement_timeline(agreement: Agreement) -> list[AuditEvent]:
    clause_ids = [str(c.pk) for c in agreement.clauses.all()]
    return list(
        AuditEvent.objects.filter(
            Q(object_type="contracts.agreement", object_id=str(agreement.pk))
            | Q(object_type="contracts.clause", object_id__in=clause_ids)
        )
        .select_related("actor")
        .order_by("-sequence")[:100]
    )


def members_with_roles(*roles: str) -> list[User]:
    from tenancy.context import require_organization

    return [
        m.user
        for m in Membership.objects.filter(
            organization=require_organization(), role__in=roles, is_active=True
        ).select_related("user")
    ]


def intake_jobs() -> QuerySet[IntakeJob]:
    return IntakeJob.objects.select_related("partnership", "agreement", "uploaded_by").defer(
        "content"
    )
