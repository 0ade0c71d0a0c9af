"""A procurement manager records a risk, allocates it to the partner, uploads an insurance
certificate that expires in 20 days and sees it flagged on the portfolio risk page (at a desk and
on a phone); a price-adjustment review shows the new price with its explanation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from risk.models import Risk
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import IndexValueFactory, PriceMechanismFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_manager_records_a_risk_and_sees_an_expiring_certificate_flagged(
    page, browser, live_server, login, org_a, make_member, tmp_path
):
    manager = make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test", full_name="Mia Manager"
    )
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Drive-train alliance", owner=manager
        )
    login(page, manager)

    # The risk, from the partnership's risk tab; first with a bad allocation.
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/")
    page.get_by_role("link", name="Risk", exact=True).last.click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/risk/")
    page.get_by_role("link", name="Record a risk").click()
    form = page.get_by_test_id("risk-form")
    form.get_by_label("Title").fill("Single foundry for gearbox housings")
    form.get_by_label("Category").select_option(label="Supply continuity")
    form.get_by_label("Inherent likelihood").select_option(label="4 – Likely")
    form.get_by_label("Inherent impact").select_option(label="5 – Severe")
    form.get_by_label("Allocation", exact=True).select_option(label="Transferred")
    form.get_by_role("button", name="Record the risk").click()
    page.wait_for_load_state("networkidle")
    assert page.locator('.error[data-field="allocated_to"]').is_visible()
    form = page.get_by_test_id("risk-form")
    form.get_by_label("Allocated to").select_option(label="The partner")
    form.get_by_label("Basis of the allocation").fill(
        "The partner owns the foundry and has the balance sheet to carry the risk."
    )
    form.get_by_role("button", name="Record the risk").click()
    page.wait_for_url("**/risk/risks/*/")
    assert page.get_by_test_id("risk-rating").inner_text() == "Critical"
    assert "Transferred to the partner" in page.get_by_test_id("allocation").inner_text()
    with tenant_scope(org_a):
        assert Risk.objects.get().allocated_to == "partner"

    # The certificate, uploaded with its file.
    certificate_file = tmp_path / "product-liability.pdf"
    certificate_file.write_bytes(b"%PDF-1.4 certificate of insurance")
    today = timezone.localdate()
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/risk/")
    page.get_by_role("link", name="Upload a certificate").click()
    form = page.get_by_test_id("risk-form")
    form.get_by_label("Coverage").select_option(label="Product liability")
    form.get_by_label("Insurer").fill("Allianz Global Risks")
    form.get_by_label("Limit", exact=True).fill("10000000")
    form.get_by_label("Valid from").fill((today - timedelta(days=345)).isoformat())
    form.get_by_label("Expires on").fill((today + timedelta(days=20)).isoformat())
    form.get_by_label("Certificate (PDF or image)").set_input_files(str(certificate_file))
    form.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/risk/*")
    assert "Certificate uploaded." in page.locator(".message.success").inner_text()

    # The portfolio page flags it, at a desk and on a phone.
    page.get_by_role("link", name="Risk", exact=True).first.click()
    page.wait_for_url("**/o/alpha/risk/")
    expiring = page.get_by_test_id("expiring-certificates")
    assert "Allianz Global Risks" in expiring.inner_text()
    assert expiring.get_by_test_id("certificate-state").inner_text() == "Expires in 20 days"
    assert "Single foundry for gearbox housings" in page.get_by_test_id("top-risks").inner_text()
    assert page.locator("svg.heatmap g[data-count='1']").count() == 1
    assert _fits(page, 1280)
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.get_by_test_id("certificate-state").is_visible()
    assert _fits(page, PHONE["width"])
    for path in (
        f"partnerships/{partnership.pk}/risk/",
        f"partnerships/{partnership.pk}/risk/risks/new/",
    ):
        page.goto(f"/o/alpha/{path}")
        assert _fits(page, PHONE["width"]), path


def test_a_price_review_shows_the_new_price_with_its_explanation(
    page, browser, live_server, login, org_a, make_member
):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=manager)
        mechanism = PriceMechanismFactory(
            partnership=partnership,
            name="Gearbox housing unit price",
            next_review_on=date(2030, 4, 1),
        )
        IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=Decimal("210"))
    login(page, manager)
    page.goto(f"/o/alpha/risk/price-mechanisms/{mechanism.pk}/")
    form = page.get_by_test_id("price-review-form")
    form.get_by_label("Index month").fill("2030-02")
    form.get_by_role("button", name="Run the review").click()
    page.wait_for_load_state("networkidle")
    assert "There is no value of Steel HRC for February 2030" in page.locator(".error").inner_text()
    form = page.get_by_test_id("price-review-form")
    form.get_by_label("Index month").fill("2030-03")
    form.get_by_role("button", name="Run the review").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("current-price").inner_text() == "EUR 103.00"
    explanation = page.get_by_test_id("price-explanation").inner_text()
    assert "210 ÷ 200 = 1.05" in explanation
    assert "60 % × +5.00 % = +3.00 %" in explanation
    assert "EUR 100.00 × (1 + 3 %) = EUR 103.00" in explanation
    page.set_viewport_size(PHONE)
    page.reload()
    assert _fits(page, PHONE["width"])
