"""Writes of the performance module. Every rule lives here once; pages, the API and tasks call it.

The arithmetic is in `scoring.py`, `sla.py` and `formula.py` (pure, clock-free); this module loads
the inputs, calls it, and stores the results with an audit event. The SLA breach check is
set-based SQL (see `sla_breach_check` and docs/performance.md).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Partnership
from performance.formula import FormulaError, parse_formula
from performance.models import (
    ActionItem,
    CorrectiveAction,
    HealthSurveyResponse,
    ImprovementInitiative,
    Kpi,
    KpiTemplate,
    Measurement,
    Qbr,
    QbrAttendee,
    RootCauseAnalysis,
    Scorecard,
    ScorecardAppeal,
    ScorecardReport,
    Side,
    Sla,
    SlaBreach,
    SlaCreditTier,
    Source,
    StandingBand,
)
from performance.periods import add_months, month_start, parse_period, quarter_start
from performance.scoring import (
    CriterionInput,
    Standing,
    StandingsError,
    criterion_score,
    period_score,
    rag_status,
    rolling_score,
    standing_for,
    trend,
    validate_standings,
)
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.services import notify

KPI_FIELDS = (
    "code",
    "name",
    "description",
    "perspective",
    "unit",
    "direction",
    "target",
    "amber_threshold",
    "red_threshold",
    "weight",
    "frequency",
    "source",
    "formula",
    "valid_min",
    "valid_max",
)
ROLLING_DECAY = Decimal("0.8")
ROLLING_PERIODS = 6
DEFAULT_STANDINGS = (
    Standing("Preferred", Decimal(85), Decimal(100), "none"),
    Standing("Approved", Decimal(70), Decimal(85), "none"),
    Standing("Probation", Decimal(50), Decimal(70), "warn"),
    Standing("Blocked", Decimal(0), Decimal(50), "block_change_requests"),
)
_BREACH_LOCK_NAMESPACE = 7_401


def _json_decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- KPI library and KPIs ----------------------------------------------------------------------


@transaction.atomic
def kpi_template_create(*, actor: User | None, **fields) -> KpiTemplate:
    template = KpiTemplate(
        organization=require_organization(), **{k: v for k, v in fields.items() if k in KPI_FIELDS}
    )
    template.full_clean()
    template.save()
    audit_record(action="performance.kpi_template.created", actor=actor, obj=template)
    return template


@transaction.atomic
def kpi_template_delete(*, template: KpiTemplate, actor: User | None) -> None:
    """KPIs made from a template keep their own copy of its fields, so deleting it is safe."""
    audit_record(action="performance.kpi_template.deleted", actor=actor, obj=template)
    template.delete()


@transaction.atomic
def kpi_create(
    *,
    actor: User | None,
    partnership: Partnership,
    template: KpiTemplate | None = None,
    owner: User | None = None,
    **fields,
) -> Kpi:
    """Create a partnership's KPI, from a library template (fields override it) or from scratch."""
    values = {}
    if template is not None:
        values = {name: getattr(template, name) for name in KPI_FIELDS}
    values.update({k: v for k, v in fields.items() if k in KPI_FIELDS and v is not None})
    kpi = Kpi(
        organization=require_organization(),
        partnership=partnership,
        template=template,
        owner=owner,
        **values,
    )
    kpi.full_clean()
    kpi.save()
    audit_record(action="performance.kpi.created", actor=actor, obj=kpi, changes={"code": kpi.code})
    return kpi


