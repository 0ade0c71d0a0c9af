"""The contracts demo: a playbook, an MSA with SOWs per partnership, some clauses deviating."""

import pytest

from contracts.demo import seed
from contracts.models import Agreement, PlaybookRule
from contracts.selectors import deviations_for
from partnerships.demo import seed_partnerships
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_msas_with_sows_and_deviations_and_a_second_run_adds_nothing():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        seed(tenant)
        counts = (Agreement.objects.count(), PlaybookRule.objects.count())
        seed(tenant)
        assert (Agreement.objects.count(), PlaybookRule.objects.count()) == counts
        msas = Agreement.objects.filter(agreement_type="msa")
        assert msas.count() == len(tenant.partnerships)
        assert all(m.children.count() == 2 for m in msas)
        deviating = msas.get(partnership=tenant.partnerships[0])
        assert deviating.status == "in_legal_review"
        assert {d.rule_name for d in deviations_for(deviating) if d.is_red_line} >= {
            "Cap at least 1× annual fees",
            "Arbitration seat in the allowed list",
        }
        executed = msas.get(partnership=tenant.partnerships[1])
        assert executed.status == "executed"
        assert deviations_for(executed) == []
