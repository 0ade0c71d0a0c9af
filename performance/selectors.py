"""Reads of the performance module: each list is a fixed number of queries, whatever its size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from innovation.models import ImprovementInitiative
from partnerships.models import Partnership
from partnerships.selectors import partnership_portfolio
from performance.charts import trend_chart_svg
from performance.models import (
    ActionItem,
    HealthSurveyResponse,
    Kpi,
    KpiTemplate,
    Measurement,
    Qbr,
    QbrAttendee,
    RootCauseAnalysis,
    Scorecard,
    ScorecardAppeal,
    ScorecardReport,
    Sla,
    SlaBreach,
    SlaVersion,
)
from performance.periods import add_months
from tenancy.dates import add_months as add_calendar_months
from tenancy.models import Membership
from tenancy.permissions import restrict_for_guest


def kpi_list(*, membership: Membership) -> QuerySet[Kpi]:
    queryset = Kpi.objects.select_related("partnership", "owner").order_by(
        "partnership_id", "perspective", "code"
    )
    return restrict_for_guest(queryset, membership, "partnership")


def kpi_template_list() -> QuerySet[KpiTemplate]:
    return KpiTemplate.objects.order_by("perspective", "name")


def measurement_list(*, membership: Membership) -> QuerySet[Measurement]:
    queryset = Measurement.objects.select_related("kpi")
    return restrict_for_guest(queryset, membership, "partnership")


def sla_list(*, membership: Membership) -> QuerySet[Sla]:
    # The breach count is a correlated subquery, not a JOIN … GROUP BY: a page of the list (and
    # its COUNT(*), which leaves the unused subquery out) only counts the breaches of its rows.
    breach_count = (
        SlaBreach.objects.filter(sla=OuterRef("pk"))
        .order_by()
        .values("sla")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        Sla.objects.select_related("partnership", "kpi", "owner")
        .prefetch_related("tiers")
        .annotate(breach_count=Coalesce(Subquery(breach_count), 0))
        .order_by("partnership__name", "name", "pk")
    )
    return restrict_for_guest(queryset, membership, "partnership")


@dataclass(frozen=True)
class SlaVersionPeriod:
    """One version of an SLA with the months it applies to (`until` None: still in force)."""

    version: SlaVersion
    is_original: bool  # the first version also covers every month before it
    until: date | None
    in_force: bool


def sla_versions_by_sla(sla_ids) -> dict[int, list[SlaVersion]]:
    """The versions of several SLAs, oldest first, in one query."""
    versions: dict[int, list[SlaVersion]] = {}
    for version in SlaVersion.objects.filter(sla_id__in=list(sla_ids)).order_by(
        "sla_id", "effective_from"
    ):
        versions.setdefault(version.sla_id, []).append(version)
    return versions


def sla_version_in_force(
    sla: Sla, period_start: date, *, versions: list[SlaVersion] | None = None
) -> SlaVersion | None:
    """The version that judges `period_start`: the latest from that month or before, else the
    first one (the original terms cover the months before it). Pass `versions` (oldest first,
    e.g. from `sla_versions_by_sla`) to judge many months without a query each."""
    if versions is None:
        versions = list(SlaVersion.objects.filter(sla=sla).order_by("effective_from"))
    in_force = None
    for version in versions:
        if version.effective_from <= period_start:
            in_force = version
    return in_force or (versions[0] if versions else None)


def sla_version_history(*, sla: Sla, today: date) -> list[SlaVersionPeriod]:
    """The SLA's versions, newest first, each with the months it applied to."""
    versions = list(
        SlaVersion.objects.filter(sla=sla).select_related("created_by").order_by("effective_from")
    )
    current = sla_version_in_force(sla, today.replace(day=1), versions=versions)
    rows = []
    for index, version in enumerate(versions):
        following = versions[index + 1] if index + 1 < len(versions) else None
        rows.append(
            SlaVersionPeriod(
                version=version,
                is_original=index == 0,
                until=add_months(following.effective_from, -1) if following else None,
                in_force=version is current,
            )
        )
    return rows[::-1]