@transaction.atomic
def kpi_update(*, kpi: Kpi, actor: User | None, **fields) -> Kpi:
    allowed = {k: v for k, v in fields.items() if k in KPI_FIELDS + ("owner", "is_active")}
    changes = changed_fields(kpi, allowed)
    kpi.full_clean()
    kpi.save()
    if changes:
        audit_record(
            action="performance.kpi.updated",
            actor=actor,
            obj=kpi,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return kpi


# --- Measurements ------------------------------------------------------------------------------


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


def _read_table(*, content: bytes, filename: str) -> tuple[list[dict], list[str]]:
    """Rows of a CSV or Excel file as dicts keyed by lower-case header, plus file-level errors."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
        except Exception as error:  # noqa: BLE001 - any unreadable workbook is a user error
            return [], [f"The Excel file cannot be read ({error.__class__.__name__})."]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], ["The file is not UTF-8 text: save it as CSV (UTF-8) or .xlsx."]
        try:
            dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            table = list(csv.reader(io.StringIO(text), dialect))
        except csv.Error as error:
            return [], [f"The CSV file is malformed: {error}."]
    table = [row for row in table if any(cell not in (None, "") for cell in row)]
    if not table:
        return [], ["The file is empty."]
    header = [str(cell or "").strip().lower() for cell in table[0]]
    missing = [column for column in IMPORT_COLUMNS if column not in header]
    if missing:
        return [], [
            f"Missing column(s): {', '.join(missing)}. Expected a header row with "
            "kpi_code, period, value (and optionally note)."
        ]
    rows = []
    for cells in table[1:]:
        if len(cells) > len(header):
            rows.append({"__error__": f"{len(cells)} cells for {len(header)} columns"})
            continue
        rows.append({header[i]: cells[i] for i in range(len(cells))})
    return rows, []


def _validate_rows(
    *, partnership: Partnership, raw_rows: list[dict], first_line: int
) -> list[ImportRow]:
    """Check every row (known KPI, month period, number in range, no duplicate) without writing."""
    kpis = {kpi.code: kpi for kpi in Kpi.objects.filter(partnership=partnership)}
    rows: list[ImportRow] = []
    for offset, raw in enumerate(raw_rows):
        line = first_line + offset
        row = ImportRow(
            line=line, kpi_code=str(raw.get("kpi_code") or "").strip(), period=None, value=None
        )
        row.note = str(raw.get("note") or "")[:500]
        rows.append(row)
        if "__error__" in raw:
            row.errors.append(f"malformed row: {raw['__error__']}")
            continue
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
                else (period.replace(day=1) if isinstance(period, date) else parse_period(period))
            )
            if kpi is not None and kpi.frequency == "quarterly" and row.period.month % 3 != 1:
                row.errors.append(f"{kpi.code} is quarterly: the period must start a quarter")
        except ValueError as error:
            row.errors.append(str(error))
        try:
            row.value = _parse_value(raw.get("value"))
            if kpi is not None and (problem := _check_value(kpi, row.value)):
                row.errors.append(problem)
        except ValueError as error:
            row.errors.append(str(error))

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
    *, partnership: Partnership, rows: list[ImportRow], source: str, actor: User | None
) -> int:
    organization = require_organization()
    Measurement.objects.bulk_create(
        [
            Measurement(
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
    scorecards_recompute(partnership=partnership, periods={row.period for row in rows})
    return len(rows)


def measurements_import(
    *,
    actor: User | None,
    partnership: Partnership,
    content: bytes,
    filename: str,
    commit: bool,
    source: str = Source.IMPORT,
) -> ImportResult:
    """Preview (commit=False) or import a CSV/Excel file: all rows or none.

    Columns: kpi_code, period (YYYY-MM), value, note (optional). Any row error (unknown KPI,
    non-numeric or implausible value, duplicate or already recorded period) imports nothing.
    """
    raw_rows, file_errors = _read_table(content=content, filename=filename)
    if file_errors:
        return ImportResult(rows=[], errors=file_errors)
    rows = _validate_rows(partnership=partnership, raw_rows=raw_rows, first_line=2)
    result = ImportResult(rows=rows)
    if not rows:
        result.errors.append("The file has a header but no data rows.")
    if commit and result.ok:
        with transaction.atomic():
            result.created = _create_measurements(
                partnership=partnership, rows=rows, source=source, actor=actor
            )
            audit_record(
                action="performance.measurements.imported",
                actor=actor,
                obj=partnership,
                changes={"file": filename[:100], "rows": result.created},
            )
    return result


def measurements_push(
    *, actor: User | None, partnership: Partnership, rows: list[dict]
) -> ImportResult:
    """Bulk push from the API: same checks and all-or-nothing rule as the file import."""
    validated = _validate_rows(partnership=partnership, raw_rows=rows, first_line=1)
    result = ImportResult(rows=validated)
    if not validated:
        result.errors.append("No measurements were sent.")
    if result.ok:
        with transaction.atomic():
            result.created = _create_measurements(
                partnership=partnership, rows=validated, source=Source.API, actor=actor
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
    note: str = "",
    pending: bool = False,
) -> Measurement:
    """Manual entry by a member (approved at once) or by a partner guest (`pending=True`)."""
    if kpi.is_formula:
        raise ValidationError({"kpi": f"{kpi.code} is computed by its formula."})
    period = month_start(period_start)
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
        source=Source.PARTNER if pending else Source.MANUAL,
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
        recipients = [kpi.owner or kpi.partnership.owner]
        notify(
            recipients=recipients,
            title=f"{kpi.partnership.name}: {kpi.code} {period:%Y-%m} submitted for approval",
            body=f"The partner reported {value} {kpi.unit}.",
            url=reverse(
                "partnership-performance", args=[require_organization().slug, kpi.partnership_id]
            ),
            dedupe_key=f"measurement-submitted:{measurement.pk}",
        )
    else:
        scorecards_recompute(partnership=kpi.partnership, periods={period})
    return measurement


@transaction.atomic
def measurement_review(
    *, measurement: Measurement, actor: User | None, approve: bool
) -> Measurement:
    """Approve or reject a partner's submitted figure."""
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    if measurement.status != Measurement.Status.PENDING:
        raise ConflictError(f"This figure is already {measurement.get_status_display().lower()}.")
    measurement.status = Measurement.Status.APPROVED if approve else Measurement.Status.REJECTED
    measurement.reviewed_by = actor
    measurement.save(update_fields=["status", "reviewed_by"])
    audit_record(
        action=f"performance.measurement.{'approved' if approve else 'rejected'}",
        actor=actor,
        obj=measurement,
    )
    if approve:
        scorecards_recompute(
            partnership=measurement.partnership, periods={measurement.period_start}
        )
    return measurement


@transaction.atomic
def measurement_correct(
    *, measurement: Measurement, actor: User | None, value: Decimal, note: str = ""
) -> Measurement:
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
        changes={"value": [str(old), str(value)]},
    )
    scorecards_recompute(partnership=measurement.partnership, periods={measurement.period_start})
    return measurement


# --- SLAs and the breach check -----------------------------------------------------------------


