"""The guest half of the isolation suite, shared by every module's guest-route file: a partner
guest invited to one partnership never reaches another partnership's objects of the same
organization (404 on reads, never a 2xx on writes), by session or by API key, and lists none of
them. A module's file picks its routes with `module_routes` and calls the three checks."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tenancy.services import api_key_create
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
from tests.partnerships.factories import PartnershipFactory


def module_routes(app_label: str, api_prefixes=(), page_prefix: str | None = None):
    """(API object routes, API list routes, page object routes) of a module: its models' routes,
    plus the API routes under `api_prefixes` and the pages under `page_prefix` (a module's own
    routes on another module's models)."""

    def of_module(model) -> bool:
        return model is not None and model._meta.app_label == app_label

    def api(route) -> bool:
        return of_module(route.model) or (
            bool(api_prefixes) and route.path.startswith(tuple(api_prefixes))
        )

    def page(route) -> bool:
        return of_module(model_for_kwarg(route.id_kwargs[-1])) or (
            page_prefix is not None and route.pattern.startswith(page_prefix)
        )

    routes = api_routes()
    return (
        [r for r in routes if r.has_id and api(r)],
        [r for r in routes if not r.has_id and api(r)],
        [r for r in page_routes() if r.id_kwargs and page(r)],
    )


def router_prefixes(router) -> tuple[str, ...]:
    return tuple(f"/api/v1/o/{{org_slug}}/{prefix}/" for prefix, *_ in router.registry)


def make_guest_world(organization, owner, make_member) -> dict:
    """A guest of another partnership of `organization` (by session and by API key), and the
    owner's own session (to prove a route answers at all)."""
    guest = make_member(organization, Role.PARTNER_GUEST, email="guest@other-partner.test")
    with tenant_scope(organization):
        theirs = PartnershipFactory(organization=organization, name="Guest's own partnership")
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
    session = APIClient()
    session.force_login(guest)
    _, raw_key = api_key_create(
        organization=organization, user=guest, name="guest", now=timezone.now()
    )
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    own = APIClient()
    own.force_login(owner)
    return {
        "org": organization,
        "owner": owner,
        "own": own,
        "guests": {"session": session, "api key": keyed},
    }


def _build(model, organization):
    return factory_for(model)(organization=organization)


NEVER_AN_ID = 2_000_000_000


def _refused_outright(client, method: str, url: str, missing_url: str, status: int) -> bool:
    """A 403 that says nothing of the object: the same request for an id that was never used
    is refused the same way (the guest's role or module is refused, whatever the object)."""
    if status != 403:
        return False
    other = getattr(client, method)(missing_url, data={}, format="json")
    return other.status_code == 403


def assert_guest_refused_object(route, world, *, refused_outright_ok: bool = False) -> None:
    """404 on reads, 403/404 on writes; with `refused_outright_ok`, also a 403 given for any id
    (a module or role a guest never has, such as the risk register)."""
    obj = _build(route.model, world["org"])
    slug = world["org"].slug
    if "GET" in route.methods:
        own = world["own"].get(route.url(slug, obj.pk))
        assert own.status_code != 404, f"owner cannot reach {route.path}: the test proves nothing"
    for how, client in world["guests"].items():
        for method in route.methods:
            response = getattr(client, method.lower())(
                route.url(slug, obj.pk), data={}, format="json"
            )
            expected = {404} if method == "GET" else {403, 404}
            if refused_outright_ok and _refused_outright(
                client,
                method.lower(),
                route.url(slug, obj.pk),
                route.url(slug, NEVER_AN_ID),
                response.status_code,
            ):
                expected = {403}
            assert response.status_code in expected, (
                f"{method} {route.url(slug, obj.pk)} as a guest by {how}: {response.status_code}"
            )
            COVERAGE[f"guest API requests refused ({how})"] += 1
    COVERAGE["guest API object routes"] += 1


def assert_guest_lists_none(route, world, *, refused_outright_ok: bool = False) -> None:
    """The list answers without the other partnership's row; with `refused_outright_ok`, a
    403 (a module a guest never sees) is an answer too."""
    obj = _build(route.model, world["org"])
    for how, client in world["guests"].items():
        response = client.get(route.url(world["org"].slug))
        if refused_outright_ok and response.status_code == 403:
            COVERAGE["guest API lists refused outright"] += 1
            continue
        assert response.status_code == 200, f"{route.path} by {how}: {response.status_code}"
        assert obj.pk not in listed_ids(response), f"{route.path} shows the row"
    COVERAGE["guest API list routes"] += 1


def assert_guest_refused_page(route, world, *, refused_outright_ok: bool = False) -> None:
    """404 for GET and POST; with `refused_outright_ok`, also a 403 given for any id (a page of
    the buyer's own records, such as the partner register or a sourcing case)."""
    deepest = route.id_kwargs[-1]
    obj = _build(model_for_kwarg(deepest), world["org"])
    ids = {deepest: obj.pk}
    with tenant_scope(world["org"]):
        for kwarg in route.id_kwargs[:-1]:
            value = parent_id(obj, kwarg)
            if value is None:
                value = _build(model_for_kwarg(kwarg), world["org"]).pk
            ids[kwarg] = value
    url = route.url(world["org"].slug, ids)
    guest = world["guests"]["session"]
    for method in ("get", "post"):
        if getattr(world["own"], method)(url).status_code == 405:
            continue
        response = getattr(guest, method)(url)
        missing = route.url(world["org"].slug, dict.fromkeys(ids, NEVER_AN_ID))
        expected = (
            {403}
            if refused_outright_ok
            and _refused_outright(guest, method, url, missing, response.status_code)
            else {404}
        )
        assert response.status_code in expected, (
            f"{method.upper()} {url} as a guest: {response.status_code}"
        )
        COVERAGE["guest page requests refused"] += 1
    COVERAGE["guest page object routes"] += 1


# Flags that share a row with the partner: rows with them set are built too, so a list that
# shows a guest only shared rows still has something to leak.
SHARED_FLAGS = {"shared_with_partner"}


def rows_elsewhere(organization, owner) -> list:
    """Rows of every tenant model, each in a partnership the guest was not invited to (the
    factories make their own): one as the factory makes it and, for a model with a status, one
    in each status (a guest is shown more than drafts: the later states are the ones to hide)."""
    built = []
    with tenant_scope(organization):
        for model in tenant_models().values():
            if model._meta.model_name == "apikey":
                continue  # the organization's own keys: an admin's page, not a guest's list
            factory = factory_for(model)
            fields = {f.name: f for f in model._meta.get_fields()}
            extra = {"recipient": owner} if "recipient" in fields else {}
            built.append(factory(organization=organization, **extra))
            for flag in SHARED_FLAGS & set(fields):  # the rows a guest is shown at all
                built.append(factory(organization=organization, **{flag: True}, **extra))
            status = fields.get("status")
            for value, _ in getattr(status, "choices", None) or []:
                try:
                    with transaction.atomic():
                        built.append(factory(organization=organization, status=value, **extra))
                except (IntegrityError, ValidationError, ValueError, TypeError):
                    continue  # a state the factory cannot make on its own
    return built
