"""Writes of the finance module. Every rule lives here once; pages and the API call these.

Bad input is a `ValidationError` with a message per field, raised before anything is saved;
a step the state does not allow is a `ConflictError` / `TransitionNotAllowed` (409). The clock
is an argument (`now=` / `today=`). The party of the actor (a partner guest is the partner;
anyone else in the organization is the buyer) comes from their membership, never from input.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from finance import calc
from finance.models import (
    SAVINGS_LIFECYCLE,
    STATEMENT_LIFECYCLE,
    CostPool,
    FxArrangement,
    FxInvoiceAmount,
    FxRate,
    GainShareBand,
    GainShareScheme,
    GainShareStatement,
    Party,
    PaymentTerms,
    RebateScheme,
    RebateTier,
    SavingsEntry,
    VolumeEntry,
)
from finance.selectors import invoiced_volumes, latest_scorecard_standing, rate_for
from partnerships.models import Partnership
from tenancy.audit import audit_record
from tenancy.context import require_organization
from tenancy.errors import ConflictError
from tenancy.models import Membership
from tenancy.money import CURRENCIES, Money

CURRENCY_CODES = {code for code, _ in CURRENCIES}


def month_start(day: date) -> date:
    return day.replace(day=1)


def party_of(actor) -> str:
    """The party the actor acts for in the current organization."""
    membership = Membership.objects.filter(
        organization=require_organization(), user=actor, is_active=True
    ).first()
    if membership is None:
        raise ConflictError("You are not a member of this organization.", code="not_member")
    return Party.PARTNER if membership.is_guest else Party.BUYER


def _full_clean(obj, exclude=None) -> None:
    # The organization is set on save from the tenant context; constraints are the database's
    # second wall, the services say what is wrong first.
    obj.full_clean(exclude=[*(exclude or []), "organization"], validate_constraints=False)


def _not_negative(errors: dict, **values) -> None:
    for name, value in values.items():
        if value is not None and value < 0:
            errors[name] = "This cannot be negative."


# -- shared cost model -------------------------------------------------------------------------

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


# -- savings ledger ----------------------------------------------------------------------------

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
    for base, actual, label in (
        ("index_base", "index_actual", "market index"),
        ("fx_base", "fx_actual", "exchange rate"),
    ):
        first, second = getattr(entry, base), getattr(entry, actual)
        if (first is None) != (second is None):
            missing = base if first is None else actual
            errors[missing] = f"Give the {label} at the baseline and in the period, or neither."
        for name, value in ((base, first), (actual, second)):
            if value is not None and value <= 0:
                errors[name] = f"A {label} must be above zero."
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


def _other_party_only(entry: SavingsEntry, actor, verb: str) -> str:
    party = party_of(actor)
    if party == entry.claimed_by_party:
        raise ConflictError(
            f"A party cannot {verb} its own claim: the "
            f"{'partner' if party == Party.BUYER else 'buyer'} {verb}s it.",
            code="own_claim",
        )
    return party


@transaction.atomic
def savings_verify(*, entry: SavingsEntry, actor, now: datetime, evidence: str) -> SavingsEntry:
    """The other party verifies a claim, saying what the verification rests on."""
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


# -- gain-sharing ------------------------------------------------------------------------------


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


@transaction.atomic
def gain_share_band_add(
    *, actor, scheme: GainShareScheme, lower: Decimal, upper: Decimal | None, partner_share
) -> GainShareBand:
    errors: dict = {}
    _not_negative(errors, lower=lower)
    if partner_share is None or not Decimal(0) <= partner_share <= Decimal(100):
        errors["partner_share"] = "A share is between 0 % and 100 %."
    if upper is not None and lower is not None and upper <= lower:
        errors["upper"] = "The upper bound must be above the lower bound."
    if errors:
        raise ValidationError(errors)
    new = calc.Band(lower, upper, partner_share)
    existing = [calc.Band(b.lower, b.upper, b.partner_share) for b in scheme.bands.all()]
    clash = calc.overlapping([*existing, new])
    if clash:
        raise ValidationError(
            {"lower": "This band overlaps another band of the scheme; bands cannot overlap."}
        )
    band = GainShareBand(scheme=scheme, lower=lower, upper=upper, partner_share=partner_share)
    _full_clean(band, exclude=["scheme"])
    band.save()
    audit_record(
        action="finance.gain_share.band_added",
        actor=actor,
        obj=band,
        changes={"lower": str(lower), "upper": str(upper), "share": str(partner_share)},
    )
    return band


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
    takes a reason (the payment reference, for a payout)."""
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


