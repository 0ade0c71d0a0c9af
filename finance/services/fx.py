"""Foreign exchange: the rates table (a rate set, or rates imported from CSV), a partnership's
FX arrangement, and the amounts invoiced each month under it."""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import FxArrangement, FxInvoiceAmount, FxRate
from finance.selectors import rate_for
from finance.services._shared import _full_clean, month_start
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.money import CURRENCIES

CURRENCY_CODES = {code for code, _ in CURRENCIES}
RATE_LIMIT = Decimal(10) ** 10  # a rate is stored with 10 digits before the point (FxRate.rate)


def _rate_errors(currency: str, quote_currency: str, rate) -> dict:
    errors: dict = {}
    for name, code in (("currency", currency), ("quote_currency", quote_currency)):
        if code not in CURRENCY_CODES:
            errors[name] = f"“{code}” is not a currency we know."
    if not errors and currency == quote_currency:
        errors["quote_currency"] = "Choose two different currencies."
    if rate is None or (rate.is_finite() and rate <= 0):
        errors["rate"] = "A rate must be above zero."
    elif not rate.is_finite() or rate >= RATE_LIMIT:  # "NaN", "Infinity", 1e12 in a CSV
        errors["rate"] = f"A rate must be a number below {RATE_LIMIT:,.0f}."
    return errors


@transaction.atomic
def fx_rate_set(
    *, actor, currency: str, quote_currency: str, period_start: date, rate: Decimal
) -> FxRate:
    errors = _rate_errors(currency, quote_currency, rate)
    if errors:
        raise ValidationError(errors)
    obj, created = FxRate.objects.update_or_create(
        currency=currency,
        quote_currency=quote_currency,
        period_start=month_start(period_start),
        defaults={"rate": rate},
    )
    audit_record(
        action="finance.fx.rate_set",
        actor=actor,
        obj=obj,
        changes={"pair": f"{currency}/{quote_currency}", "rate": str(rate), "new": created},
    )
    return obj


RATE_CELL_MAX_CHARS = 100


def fx_rates_import_csv(*, actor, text: str) -> int:
    """Rates from CSV (`currency,quote_currency,month,rate`, month as YYYY-MM or YYYY-MM-DD);
    every row is checked first, and nothing is saved if any row is wrong."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:  # a field over the csv module's limit (process-wide, 128 KiB by default)
        rows = None
    # A rates file's cells are short: one far longer than a rate is not a rates file, whatever
    # the csv module's limit happens to be in this process.
    if rows is None or any(len(cell) > RATE_CELL_MAX_CHARS for row in rows for cell in row):
        raise ValidationError({"file": "The file is not a CSV file of rates."})
    first = 1  # rows are numbered as the file's lines, the header line included
    if rows and rows[0] and rows[0][0].strip().lower() == "currency":
        rows, first = rows[1:], 2
    parsed, problems = [], []
    for number, row in enumerate(rows, start=first):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            problems.append(f"Row {number}: expected currency, quote currency, month and rate.")
            continue
        currency, quote, month, rate_text = (cell.strip().upper() for cell in row)
        try:
            period = date.fromisoformat(month if len(month) > 7 else f"{month}-01")
            rate = Decimal(rate_text)
        except (ValueError, InvalidOperation):
            problems.append(f"Row {number}: the month or the rate is not readable.")
            continue
        row_errors = _rate_errors(currency, quote, rate)
        if row_errors:
            problems.append(f"Row {number}: {' '.join(row_errors.values())}")
            continue
        parsed.append((currency, quote, period, rate))
    if problems:
        raise ValidationError({"file": problems[:10]})
    if not parsed:
        raise ValidationError({"file": "The file has no rates."})
    with transaction.atomic():
        for currency, quote, period, rate in parsed:
            fx_rate_set(
                actor=actor, currency=currency, quote_currency=quote, period_start=period, rate=rate
            )
    return len(parsed)


@transaction.atomic
def fx_arrangement_set(
    *,
    actor,
    partnership: Partnership,
    contract_currency: str,
    invoice_currency: str,
    base_rate: Decimal,
    band_percent: Decimal,
    bearer: str,
    other_share: Decimal = Decimal(50),
) -> FxArrangement:
    errors: dict = {}
    if base_rate is None or base_rate <= 0:
        errors["base_rate"] = "A rate must be above zero."
    if band_percent is None or not Decimal(0) <= band_percent <= Decimal(100):
        errors["band_percent"] = "The band is between 0 % and 100 %."
    if other_share is None or not Decimal(0) <= other_share <= Decimal(100):
        errors["other_share"] = "A share is between 0 % and 100 %."
    if contract_currency == invoice_currency:
        errors["invoice_currency"] = "With one currency there is no FX exposure."
    if errors:
        raise ValidationError(errors)
    arrangement = FxArrangement.objects.filter(partnership=partnership).first()
    if arrangement is None:
        arrangement = FxArrangement(partnership=partnership)
    arrangement.contract_currency = contract_currency
    arrangement.invoice_currency = invoice_currency
    arrangement.base_rate, arrangement.band_percent = base_rate, band_percent
    arrangement.bearer, arrangement.other_share = bearer, other_share
    _full_clean(arrangement, exclude=["partnership"])
    arrangement.save()
    audit_record(
        action="finance.fx.arrangement_set",
        actor=actor,
        obj=arrangement,
        changes={"base_rate": str(base_rate), "band": str(band_percent), "bearer": bearer},
    )
    return arrangement


@transaction.atomic
def fx_amount_record(
    *, actor, arrangement: FxArrangement, period_start: date, amount: Decimal
) -> FxInvoiceAmount:
    """What was invoiced in a month. The month needs a rate in the rates table."""
    if amount is None or amount < 0:
        raise ValidationError({"amount": "An invoiced amount cannot be negative."})
    start = month_start(period_start)
    if rate_for(arrangement.invoice_currency, arrangement.contract_currency, start) is None:
        raise ValidationError(
            {
                "period_start": f"There is no {arrangement.invoice_currency}/"
                f"{arrangement.contract_currency} rate for {start:%B %Y}; add it to the rates "
                "table first."
            }
        )
    obj, _ = FxInvoiceAmount.objects.update_or_create(
        arrangement=arrangement, period_start=start, defaults={"amount": amount}
    )
    audit_record(
        action="finance.fx.amount_recorded",
        actor=actor,
        obj=obj,
        changes={"period": start.isoformat(), "amount": str(amount)},
    )
    return obj
