"""Reads of the finance module.

A partner guest sees what is shared with the partner (the cost model, the savings they verify,
issued statements, the gain-share scheme, rebate tiers and volumes, the FX arrangement), scoped
to their partnerships; never the buyer's internal note on a saving, the competition-law review
of a rebate design, or a draft statement. Lists never issue a query per row.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from finance import calc
from finance.charts import fx_chart_svg
from finance.models import (
    CostPool,
    FxArrangement,
    FxInvoiceAmount,
    FxRate,
    GainShareBand,
    GainShareScheme,
    GainShareStatement,
    Party,
    PaymentTerms,
    RebateScheme,
    RebateTier,
    SavingsEntry,
    VolumeEntry,
)
from innovation.models import ImprovementInitiative
from partnerships.models import Partnership
from performance.models import Kpi, Measurement, Scorecard, StandingBand
from tenancy.models import Membership
from tenancy.money import Money
from tenancy.permissions import restrict_for_guest

Z = Decimal(0)


def _scoped(queryset: QuerySet, membership: Membership, path: str = "partnership") -> QuerySet:
    return restrict_for_guest(queryset, membership, path)


def cost_pool_list(*, membership: Membership) -> QuerySet[CostPool]:
    return _scoped(CostPool.objects.select_related("partnership"), membership)


def savings_list(*, membership: Membership) -> QuerySet[SavingsEntry]:
    queryset = SavingsEntry.objects.select_related(
        "partnership__partner", "initiative", "claimed_by", "verified_by"
    )
    if membership.is_guest:
        queryset = queryset.defer("internal_note")
    return _scoped(queryset, membership)


def statement_list(*, membership: Membership) -> QuerySet[GainShareStatement]:
    queryset = GainShareStatement.objects.select_related("partnership__partner")
    if membership.is_guest:
        queryset = queryset.exclude(status=GainShareStatement.Status.DRAFT)
    return _scoped(queryset, membership)


def scheme_list(*, membership: Membership) -> QuerySet[GainShareScheme]:
    return _scoped(
        GainShareScheme.objects.select_related("partnership").prefetch_related("bands"),
        membership,
    )


def band_list(*, membership: Membership) -> QuerySet[GainShareBand]:
    return _scoped(
        GainShareBand.objects.select_related("scheme"), membership, "scheme__partnership"
    )


def rebate_scheme_list(*, membership: Membership) -> QuerySet[RebateScheme]:
    queryset = RebateScheme.objects.select_related("partnership").prefetch_related(
        "tiers", "volumes"
    )
    if membership.is_guest:
        queryset = queryset.defer("competition_law_note")
    return _scoped(queryset, membership)


def rebate_tier_list(*, membership: Membership) -> QuerySet[RebateTier]:
    return _scoped(RebateTier.objects.select_related("scheme"), membership, "scheme__partnership")


def volume_list(*, membership: Membership) -> QuerySet[VolumeEntry]:
    return _scoped(VolumeEntry.objects.select_related("scheme"), membership, "scheme__partnership")


def fx_rate_list(*, membership: Membership) -> QuerySet[FxRate]:
    return FxRate.objects.all()


def fx_arrangement_list(*, membership: Membership) -> QuerySet[FxArrangement]:
    return _scoped(
        FxArrangement.objects.select_related("partnership").prefetch_related("amounts"),
        membership,
    )


def fx_amount_list(*, membership: Membership) -> QuerySet[FxInvoiceAmount]:
    return _scoped(
        FxInvoiceAmount.objects.select_related("arrangement"),
        membership,
        "arrangement__partnership",
    )


def initiatives_of(partnership: Partnership) -> QuerySet[ImprovementInitiative]:
    return ImprovementInitiative.objects.filter(partnership=partnership).order_by("title")


# -- rates -------------------------------------------------------------------------------------


def rate_for(currency: str, quote_currency: str, period_start: date) -> Decimal | None:
    """Units of `quote_currency` per unit of `currency` in the month (the inverse of the
    opposite pair when only that one is on the table), or None."""
    if currency == quote_currency:
        return Decimal(1)
    rows = FxRate.objects.filter(
        Q(currency=currency, quote_currency=quote_currency)
        | Q(currency=quote_currency, quote_currency=currency),
        period_start=period_start.replace(day=1),
    ).values_list("currency", "rate")
    inverse = None
    for code, rate in rows:
        if code == currency:
            return rate
        inverse = Decimal(1) / rate
    return inverse


# -- scorecard standing ------------------------------------------------------------------------


def latest_scorecard_standing(
    *, partnership: Partnership, start: date, end: date, reference_score: Decimal
) -> tuple[str, int | None, int | None]:
    """The standing of the partnership's last published scorecard in [start, end], its rank
    among the organization's standings (0 = lowest), and the rank of the reference score."""
    bands = list(StandingBand.objects.order_by("min_score"))
    scorecard = (
        Scorecard.objects.filter(
            partnership=partnership,
            status=Scorecard.Status.PUBLISHED,
            period_start__gte=start,
            period_start__lte=end,
            total__isnull=False,
        )
        .order_by("-period_start")
        .first()
    )
    if scorecard is None or not bands:
        return "", None, None

    def rank(score: Decimal) -> int | None:
        for index, band in enumerate(bands):
            if band.min_score <= score <= band.max_score:
                return index
        return None

    rank_of = rank(scorecard.total)
    name = bands[rank_of].name if rank_of is not None else scorecard.standing
    return name, rank_of, rank(reference_score)


