"""SLAs, their credit tiers and the set-based breach check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from integrations.services import webhook_events_raise
from partnerships.models import Partnership
from performance.models import (
    BREACH_LIFECYCLE,
    SLA_VERSIONED_TERMS,
    Kpi,
    Measurement,
    Sla,
    SlaBreach,
    SlaCreditTier,
    SlaVersion,
)
from performance.periods import add_months, month_start
from performance.services.scorecards import _scorecard_cache_key
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff

_BREACH_LOCK_NAMESPACE = 7_401


SLA_FIELDS = (
    "name",
    "target",
    "breach_threshold",
    "window_months",
    "period_fee",
    "currency",
    "credit_cap_percent",
    "remediation_days",
    "termination_breach_count",
    "termination_window_months",
    "rca_breach_count",
    "owner",
    "is_active",
)


def _clean_tiers(*, direction: str, breach_threshold: Decimal, tiers) -> list[tuple]:
    """The credit tiers [(threshold, percent of the period fee)] as Decimals, refusing two tiers
    at one threshold, a tier on the good side of the breach threshold, or a percentage outside
    0-100."""
    try:
        tiers = [(Decimal(str(t)), Decimal(str(p))) for t, p in tiers]
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError(
            {"tiers": "Give each tier as a threshold and a percentage."}
        ) from None
    thresholds = [t for t, _ in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationError({"tiers": "Two credit tiers share the same threshold."})
    higher = direction == "higher_is_better"
    for threshold, percent in tiers:
        if (higher and threshold > breach_threshold) or (
            not higher and threshold < breach_threshold
        ):
            raise ValidationError(
                {"tiers": f"The tier at {threshold.normalize():f} is not a breach."}
            )
        if not Decimal(0) <= percent <= Decimal(100):
            raise ValidationError(
                {"tiers": f"{threshold.normalize():f}: the percentage must be within 0-100."}
            )
    return sorted(tiers)


def _tiers_json(tiers: Sequence[tuple[Decimal, Decimal]]) -> list[dict[str, str]]:
    return [
        {"threshold": f"{t.normalize():f}", "percent_of_fee": f"{p.normalize():f}"}
        for t, p in tiers
    ]


def _replace_tiers(*, sla: Sla, tiers) -> None:
    """Store the credit tiers [(threshold, percent of the period fee)] (see `_clean_tiers`)."""
    tiers = [(Decimal(str(t)), Decimal(str(p))) for t, p in tiers]
    thresholds = [t for t, _ in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationError({"tiers": "Two credit tiers share the same threshold."})
    higher = sla.kpi.direction == "higher_is_better"
    for threshold, _ in tiers:
        if (higher and threshold > sla.breach_threshold) or (
            not higher and threshold < sla.breach_threshold
        ):
            raise ValidationError(
                {"tiers": f"The tier at {threshold.normalize():f} is not a breach."}
            )
    SlaCreditTier.objects.filter(sla=sla).delete()
    for threshold, percent in tiers:
        tier = SlaCreditTier(
            organization=sla.organization, sla=sla, threshold=threshold, percent_of_fee=percent
        )
        try:
            tier.full_clean(exclude=["sla"])
        except ValidationError as error:
            raise ValidationError(
                {"tiers": [f"{threshold.normalize():f}: {m}" for m in error.messages]}
            ) from None
        tier.save()


@transaction.atomic
def sla_create(
    *,
    actor: User | None,
    partnership: Partnership,
    kpi: Kpi,
    name: str,
    target: Decimal,
    breach_threshold: Decimal,
    tiers: Sequence[tuple[Decimal, Decimal]] = (),
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
        **{k: v for k, v in fields.items() if k in SLA_FIELDS},
    )
    require_staff(sla, "owner")
    sla.full_clean()
    sla.save()
    _replace_tiers(sla=sla, tiers=tiers)
    # The original terms are the SLA's first version (the history a change request extends),
    # from the month it is agreed or its metric's first measurement, whichever is earlier.
    first_measured = Measurement.objects.filter(kpi=kpi).aggregate(first=Min("period_start"))
    SlaVersion.objects.create(
        organization=sla.organization,
        sla=sla,
        effective_from=min(
            month_start(timezone.localdate(sla.created_at)), first_measured["first"] or date.max
        ),
        tiers=_tiers_json(sorted((Decimal(str(t)), Decimal(str(p))) for t, p in tiers)),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=sla.created_at,
        applied_at=sla.created_at,
        **{term: getattr(sla, term) for term in SLA_VERSIONED_TERMS},
    )
    audit_record(
        action="performance.sla.created",
        actor=actor,
        obj=sla,
        changes={"tiers": [[str(t), str(p)] for t, p in tiers]},
    )
    return sla


def sla_terms_governed_reason(sla: Sla) -> str:
    """Why the SLA's terms no longer change by editing (empty: they still may).

    The terms of an SLA that has been judged (a breach is recorded) or changed by a change
    request are its history: they change only through a change request, from a month on."""
    if SlaBreach.objects.filter(sla=sla).exists() or sla.versions.count() > 1:
        return (
            f"The terms of “{sla.name}” have been applied or changed since they were agreed: "
            "propose the new terms in a change request (service level) from a month on."
        )
    return ""


@transaction.atomic
def sla_update(*, sla: Sla, actor: User | None, tiers=None, **fields) -> Sla:
    """Edit an SLA's name, owner, termination trigger and the like, and correct its terms
    (thresholds, window, fee, credit tiers) while no breach was judged by them and no change
    request changed them; afterwards the terms change through a change request (a 409
    `sla_terms_governed`). Breaches already found keep the credit computed when they were found."""
    sla = Sla.objects.select_for_update().select_related("kpi").get(pk=sla.pk)
    owner_given = "owner" in fields
    owner = fields.pop("owner", None)
    # changed_fields re-reads the row first: the owner is set after it, or it would be lost.
    changes = changed_fields(sla, {k: v for k, v in fields.items() if k in SLA_FIELDS})
    if owner_given and (owner.pk if owner else None) != sla.owner_id:
        # recorded by id: the audit trail stores no model instances
        changes["owner"] = [sla.owner_id, owner.pk if owner else None]
        sla.owner = owner
    require_staff(sla, "owner", changes=changes)
    sla.full_clean()
    old_tiers = [[str(t.threshold), str(t.percent_of_fee)] for t in sla.tiers.all()]
    new_tiers = old_tiers
    if tiers is not None:
        new_tiers = [[str(Decimal(str(t))), str(Decimal(str(p)))] for t, p in tiers]
        if sorted((Decimal(t), Decimal(p)) for t, p in old_tiers) != sorted(
            (Decimal(t), Decimal(p)) for t, p in new_tiers
        ):
            changes["tiers"] = (old_tiers, new_tiers)
    terms_changed = "tiers" in changes or any(term in changes for term in SLA_VERSIONED_TERMS)
    if terms_changed:
        reason = sla_terms_governed_reason(sla)
        if reason:
            raise ConflictError(reason, code="sla_terms_governed")
    sla.save()
    if tiers is not None:
        _replace_tiers(sla=sla, tiers=tiers)
    if terms_changed:  # a correction of the original terms: their version says the same
        sla.versions.update(
            tiers=_tiers_json(sorted((t.threshold, t.percent_of_fee) for t in sla.tiers.all())),
            **{term: getattr(sla, term) for term in SLA_VERSIONED_TERMS},
        )
    if changes:
        audit_record(
            action="performance.sla.updated",
            actor=actor,
            obj=sla,
            changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
        )
    return sla


# --- versions: the terms of an SLA from a month on --------------------------------------------


def sla_version_check(
    *,
    sla: Sla,
    effective_from: date,
    target: Decimal,
    breach_threshold: Decimal,
    window_months: int,
    tiers: Sequence[tuple[Decimal, Decimal]] = (),
    period_fee: Decimal | None = None,
) -> dict[str, Any]:
    """The terms of a new version of `sla` from `effective_from`, or why there can be none.

    - it starts on the first of a month, after every version the SLA has (history is appended,
      never reordered);
    - no breach is recorded for that month or a later one: those months were judged, with their
      service credits, by the terms then in force, and a version never rewrites them (409
      `sla_already_judged`, saying the earliest month a new version may start);
    - the terms themselves are valid (breach threshold on the failing side of the target,
      window 1-12 months, fee not negative, credit tiers beyond the breach threshold).
    """
    missing = {
        name: message
        for name, value, message in (
            ("effective_from", effective_from, "Give the month the new terms start from."),
            ("target", target, "Give the target."),
            ("breach_threshold", breach_threshold, "Give the breach threshold."),
        )
        if value is None
    }
    if missing:
        raise ValidationError(missing)
    if effective_from.day != 1:
        raise ValidationError({"effective_from": "A version applies from the first of a month."})
    latest = sla.versions.order_by("-effective_from").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": f"“{sla.name}” has terms from {latest.effective_from:%Y-%m}: "
                "new terms start in a later month."
            }
        )
    judged = list(
        SlaBreach.objects.filter(sla=sla, period_start__gte=effective_from)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    if judged:
        months = ", ".join(f"{m:%Y-%m}" for m in judged[:6]) + ("…" if len(judged) > 6 else "")
        after = judged[-1]
        earliest = date(after.year + after.month // 12, after.month % 12 + 1, 1)
        raise ConflictError(
            f"Breaches of “{sla.name}” are already recorded for {months} with their service "
            f"credits, judged by the terms then in force: new terms may start from "
            f"{earliest:%Y-%m} at the earliest.",
            code="sla_already_judged",
        )
    errors: dict[str, str] = {}
    if window_months is None or not 1 <= int(window_months) <= 12:
        errors["window_months"] = "The window is 1 to 12 months."
    if period_fee is not None and period_fee < 0:
        errors["period_fee"] = "The fee of a period is not negative."
    higher = sla.kpi.direction == "higher_is_better"
    if (higher and breach_threshold > target) or (not higher and breach_threshold < target):
        errors["breach_threshold"] = "The breach threshold is on the good side of the target."
    if errors:
        raise ValidationError(errors)
    clean_tiers = _clean_tiers(
        direction=sla.kpi.direction, breach_threshold=breach_threshold, tiers=tiers
    )
    return {
        "effective_from": effective_from,
        "target": target,
        "breach_threshold": breach_threshold,
        "window_months": int(window_months),
        "period_fee": period_fee if period_fee is not None else sla.period_fee,
        "currency": sla.currency,
        "credit_cap_percent": sla.credit_cap_percent,
        "tiers": clean_tiers,
    }


def _apply_version(sla: Sla, version: SlaVersion) -> None:
    """Copy a version's terms onto the SLA row (the terms in force now) and its tier table."""
    for term in SLA_VERSIONED_TERMS:
        setattr(sla, term, getattr(version, term))
    sla.save(update_fields=list(SLA_VERSIONED_TERMS))
    SlaCreditTier.objects.filter(sla=sla).delete()
    SlaCreditTier.objects.bulk_create(
        SlaCreditTier(organization=sla.organization, sla=sla, threshold=t, percent_of_fee=p)
        for t, p in version.tier_list
    )


