"""The savings ledger's rules, each pinned (found by `make mutation MUTATION_ARGS=finance.savings`,
docs/mutation.md): what a claim may carry and each refusal in the user's words on its field, the
figures computed from every input, who may verify, dispute, resubmit and accept (with the
message and code each refusal has), what each step stores and the audit event it leaves."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import Party, SavingsEntry
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.finance.conftest import NOW
from tests.innovation.factories import ImprovementInitiativeFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
D = Decimal
LATER = NOW + timedelta(days=3)


def _claim(actor, partnership, **extra):
    fields = {
        "title": "Casting redesign",
        "period_start": date(2030, 2, 14),
        "currency": "EUR",
        "baseline_price": D("10"),
        "actual_price": D("9"),
        "volume": D("1000"),
        **extra,
    }
    return services.savings_record(actor=actor, partnership=partnership, now=NOW, **fields)


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


# -- recording a claim ------------------------------------------------------------------------


def test_a_field_a_saving_does_not_have_is_a_programming_error_that_names_it(
    scope, fin, partnership
):
    with pytest.raises(TypeError) as refused:
        _claim(fin, partnership, bogus=1)
    assert str(refused.value) == "Unknown savings fields: ['bogus']"


@pytest.mark.parametrize(
    "field", ["baseline_price", "actual_price", "volume", "baseline_volume", "implementation_cost"]
)
def test_a_negative_figure_is_refused_on_its_field(scope, fin, partnership, field):
    with pytest.raises(ValidationError) as refused:
        _claim(fin, partnership, **{field: D("-0.01")})
    assert refused.value.message_dict == {field: ["This cannot be negative."]}


@pytest.mark.parametrize(
    ("given", "missing", "label"),
    [
        ("index_base", "index_actual", "market index"),
        ("index_actual", "index_base", "market index"),
        ("fx_base", "fx_actual", "exchange rate"),
        ("fx_actual", "fx_base", "exchange rate"),
    ],
)
def test_half_an_adjustment_is_refused_on_the_half_that_is_missing(
    scope, fin, partnership, given, missing, label
):
    with pytest.raises(ValidationError) as refused:
        _claim(fin, partnership, **{given: D(100)})
    assert refused.value.message_dict == {
        missing: [f"Give the {label} at the baseline and in the period, or neither."]
    }


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("index_base", "A market index must be above zero."),
        ("index_actual", "A market index must be above zero."),
        ("fx_base", "An exchange rate must be above zero."),
        ("fx_actual", "An exchange rate must be above zero."),
    ],
)
def test_an_index_or_rate_of_zero_is_refused_in_words(scope, fin, partnership, field, message):
    pair = {"index_base": D(100), "index_actual": D(100)}
    if field.startswith("fx"):
        pair = {"fx_base": D(1), "fx_actual": D(1)}
    with pytest.raises(ValidationError) as refused:
        _claim(fin, partnership, **{**pair, field: D(0)})
    assert refused.value.message_dict == {field: [message]}


def test_an_exchange_rate_below_one_is_a_rate(scope, fin, partnership):
    entry = _claim(fin, partnership, fx_base=D("0.5"), fx_actual=D("0.55"))
    assert entry.net_amount == D("2000.00")  # (10 × 1.1 − 9) × 1,000


def test_the_initiative_must_be_one_of_this_partnership(scope, fin, partnership, org_a):
    elsewhere = ImprovementInitiativeFactory(
        organization=org_a, partnership=PartnershipFactory(organization=org_a)
    )
    with pytest.raises(ValidationError) as refused:
        _claim(fin, partnership, initiative=elsewhere)
    assert refused.value.message_dict == {
        "initiative": ["Choose an improvement initiative of this partnership."]
    }
    own = ImprovementInitiativeFactory(organization=org_a, partnership=partnership)
    assert _claim(fin, partnership, initiative=own).initiative == own


def test_a_claim_is_computed_from_every_figure_it_carries(scope, fin, partnership):
    entry = _claim(
        fin,
        partnership,
        baseline_volume=D(1200),
        index_base=D(100),
        index_actual=D(110),
        fx_base=D(1),
        fx_actual=D("1.1"),
    )
    entry.refresh_from_db()
    # Gross: 12,000 − 9,000. Net: (10 × 1.1 × 1.1 − 9) × 1,000 = 3,100.
    assert (entry.gross_amount, entry.net_amount) == (D("3000.00"), D("3100.00"))
    assert (entry.period_start, entry.currency) == (date(2030, 2, 1), "EUR")


def test_a_claim_records_who_claimed_it_for_which_party_and_when(scope, fin, partnership):
    entry = _claim(fin, partnership)
    entry.refresh_from_db()
    assert (entry.claimed_by, entry.claimed_by_party, entry.claimed_at) == (fin, Party.BUYER, NOW)
    event = _event("finance.saving.claimed")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(entry.pk),
        {"party": "buyer", "net": "1000.00", "currency": "EUR"},
    )


def test_the_partner_claims_without_a_note_of_its_own(scope, fin, guest, partnership):
    entry = _claim(guest, partnership)
    assert (entry.claimed_by_party, entry.internal_note) == (Party.PARTNER, "")


# -- verifying, disputing, resubmitting, accepting --------------------------------------------


def test_only_the_other_party_verifies_and_says_on_what(scope, fin, guest, partnership):
    entry = _claim(guest, partnership)
    with pytest.raises(ConflictError) as refused:
        services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="x")
    assert (refused.value.message, refused.value.code) == (
        "A party cannot verify its own claim: the buyer verifies it.",
        "own_claim",
    )
    with pytest.raises(ValidationError) as refused:
        services.savings_verify(entry=entry, actor=fin, now=NOW, evidence=" ")
    assert refused.value.message_dict == {"evidence": ["Say what the verification rests on."]}
    services.savings_verify(entry=entry, actor=fin, now=LATER, evidence=" PO history ")
    entry.refresh_from_db()
    assert (entry.verified_by, entry.verified_by_party, entry.verified_at, entry.evidence) == (
        fin,
        Party.BUYER,
        LATER,
        "PO history",
    )
    assert _event("finance.saving.verified").changes == {
        "party": "buyer",
        "evidence": "PO history",
    }


def test_only_the_other_party_disputes_and_says_why(scope, fin, guest, partnership):
    entry = _claim(fin, partnership)
    with pytest.raises(ConflictError) as refused:
        services.savings_dispute(entry=entry, actor=fin, now=NOW, reason="x")
    assert (refused.value.message, refused.value.code) == (
        "A party cannot dispute its own claim: the partner disputes it.",
        "own_claim",
    )
    with pytest.raises(ValidationError) as refused:
        services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="")
    assert refused.value.message_dict == {"reason": ["Say why the saving is disputed."]}
    services.savings_dispute(entry=entry, actor=guest, now=LATER, reason=" Volume was lower ")
    entry.refresh_from_db()
    assert (entry.status, entry.dispute_reason) == ("disputed", "Volume was lower")
    event = _event("finance.saving.disputed")
    assert (event.actor, event.object_id, event.changes) == (
        guest,
        str(entry.pk),
        {"party": "partner", "reason": "Volume was lower", "at": LATER.isoformat()},
    )


def test_a_saving_on_a_statement_can_no_longer_be_disputed(scope, fin, guest, partnership):
    scheme = services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="EUR")
    services.gain_share_band_add(
        actor=fin, scheme=scheme, lower=D(0), upper=None, partner_share=D(50)
    )
    entry = _claim(fin, partnership)
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    services.gain_share_statement_create(
        actor=fin,
        partnership=partnership,
        period_start=date(2030, 2, 1),
        period_end=date(2030, 2, 1),
        now=NOW,
    )
    entry.refresh_from_db()
    with pytest.raises(ConflictError) as refused:
        services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="Too late")
    assert (refused.value.message, refused.value.code) == (
        "This saving is on a gain-share statement already; it can no longer be disputed.",
        "on_statement",
    )
    entry.refresh_from_db()
    assert entry.status == "verified"


def test_only_the_claimant_resubmits_and_the_claim_is_dated_anew(scope, fin, guest, partnership):
    entry = _claim(fin, partnership)
    services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="Volume was lower")
    with pytest.raises(ConflictError) as refused:
        services.savings_resubmit(entry=entry, actor=guest, now=LATER)
    assert (refused.value.message, refused.value.code) == (
        "Only the party that claimed it can resubmit it.",
        "not_claimant",
    )
    services.savings_resubmit(entry=entry, actor=fin, now=LATER)
    entry.refresh_from_db()
    assert (entry.status, entry.claimed_at) == (SavingsEntry.Status.CLAIMED, LATER)
    event = _event("finance.saving.resubmitted")
    assert (event.actor, event.object_id, event.changes) == (fin, str(entry.pk), {})


def test_only_the_buyer_accepts_into_the_books_and_says_why(scope, fin, guest, partnership):
    entry = _claim(guest, partnership)
    services.savings_verify(entry=entry, actor=fin, now=NOW, evidence="PO history")
    with pytest.raises(ConflictError) as refused:
        services.savings_accept(entry=entry, actor=guest, now=NOW, reason="Mine")
    assert (refused.value.message, refused.value.code) == (
        "Savings are accepted by the buyer's finance.",
        "buyer_only",
    )
    with pytest.raises(ValidationError) as refused:
        services.savings_accept(entry=entry, actor=fin, now=NOW, reason=" ")
    assert refused.value.message_dict == {
        "reason": ["Say why the saving is accepted into the books."]
    }
    services.savings_accept(entry=entry, actor=fin, now=LATER, reason=" Booked in Q1 ")
    entry.refresh_from_db()
    assert entry.status == SavingsEntry.Status.ACCEPTED
    event = _event("finance.saving.accepted")
    assert (event.actor, event.object_id, event.changes) == (
        fin,
        str(entry.pk),
        {"at": LATER.isoformat(), "reason": "Booked in Q1"},
    )


def test_a_claim_in_yen_is_rounded_to_whole_yen(scope, fin, partnership):
    entry = _claim(
        fin,
        partnership,
        currency="JPY",
        baseline_price=D("10.5"),
        actual_price=D("9.25"),
        volume=D(3),
    )
    assert (entry.gross_amount, entry.net_amount) == (D(4), D(4))  # 3.75 rounds to 4 yen


def test_verifying_a_resubmitted_claim_clears_the_old_dispute_and_is_audited(
    scope, fin, guest, partnership
):
    entry = _claim(fin, partnership)
    services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="Volume was lower")
    services.savings_resubmit(entry=entry, actor=fin, now=NOW)
    services.savings_verify(entry=entry, actor=guest, now=LATER, evidence="Delivery notes")
    entry.refresh_from_db()
    assert (entry.status, entry.dispute_reason) == ("verified", "")
    event = _event("finance.saving.verified")
    assert (event.actor, event.object_id) == (guest, str(entry.pk))


def test_no_evidence_or_reason_at_all_is_refused_like_a_blank_one(scope, fin, guest, partnership):
    entry = _claim(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.savings_verify(entry=entry, actor=guest, now=NOW, evidence=None)
    assert list(refused.value.message_dict) == ["evidence"]
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    with pytest.raises(ValidationError) as refused:
        services.savings_accept(entry=entry, actor=fin, now=NOW, reason=None)
    assert list(refused.value.message_dict) == ["reason"]


# -- a page opened before the other party's step ---------------------------------------------


def _stale_after(entry, **now):
    """The page's copy of `entry`, loaded before another request moved it to `now`."""
    stale = SavingsEntry.objects.get(pk=entry.pk)
    SavingsEntry.objects.filter(pk=entry.pk).update(**now)
    return stale


