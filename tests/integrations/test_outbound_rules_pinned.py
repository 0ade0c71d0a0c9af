"""Pinned rules of `integrations.services.outbound` (mutation testing, eleventh session): the
refusals in their words, and each order line sent on with its own line number and the
seller's item code."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from tenancy.context import tenant_scope
from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def order(org_a, partnership):
    with tenant_scope(org_a):
        document = EdiDocumentFactory(
            organization=org_a, partnership=partnership, doc_type="order",
            message_type="ORDERS", document_number="PO-9", order_reference="",
            sender_id="5412345000013", receiver_id="4012345000009",
        )  # fmt: skip
        EdiDocumentLineFactory(
            organization=org_a, document=document, line_number=7, seller_item_code="S-77",
            description="Bearing 6204-2RS",
        )  # fmt: skip
    return document


@pytest.mark.parametrize(
    ("kind", "standard", "said"),
    [
        ("invoice", "edifact", {"kind": ["Choose order or order_response."]}),
        ("order", "x12", {"standard": ["Choose edifact or ubl."]}),
    ],
)
def test_another_kind_or_standard_is_refused_in_words(org_a, order, manager, kind, standard, said):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.outbound_message(
            document=order, kind=kind, standard=standard, actor=manager, now=NOW
        )
    assert refused.value.message_dict == said


def test_an_order_sent_on_keeps_each_lines_number_and_the_sellers_item_code(org_a, order, manager):
    with tenant_scope(org_a):
        name, content = services.outbound_message(
            document=order, kind="order", standard="edifact", actor=manager, now=NOW
        )
    assert name == "PO-9.edi"
    text = content.decode()
    assert "LIN+7+" in text
    assert "PIA+1+S-77:SA" in text


LATER = datetime(2031, 5, 14, 12, 0, tzinfo=UTC)  # the moment passed in, never the wall clock


def test_an_order_sent_on_keeps_its_own_issue_date(org_a, order, manager):
    order.issue_date = date(2026, 3, 1)
    with tenant_scope(org_a):
        _, content = services.outbound_message(
            document=order, kind="order", standard="edifact", actor=manager, now=LATER
        )
    assert "DTM+137:20260301:102" in content.decode()


def test_an_order_without_an_issue_date_is_sent_on_as_issued_at_the_moment_passed_in(
    org_a, order, manager
):
    order.issue_date = None
    with tenant_scope(org_a):
        _, edifact = services.outbound_message(
            document=order, kind="order", standard="edifact", actor=manager, now=LATER
        )
        _, ubl = services.outbound_message(
            document=order, kind="order", standard="ubl", actor=manager, now=LATER
        )
    assert "DTM+137:20310514:102" in edifact.decode()
    assert "<cbc:IssueDate>2031-05-14</cbc:IssueDate>" in ubl.decode()


@pytest.mark.parametrize("standard", ["edifact", "ubl"])
def test_an_order_response_is_issued_at_the_moment_passed_in(org_a, order, manager, standard):
    order.issue_date = date(2026, 3, 1)
    with tenant_scope(org_a):
        _, content = services.outbound_message(
            document=order, kind="order_response", standard=standard, actor=manager, now=LATER
        )
    text = content.decode()
    assert "DTM+137:20310514:102" in text or "<cbc:IssueDate>2031-05-14</cbc:IssueDate>" in text


def test_an_order_without_a_number_is_sent_on_as_order(org_a, order, manager):
    order.document_number = ""
    with tenant_scope(org_a):
        name, _ = services.outbound_message(
            document=order, kind="order", standard="ubl", actor=manager, now=NOW
        )
    assert name == "order.xml"
