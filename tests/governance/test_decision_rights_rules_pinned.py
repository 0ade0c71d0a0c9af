"""Decision-right rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): the thresholds' edges, the rules' order, who counts as the partnership's own
sponsors, the exact texts a user reads, and the audit trail of the organization's rules."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import ChangeRequest, DecisionRightRule
from governance.services.decision_rights import rule_applies
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.governance.conftest import NOW
from tests.governance.test_services import draft

pytestmark = pytest.mark.django_db

Measure = DecisionRightRule.Measure


def _rule(measure, threshold):
    return SimpleNamespace(measure=measure, threshold=threshold)


def _cr(cost, slip=0, category=ChangeRequest.Category.PRICE):
    return SimpleNamespace(cost_impact=cost, schedule_impact_days=slip, category=category)


# --- which rule applies -----------------------------------------------------------------------


def test_a_change_without_a_cost_never_passes_a_budget_threshold_of_zero():
    assert not rule_applies(_rule(Measure.BUDGET_AMOUNT, Decimal(0)), _cr(None), None)


def test_a_rule_of_threshold_zero_applies_to_any_cost_share_or_slip():
    assert rule_applies(_rule(Measure.BUDGET_AMOUNT, Decimal(0)), _cr(Decimal(1)), None)
    assert rule_applies(_rule(Measure.BUDGET_PERCENT, Decimal(0)), _cr(Decimal(1)), Decimal(200))
    assert rule_applies(_rule(Measure.SCHEDULE_DAYS, Decimal(0)), _cr(Decimal(0), slip=1), None)


def test_a_share_of_a_base_of_one_is_still_a_share():
    assert rule_applies(_rule(Measure.BUDGET_PERCENT, Decimal(10)), _cr(Decimal(1)), Decimal(1))


def test_a_rule_of_an_unknown_measure_applies_to_nothing():
    assert not rule_applies(_rule("headcount", Decimal(0)), _cr(Decimal(10**6), slip=999), None)


def test_without_an_agreement_value_a_share_is_of_the_partnerships_annual_value():
    partnership = SimpleNamespace(annual_value=Decimal("250000"))
    no_agreement = SimpleNamespace(agreement=None, partnership=partnership)
    valueless = SimpleNamespace(agreement=SimpleNamespace(value=None), partnership=partnership)
    assert services.base_value(no_agreement) == Decimal("250000")
    assert services.base_value(valueless) == Decimal("250000")


# --- the organization's rules -----------------------------------------------------------------


def test_rules_apply_in_their_position_then_in_the_order_they_were_made(scope, owner):
    services.decision_right_rule_create(
        actor=owner, name="Second", measure="scope", approvers="committee", position=1
    )
    services.decision_right_rule_create(
        actor=owner, name="First", measure="scope", approvers="committee", position=0
    )
    tie_a = services.decision_right_rule_create(
        actor=owner, name="Tie A", measure="scope", approvers="committee", position=5
    )
    services.decision_right_rule_create(
        actor=owner, name="Tie B", measure="scope", approvers="committee", position=5
    )
    # An update rewrites the row (PostgreSQL may then read it last): the order is still by id.
    services.decision_right_rule_update(rule=tie_a, actor=owner, approvers="programme_leads")
    assert [rule.name for rule in services.effective_rules()] == [
        "First",
        "Second",
        "Tie A",
        "Tie B",
    ]


@pytest.mark.parametrize("threshold", [None, Decimal("-1")])
def test_a_threshold_is_zero_or_more(scope, owner, threshold):
    with pytest.raises(ValidationError) as refused:
        services.decision_right_rule_create(
            actor=owner,
            name="Slip",
            measure="schedule_days",
            threshold=threshold,
            approvers="committee",
        )
    assert refused.value.message_dict == {"threshold": ["Give the threshold (zero or more)."]}


def test_a_threshold_of_zero_and_a_share_of_100_percent_are_accepted(scope, owner):
    services.decision_right_rule_create(
        actor=owner,
        name="Any slip",
        measure="schedule_days",
        threshold=Decimal("0.5"),
        approvers="committee",
    )
    services.decision_right_rule_create(
        actor=owner,
        name="Any cost",
        measure="budget_amount",
        threshold=Decimal(0),
        approvers="committee",
    )
    services.decision_right_rule_create(
        actor=owner,
        name="All of it",
        measure="budget_percent",
        threshold=Decimal(100),
        approvers="committee",
    )
    assert DecisionRightRule.objects.count() == 3


def test_a_share_above_100_percent_is_refused(scope, owner):
    with pytest.raises(ValidationError) as refused:
        services.decision_right_rule_create(
            actor=owner,
            name="More than all",
            measure="budget_percent",
            threshold=Decimal("100.01"),
            approvers="committee",
        )
    assert refused.value.message_dict == {"threshold": ["A share is at most 100%."]}


def test_a_scope_rule_keeps_no_threshold_and_the_others_keep_theirs(scope, owner):
    scope_rule = services.decision_right_rule_create(
        actor=owner, name="Scope", measure="scope", threshold=Decimal(5), approvers="committee"
    )
    budget = services.decision_right_rule_create(
        actor=owner,
        name="Budget",
        measure="budget_amount",
        threshold=Decimal(5),
        approvers="committee",
    )
    scope_rule.refresh_from_db()
    budget.refresh_from_db()
    assert (scope_rule.threshold, budget.threshold) == (None, Decimal(5))


def test_creating_a_rule_is_audited_with_its_measure_threshold_and_approvers(scope, owner):
    rule = services.decision_right_rule_create(
        actor=owner,
        name="Budget",
        measure="budget_amount",
        threshold=Decimal("2500.50"),
        approvers="programme_leads",
    )
    event = AuditEvent.objects.get(action="governance.decision_rule.created")
    assert (event.actor, event.object_type, event.object_id, event.changes) == (
        owner,
        "governance.decisionrightrule",
        str(rule.pk),
        {"measure": "budget_amount", "threshold": "2500.50", "approvers": "programme_leads"},
    )


def test_updating_a_rule_is_validated_and_audited_with_what_changed(scope, owner, manager):
    rule = services.decision_right_rule_create(
        actor=owner,
        name="Slip",
        measure="schedule_days",
        threshold=Decimal(30),
        approvers="committee",
    )
    services.decision_right_rule_update(rule=rule, actor=manager, threshold=Decimal(45), colour="x")
    with pytest.raises(ValidationError):
        services.decision_right_rule_update(rule=rule, actor=owner, threshold=Decimal(-1))
    rule.refresh_from_db()
    assert rule.threshold == Decimal(45)
    services.decision_right_rule_update(rule=rule, actor=owner, threshold=Decimal(45))
    events = AuditEvent.objects.filter(action="governance.decision_rule.updated")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (manager, str(rule.pk), {"threshold": ["30.00", "45"]})
    ]


def test_the_last_rule_cannot_be_deleted_and_a_deletion_is_audited(scope, owner):
    first = services.decision_right_rule_create(
        actor=owner, name="Scope", measure="scope", approvers="committee"
    )
    second = services.decision_right_rule_create(
        actor=owner, name="Everything", measure="scope", approvers="programme_leads"
    )
    services.decision_right_rule_delete(rule=first, actor=owner)
    event = AuditEvent.objects.get(action="governance.decision_rule.deleted")
    assert (event.actor, event.changes) == (owner, {"rule": "Scope"})
    with pytest.raises(ConflictError) as refused:
        services.decision_right_rule_delete(rule=second, actor=owner)
    assert (refused.value.code, refused.value.message) == (
        "last_rule",
        "This is the last rule: deactivate it instead (with no rules at all, the defaults apply).",
    )
    assert list(DecisionRightRule.objects.values_list("name", flat=True)) == ["Everything"]


def test_the_defaults_are_stored_in_their_order_once(scope, owner):
    stored = services.decision_rights_install_defaults(actor=owner)
    assert [
        (r.name, r.measure, r.threshold, r.approvers, r.position)
        for r in DecisionRightRule.objects.all()
    ] == [
        ("Budget change above 50,000", "budget_amount", Decimal(50000), "executive_sponsors", 0),
        (
            "Budget change above 10% of the agreement's value",
            "budget_percent",
            Decimal(10),
            "executive_sponsors",
            1,
        ),
        ("Scope change", "scope", None, "committee", 2),
        ("Timeline slip above 30 days", "schedule_days", Decimal(30), "programme_leads", 3),
    ]
    assert stored == list(DecisionRightRule.objects.all())
    events = AuditEvent.objects.filter(action="governance.decision_rule.created")
    assert {e.actor for e in events} == {owner} and events.count() == 4
    with pytest.raises(ConflictError) as refused:
        services.decision_rights_install_defaults(actor=owner)
    assert (refused.value.code, refused.value.message) == (
        "rules_exist",
        "The organization already has its rules.",
    )


# --- who must approve -------------------------------------------------------------------------


def test_a_rule_without_its_people_names_the_missing_party_of_the_committee(
    scope, board, manager, partnership, owner
):
    services.decision_right_rule_create(
        actor=owner,
        name="Any cost",
        measure="budget_amount",
        threshold=Decimal(0),
        approvers="executive_sponsors",
    )
    for seat in ("sponsor", "partner_sponsor"):
        services.committee_member_update(
            member=board.seats[seat], actor=owner, is_executive_sponsor=False
        )
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("10"))
    assert services.required_approvers(change_request, today=NOW.date()) == (
        [],
        [
            "“Any cost” needs our executive sponsor: the partnership's steering committee "
            "has none.",
            "“Any cost” needs the partner's executive sponsor: the partnership's steering "
            "committee has none.",
        ],
    )


def test_without_a_committee_only_sponsors_of_the_right_party_count(
    scope, manager, partnership, committee, guest
):
    """Our sponsor must sit for us and the partner's for the partner: a guest named as our
    sponsor, or one of our people under the partner sponsor's e-mail, approves nothing."""
    partnership.executive_sponsor = guest
    partnership.partner_sponsor_email = "committee@alpha.test"
    partnership.save(update_fields=["executive_sponsor", "partner_sponsor_email"])
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("60000"))
    assert services.required_approvers(change_request, today=NOW.date()) == (
        [],
        [
            "“Budget change above 50,000” needs our executive sponsor: the partnership names "
            "none who can approve (and it has no steering committee).",
            "“Budget change above 50,000” needs the partner's executive sponsor: the "
            "partnership names none who can approve (and it has no steering committee).",
        ],
    )


