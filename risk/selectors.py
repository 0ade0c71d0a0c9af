"""Reads of the risk module.

The buyer's risk register, the partner's risk scores and everything else here are internal to
the customer: a partner guest sees none of it. Every selector takes the membership and returns
nothing for a guest (pages and the API also refuse them by role), so a forgotten check in a
view cannot leak the register.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partnerships.models import Partner, Partnership, SubTierLink
from risk import spof
from risk.charts import heatmap_svg
from risk.models import (
    EXPIRY_THRESHOLDS,
    Attestation,
    Bond,
    ComplianceRequirement,
    CyberAllocation,
    DataBreach,
    ForceMajeureEvent,
    IncidentResponsePlan,
    IndexValue,
    InsuranceCertificate,
    InsuranceRequirement,
    Mitigation,
    Penalty,
    PriceMechanism,
    PriceReview,
    Risk,
    RiskScore,
    ScoreFactor,
    WatchItem,
    rating_of,
)
from tenancy.models import Membership


def _visible(queryset: QuerySet, membership: Membership) -> QuerySet:
    """Everything of this module is internal to the customer: none of it for a guest."""
    if membership is None or membership.is_guest:
        return queryset.none()
    return queryset


def _with_current_rating(queryset: QuerySet[Risk]) -> QuerySet[Any]:
    """Current likelihood and impact (residual where assessed, else inherent) and their score,
    computed in SQL so lists sort and heat maps group without a query per row."""
    return queryset.annotate(
        current_likelihood=Coalesce("residual_likelihood", "inherent_likelihood"),
        current_impact=Coalesce("residual_impact", "inherent_impact"),
    ).annotate(
        score=(F("current_likelihood") * F("current_impact")),
    )


def risk_list(*, membership: Membership) -> QuerySet[Risk]:
    queryset = _with_current_rating(
        Risk.objects.select_related("partnership__partner", "owner", "clause__agreement")
    ).order_by("-score", "-created_at", "-pk")
    return _visible(queryset, membership)


def risk_for_detail(*, membership: Membership) -> QuerySet[Risk]:
    return risk_list(membership=membership).prefetch_related(
        Prefetch("mitigations", queryset=Mitigation.objects.select_related("owner"))
    )


def heatmap_counts(risks: QuerySet[Risk]) -> dict[tuple[int, int], int]:
    """(likelihood, impact) → number of open risks, one grouped query."""
    rows = (
        _with_current_rating(risks.filter(status=Risk.Status.OPEN).order_by())
        .values("current_likelihood", "current_impact")
        .annotate(n=Count("pk"))
    )
    return {(r["current_likelihood"], r["current_impact"]): r["n"] for r in rows}


def rating_bands(counts: dict[tuple[int, int], int]) -> list[tuple[str, str, int]]:
    """(label, colour, number of risks) per rating band, most severe first, from heat map
    counts."""
    totals: dict[tuple[str, str], int] = {}
    for (likelihood, impact), n in counts.items():
        band = rating_of(likelihood * impact)
        totals[band] = totals.get(band, 0) + n
    order = [rating_of(s) for s in (25, 12, 6, 1)]
    return [(label, colour, totals.get((label, colour), 0)) for label, colour in order]


def certificate_list(*, membership: Membership) -> QuerySet[InsuranceCertificate]:
    return _visible(
        InsuranceCertificate.objects.select_related("partnership__partner").order_by(
            "expires_on", "pk"
        ),
        membership,
    )


def expiring_certificates(*, membership: Membership, today: date) -> QuerySet:
    """Certificates expiring within the first alert threshold, and expired ones, which stay
    visible and flagged rather than disappearing."""
    horizon = today + timedelta(days=EXPIRY_THRESHOLDS[0])
    return certificate_list(membership=membership).filter(expires_on__lte=horizon)


def open_breaches(*, membership: Membership) -> QuerySet[DataBreach]:
    return _visible(
        DataBreach.objects.filter(status=DataBreach.Status.OPEN)
        .select_related("partnership__partner")
        .order_by("notification_deadline"),
        membership,
    )


def latest_scores(*, membership: Membership) -> QuerySet[RiskScore]:
    """The newest score of each partnership (PostgreSQL DISTINCT ON)."""
    return _visible(
        RiskScore.objects.select_related("partnership__partner")
        .order_by("partnership_id", "-scored_on", "-pk")
        .distinct("partnership_id"),
        membership,
    )


def score_factors(*, membership: Membership) -> list[ScoreFactor]:
    return list(_visible(ScoreFactor.objects.order_by("order", "pk"), membership))


def price_mechanisms(*, membership: Membership) -> QuerySet[PriceMechanism]:
    return _visible(
        PriceMechanism.objects.select_related("partnership__partner").prefetch_related(
            Prefetch("reviews", queryset=PriceReview.objects.order_by("-review_date", "-pk"))
        ),
        membership,
    )


@dataclass
class PartnershipRisk:
    partnership: Partnership
    risks: list
    heatmap: str
    bands: list
    requirements: list
    certificates: list
    bonds: list
    penalties: list
    mechanisms: list
    cyber: CyberAllocation | None
    breaches: list
    scores: list
    factors: list
    compliance: list
    force_majeure: list
    incident_plan: IncidentResponsePlan | None
    watch: list


def partnership_risk(*, membership: Membership, partnership: Partnership) -> PartnershipRisk:
    """Everything the partnership's risk tab shows, in a fixed number of queries."""
    if membership is None or membership.is_guest:
        raise PermissionError("Partner guests never see the risk register.")
    risks = risk_list(membership=membership).filter(partnership=partnership)
    counts = heatmap_counts(Risk.objects.filter(partnership=partnership))
    return PartnershipRisk(
        partnership=partnership,
        risks=list(
            risks.annotate(open_mitigations=Count("mitigations", Q(mitigations__done_on=None)))
        ),
        heatmap=heatmap_svg(counts, title=f"Open risks of {partnership.name}"),
        bands=rating_bands(counts),
        requirements=list(InsuranceRequirement.objects.filter(partnership=partnership)),
        certificates=list(
            InsuranceCertificate.objects.filter(partnership=partnership).order_by(
                "expires_on", "pk"
            )
        ),
        bonds=list(Bond.objects.filter(partnership=partnership)),
        penalties=list(Penalty.objects.filter(partnership=partnership)),
        mechanisms=list(PriceMechanism.objects.filter(partnership=partnership)),
        cyber=CyberAllocation.objects.filter(partnership=partnership).first(),
        breaches=list(DataBreach.objects.filter(partnership=partnership)[:50]),
        scores=list(RiskScore.objects.filter(partnership=partnership)[:20]),
        factors=score_factors(membership=membership),
        compliance=list(
            compliance_requirements(membership=membership).filter(partnership=partnership)
        ),
        force_majeure=list(ForceMajeureEvent.objects.filter(partnership=partnership)[:50]),
        incident_plan=IncidentResponsePlan.objects.filter(partnership=partnership).first(),
        watch=[
            item
            for item, exposed in watch_exposure(membership=membership)
            if partnership.pk in {p.pk for p in exposed}
        ],
    )