@transaction.atomic
def sla_version_create(
    *,
    sla: Sla,
    actor: User | None,
    now: datetime,
    effective_from: date,
    target: Decimal,
    breach_threshold: Decimal,
    window_months: int,
    tiers: Sequence[tuple[Decimal, Decimal]] = (),
    period_fee: Decimal | None = None,
    source_reference: str = "",
) -> SlaVersion:
    """Record new terms of `sla` from `effective_from` (the rules: `sla_version_check`).

    Months before it keep being judged by the version then in force. When the month has begun
    the SLA row takes the new terms now; otherwise the breach check's `sla_versions_apply_due`
    does when it comes."""
    sla = Sla.objects.select_for_update().select_related("kpi").get(pk=sla.pk)
    terms = sla_version_check(
        sla=sla,
        effective_from=effective_from,
        target=target,
        breach_threshold=breach_threshold,
        window_months=window_months,
        tiers=tiers,
        period_fee=period_fee,
    )
    clean_tiers = terms.pop("tiers")
    version = SlaVersion(
        organization=sla.organization,
        sla=sla,
        tiers=_tiers_json(clean_tiers),
        source_reference=source_reference[:40],
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
        **terms,
    )
    version.full_clean(exclude=["sla"])
    version.save()
    if effective_from <= month_start(timezone.localdate(now)):
        _apply_version(sla, version)
        SlaVersion.objects.filter(sla=sla, applied_at__isnull=True).update(applied_at=now)
    audit_record(
        action="performance.sla.version_created",
        actor=actor,
        obj=sla,
        changes={
            "effective_from": f"{effective_from:%Y-%m}",
            "source": source_reference,
            "target": str(target),
            "breach_threshold": str(breach_threshold),
            "window_months": int(window_months),
            "period_fee": str(version.period_fee),
            "tiers": version.tiers,
        },
    )
    return version