@transaction.atomic
def sla_create(
    *,
    actor: User | None,
    partnership: Partnership,
    kpi: Kpi,
    name: str,
    target: Decimal,
    breach_threshold: Decimal,
    tiers: list[tuple[Decimal, Decimal]] = (),
    **fields,
) -> Sla:
    """Create an SLA with its service-credit tiers [(threshold, percent of the period fee)]."""
    sla = Sla(
        organization=require_organization(),
        partnership=partnership,
        kpi=kpi,
        name=name,
        target=target,
        breach_threshold=breach_threshold,
        **fields,
    )
    sla.full_clean()
    sla.save()
    thresholds = [Decimal(t) for t, _ in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationError({"tiers": "Two credit tiers share the same threshold."})
    for threshold, percent in tiers:
        tier = SlaCreditTier(
            organization=sla.organization, sla=sla, threshold=threshold, percent_of_fee=percent
        )
        tier.full_clean(exclude=["sla"])
        tier.save()
    audit_record(
        action="performance.sla.created",
        actor=actor,
        obj=sla,
        changes={"tiers": [[str(t), str(p)] for t, p in tiers]},
    )
    return sla


# The one statement that computes breaches (the SELECT) and stores them (INSERT … ON CONFLICT DO
# NOTHING makes a rerun a no-op per (SLA, period)). Documented in docs/performance.md.
BREACH_INSERT_SQL = """
WITH measured AS (
    SELECT s.organization_id, s.id AS sla_id, s.partnership_id, m.period_start,
           CASE WHEN s.window_months = 1 THEN m.value ELSE (
               SELECT AVG(w.value) FROM performance_measurement w
               WHERE w.organization_id = s.organization_id AND w.kpi_id = s.kpi_id
                 AND w.status = 'approved'
                 AND w.period_start > m.period_start - make_interval(months => s.window_months)
                 AND w.period_start <= m.period_start
           ) END AS value,
           s.breach_threshold, k.direction, s.period_fee, s.currency, s.credit_cap_percent,
           s.remediation_days
    FROM performance_sla s
    JOIN performance_kpi k ON k.organization_id = s.organization_id AND k.id = s.kpi_id
    JOIN performance_measurement m
      ON m.organization_id = s.organization_id AND m.kpi_id = s.kpi_id
    WHERE s.organization_id = %(organization_id)s AND s.is_active
      AND m.status = 'approved'
      AND m.period_start BETWEEN %(period_from)s AND %(period_to)s
), breaching AS (
    SELECT measured.*,
           LEAST(COALESCE((
               SELECT t.percent_of_fee FROM performance_slacredittier t
               WHERE t.organization_id = measured.organization_id AND t.sla_id = measured.sla_id
                 AND CASE WHEN measured.direction = 'higher_is_better'
                          THEN measured.value <= t.threshold ELSE measured.value >= t.threshold END
               ORDER BY CASE WHEN measured.direction = 'higher_is_better' THEN t.threshold END ASC,
                        CASE WHEN measured.direction = 'lower_is_better' THEN t.threshold END DESC
               LIMIT 1), 0), COALESCE(measured.credit_cap_percent, 100)) AS credit_percent
    FROM measured
    WHERE CASE WHEN direction = 'higher_is_better'
               THEN value <= breach_threshold ELSE value >= breach_threshold END
)
INSERT INTO performance_slabreach (
    organization_id, sla_id, partnership_id, period_start, measured_value, breach_threshold,
    credit_percent, service_credit, currency, remediation_due, termination_trigger_met, status,
    created_at)
SELECT organization_id, sla_id, partnership_id, period_start, ROUND(value, 4), breach_threshold,
       credit_percent, ROUND(period_fee * credit_percent / 100, 2), currency,
       (period_start + make_interval(months => 1, days => remediation_days))::date, false, 'open',
       %(now)s
FROM breaching
ON CONFLICT (organization_id, sla_id, period_start) DO NOTHING
RETURNING id
"""

# Flags breaches that complete "N breaches within M months" and records since when the right
# to terminate exists (the same window rule as sla.termination_trigger_met).
TERMINATION_SQL = """
WITH flagged AS (
    UPDATE performance_slabreach b SET termination_trigger_met = true
    FROM performance_sla s
    WHERE b.organization_id = %(organization_id)s AND s.organization_id = b.organization_id
      AND s.id = b.sla_id AND s.termination_breach_count IS NOT NULL
      AND NOT b.termination_trigger_met AND b.status <> 'waived'
      AND b.period_start BETWEEN %(period_from)s AND %(period_to)s
      AND (SELECT COUNT(*) FROM performance_slabreach p
           WHERE p.organization_id = b.organization_id AND p.sla_id = b.sla_id
             AND p.status <> 'waived'
             AND p.period_start
                 > b.period_start - make_interval(months => s.termination_window_months)
             AND p.period_start <= b.period_start) >= s.termination_breach_count
    RETURNING b.sla_id, b.period_start
)
UPDATE performance_sla s SET termination_right_since = f.first_period
FROM (SELECT sla_id, MIN(period_start) AS first_period FROM flagged GROUP BY sla_id) f
WHERE s.organization_id = %(organization_id)s AND s.id = f.sla_id
  AND (s.termination_right_since IS NULL OR s.termination_right_since > f.first_period)
RETURNING s.id
"""

# Opens one RCA per SLA with repeated breaches in the window ending at period_to, unless one is
# open or the newest breach is older than the SLA's latest RCA (so a rerun opens nothing).
RCA_SQL = """
INSERT INTO performance_rootcauseanalysis (
    organization_id, partnership_id, sla_id, problem, responsible_party, causes, five_whys,
    status, effectiveness, created_at)
SELECT s.organization_id, s.partnership_id, s.id,
       'Repeated breaches of SLA "' || s.name || '": ' || COUNT(*) || ' in the '
         || s.termination_window_months || ' months to ' || to_char(%(period_to)s::date, 'YYYY-MM')
         || '.',
       'partner', '[]'::jsonb, '[]'::jsonb, 'open', '', %(now)s
FROM performance_sla s
JOIN performance_slabreach b ON b.organization_id = s.organization_id AND b.sla_id = s.id
WHERE s.organization_id = %(organization_id)s AND b.status <> 'waived'
  AND b.period_start > %(period_to)s::date - make_interval(months => s.termination_window_months)
  AND b.period_start <= %(period_to)s
  AND NOT EXISTS (SELECT 1 FROM performance_rootcauseanalysis r
                  WHERE r.organization_id = s.organization_id AND r.sla_id = s.id
                    AND r.status IN ('open', 'capa'))
GROUP BY s.id
HAVING COUNT(*) >= s.rca_breach_count
   AND MAX(b.created_at) > COALESCE(
       (SELECT MAX(r.created_at) FROM performance_rootcauseanalysis r
        WHERE r.organization_id = s.organization_id AND r.sla_id = s.id), '-infinity')
ON CONFLICT DO NOTHING
RETURNING id
"""


@dataclass(frozen=True)
class BreachCheckResult:
    period_from: date
    period_to: date
    breaches_created: int
    termination_triggers: int
    rcas_opened: int
    notifications: int


def _notify_new_breaches(*, organization, now: datetime) -> int:
    """One message per owner listing the breaches not notified yet; then they are marked."""
    # Plain rows, not model instances: on a large tenant a month brings a thousand breaches.
    pending = list(
        SlaBreach.objects.filter(notified_at__isnull=True)
        .order_by("id")
        .values(
            "id",
            "period_start",
            "measured_value",
            "breach_threshold",
            "currency",
            "service_credit",
            "termination_trigger_met",
            "sla__name",
            "partnership__name",
            recipient_id=Coalesce("sla__owner_id", "partnership__owner_id"),
        )
    )
    if not pending:
        return 0
    by_recipient: dict[int, list[dict]] = {}
    for breach in pending:
        if breach["recipient_id"] is not None:
            by_recipient.setdefault(breach["recipient_id"], []).append(breach)
    recipients = User.objects.in_bulk(list(by_recipient))
    url = reverse("performance-slas", args=[organization.slug])
    sent = 0
    for recipient_id, breaches in by_recipient.items():
        lines = [
            f"{b['partnership__name']} · {b['sla__name']} · {b['period_start']:%Y-%m}: measured "
            f"{b['measured_value'].normalize():f} "
            f"(breach at {b['breach_threshold'].normalize():f}), "
            f"service credit {b['currency']} {b['service_credit']:,.2f}"
            + (" · termination trigger met" if b["termination_trigger_met"] else "")
            for b in breaches
        ]
        sent += len(
            notify(
                recipients=[recipients[recipient_id]],
                title=f"{len(breaches)} new SLA breach{'es' if len(breaches) > 1 else ''}",
                body="\n".join(lines),
                url=url,
                dedupe_key=f"sla-breaches:{breaches[0]['id']}-{breaches[-1]['id']}",
            )
        )
    SlaBreach.objects.filter(pk__in=[b["id"] for b in pending]).update(notified_at=now)
    return sent


def _notify_termination_rights(*, organization, sla_ids: list[int]) -> None:
    """Tell each owner about the SLAs that gained a right to terminate in this check.

    `sla_ids` are the SLAs whose `termination_right_since` this check set, so a rerun has none;
    one message per owner however many SLAs (a large tenant's first check finds hundreds).
    """
    by_recipient: dict[int, tuple[User, list[Sla]]] = {}
    for sla in Sla.objects.filter(pk__in=sla_ids).select_related("owner", "partnership__owner"):
        recipient = sla.owner or sla.partnership.owner
        if recipient is not None:
            by_recipient.setdefault(recipient.pk, (recipient, []))[1].append(sla)
    url = reverse("performance-slas", args=[organization.slug])
    for recipient, slas in by_recipient.values():
        slas.sort(key=lambda sla: sla.pk)
        lines = [
            f"{sla.partnership.name} · {sla.name}: {sla.termination_breach_count} breaches "
            f"within {sla.termination_window_months} months since "
            f"{sla.termination_right_since:%Y-%m}."
            for sla in slas
        ]
        first = slas[0]
        if len(slas) == 1:
            title = f"{first.partnership.name}: right to terminate ({first.name})"
        else:
            title = f"Right to terminate under {len(slas)} SLAs"
        notify(
            recipients=[recipient],
            title=title,
            body="\n".join(lines),
            url=url,
            dedupe_key=f"sla-termination:{first.pk}:{first.termination_right_since}"
            + (f"+{len(slas) - 1}" if len(slas) > 1 else ""),
        )


@transaction.atomic
def sla_breach_check(
    *, period_from: date, period_to: date, now: datetime, actor: User | None = None
) -> BreachCheckResult:
    """Find every SLA breach of the current organization between two months, set-based.

    A handful of statements for the whole tenant: a lock, one INSERT … SELECT … ON CONFLICT DO
    NOTHING that computes and stores the breaches with their service credit, one UPDATE for the
    termination triggers, one INSERT for root-cause analyses, and one notification per owner
    for breaches not notified yet. Rerunning it changes nothing.
    """
    organization = require_organization()
    params = {
        "organization_id": organization.pk,
        "period_from": month_start(period_from),
        "period_to": month_start(period_to),
        "now": now,
    }
    with connection.cursor() as cursor:
        # Two checks of one tenant at once would race on notifications; serialise them.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_BREACH_LOCK_NAMESPACE, organization.pk]
        )
        cursor.execute(BREACH_INSERT_SQL, params)
        created = cursor.rowcount
        cursor.execute(TERMINATION_SQL, params)
        rights = [row[0] for row in cursor.fetchall()]
        triggered = len(rights)
        cursor.execute(RCA_SQL, params)
        rcas = cursor.rowcount
    if rights:
        _notify_termination_rights(organization=organization, sla_ids=rights)
    sent = _notify_new_breaches(organization=organization, now=now)
    result = BreachCheckResult(
        period_from=params["period_from"],
        period_to=params["period_to"],
        breaches_created=created,
        termination_triggers=triggered,
        rcas_opened=rcas,
        notifications=sent,
    )
    if created or triggered or rcas:
        audit_record(
            action="performance.sla_breach_check.completed",
            actor=actor,
            actor_label="" if actor else "system: SLA breach check",
            changes={
                "from": str(result.period_from),
                "to": str(result.period_to),
                "breaches": created,
                "termination_triggers": triggered,
                "rcas": rcas,
            },
        )
    if created:
        affected = (
            SlaBreach.objects.filter(period_start__range=(result.period_from, result.period_to))
            .values_list("partnership_id", flat=True)
            .distinct()
        )
        cache.delete_many([_scorecard_cache_key(organization.pk, pid) for pid in affected])
    return result


