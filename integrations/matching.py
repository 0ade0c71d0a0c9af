"""Three-way match: an order against its receipts (despatch advices / ship notices) and its
invoices, item by item, with quantity and price tolerances, invoiced quantities cumulative across
every invoice of the order. Pure: lines in, planned discrepancies out (no query, no clock); the
detection service (`integrations.services.discrepancies_detect`) loads the lines and stores the
result.

Rules (each a discrepancy kind):
- received_above_ordered: received in all > ordered × (1 + quantity tolerance);
- invoiced_above_ordered: invoiced so far > ordered × (1 + quantity tolerance), raised on the
  invoice that crossed it;
- invoiced_above_received: invoiced so far > received × (1 + quantity tolerance), only once the
  order has a receipt (a partner that sends no despatch advices is matched two ways);
- price_differs: an invoiced unit price more than the price tolerance away from the order's;
- item_not_ordered: an invoiced or received item that is on no line of the order.
Items are matched on GTIN, then the buyer's code, then the seller's; lines in another unit of
measure than the order's are not compared.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

RECEIVED_ABOVE_ORDERED = "received_above_ordered"
INVOICED_ABOVE_ORDERED = "invoiced_above_ordered"
INVOICED_ABOVE_RECEIVED = "invoiced_above_received"
PRICE_DIFFERS = "price_differs"
ITEM_NOT_ORDERED = "item_not_ordered"
KINDS = [
    (RECEIVED_ABOVE_ORDERED, "Received more than ordered"),
    (INVOICED_ABOVE_ORDERED, "Invoiced more than ordered"),
    (INVOICED_ABOVE_RECEIVED, "Invoiced more than received"),
    (PRICE_DIFFERS, "Invoiced price differs from the order"),
    (ITEM_NOT_ORDERED, "Item not on the order"),
]
HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITIES = [(HIGH, "High"), (MEDIUM, "Medium"), (LOW, "Low")]
# Severity by the amount at stake, in the document's currency units.
HIGH_FROM, MEDIUM_FROM = Decimal("1000"), Decimal("100")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Tolerances:
    quantity_percent: Decimal = Decimal("0")
    price_percent: Decimal = Decimal("0")

    def quantity_limit(self, expected: Decimal) -> Decimal:
        return expected * (1 + self.quantity_percent / 100)

    def price_ok(self, ordered: Decimal, invoiced: Decimal) -> bool:
        return abs(invoiced - ordered) <= abs(ordered) * self.price_percent / 100


@dataclass(frozen=True)
class MatchLine:
    document_id: int
    document_number: str
    received_at: datetime
    line_number: int
    gtin: str
    buyer_item_code: str
    seller_item_code: str
    quantity: Decimal
    unit: str = ""
    unit_price: Decimal | None = None

    @property
    def keys(self) -> list[tuple[str, str]]:
        pairs = (("gtin", self.gtin), ("buyer", self.buyer_item_code))
        return [(k, v) for k, v in (*pairs, ("seller", self.seller_item_code)) if v]

    @property
    def label(self) -> str:
        return (
            self.gtin or self.buyer_item_code or self.seller_item_code or f"line {self.line_number}"
        )


@dataclass(frozen=True)
class Planned:
    kind: str
    item: str
    expected: Decimal
    actual: Decimal
    unit: str
    amount_at_stake: Decimal
    severity: str
    message: str
    document_id: int | None = None  # the invoice or receipt that shows it
    line_number: int | None = None


@dataclass
class _Item:
    label: str
    unit: str
    ordered: Decimal = Decimal("0")
    price: Decimal | None = None
    received: Decimal = Decimal("0")
    invoiced: Decimal = Decimal("0")
    keys: list = field(default_factory=list)


def severity_of(amount: Decimal) -> str:
    return HIGH if amount >= HIGH_FROM else MEDIUM if amount >= MEDIUM_FROM else LOW


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _order_index(order: Iterable[MatchLine]) -> dict[tuple[str, str], _Item]:
    index: dict[tuple[str, str], _Item] = {}
    for line in order:
        keys = line.keys
        if not keys:
            continue
        item = next((index[k] for k in keys if k in index), None)
        if item is None:
            item = _Item(label=line.label, unit=line.unit)
        item.ordered += line.quantity
        if item.price is None and line.unit_price is not None:
            item.price = line.unit_price
        for key in keys:
            index.setdefault(key, item)
    return index


def three_way_match(
    *,
    order_number: str,
    order: list[MatchLine],
    receipts: list[MatchLine],
    invoices: list[MatchLine],
    tolerances: Tolerances,
) -> list[Planned]:
    """The discrepancies of one order, at most one per item and kind (the latest evidence)."""
    index = _order_index(order)
    found: dict[tuple[str, str], Planned] = {}

    def plan(item_label, kind, expected, actual, unit, amount, message, line):
        amount = max(amount, Decimal("0")).quantize(CENT)
        found[(item_label, kind)] = Planned(
            kind, item_label, expected, actual, unit, amount, severity_of(amount), message,
            line.document_id, line.line_number,
        )  # fmt: skip

    def item_for(line: MatchLine, noun: str) -> _Item | None:
        item = next((index[k] for k in line.keys if k in index), None)
        if item is None:
            plan(line.label, ITEM_NOT_ORDERED, Decimal("0"), line.quantity, line.unit,
                 line.quantity * (line.unit_price or 0),
                 f"Item {line.label} is {noun} on {line.document_number} (line "
                 f"{line.line_number}) but is not on order {order_number}.", line)  # fmt: skip
            return None
        if item.unit and line.unit and item.unit != line.unit:
            return None  # another unit of measure: not comparable
        return item

    by_time = sorted(receipts, key=lambda x: (x.received_at, x.document_id, x.line_number))
    for line in by_time:
        item = item_for(line, "received")
        if item is None:
            continue
        item.received += line.quantity
        if item.received > tolerances.quantity_limit(item.ordered):
            excess = item.received - item.ordered
            plan(item.label, RECEIVED_ABOVE_ORDERED, item.ordered, item.received, item.unit,
                 excess * (item.price or 0),
                 f"Item {item.label}: {_n(item.received)} received so far, {_n(item.ordered)} "
                 f"ordered on {order_number}.", line)  # fmt: skip
    has_receipt = bool(receipts)
    final_received = {id(i): i.received for i in index.values()}
    by_time = sorted(invoices, key=lambda x: (x.received_at, x.document_id, x.line_number))
    for line in by_time:
        item = item_for(line, "invoiced")
        if item is None:
            continue
        item.invoiced += line.quantity
        price = item.price or line.unit_price or Decimal("0")
        if item.invoiced > tolerances.quantity_limit(item.ordered):
            plan(item.label, INVOICED_ABOVE_ORDERED, item.ordered, item.invoiced, item.unit,
                 (item.invoiced - item.ordered) * price,
                 f"Item {item.label}: {_n(item.invoiced)} invoiced so far (last on "
                 f"{line.document_number}), {_n(item.ordered)} ordered on {order_number}.",
                 line)  # fmt: skip
        received = final_received[id(item)]
        if has_receipt and item.invoiced > tolerances.quantity_limit(received):
            plan(item.label, INVOICED_ABOVE_RECEIVED, received, item.invoiced, item.unit,
                 (item.invoiced - received) * price,
                 f"Item {item.label}: {_n(item.invoiced)} invoiced so far (last on "
                 f"{line.document_number}), {_n(received)} received.", line)  # fmt: skip
        if (
            line.unit_price is not None
            and item.price is not None
            and not tolerances.price_ok(item.price, line.unit_price)
        ):
            plan(item.label, PRICE_DIFFERS, item.price, line.unit_price, item.unit,
                 (line.unit_price - item.price) * line.quantity,
                 f"Item {item.label} is invoiced at {_n(line.unit_price)} on "
                 f"{line.document_number}, ordered at {_n(item.price)}.", line)  # fmt: skip
    return list(found.values())
