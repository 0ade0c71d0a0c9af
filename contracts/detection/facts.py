"""Agreement-level facts: effective date, initial term, expiry, renewal, notice, governing law.

Clause detection answers "where is the renewal clause?"; this module answers the questions the
contract calendar needs ("when does it end, and by when must we give notice?"). It reads the
preamble for the effective date and the clauses already classified for the rest, so it never
guesses from a sentence that is about something else (a "30 days" in a payment clause is not the
notice period).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from .params import (
    Duration,
    find_dates,
    find_durations,
    find_governing_law,
    find_notice_period,
    find_renewal_term,
)

_RENEWAL_SENTENCE = re.compile(r"renew|expir|then[- ]current\s+term", re.IGNORECASE)


@dataclass(slots=True)
class AgreementFacts:
    effective_date: date | None = None
    expiry_date: date | None = None
    initial_term: Duration | None = None
    renewal_term: Duration | None = None
    notice_period_days: int | None = None  # notice needed to stop a renewal
    governing_law: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "initial_term": str(self.initial_term) if self.initial_term else None,
            "renewal_term": str(self.renewal_term) if self.renewal_term else None,
            "notice_period_days": self.notice_period_days,
            "governing_law": self.governing_law,
        }


# The preamble names the date the agreement is made or takes effect; the first page is enough.
PREAMBLE_CHARS = 3000
_EFFECTIVE_ANCHOR = re.compile(
    r"effective\s+(?:date|as\s+of|on)|dated\s+(?:as\s+of\s+)?|entered\s+into\s+(?:as\s+of|on|this)|"
    r"made\s+(?:and\s+entered\s+into\s+)?(?:as\s+of|on|this)|as\s+of\s+",
    re.IGNORECASE,
)
_TERM_LENGTH = re.compile(
    r"(?:initial\s+term|term\s+of\s+this\s+agreement|this\s+agreement)[^.;]{0,200}?"
    r"(?:period\s+of|for|until|through|term\s+of)\s+(?:an?\s+)?(?:initial\s+)?(?:period\s+of\s+)?",
    re.IGNORECASE,
)


def extract_facts(text: str, clauses_by_code: dict[str, list[str]]) -> AgreementFacts:
    """Facts from the full text and the texts of the clauses detected per taxonomy code."""
    facts = AgreementFacts()
    facts.effective_date = _effective_date(text[:PREAMBLE_CHARS])

    for clause in clauses_by_code.get("governing_law", []):
        facts.governing_law = find_governing_law(clause)
        if facts.governing_law:
            break

    term_clauses = clauses_by_code.get("renewal", []) + clauses_by_code.get("notice_period", [])
    for clause in clauses_by_code.get("renewal", []):
        facts.renewal_term = find_renewal_term(clause)
        if facts.renewal_term:
            break
    # A clause often states two notices (to stop a renewal, to terminate for convenience): the
    # sentences about renewal or expiry are read first.
    for clause in clauses_by_code.get("notice_period", []) + term_clauses:
        sentences = re.split(r"(?<=[.;])\s+", clause)
        about_renewal = [s for s in sentences if _RENEWAL_SENTENCE.search(s)]
        notice = next(filter(None, map(find_notice_period, about_renewal)), None)
        notice = notice or find_notice_period(clause)
        if notice:
            facts.notice_period_days = notice.in_days()
            break

    # The initial term is usually stated in the same clause as the renewal; failing that, in a
    # clause headed "Term" (passed in under the private key "_term").
    for clause in term_clauses + clauses_by_code.get("_term", []):
        term, until = _initial_term(clause)
        if term or until:
            facts.initial_term, facts.expiry_date = term, until
            break
    if facts.expiry_date is None and facts.initial_term and facts.effective_date:
        facts.expiry_date = _add(facts.effective_date, facts.initial_term)
    return facts


def _effective_date(preamble: str) -> date | None:
    dates = find_dates(preamble)
    if not dates:
        return None
    for anchor in _EFFECTIVE_ANCHOR.finditer(preamble):
        for found, start, _ in dates:
            if 0 <= start - anchor.end() <= 60:
                return found
    return dates[0][0]


def _initial_term(clause: str) -> tuple[Duration | None, date | None]:
    match = _TERM_LENGTH.search(clause)
    if not match:
        return None, None
    tail = clause[match.end() : match.end() + 80]
    dates = find_dates(tail)
    if dates and dates[0][1] < 20:
        return None, dates[0][0]
    durations = find_durations(tail)
    if durations and durations[0][1] < 20 and durations[0][0].unit in ("month", "year"):
        return durations[0][0], None
    return None, None


def _add(start: date, duration: Duration) -> date:
    if duration.unit == "year":
        delta = relativedelta(years=duration.value)
    elif duration.unit == "month":
        delta = relativedelta(months=duration.value)
    elif duration.unit == "week":
        delta = relativedelta(weeks=duration.value)
    else:
        delta = relativedelta(days=duration.value)
    # A one-year term from 1 March ends on the last day of February, not on 1 March.
    return start + delta - relativedelta(days=1)
