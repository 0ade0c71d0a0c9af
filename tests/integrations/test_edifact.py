"""EDIFACT parsing: the D.03B samples read as their expected parse trees say, pydifact's samples,
our own messages, envelope defects reported as findings, malformed input refused with a reason."""

import warnings
from decimal import Decimal

import pytest
from lxml import etree

from integrations.edi import EdiParseError, parse_document
from integrations.edi.detect import decode_text
from integrations.edi.edifact import segments
from tests.integrations import samples
from tests.integrations.conftest import shared_file

D03B = ("edi", "edifact", "dfdlschemas_d03b")


def _codes(document) -> list[str]:
    return [finding.code for finding in document.findings]


def _tree_values(xml_path) -> dict:
    """The values the DFDL parse tree expects, by element name (all occurrences, in order)."""
    tree = etree.parse(str(xml_path))
    values: dict[str, list[str]] = {}
    for node in tree.iter():
        if isinstance(node.tag, str) and node.text and node.text.strip() and not len(node):
            values.setdefault(etree.QName(node).localname, []).append(node.text.strip())
    return values


@pytest.mark.parametrize("stem", ["INVOIC_D.03B_Interchange_with_UNA", "ORDERS_D.03B_Interchange"])
def test_the_d03b_interchanges_read_as_their_expected_parse_trees_say(stem):
    content = shared_file(*D03B, f"{stem}.txt").read_bytes()
    expected = _tree_values(shared_file(*D03B, f"{stem}.xml"))
    document = parse_document(content)
    assert document.standard == "edifact"
    assert document.sender_id == expected["E0004"][0]
    assert document.receiver_id == expected["E0010"][0]
    assert document.interchange_control_number == expected["E0020"][0]
    assert document.message_control_number == expected["E0062"][0]
    assert document.message_type == expected["E0065"][0]
    assert document.syntax_version == f"{expected['E0052'][0]}:{expected['E0054'][0]}"
    assert document.document_number == expected["E1004"][0]
    assert f"{document.issue_date:%Y%m%d}" == expected["E2380"][0]
    assert [str(line.line_number) for line in document.lines] == expected["E1082"]
    assert [f"{line.quantity.normalize():f}" for line in document.lines] == expected["E6060"]
    item_numbers = [c for line in document.lines for c in (line.gtin, line.buyer_item_code) if c]
    assert item_numbers == expected["E7140"]
    # The envelope of both samples is right: no finding.
    assert document.findings == []


def test_the_d03b_invoice_has_its_prices_amounts_currency_and_totals():
    document = parse_document(
        shared_file(*D03B, "INVOIC_D.03B_Interchange_with_UNA.txt").read_bytes()
    )
    expected = _tree_values(shared_file(*D03B, "INVOIC_D.03B_Interchange_with_UNA.xml"))
    assert document.doc_type == "invoice" and document.currency == expected["E6345"][0] == "GBP"
    assert document.order_reference == "01671727"
    assert [line.unit_price for line in document.lines] == [Decimal(p) for p in expected["E5118"]]
    first, second = document.lines
    assert first.description == expected["E7008"][0]  # the escaped apostrophe, unescaped
    assert "Tolkien's" in first.description
    assert (first.line_amount, second.line_amount) == (Decimal("49.15"), Decimal("50.00"))
    assert first.unit == "PCE" and first.buyer_item_code == "V0370246"
    # MOA 86 (message total) is the document's total; no MOA 79, so nothing to compare.
    assert document.document_total == Decimal("362.00") and document.declared_total is None
    assert document.line_total == Decimal("99.15")


def test_the_d03b_order_reads_descriptions_from_free_text_and_isbns_as_standard_numbers():
    document = parse_document(shared_file(*D03B, "ORDERS_D.03B_Interchange.txt").read_bytes())
    assert document.doc_type == "order"
    assert [line.description for line in document.lines][:2] == ["Lord of the Rings", "The Hobbit"]
    assert document.lines[0].gtin == "0764569104"
    assert document.line_total is None  # an order without prices


def test_pydifacts_invoice_reads_a_price_per_hundred_and_an_order_reference_on_the_line():
    document = parse_document(
        shared_file("edi", "edifact", "pydifact_tests", "invoice1.edi").read_bytes()
    )
    (line,) = document.lines
    assert line.quantity == Decimal("54") and line.unit == "PCE"
    assert line.unit_price == Decimal("36.301724")  # PRI 3630.1724 per 100
    assert line.line_amount == Decimal("1960.29")
    assert document.order_reference == "X18V00003"
    assert document.document_total == Decimal("1960.29")
    assert document.syntax_version == "D:97A" and document.findings == []


@pytest.mark.parametrize("name", ["order.edi", "order2.edi"])
def test_pydifacts_orders_without_an_interchange_trailer_are_read_and_flagged(name):
    document = parse_document(shared_file("edi", "edifact", "pydifact_tests", name).read_bytes())
    assert document.doc_type == "order" and document.lines
    assert _codes(document) == ["missing_mandatory"]
    assert "UNZ" in document.findings[0].message


