"""Reads of the contracts module. Lists join what they show (no query per row)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from contracts import dates
from contracts.detection.taxonomy import BY_CODE
from contracts.models import (
    AGREEMENT_STATUSES_SHOWN,
    IN_NEGOTIATION,
    Agreement,
    AgreementUserObjectPermission,
    Clause,
    ClauseComment,
    ClauseVersion,
    IntakeJob,
    Obligation,
    ObligationFulfilment,
    PlaybookClause,
    PlaybookRule,
)
from contracts.playbook import Deviation, agreement_deviations
from tenancy.audit import action_label
from tenancy.models import AuditEvent, Membership, User
from tenancy.permissions import restrict_for_guest


def for_member(queryset: QuerySet, membership: Membership, agreement_path: str) -> QuerySet:
    """What a member may list: everything; a guest, their partnerships' agreements that left
    the buyer's draft (a draft is internal until it is sent for review)."""
    prefix = f"{agreement_path}__" if agreement_path else ""
    queryset = restrict_for_guest(queryset, membership, f"{prefix}partnership")
    if membership is not None and membership.is_guest:
        queryset = queryset.exclude(**{f"{prefix}status": Agreement.Status.DRAFT})
    return queryset


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
    return for_member(queryset, membership, "")


def agreement_search(
    *, membership: Membership, text: str, partnership_id: int | None = None
) -> QuerySet[Agreement]:
    """Agreements the member sees whose title or reference contains `text` (the searchable
    picker's matches), optionally of one partnership; by title."""
    queryset = Agreement.objects.select_related("partnership").order_by("title", "pk")
    text = text.strip()
    if text:
        queryset = queryset.filter(Q(title__icontains=text) | Q(reference__icontains=text))
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return for_member(queryset, membership, "")


def clause_list(*, membership: Membership) -> QuerySet[Clause]:
    queryset = Clause.objects.select_related("agreement", "decided_by").order_by(
        "agreement_id", "order", "pk"
    )
    return for_member(queryset, membership, "agreement")


# --- what a partner guest sees -------------------------------------------------------------
# A guest is the supplier's employee: the agreement text and what was shared with the partner
# (redlines proposed to them, shared comments, their own), never the buyer's playbook
# positions, deviations, risk ratings, review state or internal comments. Pages and the API
# ask these selectors, so the rule lives here once.


def sees_internal(membership: Membership | None) -> bool:
    """Whether the member sees the buyer's internal review (playbook, deviations, comments)."""
    return membership is not None and not membership.is_guest


# The buyer's legal review and its approval are its own (DESIGN.md: a guest never sees review
# state): to the supplier's guest an agreement under either reads "In negotiation". Drafts are
# not shown to guests at all (`for_member`); executed, expired and terminated are facts of both.
UNDER_REVIEW = (Agreement.Status.IN_LEGAL_REVIEW, Agreement.Status.APPROVED)
_SHOWN_LABELS = dict(AGREEMENT_STATUSES_SHOWN)


def status_shown(status: str, membership: Membership | None) -> tuple[str, str]:
    """(value, label) of an agreement's status as `membership` may read it."""
    if status in UNDER_REVIEW and not sees_internal(membership):
        status = IN_NEGOTIATION
    return status, _SHOWN_LABELS[status]


def status_choices(membership: Membership | None) -> list[tuple[str, str]]:
    """The statuses `membership` can filter agreements by, in lifecycle order."""
    if sees_internal(membership):
        return list(Agreement.Status.choices)
    hidden = (Agreement.Status.DRAFT, *UNDER_REVIEW)
    shown = [(v, label) for v, label in Agreement.Status.choices if v not in hidden]
    return [(IN_NEGOTIATION, _SHOWN_LABELS[IN_NEGOTIATION]), *shown]


def filter_by_status(queryset: QuerySet, status: str, membership: Membership | None) -> QuerySet:
    """Agreements in `status` (as shown): "in negotiation" is both review statuses, and a guest
    asking for either review status by hand gets both, so the filter cannot tell them apart. An
    unknown value filters nothing."""
    if status == IN_NEGOTIATION or (status in UNDER_REVIEW and not sees_internal(membership)):
        return queryset.filter(status__in=UNDER_REVIEW)
    if status in Agreement.Status.values:
        return queryset.filter(status=status)
    return queryset


def visible_comments(membership: Membership | None) -> QuerySet[ClauseComment]:
    queryset = ClauseComment.objects.select_related("author")
    if not sees_internal(membership):
        queryset = queryset.filter(visibility=ClauseComment.Visibility.SHARED)
    return queryset


def clause_comments(*, membership: Membership) -> QuerySet[ClauseComment]:
    queryset = (
        visible_comments(membership).select_related("author", "clause").order_by("created_at")
    )
    return for_member(queryset, membership, "clause__agreement")


GUEST_VERSION_KINDS = (
    ClauseVersion.Kind.ORIGINAL,
    ClauseVersion.Kind.DETECTED,
    ClauseVersion.Kind.REDLINE,
)