def test_without_a_committee_a_sponsor_who_cannot_approve_does_not_hide_the_other(
    scope, manager, partnership, partner_sponsor, make_member, org_b
):
    outsider = make_member(org_b, email="outsider@bravo.test")
    partnership.executive_sponsor = outsider
    partnership.partner_sponsor_email = partner_sponsor.email
    partnership.save(update_fields=["executive_sponsor", "partner_sponsor_email"])
    change_request = draft(manager, partnership, category="price", cost_impact=Decimal("60000"))
    required, blockers = services.required_approvers(change_request, today=NOW.date())
    assert [(r.user, r.party) for r in required] == [(partner_sponsor, "partner")]
    assert len(blockers) == 1 and "needs our executive sponsor" in blockers[0]


def test_without_a_committee_a_rule_for_the_committee_is_skipped_not_the_rules_after_it(
    scope, manager, partnership, owner, sponsor, partner_sponsor
):
    services.decision_right_rule_create(
        actor=owner,
        name="Any slip",
        measure="schedule_days",
        threshold=Decimal(0),
        approvers="programme_leads",
        position=0,
    )
    services.decision_right_rule_create(
        actor=owner,
        name="Any cost",
        measure="budget_amount",
        threshold=Decimal(0),
        approvers="executive_sponsors",
        position=1,
    )
    partnership.executive_sponsor = sponsor
    partnership.partner_sponsor_email = partner_sponsor.email
    partnership.save(update_fields=["executive_sponsor", "partner_sponsor_email"])
    change_request = draft(
        manager, partnership, category="price", cost_impact=Decimal("5"), schedule_impact_days=3
    )
    required, blockers = services.required_approvers(change_request, today=NOW.date())
    assert [(r.user, r.party, r.reason) for r in required] == [
        (sponsor, "customer", "Executive sponsor: Any cost"),
        (partner_sponsor, "partner", "Executive sponsor: Any cost"),
    ]
    assert blockers == []
