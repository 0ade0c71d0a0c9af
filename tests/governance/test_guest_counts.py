"""A partner guest's governance dashboard counts only the change requests of the partnerships
they were invited to: a count is a row too."""

import pytest

from governance.models import ChangeRequest
from governance.selectors import change_request_status_counts
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tests.governance.factories import ChangeRequestFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_guest_counts_only_the_change_requests_of_their_partnerships(
    org_a, owner, make_member, client_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        theirs, other = (
            PartnershipFactory(organization=org_a),
            PartnershipFactory(organization=org_a),
        )
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
        ChangeRequestFactory(organization=org_a, partnership=theirs)
        for _ in range(3):
            ChangeRequestFactory(organization=org_a, partnership=other)
        as_guest = change_request_status_counts(membership=Membership.objects.get(user=guest))
        as_owner = change_request_status_counts(membership=Membership.objects.get(user=owner))
    assert as_guest[ChangeRequest.Status.DRAFT] == 1 and sum(as_guest.values()) == 1
    assert as_owner[ChangeRequest.Status.DRAFT] == 4
    page = client_as(guest).get("/o/alpha/governance/")
    assert page.status_code == 200
    assert page.context["counts"] == as_guest
