"""UN/EDIFACT ORDERS, INVOIC and DESADV (any directory: D.96A, D.97A, D.03B …).

pydifact reads the service string advice (UNA: which characters separate components, elements
and segments, which one escapes them); its reference parser walks the message one character at
a time, which takes about ten seconds per 100,000 lines. Messages here can have hundreds of
thousands of lines, so segments are split with regular expressions that honour the same escape
rules (tests/integrations/test_edifact.py checks both agree on every sample).

`parse_all` reads every message of the interchange, `parse` the first: header (BGM, DTM 137,
RFF ON/CO, CUX), lines (LIN, PIA, IMD/FTX, QTY, PRI, MOA) and the summary (CNT, MOA). The
envelope is checked: UNB against UNZ, UNH against UNT, the UNT segment count and the UNZ message
count.
"""

import re
from collections.abc import Iterator
from decimal import Decimal

from pydifact.control import Characters

from integrations.edi.detect import decode_text
from integrations.edi.result import (
    DESPATCH_ADVICE,
    EDIFACT,
    ERROR,
    INVOICE,
    ORDER,
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

MESSAGE_TYPES = {"ORDERS": ORDER, "INVOIC": INVOICE, "DESADV": DESPATCH_ADVICE}
# Which QTY qualifier (6063) is the line's quantity, by document type, best first.
QUANTITY_QUALIFIERS = {
    ORDER: ("21", "1"),
    INVOICE: ("47", "46", "12", "1"),
    DESPATCH_ADVICE: ("12", "1", "46"),
}
# MOA qualifiers (5025) of a line's amount, best first: line item amount, goods item total,
# invoice item amount, net goods item total.
LINE_AMOUNT_QUALIFIERS = ("203", "66", "38", "106")
# The message's total, charges and taxes included: invoice amount, message total, invoice total,
# total amount, amount due.
DOCUMENT_TOTAL_QUALIFIERS = ("77", "86", "39", "128", "9")
LINE_ITEMS_TOTAL = "79"
# Item number types (7143).
GTIN_TYPES = {"EN", "SRV", "UP", "UK", "GTIN", "IB"}
BUYER_TYPES = {"IN", "BP"}
SELLER_TYPES = {"SA", "VN", "VP", "MF", "MP"}
# Segments after which MOA inside a line belongs to an allowance, a tax or a package.
LINE_SUBGROUPS = {"ALC", "TAX", "PAC", "ALI", "PCI"}

Segment = tuple[str, list[list[str]]]


def _splitter(separator: str, escape: str):
    """A generator function splitting text on `separator` where it is not escaped (the parts
    str.split would give, one at a time: a 200,000-line message is never held twice)."""
    sep, esc = re.escape(separator), re.escape(escape)
    chunk = re.compile(f"(?:[^{esc}{sep}]++|{esc}.?)*+", re.S)

    def split(text: str):
        if escape not in text:
            start = 0
            while (end := text.find(separator, start)) != -1:
                yield text[start:end]
                start = end + 1
            yield text[start:]
            return
        pos, end = 0, len(text)
        while True:
            match = chunk.match(text, pos)
            yield match.group()
            pos = match.end()
            if pos >= end:
                return
            pos += 1  # the separator itself

    return split


def _unescaper(escape: str):
    pattern = re.compile(f"{re.escape(escape)}(.)", re.S)

    def unescape(value: str) -> str:
        return pattern.sub(r"\1", value) if escape in value else value

    return unescape


def control_characters(text: str) -> tuple[Characters, str]:
    """The interchange's control characters and the text after the UNA, if any."""
    if text.startswith("UNA"):
        if len(text) < 9:
            raise EdiParseError("The service string advice (UNA) is cut short.")
        return Characters.from_str(text[:9]), text[9:]
    # Without UNA, ISO 9735's defaults (pydifact's, with a point as decimal mark: both marks
    # are read anyway).
    return Characters(decimal_point="."), text


_TAG = re.compile(r"[A-Z0-9]{3}")


def segments(text: str) -> Iterator[Segment]:
    """The interchange's segments as (tag, elements), each element a list of its components."""
    characters, body = control_characters(text.lstrip("\ufeff \r\n\t"))
    escape = characters.escape_character
    data, component = characters.data_separator, characters.component_separator
    if escape in body:
        split_elements = _splitter(data, escape)
        split_components = _splitter(component, escape)
        unescape = _unescaper(escape)

        def elements_of(raw: str) -> list[list[str]]:
            return [[unescape(c) for c in split_components(e)] for e in split_elements(raw)]

    else:  # the common case, and the fast one: nothing is escaped

        def elements_of(raw: str) -> list[list[str]]:
            return [e.split(component) for e in raw.split(data)]

    known_tags: set[str] = set()
    for position, raw in enumerate(_splitter(characters.segment_terminator, escape)(body), 1):
        raw = raw.lstrip("\r\n")
        if not raw or raw.isspace():
            continue
        elements = elements_of(raw)
        tag = elements[0][0].strip()
        if tag not in known_tags:
            if len(elements[0]) > 1 or not _TAG.fullmatch(tag):
                shown = raw[:30].replace("\n", " ")
                raise EdiParseError(
                    f"Segment {position} (“{shown}”) does not start with a segment tag: are the "
                    "separators in the UNA right?"
                )
            known_tags.add(tag)
        yield tag, elements[1:]


def _get(elements: list[list[str]], element: int, component: int = 0) -> str:
    try:
        return elements[element][component].strip()
    except IndexError:
        return ""


def _number(raw: str, what: str) -> Decimal:
    return to_decimal(raw, what, decimal_mark=",")


def _optional_number(raw: str, what: str) -> Decimal | None:
    return optional_decimal(raw, what, decimal_mark=",")


def parse(content: bytes) -> ParsedDocument:
    """The first message of the interchange (the ingestion service stores one document per
    interchange); further messages are a finding."""
    messages = parse_all(content)
    first = messages[0]
    if isinstance(first, EdiParseError):
        raise first
    if len(messages) > 1:
        first.add(
            Code.UNREAD_MESSAGES,
            ERROR,
            f"The interchange carries {len(messages)} messages; only the first "
            f"({first.message_control_number}) was read. Send one message per interchange.",
        )
    return first


def parse_all(content: bytes) -> list[ParsedDocument | EdiParseError]:
    """Every message of the interchange, in order: a `ParsedDocument`, or the `EdiParseError`
    saying why that message cannot be read. One pass over the segments; the envelope is checked
    as it goes by: UNH/UNT findings belong to their message, UNB/UNZ findings to every message
    (each travelled in that envelope). Raises `EdiParseError` when the interchange itself cannot
    be read or holds no message."""
    interchange = ParsedDocument(standard=EDIFACT)
    envelope = _Envelope(interchange)
    results: list[ParsedDocument | EdiParseError] = []
    reader: _Reader | None = None
    failed: EdiParseError | None = None

    def close() -> None:
        nonlocal reader, failed
        if failed is None and reader is not None:
            try:
                reader.finish()
            except EdiParseError as exc:
                failed = exc
        if failed is not None:
            results.append(failed)
        elif reader is not None:
            results.append(reader.document)
        reader, failed = None, None

    for tag, elements in segments(decode_text(content)):
        if tag in ENVELOPE_TAGS:
            if tag == "UNH":
                if envelope.in_message:  # the previous message has no trailer
                    envelope.in_message_at_end()
                    close()
                document = ParsedDocument(
                    standard=EDIFACT,
                    sender_id=interchange.sender_id,
                    receiver_id=interchange.receiver_id,
                    interchange_control_number=interchange.interchange_control_number,
                )
                envelope.message_document = document
                try:
                    reader = _Reader(document, elements)
                except EdiParseError as exc:
                    failed = _message_error(exc, elements)
            envelope.see(tag, elements)
            if tag == "UNT" and (reader is not None or failed is not None):
                close()
        elif envelope.in_message:
            envelope.count += 1
            if reader is not None and failed is None:
                try:
                    reader.feed(tag, elements)
                except EdiParseError as exc:
                    failed = _message_error(exc, None, reader.document)
    if envelope.in_message:
        envelope.in_message_at_end()
    close()
    envelope.finish()
    if not results:
        raise EdiParseError("The interchange holds no message (no UNH segment).")
    for result in results:
        if isinstance(result, ParsedDocument):
            result.findings.extend(interchange.findings)
    return results


def _message_error(exc: EdiParseError, unh, document: ParsedDocument | None = None):
    reference = _get(unh, 0) if unh is not None else (document.message_control_number or "")
    error = EdiParseError(str(exc))
    error.message_control_number = reference  # type: ignore[attr-defined]
    return error


ENVELOPE_TAGS = {"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"}


class _Envelope:
    """UNB/UNZ and UNH/UNT as they go by: references, the UNT segment count, the UNZ count."""

    def __init__(self, document: ParsedDocument):
        self.document = document
        # Where UNH/UNT findings go: the message being read (the interchange until one starts).
        self.message_document = document
        self.unb = self.unz = self.unh = None
        self.groups = self.messages = self.count = 0
        self.in_message = False

    def see(self, tag: str, elements) -> None:
        if tag == "UNB":
            self.unb = elements
            self.document.sender_id = _get(elements, 1)
            self.document.receiver_id = _get(elements, 2)
            self.document.interchange_control_number = _get(elements, 4)
        elif tag == "UNZ":
            self.unz = elements
        elif tag == "UNG":
            self.groups += 1
        elif tag == "UNH":
            self.unh, self.in_message, self.count = elements, True, 1
            self.messages += 1
        elif tag == "UNT":
            if not self.in_message:
                self.message_document.add(
                    Code.MISSING_MANDATORY, ERROR, "A message trailer (UNT) has no header (UNH)."
                )
                return
            self._check_trailer(elements, self.count + 1)
            self.in_message = False

    def in_message_at_end(self) -> None:
        self._trailer_missing()
        self.in_message = False

    def _trailer_missing(self) -> None:
        self.message_document.add(
            Code.MISSING_MANDATORY,
            ERROR,
            f"Message {_get(self.unh, 0)} has no trailer (UNT): it may have been cut short.",
        )

    def _check_trailer(self, unt, counted: int) -> None:
        reference, trailer_reference = _get(self.unh, 0), _get(unt, 1)
        if reference != trailer_reference:
            self.message_document.add(
                Code.ENVELOPE_MISMATCH,
                ERROR,
                f"The message reference is {reference} in the header (UNH) but "
                f"{trailer_reference} in the trailer (UNT).",
            )
        declared = _get(unt, 0)
        if declared != str(counted):
            self.message_document.add(
                Code.SEGMENT_COUNT_MISMATCH,
                ERROR,
                f"Message {reference}: the trailer (UNT) counts {declared or 'no'} segments; "
                f"the message has {counted}.",
            )

    def finish(self) -> None:
        document = self.document
        if self.unb is None:
            document.add(Code.MISSING_MANDATORY, ERROR, "The interchange has no header (UNB).")
        if self.unz is None:
            document.add(
                Code.MISSING_MANDATORY,
                ERROR,
                "The interchange has no trailer (UNZ): it may have been cut short.",
            )
            return
        reference = _get(self.unz, 1)
        if self.unb is not None and reference != document.interchange_control_number:
            document.add(
                Code.ENVELOPE_MISMATCH,
                ERROR,
                f"The interchange control reference is {document.interchange_control_number} "
                f"in the header (UNB) but {reference} in the trailer (UNZ).",
            )
        declared = _get(self.unz, 0)
        counted = self.groups or self.messages
        if declared != str(counted):
            what = "functional groups" if self.groups else "messages"
            document.add(
                Code.MESSAGE_COUNT_MISMATCH,
                ERROR,
                f"The trailer (UNZ) counts {declared or 'no'} {what}; the interchange has "
                f"{counted}.",
            )


class _Line:
    """A line being read: every qualified value kept until the line ends, then chosen."""

    __slots__ = ("number", "codes", "description", "quantities", "prices", "amounts", "in_group")

    def __init__(self, number: str):
        self.number = number
        self.codes: list[tuple[str, str]] = []
        self.description = ""
        self.quantities: dict[str, tuple[str, str]] = {}
        self.prices: dict[str, tuple[str, str]] = {}
        self.amounts: dict[str, str] = {}
        self.in_group = False  # inside an allowance/tax/package group of the line


class _Reader:
    """Reads one message's segments as they come: header, lines (each finished as soon as the
    next begins, so only normalised lines are kept), summary."""

    def __init__(self, document: ParsedDocument, unh):
        message_type = _get(unh, 1, 0).upper()
        document.message_type = message_type
        document.message_control_number = _get(unh, 0)
        version = [_get(unh, 1, i) for i in (1, 2)]
        document.syntax_version = ":".join(v for v in version if v)
        if message_type not in MESSAGE_TYPES:
            raise EdiParseError(
                f"EDIFACT {message_type or 'messages without a type'} cannot be read here; "
                "send ORDERS, INVOIC or DESADV."
            )
        document.doc_type = MESSAGE_TYPES[message_type]
        self.document = document
        self.section = "header"
        self.line: _Line | None = None
        self.line_order_refs: list[str] = []
        self.counts: dict[str, str] = {}
        self.totals: dict[str, str] = {}

    def _close_line(self) -> None:
        if self.line is not None:
            lines = self.document.lines
            lines.append(_finish_line(self.line, len(lines) + 1, self.document))
            self.line = None

    def feed(self, tag: str, elements) -> None:
        if tag == "LIN":
            self._close_line()
            self.section = "lines"
            line = self.line = _Line(_get(elements, 0))
            code, kind = _get(elements, 2, 0), _get(elements, 2, 1)
            if code:
                line.codes.append((kind.upper(), code))
        elif tag == "UNS":
            self._close_line()
            self.section = "summary"
        elif self.section == "header":
            _header_segment(tag, elements, self.document)
        elif self.section == "lines" and self.line is not None:
            self._line_segment(self.line, tag, elements)
        elif self.section == "summary":
            if tag == "CNT":
                self.counts.setdefault(_get(elements, 0, 0), _get(elements, 0, 1))
            elif tag == "MOA":
                self.totals.setdefault(_get(elements, 0, 0), _get(elements, 0, 1))

    def _line_segment(self, line: _Line, tag: str, elements) -> None:
        if tag in LINE_SUBGROUPS:
            line.in_group = True
        elif tag == "PIA":
            for element in elements[1:]:
                if element and element[0].strip():
                    kind = element[1].strip().upper() if len(element) > 1 else ""
                    line.codes.append((kind, element[0].strip()))
        elif tag == "IMD" and not line.description:
            parts = elements[2][3:5] if len(elements) > 2 else []
            line.description = " ".join(p for p in parts if p)
        elif tag == "FTX" and not line.description:
            parts = elements[3] if len(elements) > 3 else []
            line.description = " ".join(p for p in parts if p)
        elif tag == "QTY":
            qualifier = _get(elements, 0, 0)
            line.quantities.setdefault(qualifier, (_get(elements, 0, 1), _get(elements, 0, 2)))
        elif tag == "PRI":
            qualifier = _get(elements, 0, 0)
            line.prices.setdefault(qualifier, (_get(elements, 0, 1), _get(elements, 0, 4)))
        elif tag == "MOA" and not line.in_group:
            line.amounts.setdefault(_get(elements, 0, 0), _get(elements, 0, 1))
        elif tag == "RFF" and _get(elements, 0, 0) in ("ON", "CO"):
            self.line_order_refs.append(_get(elements, 0, 1))

    def finish(self) -> None:
        self._close_line()
        document = self.document
        if not document.order_reference and self.line_order_refs:
            document.order_reference = self.line_order_refs[0]
        _summary(self.counts, self.totals, document)


def _header_segment(tag: str, elements, document: ParsedDocument) -> None:
    if tag == "BGM":
        document.document_number = _get(elements, 1, 0)
    elif tag == "DTM" and _get(elements, 0, 0) == "137":
        value = re.match(r"\d*", _get(elements, 0, 1)).group()
        try:
            document.issue_date = parse_date(value, "Document date (DTM 137)")
        except EdiParseError as exc:
            document.add(Code.MISSING_MANDATORY, ERROR, str(exc))
    elif tag == "RFF" and _get(elements, 0, 0) in ("ON", "CO") and not document.order_reference:
        document.order_reference = _get(elements, 0, 1)
    elif tag == "CUX" and not document.currency:
        document.currency = _get(elements, 0, 1)


def _finish_line(item: _Line, position: int, document: ParsedDocument) -> ParsedLine:
    number = line_number_of(item.number, position)
    what = f"Line {number}"
    quantity_raw, unit = "", ""
    for qualifier in QUANTITY_QUALIFIERS[document.doc_type]:
        if qualifier in item.quantities:
            quantity_raw, unit = item.quantities[qualifier]
            break
    else:
        if item.quantities:
            quantity_raw, unit = next(iter(item.quantities.values()))
    if quantity_raw:
        quantity = _number(quantity_raw, f"{what}, quantity (QTY)")
    else:
        document.add(
            Code.MISSING_MANDATORY, ERROR, f"{what} has no quantity (QTY); read as 0.", number
        )
        quantity = Decimal("0")
    unit_price = None
    price = (
        item.prices.get("AAA") or item.prices.get("AAB") or next(iter(item.prices.values()), None)
    )
    if price is not None:
        unit_price = _optional_number(price[0], f"{what}, price (PRI)")
        basis = _optional_number(price[1], f"{what}, price basis (PRI)")
        if unit_price is not None and basis:
            unit_price = unit_price / basis
    amount = next((item.amounts[q] for q in LINE_AMOUNT_QUALIFIERS if q in item.amounts), "")
    line = ParsedLine(
        line_number=number,
        quantity=quantity,
        unit=unit,
        description=item.description,
        unit_price=unit_price,
        line_amount=_optional_number(amount, f"{what}, amount (MOA)"),
    )
    for kind, code in item.codes:
        if kind in GTIN_TYPES:
            line.gtin = line.gtin or code
        elif kind in BUYER_TYPES:
            line.buyer_item_code = line.buyer_item_code or code
        else:  # SELLER_TYPES and unqualified numbers: the supplier's article number
            line.seller_item_code = line.seller_item_code or code
    return line


def _summary(counts: dict[str, str], totals: dict[str, str], document: ParsedDocument) -> None:
    if LINE_ITEMS_TOTAL in totals:
        document.declared_total = _number(totals[LINE_ITEMS_TOTAL], "Line items total (MOA 79)")
    for qualifier in DOCUMENT_TOTAL_QUALIFIERS:
        if qualifier in totals:
            document.document_total = _number(totals[qualifier], f"Total (MOA {qualifier})")
            break
    if "2" in counts and counts["2"] != str(len(document.lines)):
        document.add(
            Code.LINE_COUNT_MISMATCH,
            ERROR,
            f"The control count (CNT 2) says {counts['2']} lines; the message has "
            f"{len(document.lines)}.",
        )
    if "1" in counts:
        declared = _number(counts["1"], "Quantity hash total (CNT 1)")
        counted = sum((line.quantity for line in document.lines), Decimal("0"))
        if declared != counted:
            document.add(
                Code.HASH_TOTAL_MISMATCH,
                ERROR,
                f"The control total of quantities (CNT 1) is {format_quantity(declared)}; the "
                f"lines add up to {format_quantity(counted)}.",
            )
