"""Partner guests inside the tenant, on the finance module: a guest invited to one partnership
never reaches the cost pools, savings, gain-share statements, rebate schemes, tiers or monthly
volumes of another partnership of the same organization (404 on reads, never a 2xx on writes),
by session or by API key; and a guest lists none of them.

Routes are discovered exactly like the cross-tenant suite (tests/isolation/discovery.py): every
finance API route and page with an object id, so a route added later is covered."""

import pytest

from tests.isolation.guests import (
    assert_guest_lists_none,
    assert_guest_refused_object,
    assert_guest_refused_page,
    make_guest_world,
    module_routes,
)

pytestmark = pytest.mark.django_db

API_ROUTES, API_LISTS, PAGE_ROUTES = module_routes("finance")
# The organization's exchange-rate table belongs to no partnership; guests see none of it.
API_ROUTES = [r for r in API_ROUTES if "/fx-rates/" not in r.path]
API_LISTS = [r for r in API_LISTS if "/fx-rates/" not in r.path]


@pytest.fixture
def guest_world(org_a, owner, make_member):
    return make_guest_world(org_a, owner, make_member)


def test_the_guest_suite_discovers_the_finance_routes():
    paths = {r.path for r in API_ROUTES}
    assert "/api/v1/o/{org_slug}/finance/rebate-tiers/{id}/" in paths
    assert "/api/v1/o/{org_slug}/finance/rebate-volumes/{id}/" in paths
    assert "/api/v1/o/{org_slug}/finance/savings/{id}/verify/" in paths
    kwargs = {r.id_kwargs[-1] for r in PAGE_ROUTES}
    assert {
        "savings_entry_id",
        "gain_share_statement_id",
        "rebate_scheme_id",
        "rebate_tier_id",
        "volume_entry_id",
    } <= kwargs


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.path)
def test_a_guest_never_reaches_finance_objects_of_another_partnership(route, guest_world):
    assert_guest_refused_object(route, guest_world)


@pytest.mark.parametrize(
    "route", [r for r in API_LISTS if "GET" in r.methods], ids=lambda r: r.path
)
def test_a_guest_lists_no_finance_row_of_another_partnership(route, guest_world):
    assert_guest_lists_none(route, guest_world)


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_never_opens_finance_pages_of_another_partnership(route, guest_world):
    assert_guest_refused_page(route, guest_world)