def sla_for_member(*, membership: Membership) -> QuerySet[Sla]:
    """The SLAs a member may open (a guest: those of the partnerships shared with them)."""
    queryset = Sla.objects.select_related("partnership", "kpi", "owner").prefetch_related("tiers")
    return restrict_for_guest(queryset, membership, "partnership")


def sla_search(
    *, membership: Membership, text: str, partnership_id: int | None = None
) -> QuerySet[Sla]:
    """SLAs the member sees whose name contains `text` (the searchable picker's matches),
    optionally of one partnership; by partnership, then name."""
    queryset = Sla.objects.select_related("partnership").order_by("partnership__name", "name", "pk")
    text = text.strip()
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(partnership__name__icontains=text))
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return restrict_for_guest(queryset, membership, "partnership")


def breach_list(*, membership: Membership) -> QuerySet[SlaBreach]:
    queryset = SlaBreach.objects.select_related("sla__kpi", "partnership").order_by(
        "-period_start", "partnership__name", "pk"
    )
    return restrict_for_guest(queryset, membership, "partnership")


def open_breaches_owned_by(*, membership: Membership, user_id: int) -> QuerySet[SlaBreach]:
    """Open breaches of the SLAs `user_id` owns or of the partnerships they own, newest first.
    The owners are matched through two id lists (IN subqueries) rather than a join of every
    SLA and partnership: PostgreSQL then reads only the open breaches."""
    return breach_list(membership=membership).filter(
        Q(sla__in=Sla.objects.filter(owner_id=user_id).values("pk"))
        | Q(partnership__in=Partnership.objects.filter(owner_id=user_id).values("pk")),
        status=SlaBreach.Status.OPEN,
    )


def visible_scorecards(queryset: QuerySet[Scorecard], membership: Membership | None):
    """A partner guest sees published scorecards only: drafts are the buyer's working state."""
    if membership is not None and membership.is_guest:
        return queryset.filter(status=Scorecard.Status.PUBLISHED)
    return queryset


def scorecard_list(*, membership: Membership) -> QuerySet[Scorecard]:
    queryset = Scorecard.objects.select_related("partnership").order_by(
        "-period_start", "partnership_id"
    )
    return visible_scorecards(restrict_for_guest(queryset, membership, "partnership"), membership)


def report_visible(*, report: ScorecardReport, membership: Membership) -> bool:
    """A guest may open a PDF only of a published scorecard."""
    if not membership.is_guest:
        return True
    return Scorecard.objects.filter(
        partnership_id=report.partnership_id,
        period_start=report.period_start,
        status=Scorecard.Status.PUBLISHED,
    ).exists()


def scorecard_blocking_change_requests(*, partnership: Partnership) -> Scorecard | None:
    """The partnership's latest published scorecard if its standing blocks change requests
    (its standing band's action), else None: one indexed query."""
    from performance.scoring import StandingAction

    latest = (
        Scorecard.objects.filter(partnership=partnership, status=Scorecard.Status.PUBLISHED)
        .order_by("-period_start")
        .only("period_start", "standing", "standing_action")
        .first()
    )
    if latest is None or latest.standing_action != StandingAction.BLOCK_CHANGE_REQUESTS:
        return None
    return latest


RANKING_COLUMNS = (
    "id",
    "partnership_id",
    "partnership__name",
    "partnership__partner__name",
    "period_start",
    "total",
    "rolling_score",
    "trend",
    "standing",
    "standing_action",
)


def portfolio_ranking(*, membership: Membership) -> QuerySet[Scorecard]:
    """The latest scorecard of each partnership the member sees, best rolling score first
    (partnerships without one last, then by name). Ordered and sliced in SQL, with only the
    columns the ranking shows (never the per-criterion breakdowns): slice or paginate it."""
    visible = partnership_portfolio(membership=membership).values("pk")
    latest = (
        visible_scorecards(Scorecard.objects.filter(partnership_id__in=visible), membership)
        .order_by("partnership_id", "-period_start")
        .distinct("partnership_id")
        .values("pk")
    )
    return (
        Scorecard.objects.filter(pk__in=latest)
        .select_related("partnership__partner")
        .only(*RANKING_COLUMNS)
        .order_by(F("rolling_score").desc(nulls_last=True), "partnership__name", "pk")
    )


