"""The three-way match's rules pinned in their exact words: the tolerances (a price exactly at
the tolerance is fine, a quantity exactly at the limit too), the severity of an amount at stake
(1,000 and more high, 100 and more medium, else low), how the order's lines make its items (a
line without any code skipped, the lines of one item added up, the first price kept, an item
found by any of its codes), and each discrepancy as planned: its expected and actual figures,
the amount at stake (never below 0, the order's price, else the invoice's, else nothing), the
line that shows it and the message a buyer reads; an item on no order line, received or
invoiced; receipts and invoices counted cumulatively in the order they came. Pure: no database.
Found by `make mutation MUTATION_ARGS=integrations.matching`."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from integrations.matching import (
    HIGH,
    LOW,
    MEDIUM,
    MatchLine,
    Planned,
    Tolerances,
    _order_index,
    severity_of,
    three_way_match,
)

D = Decimal
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
GTIN = "4012345000016"
OTHER = "4012345000023"


def line(doc, number, line_number, quantity, price=None, *, at=T0, gtin=GTIN, unit="PCE",
         buyer="", seller="") -> MatchLine:  # fmt: skip
    return MatchLine(
        document_id=doc, document_number=number, received_at=at, line_number=line_number,
        gtin=gtin, buyer_item_code=buyer, seller_item_code=seller, quantity=D(quantity),
        unit=unit, unit_price=None if price is None else D(price),
    )  # fmt: skip


def order(*lines) -> list[MatchLine]:
    return list(lines) or [line(1, "PO-1", 1, "100", "10")]


def match(order_lines, receipts=(), invoices=(), **tolerances) -> list[Planned]:
    return three_way_match(
        order_number="PO-1", order=order_lines, receipts=list(receipts), invoices=list(invoices),
        tolerances=Tolerances(**{k: D(v) for k, v in tolerances.items()}),
    )  # fmt: skip


# --- tolerances and severity ---------------------------------------------------------------------


def test_a_price_exactly_at_the_tolerance_is_fine_and_a_cent_beyond_is_not():
    five = Tolerances(price_percent=D("5"))
    assert five.price_ok(D("10"), D("10.5")) and five.price_ok(D("10"), D("9.5"))
    assert not five.price_ok(D("10"), D("10.51")) and not five.price_ok(D("10"), D("9.49"))
    one = Tolerances(price_percent=D("1"))
    assert one.price_ok(D("100"), D("101")) and not one.price_ok(D("100"), D("101.01"))
    assert Tolerances().price_ok(D("10"), D("10")) and not Tolerances().price_ok(
        D("10"), D("10.01")
    )
    # A credit's negative price: the tolerance is of its size.
    assert five.price_ok(D("-10"), D("-10.5"))


def test_the_quantity_limit_is_the_expected_quantity_and_its_tolerance():
    assert Tolerances(quantity_percent=D("5")).quantity_limit(D("100")) == D("105")
    assert Tolerances().quantity_limit(D("100")) == D("100")


def test_an_amount_of_1000_or_more_is_high_of_100_or_more_medium_and_below_low():
    assert [severity_of(D(a)) for a in ("1000", "999.99", "100", "99.99", "0")] == [
        HIGH, MEDIUM, MEDIUM, LOW, LOW,
    ]  # fmt: skip
    assert severity_of(D("5000")) == HIGH


# --- the order's items ---------------------------------------------------------------------------


def test_the_lines_of_one_item_add_up_and_its_first_price_is_kept():
    index = _order_index(
        [
            line(1, "PO-1", 1, "0", gtin="", unit=""),  # no code at all: skipped
            line(1, "PO-1", 2, "60", "10", buyer="MAT-1"),
            line(1, "PO-1", 3, "40", "12", gtin="", buyer="MAT-1", seller="S-1"),
            line(1, "PO-1", 4, "5", gtin=OTHER),
        ]
    )
    item = index[("gtin", GTIN)]
    assert (item.label, item.unit, item.ordered, item.price) == (GTIN, "PCE", D("100"), D("10"))
    assert index[("buyer", "MAT-1")] is item and index[("seller", "S-1")] is item
    assert (index[("gtin", OTHER)].ordered, index[("gtin", OTHER)].price) == (D("5"), None)


def test_an_item_priced_only_on_a_later_line_takes_that_price():
    index = _order_index([line(1, "PO-1", 1, "60"), line(1, "PO-1", 2, "40", "12")])
    assert (index[("gtin", GTIN)].ordered, index[("gtin", GTIN)].price) == (D("100"), D("12"))


def test_a_line_is_labelled_by_its_first_code_or_else_its_number():
    assert line(1, "X", 7, "1", gtin="", buyer="B", seller="S").label == "B"
    assert line(1, "X", 7, "1", gtin="", seller="S").label == "S"
    assert line(1, "X", 7, "1", gtin="").label == "line 7"
    assert line(1, "X", 7, "1", buyer="B", seller="S").keys == [
        ("gtin", GTIN), ("buyer", "B"), ("seller", "S"),
    ]  # fmt: skip


# --- received above ordered ---------------------------------------------------------------------


def test_receipts_add_up_and_the_one_that_crosses_the_order_is_the_evidence():
    ordered = [line(1, "PO-1", 1, "60", "10"), line(1, "PO-1", 2, "40", "12")]
    receipts = [
        line(20, "DESADV-2", 3, "50", at=T0 + HOUR),
        line(10, "DESADV-1", 1, "55", at=T0),
    ]
    assert match(ordered, receipts) == [
        Planned(
            "received_above_ordered", GTIN, D("100"), D("105"), "PCE", D("50.00"), LOW,
            f"Item {GTIN}: 105 received so far, 100 ordered on PO-1.", 20, 3,
        )
    ]  # fmt: skip


def test_a_receipt_exactly_at_the_quantity_tolerance_is_no_discrepancy():
    assert match(order(), [line(10, "D-1", 1, "105")], quantity_percent="5") == []
    [planned] = match(order(), [line(10, "D-1", 1, "105.5")], quantity_percent="5")
    assert (planned.kind, planned.amount_at_stake, planned.line_number) == (
        "received_above_ordered", D("55.00"), 1
    )  # fmt: skip


def test_an_excess_of_an_item_ordered_without_a_price_is_at_stake_for_nothing():
    [planned] = match([line(1, "PO-1", 1, "100")], [line(10, "D-1", 4, "150")])
    assert (planned.expected, planned.actual, planned.amount_at_stake, planned.severity) == (
        D("100"), D("150"), D("0.00"), LOW
    )  # fmt: skip


def test_an_unordered_receipt_before_an_ordered_one_does_not_stop_the_count():
    receipts = [
        line(10, "D-1", 1, "5", gtin=OTHER, at=T0),
        line(11, "D-2", 1, "120", at=T0 + HOUR),
    ]
    planned = match(order(), receipts)
    assert [(p.kind, p.item, p.amount_at_stake, p.document_id, p.line_number) for p in planned] == [
        ("item_not_ordered", OTHER, D("0.00"), 10, 1),
        ("received_above_ordered", GTIN, D("200.00"), 11, 1),
    ]
    assert planned[0].message == (
        f"Item {OTHER} is received on D-1 (line 1) but is not on order PO-1."
    )
    assert (planned[0].expected, planned[0].actual, planned[0].severity) == (D("0"), D("5"), LOW)


# --- invoiced above ordered and above received --------------------------------------------------


def test_invoices_add_up_against_the_order_and_what_was_received_at_the_end():
    ordered = order()
    receipts = [line(10, "D-1", 1, "80", at=T0 + 5 * HOUR)]  # received after the invoices
    invoices = [
        line(30, "INV-2", 2, "40", "10", at=T0 + 2 * HOUR),
        line(31, "INV-1", 1, "70", "10", at=T0 + HOUR),
    ]
    assert match(ordered, receipts, invoices) == [
        Planned(
            "invoiced_above_ordered", GTIN, D("100"), D("110"), "PCE", D("100.00"), MEDIUM,
            f"Item {GTIN}: 110 invoiced so far (last on INV-2), 100 ordered on PO-1.", 30, 2,
        ),
        Planned(
            "invoiced_above_received", GTIN, D("80"), D("110"), "PCE", D("300.00"), MEDIUM,
            f"Item {GTIN}: 110 invoiced so far (last on INV-2), 80 received.", 30, 2,
        ),
    ]  # fmt: skip


def test_without_any_receipt_an_invoice_is_matched_against_the_order_only():
    planned = match(order(), [], [line(30, "INV-1", 1, "120", "10")])
    assert [(p.kind, p.amount_at_stake) for p in planned] == [
        ("invoiced_above_ordered", D("200.00"))
    ]


def test_the_amount_at_stake_is_at_the_orders_price_else_the_invoices_else_nothing():
    unpriced = [line(1, "PO-1", 1, "100")]
    [planned] = match(unpriced, [], [line(30, "INV-1", 1, "110", "7")])
    assert (planned.kind, planned.amount_at_stake) == ("invoiced_above_ordered", D("70.00"))
    [planned] = match(unpriced, [], [line(30, "INV-1", 1, "110")])
    assert (planned.kind, planned.amount_at_stake, planned.severity) == (
        "invoiced_above_ordered", D("0.00"), LOW
    )  # fmt: skip
    received = [line(10, "D-1", 1, "90")]
    [planned] = match(unpriced, received, [line(30, "INV-1", 1, "100", "3")])
    assert (planned.kind, planned.expected, planned.actual, planned.amount_at_stake) == (
        "invoiced_above_received", D("90"), D("100"), D("30.00")
    )  # fmt: skip


def test_an_unordered_invoice_line_before_an_ordered_one_does_not_stop_the_count():
    invoices = [
        line(30, "INV-1", 1, "4", "2.5", gtin=OTHER, at=T0),
        line(31, "INV-2", 3, "120", "10", at=T0 + HOUR),
    ]
    planned = match(order(), [], invoices)
    assert [(p.kind, p.item, p.amount_at_stake, p.document_id, p.line_number) for p in planned] == [
        ("item_not_ordered", OTHER, D("10.00"), 30, 1),
        ("invoiced_above_ordered", GTIN, D("200.00"), 31, 3),
    ]
    assert planned[0].message == (
        f"Item {OTHER} is invoiced on INV-1 (line 1) but is not on order PO-1."
    )
    [unpriced] = match(order(), [], [line(30, "INV-1", 1, "4", gtin=OTHER)])
    assert unpriced.amount_at_stake == D("0.00")


# --- price differs -------------------------------------------------------------------------------


def test_a_price_beyond_the_tolerance_is_at_stake_for_the_difference_on_the_quantity():
    [planned] = match(order(), [], [line(30, "INV-1", 2, "50", "10.6")], price_percent="5")
    assert planned == Planned(
        "price_differs", GTIN, D("10"), D("10.6"), "PCE", D("30.00"), LOW,
        f"Item {GTIN} is invoiced at 10.6 on INV-1, ordered at 10.", 30, 2,
    )  # fmt: skip
    assert match(order(), [], [line(30, "INV-1", 2, "50", "10.5")], price_percent="5") == []


def test_a_price_below_the_orders_is_reported_with_nothing_at_stake():
    [planned] = match(order(), [], [line(30, "INV-1", 2, "50", "9")])
    assert (planned.kind, planned.amount_at_stake, planned.severity) == (
        "price_differs", D("0.00"), LOW
    )  # fmt: skip


def test_a_line_in_another_unit_is_not_compared():
    assert match(order(), [line(10, "D-1", 1, "500", unit="KGM")], []) == []
    assert match(order(), [], [line(30, "INV-1", 1, "500", "99", unit="KGM")]) == []
    # A line without a unit is compared.
    [planned] = match(order(), [line(10, "D-1", 1, "500", unit="")])
    assert planned.kind == "received_above_ordered"
