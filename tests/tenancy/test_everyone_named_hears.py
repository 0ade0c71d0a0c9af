"""News that everyone named should hear (`accountable(..., everyone=True)`): a risk's owner and
its partnership's owner, an exit plan's owner and the partnership's owner and sponsor. Each is
told once while still a member; someone who has left is passed over, and when nobody named is
left the organization's active admins hear of it (never an admin whose account is switched
off). Risk and exit planning kept copies of this rule that told leavers."""

from datetime import date

import pytest

from exit_planning import services as exit_services
from risk import services as risk_services
from tenancy.context import tenant_scope
from tenancy.models import Membership, Notification, Role
from tenancy.selectors import AdminsOnce, accountable
from tests.partnerships.factories import PartnershipFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db
TODAY = date(2030, 1, 10)


@pytest.fixture
def cast(org_a, make_member):
    """An admin, an admin whose account is switched off, two managers and one who has left."""
    people = {
        "admin": make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test"),
        "first": make_member(org_a, email="first@alpha.test"),
        "second": make_member(org_a, email="second@alpha.test"),
        "left": make_member(org_a, email="left@alpha.test"),
    }
    make_member(org_a, Role.ORG_ADMIN, email="locked@alpha.test", is_active=False)
    return people


def _leave(user):
    Membership.objects.filter(user=user).update(is_active=False)


def _told():
    return sorted(n.recipient.email for n in Notification.objects.all())


def test_everyone_named_who_is_still_a_member_is_told_once_in_order(org_a, cast):
    first, second, left, admin = cast["first"], cast["second"], cast["left"], cast["admin"]
    _leave(left)
    with tenant_scope(org_a):
        assert accountable(second, left, None, first, second, everyone=True) == [second, first]
        assert accountable(second, left, first) == [second]  # the default: the first one only
        assert accountable(left, None, everyone=True) == [admin]
        assert accountable(left, first, admins=AdminsOnce(), everyone=True) == [first]


def test_a_risk_review_reminder_passes_over_an_owner_who_has_left(org_a, cast):
    _leave(cast["left"])
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=cast["first"])
        RiskFactory(partnership=partnership, owner=cast["left"], next_review_on=TODAY)
        risk_services.risk_review_reminders_send(today=TODAY)
        assert _told() == ["first@alpha.test"]


def test_a_risk_whose_owners_have_both_left_reminds_the_active_admins(org_a, cast):
    _leave(cast["left"])
    _leave(cast["second"])
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=cast["second"])
        RiskFactory(partnership=partnership, owner=cast["left"], next_review_on=TODAY)
        risk_services.risk_review_reminders_send(today=TODAY)
        assert _told() == ["admin@alpha.test"]


def test_an_exit_trigger_tells_the_owners_still_here_and_not_the_plan_owner_who_left(org_a, cast):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, owner=cast["first"], executive_sponsor=cast["second"]
        )
        plan = exit_services.exit_plan_create(
            actor=cast["first"], partnership=partnership, owner=cast["left"]
        )
        _leave(cast["left"])
        exit_services.exit_trigger_record(
            plan=plan, actor=cast["first"], kind="market_shift", evidence="Prices.", today=TODAY
        )
        assert _told() == ["first@alpha.test", "second@alpha.test"]
