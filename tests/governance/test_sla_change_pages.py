"""Pages and API of SLA changes: proposed from the SLA's page or the change-request form,
shown on the change request, approved through governance's flow, and the SLA's version
history (also to the partner guest of the SLA's partnership, never of another)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from governance.models import ChangeRequest, SlaChange
from performance.models import SlaVersion
from tenancy.context import tenant_scope
from tests.governance.test_sla_changes import DECEMBER, make_sla, propose, submitted
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sla(org_a, manager, partnership):
    with tenant_scope(org_a):
        return make_sla(manager, partnership)


def form_post(sla, **overrides):
    data = {
        "partnership": sla.partnership_id,
        "title": "Stricter delivery SLA",
        "category": "service_level",
        "currency": "EUR",
        "sla": sla.pk,
        "sla_effective_from": "2029-12",
        "sla_target": "99",
        "sla_breach_threshold": "97",
        "sla_window_months": "1",
        "sla_tiers": "97, 3\n93, 6",
    }
    data.update(overrides)
    return data


def test_a_manager_proposes_new_terms_from_the_sla_page(org_a, manager, sla, client_as):
    client = client_as(manager)
    page = client.get(reverse("performance-sla-detail", args=["alpha", sla.pk])).content.decode()
    start = reverse("change-request-create", args=["alpha"]) + f"?sla={sla.pk}"
    assert start.replace("&", "&amp;") in page
    form = client.get(start).content.decode()
    assert 'name="sla_breach_threshold"' in form and 'value="95.0000"' in form
    response = client.post(reverse("change-request-create", args=["alpha"]), form_post(sla))
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(org_a):
        change = SlaChange.objects.select_related("change_request").get()
    assert (change.sla_id, change.effective_from, change.breach_threshold) == (
        sla.pk,
        DECEMBER,
        Decimal("97"),
    )
    assert change.change_request.category == ChangeRequest.Category.SERVICE_LEVEL
    assert change.tiers == [
        {"threshold": "93", "percent_of_fee": "6"},
        {"threshold": "97", "percent_of_fee": "3"},
    ]
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="sla-change"' in detail and "Dec 2029" in detail


def test_the_form_shows_the_sla_terms_errors_on_their_fields(manager, sla, client_as):
    url = reverse("change-request-create", args=["alpha"])
    response = client_as(manager).post(
        url, form_post(sla, sla_breach_threshold="99.5", sla_tiers="ninety")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "sla_tiers" in errors
    response = client_as(manager).post(url, form_post(sla, sla_breach_threshold="99.5"))
    assert "good side" in " ".join(response.context["form"].errors["sla_breach_threshold"])
    response = client_as(manager).post(url, form_post(sla, sla_effective_from=""))
    assert "sla_effective_from" in response.context["form"].errors


def test_the_edit_form_changes_and_removes_the_proposed_terms(org_a, manager, sla, client_as):
    with tenant_scope(org_a):
        change_request = propose(manager, sla)
    client = client_as(manager)
    url = reverse("change-request-edit", args=["alpha", change_request.pk])
    assert 'value="2029-12"' in client.get(url).content.decode()
    data = form_post(sla, sla_breach_threshold="96", sla_tiers="96, 3")
    data.pop("partnership")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    with tenant_scope(org_a):
        assert SlaChange.objects.get().breach_threshold == Decimal("96")
    data["sla"] = ""
    assert client.post(url, data).status_code == 302
    with tenant_scope(org_a):
        assert not SlaChange.objects.exists()


def test_approving_on_the_page_creates_the_version_the_sla_page_lists_with_its_period(
    org_a, manager, committee, guest, sla, client_as
):
    with tenant_scope(org_a):
        change_request = submitted(manager, propose(manager, sla), [committee, guest])
    for user in (committee, guest):
        response = client_as(user).post(
            reverse("change-request-approve", args=["alpha", change_request.pk]), {"comment": ""}
        )
        assert response.status_code == 302
    detail = client_as(manager).get(
        reverse("change-request-detail", args=["alpha", change_request.pk])
    )
    assert 'data-testid="sla-version-created"' in detail.content.decode()
    page = client_as(guest).get(reverse("performance-sla-detail", args=["alpha", sla.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert change_request.reference in html and "from Dec 2029" in html
    assert "up to Nov 2029" in html  # the original terms applied until November
    assert "Propose new terms" not in html  # a guest decides, and does not propose


def test_a_partner_guest_sees_no_sla_of_another_partnership(
    org_a, manager, guest, client_as, api_as
):
    with tenant_scope(org_a):
        other = make_sla(manager, PartnershipFactory(organization=org_a))
    url = reverse("performance-sla-detail", args=["alpha", other.pk])
    assert client_as(guest).get(url).status_code == 404
    response = api_as(guest, org_a).get(f"/api/v1/o/alpha/slas/{other.pk}/versions/")
    assert response.status_code == 404


def test_the_api_proposes_new_terms_and_the_approval_creates_the_version(
    org_a, manager, committee, guest, partnership, sla, api_as
):
    client = api_as(manager, org_a)
    created = client.post(
        "/api/v1/o/alpha/change-requests/",
        {"partnership": partnership.pk, "title": "Stricter delivery SLA"},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/o/alpha/change-requests/{created.json()['id']}/"
    body = {
        "sla": sla.pk,
        "effective_from": "2029-12-01",
        "target": "99",
        "breach_threshold": "97",
        "tiers": [{"threshold": "97", "percent_of_fee": "3"}],
    }
    bad = client.put(url + "sla-change/", {**body, "effective_from": "2029-12-15"}, format="json")
    assert bad.status_code == 400 and "first of a month" in bad.content.decode()
    proposed = client.put(url + "sla-change/", body, format="json")
    assert proposed.status_code == 200, proposed.content
    assert proposed.json()["category"] == "service_level"
    assert proposed.json()["sla_changes"][0]["breach_threshold"] == "97.0000"
    with tenant_scope(org_a):
        change_request = ChangeRequest.objects.get()
        submitted(manager, change_request, [committee, guest])
    for user in (committee, guest):
        decided = api_as(user, org_a).post(url + "approve/", {}, format="json")
        assert decided.status_code == 200, decided.content
    assert decided.json()["sla_changes"][0]["version"] is not None
    versions = api_as(guest, org_a).get(f"/api/v1/o/alpha/slas/{sla.pk}/versions/")
    assert versions.status_code == 200
    assert [
        (v["effective_from"], v["until"], v["source_reference"], v["in_force"])
        for v in versions.json()
    ] == [
        ("2029-12-01", None, change_request.reference, False),  # in 2029-12 (the clock: 2026)
        ("2029-01-01", "2029-11-01", "", True),
    ]


def test_a_guest_cannot_propose_sla_terms_through_the_api(org_a, manager, guest, sla, api_as):
    with tenant_scope(org_a):
        change_request = propose(manager, sla)
    response = api_as(guest, org_a).delete(
        f"/api/v1/o/alpha/change-requests/{change_request.pk}/sla-change/"
    )
    assert response.status_code == 403
    with tenant_scope(org_a):
        assert SlaChange.objects.exists()
        assert SlaVersion.objects.filter(sla=sla).count() == 1


def test_the_change_request_form_picks_the_sla_by_searching_not_from_every_sla(
    org_a, manager, partnership, sla, client_as
):
    with tenant_scope(org_a):
        other = make_sla(manager, PartnershipFactory(organization=org_a, name="Birch castings"))
    client = client_as(manager)

    form = client.get(reverse("change-request-create", args=["alpha"])).content.decode()
    assert 'data-search-url="/o/alpha/performance/slas/search/"' in form
    assert f'<option value="{sla.pk}"' not in form and f'<option value="{other.pk}"' not in form

    found = client.get("/o/alpha/performance/slas/search/", {"q": "birch"}).json()["results"]
    assert found == [{"id": other.pk, "label": f"{other.name} (Birch castings)"}]
    chosen = client.get(
        reverse("change-request-create", args=["alpha"]) + f"?sla={sla.pk}"
    ).content.decode()
    assert f'<option value="{sla.pk}" selected>' in chosen


def test_the_sla_search_shows_a_guest_only_the_slas_of_their_partnership(
    org_a, manager, partnership, sla, guest, client_as
):
    with tenant_scope(org_a):
        make_sla(manager, PartnershipFactory(organization=org_a, name="Birch castings"))

    found = client_as(guest).get("/o/alpha/performance/slas/search/").json()["results"]

    assert [row["id"] for row in found] == [sla.pk]