# -- pricing tiers and rebates -----------------------------------------------------------------


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
    if start < scheme.year_start or start >= scheme.year_start.replace(
        year=scheme.year_start.year + 1
    ):
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
    end = min(scheme.year_start.replace(year=scheme.year_start.year + 1), today)
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


# -- FX ----------------------------------------------------------------------------------------


def _rate_errors(currency: str, quote_currency: str, rate) -> dict:
    errors: dict = {}
    for name, code in (("currency", currency), ("quote_currency", quote_currency)):
        if code not in CURRENCY_CODES:
            errors[name] = f"“{code}” is not a currency we know."
    if not errors and currency == quote_currency:
        errors["quote_currency"] = "Choose two different currencies."
    if rate is None or rate <= 0:
        errors["rate"] = "A rate must be above zero."
    return errors


@transaction.atomic
def fx_rate_set(
    *, actor, currency: str, quote_currency: str, period_start: date, rate: Decimal
) -> FxRate:
    errors = _rate_errors(currency, quote_currency, rate)
    if errors:
        raise ValidationError(errors)
    obj, created = FxRate.objects.update_or_create(
        currency=currency,
        quote_currency=quote_currency,
        period_start=month_start(period_start),
        defaults={"rate": rate},
    )
    audit_record(
        action="finance.fx.rate_set",
        actor=actor,
        obj=obj,
        changes={"pair": f"{currency}/{quote_currency}", "rate": str(rate), "new": created},
    )
    return obj


def fx_rates_import_csv(*, actor, text: str) -> int:
    """Rates from CSV (`currency,quote_currency,month,rate`, month as YYYY-MM or YYYY-MM-DD);
    every row is checked first, and nothing is saved if any row is wrong."""
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() == "currency":
        rows = rows[1:]
    parsed, problems = [], []
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 4:
            problems.append(f"Row {number}: expected currency, quote currency, month and rate.")
            continue
        currency, quote, month, rate_text = (cell.strip().upper() for cell in row)
        try:
            period = date.fromisoformat(month if len(month) > 7 else f"{month}-01")
            rate = Decimal(rate_text)
        except (ValueError, InvalidOperation):
            problems.append(f"Row {number}: the month or the rate is not readable.")
            continue
        row_errors = _rate_errors(currency, quote, rate)
        if row_errors:
            problems.append(f"Row {number}: {' '.join(row_errors.values())}")
            continue
        parsed.append((currency, quote, period, rate))
    if problems:
        raise ValidationError({"file": problems[:10]})
    if not parsed:
        raise ValidationError({"file": "The file has no rates."})
    with transaction.atomic():
        for currency, quote, period, rate in parsed:
            fx_rate_set(
                actor=actor, currency=currency, quote_currency=quote, period_start=period, rate=rate
            )
    return len(parsed)


