"""A procurement manager raises a change request and submits it to one approver of each party;
a steering committee member approves at a desk, the partner's guest on a phone, and the request
shows approved for everybody."""

import pytest

from governance.models import ChangeRequest
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _status(page) -> str:
    return page.get_by_test_id("change-request-status").inner_text()


def _approve_from_the_awaiting_list(page, comment=""):
    page.goto("/o/alpha/governance/")
    awaiting = page.get_by_test_id("awaiting-my-decision")
    awaiting.get_by_role("link", name="Saturday service desk").click()
    page.wait_for_url("**/governance/change-requests/*/")
    decision = page.get_by_test_id("decision")
    if comment:
        decision.get_by_label("Comment (optional)").fill(comment)
    decision.get_by_role("button", name="Approve").click()
    page.wait_for_load_state("networkidle")


def test_a_change_request_is_approved_by_both_parties_in_the_browser(
    page, browser, live_server, login, org_a, make_member, owner
):
    manager = make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test", full_name="Mia Manager"
    )
    committee = make_member(
        org_a, Role.COMMITTEE_MEMBER, email="carl@alpha.test", full_name="Carl Committee"
    )
    guest = make_member(
        org_a, Role.PARTNER_GUEST, email="greta@alder.test", full_name="Greta Guest"
    )
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Drive-train alliance", owner=manager
        )
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)

    # The manager raises the request from the partnership's governance tab.
    login(page, manager)
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/")
    page.get_by_role("link", name="Governance", exact=True).last.click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/governance/")
    page.get_by_role("link", name="New change request").click()
    form = page.get_by_test_id("change-request-form")
    form.get_by_role("button", name="Create draft").click()  # empty: field errors
    page.wait_for_load_state("networkidle")
    assert page.locator('.error[data-field="title"]').is_visible()
    form = page.get_by_test_id("change-request-form")
    assert form.get_by_label("Partnership").input_value() == str(partnership.pk)
    form.get_by_label("Title").fill("Saturday service desk")
    form.get_by_label("Category").select_option(label="Scope")
    form.get_by_label("Cost impact").fill("48000")
    form.get_by_label("Schedule impact (days)").fill("7")
    form.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/governance/change-requests/*/")
    assert _status(page) == "Draft"
    assert page.get_by_test_id("change-request-reference").inner_text() == "CR-0001"

    # Submitting needs an approver of each party: the page says so.
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("networkidle")
    assert "cannot be submitted" in page.locator(".message.error").inner_text()
    for name in ("Carl Committee (ours)", "Greta Guest (partner)"):
        approvers = page.get_by_test_id("approver-form")
        approvers.get_by_label("Approver").select_option(label=name)
        approvers.get_by_role("button", name="Add approver").click()
        page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("customer-approvers").get_by_text("Carl Committee").is_visible()
    assert page.get_by_test_id("partner-approvers").get_by_text("Greta Guest").is_visible()
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("networkidle")
    assert _status(page) == "Submitted"
    assert page.get_by_test_id("decision").count() == 0  # the manager is not an approver

    # The committee member approves at a desk: the partner has not decided yet.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    committee_page = desk.new_page()
    login(committee_page, committee)
    _approve_from_the_awaiting_list(committee_page, comment="Within budget")
    assert _status(committee_page) == "Submitted"
    assert "Your approval is recorded" in committee_page.locator(".message.success").inner_text()
    desk.close()

    # The partner's guest approves on a phone: now both parties have.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    guest_page = phone.new_page()
    login(guest_page, guest)
    _approve_from_the_awaiting_list(guest_page)
    assert _status(guest_page) == "Approved"
    # Nothing on the phone is wider than the screen.
    assert guest_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    page.reload()
    assert _status(page) == "Approved"
    decisions = page.get_by_test_id("approver-decision").all_inner_texts()
    assert decisions == ["Approved", "Approved"]
    assert page.get_by_role("button", name="Mark implemented").is_visible()
    with tenant_scope(org_a):
        change_request = ChangeRequest.objects.get()
        assert change_request.status == "approved"
        assert change_request.approvers.get(user=committee).comment == "Within budget"
