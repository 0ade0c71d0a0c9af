"""Tasks run by a real Celery worker process re-enter their tenant and leave it afterwards."""

import pytest

from tenancy.tasks import tenant_probe

# heavy: starting the real worker takes 25 s on a loaded slow machine; the last file in the
# suite's order, it ran alone at the end (28 November 2026).
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.heavy(seconds=25),
]


def test_a_task_in_a_real_worker_runs_inside_its_organization(celery_worker_process, org_a):
    result = tenant_probe.delay(organization_id=org_a.pk).get(timeout=30)
    assert result == {
        "context_organization_id": org_a.pk,
        "database_organization_id": str(org_a.pk),
        "database_role": "partnerline_app",
        "time_zone": org_a.time_zone,
    }
