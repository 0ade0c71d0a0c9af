"""Every tenant route, attacked from another organization.

For each API route and each page that takes an object id, the object is built (by its
registered factory) in organization A; a user of organization B, by session and by API key, must
get 404 for every method, and B's lists must never contain A's rows. The routes are discovered
(tests/isolation/discovery.py), so a new viewset or page is covered without editing this file.
"""

import pytest
from django.urls import get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.factories import factory_for
from tests.isolation.conftest import COVERAGE
from tests.isolation.discovery import (
    api_routes,
    listed_ids,
    model_for_kwarg,
    page_routes,
    parent_id,
    tenant_models,
)

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=90)]

API_ROUTES = api_routes()
PAGE_ROUTES = [route for route in page_routes() if route.id_kwargs]
LIST_PAGES = [route for route in page_routes() if not route.id_kwargs]


def _build(model, organization, owner):
    factory = factory_for(model)
    assert factory is not None, f"{model.__name__} has no factory in tests/<app>/factories.py"
    fields = {f.name for f in model._meta.get_fields()}
    extra = {}
    if "user" in fields and model._meta.model_name == "apikey":
        extra["user"] = owner
    if "recipient" in fields:
        extra["recipient"] = owner
    return factory(organization=organization, **extra)


@pytest.fixture
def world(org_a, org_b, owner, make_member):
    outsider = make_member(org_b, Role.ORG_ADMIN, email="attacker@bravo.test")
    session = APIClient()
    session.force_login(outsider)
    from tenancy.services import api_key_create

    _, raw_key = api_key_create(
        organization=org_b, user=outsider, name="attacker", now=timezone.now()
    )
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    own = APIClient()
    own.force_login(owner)
    return {
        "a": org_a,
        "b": org_b,
        "owner": owner,
        "own": own,
        "attackers": {"session": session, "api key": keyed},
    }


def test_every_tenant_model_has_a_factory():
    missing = [name for name, model in tenant_models().items() if factory_for(model) is None]
    assert missing == []


def test_the_suite_discovers_api_routes_and_pages():
    assert any(route.has_id for route in API_ROUTES)
    assert any("partnership_id" in route.id_kwargs for route in PAGE_ROUTES)
    # A page registered later is among them (the disclosure's edit page).
    assert "disclosure-edit" in {route.name for route in PAGE_ROUTES}


@pytest.mark.parametrize("route", [r for r in API_ROUTES if r.has_id], ids=lambda r: r.path)
def test_api_objects_of_another_organization_are_404(route, world):
    assert route.model is not None, f"{route.path}: its viewset declares no `model`"
    obj = _build(route.model, world["a"], world["owner"])
    # Sanity: the object is reachable for its own organization, so a 404 below means isolation.
    if "GET" in route.methods:
        own = world["own"].get(route.url("alpha", obj.pk))
        assert own.status_code != 404, f"owner cannot reach {route.path}: the test proves nothing"
    for how, client in world["attackers"].items():
        for method in route.methods:
            for slug in ("bravo", "alpha"):
                response = getattr(client, method.lower())(
                    route.url(slug, obj.pk), data={}, format="json"
                )
                assert response.status_code == 404, (
                    f"{method} {route.url(slug, obj.pk)} as B by {how}: {response.status_code}"
                )
                assert response["Content-Type"].startswith("application/json")
                COVERAGE[f"API requests refused ({how})"] += 1
    COVERAGE["API object routes"] += 1


@pytest.mark.parametrize(
    "route", [r for r in API_ROUTES if not r.has_id and "GET" in r.methods], ids=lambda r: r.path
)
def test_api_lists_of_another_organization_show_none_of_its_rows(route, world):
    if route.model is None:
        # Not a model list (an organization's singleton, such as its settings): another
        # organization's members are refused it like any other route.
        for how, client in world["attackers"].items():
            response = client.get(route.url("alpha"))
            assert response.status_code == 404, f"{route.path} by {how}: {response.status_code}"
        COVERAGE["API singleton routes"] += 1
        return
    obj = _build(route.model, world["a"], world["owner"])
    for how, client in world["attackers"].items():
        response = client.get(route.url("bravo"))
        assert response.status_code == 200, f"{route.path} by {how}: {response.status_code}"
        assert obj.pk not in listed_ids(response), f"{route.path} by {how} shows A's row"
        assert client.get(route.url("alpha")).status_code == 404
    COVERAGE["API list routes"] += 1


def _page_ids(route, world):
    deepest = route.id_kwargs[-1]
    model = model_for_kwarg(deepest)
    assert model is not None, f"{route.pattern}: no tenant model is named by `{deepest}`"
    obj = _build(model, world["a"], world["owner"])
    ids = {deepest: obj.pk}
    with tenant_scope(world["a"]):
        for kwarg in route.id_kwargs[:-1]:
            value = parent_id(obj, kwarg)
            if value is None:
                value = _build(model_for_kwarg(kwarg), world["a"], world["owner"]).pk
            ids[kwarg] = value
    return ids


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_pages_of_another_organizations_objects_are_404(route, world):
    ids = _page_ids(route, world)
    url_a, url_b = route.url("alpha", ids), route.url("bravo", ids)
    attacker = world["attackers"]["session"]
    for method in ("get", "post"):
        own = getattr(world["own"], method)(url_a)
        if own.status_code == 405:
            continue  # the page does not take this method at all, for anybody
        if method == "get":
            assert own.status_code != 404, f"owner cannot reach {url_a}: the test proves nothing"
        for url in (url_b, url_a):
            response = getattr(attacker, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
            COVERAGE["page requests refused"] += 1
    COVERAGE["page object routes"] += 1


@pytest.mark.parametrize("route", LIST_PAGES, ids=lambda r: r.pattern)
def test_pages_of_another_organization_are_404_for_non_members(route, world):
    url = route.url("alpha", {})
    response = world["attackers"]["session"].get(url)
    assert response.status_code == 404, f"GET {url}: {response.status_code}"
    COVERAGE["list pages refused"] += 1


def test_a_route_added_later_is_discovered_without_editing_the_suite(settings):
    """Mount one more viewset in a throwaway URLconf: discovery picks it up with its model."""
    import sys
    import types

    from django.urls import include, path
    from rest_framework.routers import SimpleRouter

    from partnerships.api import PartnerViewSet

    class LaterViewSet(PartnerViewSet):
        pass

    router = SimpleRouter()
    router.register("added-later", LaterViewSet, basename="added-later")
    urlconf = types.ModuleType("tests_isolation_later_urls")
    urlconf.urlpatterns = [
        *get_resolver().url_patterns,
        path("api/v1/o/<slug:org_slug>/", include(router.urls)),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        discovered = {r.path: r for r in api_routes(urlconf=urlconf.__name__)}
    finally:
        del sys.modules[urlconf.__name__]
    route = discovered["/api/v1/o/{org_slug}/added-later/{id}/"]
    assert route.model.__name__ == "Partner"
    assert set(route.methods) >= {"GET", "PUT", "PATCH", "DELETE"}
