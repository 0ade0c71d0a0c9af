"""A finance user records a saving; the partner's guest verifies it (a party never verifies its
own claim); the gain-share statement's PDF, read back as text, shows the partner's payout."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from finance import services
from finance.models import GainShareStatement, SavingsEntry
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_saving_recorded_verified_by_the_guest_and_paid_out_on_the_statement(
    page, browser, live_server, login, org_a, make_member, owner
):
    fin = make_member(org_a, Role.FINANCE, email="fiona@alpha.test", full_name="Fiona Finance")
    guest = make_member(
        org_a, Role.PARTNER_GUEST, email="greta@alder.test", full_name="Greta Guest"
    )
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=fin, currency="EUR"
        )
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
        scheme = services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="EUR")
        services.gain_share_band_add(
            actor=fin, scheme=scheme, lower=Decimal(0), upper=None, partner_share=Decimal(50)
        )
    today = timezone.localdate()

    # The finance user records the saving from the partnership's finance tab.
    login(page, fin)
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/")
    page.get_by_role("link", name="Finance", exact=True).last.click()
    page.wait_for_url(f"**/partnerships/{partnership.pk}/finance/")
    page.get_by_role("link", name="Record a saving").click()
    form = page.get_by_test_id("finance-form")
    form.get_by_label("Title").fill("Gearbox housing redesign")
    form.get_by_label("Baseline unit price").fill("10")
    form.get_by_label("Actual unit price").fill("9")
    form.get_by_label("Units bought in the month").fill("1000")
    form.get_by_label("Internal note (never shown to the partner)").fill("Walk-away was 9.40")
    form.get_by_role("button", name="Record the saving").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/partnerships/{partnership.pk}/finance/#savings"), page.content()
    ledger = page.get_by_test_id("savings-ledger")
    assert "1,000.00" in ledger.inner_text() and "Claimed" in ledger.inner_text()
    with tenant_scope(org_a):
        entry = SavingsEntry.objects.get()

    # The partner's guest verifies it, and never sees the buyer's note.
    guest_context = browser.new_context(base_url=live_server.url)
    guest_page = guest_context.new_page()
    login(guest_page, guest)
    guest_page.goto(f"/o/alpha/finance/savings/{entry.pk}/")
    assert "Walk-away" not in guest_page.content()
    guest_page.get_by_label("Evidence").fill("Invoices 2201–2240 at 9.00")
    guest_page.get_by_role("button", name="Verify the saving").click()
    guest_page.wait_for_load_state("networkidle")
    assert guest_page.get_by_test_id("saving-state").inner_text() == "Verified"
    guest_context.close()

    # The finance user draws up the statement; its PDF shows the payout.
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/finance/")
    page.get_by_role("link", name="Draw up a statement").click()
    form = page.get_by_test_id("finance-form")
    form.get_by_label("First month").fill(today.replace(day=1).isoformat())
    form.get_by_label("Last month").fill(today.isoformat())
    form.get_by_role("button", name="Draw up the statement").click()
    page.wait_for_url("**/finance/statements/*/")
    assert "500.00" in page.get_by_test_id("payout").inner_text()
    pdf_url = page.get_by_test_id("statement-pdf").get_attribute("href")
    response = page.request.get(pdf_url)
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "Payout to the partner" in text
    assert "500.00 EUR" in text
    assert "Gearbox housing redesign" in text

    # Issuing and paying cannot be undone: each button asks its own question first, and a "no"
    # sends nothing.
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.get_by_label("Why it is issued").fill("Quarter closed")
    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Issue to the partner").click()
    page.wait_for_load_state("networkidle")
    assert questions == ["Issue this statement to the partner? It can no longer be changed."]
    assert page.get_by_role("button", name="Issue to the partner").is_visible()  # still a draft
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Issue to the partner").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Payment reference").fill("Bank transfer 88-1204")
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Record as paid").click()
    page.wait_for_load_state("networkidle")
    assert questions[1:] == [
        "Issue this statement to the partner? It can no longer be changed.",
        "Record the payout as paid? This cannot be undone.",
    ]
    with tenant_scope(org_a):
        assert GainShareStatement.objects.get().status == "paid"