def clause_versions(*, clause: Clause, membership: Membership | None) -> list[ClauseVersion]:
    """The clause's versions; a guest sees the wording as received and the redlines sent to
    them, without the buyer's notes."""
    versions = list(
        ClauseVersion.objects.filter(clause=clause).select_related("author").order_by("number")
    )
    if sees_internal(membership):
        return versions
    shown = [v for v in versions if v.kind in GUEST_VERSION_KINDS]
    for version in shown:
        version.note = ""
    return shown


# Clause fields that are the buyer's review (risk comes from the playbook).
GUEST_HIDDEN_CLAUSE_FIELDS = (
    "risk",
    "decided_by",
    "decided_at",
    "proposal",
    "detection",
    "deviations",
    "red_line_waiver",
)


def decision_for_guest(clause: Clause) -> str:
    """What a guest learns of the review: only that a redline was proposed to them."""
    if clause.decision == Clause.Decision.REDLINE:
        return Clause.Decision.REDLINE
    return Clause.Decision.PENDING


def playbook_for(membership: Membership | None) -> dict[str, PlaybookClause]:
    """The playbook as this member may use it: empty for a guest."""
    return playbook_map() if sees_internal(membership) else {}


def deviations_visible(agreement: Agreement, *, membership: Membership | None) -> list[Deviation]:
    if not sees_internal(membership):
        return []
    return deviations_for(agreement)


@dataclass
class ClauseRow:
    clause: Clause
    label: str
    deviations: list = field(default_factory=list)
    red_line: bool = False
    playbook: PlaybookClause | None = None
    threads: list = field(default_factory=list)
    comment_count: int = 0

    @property
    def redline_for_partner(self) -> bool:
        return self.clause.decision == Clause.Decision.REDLINE


@dataclass
class ReviewView:
    rows: list[ClauseRow]
    deviations: list[Deviation]
    missing: list[Deviation]
    internal: bool

    @property
    def open_red_lines(self) -> list[Deviation]:
        return [d for d in self.deviations if d.is_red_line and d.is_open]


def review_view(*, agreement: Agreement, membership: Membership | None, clauses=None) -> ReviewView:
    """The clauses of an agreement as this member may see them, with deviations, playbook
    positions and comment threads (clauses and comments prefetched by `agreement_for_detail`).
    A guest gets rows without deviations, playbook or internal comments."""
    clauses = list(agreement.clauses.all()) if clauses is None else clauses
    internal = sees_internal(membership)
    playbook = playbook_for(membership)
    deviations = deviations_for(agreement, clauses, playbook) if internal else []
    by_clause: dict = {}
    for d in deviations:
        by_clause.setdefault(d.clause_id, []).append(d)
    rows = []
    for clause in clauses:
        comments = [
            c
            for c in clause.comments.all()
            if internal or c.visibility == ClauseComment.Visibility.SHARED
        ]
        replies: dict = {}
        for c in comments:
            if c.parent_id:
                replies.setdefault(c.parent_id, []).append(c)
        threads = [c for c in comments if c.parent_id is None]
        for c in threads:
            c.reply_list = replies.get(c.pk, [])
        found = by_clause.get(clause.pk, [])
        rows.append(
            ClauseRow(
                clause=clause,
                label=BY_CODE[clause.clause_type].label,
                deviations=found,
                red_line=any(d.is_red_line and d.is_open for d in found),
                playbook=playbook.get(clause.clause_type),
                threads=threads,
                comment_count=len(comments),
            )
        )
    return ReviewView(
        rows=rows, deviations=deviations, missing=by_clause.get(None, []), internal=internal
    )


def obligation_list(*, membership: Membership) -> QuerySet[Obligation]:
    queryset = Obligation.objects.select_related(
        "agreement__partnership", "owner", "clause", "waived_by"
    ).order_by("due_date", "pk")
    return for_member(queryset, membership, "agreement")


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
    """Agreements waiting for legal, with their reviewers and open red lines (fixed queries).
    The queue is the buyer's internal work: a guest has none."""
    if not sees_internal(membership):
        return []
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