@transaction.atomic
def sla_breach_set_status(*, breach: SlaBreach, actor: User | None, status: str) -> SlaBreach:
    if status not in SlaBreach.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    old = breach.status
    breach.status = status
    breach.save(update_fields=["status"])
    audit_record(
        action=f"performance.sla_breach.{status}",
        actor=actor,
        obj=breach,
        changes={"status": [old, status]},
    )
    return breach


# --- Scorecards --------------------------------------------------------------------------------


def _scorecard_cache_key(organization_id: int, partnership_id: int) -> str:
    return f"org:{organization_id}:performance:scorecards:{partnership_id}"


def organization_standings() -> list[Standing]:
    bands = [
        Standing(band.name, band.min_score, band.max_score, band.action)
        for band in StandingBand.objects.all()
    ]
    return bands or list(DEFAULT_STANDINGS)


@transaction.atomic
def standings_replace(
    *, actor: User | None, bands: list[tuple[str, Decimal, Decimal, str]]
) -> None:
    """Replace the organization's standings; refused unless they cover 0-100 exactly once."""
    try:
        validate_standings([Standing(*band) for band in bands])
    except StandingsError as error:
        raise ValidationError({"standings": str(error)}) from None
    StandingBand.objects.all().delete()
    organization = require_organization()
    for name, low, high, action in bands:
        StandingBand.objects.create(
            organization=organization, name=name, min_score=low, max_score=high, action=action
        )
    audit_record(
        action="performance.standings.replaced",
        actor=actor,
        changes={"bands": [[n, str(lo), str(hi), a] for n, lo, hi, a in bands]},
    )


