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


def _members(*parties):
    return [SimpleNamespace(pk=i, party=party) for i, party in enumerate(parties, start=1)]


def test_quorum_counts_voting_members_present_under_the_committees_rule():
    from governance.models import Party
    from governance.services.committees import quorum_of

    members = _members(Party.CUSTOMER, Party.CUSTOMER, Party.PARTNER, Party.PARTNER)

    def committee(rule, both=False):
        return SimpleNamespace(quorum_rule=rule, quorum_needs_both_parties=both)

    majority = committee(Committee.QuorumRule.MAJORITY)
    assert not quorum_of(majority, members, {1, 2}).reached  # 2 of 4 is not more than half
    assert quorum_of(majority, members, {1, 2, 3}).reached
    two_thirds = committee(Committee.QuorumRule.TWO_THIRDS)
    assert quorum_of(two_thirds, members, {1, 2, 3}).needed == 3  # ceiling of 8/3
    everyone = committee(Committee.QuorumRule.ALL)
    assert not quorum_of(everyone, members, {1, 2, 3}).reached
    both = committee(Committee.QuorumRule.MAJORITY, both=True)
    result = quorum_of(both, members[:3], {1, 2})  # 2 of 3 present, both ours
    assert not result.reached and "the partner's" in result.reason
    assert quorum_of(both, members, {1, 2, 3}).reached
    assert quorum_of(majority, [], set()).reason == "The committee has no voting members."
