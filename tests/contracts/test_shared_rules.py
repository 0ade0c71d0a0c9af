"""The contracts services' shared helpers: the caller's membership in the current organization,
who may review by role, and an agreement's address."""

import pytest

from contracts.services._shared import agreement_url, may_review_role, membership_of
from tenancy.models import Membership, Role
from tests.contracts.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def test_the_membership_is_the_active_one_in_the_current_organization(
    scope, org_b, owner, make_member
):
    assert membership_of(owner).organization_id == scope.pk
    outsider = make_member(org_b, Role.ORG_ADMIN, email="bo@bravo.test")
    assert membership_of(outsider) is None
    Membership.objects.filter(user=owner).update(is_active=False)
    assert membership_of(owner) is None


def test_legal_reviewers_and_admins_may_review_and_others_may_not(scope, owner, make_member):
    legal = make_member(scope, Role.LEGAL, email="lea@alpha.test")
    viewer = make_member(scope, Role.VIEWER, email="vic@alpha.test")
    manager = make_member(scope, Role.PROCUREMENT_MANAGER, email="max@alpha.test")
    assert may_review_role(legal) and may_review_role(owner)
    assert not may_review_role(viewer) and not may_review_role(manager)


def test_an_agreement_is_addressed_under_its_organization(scope):
    agreement = AgreementFactory(organization=scope)
    assert agreement_url(agreement) == f"/o/alpha/contracts/agreements/{agreement.pk}/"