def coverage_gaps(requirements: list, certificates: list, today: date) -> list[dict]:
    """Each required coverage with its best valid certificate and what is wrong, if anything."""
    result = []
    for requirement in requirements:
        valid = [
            c
            for c in certificates
            if c.coverage == requirement.coverage and c.starts_on <= today <= c.expires_on
        ]
        best = max(valid, key=lambda c: (c.currency == requirement.currency, c.limit), default=None)
        if best is None:
            problem = "No valid certificate"
        elif best.currency != requirement.currency:
            problem = f"Certificate in {best.currency}, requirement in {requirement.currency}"
        elif best.limit < requirement.minimum_limit:
            problem = (
                f"Limit {best.limit_money} is below the required {requirement.minimum_limit_money}"
            )
        else:
            problem = ""
        result.append({"requirement": requirement, "certificate": best, "problem": problem})
    return result


@dataclass
class Portfolio:
    top_risks: list
    heatmap: str
    bands: list
    expiring: list
    breaches: list
    scores: list  # the highest latest scores above a threshold (PORTFOLIO_SCORES of them)
    spofs: list  # the first `spofs_shown` (all by default)
    spof_count: int
    counts: dict
    heatmap_counts: dict
    overdue_compliance: list
    watch: list


TOP_RISKS = 10
PORTFOLIO_SCORES = 25


