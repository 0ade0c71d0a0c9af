"""Parameters read out of a clause: money, fee multiples, durations, percentages, law, dates.

These are what a procurement reviewer compares against the playbook ("cap at 12 months' fees",
"90 days' notice", "New York law"), so each extractor returns typed values: ``Decimal`` for money
and percentages (never float: a cap of 2.5 million must stay exactly that), ``datetime.date`` for
dates, whole numbers with a unit for durations. Extraction is deliberately literal: it reads what
the clause says and leaves judgement (is 30 days enough?) to the rules of the playbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from tenancy.money import Money

# --- numbers written as words ("ninety (90) days", "two times the fees") -------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD_NUMBER = (
    r"(?:(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
    r"(?:[\s-]+(?:hundred|thousand|and|" + "|".join(_UNITS) + r"))*)"
)


def words_to_int(phrase: str) -> int | None:
    """``"one hundred and twenty"`` -> 120; None when the phrase is not a number."""
    total, current = 0, 0
    seen = False
    for word in re.split(r"[\s-]+", phrase.lower().strip()):
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif word == "and":
            continue
        else:
            return None
    return total + current if seen else None


# --- durations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Duration:
    value: int
    unit: str  # "day", "business_day", "week", "month", "year"

    def in_days(self) -> int:
        # Contracts count a month as a calendar month; 30 days is the usual conversion for
        # comparing notice periods ("three months" vs "90 days") and it is what CUAD does.
        factor = {"day": 1, "business_day": 1, "week": 7, "month": 30, "year": 365}[self.unit]
        return self.value * factor

    def in_months(self) -> Decimal:
        factor = {
            "day": Decimal(1) / Decimal(30),
            "business_day": Decimal(1) / Decimal(21),
            "week": Decimal(7) / Decimal(30),
            "month": Decimal(1),
            "year": Decimal(12),
        }[self.unit]
        return Decimal(self.value) * factor

    def __str__(self) -> str:
        name = self.unit.replace("_", " ")
        return f"{self.value} {name}{'' if self.value == 1 else 's'}"


# A match starts on a non-space character and the whitespace runs are possessive: PDF text has
# runs of hundreds of spaces, on which three adjacent optional whitespace runs backtracked
# cubically (75 ms a clause on long contracts, seconds per contract).
_DURATION = re.compile(
    rf"(?=\S)(?P<word>{_WORD_NUMBER})?\s*+(?:\(\s*(?P<paren>\d{{1,4}})\s*\)|"
    rf"(?<![\d.,])(?P<digits>\d{{1,4}})(?![\d.,]\d))?"
    r"[\s-]*+(?P<qual>business|working|calendar)?[\s-]*+"
    r"(?P<unit>days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)


def find_durations(text: str) -> list[tuple[Duration, int, int]]:
    """Every duration in ``text`` with its span: "ninety (90) days", "30-day", "twelve months"."""
    found = []
    for match in _DURATION.finditer(text):
        value = None
        if match.group("paren"):
            value = int(match.group("paren"))
        elif match.group("digits"):
            value = int(match.group("digits"))
        elif match.group("word"):
            value = words_to_int(match.group("word"))
        if value is None:
            continue
        unit = match.group("unit").lower().rstrip("s")
        if unit == "day" and (match.group("qual") or "").lower() in ("business", "working"):
            unit = "business_day"
        start = match.start("word") if match.group("word") else match.start()
        found.append((Duration(value, unit), start, match.end()))
    return found


# --- money ------------------------------------------------------------------------------------


# Amounts found in a contract are the project's one Money (tenancy.money), kept exact.
_CURRENCY_CODES = {
    "usd": "USD", "us$": "USD", "u.s.$": "USD", "u.s. $": "USD", "$": "USD", "c$": "CAD",
    "cdn$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD", "hk$": "HKD", "hkd": "HKD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
    "chf": "CHF", "jpy": "JPY", "¥": "JPY", "rmb": "CNY", "cny": "CNY", "inr": "INR",
    "dollars": "USD", "u.s. dollars": "USD", "us dollars": "USD", "united states dollars": "USD",
    "pounds sterling": "GBP", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "sgd": "SGD",
}  # fmt: skip
_SCALES = {
    "thousand": Decimal(1000), "k": Decimal(1000), "million": Decimal(1_000_000),
    "m": Decimal(1_000_000), "mm": Decimal(1_000_000), "billion": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}  # fmt: skip
_NUM = r"\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_SCALE = r"(?:\s*(?P<scale>thousand|million|billion|bn|mm|m|k)\b)?"
_PREFIX = (
    r"(?P<prefix>US\$|U\.S\.\s?\$|CDN\$|C\$|A\$|HK\$|\$|€|£|¥|USD|EUR|GBP|CHF|CAD|AUD|JPY|RMB|"
    r"CNY|INR|SEK|NOK|DKK|SGD|HKD)"
)
_SUFFIX = (
    r"(?P<suffix>U\.S\.\s+dollars|US\s+dollars|United\s+States\s+dollars|dollars|euros?|"
    r"pounds\s+sterling|USD|EUR|GBP|CHF|CAD|AUD|JPY|RMB|CNY|INR)"
)
_MONEY = re.compile(
    rf"{_PREFIX}\s?(?P<n1>{_NUM}){_SCALE}|"
    rf"(?<![\w.,])(?P<n2>{_NUM}){_SCALE.replace('scale', 'scale2')}\s+{_SUFFIX}\b",
    re.IGNORECASE,
)


def parse_number(raw: str) -> Decimal | None:
    """Parse "5,000,000", "250.000" (European thousands), "1.234,56" and "2.5" exactly."""
    raw = raw.strip().replace(" ", "")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_mark, ".")
    elif "." in raw:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
            raw = raw.replace(".", "")  # "250.000": a European thousands separator
    elif "," in raw:
        raw = (
            raw.replace(",", "")
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw)
            else raw.replace(",", ".")
        )
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def find_money(text: str) -> list[Money]:
    amounts: list[Money] = []
    for match in _MONEY.finditer(text):
        raw = match.group("n1") or match.group("n2")
        number = parse_number(raw)
        if number is None:
            continue
        scale = (match.group("scale") or match.group("scale2") or "").lower()
        if scale:
            number *= _SCALES[scale]
        symbol = (match.group("prefix") or match.group("suffix") or "").lower()
        symbol = re.sub(r"\s+", " ", symbol)
        currency = _CURRENCY_CODES.get(symbol, _CURRENCY_CODES.get(symbol.rstrip("s"), "USD"))
        if number == number.to_integral_value():
            number = Decimal(int(number))  # "5 million" is 5000000, not 5.000000E+6
        money = Money(number, currency)
        # "five million dollars ($5,000,000)" states the same amount twice.
        if money not in amounts:
            amounts.append(money)
    return amounts


# --- fee multiples ("12 months' fees", "two times the fees paid") -------------------------------

_FEE_NOUN = (
    r"(?:fees|charges|amounts?|sums?|compensation|price|consideration|contract\s+value|payments?)"
)
_MULTIPLE = re.compile(
    rf"(?P<n>{_WORD_NUMBER}|\d+(?:\.\d+)?|twice)\s*(?:\(\s*\d+(?:\.\d+)?\s*\)\s*)?"
    rf"(?:times|x)\s+(?:the\s+)?(?:\w+\s+){{0,3}}{_FEE_NOUN}",
    re.IGNORECASE,
)
_TWICE = re.compile(rf"\btwice\s+(?:the\s+)?(?:\w+\s+){{0,3}}{_FEE_NOUN}", re.IGNORECASE)
_MONTHS_OF_FEES = re.compile(
    rf"(?P<n>{_WORD_NUMBER}|"
    rf"\d+)\s*(?:\(\s*(?P<p>\d+)\s*\)\s*)?months?['’]?\s+(?:of\s+)?(?:\w+\s+){{0,2}}{_FEE_NOUN}",
    re.IGNORECASE,
)
_FEES_LOOKBACK = re.compile(
    rf"{_FEE_NOUN}\s+(?:actually\s+)?(?:paid|payable|received)[^.;]{{0,80}}?"
    rf"(?:during|in|for|within)\s+the\s+(?:\w+\s+)?(?P<n>{_WORD_NUMBER}|"
    rf"\d+)\s*(?:\(\s*(?P<p>\d+)\s*\)\s*)?"
    r"[\s-]*months?",
    re.IGNORECASE,
)


def find_fee_basis(text: str) -> dict[str, object]:
    """The liability cap expressed against fees, as ``fee_multiple`` and/or ``fees_months``."""
    found: dict[str, object] = {}
    match = _MULTIPLE.search(text)
    if match:
        raw = match.group("n").lower()
        value = Decimal(2) if raw == "twice" else _decimal_or_words(raw)
        if value is not None:
            found["fee_multiple"] = value
    elif _TWICE.search(text):
        found["fee_multiple"] = Decimal(2)
    for pattern in (_MONTHS_OF_FEES, _FEES_LOOKBACK):
        match = pattern.search(text)
        if match:
            months = int(match.group("p")) if match.group("p") else _int_or_words(match.group("n"))
            if months:
                found["fees_months"] = months
                break
    return found


def _decimal_or_words(raw: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return Decimal(raw)
    value = words_to_int(raw)
    return Decimal(value) if value is not None else None


def _int_or_words(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else words_to_int(raw)


# --- percentages --------------------------------------------------------------------------------

_PERCENT = re.compile(
    rf"(?:(?P<word>{_WORD_NUMBER})\s*(?:\(\s*(?P<paren>\d+(?:\.\d+)?)\s*%?\s*\)\s*)?(?:percent|"
    rf"per\s+cent)"
    r"|(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b))",
    re.IGNORECASE,
)


def find_percentages(text: str) -> list[Decimal]:
    values: list[Decimal] = []
    for match in _PERCENT.finditer(text):
        raw = match.group("num") or match.group("paren")
        value = Decimal(raw) if raw else _decimal_or_words(match.group("word") or "")
        if value is not None and value not in values:
            values.append(value)
    return values


# --- governing law ------------------------------------------------------------------------------

_US_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
    "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Wisconsin", "Wyoming",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "Washington",
]  # fmt: skip
_CANADIAN_PROVINCES = [
    "Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan",
    "Nova Scotia", "New Brunswick",
]  # fmt: skip
_COUNTRIES = {
    "england and wales": "England and Wales", "england": "England and Wales",
    "scotland": "Scotland", "northern ireland": "Northern Ireland", "ireland": "Ireland",
    "germany": "Germany", "federal republic of germany": "Germany", "france": "France",
    "switzerland": "Switzerland", "the netherlands": "Netherlands", "netherlands": "Netherlands",
    "israel": "Israel", "state of israel": "Israel", "singapore": "Singapore",
    "hong kong": "Hong Kong", "people's republic of china": "People's Republic of China",
    "peoples republic of china": "People's Republic of China", "prc": "People's Republic of China",
    "china": "People's Republic of China", "japan": "Japan", "india": "India",
    "australia": "Australia", "new south wales": "New South Wales, Australia",
    "sweden": "Sweden", "norway": "Norway", "denmark": "Denmark", "finland": "Finland",
    "spain": "Spain", "italy": "Italy", "belgium": "Belgium", "luxembourg": "Luxembourg",
    "austria": "Austria", "korea": "South Korea", "republic of korea": "South Korea",
    "taiwan": "Taiwan", "brazil": "Brazil", "mexico": "Mexico", "canada": "Canada",
    "district of columbia": "District of Columbia", "cayman islands": "Cayman Islands",
    "bermuda": "Bermuda", "british virgin islands": "British Virgin Islands",
    "south africa": "South Africa", "republic of south africa": "South Africa",
    "victoria": "Victoria, Australia", "queensland": "Queensland, Australia",
    "western australia": "Western Australia, Australia",
    "united kingdom": "England and Wales", "united states": "United States",
    "united states of america": "United States", "u.s.": "United States",
}  # fmt: skip
_JURISDICTIONS: dict[str, str] = {state.lower(): state for state in _US_STATES}
_JURISDICTIONS.update({p.lower(): f"{p}, Canada" for p in _CANADIAN_PROVINCES})
_JURISDICTIONS.update(_COUNTRIES)
_JURISDICTION_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(name) for name in sorted(_JURISDICTIONS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)
_LAW_ANCHOR = re.compile(
    r"(?:govern(?:ed|s|ing)|constru(?:ed|e)|interpret(?:ed)?|enforced|subject\s+to|"
    r"accordance\s+with|controlled\s+by)"
    r"[^.;]{0,160}?\blaws?\b",
    re.IGNORECASE,
)


def find_governing_law(text: str) -> str | None:
    """The jurisdiction whose law governs, normalised: "New York", "England and Wales"..."""
    for anchor in _LAW_ANCHOR.finditer(text):
        window = text[anchor.end() : anchor.end() + 160]
        # Stop at the end of the sentence, but not at "U.S." or "St.".
        window = re.split(r"(?<!\bU\.S)(?<!\bSt)\.\s|;", window, maxsplit=1)[0]
        law = _pick_jurisdiction(window)
        if law:
            return law
    match = re.search(r"\blaws?\s+of\s+(?:the\s+)?([^.;]{0,120})", text, re.IGNORECASE)
    law = _pick_jurisdiction(match.group(1)) if match else None
    if law:
        return law
    # "governed by PRC law", "governed by English law": the adjective names the jurisdiction.
    match = _ADJECTIVE_LAW.search(text)
    if match:
        return _ADJECTIVES[match.group(1).lower()]
    # "accepted in the State of Nevada and governed by the laws thereof".
    match = _LAWS_THEREOF.search(text)
    return _pick_jurisdiction(match.group(1)) if match else None


_ADJECTIVES = {
    "prc": "People's Republic of China", "chinese": "People's Republic of China",
    "english": "England and Wales", "german": "Germany", "french": "France", "swiss": "Switzerland",
    "dutch": "Netherlands", "israeli": "Israel", "japanese": "Japan", "singapore": "Singapore",
    "irish": "Ireland", "scots": "Scotland", "scottish": "Scotland", "indian": "India",
}  # fmt: skip
_ADJECTIVE_LAW = re.compile(
    r"govern(?:ed|s)\s+by\s+(?:the\s+)?(" + "|".join(_ADJECTIVES) + r")\s+laws?\b", re.IGNORECASE
)
_LAWS_THEREOF = re.compile(r"([^.;]{0,120})\blaws\s+thereof\b", re.IGNORECASE)


def _pick_jurisdiction(window: str) -> str | None:
    names = [_JURISDICTIONS[m.group(0).lower()] for m in _JURISDICTION_RE.finditer(window)]
    # "the laws of the United States and the State of New York": the state is the answer.
    specific = [name for name in names if name not in ("United States", "Canada")]
    if specific:
        return specific[0]
    return names[0] if names else None


# --- arbitration --------------------------------------------------------------------------------

_ARBITRATION_RULES = (
    ("ICC", r"\bICC\b|International\s+Chamber\s+of\s+Commerce"),
    ("LCIA", r"\bLCIA\b|London\s+Court\s+of\s+International\s+Arbitration"),
    ("ICDR", r"\bICDR\b|International\s+Centre\s+for\s+Dispute\s+Resolution"),
    ("AAA", r"\bAAA\b|American\s+Arbitration\s+Association"),
    ("JAMS", r"\bJAMS\b|Judicial\s+Arbitration\s+and\s+Mediation"),
    ("UNCITRAL", r"\bUNCITRAL\b"),
    ("SIAC", r"\bSIAC\b|Singapore\s+International\s+Arbitration\s+Cent"),
    ("HKIAC", r"\bHKIAC\b|Hong\s+Kong\s+International\s+Arbitration\s+Cent"),
    ("CIETAC", r"\bCIETAC\b|China\s+International\s+Economic\s+and\s+Trade\s+Arbitration"),
)
_SEAT = re.compile(
    r"(?:seat|place|venue|location|situs)\s+of\s+(?:the\s+)?arbitration\s+(?:shall\s+be|"
    r"will\s+be|is)\s+"
    r"(?:in\s+)?(?P<a>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})"
    r"|arbitration[^.;]{0,80}?(?:held|conducted|take\s+place|seated|"
    r"located)\s+(?:exclusively\s+)?in\s+"
    r"(?:the\s+(?:City|County)\s+of\s+)?(?P<b>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})"
)


def find_arbitration(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if not re.search(r"arbitra", text, re.IGNORECASE):
        return found
    for name, pattern in _ARBITRATION_RULES:
        if re.search(pattern, text):
            found["arbitration_rules"] = name
            break
    seat = _SEAT.search(text)
    if seat:
        place = (seat.group("a") or seat.group("b")).strip(" .,")
        found["arbitration_seat"] = place
    return found


# --- dates --------------------------------------------------------------------------------------

_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})\s?(?:st|nd|rd|th|t\s?h)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:day\s+of\s+)?{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_YEAR}-(?P<month_n>\d{{1,2}})-(?P<day>\d{{1,2}})\b"),
    # Numeric dates are read month first: the contracts we see are overwhelmingly American.
    re.compile(r"\b(?P<month_n>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)?\d{2})\b"),
)


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every calendar date in ``text`` with its span, in order of appearance."""
    found = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = (
                _MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["month_n"])
            )
            year = int(groups["year"])
            if year < 100:
                year += 2000 if year < 50 else 1900
            try:
                found.append((date(year, month, int(groups["day"])), match.start(), match.end()))
            except ValueError:
                continue
    found.sort(key=lambda item: item[1])
    return found


