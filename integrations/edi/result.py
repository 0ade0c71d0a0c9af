"""The normalised result every EDI parser returns, whatever the standard.

A parser turns bytes into one `ParsedDocument`: the envelope (sender, receiver, control numbers),
the business header (document number, issue date, referenced order, currency, totals), the lines,
and the findings: what is wrong with the message but does not stop it from being read (control
numbers that differ, a segment count that does not match, a total that is not the sum of the
lines). A message that cannot be read at all raises `EdiParseError` with the reason.

`finalise()` is the one place where values are made to fit the database columns (rounding,
length limits, ranges), so the ingestion service can insert the lines in bulk without validating
each one again.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tenancy.money import format_amount, format_quantity

# --- vocabularies (the models use these as their choices) --------------------------------------

EDIFACT, X12, UBL, UNKNOWN = "edifact", "x12", "ubl", "unknown"
STANDARDS = [
    (EDIFACT, "UN/EDIFACT"),
    (X12, "ANSI X12"),
    (UBL, "UBL (XML)"),
    (UNKNOWN, "Not recognised"),
]

ORDER, INVOICE, DESPATCH_ADVICE = "order", "invoice", "despatch_advice"
DOC_TYPES = [
    (ORDER, "Order"),
    (INVOICE, "Invoice"),
    (DESPATCH_ADVICE, "Despatch advice / ship notice"),
    (UNKNOWN, "Not recognised"),
]

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = [(ERROR, "Error"), (WARNING, "Warning"), (INFO, "Information")]


class Code:
    """Finding codes. Parsers raise the envelope and arithmetic ones; the ingestion service adds
    the ones that compare a document with the order it references."""

    ENVELOPE_MISMATCH = "envelope_mismatch"
    SEGMENT_COUNT_MISMATCH = "segment_count_mismatch"
    MESSAGE_COUNT_MISMATCH = "message_count_mismatch"
    LINE_COUNT_MISMATCH = "line_count_mismatch"
    HASH_TOTAL_MISMATCH = "hash_total_mismatch"
    TOTAL_MISMATCH = "total_mismatch"
    LINE_AMOUNT_MISMATCH = "line_amount_mismatch"
    MISSING_MANDATORY = "missing_mandatory"
    UNREAD_MESSAGES = "unread_messages"
    VALUE_TRUNCATED = "value_truncated"
    ORDER_NOT_FOUND = "order_not_found"
    ITEM_NOT_ON_ORDER = "item_not_on_order"
    QUANTITY_ABOVE_ORDER = "quantity_above_order"
    PRICE_DIFFERS = "price_differs"
    CURRENCY_DIFFERS = "currency_differs"


FINDING_CODES = [
    (Code.ENVELOPE_MISMATCH, "Envelope control numbers differ"),
    (Code.SEGMENT_COUNT_MISMATCH, "Segment count does not match"),
    (Code.MESSAGE_COUNT_MISMATCH, "Message or group count does not match"),
    (Code.LINE_COUNT_MISMATCH, "Line count does not match"),
    (Code.HASH_TOTAL_MISMATCH, "Quantity hash total does not match"),
    (Code.TOTAL_MISMATCH, "Declared total is not the sum of the lines"),
    (Code.LINE_AMOUNT_MISMATCH, "Line amount is not quantity × price"),
    (Code.MISSING_MANDATORY, "Mandatory part missing"),
    (Code.UNREAD_MESSAGES, "Further messages in the interchange were not read"),
    (Code.VALUE_TRUNCATED, "Value shortened to fit"),
    (Code.ORDER_NOT_FOUND, "Referenced order not received"),
    (Code.ITEM_NOT_ON_ORDER, "Item not on the order"),
    (Code.QUANTITY_ABOVE_ORDER, "Quantity above the order"),
    (Code.PRICE_DIFFERS, "Unit price differs from the order"),
    (Code.CURRENCY_DIFFERS, "Currency differs from the order"),
]

# Column limits of integrations.models (kept here so the parsers guarantee them).
CODE_MAX = 64
UNIT_MAX = 16
TEXT_MAX = {
    "sender_id": 100,
    "receiver_id": 100,
    "interchange_control_number": 35,
    "message_control_number": 35,
    "document_number": 70,
    "order_reference": 70,
    "message_type": 20,
    "syntax_version": 20,
}
QUANTITY_PLACES, QUANTITY_DIGITS = 4, 18
PRICE_PLACES, PRICE_DIGITS = 6, 20
AMOUNT_PLACES, AMOUNT_DIGITS = 2, 18
CENT = Decimal("0.01")
# A line amount may differ from quantity × price by rounding; more than this is a finding.
LINE_AMOUNT_TOLERANCE = Decimal("0.01")


class EdiParseError(ValueError):
    """The message cannot be read. The text says why, in words a partner's EDI team can act on."""


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    line_number: int | None = None


