"""The three-way match: the scheduled detection of discrepancies between orders, receipts and
invoices (integrations.matching), and what a buyer does with one (dispute, block the payment,
accept, resolve)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from integrations import webhooks
from integrations.edi.result import DESPATCH_ADVICE, INVOICE, ORDER
from integrations.matching import MatchLine, Tolerances, three_way_match
from integrations.models import DISCREPANCY_LIFECYCLE, Discrepancy, EdiDocument, EdiDocumentLine
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import PermissionDeniedError
from tenancy.models import User
from tenancy.selectors import people_to_pick


def match_tolerances() -> Tolerances:
    return Tolerances(
        quantity_percent=Decimal(
            str(getattr(settings, "INTEGRATIONS_MATCH_QUANTITY_TOLERANCE_PERCENT", "0"))
        ),
        price_percent=Decimal(
            str(getattr(settings, "INTEGRATIONS_MATCH_PRICE_TOLERANCE_PERCENT", "0.5"))
        ),
    )


_MATCH_FIELDS = ("expected", "actual", "unit", "amount_at_stake", "severity", "message",
                 "document_id", "line_number", "last_seen_at", "order_document_id")  # fmt: skip


@transaction.atomic
def discrepancies_detect(
    *, now, partnership_id: int | None = None, tolerances: Tolerances | None = None
) -> dict[str, int]:
    """The scheduled detection: every order with invoices or receipts is matched three ways
    (integrations.matching); new discrepancies are opened (owner: the partnership's owner),
    ones still found are brought up to date, open ones no longer found are resolved (the
    missing receipt came, the credit note arrived). Decided ones are left as decided.
    Returns counts: orders, opened, updated, cleared."""
    tolerances = tolerances or match_tolerances()
    documents = EdiDocument.objects.filter(status=EdiDocument.Status.ACCEPTED)
    if partnership_id is not None:
        documents = documents.filter(partnership_id=partnership_id)
    headers = list(
        documents.filter(doc_type__in=[ORDER, INVOICE, DESPATCH_ADVICE])
        .order_by("received_at", "pk")
        .values_list(
            "pk", "partnership_id", "doc_type", "document_number", "order_reference",
            "received_at", "currency",
        )
    )  # fmt: skip
    orders: dict[tuple[int, str], tuple[int, str]] = {}
    for pk, partnership, doc_type, number, _, _, currency in headers:
        if doc_type == ORDER and number:
            orders[(partnership, number)] = (pk, currency)  # the latest version wins
    followers: dict[tuple[int, str], list[tuple]] = {}
    for header in headers:
        key = (header[1], header[4])
        if header[2] != ORDER and key in orders:
            followers.setdefault(key, []).append(header)
    wanted = {pk for pk, _ in (orders[k] for k in followers)}
    wanted |= {h[0] for hs in followers.values() for h in hs}
    lines: dict[int, list[tuple]] = {}
    rows = EdiDocumentLine.objects.filter(document_id__in=wanted).values_list(
        "document_id", "line_number", "gtin", "buyer_item_code", "seller_item_code",
        "quantity", "unit", "unit_price",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=10_000):
        lines.setdefault(row[0], []).append(row)
    planned: dict[tuple, tuple] = {}
    for (partnership, number), found in followers.items():
        order_pk, currency = orders[(partnership, number)]
        info = {h[0]: h for h in found}

        def match_lines(pks, info=info, number=number):
            return [
                MatchLine(
                    pk,
                    info[pk][3] if pk in info else number,
                    info[pk][5] if pk in info else now,
                    *row[1:],
                )  # fmt: skip
                for pk in pks
                for row in lines.get(pk, [])
            ]

        results = three_way_match(
            order_number=number,
            order=match_lines([order_pk]),
            receipts=match_lines([h[0] for h in found if h[2] == DESPATCH_ADVICE]),
            invoices=match_lines([h[0] for h in found if h[2] == INVOICE]),
            tolerances=tolerances,
        )
        for result in results:
            planned[(partnership, number, result.item[:64], result.kind)] = (
                result,
                order_pk,
                currency,
            )
    existing = {
        (d.partnership_id, d.order_number, d.item, d.kind): d
        for d in Discrepancy.objects.filter(
            (Q(partnership_id=partnership_id) if partnership_id is not None else Q()),
            order_number__in={k[1] for k in followers} or {""},
        )
    }
    owners = dict(
        Partnership.objects.filter(pk__in={k[0] for k in followers}).values_list("pk", "owner_id")
    )
    new, changed, cleared = [], [], []
    for found_key, (result, order_pk, currency) in planned.items():
        values = {
            "expected": result.expected, "actual": result.actual, "unit": result.unit[:16],
            "amount_at_stake": result.amount_at_stake, "severity": result.severity,
            "message": result.message, "document_id": result.document_id,
            "line_number": result.line_number, "last_seen_at": now,
            "order_document_id": order_pk,
        }  # fmt: skip
        discrepancy = existing.get(found_key)
        if discrepancy is None:
            new.append(
                Discrepancy(
                    organization=require_organization(),
                    partnership_id=found_key[0],
                    order_number=found_key[1],
                    item=found_key[2],
                    kind=found_key[3],
                    currency=currency[:3],
                    owner_id=owners.get(found_key[0]),
                    detected_at=now,
                    **values,
                )  # fmt: skip
            )
        elif not discrepancy.is_closed:
            for name, value in values.items():
                setattr(discrepancy, name, value)
            changed.append(discrepancy)
    matched_orders = set(followers)
    for seen_key, discrepancy in existing.items():
        if (
            seen_key not in planned
            and (seen_key[0], seen_key[1]) in matched_orders
            and discrepancy.status == Discrepancy.Status.OPEN
        ):
            DISCREPANCY_LIFECYCLE.check(discrepancy.status, Discrepancy.Status.RESOLVED)
            discrepancy.status = Discrepancy.Status.RESOLVED
            discrepancy.resolution = "No longer found by the three-way match."
            discrepancy.decided_at = now
            cleared.append(discrepancy)
    Discrepancy.objects.bulk_create(new, batch_size=1000)
    Discrepancy.objects.bulk_update(changed, _MATCH_FIELDS, batch_size=1000)
    Discrepancy.objects.bulk_update(cleared, ["status", "resolution", "decided_at"])
    counts = {"orders": len(followers), "opened": len(new), "updated": len(changed),
              "cleared": len(cleared)}  # fmt: skip
    if new or cleared:
        audit_record(action="integrations.discrepancies.detected", changes=counts)
    webhooks.events_raise(
        event="discrepancy.opened", items=[discrepancy_payload(d) for d in new], now=now
    )
    return counts


def discrepancy_payload(discrepancy: Discrepancy) -> dict:
    return {
        "id": discrepancy.pk,
        "partnership": discrepancy.partnership_id,
        "order_number": discrepancy.order_number,
        "item": discrepancy.item,
        "kind": discrepancy.kind,
        "severity": discrepancy.severity,
        # Plain notation: 100 must not travel as "1E+2".
        "expected": f"{discrepancy.expected.normalize():f}",
        "actual": f"{discrepancy.actual.normalize():f}",
        "amount_at_stake": str(discrepancy.amount_at_stake),
        "currency": discrepancy.currency,
        "status": discrepancy.status,
    }


# What each action needs and does: (target status, field the reason goes to, word for it).
DISCREPANCY_ACTIONS = {
    "dispute": (Discrepancy.Status.DISPUTED, "dispute_note", "what the partner is told"),
    "block_payment": (Discrepancy.Status.PAYMENT_BLOCKED, "resolution", "why payment is blocked"),
    "accept": (Discrepancy.Status.ACCEPTED, "resolution", "why it is accepted"),
    "resolve": (Discrepancy.Status.RESOLVED, "resolution", "how it was resolved"),
}


@transaction.atomic
def discrepancy_act(
    *, discrepancy: Discrepancy, actor: User, action: str, reason: str, now
) -> Discrepancy:
    """Dispute (shared with the partner, who sees it and the note), block the payment, accept,
    or resolve a discrepancy; each needs a reason. Accepted and resolved are final. The buyer's
    own staff decide: a partner guest (the supplier's employee) never blocks or accepts the
    payment of their own invoice, whatever page or client calls this."""
    target, field_name, what = DISCREPANCY_ACTIONS[action]
    if not people_to_pick(organization=discrepancy.organization_id).filter(pk=actor.pk).exists():
        raise PermissionDeniedError("Only the buyer's own staff decide a discrepancy.")
    discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    DISCREPANCY_LIFECYCLE.check(discrepancy.status, target)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say {what}."})
    before = discrepancy.status
    discrepancy.status = target
    setattr(discrepancy, field_name, reason)
    if target == Discrepancy.Status.DISPUTED:
        discrepancy.shared_with_partner = True
    discrepancy.decided_by = actor
    discrepancy.decided_at = now
    discrepancy.save(
        update_fields=["status", field_name, "shared_with_partner", "decided_by", "decided_at"]
    )
    audit_record(
        action=f"integrations.discrepancy.{target}",
        actor=actor,
        obj=discrepancy,
        changes={"status": [before, target], "reason": reason},
    )
    return discrepancy