# -- statements --------------------------------------------------------------------------------


@dataclass
class AllocationStatement:
    period_start: date
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, dict[str, Money]] = field(default_factory=dict)  # currency -> party -> Money


def allocation_of(pool: CostPool) -> dict[str, Money]:
    parts = calc.allocate(
        pool.money, [("buyer", pool.buyer_driver), ("partner", pool.partner_driver)]
    )
    return dict(parts)


def allocation_statement(*, partnership: Partnership, period_start: date) -> AllocationStatement:
    """Every cost pool of the month, split between the parties; each row sums to its pool."""
    statement = AllocationStatement(period_start=period_start)
    pools = CostPool.objects.filter(partnership=partnership, period_start=period_start).order_by(
        "name", "pk"
    )
    for pool in pools:
        parts = allocation_of(pool)
        statement.rows.append({"pool": pool, **parts})
        totals = statement.totals.setdefault(
            pool.currency,
            {
                "pool": Money(Z, pool.currency),
                "buyer": Money(Z, pool.currency),
                "partner": Money(Z, pool.currency),
            },
        )
        totals["pool"] += pool.money.rounded()
        totals["buyer"] += parts["buyer"]
        totals["partner"] += parts["partner"]
    return statement


def cost_pool_periods(partnership: Partnership) -> list[date]:
    return list(
        CostPool.objects.filter(partnership=partnership)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()
    )


def statement_savings(statement: GainShareStatement) -> list[SavingsEntry]:
    return list(
        SavingsEntry.objects.filter(statement=statement)
        .select_related("initiative")
        .defer("internal_note")
        .order_by("period_start", "pk")
    )


# -- rebates -----------------------------------------------------------------------------------


@dataclass
class RebatePosition:
    scheme: RebateScheme
    tiers: list[RebateTier]
    volume_to_date: Decimal
    accrual: Money
    current_tier: RebateTier | None
    projected_volume: Decimal
    projected_tier: RebateTier | None
    projected_accrual: Money


