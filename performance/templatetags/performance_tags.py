"""Display of the performance module's figures: perspective names instead of codes, and KPI
values with thousands separators and their unit's precision (98.0 %, EUR 46,250.00, 1,250 ppm).
Money amounts use the kernel's `money` filter (`{% load money %}`)."""

from decimal import Decimal, InvalidOperation

from django import template

from performance.models import PERSPECTIVE_CHOICES
from tenancy.money import CURRENCIES, format_amount

register = template.Library()

PERSPECTIVES = dict(PERSPECTIVE_CHOICES)
CURRENCY_CODES = {code for code, _ in CURRENCIES}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@register.filter
def perspective_label(code) -> str:
    """`innovation_learning` → "Innovation & learning"."""
    return PERSPECTIVES.get(code, str(code or "").replace("_", " ").capitalize())


def format_value(value, unit: str = "") -> str:
    """A KPI value with its unit: percentages to one decimal, money to cents, other units with
    their own precision (at most two decimals), always with thousands separators."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    unit = (unit or "").strip()
    if unit == "%":
        return f"{number:,.1f} %"
    if unit.upper() in CURRENCY_CODES:
        return f"{unit.upper()} {format_amount(number, unit.upper())}"
    exponent = number.normalize().as_tuple().exponent
    places = 0 if not isinstance(exponent, int) else max(0, min(2, -exponent))
    text = f"{number:,.{places}f}"
    return f"{text} {unit}" if unit else text


@register.filter
def kpi_value(value, unit="") -> str:
    return format_value(value, unit)


@register.filter
def score(value) -> str:
    """A 0-100 score to one decimal ("87.5"), or N/A."""
    number = _decimal(value)
    return "N/A" if number is None else f"{number:,.1f}"
