"""Reads of the partnerships module."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from partnerships import sourcing
from partnerships.models import (
    DueDiligenceItem,
    Exclusivity,
    JointIp,
    JointObjective,
    OnboardingEscalation,
    OnboardingMilestone,
    Partner,
    Partnership,
    SelectionCriterion,
    SourcingCandidate,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
    TcoEstimate,
)
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest

# Partnerships whose annual value counts in the portfolio total.
LIVE_STATUSES = (
    Partnership.Status.NEGOTIATING,
    Partnership.Status.ACTIVE,
    Partnership.Status.UNDER_REVIEW,
    Partnership.Status.EXITING,
)


def partnership_portfolio(*, membership: Membership) -> QuerySet[Partnership]:
    """The partnerships this member may see, with partner and owner joined (one query)."""
    queryset = Partnership.objects.select_related("partner", "owner").order_by("name")
    return restrict_for_guest(queryset, membership, "")


def partner_list(*, membership: Membership) -> QuerySet[Partner]:
    queryset = Partner.objects.order_by("name")
    if membership.is_guest:
        visible = partnership_portfolio(membership=membership).values("partner_id")
        queryset = queryset.filter(pk__in=visible)
    return queryset


def partnership_portfolio_summary(*, membership: Membership) -> dict:
    """Counts by status and annual value by currency, aggregated in SQL (two queries)."""
    portfolio = partnership_portfolio(membership=membership).order_by()
    by_status = dict(portfolio.values_list("status").annotate(n=Count("pk")))
    value_by_currency = list(
        portfolio.filter(annual_value__isnull=False, status__in=LIVE_STATUSES)
        .values("currency")
        .annotate(total=Sum("annual_value"))
        .order_by("-total")
    )
    return {
        "total": sum(by_status.values()),
        "active": by_status.get(Partnership.Status.ACTIVE, 0),
        "in_pipeline": sum(
            by_status.get(s, 0)
            for s in (
                Partnership.Status.PROPOSED,
                Partnership.Status.DUE_DILIGENCE,
                Partnership.Status.NEGOTIATING,
            )
        ),
        "attention": by_status.get(Partnership.Status.UNDER_REVIEW, 0)
        + by_status.get(Partnership.Status.EXITING, 0),
        "value_by_currency": value_by_currency,
    }


def partnership_search(queryset: QuerySet[Partnership], text: str) -> QuerySet[Partnership]:
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(name__icontains=text) | Q(code__icontains=text) | Q(partner__name__icontains=text)
    )


# --- Partners ------------------------------------------------------------------------------------


def partner_list_annotated(*, membership: Membership) -> QuerySet[Partner]:
    """Partners with their partnership count and expired-certificate count (one query)."""
    return partner_list(membership=membership).annotate(
        partnership_count=Count("partnerships", distinct=True),
    )


def partner_for_detail(*, membership: Membership) -> QuerySet[Partner]:
    return partner_list(membership=membership).prefetch_related(
        "contacts",
        "financials",
        "certifications",
        Prefetch("sub_tier_links", queryset=SubTierLink.objects.select_related("supplier")),
        Prefetch(
            "partnerships",
            queryset=restrict_for_guest(Partnership.objects.order_by("name"), membership, ""),
        ),
    )


@dataclass(frozen=True)
class SupplyGraph:
    nodes: dict[int, Partner]
    edges: list[SubTierLink]  # (partner -> supplier), tier by tier
    depth_of: dict[int, int]

    def rows(self) -> list[dict]:
        """Edges with their tier (2 = the partner's direct suppliers) and buyer, for tables."""
        return [
            {
                "tier": self.depth_of[edge.partner_id] + 2,
                "buyer": self.nodes[edge.partner_id],
                "edge": edge,
            }
            for edge in self.edges
        ]


def supply_graph(partner: Partner, *, max_depth: int = 4) -> SupplyGraph:
    """The partner's sub-tier suppliers, breadth first (one query per tier); cycles stop."""
    nodes = {partner.pk: partner}
    depth_of = {partner.pk: 0}
    edges: list[SubTierLink] = []
    frontier = [partner.pk]
    for depth in range(1, max_depth + 1):
        if not frontier:
            break
        links = list(
            SubTierLink.objects.filter(partner_id__in=frontier)
            .select_related("supplier")
            .order_by("partner_id", "supplier__name")
        )
        frontier = []
        for link in links:
            edges.append(link)
            if link.supplier_id not in nodes:
                nodes[link.supplier_id] = link.supplier
                depth_of[link.supplier_id] = depth
                frontier.append(link.supplier_id)
    return SupplyGraph(nodes, edges, depth_of)


# --- Due diligence and onboarding ----------------------------------------------------------------


def due_diligence_items(partnership: Partnership) -> list[DueDiligenceItem]:
    return list(
        DueDiligenceItem.objects.filter(partnership=partnership)
        .select_related("reviewer")
        .order_by("area", "pk")
    )


def onboarding_for(partnership: Partnership) -> dict:
    return {
        "milestones": list(OnboardingMilestone.objects.filter(partnership=partnership)),
        "escalations": list(
            OnboardingEscalation.objects.filter(partnership=partnership)
            .select_related("owner", "item", "milestone")
            .order_by("status", "deadline", "pk")
        ),
    }


# --- Sourcing cases ------------------------------------------------------------------------------


def sourcing_case_list(*, membership: Membership) -> QuerySet[SourcingCase]:
    """Internal to the buyer: a guest sees none."""
    queryset = SourcingCase.objects.select_related(
        "owner", "chosen_candidate__partner", "partnership"
    ).annotate(candidate_count=Count("candidates", distinct=True))
    if membership.is_guest:
        return queryset.none()
    return queryset.order_by("status", "-created_at", "pk")


@dataclass(frozen=True)
class CandidateView:
    candidate: SourcingCandidate
    fit: sourcing.Fit
    tco: sourcing.Tco | None


@dataclass(frozen=True)
class CaseAnalysis:
    case: SourcingCase
    criteria: list[SelectionCriterion]
    weights_total: Decimal
    transactional: sourcing.Tco | None
    strategic: sourcing.Tco | None
    estimates: dict[str, TcoEstimate]
    recommendation: sourcing.Recommendation | None
    quadrant: tuple[str, str]
    candidates: list[CandidateView]

    @property
    def quadrant_label(self) -> str:
        return self.quadrant[1]


def _costs(estimate: TcoEstimate) -> sourcing.CostInputs:
    return sourcing.CostInputs(
        acquisition=estimate.acquisition_cost,
        operating=estimate.operating_cost,
        transaction=estimate.transaction_cost,
        risk=estimate.risk_cost,
        switching=estimate.switching_cost,
    )


def sourcing_case_analysis(case: SourcingCase) -> CaseAnalysis:
    """TCO of both models, the Kraljic position and recommendation, and each candidate's fit and
    TCO (four queries whatever the number of candidates)."""
    criteria = list(case.criteria.order_by("pk"))
    estimates = list(TcoEstimate.objects.filter(case=case))
    candidates = list(
        case.candidates.select_related("partner").prefetch_related("scores").order_by("pk")
    )
    years, rate = case.horizon_years, case.discount_rate

    def tco_of(estimate):
        if estimate is None:
            return None
        return sourcing.tco(_costs(estimate), years=years, discount_rate_percent=rate)

    by_model = {e.model: e for e in estimates if e.candidate_id is None}
    by_candidate = {e.candidate_id: e for e in estimates if e.candidate_id is not None}
    transactional = tco_of(by_model.get(SourcingCase.Model.TRANSACTIONAL))
    strategic = tco_of(by_model.get(SourcingCase.Model.STRATEGIC))
    recommendation = None
    if transactional is not None and strategic is not None:
        recommendation = sourcing.recommend(
            transactional_npv=transactional.npv,
            strategic_npv=strategic.npv,
            profit_impact=case.profit_impact,
            supply_risk=case.supply_risk,
        )
    views = []
    for candidate in candidates:
        scores = {s.criterion_id: s.score for s in candidate.scores.all()}
        fit = sourcing.fit_score([(c.name, c.weight, scores.get(c.pk)) for c in criteria])
        views.append(CandidateView(candidate, fit, tco_of(by_candidate.get(candidate.pk))))
    return CaseAnalysis(
        case=case,
        criteria=criteria,
        weights_total=sum((c.weight for c in criteria), Decimal("0")),
        transactional=transactional,
        strategic=strategic,
        estimates=by_model,
        recommendation=recommendation,
        quadrant=sourcing.kraljic(profit_impact=case.profit_impact, supply_risk=case.supply_risk),
        candidates=views,
    )


# --- Stakeholders, exclusivity, joint IP --------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveRow:
    objective: StakeholderObjective
    conflicts: list[StakeholderObjective]
    ownerless: bool


def stakeholder_map(partnership: Partnership) -> dict:
    """Stakeholders by function, and objectives flagged when they conflict or have no owner."""
    stakeholders = list(Stakeholder.objects.filter(partnership=partnership))
    objectives = list(
        StakeholderObjective.objects.filter(partnership=partnership).select_related(
            "owner", "conflicts_with"
        )
    )
    conflicts: dict[int, list[StakeholderObjective]] = {o.pk: [] for o in objectives}
    by_id = {o.pk: o for o in objectives}
    for objective in objectives:
        if objective.conflicts_with_id in by_id:
            conflicts[objective.pk].append(by_id[objective.conflicts_with_id])
            conflicts[objective.conflicts_with_id].append(objective)
    rows = [ObjectiveRow(o, conflicts[o.pk], o.owner_id is None) for o in objectives]
    return {
        "stakeholders": stakeholders,
        "objectives": rows,
        "conflicting": [r for r in rows if r.conflicts],
        "ownerless": [r for r in rows if r.ownerless],
        "joint_objectives": list(
            JointObjective.objects.filter(partnership=partnership).select_related(
                "kpi", "internal_objective"
            )
        ),
    }


@dataclass(frozen=True)
class ExclusivityConflict:
    first: Exclusivity
    second: Exclusivity
    categories: list[str]
    regions: list[str]
    overlap_start: date
    overlap_end: date

    def involves(self, partnership_id: int) -> bool:
        return partnership_id in (self.first.partnership_id, self.second.partnership_id)

    def other(self, partnership_id: int) -> Exclusivity:
        return self.second if self.first.partnership_id == partnership_id else self.first


def _folded(values) -> dict[str, str]:
    return {v.casefold(): v for v in values}


def exclusivity_conflicts(
    *, membership: Membership, partnership: Partnership | None = None
) -> list[ExclusivityConflict]:
    """Pairs of exclusivities of two different live partnerships that overlap in category,
    region and term, compared case-insensitively (one query; the SQL keeps only scopes whose
    term overlaps another partnership's, the categories and regions are compared here)."""
    if membership.is_guest:
        return []
    live = Exclusivity.objects.exclude(partnership__status=Partnership.Status.CLOSED)
    rivals = live.filter(
        start_date__lte=OuterRef("end_date"),
        end_date__gte=OuterRef("start_date"),
    ).exclude(partnership=OuterRef("partnership"))
    candidates = live.filter(Exists(rivals)).select_related("partnership__partner")
    if partnership is not None:
        candidates = live.filter(Q(partnership=partnership) | Q(Exists(rivals))).select_related(
            "partnership__partner"
        )
    rows = list(candidates.order_by("pk"))
    folded = [(_folded(row.categories), _folded(row.regions)) for row in rows]
    # Only scopes sharing a category can conflict: compare within each category's bucket
    # rather than every pair of the portfolio.
    sharing: dict[str, list[int]] = defaultdict(list)
    for index, (folded_categories, _) in enumerate(folded):
        for key in folded_categories:
            sharing[key].append(index)
    pairs = {(a, b) for bucket in sharing.values() for a in bucket for b in bucket if a < b}
    found = []
    for a, b in sorted(pairs):
        first, second = rows[a], rows[b]
        if first.partnership_id == second.partnership_id:
            continue
        (cats_a, regions_a), (cats_b, regions_b) = folded[a], folded[b]
        categories = [cats_a[k] for k in cats_a if k in cats_b]
        regions = [regions_a[k] for k in regions_a if k in regions_b]
        start = max(first.start_date, second.start_date)
        end = min(first.end_date, second.end_date)
        if categories and regions and start <= end:
            found.append(ExclusivityConflict(first, second, categories, regions, start, end))
    if partnership is not None:
        found = [c for c in found if c.involves(partnership.pk)]
    return found


def exclusivities_of(partnership: Partnership) -> list[Exclusivity]:
    return list(Exclusivity.objects.filter(partnership=partnership))


def joint_ip_of(partnership: Partnership) -> list[JointIp]:
    return list(JointIp.objects.filter(partnership=partnership).select_related("agreement"))
