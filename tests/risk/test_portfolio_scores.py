"""The portfolio lists the partners whose latest score is above a threshold: the highest ones,
picked and sorted by the database, with how many there are in all."""

from datetime import date
from decimal import Decimal

import pytest

from risk import selectors
from tenancy.context import tenant_scope
from tests.partnerships.factories import PartnershipFactory
from tests.risk.conftest import NOW, TODAY
from tests.risk.factories import RiskScoreFactory

pytestmark = pytest.mark.django_db


def test_only_the_latest_score_of_each_partnership_counts_and_the_highest_come_first(
    org_a, manager
):
    with tenant_scope(org_a):
        high, below_now, partner_side = PartnershipFactory.create_batch(3)
        RiskScoreFactory(partnership=high, score=Decimal("90"), scored_on=date(2030, 1, 5))
        # Above the threshold once, below it in its latest score: not listed.
        RiskScoreFactory(partnership=below_now, score=Decimal("95"), scored_on=date(2029, 6, 1))
        RiskScoreFactory(partnership=below_now, score=Decimal("20"), scored_on=date(2030, 1, 1))
        # Above the partner's threshold only (buyer 80, partner 50): listed.
        RiskScoreFactory(
            partnership=partner_side,
            score=Decimal("65"),
            buyer_threshold=Decimal("80"),
            partner_threshold=Decimal("50"),
        )
        portfolio = selectors.portfolio_risk(
            membership=manager.memberships.get(), today=TODAY, now=NOW
        )

    assert [s.partnership for s in portfolio.scores] == [high, partner_side]
    assert portfolio.counts["scores_above_threshold"] == 2


def test_the_portfolio_shows_the_highest_scores_and_counts_them_all(org_a, manager, client_as):
    over = selectors.PORTFOLIO_SCORES + 3
    with tenant_scope(org_a):
        for index in range(over):
            RiskScoreFactory(score=Decimal(61 + index))
        portfolio = selectors.portfolio_risk(
            membership=manager.memberships.get(), today=TODAY, now=NOW
        )

    assert len(portfolio.scores) == selectors.PORTFOLIO_SCORES
    assert portfolio.scores[0].score == Decimal(61 + over - 1)
    assert portfolio.counts["scores_above_threshold"] == over
    page = client_as(manager).get(f"/o/{org_a.slug}/risk/").content.decode()
    assert f"{over} partnerships' latest scores are above a threshold" in page
