import pytest

from partnerships.demo import seed_partnerships
from performance import demo as performance_demo
from performance.models import Measurement, Qbr, Scorecard, SlaBreach
from tenancy import demo
from tenancy.context import tenant_scope


@pytest.mark.django_db
def test_the_demo_has_two_years_of_measurements_with_breaches_and_is_idempotent():
    tenant = demo.seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        performance_demo.seed(tenant)
        counts = (Measurement.objects.count(), SlaBreach.objects.count(), Scorecard.objects.count())
        performance_demo.seed(tenant)
        again = (Measurement.objects.count(), SlaBreach.objects.count(), Scorecard.objects.count())
        assert Qbr.objects.exists()
    live = [p for p in tenant.partnerships if p.status in performance_demo.LIVE]
    assert counts == again
    assert counts[0] == len(live) * 24 * 5 and counts[1] > 0 and counts[2] == len(live) * 24