@transaction.atomic(savepoint=False)
def sla_versions_apply_due(*, now: datetime) -> int:
    """Give every SLA whose new terms have come into force (their month has begun) those terms
    on its row; returns how many SLAs changed. One query finds the versions due (a partial
    index holds only those not applied yet)."""
    due = list(
        SlaVersion.objects.filter(
            applied_at__isnull=True, effective_from__lte=month_start(timezone.localdate(now))
        ).order_by("sla_id", "effective_from")
    )
    latest: dict[int, SlaVersion] = {}
    for version in due:
        latest[version.sla_id] = version
    slas = Sla.objects.select_for_update().in_bulk(list(latest))
    for sla_id, version in latest.items():
        _apply_version(slas[sla_id], version)
    SlaVersion.objects.filter(pk__in=[v.pk for v in due]).update(applied_at=now)
    return len(latest)


# The one statement that computes breaches (the SELECT) and stores them (INSERT … ON CONFLICT DO
# NOTHING makes a rerun a no-op per (SLA, period)). Each month is judged by the SLA's version in
# force for it (the LATERAL join: the latest version from that month or before, else the first
# one; an SLA without versions by its own row). Documented in docs/performance.md.
BREACH_INSERT_SQL = """
WITH measured AS (
    SELECT s.organization_id, s.id AS sla_id, s.partnership_id, m.period_start,
           CASE WHEN COALESCE(v.window_months, s.window_months) = 1 THEN m.value ELSE (
               SELECT AVG(w.value) FROM performance_measurement w
               WHERE w.organization_id = s.organization_id AND w.kpi_id = s.kpi_id
                 AND w.status = 'approved'
                 AND w.period_start > m.period_start
                     - make_interval(months => COALESCE(v.window_months, s.window_months))
                 AND w.period_start <= m.period_start
           ) END AS value,
           COALESCE(v.breach_threshold, s.breach_threshold) AS breach_threshold, k.direction,
           COALESCE(v.period_fee, s.period_fee) AS period_fee,
           COALESCE(v.currency, s.currency) AS currency,
           CASE WHEN v.id IS NULL THEN s.credit_cap_percent ELSE v.credit_cap_percent END
               AS credit_cap_percent,
           v.tiers AS version_tiers, s.remediation_days
    FROM performance_sla s
    JOIN performance_kpi k ON k.organization_id = s.organization_id AND k.id = s.kpi_id
    JOIN performance_measurement m
      ON m.organization_id = s.organization_id AND m.kpi_id = s.kpi_id
    LEFT JOIN LATERAL (
        SELECT v.id, v.window_months, v.breach_threshold, v.period_fee, v.currency,
               v.credit_cap_percent, v.tiers
        FROM performance_slaversion v
        WHERE v.organization_id = s.organization_id AND v.sla_id = s.id
        ORDER BY v.effective_from <= m.period_start DESC,
                 CASE WHEN v.effective_from <= m.period_start THEN v.effective_from END DESC,
                 v.effective_from
        LIMIT 1
    ) v ON true
    WHERE s.organization_id = %(organization_id)s AND s.is_active
      AND m.status = 'approved'
      AND m.period_start BETWEEN %(period_from)s AND %(period_to)s
), breaching AS (
    SELECT measured.*,
           LEAST(COALESCE(CASE WHEN measured.version_tiers IS NULL THEN (
               SELECT t.percent_of_fee FROM performance_slacredittier t
               WHERE t.organization_id = measured.organization_id AND t.sla_id = measured.sla_id
                 AND CASE WHEN measured.direction = 'higher_is_better'
                          THEN measured.value <= t.threshold ELSE measured.value >= t.threshold END
               ORDER BY CASE WHEN measured.direction = 'higher_is_better' THEN t.threshold END ASC,
                        CASE WHEN measured.direction = 'lower_is_better' THEN t.threshold END DESC
               LIMIT 1) ELSE (
               SELECT (t.tier->>'percent_of_fee')::numeric
               FROM jsonb_array_elements(measured.version_tiers) AS t(tier)
               WHERE CASE WHEN measured.direction = 'higher_is_better'
                          THEN measured.value <= (t.tier->>'threshold')::numeric
                          ELSE measured.value >= (t.tier->>'threshold')::numeric END
               ORDER BY CASE WHEN measured.direction = 'higher_is_better'
                             THEN (t.tier->>'threshold')::numeric END ASC,
                        CASE WHEN measured.direction = 'lower_is_better'
                             THEN (t.tier->>'threshold')::numeric END DESC
               LIMIT 1) END, 0), COALESCE(measured.credit_cap_percent, 100)) AS credit_percent
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
    """One message per owner (the SLA's, else the partnership's, else each admin) listing the
    breaches not notified yet; then they are marked."""
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
    admins = AdminsOnce()
    for breach in pending:
        if breach["recipient_id"] is not None:
            by_recipient.setdefault(breach["recipient_id"], []).append(breach)
        else:  # nobody owns the SLA or its partnership: the admins hear of it
            for admin in admins():
                by_recipient.setdefault(admin.pk, []).append(breach)
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
    """Tell each owner (the SLA's, else the partnership's, else the admins) about the SLAs that
    gained a right to terminate in this check.

    `sla_ids` are the SLAs whose `termination_right_since` this check set, so a rerun has none;
    one message per owner however many SLAs (a large tenant's first check finds hundreds).
    """
    by_recipient: dict[int, tuple[User, list[Sla]]] = {}
    admins = AdminsOnce()
    for sla in Sla.objects.filter(pk__in=sla_ids).select_related("owner", "partnership__owner"):
        for recipient in accountable(sla.owner, sla.partnership.owner, admins=admins):
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
    # New terms whose month has begun become the SLA rows' terms (the check judges each month
    # by its own version either way).
    sla_versions_apply_due(now=now)
    params: dict[str, Any] = {
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
        # On a large tenant the INSERT's estimated cost passes PostgreSQL's jit_above_cost, and
        # compiling it took 1.2 s of its 1.4 s on the bench tenant (0.25 s without JIT): these
        # statements run once a month per tenant and never repay a compilation.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(BREACH_INSERT_SQL, params)
        created = cursor.rowcount
        new_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(TERMINATION_SQL, params)
        rights = [row[0] for row in cursor.fetchall()]
        triggered = len(rights)
        cursor.execute(RCA_SQL, params)
        rcas = cursor.rowcount
    if rights:
        _notify_termination_rights(organization=organization, sla_ids=rights)
    sent = _notify_new_breaches(organization=organization, now=now)
    if new_ids:
        # `breach.created` for webhook subscribers, through the outbox in this transaction; the
        # breaches are read for the payloads only when someone subscribes (one query if not).
        webhook_events_raise(
            event="breach.created", items=lambda: breach_payloads(new_ids), now=now
        )
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


def breach_payloads(breach_ids: list[int]) -> list[dict]:
    """What a `breach.created` event says about each breach (one query)."""
    rows = (
        SlaBreach.objects.filter(pk__in=breach_ids)
        .order_by("pk")
        .values(
            "id", "partnership_id", "sla_id", "sla__name", "sla__kpi__code", "period_start",
            "measured_value", "breach_threshold", "credit_percent", "service_credit", "currency",
            "remediation_due", "termination_trigger_met", "status",
        )
    )  # fmt: skip
    return [
        {
            "object": "performance.slabreach",
            "id": row["id"],
            "partnership": row["partnership_id"],
            "sla": {"id": row["sla_id"], "name": row["sla__name"], "kpi": row["sla__kpi__code"]},
            "period": f"{row['period_start']:%Y-%m}",
            "measured_value": f"{row['measured_value'].normalize():f}",
            "breach_threshold": f"{row['breach_threshold'].normalize():f}",
            "credit_percent": str(row["credit_percent"]),
            "service_credit": str(row["service_credit"]),
            "currency": row["currency"],
            "remediation_due": row["remediation_due"],
            "termination_trigger_met": row["termination_trigger_met"],
            "status": row["status"],
        }
        for row in rows
    ]


@transaction.atomic
def sla_breach_set_status(
    *, breach: SlaBreach, actor: User | None, status: str, reason: str = ""
) -> SlaBreach:
    """Close a breach as remediated or waive it; either needs a reason, kept with the breach and
    in the audit trail. A waived breach no longer counts toward the termination trigger."""
    if status not in SlaBreach.Status.values:
        raise ValidationError({"status": "Choose remediated or waived."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the breach is closed or waived."})
    breach = SlaBreach.objects.select_for_update().get(pk=breach.pk)
    BREACH_LIFECYCLE.check(breach.status, status)
    old = breach.status
    breach.status = status
    breach.status_reason = reason.strip()[:1000]
    breach.save(update_fields=["status", "status_reason"])
    audit_record(
        action=f"performance.sla_breach.{status}",
        actor=actor,
        obj=breach,
        changes={"status": [old, status], "reason": breach.status_reason},
    )
    return breach


# The daily check looks back this many months before the current one, so late figures are
# still checked (reruns are no-ops).
BREACH_CHECK_MONTHS_BACK = 3


def sla_breach_check_recent(*, now: datetime) -> BreachCheckResult:
    """The daily check: the last three months and this one, in the organization's time zone
    (the tenant task activates it)."""
    this_month = month_start(timezone.localdate(now))
    return sla_breach_check(
        period_from=add_months(this_month, -BREACH_CHECK_MONTHS_BACK),
        period_to=this_month,
        now=now,
    )
