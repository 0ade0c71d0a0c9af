"""An org admin invites a colleague who accepts and signs in with the given role; the admin
changes the role, then deactivates them, and their next request is refused. A procurement
manager invites a partner guest to one partnership. No page breaks its Content-Security-Policy."""

import re

import pytest
from django.core import mail

from risk.models import Risk
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role, User
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import RiskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Colleague-pass-2026"


def _link_path(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [to])
    url = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)
    return "/" + url.split("/", 3)[3]


def _csp_violations(page) -> list:
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_an_admin_invites_promotes_and_deactivates_a_colleague(
    browser, live_server, page, login, org_a, owner
):
    violations = _csp_violations(page)
    login(page, owner)
    page.get_by_test_id("nav-members").click()
    form = page.get_by_test_id("invite-form")
    form.get_by_label("E-mail address").fill("lee@alpha.test")
    form.get_by_label("Role").select_option(Role.LEGAL)
    form.get_by_role("button", name="Send invitation").click()
    assert "lee@alpha.test" in page.get_by_test_id("pending-invitations").inner_text()

    colleague = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    other = colleague.new_page()
    other.goto(_link_path("lee@alpha.test"))
    other.get_by_label("Your name").fill("Lee Legal")
    other.get_by_label("Choose a password").fill(PASSWORD)
    other.get_by_label("The password again").fill(PASSWORD)
    other.get_by_role("button", name="Accept and sign in").click()
    other.wait_for_url("**/o/alpha/")
    # Sign out and in again with the chosen password: the role is the one given.
    other.get_by_role("button", name="Sign out").click()
    other.goto("/accounts/login/")
    other.fill("input[name=username]", "lee@alpha.test")
    other.fill("input[name=password]", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url("**/o/alpha/")
    lee = User.objects.get(email="lee@alpha.test")
    assert Membership.objects.get(organization=org_a, user=lee).role == Role.LEGAL
    assert other.get_by_test_id("nav-members").count() == 0  # not an admin

    page.reload()
    page.get_by_role("link", name="Lee Legal").click()
    page.get_by_test_id("role-form").get_by_label("Role").select_option(Role.FINANCE)
    page.get_by_role("button", name="Change role").click()
    assert "is now finance" in page.content()
    assert Membership.objects.get(organization=org_a, user=lee).role == Role.FINANCE

    # Lee owns an open risk: hand it to the admin before Lee goes.
    with tenant_scope(org_a):
        risk = RiskFactory(organization=org_a, owner=lee)
    page.reload()
    work = page.get_by_test_id("responsibilities")
    assert "Open risks" in work.inner_text()
    work.get_by_label("Hand everything over to").select_option(str(owner.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="Hand over").click()
    page.wait_for_load_state()
    assert "1 open record handed over" in page.content()
    with tenant_scope(org_a):
        assert Risk.objects.get(pk=risk.pk).owner_id == owner.pk

    deactivate = page.get_by_test_id("deactivate-form")
    deactivate.get_by_label("Reason").fill("Moved to another company")
    deactivate.get_by_label("I understand").check()
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    deactivate.get_by_role("button", name="Deactivate").click()
    page.wait_for_load_state()
    assert questions == ["Deactivate this member? Their API keys here are revoked."]
    assert "was deactivated" in page.content()

    # The administration pages fit a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (
        "/o/alpha/settings/members/",
        "/o/alpha/settings/api-keys/",
        "/o/alpha/settings/audit/",
        "/o/alpha/settings/organization/",
        "/o/alpha/settings/single-sign-on/",
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path

    response = other.goto("/o/alpha/")
    assert response.status == 404
    assert "no organization at this address" in other.content()
    colleague.close()
    assert violations == []


def test_a_procurement_manager_invites_a_partner_guest_to_one_partnership(
    browser, live_server, page, login, org_a, make_member
):
    violations = _csp_violations(page)
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test")
    invited = PartnershipFactory(organization=org_a, name="Castings alliance")
    PartnershipFactory(organization=org_a, name="Undisclosed deal")
    login(page, manager)
    page.goto(f"/o/alpha/partnerships/{invited.pk}/")
    page.get_by_role("link", name="Invite or remove partner contacts").click()
    page.get_by_label("Supplier contact's e-mail").fill("sam@supplier.test")
    page.get_by_role("button", name="Send invitation").click()
    assert "sam@supplier.test" in page.get_by_test_id("guest-invitations").inner_text()

    guest_context = browser.new_context(base_url=live_server.url)
    guest = guest_context.new_page()
    guest.goto(_link_path("sam@supplier.test"))
    assert "Castings alliance" in guest.get_by_test_id("invitation").inner_text()
    guest.get_by_label("Choose a password").fill(PASSWORD)
    guest.get_by_label("The password again").fill(PASSWORD)
    guest.get_by_role("button", name="Accept and sign in").click()
    guest.wait_for_url("**/o/alpha/")
    portfolio = guest.get_by_test_id("portfolio").inner_text()
    assert "Castings alliance" in portfolio and "Undisclosed deal" not in portfolio

    page.goto(f"/o/alpha/partnerships/{invited.pk}/")
    assert "sam@supplier.test" in page.get_by_test_id("partnership-guests").inner_text()
    guest_context.close()
    assert violations == []