@dataclass
class ParsedLine:
    line_number: int
    quantity: Decimal
    unit: str = ""
    buyer_item_code: str = ""
    seller_item_code: str = ""
    gtin: str = ""
    description: str = ""
    unit_price: Decimal | None = None
    line_amount: Decimal | None = None

    @property
    def item_codes(self) -> list[tuple[str, str]]:
        """(kind, code) pairs, most specific first: how lines of two documents are matched."""
        return [
            (kind, code)
            for kind, code in (
                ("gtin", self.gtin),
                ("buyer", self.buyer_item_code),
                ("seller", self.seller_item_code),
            )
            if code
        ]

    @property
    def item_label(self) -> str:
        return (
            self.gtin or self.buyer_item_code or self.seller_item_code or f"line {self.line_number}"
        )


@dataclass
class ParsedDocument:
    standard: str
    doc_type: str = UNKNOWN
    message_type: str = ""
    syntax_version: str = ""
    sender_id: str = ""
    receiver_id: str = ""
    interchange_control_number: str = ""
    message_control_number: str = ""
    document_number: str = ""
    order_reference: str = ""
    issue_date: date | None = None
    currency: str = ""
    # What the sender declares for the lines (EDIFACT MOA 79, UBL LineExtensionAmount, X12 AMT):
    # checked against the sum of the lines.
    declared_total: Decimal | None = None
    # The document's own total, charges and taxes included (payable / message total): kept, not
    # compared with the lines.
    document_total: Decimal | None = None
    lines: list[ParsedLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, severity: str, message: str, line_number: int | None = None):
        self.findings.append(Finding(code, severity, message, line_number))

    @property
    def line_total(self) -> Decimal | None:
        amounts = [line.line_amount for line in self.lines if line.line_amount is not None]
        return sum(amounts, Decimal("0")) if amounts else None

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)


# --- helpers the parsers share ------------------------------------------------------------


def _amount(value: Decimal, document) -> str:
    """An amount of the message as a reader writes it: separators, its currency's decimals."""
    return format_amount(value, document.currency)


