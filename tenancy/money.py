"""The one money type: a Decimal amount with an ISO 4217 currency. Never float.

Models store money as two columns made by `amount_field()` and `currency_field()`; code passes
`Money` values around and only adds amounts of the same currency.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models

CURRENCIES = [
    ("EUR", "Euro"),
    ("USD", "US dollar"),
    ("GBP", "Pound sterling"),
    ("CHF", "Swiss franc"),
    ("JPY", "Japanese yen"),
    ("CNY", "Chinese yuan"),
    ("SEK", "Swedish krona"),
    ("DKK", "Danish krone"),
    ("NOK", "Norwegian krone"),
    ("PLN", "Polish złoty"),
    ("CAD", "Canadian dollar"),
    ("AUD", "Australian dollar"),
    ("INR", "Indian rupee"),
]
CENT = Decimal("0.01")
# ISO 4217 minor units where they are not 2 (shown and rounded with this many decimals).
MINOR_UNITS = {
    "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}  # fmt: skip


def currency_places(currency: str) -> int:
    return MINOR_UNITS.get((currency or "").upper(), 2)


def format_amount(amount: Decimal | int | str, currency: str = "") -> str:
    """An amount with thousands separators and its currency's precision: "1,234.50"."""
    places = currency_places(currency)
    quantum = Decimal(1).scaleb(-places)
    value = Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}"


def format_quantity(quantity: Decimal | int | str) -> str:
    """A quantity or price with thousands separators and only the decimals it has: "1,250",
    "12.5", "0.125"."""
    return f"{Decimal(quantity).normalize():,f}"


# The field helpers import Django when called: `Money` itself is plain Python, so the clause
# detector (contracts/detection, Django-free) uses the same type.


def amount_field(**kwargs: Any) -> "models.DecimalField[Any, Any]":
    from django.db import models

    return models.DecimalField(max_digits=18, decimal_places=2, **kwargs)


def currency_field(**kwargs: Any) -> "models.CharField[Any, Any]":
    from django.db import models

    kwargs.setdefault("default", "EUR")
    return models.CharField(max_length=3, choices=CURRENCIES, **kwargs)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money takes a Decimal, never a float.")
        object.__setattr__(self, "amount", Decimal(self.amount))

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> "Money":
        return Money(self.amount * Decimal(factor), self.currency)

    def rounded(self) -> "Money":
        """Rounded half up to the currency's minor unit (cents; yen have none)."""
        quantum = Decimal(1).scaleb(-currency_places(self.currency))
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def _same_currency(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise ValueError(f"Cannot combine {self.currency} and {other.currency}.")

    def __str__(self) -> str:
        return f"{self.currency} {format_amount(self.amount, self.currency)}"


def currency_code_problem(code: str) -> str | None:
    """Why `code` is no currency code (None when it is one): three letters, ISO 4217 style."""
    code = (code or "").strip()
    if len(code) != 3 or not code.isalpha():
        return "Use a three-letter ISO 4217 code, such as EUR."
    return None
