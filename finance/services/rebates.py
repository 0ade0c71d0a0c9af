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
from tenancy.audit import audit_record


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
    """A rebate year runs in whole months (volumes are monthly), so it starts on the first day
    of a month; its end (a year on) must be a date the calendar has."""
    if year_start is not None and year_start.day != 1:
        raise ValidationError({"year_start": "A rebate year starts on the first day of a month."})
    if year_start is not None and year_start.year >= date.max.year:
        raise ValidationError({"year_start": f"A rebate year starts before {date.max.year}."})
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


@transaction.atomic
def rebate_tier_add(
    *,
    actor,
    scheme: RebateScheme,
    from_volume: Decimal,
    to_volume: Decimal | None,
    unit_price: Decimal,
) -> RebateTier:
    errors: dict = {}
    _not_negative(errors, from_volume=from_volume, to_volume=to_volume, unit_price=unit_price)
    if (
        not errors
        and to_volume is not None
        and from_volume is not None
        and to_volume <= from_volume
    ):
        errors["to_volume"] = "The tier must end above where it starts."
    if errors:
        raise ValidationError(errors)
    new = calc.Band(from_volume, to_volume, unit_price)
    existing = [calc.Band(t.from_volume, t.to_volume, t.unit_price) for t in scheme.tiers.all()]
    if calc.overlapping([*existing, new]):
        raise ValidationError(
            {"from_volume": "This tier overlaps another tier of the scheme; tiers cannot overlap."}
        )
    tier = RebateTier(
        scheme=scheme, from_volume=from_volume, to_volume=to_volume, unit_price=unit_price
    )
    _full_clean(tier, exclude=["scheme"])
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
