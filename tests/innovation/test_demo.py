"""The innovation demo: initiatives in every state, a pilot with a decision, a task force; a
second run adds nothing; every page renders for the manager and the partner's guest."""

import pytest

from innovation import demo as innovation_demo
from innovation.models import ImprovementInitiative, Pilot, TaskForce
from partnerships import demo as partnerships_demo
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization
from tenancy.models import Role
from tests.performance.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_a_decided_pilot_and_a_task_force(client_as):
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        partnerships_demo.seed(tenant)
        first = tenant.partnerships[0]
        kpi = KpiFactory(organization=tenant.organization, partnership=first)
        MeasurementFactory(organization=tenant.organization, kpi=kpi, value=kpi.target)
        innovation_demo.seed(tenant)
        counts = [m.objects.count() for m in (ImprovementInitiative, Pilot, TaskForce)]
        innovation_demo.seed(tenant)
        assert [m.objects.count() for m in (ImprovementInitiative, Pilot, TaskForce)] == counts
        states = set(ImprovementInitiative.objects.values_list("status", flat=True))
        assert states == set(ImprovementInitiative.Status.values)
        assert Pilot.objects.filter(status__in=["go", "no_go"]).exclude(evidence="").exists()
        assert TaskForce.objects.count() == 1
        ids = list(ImprovementInitiative.objects.values_list("pk", flat=True))
        pilot_ids = list(Pilot.objects.values_list("pk", flat=True))
    for role in (Role.PROCUREMENT_MANAGER, Role.PARTNER_GUEST):
        client = client_as(tenant.users[role])
        assert client.get(f"/o/northwind/partnerships/{first.pk}/innovation/").status_code == 200
        for pk in ids:
            assert client.get(f"/o/northwind/innovation/initiatives/{pk}/").status_code == 200
        for pk in pilot_ids:
            assert client.get(f"/o/northwind/innovation/pilots/{pk}/").status_code == 200
