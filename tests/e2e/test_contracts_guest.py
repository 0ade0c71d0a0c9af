"""The partner guest (the supplier's employee) signs in and reads the agreement under review:
the text, the redline proposed to them and the comments shared with them, never the buyer's
playbook positions, deviations, review queue or internal comments. They agree to the redline."""

import pytest
from django.utils import timezone

from contracts import services
from contracts.models import Agreement, Clause, ClauseComment
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import (
    AgreementFactory,
    ClauseFactory,
    PlaybookClauseFactory,
    PlaybookRuleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PREFERRED = "PREFERRED-POSITION: 150% of the fees of the preceding 12 months"
RED_LINE = "RED-LINE-POSITION: never below 1x annual fees"
INTERNAL = "INTERNAL-COMMENT: we could live with 0.8x if pushed"
SHARED = "Please confirm the insurance carve-outs."


def test_the_partner_guest_sees_no_playbook_position_or_internal_comment(
    page, login, org_a, owner, make_member
):
    legal = make_member(org_a, Role.LEGAL, email="lena@alpha.test", full_name="Lena Legal")
    guest = make_member(
        org_a, Role.PARTNER_GUEST, email="greta@alder.test", full_name="Greta Guest"
    )
    with tenant_scope(org_a):
        PlaybookClauseFactory(
            organization=org_a,
            clause_type="limitation_of_liability",
            preferred_text=PREFERRED,
            red_lines=[RED_LINE],
        )
        PlaybookRuleFactory(organization=org_a)
        agreement = AgreementFactory(
            organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW, title="Alder MSA"
        )
        partnership_invite_guest(partnership=agreement.partnership, guest=guest, actor=owner)
        cap = ClauseFactory(
            organization=org_a,
            agreement=agreement,
            parameters={"cap_multiple": "0.5"},
            text="Liability is capped at half of the annual fees.",
        )
        services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
        services.clause_comment_add(clause=cap, actor=legal, body=INTERNAL)
        services.clause_comment_add(
            clause=cap, actor=legal, body=SHARED, visibility=ClauseComment.Visibility.SHARED
        )
        services.clause_decide(
            clause=cap,
            actor=legal,
            decision="redline",
            comment="Internal reasoning: our floor is 1x.",
            redline_text="Liability is capped at the annual fees.",
            redline_parameters={"cap_multiple": "1"},
            now=timezone.now(),
        )

    login(page, guest)

    # The contracts home: no review queue, no red-line counts.
    page.goto("/o/alpha/contracts/")
    home = page.locator("main").inner_text() if page.locator("main").count() else page.content()
    assert page.get_by_test_id("review-queue").count() == 0
    assert "Open red lines" not in home and "Review queue" not in home

    # The review page: the text and the redline, the shared comment; nothing internal.
    page.goto(f"/o/alpha/contracts/agreements/{agreement.pk}/review/")
    body = page.locator("body").inner_text()
    for secret in (PREFERRED, RED_LINE, INTERNAL, "Internal reasoning", "Cap at least 1"):
        assert secret not in body
    assert page.get_by_test_id("playbook-position").count() == 0
    assert page.get_by_test_id("deviation").count() == 0
    assert "Liability is capped at the annual fees." in body
    assert SHARED in body
    assert "Redline awaiting the partner" in page.get_by_test_id("redline-state").inner_text()

    # The guest comments (shared) and agrees to the redline.
    card = page.get_by_test_id("clause-card").first
    card.get_by_label("Comment", exact=True).fill("Fine for us once the carve-outs are listed.")
    card.get_by_role("button", name="Comment", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("agree-form").get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    assert "agreement is recorded" in page.locator(".message").first.inner_text()
    assert "agreed by the partner" in page.get_by_test_id("redline-state").inner_text()

    # At phone width the page still shows the clause and no playbook.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.get_by_test_id("clause-card").first.is_visible()
    assert PREFERRED not in page.locator("body").inner_text()

    with tenant_scope(org_a):
        cap.refresh_from_db()
        assert cap.partner_agreed_by == guest and cap.decision == Clause.Decision.REDLINE
        mine = ClauseComment.objects.get(author=guest)
        assert mine.visibility == ClauseComment.Visibility.SHARED
