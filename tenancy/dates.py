"""Dates people may enter, and date arithmetic that never overflows.

One saved record with a date in year 1 or 9999 used to take a tenant's pages down: adding a
notice period or a month to it overflowed Python's `date`. Services check every user-given date
against `MIN_DATE`..`MAX_DATE` (so the page and the API refuse the same values with the same
field message), and arithmetic on stored dates goes through `add_days` / `add_months`, which
answer None instead of raising when the result would leave the calendar.
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)


def range_message() -> str:
    return f"Give a date between {MIN_DATE:%d %b %Y} and {MAX_DATE:%d %b %Y}."


def in_range(value: date | None) -> bool:
    return value is None or MIN_DATE <= value <= MAX_DATE


def validate_date_range(value: date | None) -> None:
    """A model or form field validator: `validators=[validate_date_range]`."""
    if not in_range(value):
        raise ValidationError(range_message(), code="date_out_of_range")


def check_dates(obj, *fields: str) -> None:
    """Refuse any of `obj`'s date `fields` outside the range, one message per field."""
    errors = {name: range_message() for name in fields if not in_range(getattr(obj, name, None))}
    if errors:
        raise ValidationError(errors)


def add_days(value: date, days: int) -> date | None:
    """`value + days` (days may be negative), or None when that leaves the calendar."""
    try:
        return value + timedelta(days=days)
    except OverflowError:
        return None


def add_months(value: date, months: int) -> date | None:
    """`value + months` (end of month kept as relativedelta does), or None on overflow."""
    try:
        return value + relativedelta(months=months)
    except (OverflowError, ValueError):
        return None
