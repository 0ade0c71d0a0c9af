"""Done-when 2: a manager works through a triggered exit in Chromium: confirms the trigger the
breach check raised, records knowledge transfer and a destruction certificate, values an asset,
completes the post-mortem, and a recommendation lands in the clause playbook after review."""

from datetime import date

import pytest
from django.utils import timezone

from contracts.models import PlaybookClause
from exit_planning import services
from exit_planning.models import AssetTransfer, DataDisposition, ExitPlan, PlaybookChange
from partnerships.models import Partnership
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import SlaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_works_through_a_triggered_exit_to_a_playbook_change(
    page, live_server, login, org_a, make_member, tmp_path
):
    manager = make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test", full_name="Mia Manager"
    )
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Drive-train alliance", owner=manager, currency="EUR"
        )
        SlaFactory(
            kpi__partnership=partnership,
            name="Delivery SLA",
            termination_breach_count=3,
            termination_right_since=date(2030, 1, 1),
        )
        services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
        services.exit_daily_run(today=timezone.localdate())
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, manager)
    exit_tab = f"/o/alpha/partnerships/{partnership.pk}/exit/"

    # The trigger the breach check raised: confirmed with a reason.
    page.goto(exit_tab)
    trigger = page.get_by_test_id("trigger").filter(has_text="Delivery SLA")
    trigger.get_by_label("Reason").fill("Three breaches in six months; the board agreed.")
    trigger.get_by_role("button", name="Confirm and start the exit").click()
    page.wait_for_url(f"**{exit_tab}*")
    assert page.get_by_test_id("plan-status").inner_text() == "Exiting"

    # Knowledge transfer: a training session, signed off with its attendance.
    page.get_by_role("link", name="Add an item").click()
    form = page.get_by_test_id("exit-form")
    form.get_by_label("Kind").select_option(label="Training session")
    form.get_by_label("Title").fill("Gearbox line maintenance")
    form.get_by_label("Knowledge holder").fill("Jonas Weber (Alder)")
    form.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**{exit_tab}*")
    page.get_by_label("Attendees of Gearbox line maintenance").fill("Ana Ruiz, Tom Berg")
    page.get_by_test_id("knowledge").get_by_role("button", name="Sign off").click()
    page.wait_for_url(f"**{exit_tab}*")
    assert "Signed off" in page.get_by_test_id("knowledge").inner_text()

    # Data destruction: refused without a certificate, done with one.
    page.get_by_role("link", name="Add a data category").click()
    form = page.get_by_test_id("exit-form")
    form.get_by_label("Data category").fill("Customer order history")
    form.get_by_label("Action").select_option(label="Destruction")
    form.get_by_label("Data-protection rule").select_option(index=0)
    form.get_by_role("button", name="Add").click()
    page.wait_for_url(f"**{exit_tab}*")
    page.get_by_test_id("data").get_by_role("link", name="Mark done").click()
    page.get_by_role("button", name="Mark done").click()
    page.locator('.error[data-field="certificate"]').wait_for()
    certificate = tmp_path / "destruction-certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4 certificate of destruction")
    page.get_by_label("Certificate of destruction").set_input_files(str(certificate))
    page.get_by_role("button", name="Mark done").click()
    page.wait_for_url(f"**{exit_tab}*")
    assert "Done, awaiting verification" in page.get_by_test_id("data").inner_text()

    # An asset valued by straight-line depreciation.
    page.get_by_role("link", name="Value an asset").click()
    form = page.get_by_test_id("exit-form")
    form.get_by_label("Name").fill("Test rig")
    form.get_by_label("Kind").select_option(label="Equipment")
    form.get_by_label("Valuation method").select_option(label="Straight-line depreciation")
    form.get_by_label("Cost", exact=True).fill("120000")
    form.get_by_label("Salvage value").fill("20000")
    form.get_by_label("Useful life (years)").fill("8")
    form.get_by_label("Age (years)").fill("3")
    form.get_by_role("button", name="Value the asset").click()
    page.wait_for_url(f"**{exit_tab}*")
    assert page.get_by_test_id("asset-value").inner_text() == "EUR 82,500.00"

    # The post-mortem, completed; its recommendation proposed as a playbook change.
    contributions = [
        ("What worked", "Joint demand planning."),
        ("What failed", "Late delivery forecasts."),
        ("Root cause", "No shared capacity data."),
        ("Recommendation", "Carve single-sourced parts out of the liability cap."),
    ]
    for section, text in contributions:
        post_mortem = page.get_by_test_id("post-mortem")
        post_mortem.get_by_label("Section").select_option(label=section)
        post_mortem.get_by_label("Text").fill(text)
        post_mortem.get_by_role("button", name="Add to the post-mortem").click()
        page.wait_for_url(f"**{exit_tab}*")
    page.get_by_role("button", name="Complete the post-mortem").click()
    page.wait_for_url(f"**{exit_tab}*")
    assert "Completed" in page.get_by_test_id("post-mortem").inner_text()
    page.get_by_role("link", name="Propose a playbook change").click()
    form = page.get_by_test_id("exit-form")
    form.get_by_label("Clause").select_option(label="Limitation of liability")
    form.get_by_label("Change").select_option(label="Add to the guidance")
    form.get_by_role("button", name="Propose for review").click()
    page.wait_for_url("**/exit/playbook-changes/*/")
    assert page.get_by_test_id("change-status").inner_text() == "Awaiting review"
    page.get_by_label("Review note").fill("Agreed by legal.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/exit/playbook-changes/*/")
    page.get_by_role("button", name="Apply to the clause playbook").click()
    page.wait_for_url("**/exit/playbook-changes/*/")
    assert page.get_by_test_id("change-status").inner_text() == "Applied"
    assert page.get_by_test_id("applied-link").is_visible()

    with tenant_scope(org_a):
        assert Partnership.objects.get(pk=partnership.pk).status == "exiting"
        assert ExitPlan.objects.get().status == "exiting"
        assert DataDisposition.objects.get().certificate
        assert AssetTransfer.objects.get().value == 82500
        change = PlaybookChange.objects.get()
        entry = PlaybookClause.objects.get(clause_type="limitation_of_liability")
        assert change.status == "applied" and change.playbook_clause == entry
        assert "Carve single-sourced parts out of the liability cap." in entry.guidance
