"""The finance demo covers every demo partnership with believable figures, and a second run
adds nothing."""

import pytest
from django.utils import timezone

from finance import demo as finance_demo
from finance import selectors
from finance.models import CostPool, GainShareStatement, RebateScheme, SavingsEntry
from partnerships import demo as partnerships_demo
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization
from tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_the_demo_covers_every_partnership_and_a_second_run_adds_nothing():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        partnerships_demo.seed(tenant)
        finance_demo.seed(tenant)
        models = (CostPool, SavingsEntry, GainShareStatement, RebateScheme)
        counts = [m.objects.count() for m in models]
        finance_demo.seed(tenant)
        assert [m.objects.count() for m in models] == counts
        for partnership in tenant.partnerships:
            assert SavingsEntry.objects.filter(partnership=partnership).exists()
        membership = Membership.objects.get(
            organization=tenant.organization, user=tenant.users[Role.FINANCE]
        )
        rows = selectors.portfolio_savings(membership=membership)
        first = next(r for r in rows if r["partnership_id"] == tenant.partnerships[0].pk)
        assert first["claimed"].amount > first["verified"].amount > first["paid"].amount > 0
        statement = GainShareStatement.objects.get()
        assert statement.status == "paid" and statement.paid_on == timezone.localdate()
