"""What performance's reads give a partner guest, pinned at the selector: the breach summary on
the performance dashboard counts only the partnerships they were invited to (a count is a
row too)."""

import pytest

from partnerships.services import partnership_invite_guest
from performance.selectors import breach_summary
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import SlaBreachFactory, SlaFactory

pytestmark = pytest.mark.django_db


def test_a_guest_s_breach_summary_counts_only_their_partnerships(
    org_a, owner, make_member, client_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a)
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
        SlaBreachFactory(
            organization=org_a, sla=SlaFactory(organization=org_a, kpi__partnership=theirs)
        )
        for _ in range(2):
            SlaBreachFactory(organization=org_a)
        as_guest = breach_summary(membership=Membership.objects.get(user=guest))
        as_owner = breach_summary(membership=Membership.objects.get(user=owner))
    assert as_guest["total"] == 1 and as_owner["total"] == 3
    page = client_as(guest).get("/o/alpha/performance/")
    assert page.status_code == 200 and page.context["summary"] == as_guest
