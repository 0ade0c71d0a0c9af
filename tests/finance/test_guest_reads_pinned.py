"""What finance's reads give a partner guest, pinned at the selector: the partnership's finance
tab carries no payment-terms analysis for them (our cost of capital and whether we take the
early-payment discount are the buyer's own)."""

from datetime import date

import pytest

from finance.selectors import partnership_finance
from tenancy.context import tenant_scope
from tenancy.models import Membership
from tests.finance.factories import PaymentTermsFactory

pytestmark = pytest.mark.django_db


def test_a_guest_s_finance_tab_carries_no_payment_terms_analysis(org_a, owner, guest, partnership):
    with tenant_scope(org_a):
        terms = PaymentTermsFactory(organization=org_a, partnership=partnership)
        as_guest, as_owner = (
            partnership_finance(
                membership=Membership.objects.get(user=user),
                partnership=partnership,
                today=date(2030, 1, 1),
            )
            for user in (guest, owner)
        )
    assert as_guest["terms"] is None
    assert as_owner["terms"] == terms
