"""A KPI's and an SLA's owner is handed over on their pages and through the API: the owner is
who hears of a red KPI, a breach and a right to terminate, so when they move on their records
go to a colleague. A new KPI or SLA is offered to its creator; the pickers offer the
organization's active staff, never a partner guest (the service refuses one whatever calls it:
tests/tenancy/test_owners_are_staff.py)."""

import pytest

from performance.models import Kpi, Sla
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.page_forms import form_as_sent

pytestmark = pytest.mark.django_db
PAGES = "/o/alpha"
API = "/api/v1/o/alpha"


@pytest.fixture
def colleague(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Cleo Colleague")


@pytest.fixture
def guest(org_a, make_member):
    return make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")


def _reload(org, model, pk):
    with tenant_scope(org):
        return model.objects.select_related("owner").get(pk=pk)


def test_the_kpi_edit_page_hands_the_kpi_to_a_colleague_and_never_offers_a_guest(
    client_as, org_a, manager, scenario, colleague, guest
):
    kpi = scenario["otd"]
    url = f"{PAGES}/partnerships/{scenario['partnership'].pk}/performance/kpis/{kpi.pk}/edit/"
    client = client_as(manager)
    page = client.get(url).content.decode()
    assert "Cleo Colleague" in page and "Gus Guest" not in page
    sent = form_as_sent(page)
    assert sent["owner"] == str(manager.pk)  # shown as it is
    response = client.post(url, {**sent, "owner": str(colleague.pk)})
    assert response.status_code == 302
    assert _reload(org_a, Kpi, kpi.pk).owner == colleague
    refused = client.post(url, {**sent, "owner": str(guest.pk)})
    assert refused.status_code == 400 and "owner" in refused.context["form"].errors
    assert _reload(org_a, Kpi, kpi.pk).owner == colleague


def test_a_new_kpi_is_offered_to_its_creator_and_may_go_to_a_colleague(
    client_as, org_a, manager, scenario, colleague
):
    url = f"{PAGES}/partnerships/{scenario['partnership'].pk}/performance/kpis/new/"
    client = client_as(manager)
    sent = form_as_sent(client.get(url).content.decode())
    assert sent["owner"] == str(manager.pk)
    values = {
        **sent, "code": "lead_days", "name": "Lead time", "perspective": "operational",
        "unit": "days", "direction": "lower_is_better", "target": "5", "red_threshold": "9",
        "weight": "1", "frequency": "monthly", "source": "manual", "owner": str(colleague.pk),
    }  # fmt: skip
    assert client.post(url, values).status_code == 302
    with tenant_scope(org_a):
        assert Kpi.objects.get(code="lead_days").owner == colleague


def test_the_sla_edit_page_hands_the_sla_to_a_colleague(
    client_as, org_a, manager, scenario, colleague
):
    sla = scenario["sla"]
    url = f"{PAGES}/performance/slas/{sla.pk}/"
    client = client_as(manager)
    sent = form_as_sent(client.get(url).content.decode())
    assert sent["owner"] == str(manager.pk)
    assert client.post(url, {**sent, "owner": str(colleague.pk)}).status_code == 302
    assert _reload(org_a, Sla, sla.pk).owner == colleague


def test_the_api_hands_a_kpi_and_an_sla_over_and_refuses_a_guest_on_the_field(
    api_as, org_a, manager, scenario, colleague, guest
):
    client = api_as(manager, org_a)
    kpi, sla = scenario["otd"], scenario["sla"]
    answer = client.patch(f"{API}/kpis/{kpi.pk}/", {"owner": colleague.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["owner"] == colleague.pk
    answer = client.patch(f"{API}/slas/{sla.pk}/", {"owner": colleague.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["owner"] == colleague.pk
    refused = client.patch(f"{API}/kpis/{kpi.pk}/", {"owner": guest.pk}, format="json")
    assert refused.status_code == 400 and "owner" in str(refused.json())
    assert (_reload(org_a, Kpi, kpi.pk).owner, _reload(org_a, Sla, sla.pk).owner) == (
        colleague,
        colleague,
    )


def test_the_sla_list_names_each_slas_owner(client_as, manager, scenario):
    html = client_as(manager).get(f"{PAGES}/performance/slas/").content.decode()
    assert "<th>Owner</th>" in html and f"<td>{manager.display_name}</td>" in html
