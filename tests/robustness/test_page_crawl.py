"""Issue 9: every demo role signs in and walks every page reachable from the navigation (two
links deep, one page per URL shape), and every list page is asked again with a NUL and with an
over-long search term. No page may answer 5xx, and no page shows a raw code: the stored value of
a choice ("supply_continuity", "fee_multiple") where its label belongs."""

import re
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from tenancy.demo import DEMO_PASSWORD
from tenancy.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=61)]

MAX_DEPTH = 3
MAX_PAGES_PER_ROLE = 80
HOSTILE_QUERIES = ("?q=%00", "?q=" + "x" * 5000)
# An amount of thousands with decimals and no thousands separator ("12500.00", "1234.5").
UNSEPARATED_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d+(?![\d.])")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    # <code>, <kbd>, <samp> and a <textarea>'s text hold what a person types (the clause
    # parameters are written as `notice_days = 90` on the review page): literal on purpose.
    HIDDEN = ("script", "style", "template", "code", "kbd", "samp", "textarea")

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def _raw_codes() -> re.Pattern:
    """Every stored choice value of the project's models that a person would never write (it
    has an underscore), as one pattern of whole words."""
    codes = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] in ("django", "guardian", "rest_framework"):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value and value != label:
                    codes.add(value)
    return re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, codes))) + r")(?![\w/.-])")


def _links(html: str, prefix: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if not parts.netloc and parts.path.startswith(prefix):
            found.append(href)
    return found


def _shape(url: str) -> str:
    """One page per URL shape: /partnerships/3/ and /partnerships/7/ are the same page."""
    path = urlsplit(url).path
    return re.sub(r"\d+", "N", path)


def _get(client: Client, url: str, problems: list, email: str):
    try:
        response = client.get(url)
    except Exception as error:  # noqa: BLE001 - every crash is a finding, reported together
        problems.append(f"{email} GET {url[:120]}: {error.__class__.__name__}: {error}"[:300])
        return None
    if response.status_code >= 500:
        problems.append(f"{email} GET {url[:120]}: {response.status_code}")
    return response


def test_every_demo_role_walks_every_page_from_the_navigation_without_a_server_error():
    call_command("seed_demo", stdout=StringIO())
    memberships = Membership.objects.filter(organization__slug="northwind").select_related("user")
    problems: list[str] = []
    raw_codes = _raw_codes()
    shown_codes: set[str] = set()
    unseparated: set[str] = set()
    visited_total = 0
    for membership in memberships:
        email = membership.user.email
        client = Client()
        signed_in = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, f"{email} could not sign in"
        prefix = "/o/northwind/"
        queue = [(prefix, 0)]
        seen_shapes = {_shape(prefix)}
        pages = 0
        while queue and pages < MAX_PAGES_PER_ROLE:
            url, depth = queue.pop(0)
            response = _get(client, url, problems, email)
            pages += 1
            if response is None or response.status_code != 200:
                continue
            if "text/html" not in response.headers.get("Content-Type", ""):
                continue
            text = _visible_text(response.content.decode())
            for code in raw_codes.findall(text):
                shown_codes.add(f"{_shape(url)}: {code}")
            for number in UNSEPARATED_AMOUNT.findall(text):
                unseparated.add(f"{_shape(url)}: {number}")
            if not re.search(r"/\d+/", url) and "?" not in url:  # a list or home page
                for query in HOSTILE_QUERIES:
                    _get(client, url + query, problems, email)
            if depth >= MAX_DEPTH:
                continue
            for link in _links(response.content.decode(), prefix):
                shape = _shape(link)
                if shape not in seen_shapes and "logout" not in link:
                    seen_shapes.add(shape)
                    queue.append((link, depth + 1))
        visited_total += pages
        assert pages > 1, f"{email} reached no page from the navigation"
    assert memberships.count() == 7
    assert visited_total > 50
    assert not problems, "\n".join(problems)
    assert not shown_codes, "raw codes on screen:\n" + "\n".join(sorted(shown_codes))
    assert not unseparated, "amounts without separators:\n" + "\n".join(sorted(unseparated))
