"""ANSI X12 850 (purchase order), 810 (invoice) and 856 (ship notice).

No well-kept X12 library reads these (pyx12 covers HIPAA), so this is a small tokenizer: the
fixed-width ISA header names the delimiters (the element separator is its fourth character, the
component separator its sixteenth element, the segment terminator the character after that, a
newline in many files). The envelope is checked at every level: ISA/IEA control numbers and group
count, GS/GE control numbers and transaction count, ST/SE control numbers and segment count.
`parse_all` reads every transaction set; `parse` the first (others are a finding).
"""

from decimal import Decimal

from integrations.edi.detect import decode_text
from integrations.edi.result import (
    DESPATCH_ADVICE,
    ERROR,
    INFO,
    INVOICE,
    ORDER,
    X12,
    Code,
    EdiParseError,
    ParsedDocument,
    ParsedLine,
    line_number_of,
    optional_decimal,
    parse_date,
    to_decimal,
)
from tenancy.money import format_quantity

TRANSACTION_SETS = {"850": ORDER, "810": INVOICE, "856": DESPATCH_ADVICE}
# Product/service id qualifiers (element 235).
GTIN_QUALIFIERS = {"UP", "UK", "EN", "UA", "UI", "UD", "EO", "IB"}
BUYER_QUALIFIERS = {"BP", "IN", "CB", "PI", "SK"}
SELLER_QUALIFIERS = {"VP", "VN", "VA", "MG", "MF", "SV"}

Segment = list[str]


def delimiters(text: str) -> tuple[str, str, str]:
    """(element separator, component separator, segment terminator) from the ISA header."""
    if not text.startswith("ISA") or len(text) < 106:
        raise EdiParseError(
            "The interchange header (ISA) is cut short: it has 16 elements, 106 characters."
        )
    element = text[3]
    position = 3
    for _ in range(15):
        position = text.find(element, position + 1)
        if position == -1 or position > 200:
            raise EdiParseError(
                "The interchange header (ISA) does not have its 16 elements: the separators "
                "cannot be found."
            )
    component, terminator = text[position + 1], text[position + 2 : position + 3]
    if not terminator:
        raise EdiParseError("The interchange ends inside its header (ISA).")
    return element, component, terminator


def segments(text: str) -> list[Segment]:
    text = text.lstrip("\ufeff \r\n\t")
    element, _, terminator = delimiters(text)
    result = []
    for raw in text.split(terminator):
        raw = raw.strip("\r\n")
        if raw.strip():
            result.append(raw.split(element))
    return result


def _get(segment: Segment, index: int) -> str:
    return segment[index].strip() if index < len(segment) else ""


def parse(content: bytes) -> ParsedDocument:
    """The first transaction set (the ingestion service stores one document per interchange);
    further ones are a finding."""
    messages = parse_all(content)
    first = messages[0]
    if isinstance(first, EdiParseError):
        raise first
    if len(messages) > 1:
        first.add(
            Code.UNREAD_MESSAGES,
            ERROR,
            f"The interchange carries {len(messages)} transaction sets; only the first "
            f"({first.message_control_number}) was read. Send one per interchange.",
        )
    return first


def parse_all(content: bytes) -> list[ParsedDocument | EdiParseError]:
    """Every transaction set of the interchange, in order: a `ParsedDocument` or the
    `EdiParseError` saying why that one cannot be read. ST/SE findings belong to their
    transaction set; ISA/IEA and GS/GE findings to every one (each travelled in that envelope).
    """
    interchange = ParsedDocument(standard=X12)
    transactions = _envelope(segments(decode_text(content)), interchange)
    if not transactions:
        raise EdiParseError("The interchange holds no transaction set (no ST segment).")
    results: list[ParsedDocument | EdiParseError] = []
    for version, body, findings in transactions:
        try:
            results.append(_transaction(interchange, version, body, findings))
        except EdiParseError as exc:
            exc.message_control_number = _get(body[0], 2)  # type: ignore[attr-defined]
            results.append(exc)
    return results


