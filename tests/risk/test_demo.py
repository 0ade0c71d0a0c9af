"""The risk demo covers every part and a second run adds nothing."""

import pytest
from django.utils import timezone

from contracts import demo as contracts_demo
from partnerships import demo as partnerships_demo
from risk import demo as risk_demo
from risk import selectors
from risk.models import (
    Bond,
    DataBreach,
    InsuranceCertificate,
    Penalty,
    PriceReview,
    Risk,
    RiskScore,
)
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization
from tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_the_demo_covers_every_part_and_a_second_run_adds_nothing():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        partnerships_demo.seed(tenant)
        contracts_demo.seed(tenant)
        risk_demo.seed(tenant)
        counts = [
            m.objects.count()
            for m in (Risk, InsuranceCertificate, Bond, Penalty, PriceReview, DataBreach, RiskScore)
        ]
        risk_demo.seed(tenant)
        assert [
            m.objects.count()
            for m in (Risk, InsuranceCertificate, Bond, Penalty, PriceReview, DataBreach, RiskScore)
        ] == counts
        assert all(counts)
        assert Risk.objects.filter(clause__isnull=False).exists()
        manager = Membership.objects.get(
            organization=tenant.organization, user=tenant.users[Role.PROCUREMENT_MANAGER]
        )
        portfolio = selectors.portfolio_risk(
            membership=manager, today=timezone.localdate(), now=timezone.now()
        )
        states = {c.expiry_state(timezone.localdate())[0] for c in portfolio.expiring}
        assert states == {"Expires in 20 days", "Expired"}
        assert PriceReview.objects.get().limited_by in ("cap", "")
        assert portfolio.overdue_compliance  # the anti-bribery training is overdue
        assert any(exposed for _, exposed in portfolio.watch)
        assert [s["name"] for s in portfolio.spofs] == [
            "Nordic Magnet AB",
            "Baotou Rare Earth Mining",
        ]
        assert [s.partnership for s in portfolio.scores] == [tenant.partnerships[0]]
        assert RiskScore.objects.filter(breakdown__0__note__startswith="From the 2025").exists()
