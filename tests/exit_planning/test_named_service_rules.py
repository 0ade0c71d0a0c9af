"""Named rules of services that were exercised only through pages and jobs: an asset's value by
the agreed method (exit_planning.services.asset_value), the party a finance actor acts for
(finance.services.party_of) and a change request's address (governance)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exit_planning.services import asset_value
from finance.services import party_of
from governance.services import change_request_url
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import Role
from tests.governance.factories import ChangeRequestFactory


def test_straight_line_value_is_cost_less_the_used_share_of_cost_above_salvage():
    value = asset_value(
        method="straight_line", currency="EUR", cost="10000", salvage_value="1000",
        useful_life_years=4, age_years=1,
    )  # fmt: skip
    assert (value.amount, value.currency) == (Decimal("7750.00"), "EUR")


def test_an_asset_past_its_useful_life_is_worth_its_salvage_never_less():
    value = asset_value(
        method="straight_line", currency="EUR", cost="10000", salvage_value="1000",
        useful_life_years=4, age_years=9,
    )  # fmt: skip
    assert value.amount == Decimal("1000.00")


def test_each_missing_input_of_a_method_is_its_own_field_error():
    with pytest.raises(ValidationError) as refused:
        asset_value(method="straight_line", currency="EUR", cost="10")
    assert refused.value.message_dict == {
        "useful_life_years": ["Give the useful life in years."],
        "age_years": ["Give the age in years."],
    }
    with pytest.raises(ValidationError) as refused:
        asset_value(method="book_value", currency="EUR")
    assert refused.value.message_dict == {"book_value": ["Give the book value."]}
    with pytest.raises(ValidationError) as refused:
        asset_value(
            method="straight_line", currency="EUR", cost="10", salvage_value="11",
            useful_life_years=2, age_years=1,
        )  # fmt: skip
    assert refused.value.message_dict == {"salvage_value": ["The salvage value is above the cost."]}
    with pytest.raises(ValidationError) as refused:
        asset_value(
            method="straight_line", currency="EUR", cost="10", useful_life_years=0, age_years=1
        )
    assert refused.value.message_dict == {
        "useful_life_years": ["The useful life must be above zero."]
    }


def test_book_and_appraised_values_are_taken_as_given_in_their_currency():
    assert asset_value(method="book_value", currency="JPY", book_value="1200").amount == 1200
    appraised = asset_value(method="appraisal", currency="EUR", appraised_value="99.5")
    assert appraised.amount == Decimal("99.50")


@pytest.mark.django_db
def test_a_member_acts_for_the_buyer_a_guest_for_the_partner_an_outsider_for_no_one(
    org_a, owner, make_member, django_user_model
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    outsider = django_user_model.objects.create_user(email="out@else.test", password="x")
    with tenant_scope(org_a):
        assert (party_of(owner), party_of(guest)) == ("buyer", "partner")
        with pytest.raises(ConflictError) as refused:
            party_of(outsider)
    assert (refused.value.code, refused.value.message) == (
        "not_member",
        "You are not a member of this organization.",
    )


@pytest.mark.django_db
def test_a_change_requests_address_is_its_page_in_its_organization(org_a):
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a)
        assert change_request_url(change_request) == (
            f"/o/{org_a.slug}/governance/change-requests/{change_request.pk}/"
        )
