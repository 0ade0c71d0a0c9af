"""Issue 21: forms pick a partnership or an agreement by searching (tenancy/widgets.py), never
from a select of every row: the page renders only the current choice, whatever the tenant's
size, and the search endpoints answer at most 20 matches the member may see."""

import re

import pytest

from contracts import views
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import SlaFactory

pytestmark = pytest.mark.django_db


def _grow(org, count):
    with tenant_scope(org):
        for index in range(count):
            partnership = PartnershipFactory(organization=org, name=f"Alder line {index:02d}")
            AgreementFactory(organization=org, partnership=partnership, title=f"MSA {index:02d}")


@pytest.mark.parametrize("count", [3, 30])
def test_the_agreement_form_renders_no_option_per_partnership_or_agreement(
    org_a, owner, client_as, django_assert_max_num_queries, count
):
    _grow(org_a, count)
    client = client_as(owner)
    with django_assert_max_num_queries(14):
        page = client.get("/o/alpha/contracts/agreements/").content.decode()
    assert re.findall(r"<option[^>]*>(?:Alder line|MSA) ", page) == []
    assert page.count('data-search-url="/o/alpha/partnerships/search/"') == 2  # filter and form
    assert page.count('data-search-url="/o/alpha/contracts/agreements/search/"') == 2


def test_a_search_answers_at_most_twenty_matches_by_name_or_partner(org_a, owner, client_as):
    _grow(org_a, 25)
    client = client_as(owner)
    found = client.get("/o/alpha/partnerships/search/", {"q": "alder line 1"}).json()["results"]
    assert [r["label"].split(" (")[0] for r in found] == [f"Alder line {i}" for i in range(10, 20)]
    assert len(client.get("/o/alpha/partnerships/search/", {"q": ""}).json()["results"]) == 20
    agreements = client.get("/o/alpha/contracts/agreements/search/", {"q": "MSA 2"}).json()
    assert {r["label"].split(" (")[0] for r in agreements["results"]} == {
        f"MSA {i}" for i in range(20, 25)
    }


def test_the_agreement_and_sla_pickers_narrow_to_one_partnership_and_ignore_a_bad_id(
    org_a, owner, client_as
):
    _grow(org_a, 25)
    with tenant_scope(org_a):
        chosen = PartnershipFactory(organization=org_a, name="Birch works")
        agreement = AgreementFactory(organization=org_a, partnership=chosen, title="MSA Birch")
        SlaFactory(organization=org_a, kpi__partnership=chosen, name="Birch uptime")
        SlaFactory(organization=org_a, name="Other uptime")
    client = client_as(owner)
    narrowed = client.get(
        "/o/alpha/contracts/agreements/search/", {"q": "MSA", "partnership": chosen.pk}
    ).json()["results"]
    assert narrowed == [{"id": agreement.pk, "label": "MSA Birch (Birch works)"}]
    anywhere = client.get(
        "/o/alpha/contracts/agreements/search/", {"q": "MSA", "partnership": "birch"}
    ).json()["results"]
    assert len(anywhere) == 20  # a partnership that is not a number narrows nothing
    slas = client.get(
        "/o/alpha/performance/slas/search/", {"q": "uptime", "partnership": chosen.pk}
    ).json()["results"]
    assert [r["label"] for r in slas] == ["Birch uptime (Birch works)"]
    assert client.get(
        "/o/alpha/performance/slas/search/", {"q": "x" * 5000, "partnership": "1e9"}
    ).json() == {"results": []}


def test_a_guest_searches_only_their_own_partnership(org_a, owner, make_member, client_as):
    _grow(org_a, 3)
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        mine = PartnershipFactory(organization=org_a, name="Alder guest deal")
        partnership_invite_guest(partnership=mine, guest=guest, actor=owner)
    found = client_as(guest).get("/o/alpha/partnerships/search/", {"q": "alder"}).json()
    assert [r["id"] for r in found["results"]] == [mine.pk]


def test_the_chosen_partnership_is_kept_when_the_form_comes_back_with_errors(
    org_a, owner, client_as
):
    _grow(org_a, 3)
    with tenant_scope(org_a):
        chosen = PartnershipFactory(organization=org_a, name="Chosen partnership")
    page = client_as(owner).post(
        "/o/alpha/contracts/agreements/", {"partnership": chosen.pk, "title": ""}
    )
    html = page.content.decode()
    assert f'<option value="{chosen.pk}" selected>Chosen partnership</option>' in html


def test_the_agreement_list_is_paginated(org_a, owner, client_as, monkeypatch):
    _grow(org_a, 5)
    monkeypatch.setattr(views, "AGREEMENTS_PER_PAGE", 2)
    page = client_as(owner).get("/o/alpha/contracts/agreements/", {"page": 3})
    assert len(page.context["agreements"]) == 1
    assert "Page 3 of 3 · 5 in all" in page.content.decode()