# --- per clause type ----------------------------------------------------------------------------


def extract_parameters(code: str, text: str) -> dict[str, object]:
    """The parameters worth showing for a clause of type ``code``; empty keys are left out."""
    params: dict[str, object] = {}
    money = find_money(text)
    if money:
        params["amounts"] = money
    percentages = find_percentages(text)
    if percentages:
        params["percentages"] = percentages
    durations = [duration for duration, _, _ in find_durations(text)]
    days = [d.value for d in durations if d.unit in ("day", "business_day")]
    if days:
        params["days"] = days
    terms = [d for d in durations if d.unit in ("month", "year")]
    if terms:
        params["terms"] = terms
    if code == "limitation_of_liability":
        params.update(find_fee_basis(text))
    if code in ("governing_law", "dispute_resolution"):
        law = find_governing_law(text)
        if law and code == "governing_law":
            params["governing_law"] = law
        params.update(find_arbitration(text))
    if code in ("termination_for_convenience", "notice_period", "renewal"):
        notice = find_notice_period(text)
        if notice:
            params["notice_period"] = notice
    if code == "renewal":
        renewal = find_renewal_term(text)
        if renewal:
            params["renewal_term"] = renewal
    dates = [found for found, _, _ in find_dates(text)]
    if dates:
        params["dates"] = dates
    return params


