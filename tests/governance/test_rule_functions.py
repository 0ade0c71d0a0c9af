"""The pure rules of governance, stated on hand-built cases: RACI validity, which decision-right
rule applies to a change request, and when a vote carries."""

from decimal import Decimal
from types import SimpleNamespace

from governance.models import ChangeRequest, Committee, DecisionRightRule, MeetingDecision
from governance.services.decision_rights import rule_applies
from governance.services.meetings import Choice, decision_outcome
from governance.services.raci import Letter, raci_problems

Measure = DecisionRightRule.Measure


def _cr(cost="0", category=None, slip=0):
    return SimpleNamespace(
        cost_impact=Decimal(cost),
        category=category or ChangeRequest.Category.PRICE,
        schedule_impact_days=slip,
    )


def _rule(measure, threshold):
    return SimpleNamespace(measure=measure, threshold=Decimal(threshold))


def test_a_raci_row_needs_exactly_one_accountable_and_a_responsible():
    assert raci_problems("Scope change", [Letter.ACCOUNTABLE, Letter.RESPONSIBLE]) == []
    assert raci_problems("Scope change", [Letter.RESPONSIBLE]) == [
        "Scope change: name exactly one Accountable (there is none)."
    ]
    assert raci_problems("X", [Letter.ACCOUNTABLE, Letter.ACCOUNTABLE, Letter.RESPONSIBLE]) == [
        "X: exactly one Accountable, not 2."
    ]
    assert raci_problems("X", [Letter.ACCOUNTABLE]) == ["X: name at least one Responsible."]


def test_a_budget_rule_applies_strictly_above_its_amount():
    rule = _rule(Measure.BUDGET_AMOUNT, "50000")
    assert not rule_applies(rule, _cr("50000"), None)
    assert rule_applies(rule, _cr("50000.01"), None)
    assert rule_applies(rule, _cr("-60000"), None)  # a saving of that size counts too


def test_a_percentage_rule_needs_a_base_and_applies_strictly_above_it():
    rule = _rule(Measure.BUDGET_PERCENT, "10")
    assert not rule_applies(rule, _cr("10000"), Decimal("100000"))
    assert rule_applies(rule, _cr("10001"), Decimal("100000"))
    assert not rule_applies(rule, _cr("99999"), None)
    assert not rule_applies(rule, _cr("99999"), Decimal("0"))


def test_scope_and_schedule_rules():
    scope = _rule(Measure.SCOPE, "0")
    assert rule_applies(scope, _cr(category=ChangeRequest.Category.SCOPE), None)
    assert not rule_applies(scope, _cr(), None)
    slip = _rule(Measure.SCHEDULE_DAYS, "30")
    assert not rule_applies(slip, _cr(slip=30), None)
    assert rule_applies(slip, _cr(slip=31), None)


def test_a_vote_carries_by_the_committees_threshold_abstentions_not_cast():
    carried, lost = MeetingDecision.Outcome.CARRIED, MeetingDecision.Outcome.NOT_CARRIED
    simple = Committee.Threshold.SIMPLE_MAJORITY
    assert decision_outcome(simple, [Choice.FOR, Choice.FOR, Choice.AGAINST]) == carried
    assert decision_outcome(simple, [Choice.FOR, Choice.AGAINST, Choice.ABSTAIN]) == lost
    two_thirds = Committee.Threshold.TWO_THIRDS
    assert decision_outcome(two_thirds, [Choice.FOR, Choice.FOR, Choice.AGAINST]) == carried
    assert decision_outcome(two_thirds, [Choice.FOR, Choice.AGAINST, Choice.ABSTAIN]) == lost
    unanimous = Committee.Threshold.UNANIMOUS
    assert decision_outcome(unanimous, [Choice.FOR, Choice.ABSTAIN]) == carried
    assert decision_outcome(unanimous, [Choice.FOR, Choice.AGAINST]) == lost
    assert decision_outcome(unanimous, [Choice.ABSTAIN]) == lost
