"""The shared cost model: a partnership's cost pools and how they are split between the parties."""

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import CostPool
from finance.services._shared import _full_clean, _not_negative, month_start
from partnerships.models import Partnership
from tenancy.audit import audit_record

COST_POOL_FIELDS = (
    "name",
    "period_start",
    "kind",
    "basis",
    "amount",
    "currency",
    "buyer_driver",
    "partner_driver",
)


@transaction.atomic
def cost_pool_create(*, actor, partnership: Partnership, **fields) -> CostPool:
    unknown = set(fields) - set(COST_POOL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown cost pool fields: {sorted(unknown)}")
    pool = CostPool(partnership=partnership, **fields)
    errors: dict = {}
    _not_negative(
        errors,
        amount=pool.amount,
        buyer_driver=pool.buyer_driver,
        partner_driver=pool.partner_driver,
    )
    if (
        "buyer_driver" not in errors
        and "partner_driver" not in errors
        and pool.buyer_driver is not None
        and pool.partner_driver is not None
        and pool.buyer_driver + pool.partner_driver <= 0
    ):
        errors["partner_driver"] = "At least one party needs a measure above zero."
    if errors:
        raise ValidationError(errors)
    if pool.period_start:
        pool.period_start = month_start(pool.period_start)
    _full_clean(pool, exclude=["partnership"])
    pool.save()
    audit_record(
        action="finance.cost_pool.created",
        actor=actor,
        obj=pool,
        changes={"partnership": partnership.pk, "amount": str(pool.amount), "basis": pool.basis},
    )
    return pool