_NOTICE_CONTEXT = re.compile(r"notice|notify|notif", re.IGNORECASE)


_TERM_LENGTH_BEFORE = re.compile(
    r"(?:periods?|terms?|renewals?)\s+of\s+(?:up\s+to\s+)?(?:an?\s+)?$", re.IGNORECASE
)


_TERM_LENGTH_AFTER = re.compile(
    r"\s*+(?:\(\s*\d+\s*\)\s*)?(?:renewal\s+|extension\s+)?(?:periods?|terms?)\b", re.IGNORECASE
)


def _gap(text: str, start: int, end: int) -> int:
    return len(" ".join(text[start:end].split())) if end > start else 0


def find_notice_period(text: str) -> Duration | None:
    """The notice period of a clause: the duration closest to the word "notice"."""
    best: tuple[int, Duration] | None = None
    notices = [m.start() for m in _NOTICE_CONTEXT.finditer(text)]
    if not notices:
        return None
    for duration, start, end in find_durations(text):
        if duration.unit not in ("day", "business_day", "month", "year", "week"):
            continue
        if _TERM_LENGTH_BEFORE.search(text[max(0, start - 30) : start]):
            continue  # "successive periods of one year" is the renewal term, not the notice
        if _TERM_LENGTH_AFTER.match(text, end):
            continue  # "successive one (1) year periods" too
        # Gap between the duration and the word, on whichever side of it the word stands, in
        # characters of text with its whitespace runs collapsed (PDF exports pad with spaces).
        distance = min(
            _gap(text, end, position) if position >= end else _gap(text, position, start)
            for position in notices
        )
        if distance <= 60 and (best is None or distance < best[0]):
            best = (distance, duration)
    return best[1] if best else None


