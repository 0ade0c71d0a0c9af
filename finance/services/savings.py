"""The savings ledger: a saving recorded by one party, computed from its baseline, then verified
or disputed by the other party, resubmitted, or accepted."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import calc
from finance.models import SAVINGS_LIFECYCLE, Party, SavingsEntry
from finance.services._shared import _full_clean, _not_negative, month_start, party_of
from partnerships.models import Partnership
from tenancy.audit import audit_record, lock_fresh
from tenancy.errors import ConflictError

SAVINGS_FIELDS = (
    "title",
    "category",
    "period_start",
    "currency",
    "baseline_price",
    "actual_price",
    "volume",
    "baseline_volume",
    "index_base",
    "index_actual",
    "fx_base",
    "fx_actual",
    "initiative",
    "implementation_cost",
    "internal_note",
)


def _savings_errors(entry: SavingsEntry) -> dict:
    errors: dict = {}
    _not_negative(
        errors,
        baseline_price=entry.baseline_price,
        actual_price=entry.actual_price,
        volume=entry.volume,
        baseline_volume=entry.baseline_volume,
        implementation_cost=entry.implementation_cost,
    )
    for base, actual, label, article in (
        ("index_base", "index_actual", "market index", "A"),
        ("fx_base", "fx_actual", "exchange rate", "An"),
    ):
        first, second = getattr(entry, base), getattr(entry, actual)
        if (first is None) != (second is None):
            missing = base if first is None else actual
            errors[missing] = f"Give the {label} at the baseline and in the period, or neither."
        for name, value in ((base, first), (actual, second)):
            if value is not None and value <= 0:
                errors[name] = f"{article} {label} must be above zero."
    if entry.initiative_id and entry.initiative.partnership_id != entry.partnership_id:
        errors["initiative"] = "Choose an improvement initiative of this partnership."
    return errors


def _compute(entry: SavingsEntry) -> None:
    breakdown = calc.savings_breakdown(
        currency=entry.currency,
        baseline_price=entry.baseline_price,
        actual_price=entry.actual_price,
        volume=entry.volume,
        baseline_volume=entry.baseline_volume,
        index_base=entry.index_base,
        index_actual=entry.index_actual,
        fx_base=entry.fx_base,
        fx_actual=entry.fx_actual,
    )
    entry.gross_amount = breakdown.gross.amount
    entry.net_amount = breakdown.net.amount


@transaction.atomic
def savings_record(*, actor, partnership: Partnership, now: datetime, **fields) -> SavingsEntry:
    """A party claims a saving; the net amount is computed from the figures."""
    unknown = set(fields) - set(SAVINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown savings fields: {sorted(unknown)}")
    party = party_of(actor)
    if party == Party.PARTNER:
        fields.pop("internal_note", None)  # the buyer's note is never the partner's
    entry = SavingsEntry(
        partnership=partnership,
        claimed_by=actor,
        claimed_by_party=party,
        claimed_at=now,
        status=SavingsEntry.Status.CLAIMED,
        **fields,
    )
    errors = _savings_errors(entry)
    if errors:
        raise ValidationError(errors)
    if entry.period_start:
        entry.period_start = month_start(entry.period_start)
    _compute(entry)
    _full_clean(entry, exclude=["partnership", "statement"])
    entry.save()
    audit_record(
        action="finance.saving.claimed",
        actor=actor,
        obj=entry,
        changes={"party": party, "net": str(entry.net_amount), "currency": entry.currency},
    )
    return entry


THIRD_PERSON = {"verify": "verifies", "dispute": "disputes"}


def _other_party_only(entry: SavingsEntry, actor, verb: str) -> str:
    party = party_of(actor)
    if party == entry.claimed_by_party:
        raise ConflictError(
            f"A party cannot {verb} its own claim: the "
            f"{'partner' if party == Party.BUYER else 'buyer'} {THIRD_PERSON[verb]} it.",
            code="own_claim",
        )
    return party


@transaction.atomic
def savings_verify(*, entry: SavingsEntry, actor, now: datetime, evidence: str) -> SavingsEntry:
    """The other party verifies a claim, saying what the verification rests on."""
    lock_fresh(entry)  # the status as it is now, not as the page that asked saw it
    party = _other_party_only(entry, actor, "verify")
    SAVINGS_LIFECYCLE.check(entry.status, SavingsEntry.Status.VERIFIED)
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "Say what the verification rests on."})
    entry.status = SavingsEntry.Status.VERIFIED
    entry.verified_by, entry.verified_by_party, entry.verified_at = actor, party, now
    entry.evidence = evidence.strip()
    entry.dispute_reason = ""
    _full_clean(entry, exclude=["partnership", "statement"])
    entry.save()
    audit_record(
        action="finance.saving.verified",
        actor=actor,
        obj=entry,
        changes={"party": party, "evidence": entry.evidence},
    )
    return entry


@transaction.atomic
def savings_dispute(*, entry: SavingsEntry, actor, now: datetime, reason: str) -> SavingsEntry:
    lock_fresh(entry)
    party = _other_party_only(entry, actor, "dispute")
    SAVINGS_LIFECYCLE.check(entry.status, SavingsEntry.Status.DISPUTED)
    if entry.statement_id is not None:
        raise ConflictError(
            "This saving is on a gain-share statement already; it can no longer be disputed.",
            code="on_statement",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the saving is disputed."})
    entry.status = SavingsEntry.Status.DISPUTED
    entry.dispute_reason = reason.strip()
    entry.save(update_fields=["status", "dispute_reason"])
    audit_record(
        action="finance.saving.disputed",
        actor=actor,
        obj=entry,
        changes={"party": party, "reason": entry.dispute_reason, "at": now.isoformat()},
    )
    return entry


@transaction.atomic
def savings_resubmit(*, entry: SavingsEntry, actor, now: datetime) -> SavingsEntry:
    """The claiming party answers a dispute: the claim goes back for verification."""
    lock_fresh(entry)
    if party_of(actor) != entry.claimed_by_party:
        raise ConflictError("Only the party that claimed it can resubmit it.", code="not_claimant")
    SAVINGS_LIFECYCLE.check(entry.status, SavingsEntry.Status.CLAIMED)
    entry.status = SavingsEntry.Status.CLAIMED
    entry.claimed_at = now
    entry.save(update_fields=["status", "claimed_at"])
    audit_record(action="finance.saving.resubmitted", actor=actor, obj=entry, changes={})
    return entry


@transaction.atomic
def savings_accept(*, entry: SavingsEntry, actor, now: datetime, reason: str) -> SavingsEntry:
    """The buyer's finance accepts a verified saving into the books (for good: a reason)."""
    lock_fresh(entry)
    if party_of(actor) != Party.BUYER:
        raise ConflictError("Savings are accepted by the buyer's finance.", code="buyer_only")
    SAVINGS_LIFECYCLE.check(entry.status, SavingsEntry.Status.ACCEPTED)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the saving is accepted into the books."})
    entry.status = SavingsEntry.Status.ACCEPTED
    entry.save(update_fields=["status"])
    audit_record(
        action="finance.saving.accepted",
        actor=actor,
        obj=entry,
        changes={"at": now.isoformat(), "reason": reason.strip()},
    )
    return entry
