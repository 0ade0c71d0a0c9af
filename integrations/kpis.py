"""KPIs computed from the documents exchanged (pure: no database; see docs/integrations.md).

Per partnership and month:
- `on_time_delivery` (%): of the orders issued that month and due by today (issue date + the
  agreed lead time), those whose every item was received in full by receipts (despatch
  advices) dated on or before the due date;
- `fill_rate` (%): of the quantity ordered that month (orders due by today), the share
  received, each item capped at its ordered quantity;
- `invoice_accuracy` (%): of the invoices issued that month, those without error findings and
  without a discrepancy of the three-way match;
- `requisition_to_pay_days`: the average days from an order's issue date to the issue date of
  each invoice against it (the feeds carry no payment date: the invoice closes the cycle the
  partner controls), by the invoice's month.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ORDER, INVOICE, DESPATCH_ADVICE = "order", "invoice", "despatch_advice"
METRICS = ("on_time_delivery", "fill_rate", "invoice_accuracy", "requisition_to_pay_days")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Header:
    pk: int
    partnership_id: int
    doc_type: str
    number: str
    order_reference: str
    issued: date
    error_count: int


def _month(day: date) -> date:
    return day.replace(day=1)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def document_kpis(
    *,
    headers: list[Header],
    quantities: dict[int, dict[str, Decimal]],
    disputed_invoices: set[int],
    lead_time_days: int,
    today: date,
) -> dict[tuple[int, date], dict[str, Decimal]]:
    """{(partnership_id, month): {metric: value}}; a metric with nothing to count is absent.
    `quantities` is per document the quantity per item (its first code: GTIN, buyer's,
    seller's)."""
    orders: dict[tuple[int, str], Header] = {}
    for header in sorted(headers, key=lambda h: (h.issued, h.pk)):
        if header.doc_type == ORDER and header.number:
            orders[(header.partnership_id, header.number)] = header  # the latest version wins
    receipts: dict[tuple[int, str], list[Header]] = defaultdict(list)
    invoices: list[Header] = []
    for header in headers:
        if header.doc_type == DESPATCH_ADVICE:
            receipts[(header.partnership_id, header.order_reference)].append(header)
        elif header.doc_type == INVOICE:
            invoices.append(header)
    lead = timedelta(days=lead_time_days)
    counts: dict[tuple[int, date], dict[str, list]] = defaultdict(
        lambda: {metric: [] for metric in METRICS}
    )
    for key, order in orders.items():
        due = order.issued + lead
        if due > today:
            continue  # not due yet: neither late nor short
        ordered = quantities.get(order.pk, {})
        if not ordered:
            continue
        received: dict[str, Decimal] = defaultdict(Decimal)
        in_time: dict[str, Decimal] = defaultdict(Decimal)
        for receipt in receipts.get(key, []):
            for item, quantity in quantities.get(receipt.pk, {}).items():
                received[item] += quantity
                if receipt.issued <= due:
                    in_time[item] += quantity
        bucket = counts[(order.partnership_id, _month(order.issued))]
        bucket["on_time_delivery"].append(all(in_time[i] >= q for i, q in ordered.items()))
        bucket["fill_rate"].append(
            (sum(min(received[i], q) for i, q in ordered.items()), sum(ordered.values()))
        )
    for invoice in invoices:
        bucket = counts[(invoice.partnership_id, _month(invoice.issued))]
        bucket["invoice_accuracy"].append(
            invoice.error_count == 0 and invoice.pk not in disputed_invoices
        )
        order = orders.get((invoice.partnership_id, invoice.order_reference))
        if order is not None and order.issued <= invoice.issued:
            bucket["requisition_to_pay_days"].append((invoice.issued - order.issued).days)
    results: dict[tuple[int, date], dict[str, Decimal]] = {}
    for key, bucket in counts.items():
        values: dict[str, Decimal] = {}
        if bucket["on_time_delivery"]:
            flags = bucket["on_time_delivery"]
            values["on_time_delivery"] = _round(HUNDRED * sum(flags) / len(flags))
        filled = sum(r for r, _ in bucket["fill_rate"])
        wanted = sum(o for _, o in bucket["fill_rate"])
        if wanted:
            values["fill_rate"] = _round(HUNDRED * filled / wanted)
        if bucket["invoice_accuracy"]:
            flags = bucket["invoice_accuracy"]
            values["invoice_accuracy"] = _round(HUNDRED * sum(flags) / len(flags))
        if bucket["requisition_to_pay_days"]:
            days = bucket["requisition_to_pay_days"]
            values["requisition_to_pay_days"] = _round(Decimal(sum(days)) / len(days))
        if values:
            results[key] = values
    return results
