"""Asset transfers pinned rule by rule (found by `make mutation
MUTATION_ARGS=exit_planning.assets`, docs/mutation.md): each valuation method's missing input in
words, the straight line's rounding, what an asset stores and audits, and each party's single
acceptance."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exit_planning import services
from exit_planning.models import AssetTransfer
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.exit_planning.conftest import NOW

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


@pytest.mark.parametrize(
    ("method", "errors"),
    [
        ("book_value", {"book_value": ["Give the book value."]}),
        ("appraisal", {"appraised_value": ["Give the appraised fair market value."]}),
        (
            "straight_line",
            {
                "cost": ["Give the cost."],
                "useful_life_years": ["Give the useful life in years."],
                "age_years": ["Give the age in years."],
            },
        ),
        ("guess", {"method": ["Choose a valuation method."]}),
    ],
)
def test_each_method_asks_for_its_own_inputs_in_words(scope, plan, manager, method, errors):
    with pytest.raises(ValidationError) as refused:
        services.asset_create(
            plan=plan, actor=manager, name="Press", method=method, appraiser="Hill & Co"
        )
    assert refused.value.message_dict == errors
    assert not AssetTransfer.objects.exists()


def test_an_appraisal_names_its_appraiser(scope, plan, manager):
    with pytest.raises(ValidationError) as refused:
        services.asset_create(
            plan=plan, actor=manager, name="Press", method="appraisal", appraised_value=D(5)
        )
    assert refused.value.message_dict == {"appraiser": ["Name the appraiser."]}


def test_the_straight_line_rounds_half_up_and_counts_no_salvage_as_zero():
    # 100.01 − 100.01 × 1/2 = 50.005 → 50.01 (half up).
    value = services.asset_value(
        method="straight_line", currency="EUR", cost=D("100.01"), useful_life_years=2, age_years=1
    )
    assert value.amount == D("50.01")


def test_an_asset_is_stored_trimmed_in_the_partnerships_currency_and_audited(scope, plan, manager):
    asset = services.asset_create(
        plan=plan, actor=manager, name=" Press line ", method="appraisal", kind="equipment",
        appraised_value=D("1234.5"), appraiser=" Hill & Co ",
    )  # fmt: skip
    asset.refresh_from_db()
    assert (asset.name, asset.kind, asset.appraiser, asset.currency, asset.value) == (
        "Press line",
        "equipment",
        "Hill & Co",
        "EUR",
        D("1234.50"),
    )
    [event] = AuditEvent.objects.filter(action="exit_planning.asset.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(asset.pk),
        {"method": "appraisal", "value": "1234.50", "currency": "EUR"},
    )


def test_each_party_accepts_once_and_each_acceptance_is_audited(scope, plan, manager, guest):
    asset = services.asset_create(
        plan=plan, actor=manager, name="Press", method="book_value", book_value=D(10),
        currency="USD",
    )  # fmt: skip
    assert asset.currency == "USD"
    services.asset_accept(asset=asset, actor=manager, party="us", now=NOW)
    later = NOW + timedelta(hours=1)
    services.asset_accept(asset=asset, actor=guest, party="partner", now=later)
    asset.refresh_from_db()
    assert (asset.accepted_by_us, asset.accepted_by_us_at) == (manager, NOW)
    assert (asset.accepted_by_partner, asset.accepted_by_partner_at) == (guest, later)
    events = AuditEvent.objects.filter(action="exit_planning.asset.accepted").order_by("sequence")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (manager, str(asset.pk), {"party": "us"}),
        (guest, str(asset.pk), {"party": "partner"}),
    ]
    for party, label in (("us", "Us (the customer)"), ("partner", "The partner")):
        with pytest.raises(ConflictError) as refused:
            services.asset_accept(asset=asset, actor=manager, party=party, now=later)
        assert (refused.value.message, refused.value.code) == (
            f"{label} already accepted this valuation.",
            "accepted",
        )


def test_half_a_year_of_life_and_a_salvage_equal_to_the_cost_are_inputs():
    half = services.asset_value(
        method="straight_line", currency="EUR", cost=D(100), useful_life_years=D("0.5"),
        age_years=D("0.25"),
    )  # fmt: skip
    assert half.amount == D("50.00")
    kept = services.asset_value(
        method="straight_line", currency="EUR", cost=D(100), salvage_value=D(100),
        useful_life_years=5, age_years=3,
    )  # fmt: skip
    assert kept.amount == D("100.00")


def test_an_asset_without_a_currency_takes_the_partnerships(scope, plan, manager):
    plan.partnership.currency = "GBP"
    plan.partnership.save(update_fields=["currency"])
    asset = services.asset_create(
        plan=plan, actor=manager, name="Press", method="book_value", book_value=D(10)
    )
    assert asset.currency == "GBP"
