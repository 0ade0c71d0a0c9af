"""Factories of the integrations models (the isolation suite finds them by model)."""

import datetime
import hashlib
from decimal import Decimal

import factory

from integrations.models import (
    CodeMapping,
    Connector,
    CrosswalkReprocess,
    DataSharingTerm,
    DemandForecast,
    DisasterRecoveryTest,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
    ForecastVersion,
    RetentionRun,
    StockPolicy,
    StockPosition,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory


class EdiDocumentFactory(TenantFactory):
    class Meta:
        model = EdiDocument

    partnership = same_organization(PartnershipFactory)
    standard = "edifact"
    doc_type = "invoice"
    message_type = "INVOIC"
    syntax_version = "D:03B"
    status = EdiDocument.Status.ACCEPTED
    sender_id = "5790000274017"
    receiver_id = "5708601000836"
    interchange_control_number = factory.Sequence(lambda n: f"{n + 1}")
    message_control_number = "1"
    document_number = factory.Sequence(lambda n: f"INV-{n + 1:05d}")
    order_reference = "PO-1"
    issue_date = datetime.date(2025, 3, 1)
    currency = "EUR"
    declared_total = Decimal("100.00")
    line_total = Decimal("100.00")
    line_count = 1
    filename = "invoice.edi"
    content = factory.Sequence(lambda n: f"UNB+UNOC:3+A+B+250301:1200+{n}'".encode())
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(bytes(o.content)).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.content))
    received_via = EdiDocument.Channel.API


class EdiDocumentLineFactory(TenantFactory):
    class Meta:
        model = EdiDocumentLine

    document = same_organization(EdiDocumentFactory)
    partnership = factory.SelfAttribute("document.partnership")
    line_number = factory.Sequence(lambda n: n + 1)
    gtin = "4012345000016"
    seller_item_code = "SKU-1"
    description = "Widget"
    quantity = Decimal("10")
    unit = "PCE"
    unit_price = Decimal("10")
    line_amount = Decimal("100.00")
    currency = "EUR"


class EdiFindingFactory(TenantFactory):
    class Meta:
        model = EdiFinding

    document = same_organization(EdiDocumentFactory)
    code = "total_mismatch"
    severity = "error"
    message = "The declared line total is 100.00, but the lines add up to 90.00."


class ConnectorFactory(TenantFactory):
    class Meta:
        model = Connector

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"EDIFACT feed {n + 1}")
    method = Connector.Method.EDIFACT
    direction = Connector.Direction.INBOUND
    expected_frequency = Connector.Frequency.DAILY
    partner_identifiers = factory.LazyFunction(lambda: ["4012345000009"])
    status = Connector.Status.ACTIVE
    monitoring_contact = "EDI on-call, edi@alpha.test"


class DiscrepancyFactory(TenantFactory):
    class Meta:
        model = Discrepancy

    partnership = same_organization(PartnershipFactory)
    order_number = "PO-1"
    item = factory.Sequence(lambda n: f"40123450{n:05d}")
    kind = "price_differs"
    severity = "low"
    expected = Decimal("10")
    actual = Decimal("11")
    unit = "PCE"
    amount_at_stake = Decimal("10.00")
    currency = "EUR"
    message = "Item invoiced at 11, ordered at 10."


class WebhookSubscriptionFactory(TenantFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"ERP {n + 1}")
    url = "https://erp.example/hooks"
    events = factory.LazyFunction(lambda: ["discrepancy.opened"])


class WebhookDeliveryFactory(TenantFactory):
    class Meta:
        model = WebhookDelivery

    subscription = same_organization(WebhookSubscriptionFactory)
    outbox_message_id = 0
    event = "discrepancy.opened"
    event_id = factory.Sequence(lambda n: f"00000000-0000-0000-0000-{n:012d}")
    attempt = 1
    succeeded = False
    status_code = 500
    error = "The receiver answered HTTP 500."


class DataSharingTermFactory(TenantFactory):
    class Meta:
        model = DataSharingTerm

    partnership = same_organization(PartnershipFactory)
    category = "edi_documents"
    owner = "joint"
    usage_rights = "Both parties: order-to-pay processing only."
    retention_days = 365
    on_expiry = "delete"
    legal_basis = "contract"


class RetentionRunFactory(TenantFactory):
    class Meta:
        model = RetentionRun

    partnership = same_organization(PartnershipFactory)
    category = "edi_documents"
    action = "delete"
    cutoff = factory.LazyFunction(lambda: datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))


class CodeMappingFactory(TenantFactory):
    class Meta:
        model = CodeMapping

    partnership = same_organization(PartnershipFactory)
    kind = "material"
    partner_code = factory.Sequence(lambda n: f"SUP-{n + 1:04d}")
    our_code = factory.Sequence(lambda n: f"MAT-{n + 1:04d}")


class CrosswalkReprocessFactory(TenantFactory):
    class Meta:
        model = CrosswalkReprocess

    partnership = same_organization(PartnershipFactory)
    status = "succeeded"
    result = factory.LazyFunction(lambda: {"lines": 0, "documents": 0})


class DemandForecastFactory(TenantFactory):
    class Meta:
        model = DemandForecast

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Forecast {n + 1}")


class ForecastVersionFactory(TenantFactory):
    class Meta:
        model = ForecastVersion

    forecast = same_organization(DemandForecastFactory)
    number = factory.Sequence(lambda n: n + 1)
    lines = factory.LazyFunction(lambda: [["MAT-1", "2026-04", "100"]])


class StockPolicyFactory(TenantFactory):
    class Meta:
        model = StockPolicy

    partnership = same_organization(PartnershipFactory)
    item = factory.Sequence(lambda n: f"MAT-{n + 1}")
    safety_stock = Decimal("50")
    reorder_point = Decimal("100")


class StockPositionFactory(TenantFactory):
    class Meta:
        model = StockPosition

    partnership = same_organization(PartnershipFactory)
    item = "MAT-1"
    quantity = Decimal("120")
    as_of = factory.LazyFunction(lambda: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


class DisasterRecoveryTestFactory(TenantFactory):
    class Meta:
        model = DisasterRecoveryTest

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Failover drill {n + 1}")
    plan = "Stop the primary EDI gateway; both parties switch to the standby."
    scheduled_for = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.UTC)
    )
    rto_target_minutes = 240
    rpo_target_minutes = 15
