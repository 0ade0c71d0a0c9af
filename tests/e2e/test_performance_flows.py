"""Issue 10's performance flows in a real browser: a manager creates an SLA on its page and sees
its breach and service credit after recording a measurement; a manager corrects a figure; a
partner guest's performance tab shows no draft scorecard."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from performance import services
from performance.periods import add_months, month_start
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workspace(org_a, make_member, settings):
    settings.TASKS_INLINE = True
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
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
            target=Decimal("98"),
            red_threshold=Decimal("90"),
        )
    return {"manager": manager, "partnership": partnership, "otd": otd}


def test_a_manager_creates_an_sla_and_sees_its_breach_and_credit(page, login, workspace):
    partnership = workspace["partnership"]
    last = add_months(month_start(timezone.now().date()), -1)
    login(page, workspace["manager"])
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/")
    page.get_by_test_id("add-sla").click()
    page.fill("input[name=name]", "Delivery SLA")
    page.select_option("select[name=kpi]", label="On-time delivery (otd_pct)")
    page.fill("input[name=target]", "98")
    page.fill("input[name=breach_threshold]", "95")
    page.fill("input[name=period_fee]", "46250.00")
    page.fill("textarea[name=tiers]", "95, 5\n90, 10")
    page.get_by_role("button", name="Create SLA").click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/performance/")
    assert "SLA “Delivery SLA” created" in page.content()

    form = page.get_by_test_id("measurement-form")
    form.locator("select[name=kpi]").select_option(label="On-time delivery (otd_pct)")
    form.locator("input[name=period_start]").fill(f"{last:%Y-%m}")
    form.locator("input[name=value]").fill("93")
    form.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("run-breach-check").click()
    page.wait_for_load_state("networkidle")
    breaches = page.get_by_test_id("breaches").inner_text()
    assert "Delivery SLA" in breaches and "93.0 %" in breaches
    # 93 % reaches the 95 % tier: 5 % of EUR 46,250.00.
    assert "EUR 2,312.50" in page.get_by_test_id("service-credit").first.inner_text()


def test_a_manager_corrects_a_figure_and_the_score_follows(page, login, org_a, workspace):
    partnership = workspace["partnership"]
    with tenant_scope(org_a):
        measurement = services.measurement_record(
            actor=workspace["manager"],
            kpi=workspace["otd"],
            period_start=date(2025, 3, 1),
            value=Decimal("90"),
            today=timezone.now().date(),
            now=timezone.now(),
        )
    login(page, workspace["manager"])
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/")
    assert page.get_by_test_id("score").inner_text().strip() == "0.0"
    page.get_by_test_id("edit-measurement-otd_pct-2025-03").click()
    correct = page.get_by_test_id("correct-form")
    correct.locator("input[name=value]").fill("150")
    correct.locator("textarea[name=reason]").fill("Typo in the supplier's file")
    correct.get_by_role("button", name="Save correction").click()
    # Refused under its field, the typed value kept (the correction has a URL of its own).
    assert page.url.endswith(f"/measurements/{measurement.pk}/correct/")
    assert "above the largest plausible value" in page.get_by_test_id("correct-form").inner_text()
    assert page.get_by_test_id("correct-form").locator("input[name=value]").input_value() == "150"
    page.get_by_test_id("correct-form").locator("input[name=value]").fill("98")
    page.get_by_test_id("correct-form").get_by_role("button", name="Save correction").click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/performance/")
    assert "corrected; scorecards recomputed" in page.content()
    assert page.get_by_test_id("score").inner_text().strip() == "100.0"


def test_the_partner_guest_sees_no_draft_scorecard(page, login, org_a, make_member, workspace):
    from partnerships.services import partnership_invite_guest

    manager, partnership = workspace["manager"], workspace["partnership"]
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=manager)
        for month, value in ((date(2025, 3, 1), "97"), (date(2025, 4, 1), "91")):
            services.measurement_record(
                actor=manager,
                kpi=workspace["otd"],
                period_start=month,
                value=Decimal(value),
                today=timezone.now().date(),
                now=timezone.now(),
            )
        march = services.scorecard_compute(
            partnership=partnership, period_start=date(2025, 3, 1), now=timezone.now()
        )
        services.scorecard_publish(scorecard=march, actor=manager, now=timezone.now())

    login(page, guest)
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/")
    card = page.get_by_test_id("scorecard").inner_text()
    assert "March 2025" in card and "Published" in card
    assert "April 2025" not in page.content() and "Draft" not in page.content()
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/performance/?period=2025-04")
    assert "Scorecard · March 2025" in page.get_by_test_id("scorecard").inner_text()
    assert page.locator("select[name=period] option").all_inner_texts() == ["Mar 2025"]
