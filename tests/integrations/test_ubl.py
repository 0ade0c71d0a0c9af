"""UBL parsing: the PEPPOL BIS 3 invoice's totals, the UBL 2.0 and 2.1 orders, documents that
the OASIS schemas validate, and XML that must not be read (DOCTYPE, not well-formed)."""

from decimal import Decimal

import pytest
from lxml import etree

from integrations.edi import EdiParseError, parse_document
from tests.integrations import samples
from tests.integrations.conftest import shared_file


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_file("ubl", "xsd", "maindoc", name))))


def test_the_peppol_invoice_reads_its_totals_and_lines():
    content = shared_file("ubl", "peppol-bis3-base-example.xml").read_bytes()
    document = parse_document(content)
    assert (document.standard, document.doc_type, document.syntax_version) == (
        "ubl",
        "invoice",
        "PEPPOL BIS 3",
    )
    assert document.document_number == "Snippet1" and str(document.issue_date) == "2017-11-13"
    assert document.currency == "EUR"
    assert document.sender_id == "0088:9482348239847239874"
    assert document.receiver_id == "0002:FR23342"
    assert document.declared_total == document.line_total == Decimal("1300.00")
    assert document.document_total == Decimal("1656.25")
    assert [(line.quantity, line.unit_price, line.line_amount) for line in document.lines] == [
        (Decimal("7"), Decimal("400"), Decimal("2800.00")),
        (Decimal("-3"), Decimal("500"), Decimal("-1500.00")),  # a credited line
    ]
    assert document.lines[0].unit == "DAY" and document.lines[0].gtin == "21382183120983"
    assert document.findings == []


def test_the_peppol_invoice_is_valid_against_the_ubl_21_invoice_schema():
    schema = _schema("UBL-Invoice-2.1.xsd")
    tree = etree.parse(str(shared_file("ubl", "peppol-bis3-base-example.xml")))
    assert schema.validate(tree), schema.error_log


def test_our_own_ubl_invoice_is_schema_valid_and_reads():
    schema = _schema("UBL-Invoice-2.1.xsd")
    content = samples.ubl_invoice()
    assert schema.validate(etree.fromstring(content)), schema.error_log
    document = parse_document(content)
    assert (document.order_reference, document.lines[0].gtin) == ("PO-1001", "4012345000016")
    assert document.findings == []


def test_the_ubl_21_order_reads_with_its_anticipated_total():
    document = parse_document(shared_file("ubl", "UBL-Order-2.1-Example.xml").read_bytes())
    assert (document.doc_type, document.syntax_version, document.document_number) == (
        "order",
        "2.1",
        "34",
    )
    assert (document.sender_id, document.receiver_id) == ("GLN:7300072311115", "GLN:7302347231111")
    assert document.currency == "SEK"
    assert document.declared_total == document.line_total == Decimal("6225.00")
    assert [
        (line.seller_item_code, line.gtin, line.quantity, line.unit) for line in document.lines
    ] == [
        ("SItemNo001", "1234567890123", Decimal("120"), "LTR"),
        ("SItemNo011", "1122334455", Decimal("15"), "C62"),
    ]
    assert document.findings == []


def test_the_ubl_20_orders_line_amount_contradicting_its_price_is_a_warning():
    document = parse_document(shared_file("ubl", "UBL-Order-2.0-Example.xml").read_bytes())
    assert (document.doc_type, document.syntax_version, document.document_number) == (
        "order",
        "2.0",
        "AEG012345",
    )
    (line,) = document.lines
    assert (line.buyer_item_code, line.seller_item_code) == ("6578489", "17589683")
    # The OASIS example orders 100 kg at 100.00 per kg for a line amount of 100.00.
    assert [(f.code, f.severity) for f in document.findings] == [
        ("line_amount_mismatch", "warning")
    ]
    assert document.declared_total == document.line_total == Decimal("100.00")


def test_the_ubl_orders_are_well_formed_ubl_with_the_order_namespace():
    # The shared schemas hold Invoice and CreditNote only: check the orders' root and version.
    for name, version in (
        ("UBL-Order-2.0-Example.xml", "2.0"),
        ("UBL-Order-2.1-Example.xml", "2.1"),
    ):
        root = etree.parse(str(shared_file("ubl", name))).getroot()
        assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Order-2}Order"
        assert (
            root.findtext(
                "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}UBLVersionID"
            )
            == version
        )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (samples.XXE, "DOCTYPE"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed"),
        (b"<html><body>Invoice</body></html>", "not a UBL"),
        (samples.ubl_invoice().replace(b">100<", b">a hundred<"), "not a number"),
    ],
)
def test_xml_that_must_not_or_cannot_be_read_is_refused_with_its_reason(content, reason):
    with pytest.raises(EdiParseError) as refused:
        parse_document(content)
    assert reason in str(refused.value)
    assert "root:" not in str(refused.value)  # nothing of /etc/passwd


def test_a_ubl_invoice_without_date_is_read_with_a_finding_and_its_currency_from_the_totals():
    content = samples.ubl_invoice().replace(b"<cbc:IssueDate>2025-03-05</cbc:IssueDate>", b"")
    content = content.replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")
    document = parse_document(content)
    assert [f.code for f in document.findings] == ["missing_mandatory"]
    assert "IssueDate" in document.findings[0].message
    assert document.currency == "EUR"  # from the totals' currencyID
