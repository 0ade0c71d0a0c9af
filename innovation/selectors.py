"""Reads of the innovation module: lists restricted to what a member may see (a partner guest
sees their partnerships' rows), the weighted evaluation of an initiative, pilot results and the
KPI movement of a supplier programme."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from finance.models import SavingsEntry
from innovation.models import (
    CriterionScore,
    EvaluationCriterion,
    ImprovementInitiative,
    KnowledgeSession,
    Party,
    Pilot,
    PilotCriterion,
    SourcingModel,
    SupplierProgramme,
    SupplierTargetKpi,
    TaskForce,
)
from partnerships.models import Partnership
from performance.models import Direction, Measurement
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest

TWO = Decimal("0.01")


def _scoped(queryset: QuerySet, membership: Membership, path: str = "partnership") -> QuerySet:
    return restrict_for_guest(queryset, membership, path)


def initiative_list(*, membership: Membership) -> QuerySet[ImprovementInitiative]:
    queryset = ImprovementInitiative.objects.select_related(
        "partnership__partner"
    ).prefetch_related(
        Prefetch("criteria", queryset=EvaluationCriterion.objects.prefetch_related("scores"))
    )
    if membership.is_guest:
        queryset = queryset.defer("internal_note")
    return _scoped(queryset, membership)


def pilot_list(*, membership: Membership) -> QuerySet[Pilot]:
    queryset = Pilot.objects.select_related("partnership", "initiative").prefetch_related(
        Prefetch("criteria", queryset=PilotCriterion.objects.select_related("kpi"))
    )
    return _scoped(queryset, membership)


def sourcing_model_list(*, membership: Membership) -> QuerySet[SourcingModel]:
    return _scoped(SourcingModel.objects.select_related("partnership"), membership)


def task_force_list(*, membership: Membership) -> QuerySet[TaskForce]:
    return _scoped(
        TaskForce.objects.select_related("partnership").prefetch_related("members", "milestones"),
        membership,
    )


def session_list(*, membership: Membership) -> QuerySet[KnowledgeSession]:
    return _scoped(
        KnowledgeSession.objects.select_related("partnership").prefetch_related(
            "attendees", "materials"
        ),
        membership,
    )


def programme_list(*, membership: Membership) -> QuerySet[SupplierProgramme]:
    return _scoped(
        SupplierProgramme.objects.select_related("partnership").prefetch_related(
            "investments",
            Prefetch("targets", queryset=SupplierTargetKpi.objects.select_related("kpi")),
        ),
        membership,
    )


# -- evaluation --------------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: EvaluationCriterion
    buyer: CriterionScore | None
    partner: CriterionScore | None


@dataclass
class Evaluation:
    rows: list[CriterionRow]
    buyer_total: Decimal | None  # weighted average 1-5 over the criteria the party scored
    partner_total: Decimal | None
    combined: Decimal | None  # both parties' weighted averages, averaged
    missing: list[str] = field(default_factory=list)  # "Feasibility (partner)" ...

    @property
    def complete(self) -> bool:
        return bool(self.rows) and not self.missing


def _weighted(rows: list[CriterionRow], party: str) -> Decimal | None:
    total = weights = Decimal(0)
    for row in rows:
        score = row.buyer if party == Party.BUYER else row.partner
        if score is not None:
            total += row.criterion.weight * score.score
            weights += row.criterion.weight
    return (total / weights).quantize(TWO) if weights else None


def evaluation_of(initiative: ImprovementInitiative) -> Evaluation:
    """Each criterion with each party's score, and the weighted totals. Uses prefetched
    criteria and scores when present."""
    rows = []
    missing = []
    for criterion in initiative.criteria.all():
        scores = {s.party: s for s in criterion.scores.all()}
        row = CriterionRow(criterion, scores.get(Party.BUYER), scores.get(Party.PARTNER))
        rows.append(row)
        for party, score in ((Party.BUYER, row.buyer), (Party.PARTNER, row.partner)):
            if score is None:
                missing.append(
                    f"{criterion.name} ({'buyer' if party == Party.BUYER else 'partner'})"
                )
    buyer, partner = _weighted(rows, Party.BUYER), _weighted(rows, Party.PARTNER)
    combined = None
    if buyer is not None and partner is not None:
        combined = ((buyer + partner) / 2).quantize(TWO)
    return Evaluation(rows, buyer, partner, combined, missing)


# -- pilots and supplier programmes ------------------------------------------------------------


def _latest_values(kpi_ids: list[int]) -> dict[int, Decimal]:
    """The latest approved measurement of each KPI, in one query."""
    latest: dict[int, Decimal] = {}
    rows = (
        Measurement.objects.filter(kpi_id__in=kpi_ids, status=Measurement.Status.APPROVED)
        .order_by("kpi_id", "-period_start", "-pk")
        .distinct("kpi_id")
        .values_list("kpi_id", "value")
    )
    for kpi_id, value in rows:
        latest[kpi_id] = value
    return latest


def _reached(direction: str, value: Decimal, target: Decimal) -> bool:
    if direction == Direction.LOWER_IS_BETTER.value:
        return value <= target
    return value >= target


@dataclass
class PilotResult:
    criterion: PilotCriterion
    latest: Decimal | None
    met: bool | None


def pilot_results(pilot: Pilot) -> list[PilotResult]:
    criteria = list(pilot.criteria.all())
    latest = _latest_values([c.kpi_id for c in criteria])
    results = []
    for criterion in criteria:
        value = latest.get(criterion.kpi_id)
        met = None if value is None else _reached(criterion.kpi.direction, value, criterion.target)
        results.append(PilotResult(criterion, value, met))
    return results


@dataclass
class TargetMovement:
    target: SupplierTargetKpi
    latest: Decimal | None
    movement: Decimal | None  # latest - baseline
    progress_pct: Decimal | None  # share of the way from baseline to target


def programme_movement(programme: SupplierProgramme) -> list[TargetMovement]:
    targets = list(programme.targets.all())
    latest = _latest_values([t.kpi_id for t in targets])
    rows = []
    for target in targets:
        value = latest.get(target.kpi_id)
        movement = progress = None
        if value is not None:
            movement = value - target.baseline
            span = target.target - target.baseline
            progress = (movement / span * 100).quantize(Decimal("0.1")) if span else None
        rows.append(TargetMovement(target, value, movement, progress))
    return rows


def programme_investments_by_party(programme: SupplierProgramme) -> dict[str, dict[str, Decimal]]:
    """{party: {currency: total}} over the prefetched investments."""
    totals: dict[str, dict[str, Decimal]] = {}
    for row in programme.investments.all():
        party = totals.setdefault(row.party, {})
        party[row.currency] = party.get(row.currency, Decimal(0)) + row.amount
    return totals


def partnership_innovation(*, membership: Membership, partnership: Partnership) -> dict:
    """Everything of the partnership's innovation tab, a query per kind."""
    return {
        "initiatives": list(initiative_list(membership=membership).filter(partnership=partnership)),
        "pilots": list(pilot_list(membership=membership).filter(partnership=partnership)),
        "sourcing_models": list(
            sourcing_model_list(membership=membership).filter(partnership=partnership)
        ),
        "task_forces": list(task_force_list(membership=membership).filter(partnership=partnership)),
        "sessions": list(session_list(membership=membership).filter(partnership=partnership)),
        "programmes": list(programme_list(membership=membership).filter(partnership=partnership)),
    }


def initiatives_of(partnership: Partnership) -> QuerySet[ImprovementInitiative]:
    return ImprovementInitiative.objects.filter(partnership=partnership).order_by("title")


def pilot_list_all() -> QuerySet[Pilot]:
    """Pilots with what their page shows (the caller scopes to the member)."""
    return Pilot.objects.select_related("partnership", "initiative").prefetch_related(
        Prefetch("criteria", queryset=PilotCriterion.objects.select_related("kpi"))
    )


def programme_list_all() -> QuerySet[SupplierProgramme]:
    return SupplierProgramme.objects.select_related("partnership").prefetch_related(
        "investments", Prefetch("targets", queryset=SupplierTargetKpi.objects.select_related("kpi"))
    )


def initiative_savings(initiative: ImprovementInitiative, *, membership: Membership) -> list:
    """The savings-ledger entries attributed to the initiative (value attribution)."""
    queryset = SavingsEntry.objects.filter(initiative=initiative).order_by("-period_start", "-pk")
    if membership.is_guest:
        queryset = queryset.defer("internal_note")
    return list(restrict_for_guest(queryset, membership, "partnership"))
