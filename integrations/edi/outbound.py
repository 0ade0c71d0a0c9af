"""Outbound messages generated from the app (no database here): an order as EDIFACT ORDERS
(D.96A) or UBL 2.1 Order, and the response to an order as EDIFACT ORDRSP or UBL
OrderResponse (every line accepted as ordered). The ORDERS and the UBL Order read back with
this package's own parsers to the same number, parties and lines (the tests check it)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from integrations.edi.ubl import CAC, CBC, MAIN


@dataclass(frozen=True)
class OutLine:
    line_number: int
    gtin: str
    buyer_code: str
    seller_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None


@dataclass(frozen=True)
class OutOrder:
    number: str
    issue_date: date
    currency: str
    buyer_id: str
    seller_id: str
    lines: list[OutLine] = field(default_factory=list)


def _release(text: str) -> str:
    for char in "?+:'":
        text = text.replace(char, f"?{char}")
    return text


def _n(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _amount(line: OutLine) -> Decimal | None:
    if line.unit_price is None:
        return None
    return (line.quantity * line.unit_price).quantize(Decimal("0.01"))


def _edifact(order: OutOrder, *, message_type: str, number: str, issued: date) -> bytes:
    response = message_type == "ORDRSP"
    segments = [
        f"UNH+1+{message_type}:D:96A:UN",
        f"BGM+{'231' if response else '220'}+{_release(number)}+{'29' if response else '9'}",
        f"DTM+137:{issued:%Y%m%d}:102",
    ]
    if response:
        segments.append(f"RFF+ON:{_release(order.number)}")
    segments += [
        f"NAD+BY+{_release(order.buyer_id)}::9",
        f"NAD+SU+{_release(order.seller_id)}::9",
    ]
    if order.currency:
        segments.append(f"CUX+2:{order.currency}:9")
    total = Decimal("0")
    for line in order.lines:
        # LIN action 5 in a response: the line is accepted as ordered.
        segments.append(
            f"LIN+{line.line_number}+{'5' if response else ''}+{_release(line.gtin)}:SRV"
            if line.gtin
            else f"LIN+{line.line_number}{'+5' if response else ''}"
        )
        if line.buyer_code:
            segments.append(f"PIA+5+{_release(line.buyer_code)}:IN")
        if line.seller_code:
            segments.append(f"PIA+1+{_release(line.seller_code)}:SA")
        if line.description:
            segments.append(f"IMD+F++:::{_release(line.description[:35])}")
        segments.append(f"QTY+{'113' if response else '21'}:{_n(line.quantity)}:{line.unit}")
        amount = _amount(line)
        if amount is not None:
            total += amount
            segments += [f"MOA+203:{amount}", f"PRI+AAA:{_n(line.unit_price)}"]
    segments += ["UNS+S", f"CNT+2:{len(order.lines)}"]
    if not response and any(line.unit_price is not None for line in order.lines):
        segments.append(f"MOA+79:{total}")
    segments.append(f"UNT+{len(segments) + 1}+1")
    control = "".join(ch for ch in number if ch.isalnum())[-14:] or "1"
    sender, receiver = (
        (order.seller_id, order.buyer_id) if response else (order.buyer_id, order.seller_id)
    )
    envelope = [
        f"UNB+UNOC:3+{_release(sender)}:14+{_release(receiver)}:14+{issued:%y%m%d}:0000+{control}",
        *segments,
        f"UNZ+1+{control}",
    ]
    return ("UNA:+.? '" + "'\n".join(envelope) + "'\n").encode()


def edifact_orders(order: OutOrder) -> bytes:
    return _edifact(order, message_type="ORDERS", number=order.number, issued=order.issue_date)


def edifact_ordrsp(order: OutOrder, *, number: str, issued: date) -> bytes:
    return _edifact(order, message_type="ORDRSP", number=number, issued=issued)


def _party(role: str, identifier: str) -> str:
    scheme, _, value = identifier.rpartition(":")
    attribute = f' schemeID="{escape(scheme)}"' if scheme else ""
    return (
        f"<cac:{role}><cac:Party><cbc:EndpointID{attribute}>{escape(value or identifier)}"
        f"</cbc:EndpointID></cac:Party></cac:{role}>"
    )


def _ubl_line(line: OutLine, currency: str, response: bool) -> str:
    price = (
        f'<cac:Price><cbc:PriceAmount currencyID="{currency}">{_n(line.unit_price)}'
        "</cbc:PriceAmount></cac:Price>"
        if line.unit_price is not None
        else ""
    )
    amount = _amount(line)
    extension = (
        f'<cbc:LineExtensionAmount currencyID="{currency}">{amount}</cbc:LineExtensionAmount>'
        if amount is not None and not response
        else ""
    )
    identifiers = ""
    for element, code, scheme in (
        ("BuyersItemIdentification", line.buyer_code, ""),
        ("SellersItemIdentification", line.seller_code, ""),
        ("StandardItemIdentification", line.gtin, ' schemeID="0160"'),
    ):
        if code:
            identifiers += f"<cac:{element}><cbc:ID{scheme}>{escape(code)}</cbc:ID></cac:{element}>"
    status = "<cbc:LineStatusCode>5</cbc:LineStatusCode>" if response else ""
    return (
        f"<cac:OrderLine><cac:LineItem><cbc:ID>{line.line_number}</cbc:ID>{status}"
        f'<cbc:Quantity unitCode="{escape(line.unit)}">{_n(line.quantity)}</cbc:Quantity>'
        f"{extension}{price}<cac:Item><cbc:Name>{escape(line.description)}</cbc:Name>"
        f"{identifiers}</cac:Item></cac:LineItem></cac:OrderLine>"
    )


def _ubl(order: OutOrder, *, root: str, number: str, issued: date) -> bytes:
    response = root == "OrderResponse"
    lines = "".join(_ubl_line(line, order.currency, response) for line in order.lines)
    total = sum((a for a in (_amount(line) for line in order.lines) if a is not None), Decimal(0))
    reference = (
        f"<cac:OrderReference><cbc:ID>{escape(order.number)}</cbc:ID></cac:OrderReference>"
        if response
        else ""
    )
    totals = (
        f'<cac:AnticipatedMonetaryTotal><cbc:LineExtensionAmount currencyID="{order.currency}">'
        f'{total:.2f}</cbc:LineExtensionAmount><cbc:PayableAmount currencyID="{order.currency}">'
        f"{total:.2f}</cbc:PayableAmount></cac:AnticipatedMonetaryTotal>"
        if not response and order.currency
        else ""
    )
    parties = (
        _party("SellerSupplierParty", order.seller_id)
        + _party("BuyerCustomerParty", order.buyer_id)
        if response
        else _party("BuyerCustomerParty", order.buyer_id)
        + _party("SellerSupplierParty", order.seller_id)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{MAIN}{root}-2" '
        f'xmlns:cac="{CAC}" xmlns:cbc="{CBC}"><cbc:UBLVersionID>2.1</cbc:UBLVersionID>'
        f"<cbc:ID>{escape(number)}</cbc:ID><cbc:IssueDate>{issued:%Y-%m-%d}</cbc:IssueDate>"
        + (f"<cbc:DocumentCurrencyCode>{order.currency}</cbc:DocumentCurrencyCode>"
           if order.currency else "")
        + f"{reference}{parties}{totals}{lines}</{root}>\n"
    ).encode()  # fmt: skip


def ubl_order(order: OutOrder) -> bytes:
    return _ubl(order, root="Order", number=order.number, issued=order.issue_date)


def ubl_order_response(order: OutOrder, *, number: str, issued: date) -> bytes:
    return _ubl(order, root="OrderResponse", number=number, issued=issued)
