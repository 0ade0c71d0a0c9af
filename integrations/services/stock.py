"""Stock policies (safety stock, reorder point) and the stock positions a feed reports, with the
alerts when an item crosses them; a feed replayed as an integration test."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.models import StockPolicy, StockPosition
from integrations.services._shared import _check_partnership
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.models import User
from tenancy.money import format_quantity
from tenancy.selectors import AdminsOnce, accountable
from tenancy.services import notify, require_staff
from tenancy.uploads import csv_records


def _quantity(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


@transaction.atomic
def stock_policy_set(
    *, partnership: Partnership, item: str, safety_stock, reorder_point, actor: User | None,
    unit: str = "", owner: User | None = None,
) -> StockPolicy:  # fmt: skip
    """Safety stock and reorder point of an item (create or change). The safety stock is at
    most the reorder point; both are 0 or more."""
    _check_partnership(partnership)
    item = " ".join((item or "").split())
    if not item:
        raise ValidationError({"item": "Give the item."})
    errors = {}
    safety_stock, reorder_point = _quantity(safety_stock), _quantity(reorder_point)
    for name, value in (("safety_stock", safety_stock), ("reorder_point", reorder_point)):
        if value is None or value < 0 or value >= Decimal("1e14"):
            errors[name] = "A quantity of 0 or more."
    if (
        not errors
        and safety_stock is not None
        and reorder_point is not None
        and safety_stock > reorder_point
    ):
        errors["safety_stock"] = "The safety stock cannot be above the reorder point."
    if errors:
        raise ValidationError(errors)
    policy = StockPolicy.objects.filter(partnership=partnership, item=item[:64]).first()
    if policy is None:
        policy = StockPolicy(organization=require_organization(), partnership=partnership,
                             item=item[:64])  # fmt: skip
    policy.safety_stock, policy.reorder_point = Decimal(safety_stock), Decimal(reorder_point)
    owner = owner or policy.owner or actor
    owner_changed = policy.owner_id != getattr(owner, "pk", None)  # a new policy or another
    policy.unit, policy.owner = (unit or "").strip()[:16], owner
    require_staff(policy, "owner", changes=["owner"] if owner_changed else [])
    policy.full_clean(exclude=["organization", "partnership", "owner"], validate_constraints=False)
    policy.save()
    audit_record(
        action="integrations.stock_policy.set", actor=actor, obj=policy,
        changes={"item": policy.item, "safety_stock": str(policy.safety_stock),
                 "reorder_point": str(policy.reorder_point)},
    )  # fmt: skip
    return policy


def stock_level(policy: StockPolicy | None, quantity: Decimal) -> str:
    if policy is None:
        return StockPosition.Level.NO_POLICY
    if quantity <= policy.safety_stock:
        return StockPosition.Level.SAFETY
    if quantity <= policy.reorder_point:
        return StockPosition.Level.REORDER
    return StockPosition.Level.OK


_LEVEL_RANK = {"no_policy": 0, "ok": 0, "reorder": 1, "safety": 2}


@dataclass
class StockFeedResult:
    positions: list[StockPosition]
    alerts: int

    @property
    def max_lag(self):
        return max((p.lag for p in self.positions), default=None)

    @property
    def average_lag(self):
        if not self.positions:
            return None
        return sum((p.lag for p in self.positions), timedelta()) / len(self.positions)


def _position_rows(raw_positions) -> list[tuple[str, Decimal, datetime]]:
    from django.utils.dateparse import parse_datetime

    rows = []
    for number, raw in enumerate(raw_positions or [], start=1):
        item = " ".join(str(raw.get("item") or "").split())[:64]
        try:
            quantity = Decimal(str(raw.get("quantity")).strip())
        except ArithmeticError:
            quantity = None
        as_of = raw.get("as_of")
        if isinstance(as_of, str):
            try:
                as_of = parse_datetime(as_of.strip())
            except ValueError:
                as_of = None
        if not item or quantity is None or not quantity.is_finite() or as_of is None:
            raise ValidationError(
                {"positions": f"Position {number}: give the item, a quantity and as_of "
                 "(ISO date and time)."}
            )  # fmt: skip
        # What the column holds (18 digits, 4 decimals): more is refused, never cut or a crash.
        if abs(quantity) >= Decimal("1e14") or quantity != quantity.quantize(Decimal("0.0001")):
            raise ValidationError(
                {"positions": f"Position {number}: a quantity below 100,000,000,000,000 with "
                 "at most 4 decimals."}
            )  # fmt: skip
        if timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
        rows.append((item, quantity, as_of))
    if not rows:
        raise ValidationError({"positions": "No stock position was sent."})
    return rows


@transaction.atomic
def stock_positions_record(
    *, partnership: Partnership, positions, now, received_via: str = "api",
    actor: User | None = None,
) -> StockFeedResult:  # fmt: skip
    """Store the stock positions a feed reports and alert (a tenancy notification to the
    policy's owner, else the partnership's, else the admins) when an item's position crosses
    its reorder point or its safety stock downwards: once per crossing, not again while it
    stays there."""
    _check_partnership(partnership)
    rows = _position_rows(positions)
    items = {item for item, _, _ in rows}
    policies = {
        p.item: p
        for p in StockPolicy.objects.filter(partnership=partnership, item__in=items)
        .select_related("owner", "partnership__owner")
    }  # fmt: skip
    # Each item's latest level, in one query however many items the feed reports
    # (PostgreSQL's DISTINCT ON: the first row per item in this order).
    last_level: dict[str, str] = dict.fromkeys(items, StockPosition.Level.OK)
    last_level.update(
        StockPosition.objects.filter(partnership=partnership, item__in=items)
        .order_by("item", "-as_of", "-pk")
        .distinct("item")
        .values_list("item", "level")
    )
    created, alerts = [], 0
    admins = AdminsOnce()
    for item, quantity, as_of in sorted(rows, key=lambda r: r[2]):
        policy = policies.get(item)
        level = stock_level(policy, quantity)
        position = StockPosition(
            organization=require_organization(), partnership=partnership, item=item,
            quantity=quantity, as_of=as_of, received_at=now, received_via=received_via[:10],
            level=level,
        )  # fmt: skip
        created.append(position)
        if policy is not None and _LEVEL_RANK[level] > _LEVEL_RANK[last_level[item]]:
            recipients = accountable(policy.owner, partnership.owner, admins=admins)
            if recipients:
                threshold = policy.safety_stock if level == "safety" else policy.reorder_point
                what = "safety stock" if level == "safety" else "reorder point"
                notify(
                    recipients=recipients,
                    title=f"{partnership.name}: {item} at or below its {what}",
                    body=f"{format_quantity(quantity)} {policy.unit} on {as_of:%d %b %Y %H:%M} "
                    f"(the {what} is {format_quantity(threshold)}).",
                    url=reverse("stock-overview", args=[require_organization().slug,
                                                        partnership.pk]),
                    dedupe_key=f"integrations:stock:{policy.pk}:{level}:{as_of:%Y%m%d%H%M%S}",
                )  # fmt: skip
                alerts += 1
        last_level[item] = level
    StockPosition.objects.bulk_create(created)
    audit_record(
        action="integrations.stock_positions.recorded", actor=actor, obj=partnership,
        changes={"positions": len(created), "alerts": alerts, "via": received_via},
    )  # fmt: skip
    return StockFeedResult(created, alerts)


SAMPLE_STOCK_FEED = """item,quantity,as_of
MAT-100231,950,{t1}
MAT-100877,140,{t1}
MAT-100231,610,{t2}
MAT-100877,35,{t2}
"""


def stock_feed_sample(*, now) -> str:
    return SAMPLE_STOCK_FEED.format(
        t1=(now - timedelta(hours=6)).isoformat(timespec="seconds"),
        t2=(now - timedelta(minutes=40)).isoformat(timespec="seconds"),
    )


def stock_feed_replay(*, partnership: Partnership, content: str, now) -> StockFeedResult:
    """The integration test: read a stock feed (CSV: item, quantity, as_of) as the feed would
    deliver it, with the levels and alerts it would raise and its sync lag, then roll it all
    back (nothing is kept, nobody is notified)."""
    header, records = csv_records(content or "", field="content")
    if {"item", "quantity", "as_of"} - set(header):
        raise ValidationError({"content": "The feed needs the columns item, quantity, as_of."})
    rows = [values for _, values in records[:5000]]
    with transaction.atomic():
        result = stock_positions_record(
            partnership=partnership, positions=rows, now=now, received_via="replay"
        )
        transaction.set_rollback(True)
    return result