def rebate_position(*, scheme: RebateScheme, today: date) -> RebatePosition:
    """Volume so far in the rebate year, the rebate accrued on it, and the tier at year end at
    the pace so far. Uses the prefetched tiers and volumes when present."""
    tiers = sorted(scheme.tiers.all(), key=lambda t: t.from_volume)
    year_end = scheme.year_end
    volumes = [v.volume for v in scheme.volumes.all() if v.period_start <= today]
    to_date = sum(volumes, Z)
    bands = [calc.Band(t.from_volume, t.to_volume, t.unit_price) for t in tiers]
    retroactive = scheme.kind == RebateScheme.Kind.RETROACTIVE
    accrual = calc.rebate_accrual(
        volume=to_date, tiers=bands, retroactive=retroactive, currency=scheme.currency
    )
    days_in_year = (year_end - scheme.year_start).days
    elapsed = min(max((today - scheme.year_start).days + 1, 0), days_in_year)
    projected = calc.projected_volume(
        volume_to_date=to_date, days_elapsed=elapsed, days_in_year=days_in_year
    )
    current = calc.tier_index(to_date, bands)
    future = calc.tier_index(projected, bands)
    return RebatePosition(
        scheme=scheme,
        tiers=tiers,
        volume_to_date=to_date,
        accrual=accrual,
        current_tier=tiers[current] if current is not None else None,
        projected_volume=projected,
        projected_tier=tiers[future] if future is not None else None,
        projected_accrual=calc.rebate_accrual(
            volume=projected, tiers=bands, retroactive=retroactive, currency=scheme.currency
        ),
    )


# -- FX ----------------------------------------------------------------------------------------


def _fx_rates(
    pairs: set[tuple[str, str]], months: set[date]
) -> dict[tuple[str, str, date], Decimal]:
    """The rates table's rows for the pairs (either direction) in the months, keyed by
    (currency, quote currency, month): one query, however many pairs and months."""
    if not pairs or not months:
        return {}
    condition = Q()
    for first, second in pairs:
        condition |= Q(currency=first, quote_currency=second)
        condition |= Q(currency=second, quote_currency=first)
    return {
        (code, quote, month): rate
        for code, quote, month, rate in FxRate.objects.filter(
            condition, period_start__in=months
        ).values_list("currency", "quote_currency", "period_start", "rate")
    }


def _pair_rate(
    rates: dict[tuple[str, str, date], Decimal], pair: tuple[str, str], month: date
) -> Decimal | None:
    """Units of pair[1] per unit of pair[0] in the month: the pair's own rate, else the
    inverse of the opposite pair's, else None."""
    direct = rates.get((pair[0], pair[1], month))
    if direct is not None:
        return direct
    opposite = rates.get((pair[1], pair[0], month))
    return Decimal(1) / opposite if opposite is not None else None


def _fx_rows(
    arrangement: FxArrangement,
    amounts: list[FxInvoiceAmount],
    rates: dict[tuple[str, str, date], Decimal],
) -> list[dict[str, Any]]:
    pair = (arrangement.invoice_currency, arrangement.contract_currency)
    rows = []
    for amount in amounts:
        rate = _pair_rate(rates, pair, amount.period_start)
        effect = None
        if rate is not None:
            effect = calc.fx_effect(
                amount=amount.amount,
                contract_currency=arrangement.contract_currency,
                base_rate=arrangement.base_rate,
                actual_rate=rate,
                band_percent=arrangement.band_percent,
                other_share_percent=arrangement.other_share,
            )
        rows.append(
            {"period_start": amount.period_start, "amount": amount, "rate": rate, "fx": effect}
        )
    return rows


def fx_exposure(*, arrangement: FxArrangement) -> list[dict[str, Any]]:
    """Per month: the invoiced amount, the month's rate, and the FX effect with each party's
    part (two queries: the amounts and the rates)."""
    amounts = sorted(arrangement.amounts.all(), key=lambda a: a.period_start)
    if not amounts:
        return []
    pair = (arrangement.invoice_currency, arrangement.contract_currency)
    rates = _fx_rates({pair}, {a.period_start for a in amounts})
    return _fx_rows(arrangement, amounts, rates)


# -- pages -------------------------------------------------------------------------------------


