from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from performance import services
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files (an import's) in a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def manager(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, email="manager@alpha.test")


@pytest.fixture
def scenario(org_a, manager):
    """A partnership with two scored KPIs (on-time delivery, defects) and an SLA on delivery:
    breach at 95 % or below, credit 5 % of EUR 10,000 at 95, 10 % at 90, capped at 8 %;
    3 breaches in 6 months give a right to terminate."""
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=manager
        )
        otd = services.kpi_create(
            actor=manager,
            partnership=partnership,
            code="otd_pct",
            name="On-time delivery",
            perspective="operational",
            unit="%",
            direction="higher_is_better",
            target=Decimal("98"),
            red_threshold=Decimal("90"),
            weight=Decimal("3"),
            owner=manager,
        )
        defects = services.kpi_create(
            actor=manager,
            partnership=partnership,
            code="defects_ppm",
            name="Defects",
            perspective="customer",
            unit="ppm",
            direction="lower_is_better",
            target=Decimal("100"),
            red_threshold=Decimal("500"),
            weight=Decimal("1"),
        )
        sla = services.sla_create(
            actor=manager,
            partnership=partnership,
            kpi=otd,
            name="Delivery SLA",
            target=Decimal("98"),
            breach_threshold=Decimal("95"),
            period_fee=Decimal("10000.00"),
            currency="EUR",
            credit_cap_percent=Decimal("8"),
            termination_breach_count=3,
            termination_window_months=6,
            owner=manager,
            tiers=[(Decimal("95"), Decimal("5")), (Decimal("90"), Decimal("10"))],
        )
    return {"partnership": partnership, "otd": otd, "defects": defects, "sla": sla}


@pytest.fixture
def published(org_a, manager, scenario):
    """March 2025's scorecard of the scenario (on-time delivery 97 %), published."""
    from tests.performance.factories import TODAY

    with tenant_scope(org_a):
        services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("97"),
            today=TODAY,
            now=timezone.now(),
        )
        scorecard = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), now=timezone.now()
        )
        services.scorecard_publish(scorecard=scorecard, actor=manager, now=timezone.now())
    return scorecard
