"""Done-when 1: the clock moves; an agreement expiring in 9 months gets its wind-down opened by
the daily job exactly once, with dated tasks in prerequisite order, and a trigger raised by
performance's breach check fires once."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Agreement
from exit_planning import tasks
from exit_planning.models import ExitPlan, ExitTrigger, WindDownTask
from exit_planning.winddown import TEMPLATE
from performance import services as performance
from tenancy.context import tenant_scope
from tenancy.models import Notification
from tests.contracts.factories import AgreementFactory

pytestmark = pytest.mark.django_db

OPENING_DAY = date(2030, 1, 10)
EXPIRY = date(2030, 10, 10)  # nine months later


def _run(org, day: date) -> dict:
    return tasks.exit_daily.apply(
        kwargs={"organization_id": org.pk, "today": day.isoformat()}
    ).get()


def test_the_job_opens_the_wind_down_once_at_nine_months_with_tasks_in_prerequisite_order(
    org_a, org_b, partnership, manager
):
    with tenant_scope(org_a):
        AgreementFactory(
            partnership=partnership, status=Agreement.Status.EXECUTED, expiry_date=EXPIRY
        )

    before = _run(org_a, date(2030, 1, 9))
    assert before["wind_downs_opened"] == 0 and before["plans_created"] == 0

    first = _run(org_a, OPENING_DAY)
    assert first["plans_created"] == 1 and first["wind_downs_opened"] == 1
    for later in (OPENING_DAY, date(2030, 1, 11), date(2030, 3, 1)):
        assert _run(org_a, later)["wind_downs_opened"] == 0
    assert _run(org_b, OPENING_DAY) == {
        "plans_created": 0,
        "wind_downs_opened": 0,
        "triggers_fired": 0,
    }

    with tenant_scope(org_a):
        plan = ExitPlan.objects.get(partnership=partnership)
        assert (plan.wind_down_opened_on, plan.wind_down_end_date) == (OPENING_DAY, EXPIRY)
        tasks_ = list(WindDownTask.objects.filter(plan=plan))
        assert [t.code for t in tasks_] == [t.code for t in TEMPLATE]
        due = {t.code: t.due_on for t in tasks_}
        for task in tasks_:
            assert task.start_on <= task.due_on
            for code in task.prerequisites:
                assert due[code] <= task.start_on, f"{task.code} starts before {code} is due"
        assert tasks_[0].start_on == OPENING_DAY and due["notice"] == date(2030, 1, 24)
        assert due["access"] == EXPIRY and due["settlement"] == date(2030, 12, 9)
        # The expiry is also a trigger, once; the owner heard about both once.
        assert ExitTrigger.objects.filter(kind=ExitTrigger.Kind.CONTRACT_EXPIRY).count() == 1
        assert Notification.objects.filter(recipient=manager).count() == 2


def test_a_termination_right_from_the_breach_check_fires_once_and_notifies_the_owner(
    org_a, partnership, manager
):
    with tenant_scope(org_a):
        kpi = performance.kpi_create(
            actor=manager,
            partnership=partnership,
            code="otd",
            name="On-time delivery",
            perspective="operational",
            unit="%",
            direction="higher_is_better",
            target=Decimal("98"),
            red_threshold=Decimal("90"),
            weight=Decimal("1"),
        )
        sla = performance.sla_create(
            actor=manager,
            partnership=partnership,
            kpi=kpi,
            name="Delivery SLA",
            target=Decimal("98"),
            breach_threshold=Decimal("95"),
            period_fee=Decimal("10000.00"),
            currency="EUR",
            termination_breach_count=3,
            termination_window_months=6,
            owner=manager,
        )
        for month in (9, 10, 11):
            performance.measurement_record(
                actor=manager,
                kpi=kpi,
                period_start=date(2029, month, 1),
                value=Decimal("91"),
                today=date(2029, 12, 1),
                now=timezone.now(),
            )
        performance.sla_breach_check(
            period_from=date(2029, 9, 1),
            period_to=date(2029, 11, 1),
            now=datetime(2029, 12, 2, tzinfo=UTC),
        )
        sla.refresh_from_db()
        assert sla.termination_right_since is not None
        plan = ExitPlan.objects.create(organization=org_a, partnership=partnership, owner=manager)
        already = Notification.objects.filter(recipient=manager).count()

    assert _run(org_a, OPENING_DAY)["triggers_fired"] >= 1
    assert _run(org_a, date(2030, 1, 11))["triggers_fired"] == 0

    with tenant_scope(org_a):
        fired = ExitTrigger.objects.filter(plan=plan, kind=ExitTrigger.Kind.TERMINATION_RIGHT)
        assert fired.count() == 1
        assert "Delivery SLA" in fired.get().evidence
        plan.refresh_from_db()
        assert plan.status == ExitPlan.Status.TRIGGERED
        titles = list(
            Notification.objects.filter(recipient=manager)
            .order_by("pk")
            .values_list("title", flat=True)[already:]
        )
        assert (
            titles.count(
                "Exit trigger for Alder drive-train: Termination right from the breach check"
            )
            == 1
        )


def test_the_scheduled_job_enqueues_one_task_per_organization(org_a, org_b, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        "tenancy.tasks.enqueue", lambda task, **kw: enqueued.append((task.name, kw))
    )
    assert tasks.exit_daily_all_tenants() >= 2
    assert {name for name, _ in enqueued} == {"exit_planning.tasks.exit_daily"}
