"""Document KPI rules pinned in their exact words: the KPI codes written to (the defaults, a
setting overriding some) and the lead time (14 days unless set); which KPIs the job writes to
(of the integration feed, active, of a known code, of the partnership asked for), nothing done
without any; what it reads (accepted orders, despatch advices and invoices of those
partnerships, each dated by its issue date or else the day it was received, the quantity per
item by its first code, the invoices with a discrepancy, today in the local zone); what it
writes (a month without a figure recorded from the feed with its note, a figure entered by hand
kept, a feed figure corrected with its reason when the documents changed but not when rejected,
an equal one left), the counts it returns and its audit event. Found by
`make mutation MUTATION_ARGS=integrations.document_kpis`."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from integrations import kpis as kpi_rules
from integrations import services
from integrations.services.document_kpis import document_kpi_codes, kpi_lead_time_days
from performance import services as performance
from performance.models import Kpi, Measurement
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.integrations.factories import (
    DiscrepancyFactory,
    EdiDocumentFactory,
    EdiDocumentLineFactory,
)
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
NOTE = "Computed from the documents exchanged (integrations)."
ZERO = {"recorded": 0, "corrected": 0, "unchanged": 0, "kept_manual": 0}


@pytest.fixture
def figures(monkeypatch):
    """The figures the job gets from integrations.kpis, and what it passed to get them."""
    state = {"figures": {}, "calls": []}

    def document_kpis(**kwargs):
        state["calls"].append(kwargs)
        return state["figures"]

    monkeypatch.setattr(kpi_rules, "document_kpis", document_kpis)
    return state


def _kpi(org, manager, partnership, code, source="integration", **fields) -> Kpi:
    with tenant_scope(org):
        kpi = performance.kpi_create(
            actor=manager, partnership=partnership, code=code, name=code,
            perspective="operational", unit="%", target=Decimal("95"),
            red_threshold=Decimal("80"), source=source,
        )  # fmt: skip
        if fields:
            Kpi.objects.filter(pk=kpi.pk).update(**fields)
        return kpi


def _record(org, **kwargs) -> dict:
    with tenant_scope(org):
        return services.document_kpis_record(now=kwargs.pop("now", NOW), **kwargs)


def _measurements(org):
    with tenant_scope(org):
        return {
            (m.kpi_id, m.period_start): m
            for m in Measurement.objects.select_related("submitted_by")
        }


def _events(org):
    with tenant_scope(org):
        return list(
            AuditEvent.objects.filter(action="integrations.document_kpis.recorded").order_by(
                "sequence"
            )
        )


# --- the codes and the lead time ----------------------------------------------------------------


def test_the_codes_are_the_defaults_unless_a_setting_overrides_some(settings):
    assert document_kpi_codes() == {
        "on_time_delivery": "otd_pct", "fill_rate": "fill_rate_pct",
        "invoice_accuracy": "invoice_accuracy_pct", "requisition_to_pay_days": "r2p_days",
    }  # fmt: skip
    settings.INTEGRATIONS_KPI_CODES = {"fill_rate": "fill"}
    assert document_kpi_codes()["fill_rate"] == "fill"
    assert document_kpi_codes()["on_time_delivery"] == "otd_pct"


def test_the_lead_time_is_14_days_unless_set(settings):
    if hasattr(settings, "INTEGRATIONS_KPI_LEAD_TIME_DAYS"):
        del settings.INTEGRATIONS_KPI_LEAD_TIME_DAYS
    assert kpi_lead_time_days() == 14
    settings.INTEGRATIONS_KPI_LEAD_TIME_DAYS = "21"
    assert kpi_lead_time_days() == 21


# --- which KPIs ---------------------------------------------------------------------------------


def test_without_a_feed_kpi_nothing_is_read_and_nothing_counted(
    org_a, manager, partnership, figures
):
    _kpi(org_a, manager, partnership, "otd_pct", source="manual")
    _kpi(org_a, manager, partnership, "other_pct")
    _kpi(org_a, manager, partnership, "fill_rate_pct", is_active=False)
    assert _record(org_a) == ZERO
    assert figures["calls"] == []
    assert _events(org_a) == []


def test_only_the_active_feed_kpis_of_the_agreed_codes_get_figures(
    org_a, manager, partnership, figures
):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    _kpi(org_a, manager, partnership, "fill_rate_pct", source="manual")
    _kpi(org_a, manager, partnership, "invoice_accuracy_pct", is_active=False)
    other = _kpi(org_a, manager, partnership, "r2p_days_x")
    figures["figures"] = {
        (partnership.pk, JAN): {
            "on_time_delivery": Decimal("90"), "fill_rate": Decimal("80"),
            "invoice_accuracy": Decimal("70"), "requisition_to_pay_days": Decimal("30"),
        }
    }  # fmt: skip
    assert _record(org_a, actor=manager) == {**ZERO, "recorded": 1}
    stored = _measurements(org_a)
    assert set(stored) == {(otd.pk, JAN)}
    measured = stored[(otd.pk, JAN)]
    assert (measured.value, measured.source, measured.note) == (Decimal("90"), "integration", NOTE)
    assert (measured.status, measured.submitted_by) == ("approved", manager)
    assert other.pk not in {k for k, _ in stored}


def test_a_setting_sends_a_metric_to_another_code(org_a, manager, partnership, figures, settings):
    settings.INTEGRATIONS_KPI_CODES = {"on_time_delivery": "delivery_pct"}
    renamed = _kpi(org_a, manager, partnership, "delivery_pct")
    _kpi(org_a, manager, partnership, "otd_pct")
    figures["figures"] = {(partnership.pk, JAN): {"on_time_delivery": Decimal("90")}}
    assert _record(org_a)["recorded"] == 1
    assert set(_measurements(org_a)) == {(renamed.pk, JAN)}


def test_a_partnership_asked_for_is_the_only_one_written(org_a, manager, partnership, figures):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    mine = _kpi(org_a, manager, partnership, "otd_pct")
    _kpi(org_a, manager, other, "otd_pct")
    figures["figures"] = {
        (partnership.pk, JAN): {"on_time_delivery": Decimal("90")},
        (other.pk, JAN): {"on_time_delivery": Decimal("80")},
    }
    assert _record(org_a, partnership_id=partnership.pk)["recorded"] == 1
    assert set(_measurements(org_a)) == {(mine.pk, JAN)}


def test_figures_of_a_partnership_without_the_kpi_are_left_out(
    org_a, manager, partnership, figures
):
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    mine = _kpi(org_a, manager, partnership, "otd_pct")
    figures["figures"] = {
        (partnership.pk, JAN): {"on_time_delivery": Decimal("90"), "fill_rate": Decimal("70")},
        (other.pk, JAN): {"on_time_delivery": Decimal("80")},
    }
    assert _record(org_a) == {**ZERO, "recorded": 1}
    assert set(_measurements(org_a)) == {(mine.pk, JAN)}


# --- what the job reads -------------------------------------------------------------------------


def test_the_job_reads_the_accepted_documents_of_the_feed_partnerships(
    org_a, manager, partnership, figures, settings
):
    settings.INTEGRATIONS_KPI_LEAD_TIME_DAYS = 10
    settings.TIME_ZONE = "Europe/Berlin"  # an hour ahead of UTC in winter
    other = PartnershipFactory(organization=org_a, owner=manager, name="Birch castings")
    _kpi(org_a, manager, partnership, "otd_pct")

    def doc(doc_type, number, reference="", **fields):
        return EdiDocumentFactory(
            organization=org_a, partnership=fields.pop("to", partnership), doc_type=doc_type,
            document_number=number, order_reference=reference, **fields,
        )  # fmt: skip

    order = doc("order", "PO-1", issue_date=date(2026, 1, 5), error_count=0)
    received = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    advice = doc("despatch_advice", "DA-1", "PO-1", issue_date=None, received_at=received)
    invoice = doc("invoice", "INV-1", "PO-1", issue_date=date(2026, 2, 3), error_count=2)
    disputed = doc("invoice", "INV-2", "PO-1", issue_date=date(2026, 2, 4))
    doc("invoice", "INV-3", "PO-1", status="rejected")
    doc("credit_note", "CN-1", "PO-1")
    doc("order", "PO-9", to=other)
    for document, gtin, buyer, seller, quantity in [
        (order, "G1", "B1", "", "4"), (order, "G1", "", "", "6"), (order, "", "B2", "S2", "3"),
        (order, "", "", "S3", "2"), (order, "", "", "", "9"), (advice, "", "", "S3", "1.5"),
    ]:  # fmt: skip
        EdiDocumentLineFactory(
            organization=org_a, document=document, gtin=gtin, buyer_item_code=buyer,
            seller_item_code=seller, quantity=Decimal(quantity),
        )  # fmt: skip
    DiscrepancyFactory(organization=org_a, partnership=partnership, document=disputed)
    DiscrepancyFactory(organization=org_a, partnership=partnership, document=disputed)
    DiscrepancyFactory(organization=org_a, partnership=partnership, document=order)
    with tenant_scope(org_a):
        services.document_kpis_record(now=NOW)
    [call] = figures["calls"]
    assert sorted(call["headers"], key=lambda h: h.pk) == [
        kpi_rules.Header(order.pk, partnership.pk, "order", "PO-1", "", date(2026, 1, 5), 0),
        kpi_rules.Header(
            advice.pk, partnership.pk, "despatch_advice", "DA-1", "PO-1", date(2026, 2, 1), 0
        ),
        kpi_rules.Header(
            invoice.pk, partnership.pk, "invoice", "INV-1", "PO-1", date(2026, 2, 3), 2
        ),
        kpi_rules.Header(
            disputed.pk, partnership.pk, "invoice", "INV-2", "PO-1", date(2026, 2, 4), 0
        ),
    ]
    assert call["quantities"] == {
        order.pk: {"G1": Decimal("10"), "B2": Decimal("3"), "S3": Decimal("2")},
        advice.pk: {"S3": Decimal("1.5")},
    }
    assert call["disputed_invoices"] == {disputed.pk}
    assert (call["lead_time_days"], call["today"]) == (10, date(2026, 3, 16))


# --- what the job writes ------------------------------------------------------------------------


def test_existing_feed_figures_are_corrected_when_they_changed_and_kept_when_equal(
    org_a, manager, partnership, figures
):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    fill = _kpi(org_a, manager, partnership, "fill_rate_pct")
    accuracy = _kpi(org_a, manager, partnership, "invoice_accuracy_pct")
    first = {"on_time_delivery": Decimal("90"), "fill_rate": Decimal("80"),
             "invoice_accuracy": Decimal("70")}  # fmt: skip
    figures["figures"] = {(partnership.pk, JAN): first}
    assert _record(org_a) == {**ZERO, "recorded": 3}
    figures["figures"] = {(partnership.pk, JAN): {**first, "on_time_delivery": Decimal("85"),
                                                  "fill_rate": Decimal("75")}}  # fmt: skip
    later = NOW + timedelta(days=1)
    assert _record(org_a, actor=manager, now=later) == {**ZERO, "corrected": 2, "unchanged": 1}
    stored = _measurements(org_a)
    assert [stored[(k.pk, JAN)].value for k in (otd, fill, accuracy)] == [
        Decimal("85"), Decimal("75"), Decimal("70")
    ]  # fmt: skip
    with tenant_scope(org_a):
        corrected = AuditEvent.objects.get(
            action="performance.measurement.corrected", object_id=str(stored[(otd.pk, JAN)].pk)
        )
    assert corrected.actor == manager
    assert corrected.changes["reason"] == "The documents of the month changed."


def test_figures_entered_by_hand_are_kept_and_counted(org_a, manager, partnership, figures):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    fill = _kpi(org_a, manager, partnership, "fill_rate_pct")
    with tenant_scope(org_a):
        for kpi in (otd, fill):
            performance.measurement_record(
                actor=manager, kpi=kpi, period_start=JAN, value=Decimal("91"), today=NOW.date(),
                now=NOW,
            )  # fmt: skip
    figures["figures"] = {
        (partnership.pk, JAN): {"on_time_delivery": Decimal("50"), "fill_rate": Decimal("50")}
    }
    assert _record(org_a) == {**ZERO, "kept_manual": 2}
    assert _measurements(org_a)[(otd.pk, JAN)].value == Decimal("91")
    assert _events(org_a) == []


def test_a_rejected_feed_figure_is_not_corrected(org_a, manager, partnership, figures):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    figures["figures"] = {(partnership.pk, JAN): {"on_time_delivery": Decimal("90")}}
    _record(org_a)
    with tenant_scope(org_a):
        Measurement.objects.filter(kpi=otd).update(status="rejected")
    figures["figures"] = {(partnership.pk, JAN): {"on_time_delivery": Decimal("50")}}
    assert _record(org_a) == {**ZERO, "unchanged": 1}
    assert _measurements(org_a)[(otd.pk, JAN)].value == Decimal("90")


def test_figures_of_several_months_are_each_recorded_and_audited_with_the_counts(
    org_a, manager, partnership, figures
):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    figures["figures"] = {
        (partnership.pk, FEB): {"on_time_delivery": Decimal("80")},
        (partnership.pk, JAN): {"on_time_delivery": Decimal("90")},
    }
    assert _record(org_a, actor=manager) == {**ZERO, "recorded": 2}
    stored = _measurements(org_a)
    assert (stored[(otd.pk, JAN)].value, stored[(otd.pk, FEB)].value) == (
        Decimal("90"), Decimal("80")
    )  # fmt: skip
    [event] = _events(org_a)
    assert (event.actor, event.object_type) == (manager, "")
    assert event.changes == {**ZERO, "recorded": 2}
    assert _record(org_a) == {**ZERO, "unchanged": 2}
    assert len(_events(org_a)) == 1


def test_a_month_not_among_the_figures_is_not_read_as_existing(
    org_a, manager, partnership, figures
):
    otd = _kpi(org_a, manager, partnership, "otd_pct")
    figures["figures"] = {(partnership.pk, JAN): {"on_time_delivery": Decimal("90")}}
    _record(org_a)
    figures["figures"] = {(partnership.pk, FEB): {"on_time_delivery": Decimal("90")}}
    assert _record(org_a) == {**ZERO, "recorded": 1}
    assert set(_measurements(org_a)) == {(otd.pk, JAN), (otd.pk, FEB)}
