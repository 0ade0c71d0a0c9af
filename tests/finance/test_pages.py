"""The finance pages: every action is a page with a form; the guest verifies savings and never
sees the buyer's internal note or the competition-law review; lists are pinned in queries."""

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from finance import services
from finance.models import SavingsEntry
from tenancy.context import tenant_scope
from tests.finance.conftest import NOW
from tests.finance.factories import (
    CostPoolFactory,
    GainShareStatementFactory,
    RebateSchemeFactory,
    SavingsEntryFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _url(partnership, suffix=""):
    return f"/o/alpha/partnerships/{partnership.pk}/finance/{suffix}"


def test_a_finance_user_records_a_saving_through_the_form(client_as, fin, partnership):
    client = client_as(fin)
    page = client.get(_url(partnership, "savings/new/"))
    assert page.status_code == 200
    response = client.post(
        _url(partnership, "savings/new/"),
        {
            "title": "Casting redesign",
            "category": "hard",
            "period_start": "2030-02-10",
            "currency": "EUR",
            "baseline_price": "10",
            "actual_price": "9",
            "volume": "-4",
        },
    )
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    response = client.post(
        _url(partnership, "savings/new/"),
        {
            "title": "Casting redesign",
            "category": "hard",
            "period_start": "2030-02-10",
            "currency": "EUR",
            "baseline_price": "10",
            "actual_price": "9",
            "volume": "1200",
            "internal_note": "Walk-away price 9.20",
        },
    )
    assert response.status_code == 302
    with tenant_scope(partnership.organization):
        entry = SavingsEntry.objects.get()
    assert entry.net_amount == D("1200.00")
    tab = client.get(_url(partnership)).content.decode()
    assert "Casting redesign" in tab and "1,200.00" in tab


def test_guest_verifies_the_buyers_saving_and_never_sees_the_internal_note(
    client_as, fin, guest, partnership, org_a
):
    with tenant_scope(org_a):
        entry = services.savings_record(
            actor=fin,
            partnership=partnership,
            now=NOW,
            title="Freight consolidation",
            period_start=date(2030, 2, 1),
            currency="EUR",
            baseline_price=D("5"),
            actual_price=D("4"),
            volume=D("100"),
            internal_note="Competitor quoted 3.90",
        )
    client = client_as(guest)
    detail = client.get(f"/o/alpha/finance/savings/{entry.pk}/").content.decode()
    assert "Competitor quoted" not in detail
    assert "Verify the saving" in detail
    assert "Competitor quoted" not in client.get(_url(partnership)).content.decode()
    response = client.post(
        f"/o/alpha/finance/savings/{entry.pk}/verify/", {"evidence": "Freight invoices Feb"}
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        entry.refresh_from_db()
    assert entry.status == "verified" and entry.verified_by_id == guest.pk
    # The buyer sees its own note; the buyer's own claim offers them no verify button.
    own = client_as(fin).get(f"/o/alpha/finance/savings/{entry.pk}/").content.decode()
    assert "Competitor quoted" in own


def test_a_party_verifying_its_own_claim_gets_the_reason(client_as, fin, owner, partnership, org_a):
    with tenant_scope(org_a):
        entry = SavingsEntryFactory(organization=org_a, partnership=partnership)
    client = client_as(owner)
    response = client.post(
        f"/o/alpha/finance/savings/{entry.pk}/verify/", {"evidence": "x"}, follow=True
    )
    assert "cannot verify its own claim" in response.content.decode()
    with tenant_scope(org_a):
        entry.refresh_from_db()
    assert entry.status == "claimed"


def test_guest_never_sees_the_competition_law_review_or_draft_statements(
    client_as, guest, partnership, org_a
):
    with tenant_scope(org_a):
        scheme = RebateSchemeFactory(
            organization=org_a, partnership=partnership, competition_law_note="Counsel: risky"
        )
        draft = GainShareStatementFactory(
            organization=org_a, partnership=partnership, status="draft"
        )
    client = client_as(guest)
    page = client.get(f"/o/alpha/finance/rebates/{scheme.pk}/")
    assert page.status_code == 200 and "Counsel: risky" not in page.content.decode()
    assert client.get(f"/o/alpha/finance/statements/{draft.pk}/").status_code == 404
    claim_form = client.get(_url(partnership, "savings/new/"))
    assert claim_form.status_code == 200  # the partner claims savings too
    assert "Internal note" not in claim_form.content.decode()
    assert client.get(_url(partnership, "cost-pools/new/")).status_code == 403
    assert client.get("/o/alpha/finance/fx-rates/").status_code == 404


def test_statement_pdf_and_excel_show_the_payout(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        statement = GainShareStatementFactory(
            organization=org_a, partnership=partnership, payout=D("12345.60")
        )
    client = client_as(fin)
    pdf = client.get(f"/o/alpha/finance/statements/{statement.pk}/statement.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Payout to the partner" in text and "12,345.60 EUR" in text
    xlsx = client.get(f"/o/alpha/finance/statements/{statement.pk}/statement.xlsx")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    payout_row = [
        row for row in sheet.iter_rows(values_only=True) if row[0] == "Payout to the partner"
    ]
    assert payout_row[0][3:5] == ("EUR", 12345.6)  # openpyxl reads numbers back as float


def test_allocation_excel_sums_to_the_pool(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        CostPoolFactory(
            organization=org_a,
            partnership=partnership,
            amount=D("100.00"),
            buyer_driver=D(1),
            partner_driver=D(2),
        )
    response = client_as(fin).get(_url(partnership, "allocation.xlsx?month=2030-01-01"))
    sheet = load_workbook(BytesIO(response.content)).active
    row = list(sheet.iter_rows(min_row=2, values_only=True))[0]
    assert row[4:] == (100, 33.33, 66.67)  # openpyxl reads numbers back as float


def test_portfolio_savings_page_counts_claimed_verified_and_paid(
    client_as, fin, partnership, org_a, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for status in ("claimed", "verified", "accepted", "disputed"):
            SavingsEntryFactory(organization=org_a, partnership=partnership, status=status)
        GainShareStatementFactory(
            organization=org_a, partnership=partnership, status="paid", payout=D("700")
        )
        for _ in range(5):
            SavingsEntryFactory(organization=org_a)
    client = client_as(fin)
    client.get("/o/alpha/finance/")
    # The savings card, plus one query each for the rebate and FX cards finding nothing.
    with django_assert_max_num_queries(13):
        page = client.get("/o/alpha/finance/")
    html = page.content.decode()
    assert "4,000.00" in html and "2,000.00" in html and "700.00" in html


def test_portfolio_savings_page_shows_fifty_partnerships_a_page_and_totals_them_all(
    client_as, fin, org_a
):
    with tenant_scope(org_a):
        for _ in range(53):
            SavingsEntryFactory(organization=org_a, currency="EUR")  # one partnership each
    client = client_as(fin)

    first = client.get("/o/alpha/finance/").content.decode()
    second = client.get("/o/alpha/finance/?page=2").content.decode()

    rows = re.compile(r'href="/o/alpha/partnerships/\d+/finance/"')
    assert len(rows.findall(first)) == 50
    assert "Page 1 of 2 · 53 in all" in first
    assert len(rows.findall(second)) == 3
    for html in (first, second):  # the totals are the portfolio's, on every page
        assert "EUR 53,000.00" in html


def test_partnership_tab_issues_no_query_per_row(client_as, fin, partnership, org_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows():
        with tenant_scope(org_a):
            for _ in range(5):
                SavingsEntryFactory(organization=org_a, partnership=partnership)
            scheme = RebateSchemeFactory(organization=org_a, partnership=partnership)
            services.rebate_tier_add(
                actor=fin, scheme=scheme, from_volume=D(0), to_volume=None, unit_price=D(1)
            )
            CostPoolFactory(organization=org_a, partnership=partnership)
            GainShareStatementFactory(organization=org_a, partnership=partnership)

    client = client_as(fin)
    counts = []
    for _ in range(2):
        add_rows()
        client.get(_url(partnership))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(partnership)).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 30, counts


def test_payment_terms_page_and_the_guest_never_sees_the_analysis(
    client_as, fin, guest, partnership
):
    client = client_as(fin)
    url = _url(partnership, "payment-terms/")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "net_days": "30",
            "discount_percent": "2",
            "discount_days": "10",
            "payment_run_days": "7",
            "inventory": "consignment",
            "annual_spend": "3650000",
            "currency": "EUR",
            "cost_of_capital": "8",
        },
    )
    assert response.status_code == 302
    tab = client.get(_url(partnership)).content.decode()
    assert "33.5 days" in tab and "37.24 %" in tab
    assert "Working capital" not in client_as(guest).get(_url(partnership)).content.decode()


def test_non_financial_outcomes_come_from_the_kpis(client_as, fin, partnership, org_a):
    from tests.performance.factories import KpiFactory, MeasurementFactory

    with tenant_scope(org_a):
        kpi = KpiFactory(
            organization=org_a, partnership=partnership, code="co2", name="CO2 per unit", unit="kg"
        )
        KpiFactory(organization=org_a, partnership=partnership, name="On-time delivery")
        for month, value in ((1, "4.20"), (2, "3.90"), (3, "3.60")):
            MeasurementFactory(
                organization=org_a, kpi=kpi, period_start=date(2030, month, 1), value=D(value)
            )
    html = client_as(fin).get(_url(partnership)).content.decode()
    section = html[html.index('id="outcomes"') :]
    assert "Sustainability" in section and "CO2 per unit" in section
    assert "-0.60 kg" in section
    assert "On-time delivery" not in section[: section.index("</table>")]


def test_rates_imported_from_csv_feed_the_fx_tab_and_its_chart(client_as, fin, partnership):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(fin)
    bad = SimpleUploadedFile("rates.csv", b"USD,EUR,2030-01,-1\n", content_type="text/csv")
    response = client.post("/o/alpha/finance/fx-rates/import/", {"file": bad}, follow=True)
    assert "Row 1: A rate must be above zero." in response.content.decode()
    good = SimpleUploadedFile(
        "rates.csv", b"currency,quote_currency,month,rate\nUSD,EUR,2030-01,0.99\n"
    )
    client.post("/o/alpha/finance/fx-rates/import/", {"file": good})
    client.post(
        _url(partnership, "fx/"),
        {
            "contract_currency": "EUR",
            "invoice_currency": "USD",
            "base_rate": "0.90",
            "band_percent": "5",
            "bearer": "buyer",
            "other_share": "50",
        },
    )
    missing = client.post(
        _url(partnership, "fx/amounts/new/"), {"period_start": "2030-02-01", "amount": "1"}
    )
    assert missing.status_code == 400
    assert "no USD/EUR rate for February 2030" in missing.content.decode()
    client.post(
        _url(partnership, "fx/amounts/new/"), {"period_start": "2030-01-01", "amount": "100000"}
    )
    html = client.get(_url(partnership)).content.decode()
    section = html[html.index('id="fx"') :]
    assert "<svg" in section and "9,000.00" in section and "2,250.00" in section


def test_an_overlapping_tier_is_refused_on_the_page(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        scheme = RebateSchemeFactory(organization=org_a, partnership=partnership)
    client = client_as(fin)
    url = f"/o/alpha/finance/rebates/{scheme.pk}/tiers/new/"
    assert (
        client.post(url, {"from_volume": "0", "to_volume": "1000", "unit_price": "10"}).status_code
        == 302
    )
    response = client.post(url, {"from_volume": "500", "to_volume": "", "unit_price": "9"})
    assert response.status_code == 400
    assert "tiers cannot overlap" in response.content.decode()


def test_a_payout_is_recorded_only_with_its_payment_reference(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        statement = GainShareStatementFactory(organization=org_a, partnership=partnership)
    client = client_as(fin)
    url = f"/o/alpha/finance/statements/{statement.pk}/paid/"
    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "Give the payment reference." in refused
    client.post(url, {"reason": "Credit note CN-17"})
    with tenant_scope(org_a):
        statement.refresh_from_db()
    assert (statement.status, statement.paid_on is not None) == ("paid", True)


def test_guest_never_sees_other_partnerships_on_the_portfolio_page(
    client_as, guest, partnership, org_a
):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch logistics")
        SavingsEntryFactory(organization=org_a, partnership=partnership)
        SavingsEntryFactory(organization=org_a, partnership=other)
    html = client_as(guest).get("/o/alpha/finance/").content.decode()
    assert "Alder drive-train" in html and "Birch logistics" not in html
    assert "Exchange rates" not in html


def test_the_finance_page_marks_an_overdue_open_book_disclosure_as_governance_does(
    org_a, owner, partnership, guest, client_as
):
    from django.utils import timezone

    from tests.governance.factories import DisclosureFactory

    today = timezone.localdate()
    with tenant_scope(org_a):
        DisclosureFactory(
            partnership=partnership,
            data_type="margin",
            next_due_on=today - timedelta(days=1),
        )
        DisclosureFactory(partnership=partnership, next_due_on=today)  # due today: not late
    for viewer in (owner, guest):
        page = client_as(viewer).get(_url(partnership)).content.decode()
        assert page.count('data-testid="disclosure-overdue"') == 1
