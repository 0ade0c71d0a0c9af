"""Issue 21: the API renders with orjson (tenancy.renderers.FastJSONRenderer), and what it writes
parses to exactly what DRF's own JSONRenderer writes, for every list and every object of the
demo data (an indented request is rendered by DRF itself, so both paths are compared through
the API)."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.functional import lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tenancy.models import Membership, Organization, Role
from tenancy.renderers import FastJSONRenderer
from tenancy.services import api_key_create
from tests.isolation.discovery import api_routes

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=28)]


def test_the_fast_renderer_writes_what_drf_writes_for_awkward_values():
    lazy_text = lazy(lambda: "Lieferant", str)()
    data = {
        "moment": dt.datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=dt.UTC),
        "day": dt.date(2026, 2, 28),
        "time": dt.time(23, 59, 59, 999999),
        "amount": Decimal("46250.00"),
        "label": lazy_text,
        "line separator": "a\u2028b",
        "unicode": "Zürich – 東京",
        7: "an integer key",
        "nested": [{"deep": [1, 2.5, None, True]}],
        "huge": 2**70,
    }
    fast = FastJSONRenderer().render(data)
    assert json.loads(fast) == json.loads(JSONRenderer().render(data))
    assert json.loads(fast)["moment"] == "2026-11-26T09:30:15.123456Z"


def test_every_demo_list_and_object_renders_as_drf_renders_it():
    call_command("seed_demo", stdout=StringIO())
    organization = Organization.objects.get(slug="northwind")
    admin = Membership.objects.filter(organization=organization, role=Role.ORG_ADMIN).first()
    _, key = api_key_create(
        organization=organization, user=admin.user, name="renderer", now=timezone.now()
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    compared = 0
    for route in api_routes():
        if "GET" not in route.methods or route.has_id:
            continue
        url = route.url("northwind")
        fast = client.get(url)
        if fast.status_code != 200 or fast["Content-Type"] != "application/json":
            continue
        drf = client.get(url, HTTP_ACCEPT="application/json; indent=2")
        assert b"\n  " in drf.content or len(drf.content) < 3  # DRF's own, indented output
        assert json.loads(fast.content) == json.loads(drf.content), url
        compared += 1
        results = json.loads(fast.content)
        rows = results.get("results", []) if isinstance(results, dict) else results
        if rows and isinstance(rows[0], dict) and "id" in rows[0]:
            detail = f"{url.split('?')[0]}{rows[0]['id']}/"
            fast = client.get(detail)
            if fast.status_code == 200:
                drf = client.get(detail, HTTP_ACCEPT="application/json; indent=2")
                assert json.loads(fast.content) == json.loads(drf.content), detail
                compared += 1
    assert compared >= 100
