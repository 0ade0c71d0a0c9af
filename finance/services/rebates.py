"""Pricing tiers and rebates: a rebate scheme and its tiers, and the volumes they apply to,
recorded by hand or taken from the invoices."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import calc
from finance.models import RebateScheme, RebateTier, VolumeEntry
from finance.selectors import invoiced_volumes
from finance.services._shared import _full_clean, _not_negative, month_start
from partnerships.models import Partnership
from tenancy.audit import audit_reason, audit_record, changed_fields, lock_fresh
from tenancy.errors import ConflictError

SCHEME_FIELDS = ("name", "kind", "year_start", "currency", "unit", "competition_law_note")
TIER_FIELDS = ("from_volume", "to_volume", "unit_price")


def _year_start_errors(year_start: date | None) -> dict:
    """A rebate year runs in whole months (volumes are monthly), so it starts on the first day
    of a month; its end (a year on) must be a date the calendar has."""
    if year_start is not None and year_start.day != 1:
        return {"year_start": "A rebate year starts on the first day of a month."}
    if year_start is not None and year_start.year >= date.max.year:
        return {"year_start": f"A rebate year starts before {date.max.year}."}
    return {}


@transaction.atomic
def rebate_scheme_create(
    *,
    actor,
    partnership: Partnership,
    name: str,
    kind: str,
    year_start: date,
    currency: str,
    unit: str = "units",
    competition_law_note: str = "",
) -> RebateScheme:
    if errors := _year_start_errors(year_start):
        raise ValidationError(errors)
    scheme = RebateScheme(
        partnership=partnership,
        name=name,
        kind=kind,
        year_start=year_start,
        currency=currency,
        unit=unit or "units",
        competition_law_note=competition_law_note,
    )
    _full_clean(scheme, exclude=["partnership"])
    scheme.save()
    audit_record(
        action="finance.rebate.scheme_created",
        actor=actor,
        obj=scheme,
        changes={"kind": kind, "name": name},
    )
    return scheme


def _check_tier(scheme: RebateScheme, tier: RebateTier) -> None:
    """A tier's figures are not negative, it ends above where it starts, and it overlaps no
    other tier of the scheme (the tier itself excluded when it is being changed)."""
    errors: dict = {}
    _not_negative(
        errors, from_volume=tier.from_volume, to_volume=tier.to_volume, unit_price=tier.unit_price
    )
    if tier.from_volume is None:
        errors["from_volume"] = "Say where the tier starts."
    if tier.unit_price is None:
        errors["unit_price"] = "Give the tier's unit price."
    if (
        not errors
        and tier.to_volume is not None
        and tier.from_volume is not None
        and tier.to_volume <= tier.from_volume
    ):
        errors["to_volume"] = "The tier must end above where it starts."
    if errors:
        raise ValidationError(errors)
    # The scheme's row is locked first, so two tiers added or moved at once cannot both pass
    # the overlap check against the tiers as they were before either.
    RebateScheme.objects.select_for_update().filter(pk=scheme.pk).exists()
    new = calc.Band(tier.from_volume, tier.to_volume, tier.unit_price)
    others = RebateTier.objects.filter(scheme=scheme).exclude(pk=tier.pk)
    existing = [calc.Band(t.from_volume, t.to_volume, t.unit_price) for t in others]
    if calc.overlapping([*existing, new]):
        raise ValidationError(
            {"from_volume": "This tier overlaps another tier of the scheme; tiers cannot overlap."}
        )
    _full_clean(tier, exclude=["scheme"])


@transaction.atomic
def rebate_tier_add(
    *,
    actor,
    scheme: RebateScheme,
    from_volume: Decimal,
    to_volume: Decimal | None,
    unit_price: Decimal,
) -> RebateTier:
    tier = RebateTier(
        scheme=scheme, from_volume=from_volume, to_volume=to_volume, unit_price=unit_price
    )
    _check_tier(scheme, tier)
    tier.save()
    audit_record(
        action="finance.rebate.tier_added",
        actor=actor,
        obj=tier,
        changes={"from": str(from_volume), "to": str(to_volume), "price": str(unit_price)},
    )
    return tier


@transaction.atomic
def volume_record(
    *, actor, scheme: RebateScheme, period_start: date, volume: Decimal, source: str = "Entered"
) -> VolumeEntry:
    if volume is None or volume < 0:
        raise ValidationError({"volume": "A volume cannot be negative."})
    start = month_start(period_start)
    if start < scheme.year_start or start >= scheme.year_end:
        raise ValidationError({"period_start": "The month must be inside the rebate year."})
    entry = VolumeEntry(scheme=scheme, period_start=start, volume=volume, source=source)
    _full_clean(entry, exclude=["scheme"])
    entry.save()
    audit_record(
        action="finance.rebate.volume_recorded",
        actor=actor,
        obj=entry,
        changes={"period": start.isoformat(), "volume": str(volume)},
    )
    return entry


INVOICES = "Invoices"


@transaction.atomic
def rebate_volumes_from_invoices(
    *, actor, scheme: RebateScheme, today: date, item_code: str = ""
) -> int:
    """The rebate year's monthly volumes from the partnership's accepted EDI invoices (up to
    today): each month's invoice-sourced entry is replaced, entered ones are left alone, so a
    rerun changes nothing. Returns the number of months taken."""
    end = min(scheme.year_end, today)
    volumes = invoiced_volumes(
        partnership=scheme.partnership,
        start=scheme.year_start,
        end=end,
        item_code=(item_code or "").strip(),
    )
    source = f"{INVOICES} ({item_code.strip()})" if (item_code or "").strip() else INVOICES
    existing = {
        entry.period_start: entry
        for entry in VolumeEntry.objects.select_for_update().filter(
            scheme=scheme, source__startswith=INVOICES
        )
    }
    for month, units in sorted(volumes.items()):
        entry = existing.get(month)
        if entry is None:
            VolumeEntry.objects.create(
                scheme=scheme, period_start=month, volume=units, source=source
            )
        elif entry.volume != units or entry.source != source:
            entry.volume, entry.source = units, source
            entry.save(update_fields=["volume", "source"])
    audit_record(
        action="finance.rebate.volumes_from_invoices",
        actor=actor,
        obj=scheme,
        changes={"months": len(volumes), "item": item_code},
    )
    return len(volumes)


# -- corrections: a scheme, a tier or a month's volume entered wrongly ------------------------


@transaction.atomic
def rebate_scheme_update(*, actor, scheme: RebateScheme, **fields) -> RebateScheme:
    """Correct a scheme's name, kind, year, currency, unit or review note (only the fields
    given). The year cannot move away from volumes already recorded in it, and the currency
    cannot change under tiers priced in the old one."""
    old_currency = scheme.currency
    changes = changed_fields(scheme, {k: v for k, v in fields.items() if k in SCHEME_FIELDS})
    if not changes:
        return scheme
    errors = _year_start_errors(scheme.year_start) if "year_start" in changes else {}
    if not errors and "year_start" in changes and scheme.year_start is not None:
        outside = (
            VolumeEntry.objects.filter(scheme=scheme)
            .exclude(period_start__gte=scheme.year_start, period_start__lt=scheme.year_end)
            .order_by("period_start")
            .values_list("period_start", flat=True)
        )
        months = list(outside)
        if months:
            first = months[0].strftime("%B %Y")
            more = f" and {len(months) - 1} more" if len(months) > 1 else ""
            errors["year_start"] = (
                f"Volume is recorded for {first}{more}, outside the new rebate year; "
                "remove those months first."
            )
    # Counted afresh: a scheme read with its tiers prefetched would answer from that cache.
    if "currency" in changes and RebateTier.objects.filter(scheme=scheme).exists():
        errors["currency"] = (
            f"The tiers are priced in {old_currency}; remove them before changing the currency."
        )
    if errors:
        raise ValidationError(errors)
    scheme.unit = scheme.unit or "units"
    _full_clean(scheme, exclude=["partnership"])
    scheme.save()
    audit_record(action="finance.rebate.scheme_updated", actor=actor, obj=scheme, changes=changes)
    return scheme


@transaction.atomic
def rebate_scheme_delete(*, actor, scheme: RebateScheme, reason: str) -> None:
    """Delete a scheme set up by mistake, with its tiers and volumes; the reason and what went
    with it stay in the audit log."""
    reason = audit_reason(reason)
    audit_record(
        action="finance.rebate.scheme_deleted",
        actor=actor,
        obj=scheme,
        changes={
            "name": scheme.name,
            "reason": reason,
            "tiers": RebateTier.objects.filter(scheme=scheme).count(),
            "volume_months": VolumeEntry.objects.filter(scheme=scheme).count(),
        },
    )
    scheme.delete()


@transaction.atomic
def rebate_tier_update(*, actor, tier: RebateTier, **fields) -> RebateTier:
    """Correct a tier's bounds or price (only the fields given), under the same rules as a new
    tier."""
    changes = changed_fields(tier, {k: v for k, v in fields.items() if k in TIER_FIELDS})
    if not changes:
        return tier
    _check_tier(tier.scheme, tier)
    tier.save()
    audit_record(action="finance.rebate.tier_updated", actor=actor, obj=tier, changes=changes)
    return tier


@transaction.atomic
def rebate_tier_remove(*, actor, tier: RebateTier, reason: str) -> None:
    reason = audit_reason(reason)
    audit_record(
        action="finance.rebate.tier_removed",
        actor=actor,
        obj=tier,
        changes={
            "from": str(tier.from_volume),
            "to": str(tier.to_volume),
            "price": str(tier.unit_price),
            "reason": reason,
        },
    )
    tier.delete()


def _entered(entry: VolumeEntry) -> None:
    if entry.source.startswith(INVOICES):
        raise ConflictError(
            "This volume was taken from the EDI invoices; correct the invoices and take the "
            "volumes again.",
            code="from_invoices",
        )


@transaction.atomic
def volume_update(*, actor, entry: VolumeEntry, volume: Decimal) -> VolumeEntry:
    """Correct a month's volume entered by hand (volumes taken from invoices follow them)."""
    _entered(entry)
    if volume is None or volume < 0:
        raise ValidationError({"volume": "A volume cannot be negative."})
    changes = changed_fields(entry, {"volume": volume})
    if changes:
        _full_clean(entry, exclude=["scheme"])
        entry.save()
        audit_record(
            action="finance.rebate.volume_corrected",
            actor=actor,
            obj=entry,
            changes={"period": entry.period_start.isoformat(), **changes},
        )
    return entry


@transaction.atomic
def volume_remove(*, actor, entry: VolumeEntry, reason: str) -> None:
    lock_fresh(entry)  # the volume removed is the one stored now; a removed one is gone
    _entered(entry)
    reason = audit_reason(reason)
    audit_record(
        action="finance.rebate.volume_removed",
        actor=actor,
        obj=entry,
        changes={
            "period": entry.period_start.isoformat(),
            "volume": str(entry.volume),
            "reason": reason,
        },
    )
    entry.delete()
