"""Pinned rules of `integrations.services.reading` (mutation testing, eleventh session): what a
further message of an interchange stores (who sent it, through which channel, with which key,
when its reading started; no bytes of its own) and what its audit event says; the moments a
reading ends, accepted or rejected, by the clock passed in; a failure nobody expected rejects
the message with the general reason and logs which one; a refused sender never counts against
a connector, an unreadable message against the one connector of its standard; a connector is
told of the errors of what came through it; findings of one kind beyond 50 are summed up; the
progress of an interchange's reading."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import pytest

from integrations import services
from integrations.models import Connector, EdiDocument, EdiFinding
from integrations.services import reading
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.integrations import samples
from tests.integrations.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SUPPLIER = "4012345000009"  # the interchange sender of tests.integrations.samples
RECEIVER = "5412345000013"  # the party an order of samples is addressed to
PARTIES = [SUPPLIER, RECEIVER]


def _clock():
    """T0, then a minute later at each reading."""
    moments = (T0 + n * MINUTE for n in range(100))
    return lambda: next(moments)


def _ingest(org, partnership, content, **kwargs):
    values = {"filename": "po.edi", "clock": _clock(), **kwargs}
    with tenant_scope(org):
        return services.edi_document_ingest(partnership=partnership, content=content, **values)


def _documents(org):
    with tenant_scope(org):
        return list(EdiDocument.objects.select_related("received_by").order_by("pk"))


def _gtin(n: int) -> str:
    """A valid GTIN-13 (check digit included) of the number `n`."""
    body = f"590{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# --- the further messages of an interchange ---------------------------------------------------


def test_a_further_message_is_stored_as_its_interchange_was_received(org_a, partnership, manager):
    content = samples.interchange_of_three()
    first, _ = _ingest(org_a, partnership, content, actor=manager, received_via="upload")
    documents = _documents(org_a)
    assert [d.message_index for d in documents] == [1, 2, 3]
    sha = hashlib.sha256(content).hexdigest()
    for index, document in enumerate(documents[1:], start=2):
        assert document.organization_id == org_a.pk
        assert document.interchange_id == first.pk
        assert (document.filename, document.size) == ("po.edi", len(content))
        assert document.sha256 == hashlib.sha256(f"{sha}:{index}".encode()).hexdigest()
        assert bytes(document.content) == b""  # the bytes stay on the interchange's document
        assert (document.received_via, document.received_by) == ("upload", manager)
        assert document.received_at == T0
    # received T0, first read T0+1 to T0+2; the second T0+3 to T0+4, the third T0+5 to T0+6
    assert [(d.started_at, d.finished_at) for d in documents] == [
        (T0 + MINUTE, T0 + 2 * MINUTE),
        (T0 + 3 * MINUTE, T0 + 4 * MINUTE),
        (T0 + 5 * MINUTE, T0 + 6 * MINUTE),
    ]


def test_a_further_messages_audit_event_names_its_interchange(org_a, partnership, manager):
    first, _ = _ingest(org_a, partnership, samples.interchange_of_three(), actor=manager)
    with tenant_scope(org_a):
        events = list(AuditEvent.objects.order_by("sequence"))
    assert "interchange" not in events[0].changes
    assert [(e.changes["interchange"], e.changes["message_index"]) for e in events[1:]] == [
        (first.pk, 2),
        (first.pk, 3),
    ]


def test_an_unreadable_further_message_is_rejected_with_the_readers_reason(
    org_a, partnership, manager
):
    _ingest(org_a, partnership, samples.interchange_of_three(), actor=manager)
    third = _documents(org_a)[2]
    assert third.status == "rejected"
    assert third.error and third.error != "None" and third.error != reading.UNREADABLE_MESSAGE
    assert third.finished_at == T0 + 6 * MINUTE


def test_each_message_of_an_interchange_pushed_with_an_allowed_key_is_accepted(org_a, partnership):
    ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main",
        partner_identifiers=PARTIES, allowed_api_keys=["key1"],
    )  # fmt: skip
    _ingest(org_a, partnership, samples.interchange_of_three(), api_key_prefix="key1")
    first, second, _ = _documents(org_a)
    assert (first.status, second.status) == ("accepted", "accepted")
    assert second.error == ""


def test_a_further_message_of_an_upload_read_later_was_pushed_with_no_key(org_a, partnership):
    ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main",
        partner_identifiers=PARTIES, allowed_api_keys=["key1"],
    )  # fmt: skip
    with tenant_scope(org_a):
        document, _ = services.edi_document_receive(
            partnership=partnership, content=samples.interchange_of_three(),
            filename="upload.edi", received_via="api", now=T0,
        )  # fmt: skip
        services.edi_document_process(document_id=document.pk, clock=_clock())
    first, second, _ = _documents(org_a)
    for read in (first, second):
        assert read.status == "rejected"
        assert read.error.startswith("The API key (none) may not push")


# --- rejections -------------------------------------------------------------------------------


def test_an_interchange_nobody_expected_to_fail_is_rejected_and_logged(
    org_a, partnership, monkeypatch, caplog
):
    def broken(content):
        raise RuntimeError("reader bug")

    monkeypatch.setattr(reading, "parse_messages", broken)
    with caplog.at_level(logging.ERROR, logger=reading.__name__):
        document, _ = _ingest(org_a, partnership, samples.edifact())
    assert (document.status, document.error) == ("rejected", reading.UNREADABLE_MESSAGE)
    assert document.finished_at == T0 + 2 * MINUTE
    [record] = [r for r in caplog.records if r.name == reading.__name__]
    assert record.getMessage() == f"EDI interchange {document.pk} could not be read"
    assert record.exc_info is not None


def test_a_message_nobody_expected_to_fail_is_rejected_and_logged(
    org_a, partnership, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("comparison bug")

    monkeypatch.setattr(reading, "order_discrepancies", broken)
    with caplog.at_level(logging.ERROR, logger=reading.__name__):
        document, _ = _ingest(org_a, partnership, samples.edifact())
    assert (document.status, document.error) == ("rejected", reading.UNREADABLE_MESSAGE)
    assert document.finished_at == T0 + 2 * MINUTE
    [record] = [r for r in caplog.records if r.name == reading.__name__]
    assert record.getMessage() == f"EDI document {document.pk} could not be read"
    assert record.exc_info is not None


def test_a_refused_sender_never_counts_against_the_connector(org_a, partnership):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main", method="edifact",
        partner_identifiers=PARTIES, allowed_api_keys=["key1"],
    )  # fmt: skip
    document, _ = _ingest(
        org_a, partnership, samples.edifact(kind="invoice"), api_key_prefix="key9"
    )
    assert document.status == "rejected" and "The API key key9 may not push" in document.error
    assert document.finished_at == T0 + 2 * MINUTE
    with tenant_scope(org_a):
        stored = EdiDocument.objects.get(pk=document.pk)
        connector = Connector.objects.get(pk=connector.pk)
    assert stored.connector_id is None
    assert (connector.last_error_at, connector.last_error) == (None, "")


def test_an_unreadable_message_counts_against_the_one_connector_of_its_standard(org_a, partnership):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main", method="edifact",
        partner_identifiers=PARTIES,
    )  # fmt: skip
    unreadable = samples.edifact().replace(b"QTY+21:100:", b"QTY+21:lots:", 1)
    document, _ = _ingest(org_a, partnership, unreadable)
    assert document.status == "rejected"
    with tenant_scope(org_a):
        stored = EdiDocument.objects.get(pk=document.pk)
        connector = Connector.objects.get(pk=connector.pk)
    assert stored.connector_id == connector.pk
    assert connector.last_error_at == stored.finished_at == T0 + 2 * MINUTE
    assert connector.last_error == stored.error and stored.error


# --- what an accepted message tells its connector ---------------------------------------------


def test_a_connector_is_told_of_the_errors_of_a_message_it_carried(org_a, partnership):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main", method="edifact",
        partner_identifiers=PARTIES,
    )  # fmt: skip
    _ingest(org_a, partnership, samples.interchange_of_three())
    with tenant_scope(org_a):
        invoice = EdiDocument.objects.get(message_index=2)
        connector = Connector.objects.get(pk=connector.pk)
    assert invoice.status == "accepted" and invoice.error_count == 1
    assert invoice.connector_id == connector.pk
    assert connector.last_success_at == T0 + 4 * MINUTE
    # The third message is unreadable: the connector's last error is that one, later.
    assert connector.last_error_at == T0 + 6 * MINUTE


def test_a_connector_keeps_the_error_count_of_the_last_message_with_errors(org_a, partnership):
    connector = ConnectorFactory(
        organization=org_a, partnership=partnership, name="Main", method="edifact",
        partner_identifiers=PARTIES,
    )  # fmt: skip
    _ingest(org_a, partnership, samples.edifact())
    priced = [list(item) for item in samples.ORDER_ITEMS]
    priced[0][5] = "3.50"
    invoice, _ = _ingest(
        org_a, partnership, samples.edifact(kind="invoice", number="INV-7", items=priced),
        filename="inv.edi",
    )  # fmt: skip
    assert (invoice.status, invoice.error_count) == ("accepted", 1)
    with tenant_scope(org_a):
        connector = Connector.objects.get(pk=connector.pk)
    assert connector.last_success_at == connector.last_error_at == invoice.finished_at
    assert connector.last_error == "Invoice INV-7: 1 error(s)"


# --- findings ---------------------------------------------------------------------------------


def _invoice_of_strangers(count: int) -> bytes:
    items = [(_gtin(n), f"X-{n}", "Stranger", "1", "PCE", "1.00") for n in range(1, count + 1)]
    return samples.edifact(kind="invoice", number=f"INV-{count}", items=items)


@pytest.mark.parametrize(("count", "kept"), [(50, 50), (52, 51)])
def test_findings_of_one_kind_beyond_50_are_summed_up_in_one(org_a, partnership, count, kept):
    _ingest(org_a, partnership, samples.edifact())
    invoice, _ = _ingest(org_a, partnership, _invoice_of_strangers(count), filename="i.edi")
    assert invoice.warning_count == kept
    with tenant_scope(org_a):
        messages = list(
            EdiFinding.objects.filter(document=invoice, code="item_not_on_order")
            .order_by("pk")
            .values_list("message", flat=True)
        )
    assert len(messages) == kept
    if count > 50:
        assert messages[-1] == "… and 2 more lines with the same problem."
    else:
        assert "more lines with the same problem" not in messages[-1]


# --- progress ---------------------------------------------------------------------------------


def test_an_interchanges_reading_reports_its_progress_message_by_message(org_a, partnership):
    with tenant_scope(org_a):
        document, _ = services.edi_document_receive(
            partnership=partnership, content=samples.interchange_of_three(),
            filename="upload.edi", now=T0,
        )  # fmt: skip
        document.started_at = T0
        reported: list[int] = []
        further = reading._read(document, clock=_clock(), progress=reported.append)
    assert len(further) == 2
    assert reported == [40, 40 + 50 * 2 // 3, 90, 90]