def _transaction(interchange: ParsedDocument, version: str, body, findings) -> ParsedDocument:
    document = ParsedDocument(
        standard=X12,
        sender_id=interchange.sender_id,
        receiver_id=interchange.receiver_id,
        interchange_control_number=interchange.interchange_control_number,
    )
    st = body[0]
    code = _get(st, 1)
    document.message_type = code
    document.message_control_number = _get(st, 2)
    document.syntax_version = version
    if code not in TRANSACTION_SETS:
        raise EdiParseError(
            f"X12 transaction set {code or '(none)'} cannot be read here; send 850, 810 or 856."
        )
    document.doc_type = TRANSACTION_SETS[code]
    document.findings.extend(findings)
    {"850": _order, "810": _invoice, "856": _ship_notice}[code](body[1:], document)
    document.findings.extend(interchange.findings)
    return document


def _envelope(all_segments: list[Segment], document: ParsedDocument):
    """Check ISA/IEA, GS/GE and ST/SE; return [(version, transaction segments from ST)]."""
    isa = all_segments[0]
    document.sender_id = _get(isa, 6)
    document.receiver_id = _get(isa, 8)
    document.interchange_control_number = _get(isa, 13)
    transactions: list[tuple[str, list[Segment], list]] = []
    # ST/SE findings go to the transaction set they are about.
    local = ParsedDocument(standard=X12)
    groups = 0
    gs: Segment | None = None
    in_group = 0
    current: list[Segment] | None = None
    iea: Segment | None = None
    for segment in all_segments[1:]:
        tag = segment[0].strip()
        if tag == "GS":
            gs, in_group = segment, 0
            groups += 1
        elif tag == "ST":
            if current is not None:
                _missing(local, f"Transaction set {_get(current[0], 2)} has no trailer (SE).")
                transactions.append((_version(gs, isa), current, local.findings))
            current, local = [segment], ParsedDocument(standard=X12)
            in_group += 1
        elif tag == "SE":
            if current is None:
                _missing(document, "A transaction set trailer (SE) has no header (ST).")
                continue
            _compare(
                local,
                Code.ENVELOPE_MISMATCH,
                "transaction set control number",
                _get(current[0], 2),
                "ST02",
                _get(segment, 2),
                "SE02",
            )
            _count(
                local,
                "segments of the transaction set",
                "SE01",
                _get(segment, 1),
                len(current) + 1,
            )
            transactions.append((_version(gs, isa), current, local.findings))
            current = None
        elif tag == "GE":
            if gs is None:
                _missing(document, "A group trailer (GE) has no header (GS).")
                continue
            _compare(
                document,
                Code.ENVELOPE_MISMATCH,
                "group control number",
                _get(gs, 6),
                "GS06",
                _get(segment, 2),
                "GE02",
            )
            _count(document, "transaction sets of the group", "GE01", _get(segment, 1), in_group)
            gs = None
        elif tag == "IEA":
            iea = segment
        elif current is not None:
            current.append(segment)
    if current is not None:
        _missing(local, f"Transaction set {_get(current[0], 2)} has no trailer (SE).")
        transactions.append((_version(gs, isa), current, local.findings))
    if gs is not None:
        _missing(document, f"Group {_get(gs, 6)} has no trailer (GE).")
    if iea is None:
        _missing(document, "The interchange has no trailer (IEA): it may have been cut short.")
    else:
        _compare(
            document,
            Code.ENVELOPE_MISMATCH,
            "interchange control number",
            document.interchange_control_number,
            "ISA13",
            _get(iea, 2),
            "IEA02",
        )
        _count(document, "functional groups", "IEA01", _get(iea, 1), groups)
    return transactions


def _version(gs: Segment | None, isa: Segment) -> str:
    return _get(gs, 8) if gs is not None and _get(gs, 8) else _get(isa, 12)