def test_a_decimal_comma_declared_in_the_una_is_read():
    document = parse_document(
        shared_file("edi", "edifact", "pydifact_tests", "order.edi").read_bytes()
    )
    assert document.lines[0].quantity == Decimal("8")
    content = samples.edifact(kind="invoice", una="UNA:+,? '").replace(
        b"PRI+AAA:2.50", b"PRI+AAA:2,50"
    )
    assert parse_document(content).lines[0].unit_price == Decimal("2.5")


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    "path",
    [
        (*D03B, "INVOIC_D.03B_Interchange_with_UNA.txt"),
        (*D03B, "ORDERS_D.03B_Interchange.txt"),
        ("edi", "edifact", "pydifact_tests", "invoice1.edi"),
        ("edi", "edifact", "pydifact_tests", "order2.edi"),
    ],
    ids=lambda p: p[-1],
)
def test_the_fast_tokenizer_splits_segments_exactly_as_pydifact_does(path):
    from pydifact import Parser

    text = decode_text(shared_file(*path).read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = [
            (s.tag, [e if isinstance(e, list) else [e] for e in s.elements])
            for s in Parser().parse(text)
            if s.tag != "UNA"
        ]
    ours = [(tag, [list(e) for e in elements]) for tag, elements in segments(text)]

    # pydifact drops trailing empty components; so do we when comparing.
    def trim(rows):
        return [(tag, [e[: max(i + 1 for i, c in enumerate(e) if c) if any(e) else 1] for e in els])
                for tag, els in rows]  # fmt: skip

    assert trim(ours) == trim(reference)


def test_our_own_invoice_reads_completely_with_no_finding():
    document = parse_document(
        samples.edifact(kind="invoice", number="INV-9", order_number="PO-1001")
    )
    assert (document.doc_type, document.document_number, document.order_reference) == (
        "invoice",
        "INV-9",
        "PO-1001",
    )
    assert document.findings == []
    assert document.declared_total == document.line_total == Decimal("1224.00")
    hose = document.lines[1]
    assert hose.description == "Hose 1/2in: 2 m, rated 'HP'"  # escaped : and ' inside
    assert (hose.gtin, hose.buyer_item_code, hose.quantity, hose.unit_price) == (
        "4012345000023",
        "MAT-2",
        Decimal("20"),
        Decimal("11.90"),
    )


def test_a_despatch_advice_reads_shipped_quantities():
    document = parse_document(samples.edifact(kind="despatch", number="DES-1"))
    assert document.doc_type == "despatch_advice"
    assert [line.quantity for line in document.lines] == [
        Decimal("100"),
        Decimal("20"),
        Decimal("4"),
    ]
    assert document.findings == []


def test_a_wrong_segment_count_a_foreign_trailer_reference_and_a_wrong_total_are_findings():
    content = samples.edifact(
        kind="invoice", unt_count=99, unz_reference="OTHER", declared_total="600.00", cnt=7
    )
    document = parse_document(content)
    by_code = {f.code: f for f in document.findings}
    assert set(by_code) == {
        "segment_count_mismatch",
        "envelope_mismatch",
        "total_mismatch",
        "line_count_mismatch",
    }
    assert all(f.severity == "error" for f in document.findings)
    assert "99" in by_code["segment_count_mismatch"].message
    assert (
        "IC42" in by_code["envelope_mismatch"].message
        and "OTHER" in by_code["envelope_mismatch"].message
    )
    assert (
        "600.00" in by_code["total_mismatch"].message
        and "1,224.00" in by_code["total_mismatch"].message
    )


def test_a_line_amount_that_is_not_quantity_times_price_is_a_warning():
    content = samples.edifact(kind="invoice").replace(b"MOA+203:250.00", b"MOA+203:260.00")
    document = parse_document(content)
    assert [(f.code, f.severity, f.line_number) for f in document.findings] == [
        ("line_amount_mismatch", "warning", 1),
        ("total_mismatch", "error", None),
    ]


def test_two_messages_in_one_interchange_read_the_first_and_say_so():
    one = samples.edifact(kind="order").decode()
    head, _, tail = one.partition("UNZ+1+IC42")
    message = head[head.index("UNH") :]
    content = (head + message + "UNZ+2+IC42'").encode()
    document = parse_document(content)
    assert "unread_messages" in _codes(document)
    assert len(document.lines) == 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"UNA:+.? 'UNB+UNOC:3+A+B+250101:1200+1'UNZ+0+1'", "no message"),
        (b"UNB+UNOC:3+A+B+250101:1200+1'UNH+1+PRICAT:D:96A:UN'UNT+2+1'UNZ+1+1'", "PRICAT"),
        (b"UNB+UNOC:3+A+B+250101:1200+1'\nThank you for your order!'", "segment tag"),
        (
            b"UNB+UNOC:3+A+B+250101:1200+1'UNH+1+ORDERS:D:96A:UN'LIN+1'QTY+21:lots'UNT+4+1'",
            "not a number",
        ),
        (b"UNA:+", "cut short"),
    ],
)
def test_a_malformed_interchange_is_refused_with_its_reason(content, reason):
    with pytest.raises(EdiParseError) as refused:
        parse_document(content)
    assert reason in str(refused.value)


def test_values_too_large_for_the_columns_are_refused_and_long_codes_shortened_with_a_warning():
    huge = samples.edifact(kind="order").replace(
        b"QTY+21:100:PCE", b"QTY+21:1" + b"0" * 30 + b":PCE"
    )
    with pytest.raises(EdiParseError, match="too large"):
        parse_document(huge)
    long_code = samples.edifact(kind="order").replace(b"MAT-1:IN", b"M" + b"X" * 80 + b":IN")
    document = parse_document(long_code)
    assert len(document.lines[0].buyer_item_code) == 64
    assert [f.code for f in document.findings] == ["value_truncated"]
