"""What governance's reads give a partner guest, pinned at the selector (the pages narrow some
of them again): counts of change requests and the attestations they owe only for the
partnerships they were invited to, and guests named as the partner's side."""

from datetime import date, timedelta

import pytest

from governance.models import ChangeRequest
from governance.selectors import (
    attestations_awaiting,
    change_request_status_counts,
    people_of_both_parties,
)
from tenancy.context import tenant_scope
from tenancy.models import Membership
from tests.governance.factories import ChangeRequestFactory, ComplianceOfficerFactory
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import ComplianceRequirementFactory

pytestmark = pytest.mark.django_db


def test_a_guest_counts_only_the_change_requests_of_their_partnerships(
    org_a, owner, guest, partnership, client_as
):
    theirs = partnership
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
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


def test_a_guest_is_the_partner_s_side_and_staff_the_customer_s(org_a, guest, partnership):
    with tenant_scope(org_a):
        people = {user: user.party for user in people_of_both_parties(partnership)}
    assert people.pop(guest) == "partner"
    assert people and set(people.values()) == {"customer"}


def test_a_guest_owes_attestations_only_where_they_are_still_invited(org_a, guest, partnership):
    """A guest named the partner's compliance officer of two partnerships and taken off one
    (the appointment stays on record) owes only the other's attestation."""
    today, theirs = date(2030, 3, 1), partnership
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
        for each in (theirs, other):
            ComplianceOfficerFactory(
                organization=org_a, partnership=each, user=guest, party="partner",
                framework="gdpr",
            )  # fmt: skip
            ComplianceRequirementFactory(
                organization=org_a, partnership=each, framework="gdpr",
                due_on=today + timedelta(days=10),
            )  # fmt: skip
        duties = attestations_awaiting(membership=Membership.objects.get(user=guest), today=today)
    assert [duty.requirement.partnership for duty in duties] == [theirs]
