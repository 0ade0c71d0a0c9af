"""The exit demo: one partnership in wind-down, one closed with its post-mortem; a second run
adds nothing."""

import pytest

from exit_planning import demo as exit_demo
from exit_planning.models import ExitPlan, PlaybookChange, PostMortem, WindDownTask
from partnerships import demo as partnerships_demo
from tenancy.context import tenant_scope
from tenancy.demo import seed_organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_wind_down_and_a_closed_exit_with_its_post_mortem_and_reruns_cleanly():
    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        partnerships_demo.seed(tenant)
        exit_demo.seed(tenant)
        counts = [m.objects.count() for m in (ExitPlan, WindDownTask, PlaybookChange)]
        exit_demo.seed(tenant)
        assert [m.objects.count() for m in (ExitPlan, WindDownTask, PlaybookChange)] == counts
        winding = ExitPlan.objects.get(partnership__code=exit_demo.WIND_DOWN_CODE)
        assert winding.status == "exiting" and winding.partnership.status == "exiting"
        assert winding.tasks.filter(done_on__isnull=True).exists()
        closed = ExitPlan.objects.get(partnership__code=exit_demo.CLOSED_CODE)
        assert closed.status == "closed" and closed.partnership.status == "closed"
        assert PostMortem.objects.get(plan=closed).status == "completed"
        assert PlaybookChange.objects.get().status == "proposed"