def agreement_status_counts(*, membership: Membership) -> dict[str, int]:
    """{status as shown: number of agreements}, one row per agreement (no join to multiply
    them); a guest's keys are `status_choices` (no draft, the review statuses as one)."""
    queryset = for_member(Agreement.objects.all(), membership, "")
    counts = dict.fromkeys(Agreement.Status.values, 0)
    counts.update(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    if sees_internal(membership):
        return counts
    shown = {value: 0 for value, _ in status_choices(membership)}
    for status, n in counts.items():
        value, _ = status_shown(status, membership)
        if value in shown:
            shown[value] += n
    return shown


def agreement_for_detail(*, membership: Membership) -> QuerySet[Agreement]:
    return agreement_list(membership=membership).prefetch_related(
        Prefetch(
            "clauses",
            queryset=Clause.objects.select_related("decided_by").prefetch_related(
                Prefetch("comments", queryset=visible_comments(membership)),
                "versions",
            ),
        ),
        Prefetch("children", queryset=Agreement.objects.order_by("effective_date", "pk")),
        Prefetch("amendments", queryset=Agreement.objects.order_by("effective_date", "pk")),
        Prefetch(
            "obligations", queryset=Obligation.objects.select_related("owner").order_by("due_date")
        ),
    )


def obligation_fulfilments(obligation: Obligation) -> QuerySet[ObligationFulfilment]:
    return ObligationFulfilment.objects.filter(obligation=obligation).select_related("fulfilled_by")


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


def agreement_deadlines(
    *, membership: Membership, today: date, until: date, owner_id: int | None = None
) -> list[Milestone]:
    """Renewals, expiries and notice deadlines from `today` to `until`, soonest first, of the
    live agreements the member sees (with `owner_id`: those that person owns, or whose
    partnership they own). An auto-renewing agreement whose first term ended long ago still
    renews, so it is read whatever its expiry date; one query of the columns the dates need."""
    queryset = (
        Agreement.objects.select_related("partnership")
        .only(
            "title",
            "term_type",
            "effective_date",
            "expiry_date",
            "renewal_period_months",
            "notice_period_days",
            "partnership__name",
        )  # fmt: skip
        .exclude(status__in=("expired", "terminated", "draft"))
        .exclude(term_type=Agreement.TermType.PERPETUAL)
        .filter(expiry_date__isnull=False)
        .filter(
            Q(expiry_date__gte=today)
            | Q(term_type=Agreement.TermType.AUTO_RENEWING, renewal_period_months__gt=0)
        )
        .order_by("pk")
    )
    if owner_id is not None:
        queryset = queryset.filter(Q(owner_id=owner_id) | Q(partnership__owner_id=owner_id))
    found = (
        milestone
        for agreement in for_member(queryset, membership, "")
        for milestone in agreement_milestones(agreement, today=today)
        if milestone.kind in ("renewal", "notice", "expiry") and today <= milestone.on <= until
    )
    return sorted(found, key=lambda m: (m.on, m.agreement.pk))


def contract_calendar(*, today: date, membership: Membership | None = None) -> list[Milestone]:
    """Dates of every live agreement and open obligation, for the iCal feed and the landing page."""
    agreements = Agreement.objects.select_related("partnership").exclude(
        status__in=[Agreement.Status.EXPIRED, Agreement.Status.TERMINATED]
    )
    obligations = Obligation.objects.select_related("agreement__partnership").filter(
        status=Obligation.Status.OPEN, due_date__isnull=False
    )
    if membership is not None:
        agreements = for_member(agreements, membership, "")
        obligations = for_member(obligations, membership, "agreement")
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


# The agreement timeline's wording (registered with tenancy.audit in ContractsConfig.ready).
ACTION_LABELS = {
    "contracts.agreement.created": "Agreement created",
    "contracts.agreement.updated": "Agreement edited",
    "contracts.agreement.in_legal_review": "Sent to legal review",
    "contracts.agreement.draft": "Sent back to draft",
    "contracts.agreement.approved": "Approved",
    "contracts.agreement.executed": "Marked executed",
    "contracts.agreement.expired": "Marked expired",
    "contracts.agreement.terminated": "Terminated",
    "contracts.agreement.reviewer_assigned": "Reviewer assigned",
    "contracts.agreement.reviewer_removed": "Reviewer removed",
    "contracts.agreement.amendment_started": "Amendment started",
    "contracts.clause.created": "Clause added",
    "contracts.clause.updated": "Clause edited",
    "contracts.clause.deleted": "Clause removed",
    "contracts.clause.accepted": "Clause accepted",
    "contracts.clause.redline": "Redline proposed",
    "contracts.clause.rejected": "Clause rejected",
    "contracts.clause.redline_agreed": "Redline agreed by the partner",
    "contracts.clause.commented": "Comment",
    "contracts.clause.corrected": "Detection corrected",
    "contracts.clause.proposal_confirmed": "Detection confirmed",
}


def agreement_timeline(agreement: Agreement) -> list[AuditEvent]:
    events = _agreement_events(agreement)
    for event in events:
        event.label = action_label(event.action)  # type: ignore[attr-defined]
    return events


def _agreement_events(agreement: Agreement) -> list[AuditEvent]:
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


def governing_agreements(*, partnership_id: int) -> list[Agreement]:
    """The partnership's executed (or terminated) MSA and JV agreements: the ones whose end ends
    the partnership (exit planning)."""
    return list(
        Agreement.objects.filter(
            partnership_id=partnership_id,
            agreement_type__in=[Agreement.Type.MSA, Agreement.Type.JV],
            status__in=[Agreement.Status.EXECUTED, Agreement.Status.TERMINATED],
        ).order_by("pk")
    )
