"""A procurement manager disputes a discrepancy the three-way match found (confirming the dialog,
with a note for the partner); the partner guest signs in and sees it, read-only, with the note,
but not the discrepancy that was not disputed."""

import pytest

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.integrations.factories import DiscrepancyFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTE = "We agreed 11.90 per hose until June."


def test_a_manager_disputes_a_discrepancy_and_the_partner_guest_sees_it(
    page, login, org_a, make_member
):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="greta@alder.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, name="Alder drive-train",
                                         owner=manager)  # fmt: skip
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
        disputed = DiscrepancyFactory(organization=org_a, partnership=partnership,
                                      item="4012345000023", order_number="PO-1001")  # fmt: skip
        internal = DiscrepancyFactory(
            organization=org_a,
            partnership=partnership,
            item="4012345000030",
            kind="received_above_ordered",
        )

    login(page, manager)
    page.goto("/o/alpha/integrations/discrepancies/")
    page.click(f"a[href$='/integrations/discrepancies/{disputed.pk}/']")
    form = page.get_by_test_id("action-dispute")
    form.locator("textarea[name=reason]").fill(NOTE)
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="Dispute").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("discrepancy-status").inner_text() == "Disputed with the partner"
    page.context.clear_cookies()

    login(page, guest)
    page.goto("/o/alpha/integrations/discrepancies/?status=")
    board = page.get_by_test_id("discrepancies").inner_text()
    assert "4012345000023" in board and "4012345000030" not in board
    page.click(f"a[href$='/integrations/discrepancies/{disputed.pk}/']")
    assert NOTE in page.get_by_test_id("dispute-note").inner_text()
    assert page.locator("[data-testid^=action-]").count() == 0
    response = page.goto(f"/o/alpha/integrations/discrepancies/{internal.pk}/")
    assert response is not None and response.status == 404
