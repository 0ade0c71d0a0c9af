"""KPIs from the documents exchanged: on-time delivery, fill rate, invoice accuracy and the
requisition-to-pay cycle, computed per partnership and month from orders, despatch advices and
invoices, and written through performance's measurement services to the partnership's KPIs
whose source is the integration feed (never over a figure entered by hand)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations import services
from integrations.kpis import Header, document_kpis
from performance import services as performance
from performance.models import Measurement
from tenancy.context import tenant_scope
from tests.integrations.factories import (
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
)

NOW = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def test_the_figures_are_computed_per_month_from_orders_receipts_and_invoices():
    def h(pk, doc_type, number, reference, issued, errors=0):
        return Header(pk, 1, doc_type, number, reference, issued, errors)

    headers = [
        h(1, "order", "PO-1", "", date(2026, 1, 5)),
        h(2, "despatch_advice", "DA-1", "PO-1", date(2026, 1, 12)),
        h(3, "despatch_advice", "DA-2", "PO-1", date(2026, 1, 25)),  # B's rest, after the due day
        h(4, "order", "PO-2", "", date(2026, 1, 10)),
        h(5, "despatch_advice", "DA-3", "PO-2", date(2026, 1, 15)),
        h(6, "order", "PO-3", "", date(2026, 3, 10)),  # due on 24 March: not counted yet
        h(7, "invoice", "INV-1", "PO-1", date(2026, 2, 1)),
        h(8, "invoice", "INV-2", "PO-2", date(2026, 2, 10), errors=1),
        h(9, "invoice", "INV-3", "PO-2", date(2026, 2, 11)),  # a discrepancy was found on it
    ]
    ten, five = Decimal(10), Decimal(5)
    quantities = {
        1: {"A": ten, "B": ten}, 2: {"A": ten, "B": five}, 3: {"B": five},
        4: {"A": ten}, 5: {"A": Decimal(8)}, 6: {"A": ten},
    }  # fmt: skip
    figures = document_kpis(
        headers=headers, quantities=quantities, disputed_invoices={9}, lead_time_days=14,
        today=NOW.date(),
    )  # fmt: skip
    # January: PO-1 late (B completed after its due day), PO-2 short (8 of 10): none on time;
    # 28 of 30 received.
    assert figures[(1, JAN)] == {"on_time_delivery": Decimal("0.00"),
                                 "fill_rate": Decimal("93.33")}  # fmt: skip
    # February: one invoice of three is clean; 27, 31 and 32 days from order to invoice.
    assert figures[(1, FEB)] == {
        "invoice_accuracy": Decimal("33.33"),
        "requisition_to_pay_days": Decimal("30.00"),
    }
    assert (1, date(2026, 3, 1)) not in figures


@pytest.fixture
def documents(org_a, partnership):
    def doc(doc_type, number, reference, issued, items, errors=0):
        made = EdiDocumentFactory(
            organization=org_a, partnership=partnership, doc_type=doc_type,
            document_number=number, order_reference=reference, issue_date=issued,
            error_count=errors,
        )  # fmt: skip
        for gtin, quantity in items:
            EdiDocumentLineFactory(
                organization=org_a, document=made, gtin=gtin, quantity=Decimal(quantity)
            )
        return made

    doc("order", "PO-1", "", date(2026, 1, 5), [("A", "10")])
    doc("despatch_advice", "DA-1", "PO-1", date(2026, 1, 9), [("A", "10")])
    invoice = doc("invoice", "INV-1", "PO-1", date(2026, 1, 20), [("A", "10")])
    return {"invoice": invoice}


def _kpi(manager, partnership, code, source="integration", unit="%"):
    return performance.kpi_create(
        actor=manager, partnership=partnership, code=code, name=code, perspective="operational",
        unit=unit, target=Decimal("95"), red_threshold=Decimal("80"), source=source,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_job_writes_measurements_to_the_feed_kpis_and_corrects_them_when_documents_change(
    org_a, manager, partnership, documents
):
    with tenant_scope(org_a):
        otd = _kpi(manager, partnership, "otd_pct")
        accuracy = _kpi(manager, partnership, "invoice_accuracy_pct")
        manual = _kpi(manager, partnership, "fill_rate_pct", source="manual")
        counts = services.document_kpis_record(now=NOW)
        assert counts["recorded"] == 2
        values = dict(Measurement.objects.values_list("kpi__code", "value"))
        assert values == {"otd_pct": Decimal("100"), "invoice_accuracy_pct": Decimal("100")}
        assert set(Measurement.objects.values_list("source", flat=True)) == {"integration"}
        assert not Measurement.objects.filter(kpi=manual).exists()  # not a feed KPI
        assert services.document_kpis_record(now=NOW)["recorded"] == 0  # a rerun adds nothing
        DiscrepancyFactory(organization=org_a, partnership=partnership,
                           document=documents["invoice"])  # fmt: skip
        assert services.document_kpis_record(now=NOW)["corrected"] == 1
        assert Measurement.objects.get(kpi=accuracy).value == Decimal("0")
        assert Measurement.objects.get(kpi=otd).value == Decimal("100")


@pytest.mark.django_db
def test_a_figure_entered_by_hand_is_never_overwritten(org_a, manager, partnership, documents):
    with tenant_scope(org_a):
        otd = _kpi(manager, partnership, "otd_pct")
        performance.measurement_record(
            actor=manager, kpi=otd, period_start=JAN, value=Decimal("91"), today=NOW.date(), now=NOW
        )
        assert services.document_kpis_record(now=NOW)["kept_manual"] == 1
        assert Measurement.objects.get(kpi=otd).value == Decimal("91")


def test_the_kpi_job_is_scheduled():
    from django.conf import settings

    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "integrations.tasks.document_kpis_record_all_tenants" in entries
