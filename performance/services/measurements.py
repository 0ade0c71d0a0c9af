"""Measurements: manual entry, review, correction and the API push, and the row check that the
file import (services/imports.py, a background job) shares with the push."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from partnerships.models import Partnership
from performance.models import (
    MEASUREMENT_LIFECYCLE,
    Kpi,
    Measurement,
    Source,
)
from performance.periods import month_start, parse_period
from performance.services.scorecards import scorecards_recompute
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import accountable
from tenancy.services import notify


def _check_value(kpi: Kpi, value: Decimal) -> str | None:
    """Why `value` is implausible for `kpi`, or None."""
    low, high = kpi.bounds()
    if low is not None and value < low:
        return f"{value} is below the smallest plausible value {low} of {kpi.code}"
    if high is not None and value > high:
        return f"{value} is above the largest plausible value {high} of {kpi.code}"
    if abs(value) >= Decimal("1e14"):
        return f"{value} is out of range"
    return None


def _check_period(period: date, today: date) -> str | None:
    """Why `period` cannot have a figure yet, or None: a month that has not begun has no data."""
    if period > month_start(today):
        return f"{period:%Y-%m} is in the future: figures are recorded once the month has begun."
    return None


def _parse_value(text) -> Decimal:
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int) and not isinstance(text, bool):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(repr(text))  # a spreadsheet cell; repr keeps what the user typed
    else:
        cleaned = str(text or "").strip().replace(" ", "")
        if not cleaned:
            raise ValueError("value is empty")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(f"value “{text}” is not a number") from None
    if not value.is_finite():
        raise ValueError(f"value “{text}” is not a finite number")
    return value.quantize(Decimal("0.0001"))


@dataclass
class ImportRow:
    line: int
    kpi_code: str
    period: date | None
    value: Decimal | None
    note: str = ""
    kpi: Kpi | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[ImportRow]
    errors: list[str] = field(default_factory=list)  # file-level problems
    created: int = 0

    @property
    def row_errors(self) -> list[tuple[int, str]]:
        return [(row.line, message) for row in self.rows for message in row.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.row_errors and bool(self.rows)


IMPORT_COLUMNS = ("kpi_code", "period", "value")


def check_row(
    *, raw: dict, line: int, kpis: dict[str, Kpi], partnership: Partnership, today: date
) -> ImportRow:
    """One row of an import or a push, checked on its own: a known KPI that is not a formula, a
    month (a quarter's first for a quarterly KPI) that has begun, a plausible number."""
    row = ImportRow(
        line=line, kpi_code=str(raw.get("kpi_code") or "").strip(), period=None, value=None
    )
    row.note = str(raw.get("note") or "")[:500]
    if "__error__" in raw:
        row.errors.append(f"malformed row: {raw['__error__']}")
        return row
    kpi = kpis.get(row.kpi_code)
    if not row.kpi_code:
        row.errors.append("kpi_code is empty")
    elif kpi is None:
        row.errors.append(f"unknown KPI code “{row.kpi_code}” for {partnership.name}")
    elif kpi.is_formula:
        row.errors.append(f"{kpi.code} is computed by a formula and cannot be imported")
    row.kpi = kpi
    period = raw.get("period")
    try:
        row.period = (
            period.date().replace(day=1)
            if isinstance(period, datetime)
            else (period.replace(day=1) if isinstance(period, date) else parse_period(str(period)))
        )
        if kpi is not None and kpi.frequency == "quarterly" and row.period.month % 3 != 1:
            row.errors.append(f"{kpi.code} is quarterly: the period must start a quarter")
        if problem := _check_period(row.period, today):
            row.errors.append(problem)
    except ValueError as error:
        row.errors.append(str(error))
    try:
        row.value = _parse_value(raw.get("value"))
        if kpi is not None and (problem := _check_value(kpi, row.value)):
            row.errors.append(problem)
    except ValueError as error:
        row.errors.append(str(error))
    return row


def _validate_rows(
    *, partnership: Partnership, raw_rows: list[dict], first_line: int, today: date
) -> list[ImportRow]:
    """Check every row (known KPI, month period, number in range, no duplicate) without writing."""
    kpis = {kpi.code: kpi for kpi in Kpi.objects.filter(partnership=partnership)}
    rows = [
        check_row(
            raw=raw, line=first_line + offset, kpis=kpis, partnership=partnership, today=today
        )
        for offset, raw in enumerate(raw_rows)
    ]

    seen: dict[tuple[str, date], int] = {}
    for row in rows:
        if row.kpi is None or row.period is None:
            continue
        key = (row.kpi.code, row.period)
        if key in seen:
            row.errors.append(
                f"duplicate period {row.period:%Y-%m} for {row.kpi.code} (also on line {seen[key]})"
            )
        else:
            seen[key] = row.line
    if seen:
        existing = set(
            Measurement.objects.filter(
                kpi__in=[kpis[code] for code, _ in seen],
                period_start__in={period for _, period in seen},
            ).values_list("kpi__code", "period_start")
        )
        for row in rows:
            if row.kpi is not None and (row.kpi.code, row.period) in existing:
                row.errors.append(
                    f"{row.kpi.code} already has a value for {row.period:%Y-%m}; correct it instead"
                )
    return rows


def _create_measurements(
    *,
    partnership: Partnership,
    rows: list[ImportRow],
    source: str,
    actor: User | None,
    now: datetime,
) -> int:
    organization = require_organization()
    # Checked rows: every one has its KPI, month and value.
    Measurement.objects.bulk_create(
        [
            Measurement(  # type: ignore[misc]
                organization=organization,
                partnership=partnership,
                kpi=row.kpi,
                period_start=row.period,
                value=row.value,
                source=source,
                note=row.note,
                submitted_by=actor,
                status=Measurement.Status.APPROVED,
            )
            for row in rows
        ],
        batch_size=2000,
    )
    scorecards_recompute(partnership=partnership, periods={row.period for row in rows}, now=now)
    return len(rows)


def measurements_push(
    *, actor: User | None, partnership: Partnership, rows: list[dict], today: date, now: datetime
) -> ImportResult:
    """Bulk push from the API: the file import's checks (`check_row`) and all-or-nothing rule."""
    validated = _validate_rows(partnership=partnership, raw_rows=rows, first_line=1, today=today)
    result = ImportResult(rows=validated)
    if not validated:
        result.errors.append("No measurements were sent.")
    if result.ok:
        with transaction.atomic():
            result.created = _create_measurements(
                partnership=partnership, rows=validated, source=Source.API, actor=actor, now=now
            )
            audit_record(
                action="performance.measurements.pushed",
                actor=actor,
                obj=partnership,
                changes={"rows": result.created},
            )
    return result


@transaction.atomic
def measurement_record(
    *,
    actor: User | None,
    kpi: Kpi,
    period_start: date,
    value: Decimal,
    today: date,
    note: str = "",
    pending: bool = False,
    source: str | None = None,
    now: datetime,
) -> Measurement:
    """Manual entry by a member (approved at once) or by a partner guest (`pending=True`);
    another module's job passes its `source` (the integrations feed's computed KPIs)."""
    if kpi.is_formula:
        raise ValidationError({"kpi": f"{kpi.code} is computed by its formula."})
    period = month_start(period_start)
    if problem := _check_period(period, today):
        raise ValidationError({"period_start": problem})
    if kpi.frequency == "quarterly" and period.month % 3 != 1:
        raise ValidationError(
            {"period_start": "This KPI is quarterly: pick a quarter's first month."}
        )
    try:
        value = _parse_value(value)
    except ValueError as error:
        raise ValidationError({"value": str(error)}) from None
    if problem := _check_value(kpi, value):
        raise ValidationError({"value": problem})
    if Measurement.objects.filter(kpi=kpi, period_start=period).exists():
        raise ValidationError(
            {"period_start": f"{kpi.code} already has a value for {period:%Y-%m}."}
        )
    measurement = Measurement(
        organization=require_organization(),
        partnership_id=kpi.partnership_id,
        kpi=kpi,
        period_start=period,
        value=value,
        note=note,
        submitted_by=actor,
        source=source or (Source.PARTNER if pending else Source.MANUAL),
        status=Measurement.Status.PENDING if pending else Measurement.Status.APPROVED,
    )
    measurement.full_clean()
    measurement.save()
    audit_record(
        action="performance.measurement.submitted"
        if pending
        else "performance.measurement.recorded",
        actor=actor,
        obj=measurement,
        changes={"kpi": kpi.code, "period": str(period), "value": str(value)},
    )
    if pending:
        notify(
            recipients=accountable(kpi.owner, kpi.partnership.owner),
            title=f"{kpi.partnership.name}: {kpi.code} {period:%Y-%m} submitted for approval",
            body=f"The partner reported {value} {kpi.unit}.",
            url=reverse(
                "partnership-performance", args=[require_organization().slug, kpi.partnership_id]
            ),
            dedupe_key=f"measurement-submitted:{measurement.pk}",
        )
    else:
        scorecards_recompute(partnership=kpi.partnership, periods={period}, now=now)
    return measurement


@transaction.atomic
def measurement_review(
    *, measurement: Measurement, actor: User | None, approve: bool, now: datetime
) -> Measurement:
    """Approve or reject a partner's submitted figure."""
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    target = Measurement.Status.APPROVED if approve else Measurement.Status.REJECTED
    if measurement.status != Measurement.Status.PENDING:
        raise ConflictError(f"This figure is already {measurement.get_status_display().lower()}.")
    MEASUREMENT_LIFECYCLE.check(measurement.status, target)
    measurement.status = target
    measurement.reviewed_by = actor
    measurement.save(update_fields=["status", "reviewed_by"])
    audit_record(
        action=f"performance.measurement.{'approved' if approve else 'rejected'}",
        actor=actor,
        obj=measurement,
    )
    if approve:
        scorecards_recompute(
            partnership=measurement.partnership, periods={measurement.period_start}, now=now
        )
    return measurement


@transaction.atomic
def measurement_correct(
    *,
    measurement: Measurement,
    actor: User | None,
    value: Decimal,
    reason: str = "",
    note: str = "",
    now: datetime,
) -> Measurement:
    """Correct the value of a recorded figure with a reason (pages, API and the document job
    alike; it goes to the audit trail); the scorecards of its month and later recompute. A
    rejected figure is not corrected: record it again instead."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why this figure is corrected."})
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    if measurement.status == Measurement.Status.REJECTED:
        raise ConflictError("A rejected figure is not corrected: record the right value instead.")
    try:
        value = _parse_value(value)
    except ValueError as error:
        raise ValidationError({"value": str(error)}) from None
    if problem := _check_value(measurement.kpi, value):
        raise ValidationError({"value": problem})
    old = measurement.value
    measurement.value = value
    measurement.note = note or measurement.note
    measurement.save(update_fields=["value", "note"])
    audit_record(
        action="performance.measurement.corrected",
        actor=actor,
        obj=measurement,
        changes={"value": [str(old), str(value)], "reason": reason.strip()[:500]},
    )
    if measurement.status == Measurement.Status.APPROVED:
        scorecards_recompute(
            partnership=measurement.partnership, periods={measurement.period_start}, now=now
        )
    return measurement


@transaction.atomic
def measurement_delete(
    *, measurement: Measurement, actor: User | None, reason: str, now: datetime
) -> None:
    """Delete a figure recorded by mistake: a reason is required and kept in the audit trail;
    the scorecards of its month and later recompute without it."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this figure is deleted."})
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    partnership, period = measurement.partnership, measurement.period_start
    counted = measurement.status == Measurement.Status.APPROVED
    audit_record(
        action="performance.measurement.deleted",
        actor=actor,
        obj=measurement,
        changes={
            "kpi": measurement.kpi.code,
            "period": str(period),
            "value": str(measurement.value),
            "reason": reason.strip()[:500],
        },
    )
    measurement.delete()
    if counted:
        scorecards_recompute(partnership=partnership, periods={period}, now=now)
