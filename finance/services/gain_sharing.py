"""Gain-sharing: a partnership's scheme and its bands, and the statements of the shares earned
from the verified savings, with their lifecycle."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import calc
from finance.models import (
    STATEMENT_LIFECYCLE,
    GainShareBand,
    GainShareScheme,
    GainShareStatement,
    SavingsEntry,
)
from finance.selectors import latest_scorecard_standing, rate_for
from finance.services._shared import _full_clean, _not_negative, month_start
from partnerships.models import Partnership
from tenancy.audit import audit_reason, audit_record, changed_fields, lock_fresh
from tenancy.errors import ConflictError
from tenancy.money import Money


@transaction.atomic
def gain_share_scheme_set(
    *,
    actor,
    partnership: Partnership,
    currency: str,
    floor: Decimal | None = None,
    cap: Decimal | None = None,
    step_per_standing: Decimal = Decimal(0),
    reference_score: Decimal = Decimal(75),
) -> GainShareScheme:
    errors: dict = {}
    _not_negative(errors, floor=floor, cap=cap)
    if floor is not None and cap is not None and not errors and floor > cap:
        errors["cap"] = "The cap cannot be below the floor."
    if not Decimal(0) <= reference_score <= Decimal(100):
        errors["reference_score"] = "A score is between 0 and 100."
    if abs(step_per_standing) > 100:
        errors["step_per_standing"] = "A step is at most 100 percentage points."
    if errors:
        raise ValidationError(errors)
    scheme = GainShareScheme.objects.filter(partnership=partnership).first()
    if scheme is None:
        scheme = GainShareScheme(partnership=partnership)
    scheme.currency, scheme.floor, scheme.cap = currency, floor, cap
    scheme.step_per_standing, scheme.reference_score = step_per_standing, reference_score
    _full_clean(scheme, exclude=["partnership"])
    scheme.save()
    audit_record(
        action="finance.gain_share.scheme_set",
        actor=actor,
        obj=scheme,
        changes={"floor": str(floor), "cap": str(cap), "step": str(step_per_standing)},
    )
    return scheme


BAND_FIELDS = ("lower", "upper", "partner_share")


def _check_band(band: GainShareBand) -> None:
    """A band starts at no negative amount, ends above where it starts, shares 0-100 %, and
    overlaps no other band of its scheme (itself excluded when it is being corrected)."""
    errors: dict = {}
    _not_negative(errors, lower=band.lower)
    if band.lower is None:
        errors["lower"] = "Say where the band starts."
    if band.partner_share is None or not Decimal(0) <= band.partner_share <= Decimal(100):
        errors["partner_share"] = "A share is between 0 % and 100 %."
    if band.upper is not None and band.lower is not None and band.upper <= band.lower:
        errors["upper"] = "The upper bound must be above the lower bound."
    if errors:
        raise ValidationError(errors)
    # The scheme's row is locked first, so two bands added or moved at once cannot both pass
    # the overlap check against the bands as they were before either.
    GainShareScheme.objects.select_for_update().filter(pk=band.scheme_id).exists()
    others = GainShareBand.objects.filter(scheme_id=band.scheme_id).exclude(pk=band.pk)
    existing = [calc.Band(b.lower, b.upper, b.partner_share) for b in others]
    if calc.overlapping([*existing, calc.Band(band.lower, band.upper, band.partner_share)]):
        raise ValidationError(
            {"lower": "This band overlaps another band of the scheme; bands cannot overlap."}
        )
    _full_clean(band, exclude=["scheme"])


@transaction.atomic
def gain_share_band_add(
    *, actor, scheme: GainShareScheme, lower: Decimal, upper: Decimal | None, partner_share
) -> GainShareBand:
    band = GainShareBand(scheme=scheme, lower=lower, upper=upper, partner_share=partner_share)
    _check_band(band)
    band.save()
    audit_record(
        action="finance.gain_share.band_added",
        actor=actor,
        obj=band,
        changes={"lower": str(lower), "upper": str(upper), "share": str(partner_share)},
    )
    return band


@transaction.atomic
def gain_share_band_update(*, actor, band: GainShareBand, **fields) -> GainShareBand:
    """Correct a band (only the fields given). Statements already made keep their figures:
    they were frozen when made."""
    changes = changed_fields(band, {k: v for k, v in fields.items() if k in BAND_FIELDS})
    if not changes:
        return band
    _check_band(band)
    band.save()
    audit_record(action="finance.gain_share.band_updated", actor=actor, obj=band, changes=changes)
    return band


@transaction.atomic
def gain_share_band_remove(*, actor, band: GainShareBand, reason: str) -> None:
    reason = audit_reason(reason)
    audit_record(
        action="finance.gain_share.band_removed",
        actor=actor,
        obj=band,
        changes={
            "lower": str(band.lower),
            "upper": str(band.upper),
            "share": str(band.partner_share),
            "reason": reason,
        },
    )
    band.delete()


def _in_currency(entry: SavingsEntry, currency: str) -> Decimal:
    if entry.currency == currency:
        return entry.net_amount
    rate = rate_for(entry.currency, currency, entry.period_start)
    if rate is None:
        raise ValidationError(
            {
                "period_start": f"There is no {entry.currency}/{currency} rate for "
                f"{entry.period_start:%B %Y}; add it to the rates table first."
            }
        )
    return entry.net_amount * rate


@transaction.atomic
def gain_share_statement_create(
    *, actor, partnership: Partnership, period_start: date, period_end: date, now: datetime
) -> GainShareStatement:
    """The payout statement of a period: the savings verified (or accepted) in it and not on
    an earlier statement, shared by the scheme's bands, moved by the scorecard, limited by the
    floor and cap. Claimed or disputed savings never count."""
    if period_end < period_start:
        raise ValidationError({"period_end": "The period ends after it starts."})
    scheme = GainShareScheme.objects.filter(partnership=partnership).first()
    if scheme is None:
        raise ConflictError("Set up the gain-share scheme first.", code="no_scheme")
    bands = [calc.Band(b.lower, b.upper, b.partner_share) for b in scheme.bands.all()]
    if not bands:
        raise ConflictError("Add at least one share band to the scheme first.", code="no_bands")
    start, end = month_start(period_start), month_start(period_end)
    entries = list(
        SavingsEntry.objects.select_for_update()
        .filter(
            partnership=partnership,
            status__in=[SavingsEntry.Status.VERIFIED, SavingsEntry.Status.ACCEPTED],
            statement__isnull=True,
            period_start__gte=start,
            period_start__lte=end,
        )
        .order_by("pk")
    )
    total = sum((_in_currency(e, scheme.currency) for e in entries), Decimal(0))
    verified = Money(total, scheme.currency).rounded()
    standing, rank, reference_rank = latest_scorecard_standing(
        partnership=partnership, start=start, end=end, reference_score=scheme.reference_score
    )
    points = calc.standing_adjustment(
        rank=rank, reference_rank=reference_rank, step=scheme.step_per_standing
    )
    money = lambda v: None if v is None else Money(v, scheme.currency)  # noqa: E731
    payout = calc.gain_share_payout(
        verified=verified,
        bands=bands,
        adjustment_points=points,
        floor=money(scheme.floor),
        cap=money(scheme.cap),
    )
    statement = GainShareStatement.objects.create(
        partnership=partnership,
        period_start=start,
        period_end=end,
        currency=scheme.currency,
        verified_savings=verified.amount,
        base_share=payout.base_share.amount,
        adjustment=payout.adjustment.amount,
        adjustment_points=points,
        standing=standing,
        payout=payout.payout.amount,
        limited_by=payout.limited_by,
        created_by=actor,
        created_at=now,
    )
    SavingsEntry.objects.filter(pk__in=[e.pk for e in entries]).update(statement=statement)
    audit_record(
        action="finance.gain_share.statement_created",
        actor=actor,
        obj=statement,
        changes={"savings": len(entries), "payout": str(statement.payout)},
    )
    return statement


@transaction.atomic
def gain_share_statement_transition(
    *, statement: GainShareStatement, actor, status: str, today: date, reason: str
) -> GainShareStatement:
    """Issue a statement to the partner or record its payout: neither step is undone, so each
    takes a reason (the payment reference, for a payout). The status is read under the row's
    lock: a statement paid since the page was opened is not paid again."""
    lock_fresh(statement)
    STATEMENT_LIFECYCLE.check(statement.status, status)
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": "Give the payment reference."
                if status == GainShareStatement.Status.PAID
                else "Say why the statement is issued."
            }
        )
    old = statement.status
    statement.status = status
    if status == GainShareStatement.Status.PAID:
        statement.paid_on = today
    statement.save(update_fields=["status", "paid_on"])
    audit_record(
        action=f"finance.gain_share.statement_{status}",
        actor=actor,
        obj=statement,
        changes={"status": [old, status], "reason": reason.strip()},
    )
    return statement
