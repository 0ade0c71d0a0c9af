"""A procurement manager creates two candidate partners, compares them on fit and TCO side by
side, records the sourcing decision, runs due diligence and moves the partnership to
negotiating; while a mandatory item is open, the move is refused with the item's name."""

import pytest

from partnerships.models import Partnership
from tenancy.context import tenant_scope
from tenancy.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _submit(page, form_locator, button):
    form_locator.get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def _new_partner(page, name, country):
    page.goto("/o/alpha/partners/new/")
    page.fill("#id_name", name)
    page.select_option("#id_country", label=country)  # picked from the ISO list by name
    page.fill("#id_categories", "Battery modules")
    page.fill("#id_regions_served", "EU")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/partners/*/")
    assert page.get_by_role("heading", name=name).is_visible()
    assert country in page.content()


def _score(page, partner, scores, operating):
    page.get_by_role("link", name=f"Score {partner}").click()
    page.wait_for_url("**/sourcing/candidates/*/")
    form = page.get_by_test_id("score-form")
    inputs = form.locator("input[name^=score_]")
    for index, score in enumerate(scores):
        inputs.nth(index).fill(str(score))
    form.locator("#id_risk_score").fill("30")
    form.locator("#id_tco-operating_cost").fill(operating)
    form.locator("#id_tco-acquisition_cost").fill("100000")
    _submit(page, form, "Save")
    page.wait_for_url("**/compare/")


def test_a_manager_selects_a_partner_and_takes_it_through_due_diligence(
    page, browser, live_server, login, org_a, make_member
):
    manager = make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test", full_name="Mia Manager"
    )
    login(page, manager)

    # Two candidate partners, created from the pages.
    _new_partner(page, "Voltaic Systems AG", "Germany")
    _new_partner(page, "Meridian Cells Ltd", "United Kingdom")

    # The need, with the costs of both sourcing models.
    page.goto("/o/alpha/sourcing/new/")
    page.fill("#id_title", "Battery-module assembly")
    page.fill("#id_horizon_years", "3")
    page.fill("#id_discount_rate", "10")
    page.fill("#id_profit_impact", "5")
    page.fill("#id_supply_risk", "4")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/sourcing/*/")
    transactional = page.get_by_test_id("tco-transactional")
    transactional.locator("#id_transactional-acquisition_cost").fill("1000")
    transactional.locator("#id_transactional-switching_cost").fill("500")
    transactional.locator("#id_transactional-operating_cost").fill("2000")
    transactional.locator("#id_transactional-transaction_cost").fill("300")
    transactional.locator("#id_transactional-risk_cost").fill("200")
    _submit(page, transactional, "Save costs")
    strategic = page.get_by_test_id("tco-strategic")
    strategic.locator("#id_strategic-operating_cost").fill("2400")
    _submit(page, strategic, "Save costs")
    # Hand-computed: 1,500 + 2,500/1.1 + 2,500/1.21 + 2,500/1.331
    assert page.get_by_test_id("npv-transactional").inner_text() == "EUR 7,717.13"
    assert page.get_by_test_id("tco-chart").locator("polyline").count() == 2
    assert "Strategic item" in page.get_by_test_id("kraljic").inner_text()

    # Both candidates, scored and costed, side by side.
    page.get_by_role("link", name="Candidates").click()
    for name in ("Voltaic Systems AG", "Meridian Cells Ltd"):
        form = page.get_by_test_id("add-candidate")
        form.locator("#id_candidate-partner").select_option(label=name)
        _submit(page, form, "Add candidate")
    _score(page, "Voltaic Systems AG", [5, 4, 4, 5, 4, 4], "2000000")
    _score(page, "Meridian Cells Ltd", [3, 3, 3, 3, 3, 3], "1900000")
    comparison = page.get_by_test_id("comparison")
    header = comparison.locator("thead").text_content()
    assert "Voltaic Systems AG" in header and "Meridian Cells Ltd" in header
    text = comparison.inner_text()
    # Voltaic: 20×5/5 + 15×4/5 + 15×4/5 + 20×5/5 + 15×4/5 + 15×4/5 = 88; Meridian: 3/5 of 100
    assert "88.00" in text and "60.00" in text
    assert "Best fit" in text and "Lowest" in text

    # The decision, with its rationale, opens the partnership.
    decide = page.get_by_test_id("decide")
    decide.locator("#id_model").select_option("strategic")
    decide.locator("#id_candidate").select_option(label="Voltaic Systems AG")
    decide.locator("#id_rationale").fill("Best fit; supply security outweighs the premium.")
    _submit(page, decide, "Record the decision")
    page.wait_for_url("**/partnerships/*/")
    assert page.get_by_test_id("status").inner_text() == "Proposed"

    # Due diligence: the essential checklist.
    lifecycle = page.get_by_test_id("lifecycle")
    _submit(page, lifecycle, "Move to due diligence")
    assert page.get_by_test_id("status").inner_text() == "Due diligence"
    page.get_by_role("link", name="Due diligence", exact=True).click()
    page.locator("#id_template").select_option("essential")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    checklist = page.get_by_test_id("checklist")
    for title in ("Credit rating checked", "Code of conduct signed"):
        checklist.get_by_role("link", name=title).click()
        page.locator("#id_status").select_option("passed")
        page.fill("#id_findings", "Checked, no issues.")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/due-diligence/")

    # One mandatory item is still open: the move says which.
    page.get_by_role("link", name="Overview", exact=True).click()
    blocked = page.get_by_test_id("lifecycle").get_by_role("button", name="Move to negotiating")
    assert blocked.is_disabled()
    reason = page.get_by_test_id("blocker-negotiating").inner_text()
    assert "“Company screened against sanctions lists” (open)" in reason

    # Settle it, and the partnership moves to negotiating.
    page.get_by_role("link", name="Due diligence", exact=True).click()
    page.get_by_test_id("checklist").get_by_role(
        "link", name="Company screened against sanctions lists"
    ).click()
    page.locator("#id_status").select_option("passed")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/due-diligence/")
    page.get_by_role("link", name="Overview", exact=True).click()
    _submit(page, page.get_by_test_id("lifecycle"), "Move to negotiating")
    assert page.get_by_test_id("status").inner_text() == "Negotiating"
    with tenant_scope(org_a):
        partnership = Partnership.objects.get(partner__name="Voltaic Systems AG")
    assert partnership.status == "negotiating"

    # The workspace works on a phone too.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    phone_page = phone.new_page()
    login(phone_page, manager)
    phone_page.goto(f"/o/alpha/partnerships/{partnership.pk}/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    phone.close()
