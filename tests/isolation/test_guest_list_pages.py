"""Every page without an object id (lists, dashboards, calendars, inboxes, exports), opened by a
partner guest while every tenant model has a row in partnerships they were not invited to.

A guest holds a module's view permission at the list level (`tenancy.permissions.has_permission`:
"the list itself is restricted by restrict_for_guest"), so each list is only as narrow as its
selector. The object suite checks object pages and API lists; this file checks what the list
pages show: no link to another partnership's object, and none of its rows' names. Pages are
discovered, so a new list page is covered without editing this file."""

import re

import pytest
from django.test import Client

from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.isolation.conftest import COVERAGE
from tests.isolation.discovery import page_routes
from tests.isolation.guests import make_guest_world, rows_elsewhere

pytestmark = pytest.mark.django_db  # about 10 s since the names are found with `in` first

LIST_PAGES = [route for route in page_routes() if not route.id_kwargs]
# A link to one object's page: /o/alpha/<words>/<id>/...
OBJECT_LINK = re.compile(r'href="(/o/alpha/[\w/-]*?/(\d+)/[^"]*)"')


def _guest_client(org_a) -> Client:
    from tenancy.models import Membership

    membership = Membership.objects.get(organization=org_a, role=Role.PARTNER_GUEST)
    client = Client()
    client.force_login(membership.user)
    return client


def _allowed(href: str, theirs) -> bool:
    """Links a guest may be shown: their own partnership's pages (and its partner's)."""
    return href.startswith(
        (f"/o/alpha/partnerships/{theirs.pk}/", f"/o/alpha/partners/{theirs.partner_id}/")
    )


def _names(rows, theirs) -> list[str]:
    """Names that give a row away: the other partnerships' and every row's own name where the
    factory numbers it ("Master services agreement 12")."""
    names = set()
    for row in rows:
        text = str(row)
        if re.search(r"\d", text) and len(text) >= 10 and not text.isdigit():
            names.add(text)
    return sorted(names - {str(theirs)})


def test_a_guest_s_list_pages_show_nothing_of_partnerships_they_were_not_invited_to(
    org_a, owner, make_member
):
    make_guest_world(org_a, owner, make_member)
    from partnerships.models import Partnership

    with tenant_scope(org_a):
        theirs = Partnership.objects.get(name="Guest's own partnership")
        rows = rows_elsewhere(org_a, owner)
        rows += list(Partnership.objects.exclude(pk=theirs.pk))
        names = _names(rows, theirs)
    assert len(names) > 20, "the rows have no names to look for: the test proves nothing"
    findable = [(name, re.compile(re.escape(name) + r"(?!\d)")) for name in names]

    def named(page: str) -> list[str]:
        # `in` first: a plain substring test is far cheaper than hundreds of regular expressions
        # over every page; the pattern only decides where the name is found ("… 12" not "… 123").
        return [p.pattern for name, p in findable if name in page and p.search(page)]

    guest = _guest_client(org_a)
    owner_client = Client()
    owner_client.force_login(owner)
    leaks = []
    shown_to_owner = 0
    for route in LIST_PAGES:
        url = route.url("alpha", {})
        response = guest.get(url)
        if response.status_code != 200:
            continue
        page = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        for href, _ in OBJECT_LINK.findall(page):
            if not _allowed(href, theirs):
                leaks.append(f"{url} links to {href}")
        leaks += [f"{url} names “{pattern}”" for pattern in named(page)]
        COVERAGE["guest list pages checked"] += 1
        if named(owner_client.get(url).content.decode()):
            shown_to_owner += 1
    assert leaks == []
    assert shown_to_owner > 10, "the owner sees none of the rows either: the test proves nothing"