@dataclass
class PerformanceView:
    partnership: Partnership
    scorecard: Scorecard | None
    scorecards: list[Scorecard]
    chart: str
    kpis: list[Kpi]
    pending: list[Measurement]
    recent: list[Measurement]
    breaches: list[SlaBreach]
    slas: list[Sla]
    appeals: list[ScorecardAppeal]
    report: ScorecardReport | None
    health: list[dict]
    open_actions: list[ActionItem]
    rcas: list[RootCauseAnalysis]
    initiatives: list[ImprovementInitiative]


def health_by_quarter(*, partnership: Partnership) -> list[dict]:
    """Average ratings per quarter and side (1-5), for the trend beside the scorecard."""
    rows: dict[date, dict] = {}
    for response in HealthSurveyResponse.objects.filter(partnership=partnership).order_by(
        "period_start"
    ):
        row = rows.setdefault(
            response.period_start, {"period": response.period_start, "buyer": [], "partner": []}
        )
        row[response.side].append(response.average)
    result = []
    for row in rows.values():
        entry = {"period": row["period"]}
        for side in ("buyer", "partner"):
            values = row[side]
            entry[side] = (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None
        result.append(entry)
    return result


def partnership_performance(
    *,
    partnership: Partnership,
    period: date | None = None,
    months: int = 24,
    membership: Membership | None = None,
    until: date | None = None,
) -> PerformanceView:
    """The performance tab (and the PDF): `membership` hides drafts from a partner guest;
    `until` ends the history at a month (a report of October shows nothing of November)."""
    scorecards_qs = visible_scorecards(
        Scorecard.objects.filter(partnership=partnership), membership
    )
    if until is not None:
        scorecards_qs = scorecards_qs.filter(period_start__lte=until)
    scorecards = list(scorecards_qs.order_by("-period_start")[:months])
    scorecard = None
    if period is not None:
        scorecard = next((s for s in scorecards if s.period_start == period), None)
    scorecard = scorecard or (scorecards[0] if scorecards else None)
    history = list(reversed(scorecards))
    health = health_by_quarter(partnership=partnership)
    health_points = None
    if history and health:
        by_quarter = {h["period"]: h for h in health}
        health_points = []
        for s in history:
            quarter = date(s.period_start.year, (s.period_start.month - 1) // 3 * 3 + 1, 1)
            h = by_quarter.get(quarter)
            values = [
                v for v in ((h or {}).get("buyer"), (h or {}).get("partner")) if v is not None
            ]
            health_points.append(
                (
                    s.period_start,
                    (sum(values) / len(values) * 20).quantize(Decimal("0.01")) if values else None,
                )
            )
    chart = trend_chart_svg(
        [(s.period_start, s.total) for s in history],
        rolling=[(s.period_start, s.rolling_score) for s in history],
        health=health_points,
        title=f"Score trend of {partnership.name}",
    )
    since = add_months(scorecard.period_start, -11) if scorecard else None
    breaches = (
        SlaBreach.objects.filter(partnership=partnership)
        .select_related("sla__kpi")
        .order_by("-period_start")
    )
    if since is not None:
        breaches = breaches.filter(period_start__gte=since)
    if until is not None:
        breaches = breaches.filter(period_start__lte=until)
    return PerformanceView(
        partnership=partnership,
        scorecard=scorecard,
        scorecards=scorecards,
        chart=chart,
        kpis=list(
            Kpi.objects.filter(partnership=partnership)
            .select_related("owner")
            .order_by("perspective", "code")
        ),
        pending=list(
            Measurement.objects.filter(
                partnership=partnership, status=Measurement.Status.PENDING
            ).select_related("kpi", "submitted_by")
        ),
        recent=list(
            Measurement.objects.filter(partnership=partnership)
            .select_related("kpi")
            .order_by("-period_start", "kpi__code")[:12]
        ),
        breaches=list(breaches[:50]),
        slas=list(
            Sla.objects.filter(partnership=partnership)
            .select_related("kpi")
            .prefetch_related("tiers")
        ),
        appeals=list(
            ScorecardAppeal.objects.filter(
                partnership=partnership,
                scorecard__in=visible_scorecards(Scorecard.objects.all(), membership),
            ).select_related("raised_by", "scorecard")[:20]
        ),
        report=(
            ScorecardReport.objects.filter(
                partnership=partnership, period_start=scorecard.period_start
            ).first()
            if scorecard
            else None
        ),
        health=health,
        open_actions=list(
            ActionItem.objects.filter(
                partnership=partnership, status__in=ActionItem.OPEN_STATUSES
            ).select_related("owner")
        ),
        rcas=list(
            RootCauseAnalysis.objects.filter(partnership=partnership)
            .select_related("sla")
            .prefetch_related("actions")[:10]
        ),
        initiatives=list(ImprovementInitiative.objects.filter(partnership=partnership)[:20]),
    )


def qbr_workspace(*, partnership: Partnership) -> list[Qbr]:
    return list(
        Qbr.objects.filter(partnership=partnership)
        .prefetch_related(
            Prefetch("attendees", queryset=QbrAttendee.objects.select_related("user")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
        )
        .order_by("-quarter_start")
    )


def action_board(*, membership: Membership) -> QuerySet[ActionItem]:
    queryset = ActionItem.objects.select_related("partnership", "owner", "qbr").order_by(
        "due_date", "id"
    )
    return restrict_for_guest(queryset, membership, "partnership")


def breach_summary(*, membership: Membership) -> dict:
    queryset = restrict_for_guest(SlaBreach.objects.all(), membership, "partnership")
    return queryset.aggregate(
        open=Count("pk", filter=Q(status=SlaBreach.Status.OPEN)),
        total=Count("pk"),
        termination=Count("pk", filter=Q(termination_trigger_met=True)),
    )


def rca_list(*, membership: Membership) -> QuerySet[RootCauseAnalysis]:
    queryset = (
        RootCauseAnalysis.objects.select_related("partnership", "sla")
        .prefetch_related("actions")
        .order_by("-created_at", "-pk")
    )
    return restrict_for_guest(queryset, membership, "partnership")


def qbr_list(*, membership: Membership) -> QuerySet[Qbr]:
    queryset = Qbr.objects.prefetch_related(
        Prefetch("attendees", queryset=QbrAttendee.objects.select_related("user"))
    ).order_by("-quarter_start", "-pk")
    return restrict_for_guest(queryset, membership, "partnership")


# --- Reads for other modules (exit planning's automatic triggers) --------------------------------


def sla_termination_rights(*, partnership_id: int) -> list[Sla]:
    """SLAs whose breach check raised a right to terminate."""
    return list(
        Sla.objects.filter(
            partnership_id=partnership_id, termination_right_since__isnull=False
        ).order_by("pk")
    )


def breaches_in_window(*, partnership_id: int, today: date, months: int) -> list[SlaBreach]:
    """The partnership's breaches of the last `months` months up to `today`, oldest first; a
    waived breach does not count."""
    since = add_calendar_months(today, -months) or today
    return list(
        SlaBreach.objects.filter(
            partnership_id=partnership_id, period_start__gte=since, period_start__lte=today
        )
        .exclude(status=SlaBreach.Status.WAIVED)
        .select_related("sla")
        .order_by("period_start", "pk")
    )


def latest_published_scorecard(*, partnership_id: int) -> Scorecard | None:
    return (
        Scorecard.objects.filter(partnership_id=partnership_id, status=Scorecard.Status.PUBLISHED)
        .order_by("-period_start")
        .first()
    )
