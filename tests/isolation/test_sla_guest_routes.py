"""Partner guests and SLAs: a guest invited to one partnership sees the SLAs (and their version
history) of that partnership only; every SLA route of another partnership of the same
organization is a 404 to them (never a 2xx), by session or by API key.

Routes are discovered like the rest of the suite (tests/isolation/discovery.py): every API route
on the `Sla` viewset and every page taking an `sla_id`, so a route added later is covered."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships.services import partnership_invite_guest
from performance.models import Sla
from tenancy.context import tenant_scope
from tenancy.models import Role
from tenancy.services import api_key_create
from tests.isolation.conftest import COVERAGE
from tests.isolation.discovery import api_routes, page_routes
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import SlaFactory, SlaVersionFactory

pytestmark = pytest.mark.django_db

API_ROUTES = [r for r in api_routes() if r.has_id and r.model is Sla]
PAGE_ROUTES = [r for r in page_routes() if r.id_kwargs == ("sla_id",)]


@pytest.fixture
def guest_world(org_a, owner, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@other-partner.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a, name="Guest's own partnership")
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
        own_sla = SlaFactory(organization=org_a, kpi__partnership=theirs)
        SlaVersionFactory(organization=org_a, sla=own_sla)
        other_sla = SlaFactory(organization=org_a)
        SlaVersionFactory(organization=org_a, sla=other_sla)
    session = APIClient()
    session.force_login(guest)
    _, raw_key = api_key_create(organization=org_a, user=guest, name="guest", now=timezone.now())
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return {
        "own_sla": own_sla,
        "other_sla": other_sla,
        "guests": {"session": session, "api key": keyed},
    }


def test_the_guest_suite_discovers_the_sla_routes():
    paths = {r.path for r in API_ROUTES}
    assert "/api/v1/o/{org_slug}/slas/{id}/versions/" in paths
    assert any(r.name == "performance-sla-detail" for r in PAGE_ROUTES)


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.path)
def test_a_guest_reaches_no_sla_of_another_partnership_through_the_api(route, guest_world):
    for how, client in guest_world["guests"].items():
        if "GET" in route.methods:
            own = client.get(route.url("alpha", guest_world["own_sla"].pk))
            assert own.status_code == 200, f"{route.path} by {how}: the guest's own SLA"
        for method in route.methods:
            response = getattr(client, method.lower())(
                route.url("alpha", guest_world["other_sla"].pk), data={}, format="json"
            )
            expected = {404} if method == "GET" else {403, 404}
            assert response.status_code in expected, (
                f"{method} {route.path} as a guest by {how}: {response.status_code}"
            )
            COVERAGE[f"guest API requests refused ({how})"] += 1


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.pattern)
def test_a_guest_opens_no_sla_page_of_another_partnership(route, guest_world):
    guest = guest_world["guests"]["session"]
    other = route.url("alpha", {"sla_id": guest_world["other_sla"].pk})
    for method in ("get", "post"):
        response = getattr(guest, method)(other)
        assert response.status_code in {404, 405}, (
            f"{method.upper()} {other}: {response.status_code}"
        )
        COVERAGE["guest page requests refused"] += 1
    if route.name == "performance-sla-detail":
        own = route.url("alpha", {"sla_id": guest_world["own_sla"].pk})
        assert guest.get(own).status_code == 200