def _missing(document: ParsedDocument, message: str) -> None:
    document.add(Code.MISSING_MANDATORY, ERROR, message)


def _compare(document, code, what, header, header_name, trailer, trailer_name) -> None:
    if header.lstrip("0") != trailer.lstrip("0") or not trailer:
        document.add(
            code,
            ERROR,
            f"The {what} is {header or '(empty)'} in the header ({header_name}) but "
            f"{trailer or '(empty)'} in the trailer ({trailer_name}).",
        )


def _count(document: ParsedDocument, what: str, name: str, declared: str, counted: int) -> None:
    if declared != str(counted):
        code = Code.SEGMENT_COUNT_MISMATCH if name == "SE01" else Code.MESSAGE_COUNT_MISMATCH
        document.add(
            code,
            ERROR,
            f"The trailer ({name}) counts {declared or 'no'} {what}; there are {counted}.",
        )


def _date(document: ParsedDocument, raw: str, what: str):
    try:
        return parse_date(raw, what)
    except EdiParseError as exc:
        document.add(Code.MISSING_MANDATORY, ERROR, str(exc))
        return None


def _item_codes(line: ParsedLine, segment: Segment, first: int) -> None:
    """Qualifier/value pairs from element `first` on (PO106/107, IT106/107, LIN02/03 …)."""
    for index in range(first, len(segment) - 1, 2):
        qualifier, value = _get(segment, index).upper(), _get(segment, index + 1)
        if not value:
            continue
        if qualifier in GTIN_QUALIFIERS:
            line.gtin = line.gtin or value
        elif qualifier in BUYER_QUALIFIERS:
            line.buyer_item_code = line.buyer_item_code or value
        elif qualifier in SELLER_QUALIFIERS:
            line.seller_item_code = line.seller_item_code or value


def _priced_line(segment: Segment, position: int, tag: str) -> ParsedLine:
    """A PO1 or IT1 line: id, quantity, unit, unit price, basis, then item id pairs."""
    number = line_number_of(_get(segment, 1), position)
    what = f"Line {number} ({tag})"
    line = ParsedLine(
        line_number=number,
        quantity=to_decimal(_get(segment, 2) or "0", f"{what}, quantity"),
        unit=_get(segment, 3),
        unit_price=optional_decimal(_get(segment, 4), f"{what}, unit price"),
    )
    _item_codes(line, segment, 6)
    return line


def _description(line: ParsedLine | None, segment: Segment) -> None:
    # PID*F****text: free-form description of the current line.
    if line is not None and not line.description and _get(segment, 1) == "F":
        line.description = _get(segment, 5)


def _control_totals(document: ParsedDocument, ctt: Segment | None, counted_lines: int) -> None:
    if ctt is None:
        return
    declared = _get(ctt, 1)
    if declared and declared != str(counted_lines):
        document.add(
            Code.LINE_COUNT_MISMATCH,
            ERROR,
            f"The control total (CTT01) says {declared} line items; the transaction has "
            f"{counted_lines}.",
        )
    hash_total = _get(ctt, 2)
    if hash_total:
        declared_sum = to_decimal(hash_total, "Hash total (CTT02)")
        counted = sum((line.quantity for line in document.lines), Decimal("0"))
        if declared_sum != counted:
            document.add(
                Code.HASH_TOTAL_MISMATCH,
                ERROR,
                f"The hash total of quantities (CTT02) is {format_quantity(declared_sum)}; the "
                f"lines add up to {format_quantity(counted)}.",
            )


