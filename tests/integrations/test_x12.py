"""X12 parsing: the real 850 and 856 with their defects reported as findings (never a crash),
our own 810 with `~` terminators, and malformed interchanges refused with a reason."""

from decimal import Decimal

import pytest

from integrations.edi import EdiParseError, parse_document
from integrations.edi.x12 import delimiters
from tests.integrations import samples
from tests.integrations.conftest import shared_file

GOZER = ("edi", "x12", "gozer_walmartlabs")


def _by_code(document) -> dict:
    return {finding.code: finding for finding in document.findings}


def test_the_850_reads_its_order_and_lines():
    document = parse_document(shared_file(*GOZER, "po850.txt").read_bytes())
    assert (document.standard, document.doc_type, document.message_type) == ("x12", "order", "850")
    assert document.document_number == "08292233294"
    assert str(document.issue_date) == "2010-11-27"
    assert (document.sender_id, document.receiver_id) == ("ABCDEFGHIJKLMNO", "123456789012345")
    assert (document.interchange_control_number, document.message_control_number) == (
        "000003438",
        "000000010",
    )
    first, second = document.lines
    assert (first.line_number, first.quantity, first.unit, first.unit_price) == (
        5,
        Decimal("72"),
        "EA",
        Decimal("7.5"),
    )
    assert (first.buyer_item_code, first.seller_item_code, first.description) == (
        "065374-118",
        "RV0524",
        "RED",
    )
    assert second.line_amount == Decimal("6646.80")  # 696 × 9.55


def test_the_850s_segment_count_and_its_amount_total_are_reported():
    document = parse_document(shared_file(*GOZER, "po850.txt").read_bytes())
    findings = _by_code(document)
    assert set(findings) == {"segment_count_mismatch", "total_mismatch"}
    assert "33" in findings["segment_count_mismatch"].message
    assert "21" in findings["segment_count_mismatch"].message
    assert document.declared_total == Decimal("13045.94")
    assert document.line_total == Decimal("7186.80")
    assert findings["total_mismatch"].severity == "error"
    assert "13,045.94" in findings["total_mismatch"].message


def test_the_856s_differing_control_numbers_are_reported():
    document = parse_document(shared_file(*GOZER, "asn856.txt").read_bytes())
    assert document.doc_type == "despatch_advice" and document.document_number == "829716"
    assert document.order_reference == "99999817"
    findings = _by_code(document)
    assert set(findings) == {"envelope_mismatch"}
    message = findings["envelope_mismatch"].message
    assert "000003438" in message and "000000049" in message and "ISA13" in message
    assert [(line.gtin, line.seller_item_code, line.quantity) for line in document.lines] == [
        ("999999310145", "87787D", Decimal("24")),
        ("999999311746", "99887D", Decimal("6")),
    ]
    assert [line.description for line in document.lines] == ["BLUE WIDGET", "RED WIDGET"]


def test_an_810_with_tilde_terminators_reads_and_checks_its_total():
    content = samples.x12_810()
    assert delimiters(content.decode())[0::2] == ("*", "~")
    document = parse_document(content)
    assert (document.doc_type, document.document_number, document.order_reference) == (
        "invoice",
        "INV-810-1",
        "PO-810",
    )
    assert document.findings == []
    assert document.document_total == document.declared_total == Decimal("268.00")
    assert document.lines[0].gtin == "012345678905"
    assert document.lines[1].seller_item_code == "AB-77"


def test_an_810_whose_total_is_not_its_lines_is_reported():
    document = parse_document(samples.x12_810(total_cents=30000))
    assert [f.code for f in document.findings] == ["total_mismatch"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"ISA*00*short", "cut short"),
        (b"ISA" + b"|" * 120, "transaction set"),
        (samples.x12_810().replace(b"ST*810", b"ST*997"), "997"),
        (samples.x12_810().replace(b"IT1*1*10*", b"IT1*1*ten*"), "not a number"),
    ],
)
def test_a_malformed_x12_interchange_is_refused_with_its_reason(content, reason):
    with pytest.raises(EdiParseError) as refused:
        parse_document(content)
    assert reason in str(refused.value)


def test_a_cut_short_interchange_is_read_and_its_missing_trailers_reported():
    content = samples.x12_810().split(b"GE*1*77")[0]
    document = parse_document(content)
    assert len(document.lines) == 2
    assert [f.code for f in document.findings] == ["missing_mandatory", "missing_mandatory"]
