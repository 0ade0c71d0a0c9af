"""The governance demo: change requests in several states, one awaiting the partner guest's
approval and one escalated; a second run adds nothing."""

import pytest

from contracts import demo as contracts_demo
from governance import demo as governance_demo
from governance.models import ChangeRequest
from governance.selectors import awaiting_decision
from partnerships.demo import seed_partnerships
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization
from tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_the_demo_has_change_requests_in_several_states_and_a_second_run_adds_nothing():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        contracts_demo.seed(tenant)
        governance_demo.seed(tenant)
        rows = list(ChangeRequest.objects.values_list("number", "status", "escalation_level"))
        governance_demo.seed(tenant)
        assert list(ChangeRequest.objects.values_list("number", "status", "escalation_level")) == (
            rows
        )
        assert {status for _, status, _ in rows} == {
            "draft",
            "submitted",
            "implemented",
            "rejected",
        }
        guest = Membership.objects.get(
            organization=tenant.organization, user=tenant.users[Role.PARTNER_GUEST]
        )
        waiting = list(awaiting_decision(membership=guest))
        assert [cr.title for cr in waiting] == [
            "Dual-source the gearbox housings",
            "Saturday service desk coverage",
        ]
        escalated = ChangeRequest.objects.get(title="Dual-source the gearbox housings")
        assert escalated.escalation_level >= 1
        assert ChangeRequest.objects.filter(agreement__isnull=False).exists()