def _order(body: list[Segment], document: ParsedDocument) -> None:
    line: ParsedLine | None = None
    ctt = None
    for segment in body:
        tag = segment[0].strip()
        if tag == "BEG":
            document.document_number = _get(segment, 3)
            document.issue_date = _date(document, _get(segment, 5), "Order date (BEG05)")
        elif tag == "CUR":
            document.currency = document.currency or _get(segment, 2)
        elif tag == "PO1":
            line = _priced_line(segment, len(document.lines) + 1, "PO1")
            document.lines.append(line)
        elif tag == "PID":
            _description(line, segment)
        elif tag == "CTT":
            ctt, line = segment, None
        elif tag == "AMT" and _get(segment, 1) in ("1", "TT"):
            amount = to_decimal(_get(segment, 2), f"Amount (AMT*{_get(segment, 1)})")
            if line is not None and _get(segment, 1) == "1":
                line.line_amount = amount  # AMT inside the PO1 loop: the line's total
            elif _get(segment, 1) == "1":
                document.declared_total = amount  # AMT01 "1": line item total
            else:
                document.document_total = amount
    _control_totals(document, ctt, len(document.lines))


def _invoice(body: list[Segment], document: ParsedDocument) -> None:
    line: ParsedLine | None = None
    ctt = None
    charged = False
    for segment in body:
        tag = segment[0].strip()
        if tag == "BIG":
            document.issue_date = _date(document, _get(segment, 1), "Invoice date (BIG01)")
            document.document_number = _get(segment, 2)
            document.order_reference = _get(segment, 4)
        elif tag == "CUR":
            document.currency = document.currency or _get(segment, 2)
        elif tag == "IT1":
            line = _priced_line(segment, len(document.lines) + 1, "IT1")
            document.lines.append(line)
        elif tag == "PID":
            _description(line, segment)
        elif tag in ("SAC", "TXI"):
            charged = True
        elif tag == "TDS":
            # TDS01 is N2: an amount with two implied decimals.
            cents = to_decimal(_get(segment, 1), "Total invoice amount (TDS01)")
            document.document_total = cents / 100
            line = None
        elif tag == "CTT":
            ctt, line = segment, None
    if document.document_total is not None and not charged:
        # Without charges, allowances or taxes the invoice total is the total of its lines.
        document.declared_total = document.document_total
    _control_totals(document, ctt, len(document.lines))


def _ship_notice(body: list[Segment], document: ParsedDocument) -> None:
    line: ParsedLine | None = None
    ctt = None
    hl_count = 0
    orders: list[str] = []
    for segment in body:
        tag = segment[0].strip()
        if tag == "BSN":
            document.document_number = _get(segment, 2)
            document.issue_date = _date(document, _get(segment, 3), "Shipment date (BSN03)")
        elif tag == "HL":
            hl_count += 1
            line = None
        elif tag == "PRF" and _get(segment, 1) and _get(segment, 1) not in orders:
            orders.append(_get(segment, 1))
        elif tag == "LIN":
            number = line_number_of(_get(segment, 1), len(document.lines) + 1)
            line = ParsedLine(line_number=number, quantity=Decimal("0"))
            _item_codes(line, segment, 2)
            document.lines.append(line)
        elif tag == "SN1":
            if line is None:
                number = line_number_of(_get(segment, 1), len(document.lines) + 1)
                line = ParsedLine(line_number=number, quantity=Decimal("0"))
                document.lines.append(line)
            line.quantity = to_decimal(
                _get(segment, 2) or "0", f"Line {line.line_number}, quantity shipped (SN102)"
            )
            line.unit = _get(segment, 3)
        elif tag == "PID":
            _description(line, segment)
        elif tag == "CTT":
            ctt, line = segment, None
    if orders:
        document.order_reference = orders[0]
    if len(orders) > 1:
        document.add(
            Code.ORDER_NOT_FOUND,
            INFO,
            f"The ship notice covers orders {', '.join(orders)}; it is compared with "
            f"{orders[0]} only.",
        )
    # CTT01 of a ship notice counts HL segments in most guides, line items in some.
    counted = hl_count if ctt is not None and _get(ctt, 1) == str(hl_count) else len(document.lines)
    _control_totals(document, ctt, counted)