def scores_above_threshold(*, membership: Membership) -> QuerySet[RiskScore]:
    """Latest scores (one per partnership) above the buyer's or the partner's threshold,
    highest first, filtered and sorted in SQL."""
    latest = RiskScore.objects.order_by("partnership_id", "-scored_on", "-pk").distinct(
        "partnership_id"
    )
    return _visible(
        RiskScore.objects.filter(pk__in=Subquery(latest.values("pk")))
        .filter(Q(score__gt=F("buyer_threshold")) | Q(score__gt=F("partner_threshold")))
        .select_related("partnership__partner")
        .order_by("-score", "pk"),
        membership,
    )


def portfolio_risk(
    *,
    membership: Membership,
    today: date,
    now: datetime,
    spofs_shown: int | None = None,
    spof_paths: int | None = None,
) -> Portfolio:
    """The portfolio risk page: top risks, heat map, expiring and expired certificates, open
    breaches of duty, latest scores above a threshold, single points of failure."""
    if membership is None or membership.is_guest:
        raise PermissionError("Partner guests never see the risk register.")
    open_risks = risk_for_detail(membership=membership).filter(status=Risk.Status.OPEN)
    counts = heatmap_counts(Risk.objects.all())
    breaches = list(open_breaches(membership=membership)[:50])
    above = scores_above_threshold(membership=membership)
    spof_count, spofs = _single_points_of_failure(
        membership=membership, limit=spofs_shown, paths=spof_paths
    )
    return Portfolio(
        top_risks=list(open_risks[:TOP_RISKS]),
        heatmap=heatmap_svg(counts, title="Open risks across the portfolio"),
        bands=rating_bands(counts),
        expiring=list(expiring_certificates(membership=membership, today=today)[:100]),
        breaches=breaches,
        scores=list(above[:PORTFOLIO_SCORES]),
        spofs=spofs,
        spof_count=spof_count,
        counts={
            "open_risks": sum(counts.values()),
            "overdue_breaches": sum(1 for b in breaches if b.is_overdue(now)),
            "scores_above_threshold": above.count(),
        },
        heatmap_counts=counts,
        overdue_compliance=list(
            compliance_requirements(membership=membership).filter(due_on__lt=today)[:50]
        ),
        watch=watch_exposure(membership=membership),
    )


def single_points_of_failure(
    *, membership: Membership, limit: int | None = None, paths: int | None = None
) -> list[dict]:
    """Sub-tier suppliers that several live partnerships depend on with no alternative
    (risk.spof), each with the partnerships and the path through which they depend on it,
    those most depended on first. `limit` keeps that many suppliers and `paths` that many
    partnerships of each (`dependents` still counts them all); only the partners on the kept
    paths are read. Three queries whatever the size of the graph."""
    return _single_points_of_failure(membership=membership, limit=limit, paths=paths)[1]


