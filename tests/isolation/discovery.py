"""Finds every tenant route to attack, so a route added later is covered without edits.

API routes come from the OpenAPI schema (drf-spectacular) of `/api/v1/o/{org_slug}/…`, each
mapped to its viewset's `model` through the URL resolver. Pages come from the URL resolver: every
route under `/o/<org_slug>/` with `<name>_id` kwargs, the kwarg naming the model.
"""

import csv
import functools
import io
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from tenancy.models import ApiKey, Membership, OutboxMessage, TenantModel

API_PREFIX = "/api/v1/o/{org_slug}/"
PAGE_PREFIX = "o/<slug:org_slug>/"
# Tenant-owned but read before a tenant is known, or system tables filtered by organization by hand.
BOUNDARY_MODELS = (ApiKey, Membership, OutboxMessage)


@dataclass(frozen=True)
class ApiRoute:
    path: str  # OpenAPI path, e.g. /api/v1/o/{org_slug}/partnerships/{id}/
    methods: tuple[str, ...]
    model: type
    has_id: bool

    def url(self, org_slug: str, object_id=None) -> str:
        url = self.path.replace("{org_slug}", org_slug)
        return re.sub(r"\{[a-z_]*id\}", str(object_id), url) if self.has_id else url


@dataclass(frozen=True)
class PageRoute:
    pattern: str  # e.g. o/<slug:org_slug>/partnerships/<int:partnership_id>/
    name: str | None
    id_kwargs: tuple[str, ...] = field(default=())

    def url(self, org_slug: str, ids: dict) -> str:
        def fill(match):
            kwarg = match.group(2)
            return org_slug if kwarg == "org_slug" else str(ids[kwarg])

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.pattern)


def tenant_models() -> dict[str, type]:
    """Models the suite can target, by lower-case class name."""
    models = {}
    for model in apps.get_models():
        if issubclass(model, TenantModel) or model in BOUNDARY_MODELS:
            models[model._meta.model_name] = model
    return models


def model_for_kwarg(kwarg: str):
    """`agreement_id` → Agreement; `clause_version_id` → ClauseVersion."""
    name = kwarg.removesuffix("_id").replace("_", "")
    return tenant_models().get(name)


def parent_id(obj, kwarg: str, depth: int = 2):
    """The id `obj` holds for a route's outer kwarg: its own `<kwarg>` field
    (`partnership_id`), else its foreign key to the model the kwarg names (a tier's `scheme`
    for `rebate_scheme_id`), else the same through one of its foreign keys (a committee
    member's `committee.partnership_id`); None when none is found."""
    value = getattr(obj, kwarg, None)
    if value is not None:
        return value
    parent = model_for_kwarg(kwarg)
    relations = [f for f in obj._meta.concrete_fields if f.is_relation]
    for field_ in relations:
        if field_.related_model is parent:
            return getattr(obj, field_.attname)
    if depth > 1:
        for field_ in relations:
            related = getattr(obj, field_.name, None)
            if related is not None and field_.name != "organization":
                found = parent_id(related, kwarg, depth - 1)
                if found is not None:
                    return found
    return None


def api_routes(urlconf=None) -> list[ApiRoute]:
    """Every tenant API route of `urlconf` (the project's when None). The project's are read
    once per process: building the OpenAPI schema takes seconds, and the isolation files ask
    for it at import time, eleven times in each test process's collection."""
    if urlconf is None:
        return list(_project_api_routes())
    return _api_routes(urlconf)


@functools.cache
def _project_api_routes() -> tuple[ApiRoute, ...]:
    return tuple(_api_routes(None))


def _api_routes(urlconf) -> list[ApiRoute]:
    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        if not path.startswith(API_PREFIX):
            continue
        has_id = bool(re.search(r"\{[a-z_]*id\}", path))
        probe = re.sub(r"\{[a-z_]*id\}", "1", path.replace("{org_slug}", "probe"))
        view_class = getattr(resolve(probe, urlconf=urlconf).func, "cls", None)
        model = getattr(view_class, "model", None)
        methods = tuple(
            m.upper() for m in operations if m in {"get", "put", "patch", "delete", "post"}
        )
        routes.append(ApiRoute(path, methods, model, has_id))
    return routes


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


def page_routes(urlconf=None) -> list[PageRoute]:
    routes = []
    for pattern, name in _walk(get_resolver(urlconf).url_patterns):
        if not pattern.startswith(PAGE_PREFIX):
            continue
        kwargs = tuple(k for k in re.findall(r"<(?:\w+:)?(\w+)>", pattern) if k.endswith("_id"))
        routes.append(PageRoute(pattern, name, kwargs))
    return routes


def listed_ids(response) -> set:
    """Row ids of a JSON list (paginated or not) or of a CSV export with an `id` column."""
    if response["Content-Type"].startswith("text/csv"):
        text = (
            b"".join(response.streaming_content).decode()
            if response.streaming
            else (response.content.decode())
        )
        return {int(row["id"]) for row in csv.DictReader(io.StringIO(text))}
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if isinstance(rows, dict):  # an inbox: {change_requests: [...], minutes: [...]}
        rows = [row for value in rows.values() if isinstance(value, list) for row in value]
    return {row.get("id") for row in rows if isinstance(row, dict)}
