"""The shared cost model: a partnership's cost pools and how they are split between the parties.
A pool entered wrongly is corrected or deleted (with a reason); the allocation is worked out
from the pools as they are, so it follows."""

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.models import CostPool
from finance.services._shared import _full_clean, _not_negative, month_start
from partnerships.models import Partnership
from tenancy.audit import audit_reason, audit_record, changed_fields

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


def _check_pool(pool: CostPool) -> None:
    """The amount and both measures are not negative, and at least one measure is above zero
    (the pool is split in their proportion); the month is the first of its month."""
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


@transaction.atomic
def cost_pool_create(*, actor, partnership: Partnership, **fields) -> CostPool:
    unknown = set(fields) - set(COST_POOL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown cost pool fields: {sorted(unknown)}")
    pool = CostPool(partnership=partnership, **fields)
    _check_pool(pool)
    pool.save()
    audit_record(
        action="finance.cost_pool.created",
        actor=actor,
        obj=pool,
        changes={"partnership": partnership.pk, "amount": str(pool.amount), "basis": pool.basis},
    )
    return pool


@transaction.atomic
def cost_pool_update(*, actor, pool: CostPool, **fields) -> CostPool:
    """Correct a pool (only the fields given), under the rules of a new one. Another day of
    the same month is no change."""
    fields = {k: v for k, v in fields.items() if k in COST_POOL_FIELDS}
    if fields.get("period_start"):
        fields["period_start"] = month_start(fields["period_start"])
    changes = changed_fields(pool, fields)
    if not changes:
        return pool
    _check_pool(pool)
    pool.save()
    audit_record(action="finance.cost_pool.updated", actor=actor, obj=pool, changes=changes)
    return pool


@transaction.atomic
def cost_pool_delete(*, actor, pool: CostPool, reason: str) -> None:
    reason = audit_reason(reason)
    audit_record(
        action="finance.cost_pool.deleted",
        actor=actor,
        obj=pool,
        changes={
            "name": pool.name,
            "month": pool.period_start,
            "amount": str(pool.amount),
            "currency": pool.currency,
            "reason": reason,
        },
    )
    pool.delete()