_RENEWAL_TERM = re.compile(
    r"(?:successive|additional|renewal|further|subsequent|consecutive|extension)\s+"
    r"(?:terms?|periods?)\s+of\s+(?:up\s+to\s+)?(?P<a>[^.;]{0,40}?(?:days?|weeks?|months?|years?))"
    r"|(?:renew(?:ed|s|al|able|ing)?|extend(?:ed|s)?|extension)\b[^.;]{0,60}?\bfor\s+"
    r"(?:an?\s+|one\s+or\s+more\s+)?"
    r"(?:additional\s+|successive\s+|further\s+|subsequent\s+|consecutive\s+|like\s+|renewal\s+)*"
    r"(?:terms?\s+of\s+|periods?\s+of\s+)?(?P<b>[^.;]{0,30}?(?:days?|weeks?|months?|years?))",
    re.IGNORECASE,
)


# Renewals stated without a number: "renews from year to year", "month to month", "renewing
# annually", "successive annual periods", "renewed tacitly every year".
_RENEWAL_IMPLICIT = re.compile(
    r"(?:renew\w*|extend\w*|extension|continu\w*)\b[^.;]{0,80}?"
    r"(?:\b(?P<y>year[\s-]+to[\s-]+year|annual(?:ly)?|every\s+year|yearly)|"
    r"\b(?P<m>month[\s-]+to[\s-]+month|monthly|every\s+month))\b"
    r"|\b(?P<y2>year[\s-]+to[\s-]+year|annual)\s+(?:renewals?|extensions?)\b"
    r"|\b(?P<m2>month[\s-]+to[\s-]+month)\b",
    re.IGNORECASE,
)
# "an automatic 2 year term extension", "renewable for 1 year extension", "a renewable one-year
# term": the number is before the word.
_RENEWAL_BEFORE = re.compile(
    r"(?P<d>\b[\w()]+[\s-]+(?:\(\d+\)[\s-]*)?(?:year|month)s?)[\s-]+(?:term\s+)?"
    r"(?:renewals?|extensions?)\b|\brenewable\s+(?P<d2>[\w()]+[\s-]+(?:\(\d+\)[\s-]*)?"
    r"(?:year|month)s?)[\s-]+(?:terms?|periods?)\b",
    re.IGNORECASE,
)


def find_renewal_term(text: str) -> Duration | None:
    found = _renewal_term_stated(text)
    if found:
        return found
    match = _RENEWAL_BEFORE.search(text)
    if match:
        durations = find_durations(match.group("d") or match.group("d2"))
        if durations:
            return durations[-1][0]
    match = _RENEWAL_IMPLICIT.search(text)
    if match:
        if match.group("y") or match.group("y2"):
            return Duration(1, "year")
        return Duration(1, "month")
    return None


def _renewal_term_stated(text: str) -> Duration | None:
    for match in _RENEWAL_TERM.finditer(text):
        phrase = match.group("a") or match.group("b")
        durations = find_durations(phrase)
        if durations:
            return durations[-1][0]
        if re.search(r"\b(?:a|one)\s+(?:additional\s+)?year\b|\byear\b", phrase, re.IGNORECASE):
            return Duration(1, "year")
    return None