def _period_values(kpis: list[Kpi], measured: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """Measured values plus formula KPIs evaluated in dependency order (None = no data)."""
    values: dict[str, Decimal | None] = dict(measured)
    known = {kpi.code for kpi in kpis}
    formulas = {}
    for kpi in kpis:
        if kpi.is_formula:
            try:
                formulas[kpi.code] = parse_formula(kpi.formula, known - {kpi.code})
            except FormulaError:
                values[kpi.code] = None
    for _ in range(len(formulas) + 1):
        progressed = False
        for code, formula in list(formulas.items()):
            if all(v not in formulas for v in formula.variables):
                values[code] = formula.evaluate(values)
                del formulas[code]
                progressed = True
        if not progressed:
            break
    for code in formulas:  # a cycle slipped past validation: no data rather than a guess
        values[code] = None
    return values


def _criterion_rows(kpis: list[Kpi], values: dict[str, Decimal | None]):
    rows, inputs = [], []
    for kpi in kpis:
        value = values.get(kpi.code)
        if kpi.weight == 0:
            continue
        score = criterion_score(
            value=value,
            target=kpi.target,
            direction=kpi.direction,
            red_threshold=kpi.red_threshold,
            amber_threshold=kpi.amber_threshold,
        )
        rag = rag_status(
            value=value,
            target=kpi.target,
            direction=kpi.direction,
            red_threshold=kpi.red_threshold,
            amber_threshold=kpi.amber_threshold,
        )
        inputs.append(CriterionInput(kpi.code, kpi.perspective, kpi.weight, score))
        rows.append({"kpi": kpi, "value": value, "score": score, "rag": rag})
    return rows, inputs


def scorecard_compute(
    *, partnership: Partnership, period_start: date, force: bool = False
) -> Scorecard:
    """Compute (or recompute) the scorecard of one month. A published one is frozen unless
    `force` (an upheld appeal)."""
    period = month_start(period_start)
    organization = require_organization()
    kpis = list(
        Kpi.objects.filter(partnership=partnership, is_active=True).order_by("perspective", "code")
    )
    quarter = quarter_start(period)
    measured = {}
    for kpi_code, frequency, start, value in Measurement.objects.filter(
        partnership=partnership,
        status=Measurement.Status.APPROVED,
        period_start__in={period, quarter},
    ).values_list("kpi__code", "kpi__frequency", "period_start", "value"):
        if start == period or (frequency == "quarterly" and start == quarter):
            measured[kpi_code] = value
    values = _period_values(kpis, measured)
    rows, inputs = _criterion_rows(kpis, values)
    result = period_score(inputs)
    by_code = {b.code: b for b in result.criteria}
    breakdown = []
    for row in rows:
        kpi, part = row["kpi"], by_code[row["kpi"].code]
        breakdown.append(
            {
                "code": kpi.code,
                "name": kpi.name,
                "perspective": kpi.perspective,
                "unit": kpi.unit,
                "target": _json_decimal(kpi.target),
                "value": _json_decimal(row["value"]),
                "score": _json_decimal(row["score"]),
                "rag": row["rag"],
                "weight": _json_decimal(part.weight),
                "effective_weight": None
                if part.effective_weight is None
                else str(part.effective_weight.quantize(Decimal("0.0001"))),
                "contribution": _json_decimal(part.contribution),
                "formula": kpi.formula,
            }
        )
    previous = list(
        Scorecard.objects.filter(partnership=partnership, period_start__lt=period)
        .order_by("-period_start")
        .values_list("period_start", "total")[: ROLLING_PERIODS - 1]
    )
    history = [(period, result.total), *previous]
    rolling = rolling_score(history, decay=ROLLING_DECAY)
    previous_total = next(
        (total for start, total in previous if start == add_months(period, -1)), None
    )
    standing = standing_for(
        rolling if rolling is not None else result.total, organization_standings()
    )

    scorecard = Scorecard.objects.filter(partnership=partnership, period_start=period).first()
    if scorecard is not None and scorecard.status == Scorecard.Status.PUBLISHED and not force:
        return scorecard
    scorecard = scorecard or Scorecard(
        organization=organization, partnership=partnership, period_start=period
    )
    scorecard.total = result.total
    scorecard.rolling_score = rolling
    scorecard.trend = trend(result.total, previous_total)
    scorecard.perspectives = {k.value: _json_decimal(v) for k, v in result.perspectives.items()}
    scorecard.breakdown = breakdown
    scorecard.standing = standing.name if standing else ""
    scorecard.standing_action = standing.action.value if standing else ""
    scorecard.computed_at = timezone.now()
    scorecard.save()
    cache.delete(_scorecard_cache_key(organization.pk, partnership.pk))
    return scorecard


def scorecards_recompute(*, partnership: Partnership, periods) -> list[Scorecard]:
    """Recompute the given months and every later month that already has a scorecard (their
    rolling score and trend depend on the earlier ones)."""
    periods = sorted({month_start(p) for p in periods})
    if not periods:
        return []
    later = Scorecard.objects.filter(
        partnership=partnership, period_start__gt=periods[0]
    ).values_list("period_start", flat=True)
    return [
        scorecard_compute(partnership=partnership, period_start=period)
        for period in sorted(set(periods) | set(later))
    ]


@transaction.atomic
def scorecard_publish(*, scorecard: Scorecard, actor: User | None) -> Scorecard:
    if scorecard.status == Scorecard.Status.PUBLISHED:
        raise ConflictError("This scorecard is already published.")
    scorecard.status = Scorecard.Status.PUBLISHED
    scorecard.published_at = timezone.now()
    scorecard.save(update_fields=["status", "published_at"])
    audit_record(action="performance.scorecard.published", actor=actor, obj=scorecard)
    return scorecard


@transaction.atomic
def scorecard_acknowledge(*, scorecard: Scorecard, actor: User, side: str) -> Scorecard:
    """Either party acknowledges a published scorecard (once per side)."""
    if scorecard.status != Scorecard.Status.PUBLISHED:
        raise ConflictError("Only a published scorecard can be acknowledged.")
    field_name = "acknowledged_by_partner" if side == Side.PARTNER else "acknowledged_by_buyer"
    if getattr(scorecard, f"{field_name}_id"):
        raise ConflictError("This side has already acknowledged the scorecard.")
    setattr(scorecard, field_name, actor)
    setattr(scorecard, f"{field_name}_at", timezone.now())
    scorecard.save(update_fields=[field_name, f"{field_name}_at"])
    audit_record(
        action="performance.scorecard.acknowledged",
        actor=actor,
        obj=scorecard,
        changes={"side": side},
    )
    return scorecard


@transaction.atomic
def scorecard_appeal_raise(
    *, scorecard: Scorecard, actor: User, criterion_code: str, comment: str
) -> ScorecardAppeal:
    if scorecard.status != Scorecard.Status.PUBLISHED:
        raise ConflictError("Only a published scorecard can be appealed.")
    if criterion_code not in {row["code"] for row in scorecard.breakdown}:
        raise ValidationError({"criterion_code": f"“{criterion_code}” is not on this scorecard."})
    if not comment.strip():
        raise ValidationError({"comment": "Say why the criterion is disputed."})
    appeal = ScorecardAppeal.objects.create(
        organization=require_organization(),
        scorecard=scorecard,
        partnership_id=scorecard.partnership_id,
        criterion_code=criterion_code,
        comment=comment.strip(),
        raised_by=actor,
    )
    audit_record(
        action="performance.scorecard_appeal.raised",
        actor=actor,
        obj=appeal,
        changes={"criterion": criterion_code},
    )
    notify(
        recipients=[scorecard.partnership.owner],
        title=f"Scorecard appeal on {criterion_code} ({scorecard.period_start:%Y-%m})",
        body=comment,
        url=reverse(
            "partnership-performance",
            args=[require_organization().slug, scorecard.partnership_id],
        ),
        dedupe_key=f"appeal:{appeal.pk}",
    )
    return appeal


@transaction.atomic
def scorecard_appeal_resolve(
    *, appeal: ScorecardAppeal, actor: User, uphold: bool, resolution: str
) -> ScorecardAppeal:
    if appeal.status != ScorecardAppeal.Status.OPEN:
        raise ConflictError("This appeal is already resolved.")
    if not resolution.strip():
        raise ValidationError({"resolution": "Explain the decision to the partner."})
    appeal.status = ScorecardAppeal.Status.UPHELD if uphold else ScorecardAppeal.Status.REJECTED
    appeal.resolution = resolution.strip()
    appeal.resolved_by = actor
    appeal.resolved_at = timezone.now()
    appeal.save()
    audit_record(action=f"performance.scorecard_appeal.{appeal.status}", actor=actor, obj=appeal)
    if uphold:  # the owner corrected the data: let the published scorecard follow it
        scorecard_compute(
            partnership=appeal.scorecard.partnership,
            period_start=appeal.scorecard.period_start,
            force=True,
        )
    return appeal


# --- Relationship health -----------------------------------------------------------------------


@transaction.atomic
def health_survey_submit(
    *,
    actor: User,
    partnership: Partnership,
    period_start: date,
    side: str,
    collaboration: int,
    communication: int,
    cultural_alignment: int,
    comment: str = "",
) -> HealthSurveyResponse:
    response = HealthSurveyResponse(
        organization=require_organization(),
        partnership=partnership,
        period_start=quarter_start(period_start),
        side=side,
        respondent=actor,
        collaboration=collaboration,
        communication=communication,
        cultural_alignment=cultural_alignment,
        comment=comment,
    )
    response.full_clean()
    response.save()
    audit_record(action="performance.health_survey.submitted", actor=actor, obj=response)
    return response


# --- PDF scorecards ----------------------------------------------------------------------------


def report_progress_key(organization_id: int, report_id: int) -> str:
    return f"org:{organization_id}:performance:report:{report_id}:progress"


@transaction.atomic
def report_request(
    *, partnership: Partnership, period_start: date, actor: User | None
) -> ScorecardReport:
    """Queue a PDF of the partnership's scorecard for a month (one report row per month)."""
    period = month_start(period_start)
    report, _ = ScorecardReport.objects.get_or_create(
        partnership=partnership,
        period_start=period,
        defaults={"organization": require_organization(), "requested_by": actor},
    )
    if report.status == ScorecardReport.Status.RUNNING:
        return report
    report.status = ScorecardReport.Status.QUEUED
    report.progress = 0
    report.error = ""
    report.requested_by = actor or report.requested_by
    report.save(update_fields=["status", "progress", "error", "requested_by"])
    audit_record(action="performance.scorecard_report.requested", actor=actor, obj=report)
    return report


def report_generate(*, report: ScorecardReport, now: datetime) -> ScorecardReport:
    """Render the PDF (WeasyPrint) and store it. Progress goes to the cache, since this runs in
    one transaction that other connections cannot see until it commits."""
    from performance.pdf import render_scorecard_pdf

    organization = require_organization()
    key = report_progress_key(organization.pk, report.pk)

    def progress(percent: int) -> None:
        cache.set(key, percent, timeout=3600)

    progress(5)
    pdf = render_scorecard_pdf(
        partnership=report.partnership, period_start=report.period_start, progress=progress
    )
    name = f"scorecard-{report.partnership.code}-{report.period_start:%Y-%m}.pdf"
    if report.file:
        report.file.delete(save=False)
    report.file.save(name, ContentFile(pdf), save=False)
    report.status = ScorecardReport.Status.DONE
    report.progress = 100
    report.generated_at = now
    report.error = ""
    report.save()
    progress(100)
    audit_record(action="performance.scorecard_report.generated", obj=report)
    return report


def report_run(*, report: ScorecardReport, now: datetime) -> str:
    """Generate a requested report once: running → done, or failed with the reason.

    The render runs in its own savepoint so a failure rolls back a half-stored file while the
    failed status and its reason are still recorded.
    """
    if report.status == ScorecardReport.Status.DONE and report.file:
        return report.status  # an earlier run already made it
    ScorecardReport.objects.filter(pk=report.pk).update(status=ScorecardReport.Status.RUNNING)
    try:
        with transaction.atomic():
            report = report_generate(report=report, now=now)
    except Exception as error:  # noqa: BLE001 - a failed render is recorded, not retried forever
        ScorecardReport.objects.filter(pk=report.pk).update(
            status=ScorecardReport.Status.FAILED, error=f"{error.__class__.__name__}: {error}"[:500]
        )
        return ScorecardReport.Status.FAILED
    return report.status


def reports_monthly_batch(*, period_start: date) -> list[ScorecardReport]:
    """Queue the month's scorecard PDF for every active partnership (existing ones are reused)."""
    period = month_start(period_start)
    reports = []
    for partnership in Partnership.objects.filter(status=Partnership.Status.ACTIVE):
        existing = ScorecardReport.objects.filter(
            partnership=partnership, period_start=period, status=ScorecardReport.Status.DONE
        ).first()
        if existing is not None:
            continue  # already generated: a rerun of the batch adds nothing
        scorecard_compute(partnership=partnership, period_start=period)
        reports.append(report_request(partnership=partnership, period_start=period, actor=None))
    return reports


# --- QBRs --------------------------------------------------------------------------------------


@transaction.atomic
def qbr_schedule(
    *,
    actor: User | None,
    partnership: Partnership,
    quarter: date,
    scheduled_at: datetime,
    attendees: list[User] = (),
    location: str = "",
) -> Qbr:
    """Schedule the review of a quarter (one per quarter) and fill its agenda."""
    quarter = quarter_start(quarter)
    if Qbr.objects.filter(partnership=partnership, quarter_start=quarter).exists():
        raise ValidationError({"quarter_start": "A QBR for this quarter already exists."})
    qbr = Qbr(
        organization=require_organization(),
        partnership=partnership,
        quarter_start=quarter,
        scheduled_at=scheduled_at,
        location=location,
    )
    qbr.full_clean()
    qbr.save()
    for user in attendees:
        QbrAttendee.objects.create(organization=qbr.organization, qbr=qbr, user=user)
    qbr.agenda = qbr_build_agenda(qbr=qbr)
    qbr.save(update_fields=["agenda"])
    audit_record(action="performance.qbr.scheduled", actor=actor, obj=qbr)
    return qbr


def qbr_schedule_year(
    *, actor: User | None, partnership: Partnership, year: int, attendees: list[User] = ()
) -> list[Qbr]:
    """The quarterly rhythm: a review in the third week after each quarter ends. Idempotent."""
    created = []
    for month in (1, 4, 7, 10):
        quarter = date(year, month, 1)
        if Qbr.objects.filter(partnership=partnership, quarter_start=quarter).exists():
            continue
        meeting_day = add_months(quarter, 3) + timedelta(days=14)
        created.append(
            qbr_schedule(
                actor=actor,
                partnership=partnership,
                quarter=quarter,
                scheduled_at=timezone.make_aware(datetime.combine(meeting_day, datetime.min.time()))
                + timedelta(hours=10),
                attendees=attendees,
            )
        )
    return created


def qbr_build_agenda(*, qbr: Qbr) -> list[dict]:
    """Agenda from the quarter's scorecards, SLA breaches and open action items."""
    end = add_months(qbr.quarter_start, 3)
    scorecards = list(
        Scorecard.objects.filter(
            partnership_id=qbr.partnership_id,
            period_start__gte=qbr.quarter_start,
            period_start__lt=end,
        ).order_by("period_start")
    )
    breaches = list(
        SlaBreach.objects.filter(
            partnership_id=qbr.partnership_id,
            period_start__gte=qbr.quarter_start,
            period_start__lt=end,
        ).select_related("sla")
    )
    actions = list(
        ActionItem.objects.filter(
            partnership_id=qbr.partnership_id, status__in=ActionItem.OPEN_STATUSES
        ).select_related("owner")
    )
    scores = ", ".join(
        f"{s.period_start:%b %Y}: {s.total if s.total is not None else 'N/A'}" for s in scorecards
    )
    return [
        {"title": "Scorecard review", "items": [scores or "No scorecard yet for this quarter."]},
        {
            "title": "SLA breaches",
            "items": [
                f"{b.sla.name} {b.period_start:%Y-%m}: {b.measured_value.normalize():f}, "
                f"credit {b.currency} {b.service_credit:,.2f}"
                for b in breaches
            ]
            or ["No breaches this quarter."],
        },
        {
            "title": "Open action items",
            "items": [
                f"{a.title} ({a.owner.display_name if a.owner else 'no owner'}, due {a.due_date})"
                for a in actions
            ]
            or ["None open."],
        },
        {"title": "Improvement initiatives and next quarter's priorities", "items": []},
    ]


@transaction.atomic
def qbr_record(
    *,
    qbr: Qbr,
    actor: User | None,
    minutes: str = "",
    decisions: str = "",
    attended_user_ids: list[int] | None = None,
) -> Qbr:
    """Record what happened: minutes, decisions and attendance; the QBR becomes held."""
    if qbr.status == Qbr.Status.CANCELLED:
        raise ConflictError("This QBR was cancelled.")
    qbr.minutes = minutes
    qbr.decisions = decisions
    qbr.status = Qbr.Status.HELD
    qbr.save(update_fields=["minutes", "decisions", "status"])
    if attended_user_ids is not None:
        for attendee in qbr.attendees.all():
            attendee.attended = attendee.user_id in set(attended_user_ids)
            attendee.save(update_fields=["attended"])
    audit_record(action="performance.qbr.held", actor=actor, obj=qbr)
    return qbr


@transaction.atomic
def action_item_create(
    *,
    actor: User | None,
    partnership: Partnership,
    title: str,
    due_date: date,
    owner: User | None = None,
    qbr: Qbr | None = None,
) -> ActionItem:
    item = ActionItem(
        organization=require_organization(),
        partnership=partnership,
        qbr=qbr,
        title=title,
        owner=owner,
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    audit_record(action="performance.action_item.created", actor=actor, obj=item)
    return item


@transaction.atomic
def action_item_set_status(*, item: ActionItem, actor: User | None, status: str) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    old = item.status
    item.status = status
    item.save(update_fields=["status"])
    audit_record(
        action="performance.action_item.status_changed",
        actor=actor,
        obj=item,
        changes={"status": [old, status]},
    )
    return item


def qbr_reminders_send(*, now: datetime, days_before: int = 7) -> int:
    """Remind attendees of QBRs in the next `days_before` days and owners of overdue actions.
    Each reminder is sent once (reminded_at / overdue_reminded_at plus a dedupe key)."""
    organization = require_organization()
    sent = 0
    attendees = QbrAttendee.objects.filter(
        reminded_at__isnull=True,
        qbr__status=Qbr.Status.SCHEDULED,
        qbr__scheduled_at__gte=now,
        qbr__scheduled_at__lte=now + timedelta(days=days_before),
    ).select_related("qbr__partnership", "user")
    for attendee in attendees:
        qbr = attendee.qbr
        sent += len(
            notify(
                recipients=[attendee.user],
                title=f"{qbr} of {qbr.partnership.name} on {qbr.scheduled_at:%d %b %Y %H:%M}",
                body="The agenda is ready in Partnerline.",
                url=reverse("partnership-qbrs", args=[organization.slug, qbr.partnership_id]),
                dedupe_key=f"qbr-reminder:{qbr.pk}",
            )
        )
        attendee.reminded_at = now
        attendee.save(update_fields=["reminded_at"])
    overdue = ActionItem.objects.filter(
        status__in=ActionItem.OPEN_STATUSES,
        due_date__lt=now.date(),
        overdue_reminded_at__isnull=True,
        owner__isnull=False,
    ).select_related("owner", "partnership")
    for item in overdue:
        sent += len(
            notify(
                recipients=[item.owner],
                title=f"Overdue action: {item.title}",
                body=f"{item.partnership.name}: due {item.due_date:%d %b %Y}.",
                url=reverse("performance-actions", args=[organization.slug]),
                dedupe_key=f"action-overdue:{item.pk}",
            )
        )
        item.overdue_reminded_at = now
        item.save(update_fields=["overdue_reminded_at"])
    return sent


def qbr_ical(*, qbr: Qbr) -> bytes:
    """An iCalendar invitation (METHOD:REQUEST) for the QBR, to every attendee."""
    from icalendar import Calendar, Event, vCalAddress

    calendar = Calendar()
    calendar.add("prodid", "-//Partnerline//QBR//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"qbr-{qbr.pk}@{qbr.organization.slug}.partnerline")
    event.add("summary", f"{qbr} · {qbr.partnership.name}")
    event.add("dtstart", qbr.scheduled_at)
    event.add("dtend", qbr.scheduled_at + timedelta(minutes=qbr.duration_minutes))
    event.add("dtstamp", qbr.created_at)
    if qbr.location:
        event.add("location", qbr.location)
    event.add(
        "description",
        "\n".join(
            f"{i}. {section['title']}" for i, section in enumerate(qbr.agenda or [], start=1)
        ),
    )
    for attendee in qbr.attendees.select_related("user"):
        address = vCalAddress(f"mailto:{attendee.user.email}")
        address.params["cn"] = attendee.user.display_name
        address.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", address, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


# --- RCA and CAPA ------------------------------------------------------------------------------


@transaction.atomic
def rca_create(
    *,
    actor: User | None,
    partnership: Partnership,
    problem: str,
    sla: Sla | None = None,
    responsible_party: str = Side.PARTNER,
) -> RootCauseAnalysis:
    rca = RootCauseAnalysis(
        organization=require_organization(),
        partnership=partnership,
        sla=sla,
        problem=problem,
        responsible_party=responsible_party,
    )
    rca.full_clean()
    rca.save()
    audit_record(action="performance.rca.opened", actor=actor, obj=rca)
    return rca


@transaction.atomic
def rca_update(
    *,
    rca: RootCauseAnalysis,
    actor: User | None,
    causes: list | None = None,
    five_whys: list | None = None,
    problem: str | None = None,
) -> RootCauseAnalysis:
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("A closed analysis cannot be edited.")
    fields = {}
    if causes is not None:
        fields["causes"] = causes
    if five_whys is not None:
        fields["five_whys"] = [w for w in five_whys if str(w).strip()]
    if problem is not None:
        fields["problem"] = problem
    changes = changed_fields(rca, fields)
    rca.full_clean()
    rca.save()
    audit_record(action="performance.rca.updated", actor=actor, obj=rca, changes=changes)
    return rca


@transaction.atomic
def capa_add(
    *,
    rca: RootCauseAnalysis,
    actor: User | None,
    description: str,
    due_date: date,
    owner: User | None = None,
    kind: str = "corrective",
) -> CorrectiveAction:
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("A closed analysis takes no more actions.")
    action = CorrectiveAction(
        organization=require_organization(),
        rca=rca,
        partnership_id=rca.partnership_id,
        description=description,
        due_date=due_date,
        owner=owner,
        kind=kind,
    )
    action.full_clean()
    action.save()
    if rca.status == RootCauseAnalysis.Status.OPEN:
        rca.status = RootCauseAnalysis.Status.CAPA
        rca.save(update_fields=["status"])
    audit_record(action="performance.capa.added", actor=actor, obj=action)
    return action


@transaction.atomic
def capa_complete(*, action: CorrectiveAction, actor: User | None) -> CorrectiveAction:
    if action.status == CorrectiveAction.Status.DONE:
        raise ConflictError("This action is already done.")
    action.status = CorrectiveAction.Status.DONE
    action.completed_at = timezone.now()
    action.save(update_fields=["status", "completed_at"])
    audit_record(action="performance.capa.completed", actor=actor, obj=action)
    return action


@transaction.atomic
def rca_close(
    *, rca: RootCauseAnalysis, actor: User | None, today: date, check_after_days: int = 90
) -> RootCauseAnalysis:
    """Close once every corrective action is done; schedule the effectiveness check."""
    if rca.status == RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("This analysis is already closed.")
    if not rca.actions.exists():
        raise ConflictError("Add at least one corrective action before closing.")
    if rca.actions.exclude(status=CorrectiveAction.Status.DONE).exists():
        raise ConflictError("Every corrective action must be done before closing.")
    rca.status = RootCauseAnalysis.Status.CLOSED
    rca.closed_at = timezone.now()
    rca.effectiveness_check_due = today + timedelta(days=check_after_days)
    rca.save(update_fields=["status", "closed_at", "effectiveness_check_due"])
    audit_record(action="performance.rca.closed", actor=actor, obj=rca)
    return rca


@transaction.atomic
def rca_effectiveness_record(
    *, rca: RootCauseAnalysis, actor: User | None, effective: bool
) -> RootCauseAnalysis:
    """After closing: were the actions effective? If not, the analysis reopens for new CAPA."""
    if rca.status != RootCauseAnalysis.Status.CLOSED:
        raise ConflictError("Check effectiveness after closing the analysis.")
    rca.effectiveness = (
        RootCauseAnalysis.Effectiveness.EFFECTIVE
        if effective
        else RootCauseAnalysis.Effectiveness.NOT_EFFECTIVE
    )
    if not effective:
        rca.status = RootCauseAnalysis.Status.CAPA
    rca.save(update_fields=["effectiveness", "status"])
    audit_record(
        action="performance.rca.effectiveness_checked",
        actor=actor,
        obj=rca,
        changes={"effective": effective},
    )
    return rca


# --- Improvement initiatives -------------------------------------------------------------------


@transaction.atomic
def initiative_create(
    *, actor: User | None, partnership: Partnership, **fields
) -> ImprovementInitiative:
    initiative = ImprovementInitiative(
        organization=require_organization(), partnership=partnership, **fields
    )
    initiative.full_clean()
    initiative.save()
    audit_record(action="performance.initiative.created", actor=actor, obj=initiative)
    return initiative


@transaction.atomic
def initiative_update(
    *, initiative: ImprovementInitiative, actor: User | None, **fields
) -> ImprovementInitiative:
    allowed = (
        "title",
        "description",
        "impact",
        "effort",
        "status",
        "expected_benefit",
        "realised_benefit",
        "currency",
    )
    changes = changed_fields(initiative, {k: v for k, v in fields.items() if k in allowed})
    initiative.full_clean()
    initiative.save()
    if changes:
        audit_record(
            action="performance.initiative.updated",
            actor=actor,
            obj=initiative,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return initiative
