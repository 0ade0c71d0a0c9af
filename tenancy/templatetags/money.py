"""`{% load money %}`: amounts on screen with thousands separators and their unit's precision,
months and places in words.

    {{ agreement.value_money|money }}           EUR 1,234,567.50  (a Money)
    {{ row.total|money:row.currency }}          USD 12,000.00     (an amount and its currency)
    {{ row.total|money:"JPY" }}                 JPY 12,000
    {{ kpi.value|number:1 }}                    1,234.5           (a plain number, 1 decimal)
    {{ line.period|month }}                     May 2026          (a month stored as "2026-05")
    {{ partner.country|place }}                 Germany           (an ISO 3166 code; "EU" too)

Empty values show as "—".
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django_countries import countries

from tenancy.money import Money, format_amount

register = template.Library()

EMPTY = "—"


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, Money):
        return str(value)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return EMPTY
    text = format_amount(amount, currency)
    return f"{currency} {text}" if currency else text


@register.filter
def number(value, places: int = 0) -> str:
    if value is None or value == "":
        return EMPTY
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return EMPTY
    places = int(places)
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum):,.{places}f}"


@register.filter
def month(value) -> str:
    """A month stored as text ("2026-05", a forecast's period) in words: "May 2026". Anything
    else shows as it was stored."""
    text = str(value or "")
    try:
        year, number = (int(part) for part in text.split("-"))
        return f"{date(year, number, 1):%b %Y}"
    except ValueError:
        return text or EMPTY


# Regions a requirement may name besides countries (ISO 3166 has no code for them).
_REGIONS = {"EU": "European Union", "EEA": "European Economic Area"}


@register.filter
def place(code) -> str:
    """A country's ISO 3166 code (a `CountryField` value or text) as the country's name ("DE":
    "Germany"), a region's code as its name ("EU"), anything else as typed."""
    text = str(getattr(code, "code", code) or "").strip()
    return countries.name(text.upper()) or _REGIONS.get(text.upper(), text)
