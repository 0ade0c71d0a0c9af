"""Ingestion: a message is stored with all its lines in one insert, findings recorded, a resend
returns the same document, an unreadable message is kept (rejected, with the reason), and an
invoice is compared with the order it references; the owner is told once."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import services
from integrations.models import EdiDocument, EdiDocumentLine, EdiFinding
from integrations.services import monitoring, reading
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Notification
from tests.integrations import samples
from tests.integrations.samples import ORDER_ITEMS
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _items(count: int):
    return [
        (f"40{i:011d}", f"MAT-{i}", f"Item {i}", "3", "PCE", "1.25") for i in range(1, count + 1)
    ]


def test_an_order_is_stored_with_its_header_and_every_line(org_a, ingest, partnership, manager):
    document, created = ingest(samples.edifact(kind="order"), filename="po-1001.edi")
    assert created and document.status == "accepted"
    with tenant_scope(org_a):
        document.refresh_from_db()
        lines = list(document.lines.order_by("pk"))
        assert (document.standard, document.doc_type, document.document_number) == (
            "edifact",
            "order",
            "PO-1001",
        )
        assert (document.line_count, document.error_count, document.warning_count) == (3, 0, 0)
        assert document.line_total == document.declared_total == Decimal("1224.00")
        assert document.line_total_money.currency == "EUR"
        assert bytes(document.content) == samples.edifact(kind="order")  # kept as received
        assert document.received_by == manager and document.received_via == "api"
        assert [line.gtin for line in lines] == [item[0] for item in ORDER_ITEMS]
        assert {line.partnership_id for line in lines} == {partnership.pk}
        assert {line.organization_id for line in lines} == {org_a.pk}
        assert lines[1].unit_price == Decimal("11.9") and lines[1].currency == "EUR"
        events = list(AuditEvent.objects.filter(object_id=str(document.pk)))
    assert [e.action for e in events] == ["integrations.edi_document.accepted"]
    assert events[0].changes["lines"] == 3


@pytest.mark.parametrize("lines", [5, 500])
def test_lines_are_inserted_in_one_statement_whatever_their_number(
    org_a, ingest, lines, django_assert_max_num_queries
):
    content = samples.edifact(kind="order", items=_items(lines))
    # Scope, lookup, connectors, document, lines, audit (with their savepoints): the same for
    # 5 or 500.
    with django_assert_max_num_queries(20):
        document, _ = ingest(content)
    assert document.line_count == lines
    with tenant_scope(org_a):
        assert EdiDocumentLine.objects.filter(document=document).count() == lines


def test_a_resend_of_the_same_bytes_returns_the_document_already_received(org_a, ingest):
    first, created = ingest(samples.edifact(kind="order"))
    again, created_again = ingest(samples.edifact(kind="order"), filename="resent.edi")
    assert created and not created_again and again.pk == first.pk
    with tenant_scope(org_a):
        assert EdiDocument.objects.count() == 1
        assert EdiDocumentLine.objects.count() == 3
        assert AuditEvent.objects.filter(action__startswith="integrations.").count() == 1


def test_the_same_bytes_in_another_organization_are_another_document(org_b, ingest):
    ingest(samples.edifact(kind="order"))
    other = PartnershipFactory(organization=org_b)
    with tenant_scope(org_b):
        document, created = services.edi_document_ingest(
            partnership=other, content=samples.edifact(kind="order"), clock=timezone.now
        )
        assert created and EdiDocument.objects.count() == 1


def test_garbage_is_kept_rejected_with_the_reason_and_nothing_else(org_a, ingest, manager):
    document, created = ingest(samples.GARBAGE, filename="scan.pdf")
    assert created and document.status == "rejected"
    assert "not an EDIFACT interchange" in document.error
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert bytes(document.content) == samples.GARBAGE
        assert document.line_count == 0 and document.finished_at is not None
        assert not EdiDocumentLine.objects.exists() and not EdiFinding.objects.exists()
        assert AuditEvent.objects.filter(action="integrations.edi_document.rejected").count() == 1
        notice = Notification.objects.get(recipient=manager)
    assert "could not be read" in notice.title


def _clock(*moments):
    """A clock giving each moment in turn; one reading too many stops it."""
    return iter(moments).__next__


RECEIVED, STARTED, FINISHED = (datetime(2026, 3, 2, 9, 0, s, tzinfo=UTC) for s in (0, 1, 3))


def test_a_message_is_stamped_received_started_and_finished_by_the_clock_passed_in(org_a, ingest):
    document, _ = ingest(samples.edifact(kind="order"), clock=_clock(RECEIVED, STARTED, FINISHED))
    with tenant_scope(org_a):
        document.refresh_from_db()
    assert document.status == "accepted"
    assert (document.received_at, document.started_at, document.finished_at) == (
        RECEIVED,
        STARTED,
        FINISHED,
    )


def test_an_unreadable_message_is_finished_at_the_clocks_reading_too(org_a, ingest):
    document, _ = ingest(samples.GARBAGE, clock=_clock(RECEIVED, STARTED, FINISHED))
    with tenant_scope(org_a):
        document.refresh_from_db()
    assert document.status == "rejected"
    assert (document.received_at, document.started_at, document.finished_at) == (
        RECEIVED,
        STARTED,
        FINISHED,
    )


def test_a_failure_after_parsing_leaves_no_line_behind(org_a, ingest, monkeypatch):
    def explode(document, parsed):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reading, "_insert_lines", explode)
    document, _ = ingest(samples.edifact(kind="order"))
    assert document.status == "rejected" and document.error == reading.UNREADABLE_MESSAGE
    assert "RuntimeError" not in document.error  # the cause is logged, not shown
    with tenant_scope(org_a):
        document.refresh_from_db()
        assert (document.status, document.line_count, document.document_number) == (
            "rejected",
            0,
            "",
        )
        assert not EdiDocumentLine.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "is empty"), (b"  \n", "is empty"), (b"x" * 2048, "the limit")]
)
def test_empty_or_oversized_content_is_refused_and_nothing_is_stored(
    org_a, ingest, settings, content, message
):
    settings.INTEGRATIONS_EDI_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        ingest(content)
    assert message in " ".join(refused.value.message_dict["file"])
    with tenant_scope(org_a):
        assert not EdiDocument.objects.exists()


def test_a_partnership_of_another_organization_is_refused(org_a, org_b):
    foreign = PartnershipFactory(organization=org_b)
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.edi_document_ingest(
            partnership=foreign, content=samples.edifact(), clock=timezone.now
        )
    assert "partnership" in refused.value.message_dict


def test_envelope_findings_are_stored_and_counted(org_a, ingest):
    document, _ = ingest(samples.edifact(kind="order", unt_count=40, declared_total="1.00"))
    assert (document.error_count, document.warning_count) == (2, 0)
    with tenant_scope(org_a):
        codes = set(document.findings.values_list("code", flat=True))
    assert codes == {"segment_count_mismatch", "total_mismatch"}


def _invoice(items, *, number="INV-1", order_number="PO-1001", currency="EUR"):
    return samples.edifact(
        kind="invoice", number=number, order_number=order_number, items=items, currency=currency
    )


def test_an_invoice_matching_its_order_has_no_finding_and_notifies_nobody(org_a, ingest, manager):
    ingest(samples.edifact(kind="order"))
    document, _ = ingest(_invoice(ORDER_ITEMS))
    assert (document.error_count, document.warning_count) == (0, 0)
    with tenant_scope(org_a):
        assert not Notification.objects.filter(recipient=manager).exists()


def test_an_invoice_above_the_ordered_quantity_or_price_is_flagged_and_the_owner_told_once(
    org_a, ingest, manager
):
    ingest(samples.edifact(kind="order"))
    items = [list(item) for item in ORDER_ITEMS]
    items[0][3] = "120"  # 100 ordered
    items[1][5] = "12.40"  # ordered at 11.90
    items.append(("4099999999999", "MAT-X", "Not ordered", "1", "PCE", "5.00"))
    document, _ = ingest(_invoice([tuple(i) for i in items]))
    with tenant_scope(org_a):
        findings = {f.code: f for f in document.findings.all()}
        assert set(findings) == {"quantity_above_order", "price_differs", "item_not_on_order"}
        assert findings["quantity_above_order"].line_number == 1
        assert "120 invoiced, 100 ordered" in findings["quantity_above_order"].message
        assert findings["price_differs"].line_number == 2
        assert (
            "12.4" in findings["price_differs"].message
            and "11.9" in findings["price_differs"].message
        )
        assert findings["item_not_on_order"].severity == "warning"
        assert document.error_count == 2
        notices = list(Notification.objects.filter(recipient=manager))
        assert len(notices) == 1 and "2 error(s)" in notices[0].title
        assert f"/edi-documents/{document.pk}/" in notices[0].url
        # Telling again (a task rerun) does not notify twice.
        monitoring._notify_problems(document)
        assert Notification.objects.filter(recipient=manager).count() == 1


def test_items_are_matched_on_any_of_their_codes(org_a, ingest):
    ingest(samples.edifact(kind="order"))
    # The invoice knows the first item only by the buyer's code.
    items = [("", "MAT-1", "Bearing", "100", "PCE", "2.60")]
    document, _ = ingest(_invoice(items))
    with tenant_scope(org_a):
        assert list(document.findings.values_list("code", flat=True)) == ["price_differs"]


def test_a_despatch_advice_shipping_more_than_ordered_is_flagged(org_a, ingest):
    ingest(samples.edifact(kind="order"))
    items = [list(item) for item in ORDER_ITEMS]
    items[2][3] = "6"
    document, _ = ingest(samples.edifact(kind="despatch", number="DES-1", items=items))
    with tenant_scope(org_a):
        (finding,) = document.findings.all()
    assert finding.code == "quantity_above_order" and "6 shipped, 4 ordered" in finding.message


def test_an_invoice_in_another_currency_than_its_order_is_flagged(org_a, ingest):
    ingest(samples.edifact(kind="order"))
    document, _ = ingest(_invoice(ORDER_ITEMS, currency="USD"))
    with tenant_scope(org_a):
        assert list(document.findings.values_list("code", flat=True)) == ["currency_differs"]


def test_an_invoice_for_an_order_not_received_says_so_without_an_error(org_a, ingest):
    document, _ = ingest(_invoice(ORDER_ITEMS, order_number="PO-UNKNOWN"))
    assert document.error_count == 0
    with tenant_scope(org_a):
        (finding,) = document.findings.all()
    assert (finding.code, finding.severity) == ("order_not_found", "info")


def test_orders_of_another_partnership_are_not_compared(org_a, ingest):
    other = PartnershipFactory(organization=org_a)
    ingest(samples.edifact(kind="order"), to=other)
    document, _ = ingest(_invoice(ORDER_ITEMS))
    with tenant_scope(org_a):
        assert list(document.findings.values_list("code", flat=True)) == ["order_not_found"]


def test_findings_of_one_kind_beyond_fifty_are_summed_up(org_a, ingest):
    ingest(samples.edifact(kind="order", items=_items(60)))
    items = [(g, c, d, q, u, "9.99") for g, c, d, q, u, _ in _items(60)]
    document, _ = ingest(_invoice(items))
    with tenant_scope(org_a):
        messages = list(document.findings.values_list("message", flat=True))
    assert len(messages) == 51 and "10 more lines" in messages[-1]
    assert document.error_count == 51


def test_a_ubl_invoice_is_compared_with_an_edifact_order(org_a, ingest):
    ingest(samples.edifact(kind="order"))
    document, _ = ingest(samples.ubl_invoice(price="2.75"), filename="invoice.xml")
    assert document.standard == "ubl"
    with tenant_scope(org_a):
        assert list(document.findings.values_list("code", flat=True)) == ["price_differs"]