def _single_points_of_failure(
    *, membership: Membership, limit: int | None, paths: int | None
) -> tuple[int, list[dict]]:
    """How many suppliers are single points of failure, and the first `limit` of them."""
    if membership is None or membership.is_guest:
        return 0, []
    live = {
        pk: (partner_id, name)
        for pk, partner_id, name in Partnership.objects.exclude(
            status=Partnership.Status.CLOSED
        ).values_list("pk", "partner_id", "name")
    }
    links = [
        spof.Link(partner, supplier, supplies)
        for partner, supplier, supplies in SubTierLink.objects.values_list(
            "partner_id", "supplier_id", "supplies"
        )
    ]
    found = spof.single_points_of_failure({pk: v[0] for pk, v in live.items()}, links)
    kept = [(f, f.partnerships[:paths]) for f in found[:limit]]
    if not kept:
        return 0, []
    # Every path ends at its supplier, so the kept paths name every partner shown.
    ids = {partner for f, shown in kept for pk in shown for partner in f.paths[pk]}
    partners = {
        pk: (name, country)
        for pk, name, country in Partner.objects.filter(pk__in=ids).values_list(
            "pk", "name", "country"
        )
    }
    return len(found), [
        {
            "supplier_id": f.supplier,
            "name": partners[f.supplier][0],
            "country": partners[f.supplier][1],
            "dependents": len(f.paths),
            "more": len(f.paths) - len(shown),
            "partnerships": [
                {
                    "pk": pk,
                    "name": live[pk][1],
                    "path": " → ".join(partners[i][0] for i in f.paths[pk]),
                }
                for pk in shown
            ],
        }
        for f, shown in kept
    ]


def risk_timeline(risk: Risk) -> QuerySet:
    from tenancy.models import AuditEvent

    return (
        AuditEvent.objects.filter(object_type="risk.risk", object_id=str(risk.pk))
        .select_related("actor")
        .order_by("sequence")
    )


def mechanisms_due(*, membership: Membership, today: date) -> QuerySet[PriceMechanism]:
    return price_mechanisms(membership=membership).filter(next_review_on__lte=today)


def index_value_list(*, membership: Membership) -> QuerySet[IndexValue]:
    return _visible(IndexValue.objects.order_by("index_name", "-period"), membership)


def compliance_requirements(*, membership: Membership) -> QuerySet[ComplianceRequirement]:
    """Requirements with their attestations (newest first) and attesting people, prefetched."""
    return _visible(
        ComplianceRequirement.objects.select_related("partnership", "owner")
        .prefetch_related(
            Prefetch(
                "attestations",
                queryset=Attestation.objects.select_related("attested_by").order_by(
                    "-period_end", "-pk"
                ),
            )
        )
        .order_by("due_on", "pk"),
        membership,
    )


WATCH_ITEMS_SHOWN = 20


def watch_exposure(*, membership: Membership) -> list[tuple[WatchItem, list[Partnership]]]:
    """Each watch item with the live partnerships exposed to it: the partner is in one of its
    countries, or the partnership's or partner's category is one of its categories. Two queries,
    matched in Python (the watch list is short)."""
    if membership is None or membership.is_guest:
        return []
    items = list(WatchItem.objects.order_by("-created_at", "-pk")[:WATCH_ITEMS_SHOWN])
    if not items:
        return []
    partnerships = list(
        Partnership.objects.exclude(status=Partnership.Status.CLOSED)
        .select_related("partner")
        .only("pk", "name", "category", "status", "partner__country", "partner__category")
        .order_by("name")
    )
    result = []
    for item in items:
        countries = set(item.country_list)
        categories = {c.lower() for c in item.category_list}
        exposed = [
            p
            for p in partnerships
            if p.partner.country.code in countries
            or (p.category or "").lower() in categories
            or (p.partner.category or "").lower() in categories
        ]
        result.append((item, exposed))
    return result


def latest_risk_score(*, partnership_id: int) -> RiskScore | None:
    """The partnership's most recent risk score (exit planning's financial-risk trigger)."""
    return (
        RiskScore.objects.filter(partnership_id=partnership_id)
        .order_by("-scored_on", "-pk")
        .first()
    )
