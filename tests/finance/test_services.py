"""The finance rules through the services: the savings verification by the other party only,
gain-share statements from verified savings only, refused bad input (negative volumes,
overlapping tiers or bands, shares above 100 %, a currency without a rate)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import selectors, services
from finance.models import GainShareStatement, Party, SavingsEntry
from performance.models import Scorecard, StandingBand
from tenancy.errors import ConflictError, TransitionNotAllowed
from tests.finance.conftest import NOW, TODAY
from tests.innovation.factories import ImprovementInitiativeFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _saving(actor, partnership, **extra):
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


def test_cost_pool_allocation_statement_sums_to_the_pool(scope, fin, partnership):
    for name, amount, buyer, partner in (
        ("Joint engineering cell", "10000.00", "1", "2"),
        ("Shared warehouse", "999.99", "3", "3"),
    ):
        services.cost_pool_create(
            actor=fin,
            partnership=partnership,
            name=name,
            period_start=date(2030, 3, 17),
            basis="headcount",
            amount=D(amount),
            currency="EUR",
            buyer_driver=D(buyer),
            partner_driver=D(partner),
        )
    statement = selectors.allocation_statement(
        partnership=partnership, period_start=date(2030, 3, 1)
    )
    rows = {row["pool"].name: row for row in statement.rows}
    assert rows["Joint engineering cell"]["buyer"].amount == D("3333.33")
    assert rows["Joint engineering cell"]["partner"].amount == D("6666.67")
    assert rows["Shared warehouse"]["buyer"].amount == D("500.00")  # the tie's cent: first
    assert rows["Shared warehouse"]["partner"].amount == D("499.99")
    totals = statement.totals["EUR"]
    assert totals["buyer"] + totals["partner"] == totals["pool"]


def test_cost_pool_refuses_negative_amount_and_zero_drivers(scope, fin, partnership):
    with pytest.raises(ValidationError) as error:
        services.cost_pool_create(
            actor=fin,
            partnership=partnership,
            name="Bad",
            period_start=date(2030, 3, 1),
            amount=D("-1"),
            currency="EUR",
            buyer_driver=D(0),
            partner_driver=D(0),
        )
    assert set(error.value.message_dict) == {"amount", "partner_driver"}


def test_saving_is_computed_and_attributed(scope, fin, partnership, org_a):
    initiative = ImprovementInitiativeFactory(organization=org_a, partnership=partnership)
    entry = _saving(
        fin,
        partnership,
        initiative=initiative,
        index_base=D("100"),
        index_actual=D("95"),
        internal_note="Our walk-away price was 9.20",
    )
    assert entry.net_amount == D("500.00")  # (9.50 − 9.00) × 1,000
    assert entry.gross_amount == D("1000.00")
    assert entry.claimed_by_party == Party.BUYER
    assert entry.period_start == date(2030, 2, 1)
    assert entry.initiative == initiative


def test_saving_refuses_negative_volume(scope, fin, partnership):
    with pytest.raises(ValidationError) as error:
        _saving(fin, partnership, volume=D("-5"))
    assert "volume" in error.value.message_dict


def test_a_party_can_never_verify_its_own_claim(scope, fin, partnership, owner, guest):
    entry = _saving(fin, partnership)
    with pytest.raises(ConflictError, match="cannot verify its own claim"):
        services.savings_verify(entry=entry, actor=owner, now=NOW, evidence="Invoices")
    partner_claim = _saving(guest, partnership, internal_note="sneaky")
    assert partner_claim.claimed_by_party == Party.PARTNER
    assert partner_claim.internal_note == ""  # a guest never writes the buyer's note
    with pytest.raises(ConflictError, match="own claim"):
        services.savings_verify(entry=partner_claim, actor=guest, now=NOW, evidence="x")
    services.savings_verify(entry=partner_claim, actor=fin, now=NOW, evidence="PO history")
    assert partner_claim.status == SavingsEntry.Status.VERIFIED


def test_the_partner_guest_verifies_the_buyers_claim_with_evidence(scope, fin, partnership, guest):
    entry = _saving(fin, partnership)
    with pytest.raises(ValidationError):
        services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="  ")
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoice 4711")
    entry.refresh_from_db()
    assert (entry.status, entry.verified_by_party, entry.verified_by) == (
        "verified",
        Party.PARTNER,
        guest,
    )
    with pytest.raises(TransitionNotAllowed):
        services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="again")
    with pytest.raises(ValidationError):
        services.savings_accept(entry=entry, actor=fin, now=NOW, reason=" ")
    services.savings_accept(entry=entry, actor=fin, now=NOW, reason="Booked in Q1 savings")
    assert entry.status == SavingsEntry.Status.ACCEPTED


def test_disputed_saving_goes_back_to_the_claimant(scope, fin, partnership, guest):
    entry = _saving(fin, partnership)
    with pytest.raises(ValidationError):
        services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="")
    services.savings_dispute(entry=entry, actor=guest, now=NOW, reason="Volume was lower")
    with pytest.raises(ConflictError):
        services.savings_resubmit(entry=entry, actor=guest, now=NOW)
    services.savings_resubmit(entry=entry, actor=fin, now=NOW)
    assert entry.status == SavingsEntry.Status.CLAIMED


def _scheme(fin, partnership, **extra):
    scheme = services.gain_share_scheme_set(
        actor=fin, partnership=partnership, currency="EUR", **extra
    )
    services.gain_share_band_add(
        actor=fin, scheme=scheme, lower=D(0), upper=D(1000), partner_share=D(50)
    )
    services.gain_share_band_add(
        actor=fin, scheme=scheme, lower=D(1000), upper=None, partner_share=D(30)
    )
    return scheme


def test_gain_share_statement_counts_verified_savings_only(scope, fin, partnership, guest):
    _scheme(fin, partnership)
    verified = _saving(fin, partnership)  # 1,000.00
    services.savings_verify(entry=verified, actor=guest, now=NOW, evidence="Invoices")
    second = _saving(fin, partnership, actual_price=D("8"))  # 2,000.00
    services.savings_verify(entry=second, actor=guest, now=NOW, evidence="Invoices")
    _saving(fin, partnership, actual_price=D("5"))  # claimed only: 5,000.00 never counts
    statement = services.gain_share_statement_create(
        actor=fin,
        partnership=partnership,
        period_start=date(2030, 1, 1),
        period_end=date(2030, 3, 31),
        now=NOW,
    )
    # 3,000 verified: 50 % of 1,000 + 30 % of 2,000 = 1,100.
    assert statement.verified_savings == D("3000.00")
    assert statement.payout == D("1100.00")
    # The same savings never pay twice.
    again = services.gain_share_statement_create(
        actor=fin,
        partnership=partnership,
        period_start=date(2030, 1, 1),
        period_end=date(2030, 3, 31),
        now=NOW,
    )
    assert again.verified_savings == D("0.00")
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="issued", today=TODAY, reason="Q1 review"
    )
    with pytest.raises(ValidationError, match="payment reference"):
        services.gain_share_statement_transition(
            statement=statement, actor=fin, status="paid", today=TODAY, reason=""
        )
    services.gain_share_statement_transition(
        statement=statement, actor=fin, status="paid", today=TODAY, reason="Credit note 17"
    )
    assert (statement.status, statement.paid_on) == (GainShareStatement.Status.PAID, TODAY)
    with pytest.raises(TransitionNotAllowed):
        services.gain_share_statement_transition(
            statement=statement, actor=fin, status="issued", today=TODAY, reason="again"
        )


def test_gain_share_moves_with_the_scorecard_standing(scope, fin, partnership, guest, org_a):
    for name, low, high in (("Watch", 0, "59.99"), ("Good", 60, "84.99"), ("Preferred", 85, 100)):
        StandingBand.objects.create(name=name, min_score=D(low), max_score=D(high))
    Scorecard.objects.create(
        partnership=partnership,
        period_start=date(2030, 2, 1),
        status=Scorecard.Status.PUBLISHED,
        total=D("91"),
    )
    _scheme(fin, partnership, step_per_standing=D(5), reference_score=D(75))
    entry = _saving(fin, partnership)
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    statement = services.gain_share_statement_create(
        actor=fin,
        partnership=partnership,
        period_start=date(2030, 1, 1),
        period_end=date(2030, 3, 1),
        now=NOW,
    )
    # Preferred is one standing above Good: +5 points of 1,000 = 50 on top of 500.
    assert (statement.standing, statement.adjustment_points) == ("Preferred", D("5.00"))
    assert statement.payout == D("550.00")


def test_gain_share_bad_input_is_refused(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    with pytest.raises(ValidationError) as error:
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=D(0), upper=D(10), partner_share=D("120")
        )
    assert "partner_share" in error.value.message_dict
    with pytest.raises(ValidationError, match="overlaps"):
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=D(500), upper=D(800), partner_share=D(10)
        )
    with pytest.raises(ValidationError) as error:
        services.gain_share_scheme_set(
            actor=fin, partnership=partnership, currency="EUR", floor=D(10), cap=D(5)
        )
    assert "cap" in error.value.message_dict


def test_a_saving_in_a_currency_without_a_rate_is_refused_on_the_statement(
    scope, fin, partnership, guest
):
    _scheme(fin, partnership)
    entry = _saving(fin, partnership, currency="USD")
    services.savings_verify(entry=entry, actor=guest, now=NOW, evidence="Invoices")
    kwargs = {
        "actor": fin,
        "partnership": partnership,
        "period_start": date(2030, 2, 1),
        "period_end": date(2030, 2, 1),
        "now": NOW,
    }
    with pytest.raises(ValidationError, match="no USD/EUR rate for February 2030"):
        services.gain_share_statement_create(**kwargs)
    services.fx_rate_set(
        actor=fin, currency="EUR", quote_currency="USD", period_start=date(2030, 2, 1), rate=D(2)
    )
    statement = services.gain_share_statement_create(**kwargs)
    assert statement.verified_savings == D("500.00")  # 1,000 USD at 0.5 (the inverse rate)


def test_rebates_accrue_and_project_the_year_end_tier(scope, fin, partnership):
    scheme = services.rebate_scheme_create(
        actor=fin,
        partnership=partnership,
        name="Bearings",
        kind="incremental",
        year_start=date(2030, 1, 1),
        currency="EUR",
        competition_law_note="Reviewed by counsel: no loyalty effect.",
    )
    for low, high, price in ((0, 1000, "10.00"), (1000, 5000, "9.50"), (5000, None, "9.00")):
        services.rebate_tier_add(
            actor=fin,
            scheme=scheme,
            from_volume=D(low),
            to_volume=None if high is None else D(high),
            unit_price=D(price),
        )
    with pytest.raises(ValidationError, match="overlaps"):
        services.rebate_tier_add(
            actor=fin, scheme=scheme, from_volume=D(900), to_volume=D(1100), unit_price=D(9)
        )
    with pytest.raises(ValidationError) as error:
        services.volume_record(
            actor=fin, scheme=scheme, period_start=date(2030, 1, 1), volume=D(-10)
        )
    assert "volume" in error.value.message_dict
    for month, volume in ((1, 500), (2, 500), (3, 500)):
        services.volume_record(
            actor=fin, scheme=scheme, period_start=date(2030, month, 1), volume=D(volume)
        )
    position = selectors.rebate_position(scheme=scheme, today=date(2030, 3, 31))
    assert position.volume_to_date == D(1500)
    assert position.accrual.amount == D("250.00")  # 500 units in tier 2 at 0.50
    assert position.current_tier.from_volume == D(1000)
    assert position.projected_volume == D("6083.33")  # 1,500 × 365 / 90
    assert position.projected_tier.from_volume == D(5000)


def test_fx_rates_import_and_exposure(scope, fin, partnership):
    count = services.fx_rates_import_csv(
        actor=fin,
        text="currency,quote_currency,month,rate\nUSD,EUR,2030-01,0.93\nUSD,EUR,2030-02,0.99\n",
    )
    assert count == 2
    with pytest.raises(ValidationError) as error:
        services.fx_rates_import_csv(actor=fin, text="USD,XXX,2030-01,0.9\nUSD,EUR,2030-02,-1\n")
    assert len(error.value.message_dict["file"]) == 2
    arrangement = services.fx_arrangement_set(
        actor=fin,
        partnership=partnership,
        contract_currency="EUR",
        invoice_currency="USD",
        base_rate=D("0.90"),
        band_percent=D(5),
        bearer=Party.BUYER,
    )
    for month in (1, 2):
        services.fx_amount_record(
            actor=fin, arrangement=arrangement, period_start=date(2030, month, 1), amount=D(100000)
        )
    with pytest.raises(ValidationError, match="no USD/EUR rate for March 2030"):
        services.fx_amount_record(
            actor=fin, arrangement=arrangement, period_start=date(2030, 3, 1), amount=D(1)
        )
    rows = selectors.fx_exposure(arrangement=arrangement)
    assert [row["fx"].effect.amount for row in rows] == [D("3000.00"), D("9000.00")]
    assert rows[1]["fx"].other_part.amount == D("2250.00")


def test_payment_terms_refuse_a_discount_after_the_due_date(scope, fin, partnership):
    with pytest.raises(ValidationError) as error:
        services.payment_terms_set(
            actor=fin,
            partnership=partnership,
            net_days=30,
            discount_percent=D(2),
            discount_days=30,
            annual_spend=D("-1"),
            currency="EUR",
        )
    assert set(error.value.message_dict) == {"discount_days", "annual_spend"}
    terms = services.payment_terms_set(
        actor=fin,
        partnership=partnership,
        net_days=30,
        discount_percent=D(2),
        discount_days=10,
        annual_spend=D("3650000"),
        currency="EUR",
        payment_run_days=7,
    )
    view = selectors.working_capital_of(terms)
    assert view["current"].dpo_days == D("33.5")
    assert view["cash_difference"].amount == D("-200000.00")  # taking it pays 20 days earlier


@pytest.mark.parametrize(("net_days", "discount_days"), [(366, 0), (-1, 0), (30, 366)])
def test_payment_terms_run_0_to_365_days_on_each_field(
    scope, fin, partnership, net_days, discount_days
):
    with pytest.raises(ValidationError) as refused:
        services.payment_terms_set(
            actor=fin,
            partnership=partnership,
            net_days=net_days,
            discount_days=discount_days,
            currency="EUR",
        )
    wrong = "net_days" if not 0 <= net_days <= 365 else "discount_days"
    assert refused.value.message_dict[wrong] == ["Give 0 to 365 days."]


def test_payment_terms_of_0_and_365_days_are_kept(scope, fin, partnership):
    spend = {"annual_spend": D("1000000"), "currency": "EUR"}
    terms = services.payment_terms_set(
        actor=fin, partnership=partnership, net_days=365, discount_days=0, **spend
    )
    assert (terms.net_days, terms.discount_days) == (365, 0)
    terms = services.payment_terms_set(
        actor=fin, partnership=partnership, net_days=0, discount_days=0, **spend
    )
    assert terms.net_days == 0


def test_rebate_volumes_come_from_accepted_edi_invoices(scope, fin, partnership, org_a):
    from tests.integrations.factories import EdiDocumentFactory, EdiDocumentLineFactory

    scheme = services.rebate_scheme_create(
        actor=fin,
        partnership=partnership,
        name="Bearings",
        kind="retroactive",
        year_start=date(2030, 1, 1),
        currency="EUR",
    )
    for issued, status, doc_type, quantity, gtin in (
        (date(2030, 1, 5), "accepted", "invoice", "120", "4012345000016"),
        (date(2030, 1, 20), "accepted", "invoice", "80", "4012345000016"),
        (date(2030, 1, 21), "accepted", "invoice", "999", "9999999999999"),  # another item
        (date(2030, 2, 3), "rejected", "invoice", "500", "4012345000016"),  # unreadable
        (date(2030, 2, 4), "accepted", "order", "700", "4012345000016"),  # an order
        (date(2030, 3, 2), "accepted", "invoice", "50", "4012345000016"),
    ):
        document = EdiDocumentFactory(
            organization=org_a,
            partnership=partnership,
            issue_date=issued,
            status=status,
            doc_type=doc_type,
        )
        EdiDocumentLineFactory(
            organization=org_a, document=document, quantity=D(quantity), gtin=gtin
        )
    kwargs = {"actor": fin, "scheme": scheme, "today": TODAY, "item_code": "4012345000016"}
    assert services.rebate_volumes_from_invoices(**kwargs) == 2
    assert services.rebate_volumes_from_invoices(**kwargs) == 2  # a rerun changes nothing
    volumes = {v.period_start: v.volume for v in scheme.volumes.all()}
    assert volumes == {date(2030, 1, 1): D(200), date(2030, 3, 1): D(50)}
