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
