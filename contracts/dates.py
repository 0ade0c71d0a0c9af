"""Contract calendar arithmetic: term ends, renewals, notice deadlines. Pure functions of their
arguments (the clock is the `today` argument), so they are tested by time travel, not by waiting.

For an auto-renewing term the k-th term ends at `expiry + k × renewal period` (counted from the
original expiry, never step by step, so a 31 January end does not drift to the 28th). The notice
deadline is the last day notice can be given to stop the term that is running: `term end −
notice days`. Once that day has passed the agreement renews, and the next deadline follows the
renewed end date.
"""

from dataclasses import dataclass
from datetime import date

from tenancy.dates import add_days, add_months

FIXED = "fixed"
AUTO_RENEWING = "auto_renewing"
PERPETUAL = "perpetual"

DEFAULT_ALERT_LEAD_DAYS = (180, 90, 30, 7)


@dataclass(frozen=True)
class TermDates:
    term_end: date | None  # end of the term the deadline belongs to (None: perpetual)
    notice_deadline: date | None  # last day to give notice to stop that term from renewing
    renewals_before: int  # renewals that happen before term_end (0 = the initial term)
    will_renew: bool  # the term renews unless notice is given by notice_deadline


def term_end(expiry: date, renewal_months: int, renewals: int) -> date | None:
    """The end of the term after `renewals` renewals of `renewal_months` months (None: it
    would fall after the last day of the calendar)."""
    return add_months(expiry, renewal_months * renewals)


def notice_deadline_for(end: date, notice_days: int | None) -> date:
    """The last day to give notice; never before the first day of the calendar (a notice
    period longer than everything before the end means notice was due from the start)."""
    return add_days(end, -(notice_days or 0)) or date.min


def term_dates(
    *,
    term_type: str,
    expiry_date: date | None,
    renewal_period_months: int | None,
    notice_period_days: int | None,
    today: date,
) -> TermDates:
    """The term end and notice deadline that matter on `today`.

    Fixed: the expiry date and the notice deadline before it (notice of expiry handling). Auto-
    renewing: the first term end whose notice deadline is today or later. Perpetual: none.
    """
    if term_type == PERPETUAL or expiry_date is None:
        return TermDates(None, None, 0, False)
    if term_type != AUTO_RENEWING or not renewal_period_months:
        return TermDates(
            expiry_date, notice_deadline_for(expiry_date, notice_period_days), 0, False
        )
    renewals = 0
    deadline = notice_deadline_for(expiry_date, notice_period_days)
    if deadline < today:
        # Jump close to the answer (years of renewals in one step), then walk the last few.
        months_late = (today.year - deadline.year) * 12 + (today.month - deadline.month)
        renewals = max(0, months_late // renewal_period_months - 1)
        while True:
            end = term_end(expiry_date, renewal_period_months, renewals)
            if end is None:  # the renewals run past the end of the calendar
                return TermDates(None, None, renewals, False)
            deadline = notice_deadline_for(end, notice_period_days)
            if deadline >= today:
                break
            renewals += 1
    end = term_end(expiry_date, renewal_period_months, renewals)
    return TermDates(end, deadline, renewals, True)


def current_term_end(
    *,
    term_type: str,
    expiry_date: date | None,
    renewal_period_months: int | None,
    today: date,
) -> date | None:
    """When the agreement ends if nobody acts (auto-renewing: the end of the running term)."""
    if term_type == PERPETUAL or expiry_date is None:
        return None
    if term_type != AUTO_RENEWING or not renewal_period_months:
        return expiry_date
    renewals = 0
    while True:
        end = term_end(expiry_date, renewal_period_months, renewals)
        if end is None or end >= today:
            return end
        renewals += 1


def alert_lead_due(
    *, deadline: date, today: date, lead_days: tuple[int, ...] = DEFAULT_ALERT_LEAD_DAYS
) -> int | None:
    """The alert to send today for a deadline: the tightest lead time already reached.

    With leads (180, 90, 30, 7) and 20 days left, that is the 30-day alert (a job that did not
    run for a while sends one alert, not a burst of stale ones). None when no lead is reached
    or the deadline has passed.
    """
    days_left = (deadline - today).days
    if days_left < 0:
        return None
    reached = [lead for lead in lead_days if days_left <= lead]
    return min(reached) if reached else None


def next_due_date(due: date, recurrence: str) -> date | None:
    """The next occurrence of a recurring obligation, or None for a one-off (and for one whose
    next occurrence would fall after the last day of the calendar)."""
    months = {"monthly": 1, "quarterly": 3, "annually": 12}.get(recurrence)
    return add_months(due, months) if months else None
