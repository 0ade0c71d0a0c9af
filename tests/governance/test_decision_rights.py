"""Decision rights as specifications: the rules decide which approvers of both parties a change
request needs when it is submitted; approvers may send it back to draft; a blocking scorecard
standing blocks submission; implementing a change to an agreement drafts its amendment."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import ChangeRequest, ChangeRequestApprover, DecisionRightRule
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.contracts.factories import AgreementFactory
from tests.governance.conftest import NOW
from tests.governance.test_services import draft
from tests.performance.factories import ScorecardFactory

pytestmark = pytest.mark.django_db


def draft_with_approvers(manager, partnership, approvers, **fields):
    change_request = draft(manager, partnership, **fields)
    for user in approvers:
        services.change_request_approver_add(
            change_request=change_request, user=user, actor=manager
        )
    return change_request


def approvers(change_request) -> dict[str, str]:
    return dict(
        ChangeRequestApprover.objects.filter(change_request=change_request).values_list(
            "user__email", "required_by"
        )
    )


def test_a_budget_change_above_50000_needs_both_executive_sponsors(
    scope, board, manager, partnership
):
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("60000.00"))
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    required = approvers(change_request)
    assert set(required) == {"sponsor@alpha.test", "pia@alder.test"}
    assert required["pia@alder.test"].startswith("Executive sponsor: Budget change above 50,000")
    assert ChangeRequestApprover.objects.get(user__email="pia@alder.test").party == "partner"
    assert "governance.change_request.approvers_required" in AuditEvent.objects.values_list(
        "action", flat=True
    )


def test_a_budget_change_of_50000_or_less_needs_no_sponsor(
    scope, board, manager, partnership, committee, guest
):
    change_request = draft_with_approvers(
        manager,
        partnership,
        category="price",
        cost_impact=Decimal("50000.00"),
        approvers=(committee, guest),
    )
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert set(approvers(change_request)) == {"committee@alpha.test", "guest@alder.test"}


def test_a_budget_change_above_ten_percent_of_the_agreement_needs_the_sponsors(
    scope, board, manager, partnership
):
    agreement = AgreementFactory(partnership=partnership, value=Decimal("200000.00"))
    change_request = draft(
        manager, partnership, agreement=agreement, category="price", cost_impact=Decimal("20001.00")
    )
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert set(approvers(change_request)) == {"sponsor@alpha.test", "pia@alder.test"}


def test_a_scope_change_needs_the_committee_and_a_long_slip_the_programme_leads(
    scope, board, manager, partnership
):
    scope_change = draft(manager, partnership, category="scope", cost_impact=Decimal("0"))
    services.change_request_submit(change_request=scope_change, actor=manager, now=NOW)
    assert set(approvers(scope_change)) == {
        "committee@alpha.test",
        "guest@alder.test",
        "sponsor@alpha.test",
        "pia@alder.test",
    }  # the voting members; the secretary has no vote
    slip = draft(manager, partnership, category="schedule", cost_impact=0, schedule_impact_days=31)
    services.change_request_submit(change_request=slip, actor=manager, now=NOW)
    assert set(approvers(slip)) == {"committee@alpha.test", "guest@alder.test"}


def test_a_rule_without_its_people_on_the_committee_blocks_submission(
    scope, board, manager, partnership, owner
):
    services.committee_member_update(
        member=board.seats["partner_sponsor"], actor=owner, is_executive_sponsor=False
    )
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("90000"))
    with pytest.raises(ConflictError) as error:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert "needs the partner's executive sponsor" in error.value.message
    change_request.refresh_from_db()
    assert change_request.status == "draft" and approvers(change_request) == {}


def test_without_a_committee_a_budget_change_above_the_threshold_still_needs_both_sponsors(
    scope, manager, partnership, committee, guest
):
    """No steering committee is no bypass: the hand-picked approvers are not enough."""
    change_request = draft_with_approvers(
        manager,
        partnership,
        category="price",
        cost_impact=Decimal("60000"),
        approvers=(committee, guest),
    )
    with pytest.raises(ConflictError) as error:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert "needs our executive sponsor" in error.value.message
    assert "needs the partner's executive sponsor" in error.value.message
    change_request.refresh_from_db()
    assert change_request.status == "draft"


def test_without_a_committee_the_partnerships_own_sponsors_are_required(
    scope, manager, partnership, committee, guest, sponsor, partner_sponsor
):
    partnership.executive_sponsor = sponsor
    partnership.partner_sponsor_email = "PIA@alder.test"
    partnership.save(update_fields=["executive_sponsor", "partner_sponsor_email"])
    change_request = draft_with_approvers(
        manager,
        partnership,
        category="price",
        cost_impact=Decimal("60000"),
        approvers=(committee, guest),
    )
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    required = approvers(change_request)
    assert set(required) == {
        "committee@alpha.test",
        "guest@alder.test",
        "sponsor@alpha.test",
        "pia@alder.test",
    }
    assert required["pia@alder.test"].startswith("Executive sponsor: Budget change above 50,000")


def test_stored_rules_replace_the_defaults(scope, board, manager, partnership, owner):
    services.decision_right_rule_create(
        actor=owner,
        name="Any budget change above 1,000",
        measure="budget_amount",
        threshold=Decimal("1000"),
        approvers="programme_leads",
    )
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("90000"))
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert set(approvers(change_request)) == {"committee@alpha.test", "guest@alder.test"}


def test_a_rule_needs_its_threshold(scope, owner):
    with pytest.raises(ValidationError):
        services.decision_right_rule_create(
            actor=owner, name="Slip", measure="schedule_days", threshold=None, approvers="committee"
        )
    assert DecisionRightRule.objects.count() == 0


def test_an_approver_asks_for_changes_and_the_request_returns_to_draft(
    scope, board, manager, partnership
):
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("60000"))
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    pia = board.seats["partner_sponsor"].user
    with pytest.raises(ValidationError):
        services.change_request_request_changes(
            change_request=change_request, approver=pia, reason=" ", now=NOW
        )
    services.change_request_request_changes(
        change_request=change_request, approver=pia, reason="Split the cost per site.", now=NOW
    )
    change_request.refresh_from_db()
    assert change_request.status == "draft"
    assert "Split the cost per site." in change_request.changes_requested_reason
    assert approvers(change_request) == {}  # recomputed on resubmission
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert set(approvers(change_request)) == {"sponsor@alpha.test", "pia@alder.test"}


def test_a_blocking_scorecard_standing_blocks_submission_with_the_reason(
    scope, manager, committee, guest, partnership
):
    ScorecardFactory(
        partnership=partnership,
        period_start=date(2029, 12, 1),
        status="published",
        standing="Blocked",
        standing_action="block_change_requests",
    )
    change_request = draft_with_approvers(manager, partnership, approvers=(committee, guest))
    with pytest.raises(ConflictError) as error:
        services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    assert "scorecard standing is “Blocked” (December 2029)" in error.value.message
    ScorecardFactory(
        partnership=partnership,
        period_start=date(2030, 1, 1),
        status="published",
        standing="Approved",
        standing_action="none",
    )
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def test_a_draft_scorecard_does_not_block(scope, manager, committee, guest, partnership):
    ScorecardFactory(
        partnership=partnership, status="draft", standing_action="block_change_requests"
    )
    change_request = draft_with_approvers(manager, partnership, approvers=(committee, guest))
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)


def _approved(board, manager, partnership, **fields):
    change_request = draft(
        manager, partnership, category="price", cost_impact=Decimal("60000"), **fields
    )
    services.change_request_submit(change_request=change_request, actor=manager, now=NOW)
    for key in ("sponsor", "partner_sponsor"):
        services.change_request_approve(
            change_request=change_request, approver=board.seats[key].user, now=NOW
        )
    change_request.refresh_from_db()
    assert change_request.status == "approved"
    return change_request


def test_implementing_a_change_to_an_agreement_drafts_its_amendment(
    scope, board, manager, partnership
):
    agreement = AgreementFactory(partnership=partnership, title="Master services agreement")
    change_request = _approved(board, manager, partnership, agreement=agreement)
    change_request = services.change_request_implement(
        change_request=change_request, actor=manager, now=NOW
    )
    amendment = change_request.amendment
    assert amendment.agreement_type == "amendment" and amendment.status == "draft"
    assert amendment.amends == agreement
    assert amendment.source_change_requests.get() == change_request  # linked both ways
    assert amendment.reference == change_request.reference
    assert amendment.value == Decimal("60000.00")
    assert "contracts.agreement.created" in AuditEvent.objects.values_list("action", flat=True)


def test_implementing_a_change_without_an_agreement_drafts_nothing(
    scope, board, manager, partnership
):
    change_request = _approved(board, manager, partnership)
    change_request = services.change_request_implement(
        change_request=change_request, actor=manager, now=NOW
    )
    assert change_request.amendment is None
    assert ChangeRequest.objects.get().status == "implemented"
