"""Partner guests inside the tenant, for the integrations module: a guest invited to one
partnership never reaches the documents, discrepancies, connectors, data-sharing terms or
webhooks of another partnership of the same organization (404 on reads; never a 2xx), by session
or by API key. Routes are discovered like the cross-tenant suite (tests/isolation/discovery.py):
every integrations API route and page with an object id, so a route added later is covered."""

import pytest
from rest_framework.test import APIClient

from integrations.api_urls import router
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tenancy.services import api_key_create
from tests.factories import factory_for
from tests.isolation.conftest import COVERAGE
from tests.isolation.discovery import api_routes, model_for_kwarg, page_routes
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _integrations(model) -> bool:
    return model is not None and model._meta.app_label == "integrations"


INTEGRATIONS_API_PREFIXES = tuple(
    f"/api/v1/o/{{org_slug}}/{prefix}/" for prefix, *_ in router.registry
)


def _integrations_api(route) -> bool:
    return _integrations(route.model) or route.path.startswith(INTEGRATIONS_API_PREFIXES)


def _integrations_page(route) -> bool:
    return _integrations(model_for_kwarg(route.id_kwargs[-1])) or route.pattern.startswith(
        "o/<slug:org_slug>/integrations/"
    )


API_ROUTES = [r for r in api_routes() if r.has_id and _integrations_api(r)]
API_LISTS = [r for r in api_routes() if not r.has_id and _integrations_api(r)]
PAGE_ROUTES = [r for r in page_routes() if r.id_kwargs and _integrations_page(r)]


@pytest.fixture
def guest_world(org_a, owner, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@other-partner.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a, name="Guest's own partnership")
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
    session = APIClient()
    session.force_login(guest)
    _, raw_key = api_key_create(organization=org_a, user=guest, name="guest")
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    own = APIClient()
    own.force_login(owner)
    return {
        "org": org_a,
        "owner": owner,
        "own": own,
        "guests": {"session": session, "api key": keyed},
    }


def _build(model, organization):
    return factory_for(model)(organization=organization)


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
    obj = _build(route.model, guest_world["org"])
    if "GET" in route.methods:
        own = guest_world["own"].get(route.url("alpha", obj.pk))
        assert own.status_code != 404, f"owner cannot reach {route.path}: the test proves nothing"
    for how, client in guest_world["guests"].items():
        for method in route.methods:
            response = getattr(client, method.lower())(
                route.url("alpha", obj.pk), data={}, format="json"
            )
            expected = {404} if method == "GET" else {403, 404}
            assert response.status_code in expected, (
                f"{method} {route.url('alpha', obj.pk)} as a guest by {how}: {response.status_code}"
            )
            COVERAGE[f"guest API requests refused ({how})"] += 1
    COVERAGE["guest API object routes"] += 1


@pytest.mark.parametrize(
    "route", [r for r in API_LISTS if "GET" in r.methods], ids=lambda r: r.path
)
def test_a_guest_lists_no_integrations_row_of_another_partnership(route, guest_world):
    obj = _build(route.model, guest_world["org"])
    for how, client in guest_world["guests"].items():
        response = client.get(route.url("alpha"))
        assert response.status_code == 200, f"{route.path} by {how}: {response.status_code}"
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        if isinstance(rows, dict):  # the inbox: {change_requests: [...], minutes: [...]}
            rows = [row for value in rows.values() for row in value]
        assert obj.pk not in {row.get("id") for row in rows}, f"{route.path} shows the row"
    COVERAGE["guest API list routes"] += 1


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_never_opens_integrations_pages_of_another_partnership(route, guest_world):
    deepest = route.id_kwargs[-1]
    obj = _build(model_for_kwarg(deepest), guest_world["org"])
    ids = {deepest: obj.pk}
    with tenant_scope(guest_world["org"]):
        for kwarg in route.id_kwargs[:-1]:
            value = getattr(obj, kwarg, None)
            if value is None:
                value = _build(model_for_kwarg(kwarg), guest_world["org"]).pk
            ids[kwarg] = value
    url = route.url("alpha", ids)
    guest = guest_world["guests"]["session"]
    for method in ("get", "post"):
        if getattr(guest_world["own"], method)(url).status_code == 405:
            continue
        response = getattr(guest, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} as a guest: {response.status_code}"
        )
        COVERAGE["guest page requests refused"] += 1
    COVERAGE["guest page object routes"] += 1
