"""What finance's reads give a partner guest, pinned at the selector: the partnership's finance
tab carries no payment-terms analysis for them (our cost of capital and whether we take the
early-payment discount are the buyer's own)."""

from datetime import date

import pytest

from finance.selectors import partnership_finance
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tests.finance.factories import PaymentTermsFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_guest_s_finance_tab_carries_no_payment_terms_analysis(org_a, owner, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a)
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
        terms = PaymentTermsFactory(organization=org_a, partnership=theirs)
        as_guest = partnership_finance(
            membership=Membership.objects.get(user=guest),
            partnership=theirs,
            today=date(2030, 1, 1),
        )
        as_owner = partnership_finance(
            membership=Membership.objects.get(user=owner),
            partnership=theirs,
            today=date(2030, 1, 1),
        )
    assert as_guest["terms"] is None
    assert as_owner["terms"] == terms
