"""Asset transfer: an asset valued from its method's inputs, and accepted by both parties."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from exit_planning.models import AssetTransfer, ExitPlan, Party
from exit_planning.services._shared import _full_clean
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import User
from tenancy.money import Money


def asset_value(
    *,
    method: str,
    currency: str,
    book_value=None,
    appraised_value=None,
    cost=None,
    salvage_value=None,
    useful_life_years=None,
    age_years=None,
) -> Money:
    """The value by the agreed method; a missing input is a field error. Straight line:
    cost − (cost − salvage) × age / useful life, never below salvage."""
    method_cls = AssetTransfer.Method
    if method == method_cls.BOOK_VALUE:
        if book_value is None:
            raise ValidationError({"book_value": "Give the book value."})
        return Money(Decimal(book_value), currency).rounded()
    if method == method_cls.APPRAISAL:
        if appraised_value is None:
            raise ValidationError({"appraised_value": "Give the appraised fair market value."})
        return Money(Decimal(appraised_value), currency).rounded()
    if method == method_cls.STRAIGHT_LINE:
        missing = {
            name: message
            for name, value, message in (
                ("cost", cost, "Give the cost."),
                ("useful_life_years", useful_life_years, "Give the useful life in years."),
                ("age_years", age_years, "Give the age in years."),
            )
            if value is None
        }
        if missing:
            raise ValidationError(missing)
        if Decimal(useful_life_years) <= 0:
            raise ValidationError({"useful_life_years": "The useful life must be above zero."})
        salvage = Decimal(salvage_value or 0)
        cost_d = Decimal(cost)
        if salvage > cost_d:
            raise ValidationError({"salvage_value": "The salvage value is above the cost."})
        used = min(Decimal(age_years) / Decimal(useful_life_years), Decimal(1))
        value = (cost_d - (cost_d - salvage) * used).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return Money(value, currency).rounded()
    raise ValidationError({"method": "Choose a valuation method."})


ASSET_INPUTS = (
    "book_value",
    "appraised_value",
    "cost",
    "salvage_value",
    "useful_life_years",
    "age_years",
)


@transaction.atomic
def asset_create(
    *,
    plan: ExitPlan,
    actor: User | None,
    name: str,
    method: str,
    currency: str = "",
    kind: str = AssetTransfer.Kind.ASSET,
    appraiser: str = "",
    **inputs,
) -> AssetTransfer:
    currency = currency or plan.partnership.currency or require_organization().default_currency
    values = {k: inputs.get(k) for k in ASSET_INPUTS}
    if method == AssetTransfer.Method.APPRAISAL and not (appraiser or "").strip():
        raise ValidationError({"appraiser": "Name the appraiser."})
    value = asset_value(method=method, currency=currency, **values)
    asset = AssetTransfer(
        organization=require_organization(),
        plan=plan,
        name=(name or "").strip(),
        kind=kind,
        method=method,
        currency=currency,
        appraiser=(appraiser or "").strip(),
        value=value.amount,
        **values,
    )
    _full_clean(asset)
    asset.save()
    audit_record(
        action="exit_planning.asset.created",
        actor=actor,
        obj=asset,
        changes={"method": method, "value": str(value.amount), "currency": currency},
    )
    return asset


@transaction.atomic
def asset_accept(*, asset: AssetTransfer, actor: User, party: str, now: datetime) -> AssetTransfer:
    """Each party accepts the valuation once; the transfer is agreed when both have."""
    asset = AssetTransfer.objects.select_for_update().get(pk=asset.pk)
    field = "accepted_by_us" if party == Party.US else "accepted_by_partner"
    if getattr(asset, f"{field}_at") is not None:
        raise ConflictError(
            f"{Party(party).label} already accepted this valuation.", code="accepted"
        )
    setattr(asset, field, actor)
    setattr(asset, f"{field}_at", now)
    asset.save(update_fields=[field, f"{field}_at"])
    audit_record(
        action="exit_planning.asset.accepted", actor=actor, obj=asset, changes={"party": party}
    )
    return asset