def to_decimal(raw: str, what: str, decimal_mark: str = ".") -> Decimal:
    """A number as sent (`12.50`, `12,50` with a comma decimal mark, `-3`), or a parse error."""
    text = (raw or "").strip()
    if decimal_mark != ".":
        text = text.replace(decimal_mark, ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise EdiParseError(f"{what}: “{raw}” is not a number.") from None
    if not value.is_finite():
        raise EdiParseError(f"{what}: “{raw}” is not a number.")
    return value


def optional_decimal(raw: str, what: str, decimal_mark: str = ".") -> Decimal | None:
    return to_decimal(raw, what, decimal_mark) if raw and raw.strip() else None


def parse_date(raw: str, what: str) -> date | None:
    """CCYYMMDD, YYMMDD (EDI, taking the century window 1970–2069), CCYYMMDDHHMM or ISO dates."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
        if text.isdigit() and len(text) >= 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if text.isdigit() and len(text) == 6:
            year = int(text[:2])
            return date(2000 + year if year < 70 else 1900 + year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        pass
    raise EdiParseError(f"{what}: “{raw}” is not a date.")


def line_number_of(raw: str, position: int) -> int:
    """The sender's line number when it is a plain number, else the line's position."""
    text = (raw or "").strip()
    if text.isdigit() and 0 < int(text) < 2_000_000_000:
        return int(text)
    return position


def _fits(value: Decimal, digits: int, places: int) -> bool:
    return value.adjusted() < digits - places


def _quantize(value: Decimal | None, places: int, digits: int, what: str) -> Decimal | None:
    if value is None:
        return None
    try:
        quantized = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        quantized = None
    if quantized is None or not _fits(quantized, digits, places):
        raise EdiParseError(f"{what}: {value} is too large to be a real value.")
    return quantized


def _clip(document: ParsedDocument, value: str, limit: int, what: str, line: int | None) -> str:
    value = " ".join((value or "").split()) if what == "description" else (value or "").strip()
    if len(value) > limit:
        document.add(
            Code.VALUE_TRUNCATED,
            WARNING,
            f"{what} is {len(value)} characters long; the first {limit} were kept.",
            line,
        )
        return value[:limit]
    return value


def finalise(document: ParsedDocument) -> ParsedDocument:
    """Checks every standard shares, then values made to fit their columns.

    - a line without an amount gets quantity × unit price;
    - a line amount more than a cent away from quantity × unit price is a warning;
    - a declared line total that is not the sum of the lines is an error;
    - a document without a number, or an order or invoice without lines, is an error.
    """
    for name, limit in TEXT_MAX.items():
        setattr(document, name, _clip(document, getattr(document, name), limit, name, None))
    document.currency = (document.currency or "").strip().upper()[:3]
    for line in document.lines:
        number = line.line_number
        line.quantity = _quantize(line.quantity, QUANTITY_PLACES, QUANTITY_DIGITS, f"Line {number}")
        line.unit_price = _quantize(line.unit_price, PRICE_PLACES, PRICE_DIGITS, f"Line {number}")
        if line.line_amount is None and line.unit_price is not None:
            line.line_amount = line.quantity * line.unit_price
        elif line.line_amount is not None and line.unit_price is not None:
            expected = _quantize(
                line.quantity * line.unit_price, AMOUNT_PLACES, AMOUNT_DIGITS, f"Line {number}"
            )
            if abs(expected - line.line_amount) > LINE_AMOUNT_TOLERANCE:
                document.add(
                    Code.LINE_AMOUNT_MISMATCH,
                    WARNING,
                    f"Line {number}: the amount is {_amount(line.line_amount, document)}, but "
                    f"{format_quantity(line.quantity)} × {format_quantity(line.unit_price)} = "
                    f"{_amount(expected, document)}.",
                    number,
                )
        line.line_amount = _quantize(
            line.line_amount, AMOUNT_PLACES, AMOUNT_DIGITS, f"Line {number}"
        )
        line.unit = _clip(document, line.unit, UNIT_MAX, "unit", number)
        line.buyer_item_code = _clip(
            document, line.buyer_item_code, CODE_MAX, "buyer item code", number
        )
        line.seller_item_code = _clip(
            document, line.seller_item_code, CODE_MAX, "seller item code", number
        )
        line.gtin = _clip(document, line.gtin, CODE_MAX, "GTIN", number)
        line.description = _clip(document, line.description, 1000, "description", number)
    document.declared_total = _quantize(
        document.declared_total, AMOUNT_PLACES, AMOUNT_DIGITS, "Declared total"
    )
    document.document_total = _quantize(
        document.document_total, AMOUNT_PLACES, AMOUNT_DIGITS, "Document total"
    )
    line_total = document.line_total
    if line_total is not None and not _fits(line_total, AMOUNT_DIGITS, AMOUNT_PLACES):
        raise EdiParseError(f"The lines add up to {line_total}, too large to be a real value.")
    declared = document.declared_total
    if declared is not None and line_total is not None and declared != line_total:
        document.add(
            Code.TOTAL_MISMATCH,
            ERROR,
            f"The declared line total is {_amount(declared, document)}, but the lines add up to "
            f"{_amount(line_total, document)} "
            f"(difference {_amount(declared - line_total, document)}).",
        )
    if not document.document_number:
        document.add(Code.MISSING_MANDATORY, ERROR, "The document has no document number.")
    if not document.lines and document.doc_type in (ORDER, INVOICE):
        document.add(Code.MISSING_MANDATORY, ERROR, "The document has no lines.")
    return document
