"""Partner guests inside the tenant, on the modules without a guest-route file of their own
(partnerships, contracts, risk, performance, exit planning): a guest invited to one partnership
never reaches another partnership's objects of the same organization (404 on reads, never a 2xx
on writes), by session or by API key, and lists none of them. Where a guest is refused a
whole module or a page of the buyer's own records (the risk register, the partner register,
sourcing cases, the playbook), a 403 is accepted only if the same request for an id that was
never used gets the same 403: the answer says nothing of the object.

Routes are discovered like the rest of the suite (tests/isolation/discovery.py): every API
route and every page with an object id of each module's models."""

import pytest

from tests.isolation.guests import (
    assert_guest_lists_none,
    assert_guest_refused_object,
    assert_guest_refused_page,
    make_guest_world,
    module_routes,
)

# heavy: about 160 s on a loaded slow machine (28 November 2026); unmarked, it was handed out last
# and ran alone at the end of the suite.
pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=85)]

MODULES = ("partnerships", "contracts", "risk", "performance", "exit_planning")
ROUTES = {app: module_routes(app) for app in MODULES}
API_OBJECTS = [(app, r) for app in MODULES for r in ROUTES[app][0]]
API_LISTS = [(app, r) for app in MODULES for r in ROUTES[app][1] if "GET" in r.methods]
PAGES = [(app, r) for app in MODULES for r in ROUTES[app][2]]


@pytest.fixture
def guest_world(org_a, owner, make_member):
    return make_guest_world(org_a, owner, make_member)


def test_the_guest_suite_discovers_each_module_s_routes():
    for app in MODULES:
        objects, lists, pages = ROUTES[app]
        assert objects and lists and pages, app


@pytest.mark.parametrize(("app", "route"), API_OBJECTS, ids=lambda v: getattr(v, "path", v))
def test_a_guest_never_reaches_objects_of_another_partnership(app, route, guest_world):
    assert_guest_refused_object(route, guest_world, refused_outright_ok=True)


@pytest.mark.parametrize(("app", "route"), API_LISTS, ids=lambda v: getattr(v, "path", v))
def test_a_guest_lists_no_row_of_another_partnership(app, route, guest_world):
    assert_guest_lists_none(route, guest_world, refused_outright_ok=True)


@pytest.mark.parametrize(("app", "route"), PAGES, ids=lambda v: getattr(v, "pattern", v))
def test_a_guest_never_opens_pages_of_another_partnership(app, route, guest_world):
    assert_guest_refused_page(route, guest_world, refused_outright_ok=True)
