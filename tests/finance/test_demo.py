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


def test_the_demo_covers_every_partnership_and_a_second_run_adds_nothing(client_as):
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
    # Every page of the demo renders for the buyer's finance user and the partner's guest.
    slug, first = tenant.organization.slug, tenant.partnerships[0]
    with tenant_scope(tenant.organization):
        scheme_id = RebateScheme.objects.filter(partnership=first).values_list("pk", flat=True)[0]
        saving_id = SavingsEntry.objects.filter(partnership=first).values_list("pk", flat=True)[0]
    for role in (Role.FINANCE, Role.PARTNER_GUEST):
        client = client_as(tenant.users[role])
        for url in (
            f"/o/{slug}/finance/",
            f"/o/{slug}/partnerships/{first.pk}/finance/",
            f"/o/{slug}/finance/statements/{statement.pk}/",
            f"/o/{slug}/finance/rebates/{scheme_id}/",
            f"/o/{slug}/finance/savings/{saving_id}/",
        ):
            assert client.get(url).status_code == 200, (role, url)
    guest_tab = client.get(f"/o/{slug}/partnerships/{first.pk}/finance/").content.decode()
    assert "Benchmark from the 2024 tender" not in guest_tab
