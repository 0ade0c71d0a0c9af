"""Factories of the integrations models (the isolation suite finds them by model)."""

import datetime
import hashlib
from decimal import Decimal

import factory

from integrations.models import EdiDocument, EdiDocumentLine, EdiFinding
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
