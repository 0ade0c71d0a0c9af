"""The finance portfolio page rolls up, across every partnership the member may see, savings
(claimed / verified / paid out), the rebate schemes in force (accrued and projected at year
end, as `rebate_position` computes them) and FX exposure (the effect to date split into the
buyer's and the partner's part, as `fx_exposure` computes them), each with totals per currency
that never add two currencies together, in a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance import selectors
from finance.models import FxArrangement, Party, RebateScheme
from tenancy.context import tenant_scope
from tenancy.models import Membership
from tenancy.money import Money
from tests.finance.conftest import TODAY
from tests.finance.factories import (
    FxArrangementFactory,
    FxInvoiceAmountFactory,
    FxRateFactory,
    GainShareStatementFactory,
    RebateSchemeFactory,
    RebateTierFactory,
    SavingsEntryFactory,
    VolumeEntryFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = "/o/alpha/finance/"


@pytest.fixture
def on_today(monkeypatch):
    """The page's clock, fixed: the view passes it to the selectors."""
    monkeypatch.setattr("finance.views._today", lambda: TODAY)


def _membership(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def _scheme(organization, partnership=None, *, tiers=((0, 10), (1000, 9)), volumes=(), **fields):
    partnership = partnership or PartnershipFactory(organization=organization)
    scheme = RebateSchemeFactory(organization=organization, partnership=partnership, **fields)
    for low, price in tiers:
        RebateTierFactory(
            organization=organization, scheme=scheme, from_volume=D(low), unit_price=D(price)
        )
    for month, volume in volumes:
        VolumeEntryFactory(
            organization=organization, scheme=scheme, period_start=month, volume=D(volume)
        )
    return scheme


def _arrangement(organization, partnership=None, *, amounts=(), **fields):
    partnership = partnership or PartnershipFactory(organization=organization)
    arrangement = FxArrangementFactory(organization=organization, partnership=partnership, **fields)
    for month, amount in amounts:
        FxInvoiceAmountFactory(
            organization=organization,
            arrangement=arrangement,
            period_start=month,
            amount=D(amount),
        )
    return arrangement


def _rate(organization, currency, quote_currency, month, rate):
    FxRateFactory(
        organization=organization,
        currency=currency,
        quote_currency=quote_currency,
        period_start=month,
        rate=D(rate),
    )


JAN, FEB, MAR = date(2030, 1, 1), date(2030, 2, 1), date(2030, 3, 1)


def _fx_portfolio(organization):
    """Three arrangements: two in EUR (the buyer bears one, the partner the other), one in
    GBP; a February rate only as its inverse; a March amount with no rate at all."""
    alder = _arrangement(
        organization,
        PartnershipFactory(organization=organization, name="Alder"),
        base_rate=D("0.90"),
        amounts=((JAN, 100000), (FEB, 200000), (MAR, 50000)),
    )
    birch = _arrangement(
        organization,
        PartnershipFactory(organization=organization, name="Birch"),
        base_rate=D("0.92"),
        bearer=Party.PARTNER,
        amounts=((JAN, 10000),),
    )
    cedar = _arrangement(
        organization,
        PartnershipFactory(organization=organization, name="Cedar"),
        contract_currency="GBP",
        base_rate=D("0.80"),
        amounts=((JAN, 50000),),
    )
    _rate(organization, "USD", "EUR", JAN, "1.00")
    _rate(organization, "EUR", "USD", FEB, "1.25")  # USD/EUR 0.80, read as the inverse
    _rate(organization, "USD", "GBP", JAN, "0.85")
    return alder, birch, cedar


# -- rebates ------------------------------------------------------------------------------------


def test_the_portfolio_adds_up_every_schemes_accrued_rebate_per_currency(org_a, fin):
    with tenant_scope(org_a):
        _scheme(org_a, name="Bearings", volumes=((JAN, 1200),))  # EUR 1,200.00
        _scheme(
            org_a,
            name="Castings",
            kind=RebateScheme.Kind.INCREMENTAL,
            tiers=((0, 10), (500, 8)),
            volumes=((JAN, 500), (FEB, 300), (date(2030, 5, 1), 9000)),  # May: not yet
        )  # EUR 600.00
        _scheme(org_a, name="Drives", currency="USD", volumes=((MAR, 2000),))  # USD 2,000.00

        rows = selectors.portfolio_rebates(membership=_membership(fin, org_a), today=TODAY)
        totals = selectors.portfolio_totals(rows, selectors.REBATE_TOTALS)

        assert [(r["scheme"].name, r["accrual"]) for r in rows] == [
            ("Bearings", Money(D("1200.00"), "EUR")),
            ("Castings", Money(D("600.00"), "EUR")),
            ("Drives", Money(D("2000.00"), "USD")),
        ]
        assert [(t["currency"], t["accrual"].amount) for t in totals] == [
            ("EUR", D("1800.00")),
            ("USD", D("2000.00")),
        ]
        assert [t["projected_accrual"] for t in totals] == [
            sum((r["projected_accrual"] for r in rows[:2]), Money(D(0), "EUR")),
            rows[2]["projected_accrual"],
        ]


def test_each_schemes_row_is_exactly_its_rebate_position(org_a, fin):
    with tenant_scope(org_a):
        for kind, volume in (("retroactive", 300), ("incremental", 1500), ("retroactive", 0)):
            _scheme(
                org_a,
                kind=kind,
                tiers=((0, 10), (1000, 9), (4000, "8.5")),
                volumes=((JAN, volume), (FEB, volume)),
            )

        rows = selectors.portfolio_rebates(membership=_membership(fin, org_a), today=TODAY)

        assert len(rows) == 3
        for row in rows:
            alone = selectors.rebate_position(
                scheme=RebateScheme.objects.get(pk=row["scheme"].pk), today=TODAY
            )
            position = row["position"]
            assert (
                position.volume_to_date,
                position.accrual,
                position.current_tier,
                position.projected_volume,
                position.projected_tier,
                position.projected_accrual,
            ) == (
                alone.volume_to_date,
                alone.accrual,
                alone.current_tier,
                alone.projected_volume,
                alone.projected_tier,
                alone.projected_accrual,
            )
            assert row["accrual"] == alone.accrual
            assert row["projected_accrual"] == alone.projected_accrual
        # Three volumes, three paces: each row reaches its own projected tier.
        assert sorted(row["position"].projected_tier.from_volume for row in rows) == [
            D(0),
            D(1000),
            D(4000),
        ]


def test_only_schemes_whose_rebate_year_holds_today_are_in_force(org_a, fin):
    with tenant_scope(org_a):
        for name, start in (
            ("Ended yesterday", date(2029, 4, 1)),  # its year ends on TODAY (2030-04-01)
            ("Last day", date(2029, 4, 2)),
            ("Started today", TODAY),
            ("Starts tomorrow", date(2030, 4, 2)),
            ("Long gone", date(2020, 1, 1)),
        ):
            _scheme(org_a, name=name, year_start=start)

        rows = selectors.portfolio_rebates(membership=_membership(fin, org_a), today=TODAY)

    assert sorted(row["scheme"].name for row in rows) == ["Last day", "Started today"]


# -- FX -----------------------------------------------------------------------------------------


def test_the_portfolio_fx_parts_are_the_sum_of_each_arrangements_monthly_exposure(org_a, fin):
    with tenant_scope(org_a):
        _fx_portfolio(org_a)

        rows = selectors.portfolio_fx(membership=_membership(fin, org_a))

        assert [row["partnership"] for row in rows] == ["Alder", "Birch", "Cedar"]
        for row in rows:
            months = selectors.fx_exposure(
                arrangement=FxArrangement.objects.get(pk=row["arrangement"].pk)
            )
            effects = [month["fx"] for month in months if month["fx"]]
            buyer_bears = row["arrangement"].bearer == Party.BUYER
            zero = Money(D(0), row["currency"])
            assert row["effect"] == sum((fx.effect for fx in effects), zero)
            assert row["buyer"] == sum(
                (fx.bearer_part if buyer_bears else fx.other_part for fx in effects), zero
            )
            assert row["partner_part"] == sum(
                (fx.other_part if buyer_bears else fx.bearer_part for fx in effects), zero
            )
            assert row["months"] == len(months)
            assert row["months_without_rate"] == len(months) - len(effects)
        alder, birch, cedar = rows
        # January +10,000 (7,250 the buyer's, 2,750 beyond the band half the partner's);
        # February at the inverse rate −20,000 (−14,500 / −5,500); March has no rate.
        assert (alder["effect"], alder["buyer"], alder["partner_part"]) == (
            Money(D("-10000.00"), "EUR"),
            Money(D("-7250.00"), "EUR"),
            Money(D("-2750.00"), "EUR"),
        )
        assert alder["months_without_rate"] == 1
        # The partner bears Birch's band: its part is the bearer's.
        assert (birch["buyer"], birch["partner_part"]) == (
            Money(D("170.00"), "EUR"),
            Money(D("630.00"), "EUR"),
        )
        assert (cedar["buyer"], cedar["partner_part"]) == (
            Money(D("2250.00"), "GBP"),
            Money(D("250.00"), "GBP"),
        )


def test_fx_totals_are_per_contract_currency(org_a, fin):
    with tenant_scope(org_a):
        _fx_portfolio(org_a)
        rows = selectors.portfolio_fx(membership=_membership(fin, org_a))

    totals = selectors.portfolio_totals(rows, selectors.FX_TOTALS)

    assert [
        (t["currency"], t["effect"].amount, t["buyer"].amount, t["partner_part"].amount)
        for t in totals
    ] == [
        ("EUR", D("-9200.00"), D("-7080.00"), D("-2120.00")),
        ("GBP", D("2500.00"), D("2250.00"), D("250.00")),
    ]


def test_an_arrangement_with_nothing_invoiced_yet_shows_with_no_effect(org_a, fin):
    with tenant_scope(org_a):
        _arrangement(org_a)
        [row] = selectors.portfolio_fx(membership=_membership(fin, org_a))

    assert (row["months"], row["effect"], row["buyer"]) == (
        0,
        Money(D(0), "EUR"),
        Money(D(0), "EUR"),
    )


# -- savings ------------------------------------------------------------------------------------


def test_a_gain_share_payout_without_a_claim_shows_as_its_own_row(org_a, fin):
    with tenant_scope(org_a):
        alder = PartnershipFactory(organization=org_a, name="Alder")
        birch = PartnershipFactory(organization=org_a, name="Birch")
        SavingsEntryFactory(organization=org_a, partnership=alder, currency="EUR")
        # Alder's payout in USD, where it has no claim; Birch has no claim at all.
        GainShareStatementFactory(
            organization=org_a, partnership=alder, currency="USD", status="paid", payout=D(300)
        )
        GainShareStatementFactory(
            organization=org_a, partnership=birch, currency="EUR", status="paid", payout=D(400)
        )
        GainShareStatementFactory(  # issued, not paid: not a payout
            organization=org_a, partnership=birch, currency="GBP", status="issued"
        )
        rows = selectors.portfolio_savings(membership=_membership(fin, org_a))

    assert [
        (r["partnership"], r["currency"], r["claimed"].amount, r["verified"].amount, r["paid"])
        for r in rows
    ] == [
        ("Alder", "EUR", D("1000.00"), D(0), Money(D(0), "EUR")),
        ("Alder", "USD", D(0), D(0), Money(D(300), "USD")),
        ("Birch", "EUR", D(0), D(0), Money(D(400), "EUR")),
    ]
    assert rows[2]["partner"] == birch.partner.name
    totals = selectors.portfolio_totals(rows)
    assert [(t["currency"], t["paid"].amount) for t in totals] == [
        ("EUR", D(400)),
        ("USD", D(300)),
    ]


# -- who sees what ------------------------------------------------------------------------------


def test_another_organizations_schemes_and_arrangements_never_appear(
    client_as, fin, org_a, org_b, on_today
):
    with tenant_scope(org_a):
        _scheme(org_a, PartnershipFactory(organization=org_a, name="Alder"), name="Alder tiers")
        _arrangement(org_a, PartnershipFactory(organization=org_a, name="Alder FX"))
    with tenant_scope(org_b):
        _scheme(org_b, PartnershipFactory(organization=org_b, name="Bravo"), name="Bravo tiers")
        _arrangement(org_b, PartnershipFactory(organization=org_b, name="Bravo FX"))

    html = client_as(fin).get(PAGE).content.decode()

    assert "Alder tiers" in html and "Alder FX" in html
    assert "Bravo tiers" not in html and "Bravo FX" not in html


def test_a_partner_guest_sees_only_their_partnerships_rebates_and_fx(
    client_as, guest, partnership, org_a, on_today
):
    with tenant_scope(org_a):
        _scheme(org_a, partnership, name="Alder tiers", volumes=((JAN, 1200),))
        _arrangement(org_a, partnership)
        other = PartnershipFactory(organization=org_a, name="Birch logistics")
        _scheme(org_a, other, name="Birch tiers", currency="CHF", volumes=((JAN, 5000),))
        _arrangement(org_a, other, contract_currency="GBP")

    page = client_as(guest).get(PAGE)

    assert page.status_code == 200  # the finance module is open to guests, scoped to theirs
    html = page.content.decode()
    assert "Alder tiers" in html and "Alder drive-train" in html
    assert "Birch" not in html and "CHF" not in html and "GBP" not in html


# -- the page -----------------------------------------------------------------------------------


CONTRACT_CURRENCIES = ("EUR", "GBP", "CHF")


def _one_of_each(organization, n):
    """A partnership with a saving, a rebate scheme in force and an FX arrangement."""
    partnership = PartnershipFactory(organization=organization, name=f"Partnership {n:02}")
    SavingsEntryFactory(organization=organization, partnership=partnership)
    _scheme(organization, partnership, volumes=((JAN, 1000 + n), (FEB, 10)))
    _arrangement(
        organization,
        partnership,
        contract_currency=CONTRACT_CURRENCIES[n % 3],
        amounts=((JAN, 1000 * (n + 1)), (FEB, 500)),
    )


def test_the_page_issues_the_same_queries_for_one_scheme_and_arrangement_as_for_six(
    client_as, fin, org_a, on_today, django_assert_max_num_queries
):
    client = client_as(fin)
    with tenant_scope(org_a):
        for currency in CONTRACT_CURRENCIES:
            _rate(org_a, "USD", currency, JAN, "0.95")
            _rate(org_a, currency, "USD", FEB, "1.05")
        _one_of_each(org_a, 0)
    client.get(PAGE)  # the session and the membership warm up once

    with CaptureQueriesContext(connection) as one:
        first = client.get(PAGE).content.decode()
    with tenant_scope(org_a):
        for n in range(1, 6):
            _one_of_each(org_a, n)
    # 11 for the page and the savings (session, membership, tenant, notifications), 3 for the
    # rebates (schemes, tiers, volumes), 3 for FX (arrangements, amounts, rates).
    with django_assert_max_num_queries(17), CaptureQueriesContext(connection) as six:
        second = client.get(PAGE).content.decode()

    assert first.count('#rebates">') == 1 and first.count('#fx">') == 1
    assert second.count('#rebates">') == 6 and second.count('#fx">') == 6
    assert len(six) == len(one)


def test_empty_sections_say_so_and_where_to_start(client_as, fin, on_today):
    html = client_as(fin).get(PAGE).content.decode()

    assert "No savings recorded yet. Record one on a partnership's finance tab." in html
    assert (
        "No rebate scheme is in force today. Set one up on a partnership's finance tab, under "
        "Pricing tiers and rebates." in html
    )
    assert (
        "No FX arrangement yet. Set one up on a partnership's finance tab, under FX exposure."
        in html
    )
    assert "Total of every" not in html


def test_amounts_show_with_separators_and_each_currency_its_own_total(
    client_as, fin, org_a, on_today
):
    with tenant_scope(org_a):
        # 12,345 units repriced from 10 to 9: EUR 12,345.00 back.
        _scheme(org_a, volumes=((JAN, 12345),))
        _scheme(org_a, currency="JPY", tiers=((0, 1000), (100, 900)), volumes=((JAN, 12345),))
        _fx_portfolio(org_a)

    html = client_as(fin).get(PAGE).content.decode()

    assert html.count("EUR 12,345.00") == 2  # the row and the euro total
    assert html.count("JPY 1,234,500") == 2  # yen have no decimals
    assert "Total of every scheme (EUR)" in html and "Total of every scheme (JPY)" in html
    assert "EUR -7,250.00" in html  # Alder's buyer part
    assert "EUR -7,080.00" in html and "EUR -2,120.00" in html  # the euro FX totals
    assert "GBP 2,250.00" in html
    assert "1 without a rate" in html
