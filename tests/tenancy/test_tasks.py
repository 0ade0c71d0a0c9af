"""Tenant tasks set the organization for their body and clear it afterwards."""

import pytest
from django.utils import timezone

from tenancy.context import current_organization
from tenancy.tasks import tenant_probe

pytestmark = pytest.mark.django_db


def test_a_tenant_task_sees_its_organization_inside_and_none_after(org_a):
    result = tenant_probe.apply(kwargs={"organization_id": org_a.pk}).get()
    assert result["context_organization_id"] == org_a.pk
    assert result["database_organization_id"] == str(org_a.pk)
    assert current_organization() is None


def test_a_tenant_task_without_an_organization_is_refused():
    with pytest.raises(TypeError, match="organization_id"):
        tenant_probe.apply(kwargs={}, throw=True).get()


def test_a_tenant_task_counts_days_in_its_organizations_time_zone(org_a):
    org_a.time_zone = "Pacific/Kiritimati"
    org_a.save(update_fields=["time_zone"])
    result = tenant_probe.apply(kwargs={"organization_id": org_a.pk}).get()
    assert result["time_zone"] == "Pacific/Kiritimati"
    assert timezone.get_current_timezone_name() != "Pacific/Kiritimati"  # restored after
