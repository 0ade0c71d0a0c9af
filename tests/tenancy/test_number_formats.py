"""How amounts and quantities read on screen and in messages (`tenancy.money`): thousands
separators always, an amount with its currency's decimals, a quantity with only the decimals
it has."""

from decimal import Decimal

import pytest

from tenancy.money import format_amount, format_quantity


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("4576", "EUR", "4,576.00"),
        ("1234567.895", "USD", "1,234,567.90"),  # half up to cents
        ("4576.5", "JPY", "4,577"),  # yen have no minor unit
        ("-624", "EUR", "-624.00"),
        (Decimal("0"), "", "0.00"),
    ],
)
def test_an_amount_has_separators_and_its_currencys_decimals(amount, currency, text):
    assert format_amount(amount, currency) == text


@pytest.mark.parametrize(
    ("quantity", "text"),
    [
        ("4576.00", "4,576"),
        ("1000", "1,000"),  # not "1E+3"
        ("12.50", "12.5"),
        ("0.125", "0.125"),
        ("1234567.891", "1,234,567.891"),
        ("0", "0"),
    ],
)
def test_a_quantity_has_separators_and_only_the_decimals_it_has(quantity, text):
    assert format_quantity(quantity) == text