def partnership_finance(*, membership: Membership, partnership: Partnership, today: date) -> dict:
    savings = list(savings_list(membership=membership).filter(partnership=partnership)[:200])
    periods = cost_pool_periods(partnership)
    allocation = (
        allocation_statement(partnership=partnership, period_start=periods[0]) if periods else None
    )
    scheme = scheme_list(membership=membership).filter(partnership=partnership).first()
    rebates = [
        rebate_position(scheme=s, today=today)
        for s in rebate_scheme_list(membership=membership).filter(partnership=partnership)
    ]
    arrangement = fx_arrangement_list(membership=membership).filter(partnership=partnership).first()
    fx_rows = fx_exposure(arrangement=arrangement) if arrangement else []
    # Our payment analysis (cost of capital, whether to take the discount) is internal.
    terms = (
        None
        if membership.is_guest
        else PaymentTerms.objects.filter(partnership=partnership).first()
    )
    return {
        "savings": savings,
        "periods": periods,
        "allocation": allocation,
        "scheme": scheme,
        "statements": list(
            statement_list(membership=membership).filter(partnership=partnership)[:50]
        ),
        "rebates": rebates,
        "arrangement": arrangement,
        "fx_rows": fx_rows,
        "outcomes": non_financial_outcomes(partnership=partnership),
        "terms": terms,
        "working_capital": working_capital_of(terms) if terms else None,
        "fx_chart": fx_chart_svg(fx_rows, currency=arrangement.contract_currency)
        if arrangement
        else "",
    }


# -- the portfolio page ------------------------------------------------------------------------
#
# One page, three cards: savings, rebates and FX, each with totals per currency (two currencies
# are never added together). Only the savings table is paginated (50 rows a page, totals over
# every row). The rebate and FX lists are not capped: each has at most a row per rebate scheme in
# force and per FX arrangement (one per partnership), so they grow with the partnerships, not
# with the months recorded. Each card costs a fixed number of queries, whatever the rows.


def portfolio_savings(*, membership: Membership) -> list[dict[str, Any]]:
    """Per partnership and currency: savings claimed (all claims), verified (verified or
    accepted) and paid out (paid statements); a payout with no claim in its partnership and
    currency is a row of its own, with nothing claimed or verified. Two grouped queries,
    whatever the size."""
    claims = (
        savings_list(membership=membership)
        .order_by()
        .values("partnership", "partnership__name", "partnership__partner__name", "currency")
        .annotate(
            claimed=Sum("net_amount"),
            verified=Sum(
                "net_amount",
                filter=Q(status__in=[SavingsEntry.Status.VERIFIED, SavingsEntry.Status.ACCEPTED]),
            ),
            disputed=Count("pk", filter=Q(status=SavingsEntry.Status.DISPUTED)),
            entries=Count("pk"),
        )
    )
    paid = (
        statement_list(membership=membership)
        .filter(status=GainShareStatement.Status.PAID)
        .order_by()
        .values("partnership", "partnership__name", "partnership__partner__name", "currency")
        .annotate(paid=Sum("payout"))
    )
    paid_by = {(row["partnership"], row["currency"]): row for row in paid}
    rows = []
    for row in claims:
        payout = paid_by.pop((row["partnership"], row["currency"]), None)
        rows.append(_savings_row(row, paid=payout["paid"] if payout else None))
    # Paid out in a partnership and currency with no claim (a statement in the scheme's currency
    # while the claims are in another, say): money that left all the same, so a row of its own.
    rows.extend(_savings_row(row, paid=row["paid"]) for row in paid_by.values())
    rows.sort(key=lambda r: (r["partnership"], r["currency"]))
    return rows


def _savings_row(row: dict[str, Any], *, paid: Decimal | None) -> dict[str, Any]:
    currency = row["currency"]
    return {
        "partnership_id": row["partnership"],
        "partnership": row["partnership__name"],
        "partner": row["partnership__partner__name"],
        "currency": currency,
        "claimed": Money(row.get("claimed") or Z, currency),
        "verified": Money(row.get("verified") or Z, currency),
        "paid": Money(paid or Z, currency),
        "disputed": row.get("disputed", 0),
        "entries": row.get("entries", 0),
    }


