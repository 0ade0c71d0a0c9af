import pytest

from contracts.models import PlaybookRule
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import PlaybookClauseFactory, PlaybookRuleFactory


@pytest.fixture
def legal(org_a, make_member):
    return make_member(org_a, Role.LEGAL, email="legal@alpha.test", full_name="Lena Legal")


@pytest.fixture
def playbook(org_a):
    """The rules of the issue: cap ≥ 1× annual fees (red line), termination notice ≥ 90 days,
    arbitration seat in an allowed list."""
    cap = PlaybookRuleFactory(organization=org_a)
    notice = PlaybookRuleFactory(
        organization=org_a,
        playbook_clause=PlaybookClauseFactory(
            organization=org_a, clause_type="termination_for_convenience"
        ),
        name="Termination notice at least 90 days",
        parameter="notice_days",
        operator=PlaybookRule.Operator.GTE,
        value=90,
        severity=PlaybookRule.Severity.WARNING,
    )
    seat = PlaybookRuleFactory(
        organization=org_a,
        playbook_clause=PlaybookClauseFactory(organization=org_a, clause_type="dispute_resolution"),
        name="Arbitration seat in an allowed list",
        parameter="arbitration_seat",
        operator=PlaybookRule.Operator.IN,
        value=["London", "Geneva", "Stockholm"],
        severity=PlaybookRule.Severity.RED_LINE,
    )
    return {"cap": cap, "notice": notice, "seat": seat}


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a
