"""Demand forecasts shared with a partner: created, then updated in versions that keep what
changed."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from integrations.models import DemandForecast, ForecastVersion
from integrations.services._shared import _check_partnership
from partnerships.models import Partnership
from tenancy.audit import audit_record, changed_fields
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff

FORECAST_PERIODS = {"weekly": timedelta(days=7), "monthly": timedelta(days=31)}


def forecast_update_due(forecast: DemandForecast):
    """When the next version is due (the agreed frequency after the last one), or None before
    the first."""
    if forecast.last_updated_at is None:
        return None
    return forecast.last_updated_at + FORECAST_PERIODS[forecast.update_frequency]


@transaction.atomic
def forecast_create(
    *, partnership: Partnership, title: str, actor: User | None, update_frequency: str = "monthly",
    unit: str = "", owner: User | None = None,
) -> DemandForecast:  # fmt: skip
    _check_partnership(partnership)
    forecast = DemandForecast(
        organization=require_organization(), partnership=partnership,
        title=" ".join((title or "").split()), unit=(unit or "").strip(),
        update_frequency=update_frequency, owner=owner or actor,
    )  # fmt: skip
    require_staff(forecast, "owner")
    forecast.full_clean(
        exclude=["organization", "partnership", "owner"], validate_constraints=False
    )
    if DemandForecast.objects.filter(partnership=partnership, title=forecast.title).exists():
        raise ValidationError({"title": "This partnership already has a forecast of this title."})
    forecast.save()
    audit_record(
        action="integrations.forecast.created", actor=actor, obj=forecast,
        changes={"title": forecast.title, "update_frequency": forecast.update_frequency},
    )  # fmt: skip
    return forecast


def forecasts_late_check(*, now: datetime) -> int:
    """The daily job: tell each late forecast's owner (else its partnership's owner, else the
    admins) once per missed update, when the agreed frequency has passed since its last
    version. A forecast with no version yet is awaited, not late. Returns how many were
    reported."""
    late = Q()
    for frequency, period in FORECAST_PERIODS.items():
        late |= Q(update_frequency=frequency, last_updated_at__lt=now - period)
    forecasts = DemandForecast.objects.filter(late).select_related("owner", "partnership__owner")
    admins = AdminsOnce()
    told = 0
    for forecast in forecasts.order_by("pk"):
        recipients = accountable(forecast.owner, forecast.partnership.owner, admins=admins)
        if not recipients:
            continue
        due = forecast_update_due(forecast)
        notify(
            recipients=recipients,
            title=f"{forecast.partnership.name}: forecast “{forecast.title}” is late",
            body=(
                f"Version {forecast.current_version} is of "
                f"{forecast.last_updated_at:%d %b %Y}; updates are agreed "
                f"{forecast.get_update_frequency_display().lower()}, so the next was due on "
                f"{due:%d %b %Y}."
            ),
            url=reverse("forecast-detail", args=[require_organization().slug, forecast.pk]),
            dedupe_key=f"integrations:forecast:{forecast.pk}:late:{forecast.current_version}",
        )
        told += 1
    return told


FORECAST_EDITABLE = ("title", "unit", "update_frequency", "owner")


@transaction.atomic
def forecast_update(*, forecast: DemandForecast, actor: User | None, **fields) -> DemandForecast:
    """Rename a forecast, change its unit or agreed update frequency, or hand it to another of
    the buyer's staff (who is told when an update is late). Its versions stay as they were; a
    title stays unique within the partnership."""
    given = {name: value for name, value in fields.items() if name in FORECAST_EDITABLE}
    if "title" in given:
        given["title"] = " ".join((given["title"] or "").split())
    if "unit" in given:
        given["unit"] = (given["unit"] or "").strip()
    if "owner" in given and given["owner"] is None:
        raise ValidationError({"owner": "Name who keeps the forecast up to date."})
    changes = changed_fields(forecast, given)  # locks the row and re-reads it first
    require_staff(forecast, "owner", changes=changes)
    forecast.full_clean(
        exclude=["organization", "partnership", "owner"], validate_constraints=False
    )
    if (
        "title" in changes  # the row still holds its old title: any match is another forecast
        and DemandForecast.objects.filter(
            partnership_id=forecast.partnership_id, title=forecast.title
        ).exists()
    ):
        raise ValidationError({"title": "This partnership already has a forecast of this title."})
    if changes:
        forecast.save(update_fields=list(changes))
        audit_record(
            action="integrations.forecast.updated", actor=actor, obj=forecast, changes=changes
        )
    return forecast


def _forecast_lines(raw_lines) -> list[list[str]]:
    """[(item, 'YYYY-MM', quantity)] checked and normalised; errors name the line."""
    import re

    lines: dict[tuple[str, str], Decimal] = {}
    for number, raw in enumerate(raw_lines or [], start=1):
        try:
            item, period, quantity = raw
        except (TypeError, ValueError):
            raise ValidationError(
                {"lines": f"Line {number}: give item, month and quantity."}
            ) from None
        item = " ".join(str(item or "").split())[:64]
        period = str(period or "").strip()
        if not item:
            raise ValidationError({"lines": f"Line {number}: the item is missing."})
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
            raise ValidationError({"lines": f"Line {number}: the month must read YYYY-MM."})
        try:
            value = Decimal(str(quantity).strip())
        except ArithmeticError:
            raise ValidationError(
                {"lines": f"Line {number}: “{quantity}” is not a quantity."}
            ) from None
        if not value.is_finite() or value < 0 or abs(value) >= Decimal("1e14"):
            raise ValidationError({"lines": f"Line {number}: the quantity must be 0 or more."})
        if (item, period) in lines:
            raise ValidationError({"lines": f"Line {number}: {item} {period} is given twice."})
        lines[(item, period)] = abs(value)  # "-0" is 0: stored as "0", not "-0"
    if not lines:
        raise ValidationError({"lines": "Give at least one line: item, month, quantity."})
    return [[i, p, f"{q.normalize():f}"] for (i, p), q in sorted(lines.items())]


@transaction.atomic
def forecast_version_add(
    *, forecast: DemandForecast, lines, actor: User | None, note: str = "", now: datetime
) -> ForecastVersion:
    """A new version of the forecast: what changed against the previous one (item, month,
    before, after) is kept with who made it and when. A version that changes nothing is
    refused."""
    forecast = DemandForecast.objects.select_for_update().get(pk=forecast.pk)
    new_lines = _forecast_lines(lines)
    previous = ForecastVersion.objects.filter(forecast=forecast).order_by("-number").first()
    before = {(i, p): q for i, p, q in (previous.lines if previous else [])}
    after = {(i, p): q for i, p, q in new_lines}
    changes = [
        {"item": i, "period": p, "before": before.get((i, p)), "after": after.get((i, p))}
        for (i, p) in sorted(set(before) | set(after))
        if before.get((i, p)) != after.get((i, p))
    ]
    if previous is not None and not changes:
        raise ConflictError("Nothing changed against the current version.", code="unchanged")
    version = ForecastVersion.objects.create(
        organization=require_organization(), forecast=forecast,
        number=forecast.current_version + 1, lines=new_lines, changes=changes,
        note=(note or "").strip(), created_by=actor, created_at=now,
    )  # fmt: skip
    forecast.current_version, forecast.last_updated_at = version.number, now
    forecast.save(update_fields=["current_version", "last_updated_at"])
    audit_record(
        action="integrations.forecast.version_added", actor=actor, obj=forecast,
        changes={"version": version.number, "changed": len(changes)},
    )  # fmt: skip
    return version
