"""A procurement manager signs in and sees the portfolio; a user in two organizations switches."""

import pytest

from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_and_sees_the_organizations_partnerships(
    page, login, org_a, org_b, owner
):
    PartnershipFactory(organization=org_a, name="Drive-train alliance")
    PartnershipFactory(organization=org_b, name="Bravo secret deal")
    login(page, owner)
    assert page.url.endswith("/o/alpha/")
    portfolio = page.get_by_test_id("portfolio")
    assert "Drive-train alliance" in portfolio.inner_text()
    assert "Bravo secret deal" not in page.content()


def test_a_user_of_two_organizations_switches_between_them(page, login, org_a, org_b, owner):
    MembershipFactory(organization=org_b, user=owner, role=Role.VIEWER)
    PartnershipFactory(organization=org_b, name="Bravo partnership")
    login(page, owner)
    assert "Choose an organization" in page.content()
    page.get_by_role("link", name="Alpha Industries").click()
    page.get_by_test_id("org-switcher").click()
    page.get_by_role("link", name="Bravo Holdings").click()
    page.wait_for_url("**/o/bravo/")
    assert "Bravo partnership" in page.get_by_test_id("portfolio").inner_text()
