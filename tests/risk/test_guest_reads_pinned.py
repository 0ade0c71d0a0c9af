"""Partner guests never see the risk register, pinned at the selector as well as on its pages
and API (403): the portfolio read refuses a guest outright (its heat map counts every risk of
the organization), and so does the partnership's risk tab."""

from datetime import UTC, date, datetime

import pytest

from risk.selectors import partnership_risk, portfolio_risk
from tenancy.context import tenant_scope
from tenancy.models import Membership

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


def test_the_portfolio_risk_read_refuses_a_guest(org_a, owner, guest):
    with tenant_scope(org_a):
        with pytest.raises(PermissionError, match="Partner guests never see the risk register."):
            portfolio_risk(
                membership=Membership.objects.get(user=guest), today=date(2030, 1, 10), now=NOW
            )
        with pytest.raises(PermissionError):
            portfolio_risk(membership=None, today=date(2030, 1, 10), now=NOW)
        assert portfolio_risk(
            membership=Membership.objects.get(user=owner), today=date(2030, 1, 10), now=NOW
        )


def test_the_partnership_risk_read_refuses_a_guest_even_of_their_own_partnership(
    org_a, owner, guest, partnership
):
    theirs = partnership
    with tenant_scope(org_a):
        with pytest.raises(PermissionError, match="Partner guests never see the risk register."):
            partnership_risk(membership=Membership.objects.get(user=guest), partnership=theirs)
        assert (
            partnership_risk(
                membership=Membership.objects.get(user=owner), partnership=theirs
            ).partnership
            == theirs
        )
