"""Partner guests inside the tenant, on the innovation module: a guest invited to one
partnership never reaches the initiatives, pilots, task forces, sessions, sourcing models or
supplier programmes of another partnership of the same organization (404 on reads, never a 2xx
on writes), by session or by API key; and a guest lists none of them.

Routes are discovered exactly like the cross-tenant suite (tests/isolation/discovery.py): every
innovation API route and page with an object id, so a route added later is covered."""

import pytest

from tests.isolation.guests import (
    assert_guest_lists_none,
    assert_guest_refused_object,
    assert_guest_refused_page,
    make_guest_world,
    module_routes,
)

pytestmark = pytest.mark.django_db

API_ROUTES, API_LISTS, PAGE_ROUTES = module_routes("innovation")


@pytest.fixture
def guest_world(org_a, owner, make_member):
    return make_guest_world(org_a, owner, make_member)


def test_the_guest_suite_discovers_the_innovation_routes():
    paths = {r.path for r in API_ROUTES}
    assert "/api/v1/o/{org_slug}/innovation/initiatives/{id}/score/" in paths
    assert "/api/v1/o/{org_slug}/innovation/pilots/{id}/decide/" in paths
    assert "/api/v1/o/{org_slug}/innovation/supplier-programmes/{id}/" in paths
    kwargs = {r.id_kwargs[-1] for r in PAGE_ROUTES}
    assert {
        "improvement_initiative_id",
        "pilot_id",
        "task_force_id",
        "task_force_milestone_id",
        "knowledge_session_id",
        "session_material_id",
        "sourcing_model_id",
        "supplier_programme_id",
    } <= kwargs


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.path)
def test_a_guest_never_reaches_innovation_objects_of_another_partnership(route, guest_world):
    assert_guest_refused_object(route, guest_world)


@pytest.mark.parametrize(
    "route", [r for r in API_LISTS if "GET" in r.methods], ids=lambda r: r.path
)
def test_a_guest_lists_no_innovation_row_of_another_partnership(route, guest_world):
    assert_guest_lists_none(route, guest_world)


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_never_opens_innovation_pages_of_another_partnership(route, guest_world):
    assert_guest_refused_page(route, guest_world)
