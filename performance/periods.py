"""Period arithmetic: measurements and scorecards are keyed by the first day of their month."""

import re
from datetime import date

_PERIOD = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def parse_period(text: str) -> date:
    """`2025-03` or `2025-03-01` -> date(2025, 3, 1); anything else raises ValueError."""
    match = _PERIOD.match(str(text))
    if match is None:
        raise ValueError(f"period “{text}” is not a month (expected YYYY-MM)")
    year, month, day = int(match[1]), int(match[2]), match[3]
    if not 1 <= month <= 12:
        raise ValueError(f"period “{text}” has no month {month}")
    if day is not None and int(day) != 1:
        raise ValueError(f"period “{text}” must be the first day of a month (or YYYY-MM)")
    return date(year, month, 1)
