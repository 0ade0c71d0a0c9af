"""Risk services: price adjustment."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Partnership
from risk.models import (
    IndexValue,
    PriceMechanism,
    PriceReview,
)
from risk.pricing import adjust_price
from risk.services._common import _full_clean, _recipients, _url
from tenancy.audit import audit_record, changed_fields
from tenancy.services import notify
from tenancy.uploads import csv_records

MECHANISM_FIELDS = (
    "name",
    "index_name",
    "base_price",
    "currency",
    "base_index_value",
    "weighting_percent",
    "cap_percent",
    "floor_percent",
    "review_frequency_months",
    "next_review_on",
    "volatility_assumption",
)


# An index value is stored with 10 digits before the point (IndexValue.value).
INDEX_LIMIT = Decimal(10) ** 10
LIMIT_TEXT = f"{INDEX_LIMIT:,.0f}"


def _mechanism_errors(mechanism: PriceMechanism) -> dict:
    errors = {}
    cap, floor = mechanism.cap_percent, mechanism.floor_percent
    if cap is not None and floor is not None and cap < floor:
        errors["cap_percent"] = (
            f"The cap ({cap.normalize():f} %) cannot be below the floor ({floor.normalize():f} %)."
        )
    weighting = mechanism.weighting_percent
    if weighting is not None and not Decimal("0") <= weighting <= Decimal("100"):
        errors["weighting_percent"] = "The weighting is a share of the price, from 0 to 100 %."
    if mechanism.base_index_value is not None and mechanism.base_index_value <= 0:
        errors["base_index_value"] = "The base index value must be more than zero."
    if mechanism.base_price is not None and mechanism.base_price <= 0:
        errors["base_price"] = "The base price must be more than zero."
    return errors


@transaction.atomic
def price_mechanism_create(*, actor, partnership: Partnership, **fields) -> PriceMechanism:
    fields.setdefault("volatility_assumption", "")
    mechanism = PriceMechanism(partnership=partnership, **fields)
    mechanism.index_name = (mechanism.index_name or "").strip()
    errors = _mechanism_errors(mechanism)
    if errors:
        raise ValidationError(errors)
    _full_clean(mechanism, exclude=["partnership"])
    mechanism.save()
    audit_record(
        action="risk.price_mechanism.created",
        actor=actor,
        obj=mechanism,
        changes={k: getattr(mechanism, k) for k in MECHANISM_FIELDS},
    )
    return mechanism


@transaction.atomic
def price_mechanism_update(*, mechanism: PriceMechanism, actor, **fields) -> PriceMechanism:
    """Correct a mechanism's terms; it stays in the partnership it was agreed for (the same
    partnership given again is no change)."""
    partnership = fields.pop("partnership", None)
    if partnership is not None and partnership.pk != mechanism.partnership_id:
        raise ValidationError({"partnership": "A mechanism stays in its partnership."})
    changes = changed_fields(mechanism, fields)
    errors = _mechanism_errors(mechanism)
    if errors:
        raise ValidationError(errors)
    _full_clean(mechanism, exclude=["partnership"])
    mechanism.save()
    audit_record(action="risk.price_mechanism.updated", actor=actor, obj=mechanism, changes=changes)
    return mechanism


def month_start(value: date) -> date:
    return value.replace(day=1)


@transaction.atomic
def index_value_record(*, actor, index_name: str, period: date, value: Decimal) -> IndexValue:
    index_name = (index_name or "").strip()
    errors = {}
    if not index_name:
        errors["index_name"] = "Name the index."
    if value is None or (value.is_finite() and value <= 0):
        errors["value"] = "An index value must be more than zero."
    elif not value.is_finite() or value >= INDEX_LIMIT:
        errors["value"] = f"An index value must be a number below {LIMIT_TEXT}."
    if errors:
        raise ValidationError(errors)
    period = month_start(period)
    row = IndexValue.objects.filter(index_name=index_name, period=period).first()
    old = row.value if row else None
    if row is None:
        row = IndexValue.objects.create(index_name=index_name, period=period, value=value)
    elif row.value != value:
        row.value = value
        row.save(update_fields=["value"])
    if old != value:
        audit_record(
            action="risk.index_value.recorded",
            actor=actor,
            obj=row,
            changes={"value": [str(old) if old is not None else None, str(value)]},
        )
    return row


def _parse_period(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return month_start(datetime.strptime(text, fmt).replace(tzinfo=UTC).date())
        except ValueError:
            continue
    raise ValueError(text)


@transaction.atomic
def index_values_import_csv(*, actor, content: str) -> int:
    """Import `index,period,value` rows (period as YYYY-MM). All rows or none: any bad line is
    reported with its line number and nothing is saved."""
    header, records = csv_records(content, field="file")
    if not {"index", "period", "value"} <= set(header):
        raise ValidationError(
            {"file": "The CSV needs a header row with the columns index, period and value."}
        )
    problems, rows = [], []
    for line, row in records:
        try:
            period = _parse_period(row["period"])
        except ValueError:
            problems.append(f"Line {line}: the period “{row['period']}” is not a month (YYYY-MM).")
            continue
        try:
            value = Decimal(row["value"].replace(",", ""))
        except InvalidOperation:
            problems.append(f"Line {line}: the value “{row['value']}” is not a number.")
            continue
        if not value.is_finite() or value >= INDEX_LIMIT:  # "NaN", "Infinity", 1e30
            problems.append(f"Line {line}: an index value must be a number below {LIMIT_TEXT}.")
            continue
        if value <= 0:
            problems.append(f"Line {line}: an index value must be more than zero.")
            continue
        if not row["index"]:
            problems.append(f"Line {line}: the index name is empty.")
            continue
        rows.append((row["index"], period, value))
    if problems:
        raise ValidationError({"file": problems[:20]})
    if not rows:
        raise ValidationError({"file": "The CSV has no rows."})
    for index_name, period, value in rows:
        index_value_record(actor=actor, index_name=index_name, period=period, value=value)
    return len(rows)


def previous_month(value: date) -> date:
    return month_start(month_start(value) - timedelta(days=1))


@transaction.atomic
def price_review_run(
    *, mechanism: PriceMechanism, actor, today: date, period: date | None = None
) -> PriceReview:
    """Apply the index value of `period` (by default the month before the review date) and
    record the adjusted price with its explanation. A missing index value is a field error."""
    mechanism = PriceMechanism.objects.select_for_update().get(pk=mechanism.pk)
    period = month_start(period) if period else previous_month(mechanism.next_review_on)
    label = f"{period:%B %Y}"
    index = IndexValue.objects.filter(index_name=mechanism.index_name, period=period).first()
    if index is None:
        raise ValidationError(
            {
                "period": (
                    f"There is no value of {mechanism.index_name} for {label}. Enter it or import "
                    "it as CSV, then run the review."
                )
            }
        )
    if PriceReview.objects.filter(mechanism=mechanism, period=period).exists():
        raise ValidationError({"period": f"The review for {label} has already been run."})
    adjustment = adjust_price(
        base_price=mechanism.base_price_money,
        base_index_value=mechanism.base_index_value,
        index_value=index.value,
        weighting_percent=mechanism.weighting_percent,
        cap_percent=mechanism.cap_percent,
        floor_percent=mechanism.floor_percent,
        index_name=mechanism.index_name,
        period_label=label,
    )
    review = PriceReview.objects.create(
        mechanism=mechanism,
        review_date=today,
        period=period,
        index_value=index.value,
        previous_price=mechanism.current_price_money.amount,
        adjusted_price=adjustment.adjusted_price.amount,
        change_percent=adjustment.change_percent,
        limited_by=adjustment.limited_by,
        explanation=adjustment.steps,
        reviewed_by=actor,
    )
    old_price = mechanism.current_price
    mechanism.current_price = adjustment.adjusted_price.amount
    next_review = mechanism.next_review_on
    while next_review <= today:
        next_review += relativedelta(months=mechanism.review_frequency_months)
    mechanism.next_review_on = next_review
    mechanism.save(update_fields=["current_price", "next_review_on"])
    audit_record(
        action="risk.price_review.run",
        actor=actor,
        obj=review,
        changes={
            "period": period,
            "index_value": str(index.value),
            "price": [
                str(old_price) if old_price is not None else None,
                str(review.adjusted_price),
            ],
            "limited_by": adjustment.limited_by,
        },
    )
    if adjustment.limited_by:
        notify(
            recipients=_recipients(mechanism.partnership),
            title=f"{mechanism.name}: the {adjustment.limited_by} was reached",
            body=" ".join(adjustment.steps[-2:]),
            url=_url("price-mechanism-detail", mechanism.pk),
            dedupe_key=f"risk.price_limit:{review.pk}",
        )
    return review


def price_review_alerts_send(*, today: date) -> int:
    """Tell the owner when a mechanism's review date is reached (once per review date)."""
    sent = 0
    for mechanism in PriceMechanism.objects.filter(next_review_on__lte=today).select_related(
        "partnership__owner"
    ):
        sent += len(
            notify(
                recipients=_recipients(mechanism.partnership),
                title=f"Price review due: {mechanism.name}",
                body=(
                    f"{mechanism.partnership.name}: the review of "
                    f"{mechanism.next_review_on:%d %b %Y} applies {mechanism.index_name}."
                ),
                url=_url("price-mechanism-detail", mechanism.pk),
                dedupe_key=f"risk.price_review:{mechanism.pk}:{mechanism.next_review_on}",
            )
        )
    return sent