@transaction.atomic
def fx_arrangement_set(
    *,
    actor,
    partnership: Partnership,
    contract_currency: str,
    invoice_currency: str,
    base_rate: Decimal,
    band_percent: Decimal,
    bearer: str,
    other_share: Decimal = Decimal(50),
) -> FxArrangement:
    errors: dict = {}
    if base_rate is None or base_rate <= 0:
        errors["base_rate"] = "A rate must be above zero."
    if band_percent is None or not Decimal(0) <= band_percent <= Decimal(100):
        errors["band_percent"] = "The band is between 0 % and 100 %."
    if other_share is None or not Decimal(0) <= other_share <= Decimal(100):
        errors["other_share"] = "A share is between 0 % and 100 %."
    if contract_currency == invoice_currency:
        errors["invoice_currency"] = "With one currency there is no FX exposure."
    if errors:
        raise ValidationError(errors)
    arrangement = FxArrangement.objects.filter(partnership=partnership).first()
    if arrangement is None:
        arrangement = FxArrangement(partnership=partnership)
    arrangement.contract_currency = contract_currency
    arrangement.invoice_currency = invoice_currency
    arrangement.base_rate, arrangement.band_percent = base_rate, band_percent
    arrangement.bearer, arrangement.other_share = bearer, other_share
    _full_clean(arrangement, exclude=["partnership"])
    arrangement.save()
    audit_record(
        action="finance.fx.arrangement_set",
        actor=actor,
        obj=arrangement,
        changes={"base_rate": str(base_rate), "band": str(band_percent), "bearer": bearer},
    )
    return arrangement


@transaction.atomic
def fx_amount_record(
    *, actor, arrangement: FxArrangement, period_start: date, amount: Decimal
) -> FxInvoiceAmount:
    """What was invoiced in a month. The month needs a rate in the rates table."""
    if amount is None or amount < 0:
        raise ValidationError({"amount": "An invoiced amount cannot be negative."})
    start = month_start(period_start)
    if rate_for(arrangement.invoice_currency, arrangement.contract_currency, start) is None:
        raise ValidationError(
            {
                "period_start": f"There is no {arrangement.invoice_currency}/"
                f"{arrangement.contract_currency} rate for {start:%B %Y}; add it to the rates "
                "table first."
            }
        )
    obj, _ = FxInvoiceAmount.objects.update_or_create(
        arrangement=arrangement, period_start=start, defaults={"amount": amount}
    )
    audit_record(
        action="finance.fx.amount_recorded",
        actor=actor,
        obj=obj,
        changes={"period": start.isoformat(), "amount": str(amount)},
    )
    return obj


# -- payment terms -----------------------------------------------------------------------------

PAYMENT_TERMS_FIELDS = (
    "net_days",
    "discount_percent",
    "discount_days",
    "payment_run_days",
    "take_discount",
    "inventory",
    "annual_spend",
    "currency",
    "cost_of_capital",
)


@transaction.atomic
def payment_terms_set(*, actor, partnership: Partnership, **fields) -> PaymentTerms:
    unknown = set(fields) - set(PAYMENT_TERMS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown payment terms fields: {sorted(unknown)}")
    errors: dict = {}
    _not_negative(
        errors,
        annual_spend=fields.get("annual_spend"),
        discount_percent=fields.get("discount_percent"),
        cost_of_capital=fields.get("cost_of_capital"),
    )
    discount = fields.get("discount_percent") or Decimal(0)
    if discount >= 100:
        errors["discount_percent"] = "A discount is below 100 %."
    if discount > 0 and fields.get("discount_days", 0) >= fields.get("net_days", 30):
        errors["discount_days"] = "The discount must be for paying before the net due date."
    if fields.get("payment_run_days") is not None and not 1 <= fields["payment_run_days"] <= 90:
        errors["payment_run_days"] = "Pay at least every 90 days (1 = daily)."
    if errors:
        raise ValidationError(errors)
    terms = PaymentTerms.objects.filter(partnership=partnership).first() or PaymentTerms(
        partnership=partnership
    )
    for name, value in fields.items():
        setattr(terms, name, value)
    _full_clean(terms, exclude=["partnership"])
    terms.save()
    audit_record(
        action="finance.payment_terms.set",
        actor=actor,
        obj=terms,
        changes={"terms": str(terms), "inventory": terms.inventory},
    )
    return terms