def portfolio_totals(
    rows: list[dict[str, Any]], keys: tuple[str, ...] = ("claimed", "verified", "paid")
) -> list[dict[str, Any]]:
    """The rows' `keys` (Money) added up per currency (the row's `currency`), by currency."""
    by_currency: dict[str, dict[str, Any]] = {}
    for row in rows:
        currency = row["currency"]
        total = by_currency.setdefault(
            currency, {"currency": currency, **{key: Money(Z, currency) for key in keys}}
        )
        for key in keys:
            total[key] += row[key]
    return [by_currency[c] for c in sorted(by_currency)]


def portfolio_rebates(*, membership: Membership, today: date) -> list[dict[str, Any]]:
    """Every rebate scheme in force on `today` (its rebate year holds the day) that the member
    may see, with its `rebate_position`: volume and accrual to date, the tier now and the one
    projected at year end with its accrual. Three queries (the schemes, their tiers, their
    volumes), whatever the number of schemes. Totals: `portfolio_totals(rows,
    REBATE_TOTALS)`."""
    # Any year holding `today` started at most 366 days before it; the exact end is the
    # scheme's own `year_end` (a calendar year, leap days included).
    schemes = (
        rebate_scheme_list(membership=membership)
        .select_related("partnership__partner")
        .filter(year_start__lte=today, year_start__gte=today - timedelta(days=366))
        .order_by("partnership__name", "name", "pk")
    )
    rows = []
    for scheme in schemes:
        if today >= scheme.year_end:
            continue
        position = rebate_position(scheme=scheme, today=today)
        rows.append(
            {
                "position": position,
                "scheme": scheme,
                "partnership_id": scheme.partnership_id,
                "partnership": scheme.partnership.name,
                "partner": scheme.partnership.partner.name,
                "currency": scheme.currency,
                "accrual": position.accrual,
                "projected_accrual": position.projected_accrual,
            }
        )
    return rows


REBATE_TOTALS = ("accrual", "projected_accrual")


def portfolio_fx(*, membership: Membership) -> list[dict[str, Any]]:
    """Every FX arrangement the member may see, with the FX effect of all its invoiced months
    added up in the contract currency and split into our part and the partner's, month by
    month exactly as `fx_exposure` computes them (months with no rate on the table add
    nothing and are counted). Three queries (the arrangements, their amounts, every rate
    needed), whatever the number of arrangements. Totals: `portfolio_totals(rows,
    FX_TOTALS)`."""
    arrangements = list(
        fx_arrangement_list(membership=membership)
        .select_related("partnership__partner")
        .order_by("partnership__name", "pk")
    )
    amounts = {
        arrangement.pk: sorted(arrangement.amounts.all(), key=lambda a: a.period_start)
        for arrangement in arrangements
    }
    rates = _fx_rates(
        {(a.invoice_currency, a.contract_currency) for a in arrangements if amounts[a.pk]},
        {amount.period_start for months in amounts.values() for amount in months},
    )
    rows = []
    for arrangement in arrangements:
        currency = arrangement.contract_currency
        row: dict[str, Any] = {
            "arrangement": arrangement,
            "partnership_id": arrangement.partnership_id,
            "partnership": arrangement.partnership.name,
            "partner": arrangement.partnership.partner.name,
            "invoice_currency": arrangement.invoice_currency,
            "currency": currency,
            "invoiced": Money(Z, arrangement.invoice_currency),
            "months": 0,
            "months_without_rate": 0,
            "effect": Money(Z, currency),
            "buyer": Money(Z, currency),
            "partner_part": Money(Z, currency),
        }
        buyer_bears = arrangement.bearer == Party.BUYER
        for month in _fx_rows(arrangement, amounts[arrangement.pk], rates):
            row["months"] += 1
            row["invoiced"] += Money(month["amount"].amount, arrangement.invoice_currency)
            fx = month["fx"]
            if fx is None:
                row["months_without_rate"] += 1
                continue
            row["effect"] += fx.effect
            row["buyer"] += fx.bearer_part if buyer_bears else fx.other_part
            row["partner_part"] += fx.other_part if buyer_bears else fx.bearer_part
        rows.append(row)
    return rows


FX_TOTALS = ("effect", "buyer", "partner_part")


