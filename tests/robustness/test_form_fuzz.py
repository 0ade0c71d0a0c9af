"""No input gives a 500, on the pages too: the demo's organization admin opens every page
reachable from the navigation (as the page crawl does), and every form posted from those pages
is sent back with careless or hostile values in each of its fields: text far over any length,
NUL characters, numbers too large for any column, dates at both edges of the calendar and past
them. A form may refuse (400, 409, 422, a redirect with a message); it never answers 5xx."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from tenancy.demo import DEMO_PASSWORD
from tenancy.models import Membership, Role
from tests.page_forms import posted_forms
from tests.robustness.test_page_crawl import _links, _shape

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=70)]

MAX_DEPTH = 3
MAX_PAGES = 150
# Forms that end the session or change who is signed in: posting them ends the walk.
SKIP_ACTIONS = re.compile(r"logout|/accounts/|/i18n/|switch")

TEXT_KINDS = {"text", "textarea", "email", "url", "search", "tel", "password"}
HOSTILE: dict[str, dict[str, str]] = {
    "far too long, with NUL, past the calendar's end": {
        "text": "a\x00" + "x" * 100_000,
        "number": "9" * 40,
        "date": "10000-01-01",
        "datetime-local": "9999-12-31T23:59",
        "month": "9999-12",
    },
    "blank, below any number, the calendar's start": {
        "text": " ",
        "number": "-1e999",
        "date": "0001-01-01",
        "datetime-local": "0001-01-01T00:00",
        "month": "0001-01",
    },
}


def _hostile(fields: dict, kinds: dict, values: dict) -> dict:
    sent = dict(fields)
    for name, kind in kinds.items():
        if kind in TEXT_KINDS and "text" in values:
            sent[name] = values["text"]
        elif kind in values:
            sent[name] = values[kind]
    return sent


def test_every_form_of_every_page_refuses_hostile_input_without_a_server_error():
    call_command("seed_demo", stdout=StringIO())
    admin = (
        Membership.objects.filter(organization__slug="northwind", role=Role.ORG_ADMIN)
        .select_related("user")
        .first()
    )
    client = Client(raise_request_exception=False)
    signed_in = client.post(
        "/accounts/login/", {"username": admin.user.email, "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302

    prefix = "/o/northwind/"
    queue, seen, forms = [(prefix, 0)], {_shape(prefix)}, {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url, depth = queue.pop(0)
        response = client.get(url)
        pages += 1
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        for action, fields, kinds in posted_forms(html):
            target = action or url
            if not target.startswith("/") or SKIP_ACTIONS.search(target):
                continue
            forms.setdefault(_shape(urlsplit(target).path), (target, fields, kinds))
        if depth < MAX_DEPTH:
            for link in _links(html, prefix):
                if _shape(link) not in seen and "logout" not in link:
                    seen.add(_shape(link))
                    queue.append((link, depth + 1))

    problems = []
    for target, fields, kinds in forms.values():
        for label, values in HOSTILE.items():
            response = client.post(target, _hostile(fields, kinds, values))
            if response.status_code >= 500:
                problems.append(f"POST {target} {label}: {response.status_code}")
    assert len(forms) > 60, f"only {len(forms)} forms found"  # 100 or so in the demo
    assert not problems, "\n".join(problems)
