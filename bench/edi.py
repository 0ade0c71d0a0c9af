"""EDIFACT orders and invoices of a given size, for the benchmark data and the ingestion figure.

The generator stores these messages as the content of its EDI documents (with the lines it wrote
them from), and `bench.run` ingests fresh ones through the integrations module's service. Plain
UN/EDIFACT D.96A (ORDERS, INVOIC) with the usual segments: BGM, DTM, RFF, NAD, CUX, then per
line LIN / PIA / IMD / QTY / MOA / PRI, then UNS, CNT and the totals (MOA 79 and 77 or 128).
Envelope and trailer counts are right, so a correct reader reports no finding.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    number: int
    gtin: str
    buyer_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Message:
    kind: str  # "order" or "invoice"
    number: str
    order_number: str
    issued: date
    sender: str
    receiver: str
    currency: str
    control: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def _escape(text: str) -> str:
    for char in "?+:'":
        text = text.replace(char, f"?{char}")
    return text


def edifact(message: Message) -> bytes:
    """The interchange (UNA … UNZ) holding one ORDERS or INVOIC message."""
    invoice = message.kind == "invoice"
    segments = [
        f"UNH+1+{'INVOIC' if invoice else 'ORDERS'}:D:96A:UN",
        f"BGM+{'380' if invoice else '220'}+{message.number}+9",
        f"DTM+137:{message.issued:%Y%m%d}:102",
    ]
    if invoice:
        segments.append(f"RFF+ON:{message.order_number}")
    segments += [
        f"NAD+{'SU' if invoice else 'BY'}+{message.sender}::9",
        f"NAD+{'BY' if invoice else 'SU'}+{message.receiver}::9",
        f"CUX+2:{message.currency}:{'4' if invoice else '9'}",
    ]
    for line in message.lines:
        segments += [
            f"LIN+{line.number}++{line.gtin}:SRV",
            f"PIA+1+{line.buyer_code}:BP",
            f"IMD+F++:::{_escape(line.description)}",
            f"QTY+{'47' if invoice else '21'}:{line.quantity}:{line.unit}",
            f"MOA+203:{line.amount}",
            f"PRI+AAA:{line.unit_price}",
        ]
    segments += [
        "UNS+S",
        f"CNT+2:{len(message.lines)}",
        f"MOA+79:{message.total}",  # the lines' total, which the reader checks against the lines
        f"MOA+{'77' if invoice else '128'}:{message.total}",
    ]
    segments.append(f"UNT+{len(segments) + 1}+1")
    envelope = [
        f"UNB+UNOC:3+{message.sender}:14+{message.receiver}:14+"
        f"{message.issued:%y%m%d}:0800+{message.control}",
        *segments,
        f"UNZ+1+{message.control}",
    ]
    return ("UNA:+.? '" + "'\n".join(envelope) + "'\n").encode("ascii")


DESCRIPTIONS = (
    "Bearing 6204-2RS",
    "Hydraulic hose 1/2in",
    "Pallet wrap 500mm",
    "Torque sensor",
    "Service hour, field engineer",
    "Label roll 100x150",
    "Control board rev. C",
    "Freight, EU lane",
)


def message_pair(
    rng, *, index: int, lines: int, currency: str, issued: date, sender: str, receiver: str
) -> tuple[Message, Message]:
    """An order and the invoice for it, with the same items, quantities and prices."""
    items = tuple(
        Line(
            number=n,
            gtin=f"{4000000000000 + rng.randrange(10**9):013d}",
            buyer_code=f"MAT-{rng.randrange(10**6):06d}",
            description=rng.choice(DESCRIPTIONS),
            quantity=Decimal(rng.randrange(1, 500)),
            unit=rng.choice(("PCE", "PCE", "KGM", "HUR")),
            unit_price=Decimal(rng.randrange(100, 250_000)) / 100,
        )
        for n in range(1, lines + 1)
    )
    order = Message(
        kind="order",
        number=f"PO{index:07d}",
        order_number=f"PO{index:07d}",
        issued=issued,
        sender=receiver,  # the buyer sends the order
        receiver=sender,
        currency=currency,
        control=f"O{index:07d}",
        lines=items,
    )
    invoice = Message(
        kind="invoice",
        number=f"INV{index:07d}",
        order_number=order.number,
        issued=issued,
        sender=sender,
        receiver=receiver,
        currency=currency,
        control=f"I{index:07d}",
        lines=items,
    )
    return order, invoice