def disclosures_of(*, membership: Membership, partnership: Partnership) -> list:
    """Open-book cost disclosures: governance's transparency protocol (one model)."""
    from governance.selectors import disclosure_list

    return list(disclosure_list(membership=membership).filter(partnership=partnership)[:50])


def working_capital_of(terms: PaymentTerms) -> dict[str, Any]:
    """The terms as paid, and the same terms with and without the early-payment discount."""
    spend = Money(terms.annual_spend, terms.currency)
    common = {
        "annual_spend": spend,
        "net_days": terms.net_days,
        "discount_percent": terms.discount_percent,
        "discount_days": terms.discount_days,
        "payment_run_days": terms.payment_run_days,
        "cost_of_capital_percent": terms.cost_of_capital,
    }
    current = calc.working_capital(take_discount=terms.take_discount, **common)
    other = calc.working_capital(take_discount=not terms.take_discount, **common)
    return {
        "current": current,
        "other": other,
        "cash_difference": other.payables - current.payables,
        "dpo_difference": other.dpo_days - current.dpo_days,
    }


# -- non-financial outcomes ----------------------------------------------------------------------

OUTCOME_THEMES = (
    ("Sustainability", ("co2", "carbon", "emission", "sustainab", "energy", "waste", "recycl")),
    ("Supplier diversity", ("divers", "minority", "women-owned", "sme")),
    ("Innovation adoption", ("innovat", "idea", "adopt", "patent", "new product")),
)


def _theme(kpi: Kpi) -> str | None:
    text = f"{kpi.code} {kpi.name}".lower()
    for theme, words in OUTCOME_THEMES:
        if any(word in text for word in words):
            return theme
    if kpi.perspective == "innovation_learning":
        return "Innovation adoption"
    return None


def non_financial_outcomes(*, partnership: Partnership) -> list[dict[str, Any]]:
    """The partnership's KPIs on innovation, supplier diversity and sustainability (by
    perspective and name), each with its first and latest approved value of the last twelve
    measured months and the change between them. Two queries."""
    kpis = [
        kpi
        for kpi in Kpi.objects.filter(partnership=partnership, is_active=True).order_by("name")
        if _theme(kpi)
    ]
    if not kpis:
        return []
    values: dict[int, list[tuple[date, Decimal]]] = {}
    for kpi_id, month, value in (
        Measurement.objects.filter(kpi__in=kpis, status=Measurement.Status.APPROVED)
        .order_by("kpi_id", "-period_start")
        .values_list("kpi_id", "period_start", "value")
    ):
        points = values.setdefault(kpi_id, [])
        if len(points) < 12:
            points.append((month, value))
    rows = []
    for kpi in kpis:
        points = values.get(kpi.pk, [])
        latest = points[0] if points else None
        first = points[-1] if points else None
        rows.append(
            {
                "theme": _theme(kpi),
                "kpi": kpi,
                "latest": latest,
                "first": first,
                "change": (latest[1] - first[1]) if latest and first and len(points) > 1 else None,
            }
        )
    rows.sort(key=lambda r: (r["theme"], r["kpi"].name))
    return rows


# -- volumes from the integrations module's invoices ---------------------------------------------


def invoiced_volumes(
    *, partnership: Partnership, start: date, end: date, item_code: str = ""
) -> dict[date, Decimal]:
    """Units invoiced to us per month (accepted EDI invoices of the partnership, by issue date,
    in [start, end)), all lines or those of one item (GTIN, buyer's or seller's code). One
    grouped query."""
    from integrations.models import EdiDocumentLine

    lines = EdiDocumentLine.objects.filter(
        partnership=partnership,
        document__doc_type="invoice",
        document__status="accepted",
        document__issue_date__gte=start,
        document__issue_date__lt=end,
    )
    if item_code:
        lines = lines.filter(
            Q(gtin=item_code) | Q(buyer_item_code=item_code) | Q(seller_item_code=item_code)
        )
    rows = (
        lines.annotate(month=TruncMonth("document__issue_date"))
        .order_by()
        .values("month")
        .annotate(units=Sum("quantity"))
    )
    return {row["month"]: row["units"] for row in rows if row["units"]}
