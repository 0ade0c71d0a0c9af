"""Specifications of the risk services: scales, allocation, certificates and their alerts, price
reviews, index imports, breach clocks, the score model, and what a guest never sees."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from risk import selectors, services
from risk.models import (
    CertificateAlert,
    DataBreach,
    IndexValue,
    InsuranceCertificate,
    PriceMechanism,
    PriceReview,
    Risk,
    RiskScore,
    ScoreFactor,
)
from tenancy.models import AuditEvent, Notification
from tests.contracts.factories import AgreementFactory, ClauseFactory
from tests.partnerships.factories import PartnerFinancialsFactory, PartnershipFactory
from tests.risk.factories import (
    CyberAllocationFactory,
    IndexValueFactory,
    InsuranceCertificateFactory,
    PriceMechanismFactory,
    ScoreFactorFactory,
)

pytestmark = pytest.mark.django_db


def _risk(manager, partnership, today, **fields):
    data = {
        "title": "Single-sourced castings",
        "category": Risk.Category.SUPPLY_CONTINUITY,
        "inherent_likelihood": 4,
        "inherent_impact": 5,
    }
    data.update(fields)
    return services.risk_create(actor=manager, partnership=partnership, today=today, **data)


# -- the register -----------------------------------------------------------------------------


def test_a_risk_is_rated_on_the_declared_scales(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today, residual_likelihood=2, residual_impact=3)
    assert (risk.inherent_score, risk.residual_score, risk.current_score) == (20, 6, 6)
    assert risk.rating == ("Medium", "amber")


@pytest.mark.parametrize(
    "field, value",
    [("inherent_likelihood", 6), ("inherent_impact", 0), ("residual_likelihood", 9)],
)
def test_a_rating_off_the_scale_is_a_field_error_and_nothing_is_saved(
    scope, manager, partnership, today, field, value
):
    extra = {"residual_impact": 2} if field == "residual_likelihood" else {}
    with pytest.raises(ValidationError) as error:
        _risk(manager, partnership, today, **{field: value}, **extra)
    assert "scale from 1 to 5" in error.value.message_dict[field][0]
    assert Risk.objects.count() == 0


def test_residual_likelihood_without_impact_is_refused(scope, manager, partnership, today):
    with pytest.raises(ValidationError) as error:
        _risk(manager, partnership, today, residual_likelihood=2)
    assert "residual_impact" in error.value.message_dict


def test_a_transferred_risk_names_the_party_and_the_basis(scope, manager, partnership, today):
    with pytest.raises(ValidationError) as error:
        _risk(manager, partnership, today, allocation="transferred", allocated_to="customer")
    assert set(error.value.message_dict) == {"allocated_to", "allocation_basis"}
    risk = _risk(
        manager,
        partnership,
        today,
        allocation="transferred",
        allocated_to="partner",
        allocation_basis="The partner controls the foundry and has the balance sheet for it.",
    )
    assert risk.get_allocated_to_display() == "The partner"


def test_a_retained_risk_stays_with_the_customer(scope, manager, partnership, today):
    with pytest.raises(ValidationError) as error:
        _risk(manager, partnership, today, allocation="retained", allocated_to="partner")
    assert "allocated_to" in error.value.message_dict


def test_the_allocating_clause_must_belong_to_the_partnership(scope, manager, partnership, today):
    other_clause = ClauseFactory(agreement=AgreementFactory(partnership=PartnershipFactory()))
    with pytest.raises(ValidationError) as error:
        _risk(manager, partnership, today, clause=other_clause)
    assert "clause" in error.value.message_dict
    own_clause = ClauseFactory(agreement=AgreementFactory(partnership=partnership))
    assert _risk(manager, partnership, today, clause=own_clause).clause == own_clause


def test_reallocating_a_risk_is_audited_as_an_allocation(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today)
    services.risk_update(
        risk=risk,
        actor=manager,
        today=today,
        allocation="shared",
        allocated_to="partner",
        allocation_basis="Both control part of the logistics chain.",
    )
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "risk.risk.allocated"
    assert event.changes["allocation"] == ["retained", "shared"]


def test_closing_a_risk_needs_a_reason(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today)
    with pytest.raises(ValidationError):
        services.risk_set_status(risk=risk, actor=manager, status="closed", reason=" ")
    services.risk_set_status(risk=risk, actor=manager, status="closed", reason="Second source")
    assert Risk.objects.get().status == "closed"


def test_review_reminders_go_out_once_per_review_date(scope, manager, partnership, today):
    _risk(manager, partnership, today, next_review_on=today + timedelta(days=10))
    assert services.risk_review_reminders_send(today=today) == 0  # 10 days away: not yet
    day = today + timedelta(days=4)
    assert services.risk_review_reminders_send(today=day) == 1
    assert services.risk_review_reminders_send(today=day) == 0
    assert services.risk_review_reminders_send(today=day + timedelta(days=1)) == 0
    assert Notification.objects.filter(recipient=manager).count() == 1


def test_the_heat_map_counts_open_risks_by_current_rating(scope, manager, partnership, today):
    _risk(manager, partnership, today)  # 4 × 5
    _risk(manager, partnership, today, residual_likelihood=2, residual_impact=3)
    closed = _risk(manager, partnership, today, inherent_likelihood=1, inherent_impact=1)
    services.risk_set_status(risk=closed, actor=manager, status="closed", reason="Gone")
    assert selectors.heatmap_counts(Risk.objects.all()) == {(4, 5): 1, (2, 3): 1}


# -- insurance --------------------------------------------------------------------------------


def test_a_certificate_expiring_before_it_starts_is_refused(scope, manager, partnership):
    with pytest.raises(ValidationError) as error:
        services.certificate_upload(
            actor=manager,
            partnership=partnership,
            coverage="cyber",
            insurer="Allied",
            limit=Decimal("1000000"),
            currency="EUR",
            starts_on=date(2030, 6, 1),
            expires_on=date(2030, 5, 31),
        )
    assert "expire before" in error.value.message_dict["expires_on"][0]
    assert InsuranceCertificate.objects.count() == 0


def test_expiry_alerts_go_out_once_at_each_threshold_as_the_clock_moves(
    scope, manager, partnership
):
    expires = date(2030, 12, 31)
    certificate = InsuranceCertificateFactory(partnership=partnership, expires_on=expires)
    sent_on = {}
    day = expires - timedelta(days=90)
    while day <= expires + timedelta(days=5):
        run = services.certificate_expiry_alerts_send(today=day)
        if run.sent:
            sent_on[(expires - day).days] = run.sent
        day += timedelta(days=1)
    assert sent_on == {60: 1, 30: 1, 7: 1}
    assert list(
        CertificateAlert.objects.filter(certificate=certificate).values_list(
            "threshold_days", "skipped"
        )
    ) == [(60, False), (30, False), (7, False)]
    titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
    assert len(titles) == 3
    assert [t.rsplit("expires in ", 1)[1] for t in titles] == ["60 days", "30 days", "7 days"]


def test_a_rerun_on_the_same_day_sends_nothing(scope, partnership):
    InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 3, 1))
    day = date(2030, 1, 1)  # 59 days before
    assert services.certificate_expiry_alerts_send(today=day).sent == 1
    assert services.certificate_expiry_alerts_send(today=day).sent == 0


def test_a_certificate_first_seen_late_gets_only_the_most_urgent_alert(scope, partnership):
    InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 1, 30))
    run = services.certificate_expiry_alerts_send(today=date(2030, 1, 10))  # 20 days before
    assert (run.sent, run.skipped) == (1, 1)  # the 30-day alert; 60 recorded as skipped
    assert Notification.objects.get().title.endswith("expires in 20 days")
    assert services.certificate_expiry_alerts_send(today=date(2030, 1, 15)).sent == 0
    assert services.certificate_expiry_alerts_send(today=date(2030, 1, 23)).sent == 1  # 7 days


def test_expired_certificates_stay_visible_and_flagged(scope, partnership):
    membership = partnership.owner.memberships.get()
    expired = InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 1, 5))
    soon = InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 1, 30))
    InsuranceCertificateFactory(partnership=partnership, expires_on=date(2031, 1, 1))
    today = date(2030, 1, 10)
    listed = list(selectors.expiring_certificates(membership=membership, today=today))
    assert listed == [expired, soon]
    assert expired.expiry_state(today) == ("Expired", "red")
    assert soon.expiry_state(today) == ("Expires in 20 days", "amber")


def test_coverage_gaps_flag_a_limit_below_the_requirement(scope, manager, partnership, today):
    services.insurance_requirement_set(
        actor=manager,
        partnership=partnership,
        coverage="product_liability",
        minimum_limit=Decimal("20000000"),
        currency="EUR",
    )
    certificate = InsuranceCertificateFactory(partnership=partnership, expires_on=date(2030, 6, 1))
    data = selectors.partnership_risk(membership=manager.memberships.get(), partnership=partnership)
    [gap] = selectors.coverage_gaps(data.requirements, data.certificates, today)
    assert gap["certificate"] == certificate
    assert gap["problem"] == "Limit EUR 10,000,000.00 is below the required EUR 20,000,000.00"


def test_a_penalty_cap_below_one_penalty_is_refused(scope, manager, partnership):
    with pytest.raises(ValidationError) as error:
        services.penalty_create(
            actor=manager,
            partnership=partnership,
            trigger="late_delivery",
            amount=Decimal("1000"),
            currency="EUR",
            unit="per_day",
            cap=Decimal("500"),
        )
    assert "cap" in error.value.message_dict


# -- price adjustment -------------------------------------------------------------------------


def _mechanism(manager, partnership, **fields):
    data = {
        "name": "Steel indexation",
        "index_name": "Steel HRC",
        "base_price": Decimal("100.00"),
        "currency": "EUR",
        "base_index_value": Decimal("200"),
        "weighting_percent": Decimal("60"),
        "cap_percent": Decimal("8"),
        "floor_percent": Decimal("-5"),
        "review_frequency_months": 3,
        "next_review_on": date(2030, 4, 1),
    }
    data.update(fields)
    return services.price_mechanism_create(actor=manager, partnership=partnership, **data)


def test_a_cap_below_the_floor_is_refused(scope, manager, partnership):
    with pytest.raises(ValidationError) as error:
        _mechanism(manager, partnership, cap_percent=Decimal("-6"))
    assert error.value.message_dict["cap_percent"] == [
        "The cap (-6 %) cannot be below the floor (-5 %)."
    ]
    assert PriceMechanism.objects.count() == 0


def test_a_review_applies_the_month_before_the_review_date_and_explains_it(
    scope, manager, partnership
):
    mechanism = _mechanism(manager, partnership)
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=Decimal("210"))
    review = services.price_review_run(mechanism=mechanism, actor=manager, today=date(2030, 4, 1))
    assert review.period == date(2030, 3, 1)
    assert review.adjusted_price == Decimal("103.00")
    assert review.explanation[-1] == "Adjusted price: EUR 100.00 × (1 + 3 %) = EUR 103.00."
    mechanism.refresh_from_db()
    assert mechanism.current_price == Decimal("103.00")
    assert mechanism.next_review_on == date(2030, 7, 1)


def test_reaching_the_cap_alerts_the_owner(scope, manager, partnership):
    mechanism = _mechanism(manager, partnership)
    IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=Decimal("230"))
    review = services.price_review_run(mechanism=mechanism, actor=manager, today=date(2030, 4, 2))
    assert (review.adjusted_price, review.limited_by) == (Decimal("108.00"), "cap")
    assert Notification.objects.get(recipient=manager).title == (
        "Steel indexation: the cap was reached"
    )


def test_a_missing_index_value_is_a_clear_field_error(scope, manager, partnership):
    mechanism = _mechanism(manager, partnership)
    with pytest.raises(ValidationError) as error:
        services.price_review_run(mechanism=mechanism, actor=manager, today=date(2030, 4, 1))
    assert error.value.message_dict["period"] == [
        "There is no value of Steel HRC for March 2030. Enter it or import it as CSV, then run "
        "the review."
    ]
    assert PriceReview.objects.count() == 0
    mechanism.refresh_from_db()
    assert mechanism.current_price is None


def test_a_due_review_date_alerts_the_owner_once(scope, manager, partnership):
    _mechanism(manager, partnership)
    assert services.price_review_alerts_send(today=date(2030, 3, 31)) == 0
    assert services.price_review_alerts_send(today=date(2030, 4, 1)) == 1
    assert services.price_review_alerts_send(today=date(2030, 4, 2)) == 0


def test_a_csv_import_is_all_or_nothing(scope, manager):
    bad = "index,period,value\nSteel HRC,2030-01,200\nSteel HRC,January,201\nSteel HRC,2030-03,x\n"
    with pytest.raises(ValidationError) as error:
        services.index_values_import_csv(actor=manager, content=bad)
    assert error.value.message_dict["file"] == [
        "Line 3: the period “January” is not a month (YYYY-MM).",
        "Line 4: the value “x” is not a number.",
    ]
    assert IndexValue.objects.count() == 0
    good = 'index,period,value\nSteel HRC,2030-01,200\nSteel HRC,2030-02,"1,201.5"\n'
    assert services.index_values_import_csv(actor=manager, content=good) == 2
    assert IndexValue.objects.get(period=date(2030, 2, 1)).value == Decimal("1201.5")


# -- breaches ---------------------------------------------------------------------------------


def test_logging_a_breach_starts_the_agreed_notification_clock(scope, manager, partnership, now):
    CyberAllocationFactory(partnership=partnership, notification_deadline_hours=24)
    detected = now - timedelta(hours=2)
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title="Leak", detected_at=detected, now=now
    )
    assert breach.notification_deadline == detected + timedelta(hours=24)
    assert not breach.is_overdue(now)
    assert breach.is_overdue(detected + timedelta(hours=25))


def test_a_breach_cannot_be_detected_in_the_future(scope, manager, partnership, now):
    with pytest.raises(ValidationError):
        services.data_breach_report(
            actor=manager,
            partnership=partnership,
            title="Leak",
            detected_at=now + timedelta(hours=1),
            now=now,
        )
    assert DataBreach.objects.count() == 0


# -- the score --------------------------------------------------------------------------------


def test_score_factors_whose_weights_do_not_add_up_are_refused(scope, manager):
    ScoreFactorFactory(name="Kept", weight=Decimal("100"))
    with pytest.raises(ValidationError) as error:
        services.score_factors_set(
            actor=manager, factors=[{"name": "A", "weight": 60}, {"name": "B", "weight": 30}]
        )
    assert error.value.message_dict["weights"] == [
        "The weights add up to 90; they must add up to 100."
    ]
    assert list(ScoreFactor.objects.values_list("name", flat=True)) == ["Kept"]


def test_a_partner_score_matches_the_hand_computed_case(scope, manager, partnership, today):
    factors = services.score_factors_set(
        actor=manager,
        factors=[
            {"name": "Financial strength", "weight": 40},
            {"name": "Market concentration", "weight": 35},
            {"name": "Geography", "weight": 25},
        ],
    )
    # 40 % × 70 + 35 % × 60 + 25 % × 20 = 28 + 21 + 5 = 54
    record = services.risk_score_record(
        actor=manager,
        partnership=partnership,
        ratings={f.pk: Decimal(v) for f, v in zip(factors, ("70", "60", "20"), strict=True)},
        buyer_threshold=Decimal("50"),
        partner_threshold=Decimal("60"),
        today=today,
    )
    assert record.score == Decimal("54.00")
    assert [row["contribution"] for row in record.breakdown] == ["28.00", "21.00", "5.00"]
    assert record.above_buyer_threshold and not record.above_partner_threshold


def test_a_rating_off_the_score_scale_is_a_field_error(scope, manager, partnership, today):
    [factor] = services.score_factors_set(actor=manager, factors=[{"name": "F", "weight": 100}])
    with pytest.raises(ValidationError) as error:
        services.risk_score_record(
            actor=manager,
            partnership=partnership,
            ratings={factor.pk: Decimal("101")},
            buyer_threshold=Decimal("50"),
            partner_threshold=Decimal("150"),
            today=today,
        )
    assert set(error.value.message_dict) == {f"factor_{factor.pk}", "partner_threshold"}
    assert RiskScore.objects.count() == 0


# -- guests -----------------------------------------------------------------------------------


def test_selectors_show_a_guest_nothing_of_the_register(scope, manager, guest, partnership, today):
    _risk(manager, partnership, today)
    PriceMechanismFactory(partnership=partnership)
    guest_membership = guest.memberships.get()
    assert list(selectors.risk_list(membership=guest_membership)) == []
    assert list(selectors.price_mechanisms(membership=guest_membership)) == []
    assert list(selectors.latest_scores(membership=guest_membership)) == []
    with pytest.raises(PermissionError):
        selectors.partnership_risk(membership=guest_membership, partnership=partnership)


def test_financial_strength_is_rated_from_the_partners_latest_accounts(
    scope, manager, partnership, today
):
    PartnerFinancialsFactory(
        partner=partnership.partner,
        year=2024,
        current_ratio=Decimal("2.5"),
        debt_ratio=Decimal("0.2"),
        margin_percent=Decimal("20"),
    )
    PartnerFinancialsFactory(
        partner=partnership.partner,
        year=2025,
        current_ratio=Decimal("1.4"),
        debt_ratio=Decimal("0.80"),
        margin_percent=Decimal("20"),
    )
    financial, geography = services.score_factors_set(
        actor=manager,
        factors=[
            {"name": "Financial strength", "weight": 60, "source": "financials"},
            {"name": "Geography", "weight": 40},
        ],
    )
    # 2025 accounts: (50 + 100 + 0) / 3 = 50; score 60 % × 50 + 40 % × 25 = 30 + 10 = 40
    record = services.risk_score_record(
        actor=manager,
        partnership=partnership,
        ratings={geography.pk: Decimal("25")},
        buyer_threshold=Decimal("50"),
        partner_threshold=Decimal("60"),
        today=today,
    )
    assert record.score == Decimal("40.00")
    assert record.breakdown[0]["rating"] == "50.00"
    assert record.breakdown[0]["note"].startswith("From the 2025 accounts")


def test_financial_strength_without_accounts_must_be_rated_by_hand(
    scope, manager, partnership, today
):
    [factor] = services.score_factors_set(
        actor=manager,
        factors=[{"name": "Financial strength", "weight": 100, "source": "financials"}],
    )
    with pytest.raises(ValidationError) as error:
        services.risk_score_record(
            actor=manager,
            partnership=partnership,
            ratings={},
            buyer_threshold=Decimal("50"),
            partner_threshold=Decimal("60"),
            today=today,
        )
    assert "No financial indicators" in error.value.message_dict[f"factor_{factor.pk}"][0]
