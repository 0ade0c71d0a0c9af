"""Partner guests inside the tenant, for the integrations module: a guest invited to one
partnership never reaches the documents, discrepancies, connectors, data-sharing terms or
webhooks of another partnership of the same organization (404 on reads; never a 2xx), by session
or by API key. Routes are discovered like the cross-tenant suite (tests/isolation/discovery.py):
every integrations API route and page with an object id, so a route added later is covered."""

import pytest

from integrations.api_urls import router
from tests.isolation.guests import (
    assert_guest_lists_none,
    assert_guest_refused_object,
    assert_guest_refused_page,
    make_guest_world,
    module_routes,
    router_prefixes,
)

pytestmark = pytest.mark.django_db

API_ROUTES, API_LISTS, PAGE_ROUTES = module_routes(
    "integrations",
    api_prefixes=router_prefixes(router),
    page_prefix="o/<slug:org_slug>/integrations/",
)


@pytest.fixture
def guest_world(org_a, owner, make_member):
    return make_guest_world(org_a, owner, make_member)


def test_the_guest_suite_discovers_the_integrations_routes():
    paths = {r.path for r in API_ROUTES}
    assert "/api/v1/o/{org_slug}/discrepancies/{id}/dispute/" in paths
    assert "/api/v1/o/{org_slug}/connectors/{id}/retire/" in paths
    assert "/api/v1/o/{org_slug}/data-sharing-terms/{id}/hold/" in paths
    assert "/api/v1/o/{org_slug}/edi-documents/{id}/lines/" in paths
    assert any("discrepancy_id" in r.id_kwargs for r in PAGE_ROUTES)
    assert any("connector_id" in r.id_kwargs for r in PAGE_ROUTES)


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.path)
def test_a_guest_never_reaches_integrations_objects_of_another_partnership(route, guest_world):
    assert_guest_refused_object(route, guest_world)


@pytest.mark.parametrize(
    "route", [r for r in API_LISTS if "GET" in r.methods], ids=lambda r: r.path
)
def test_a_guest_lists_no_integrations_row_of_another_partnership(route, guest_world):
    assert_guest_lists_none(route, guest_world)


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_never_opens_integrations_pages_of_another_partnership(route, guest_world):
    assert_guest_refused_page(route, guest_world)
