"""The partner's guest submits an improvement initiative and scores it, the buyer's manager
scores it and approves it, records its realised benefit, and the saving appears in the finance
module's savings ledger, attributed to the initiative."""

import pytest

from innovation.models import ImprovementInitiative
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CRITERIA = ("value-to-both-parties", "feasibility", "risk")


def _score_everything(page, score: str) -> None:
    for slug in CRITERIA:
        form = page.get_by_test_id(f"score-{slug}")
        form.locator("select").select_option(score)
        form.get_by_role("button", name="Score").click()
        page.wait_for_load_state("networkidle")


def test_a_partners_initiative_scored_by_both_approved_and_its_saving_in_the_ledger(
    page, browser, live_server, login, org_a, make_member, owner
):
    manager = make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="paula@alpha.test", full_name="Paula Manager"
    )
    guest = make_member(
        org_a, Role.PARTNER_GUEST, email="greta@alder.test", full_name="Greta Guest"
    )
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=manager, currency="EUR"
        )
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)

    # The partner's guest submits the initiative from the partnership's Innovation tab.
    login(page, guest)
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/")
    page.get_by_role("link", name="Innovation", exact=True).last.click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/innovation/")
    page.get_by_role("link", name="Submit an initiative").click()
    form = page.get_by_test_id("innovation-form")
    form.get_by_label("Title").fill("Returnable crates on the main lanes")
    form.get_by_label("Problem").fill("Single-use cartons cost 0.42 per shipment.")
    form.get_by_label("Proposal").fill("Returnable crates, pooled by both parties.")
    form.get_by_label("Owner").fill("Greta (partner logistics)")
    form.get_by_label("Expected benefit (money)").fill("48000")
    assert form.get_by_label("Internal note (never shown to the partner)").count() == 0
    form.get_by_role("button", name="Submit the initiative").click()
    page.wait_for_load_state("networkidle")
    with tenant_scope(org_a):
        initiative = ImprovementInitiative.objects.get()
    assert page.url.endswith(f"/innovation/initiatives/{initiative.pk}/"), page.content()
    assert initiative.submitted_by_side == "partner"
    _score_everything(page, "4")
    assert page.get_by_test_id("partner-total").inner_text() == "4.00"

    # The buyer's manager scores it too and approves it (confirming the dialog).
    manager_context = browser.new_context(base_url=live_server.url)
    buyer = manager_context.new_page()
    buyer.on("dialog", lambda dialog: dialog.accept())
    login(buyer, manager)
    buyer.goto(f"/o/alpha/innovation/initiatives/{initiative.pk}/")
    _score_everything(buyer, "3")
    assert buyer.get_by_test_id("combined-total").inner_text() == "3.50"
    decision = buyer.get_by_test_id("decision-form")
    decision.get_by_label("Decision").select_option("approved")
    decision.get_by_role("button", name="Record the decision").click()
    buyer.wait_for_load_state("networkidle")
    assert buyer.get_by_test_id("status").first.inner_text() == "Approved"

    # Its realised benefit goes into the savings ledger.
    buyer.get_by_role("link", name="Record a realised benefit").click()
    form = buyer.get_by_test_id("innovation-form")
    form.get_by_label("Month", exact=True).fill("2030-03-01")
    form.get_by_label("Baseline unit price").fill("0.42")
    form.get_by_label("Actual unit price").fill("0.18")
    form.get_by_label("Units bought in the month").fill("21000")
    form.get_by_role("button", name="Record the benefit").click()
    buyer.wait_for_load_state("networkidle")
    assert "5,040.00" in buyer.get_by_test_id("realised-benefit").inner_text()

    buyer.goto(f"/o/alpha/partnerships/{partnership.pk}/finance/")
    ledger = buyer.get_by_test_id("savings-ledger").inner_text()
    assert "Returnable crates on the main lanes" in ledger and "5,040.00" in ledger
    manager_context.close()

    # The partner's guest sees the approved initiative, without the buyer's internals.
    page.reload()
    assert page.get_by_test_id("status").first.inner_text() == "Approved"
