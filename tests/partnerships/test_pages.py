"""Pages of the partnerships module."""

import pytest

from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_the_workspace_marks_its_overview_tab_as_current(owner, org_a, client_as):
    partnership = PartnershipFactory(organization=org_a)
    page = client_as(owner).get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    assert f'<a href="/o/alpha/partnerships/{partnership.pk}/" aria-current="page">Overview' in page


def test_the_list_filters_by_status(owner, org_a, client_as):
    PartnershipFactory(organization=org_a, name="Running", status="active")
    PartnershipFactory(organization=org_a, name="Leaving", status="exiting")
    page = client_as(owner).get("/o/alpha/partnerships/?status=exiting").content.decode()
    assert "Leaving" in page and "Running" not in page


def test_the_dashboard_pages_the_portfolio_and_sums_it_in_sql(
    owner, org_a, client_as, django_assert_max_num_queries
):
    from decimal import Decimal

    PartnershipFactory.create_batch(
        55, organization=org_a, annual_value=Decimal("1000.00"), currency="EUR"
    )
    client = client_as(owner)
    with django_assert_max_num_queries(14):
        response = client.get("/o/alpha/")
    assert len(response.context["page"].object_list) == 50
    assert response.context["summary"]["total"] == 55
    assert response.context["summary"]["value_by_currency"] == [
        {"currency": "EUR", "total": Decimal("55000.00")}
    ]
    assert len(client.get("/o/alpha/?page=2").context["page"].object_list) == 5


def test_the_dashboard_searches_partner_names(owner, org_a, client_as):
    from tests.partnerships.factories import PartnerFactory

    PartnershipFactory(
        organization=org_a,
        name="Logistics",
        partner=PartnerFactory(organization=org_a, name="Brightwave"),
    )
    PartnershipFactory(organization=org_a, name="Packaging")
    page = client_as(owner).get("/o/alpha/?q=bright")
    assert [p.name for p in page.context["page"]] == ["Logistics"]
