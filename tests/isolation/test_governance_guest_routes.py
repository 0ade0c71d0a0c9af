"""Partner guests inside the tenant: a guest invited to one partnership never reaches the
governance objects of another partnership of the same organization (404, not 403, on reads;
never a 2xx), nor the organization's internal decision rules, by session or by API key.

Routes are discovered exactly like the cross-tenant suite (tests/isolation/discovery.py): every
governance API route and page with an object id, so a route added later is covered."""

import pytest

from governance.api_urls import router
from tests.isolation.guests import (
    assert_guest_lists_none,
    assert_guest_refused_object,
    assert_guest_refused_page,
    make_guest_world,
    module_routes,
    router_prefixes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=80)]

API_ROUTES, API_LISTS, PAGE_ROUTES = module_routes(
    "governance",
    # Governance's own routes on the risk module's compliance models (officers, attestations).
    api_prefixes=router_prefixes(router),
    page_prefix="o/<slug:org_slug>/governance/",
)


@pytest.fixture
def guest_world(org_a, owner, make_member):
    return make_guest_world(org_a, owner, make_member)


def test_the_guest_suite_discovers_the_governance_routes():
    paths = {r.path for r in API_ROUTES}
    assert "/api/v1/o/{org_slug}/meetings/{id}/decisions/" in paths
    assert "/api/v1/o/{org_slug}/escalations/{id}/" in paths
    assert any("meeting_id" in r.id_kwargs for r in PAGE_ROUTES)
    assert "/api/v1/o/{org_slug}/officer-attestations/{id}/attest/" in paths
    assert any("compliance_requirement_id" in r.id_kwargs for r in PAGE_ROUTES)
    # The disclosure's edit page and its PATCH.
    assert "disclosure-edit" in {r.name for r in PAGE_ROUTES}
    disclosures = {r.path: r for r in API_ROUTES}["/api/v1/o/{org_slug}/disclosures/{id}/"]
    assert "PATCH" in disclosures.methods


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.path)
def test_a_guest_never_reaches_governance_objects_of_another_partnership(route, guest_world):
    assert_guest_refused_object(route, guest_world)


@pytest.mark.parametrize(
    "route", [r for r in API_LISTS if "GET" in r.methods], ids=lambda r: r.path
)
def test_a_guest_lists_no_governance_row_of_another_partnership(route, guest_world):
    assert_guest_lists_none(route, guest_world)


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_never_opens_governance_pages_of_another_partnership(route, guest_world):
    assert_guest_refused_page(route, guest_world)