def test_a_claim_disputed_since_the_page_was_opened_is_not_verified(scope, fin, guest, partnership):
    entry = _claim(guest, partnership)
    stale = _stale_after(entry, status="disputed", dispute_reason="Volume was lower")
    with pytest.raises(ConflictError) as refused:
        services.savings_verify(entry=stale, actor=fin, now=NOW, evidence="PO history")
    assert refused.value.code == "illegal_transition"
    entry.refresh_from_db()
    assert (entry.status, entry.dispute_reason) == ("disputed", "Volume was lower")


def test_a_saving_put_on_a_statement_since_the_page_was_opened_is_not_disputed(
    scope, fin, guest, partnership
):
    scheme = services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="EUR")
    services.gain_share_band_add(
        actor=fin, scheme=scheme, lower=D(0), upper=None, partner_share=D(50)
    )
    entry = _claim(fin, partnership)
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    stale = SavingsEntry.objects.get(pk=entry.pk)  # the page, before the statement
    services.gain_share_statement_create(
        actor=fin,
        partnership=partnership,
        period_start=date(2030, 2, 1),
        period_end=date(2030, 2, 1),
        now=NOW,
    )
    with pytest.raises(ConflictError) as refused:
        services.savings_dispute(entry=stale, actor=guest, now=NOW, reason="Too late")
    assert refused.value.code == "on_statement"
    entry.refresh_from_db()
    assert entry.status == "verified"


def test_a_claim_resubmitted_since_the_page_was_opened_is_not_resubmitted_again(
    scope, fin, guest, partnership
):
    entry = _claim(fin, partnership)
    services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="Volume was lower")
    stale = _stale_after(entry, status="claimed")
    with pytest.raises(ConflictError) as refused:
        services.savings_resubmit(entry=stale, actor=fin, now=LATER)
    assert refused.value.code == "illegal_transition"
    assert not AuditEvent.objects.filter(action="finance.saving.resubmitted").exists()


def test_a_saving_disputed_since_the_page_was_opened_is_not_accepted(
    scope, fin, guest, partnership
):
    entry = _claim(guest, partnership)
    services.savings_verify(entry=entry, actor=fin, now=NOW, evidence="PO history")
    stale = _stale_after(entry, status="disputed")
    with pytest.raises(ConflictError) as refused:
        services.savings_accept(entry=stale, actor=fin, now=LATER, reason="Booked in Q1")
    assert refused.value.code == "illegal_transition"
    entry.refresh_from_db()
    assert entry.status == "disputed"
