"""Issue 18 in a real browser: a procurement manager proposes stricter terms from the SLA's page
(the change-request form comes filled with the SLA's terms), both parties approve, and the
partner's guest sees the SLA's version history with the month the new terms apply from."""

from decimal import Decimal

import pytest
from django.utils import timezone

from governance import services as governance
from governance.models import ChangeRequest
from partnerships.services import partnership_invite_guest
from performance import services as performance
from performance.periods import add_months, month_start
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_sla_terms_are_proposed_on_the_sla_page_and_approved_by_both_parties(
    page, login, org_a, make_member, owner
):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test")
    committee = make_member(org_a, Role.COMMITTEE_MEMBER, email="carl@alpha.test")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="greta@alder.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, name="Alder drive-train")
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
        kpi = performance.kpi_create(
            actor=manager,
            partnership=partnership,
            code="otd_pct",
            name="On-time delivery",
            perspective="operational",
            unit="%",
            target=Decimal("98"),
            red_threshold=Decimal("90"),
        )
        sla = performance.sla_create(
            actor=manager,
            partnership=partnership,
            kpi=kpi,
            name="Delivery SLA",
            target=Decimal("98"),
            breach_threshold=Decimal("95"),
            period_fee=Decimal("10000.00"),
            tiers=[(Decimal("95"), Decimal("5"))],
        )
    next_month = add_months(month_start(timezone.now().date()), 1)

    login(page, manager)
    page.goto(f"/o/alpha/performance/slas/{sla.pk}/versions/")
    page.get_by_test_id("propose-sla-change").click()
    form = page.get_by_test_id("change-request-form")
    assert form.locator("input[name=sla_breach_threshold]").input_value() == "95.0000"
    form.locator("input[name=sla_effective_from]").fill(f"{next_month:%Y-%m}")
    form.locator("input[name=sla_target]").fill("99")
    form.locator("input[name=sla_breach_threshold]").fill("97")
    form.locator("textarea[name=sla_tiers]").fill("97, 3")
    form.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/governance/change-requests/*/")
    proposed = page.get_by_test_id("sla-change").inner_text()
    assert f"{next_month:%b %Y}" in proposed and "97.0 %" in proposed

    with tenant_scope(org_a):
        change_request = ChangeRequest.objects.get()
        for user in (committee, guest):
            governance.change_request_approver_add(
                change_request=change_request, user=user, actor=manager
            )
        now = timezone.now()
        governance.change_request_submit(change_request=change_request, actor=manager, now=now)
        governance.change_request_approve(
            change_request=change_request, approver=committee, now=now
        )

    page.context.clear_cookies()
    login(page, guest)
    page.goto(f"/o/alpha/governance/change-requests/{change_request.pk}/")
    page.get_by_test_id("decision").get_by_role("button", name="Approve").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("sla-version-created").is_visible()
    page.get_by_test_id("sla-version-created").get_by_role("link").click()
    history = page.get_by_test_id("sla-versions").inner_text()
    assert change_request.reference in history
    assert f"from {next_month:%b %Y}" in history and "upcoming" in history
    assert "Original terms" in history
