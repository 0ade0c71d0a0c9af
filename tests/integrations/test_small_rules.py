"""The small rules of the integrations services (integrations/services/) that their bigger
flows rely on, each named: the upload limit, identifiers compared without spaces or case, which
connector carries a message, the match tolerances, the KPI lead time and the stock level of a
position."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations import services
from integrations.edi.report import describe
from integrations.models import Connector, StockPolicy, StockPosition


def test_the_upload_limit_is_64_mb_unless_set(settings):
    assert services.upload_max_bytes() == 64 * 1024 * 1024
    settings.INTEGRATIONS_EDI_MAX_BYTES = 1000
    assert services.upload_max_bytes() == 1000


def test_identifiers_are_compared_without_spaces_or_case():
    assert services.normalise_identifier(" 4012345 00001 ") == "401234500001"
    assert services.normalise_identifier("gln:4012345") == "GLN:4012345"
    assert services.normalise_identifier(None) == ""


def _connector(**fields):
    values = {"status": "active", "direction": "inbound", "method": "edifact", "message_types": []}
    return Connector(**{**values, **fields})


def test_a_connector_carries_what_it_receives_in_its_standard_and_types():
    assert services.connector_carries(_connector(), standard="edifact", doc_type="invoice")
    assert not services.connector_carries(_connector(), standard="ubl", doc_type="invoice")
    # REST push, CSV upload and drop folders carry any standard.
    assert services.connector_carries(
        _connector(method="rest_push"), standard="ubl", doc_type="invoice"
    )
    assert services.connector_carries(
        _connector(direction="both"), standard="edifact", doc_type="order"
    )
    assert not services.connector_carries(
        _connector(direction="outbound"), standard="edifact", doc_type="invoice"
    )
    assert not services.connector_carries(
        _connector(status="retired"), standard="edifact", doc_type="invoice"
    )
    assert services.connector_carries(
        _connector(status="paused"), standard="edifact", doc_type="invoice"
    )
    only_invoices = _connector(message_types=["invoice"])
    assert services.connector_carries(only_invoices, standard="edifact", doc_type="invoice")
    assert not services.connector_carries(only_invoices, standard="edifact", doc_type="order")


def test_the_match_tolerances_default_to_exact_quantities_and_half_a_percent_on_price(settings):
    default = services.match_tolerances()
    assert (default.quantity_percent, default.price_percent) == (Decimal("0"), Decimal("0.5"))
    settings.INTEGRATIONS_MATCH_QUANTITY_TOLERANCE_PERCENT = "2"
    settings.INTEGRATIONS_MATCH_PRICE_TOLERANCE_PERCENT = 1
    set_ = services.match_tolerances()
    assert (set_.quantity_percent, set_.price_percent) == (Decimal("2"), Decimal("1"))


def test_a_delivery_is_late_after_a_lead_time_of_14_days_unless_set(settings):
    assert services.kpi_lead_time_days() == 14
    settings.INTEGRATIONS_KPI_LEAD_TIME_DAYS = "21"
    assert services.kpi_lead_time_days() == 21


def test_a_stock_position_is_at_safety_stock_at_the_reorder_point_or_ok():
    policy = StockPolicy(safety_stock=Decimal("10"), reorder_point=Decimal("20"))
    Level = StockPosition.Level
    assert services.stock_level(None, Decimal("5")) == Level.NO_POLICY
    assert services.stock_level(policy, Decimal("10")) == Level.SAFETY
    assert services.stock_level(policy, Decimal("10.0001")) == Level.REORDER
    assert services.stock_level(policy, Decimal("20")) == Level.REORDER
    assert services.stock_level(policy, Decimal("20.0001")) == Level.OK


def test_the_kpi_codes_are_the_agreed_defaults_unless_one_is_renamed(settings):
    assert services.document_kpi_codes() == {
        "on_time_delivery": "otd_pct",
        "fill_rate": "fill_rate_pct",
        "invoice_accuracy": "invoice_accuracy_pct",
        "requisition_to_pay_days": "r2p_days",
    }
    settings.INTEGRATIONS_KPI_CODES = {"fill_rate": "ifr"}
    assert services.document_kpi_codes()["fill_rate"] == "ifr"
    assert services.document_kpi_codes()["on_time_delivery"] == "otd_pct"


@pytest.mark.django_db
def test_a_deleted_mapping_is_gone_and_audited_with_what_it_mapped(org_a, manager, partnership):
    from integrations.models import CodeMapping
    from tenancy.context import tenant_scope
    from tenancy.models import AuditEvent

    with tenant_scope(org_a):
        mapping = services.code_mapping_set(
            partnership=partnership, kind="material", partner_code="SUP-1", our_code="MAT-1",
            actor=manager, now=timezone.now(),
        )  # fmt: skip
        services.code_mapping_delete(mapping=mapping, actor=manager)
        assert not CodeMapping.objects.exists()
        event = AuditEvent.objects.get(action="integrations.code_mapping.deleted")
    assert (event.actor_id, event.changes) == (
        manager.pk,
        {"kind": "material", "partner_code": "SUP-1", "our_code": "MAT-1"},
    )


def test_an_oversized_message_is_refused_with_its_size_and_the_limit_in_the_same_words(
    ingest, settings
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 2_621_441  # 2.5 MiB and a byte: never "3 MB"
    with pytest.raises(ValidationError) as refused:
        ingest(b"x" * 3_198_157, filename="po.edi")
    assert refused.value.message_dict == {
        "file": ["“po.edi” is 3.1 MB; the limit is 2.5 MB. Split the interchange."]
    }
    with pytest.raises(ValidationError) as refused:
        ingest(b"x" * 2_621_442, filename="po.edi")
    assert refused.value.message_dict == {
        "file": [
            "“po.edi” is 2,621,442 bytes; the limit is 2,621,441 bytes. Split the interchange."
        ]
    }


def test_the_command_report_refuses_an_oversized_file_in_the_same_words():
    report = describe(b"x" * 101, name="po.edi", max_bytes=100)
    assert report == {
        "file": "po.edi",
        "size": 101,
        "status": "rejected",
        "reason": "The file is 101 bytes; the limit is 100 bytes. Split the interchange.",
    }
    report = describe(b"x" * (2 * 1024 * 1024), name="po.edi", max_bytes=1024 * 1024)
    assert report["reason"] == "The file is 2 MB; the limit is 1 MB. Split the interchange."


def test_the_upload_page_states_a_limit_that_is_not_whole_megabytes_rounded_down(
    org_a, manager, client_as, settings
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 3_103_784  # 2.96 MiB
    html = client_as(manager).get(reverse("edi-document-upload", args=["alpha"])).content.decode()
    assert "up to 2.9 MB." in html
