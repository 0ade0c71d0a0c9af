"""What the partnerships module's reads give a partner guest, pinned at the selector (the
partner register and sourcing are refused to guests on their pages as well): their own
partner only, none of that partner's other partnerships with the buyer, no sourcing case, no
exclusivity conflict (it would show another partnership's exclusivity)."""

import pytest

from partnerships.selectors import (
    exclusivity_conflicts,
    partner_for_detail,
    partner_list,
    sourcing_case_list,
)
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tests.partnerships.factories import (
    ExclusivityFactory,
    PartnershipFactory,
    SourcingCaseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_world(org_a, owner, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        theirs = PartnershipFactory(organization=org_a, name="Alder drives")
        same_partner = PartnershipFactory(
            organization=org_a, partner=theirs.partner, name="Alder spares (another deal)"
        )
        other = PartnershipFactory(organization=org_a, name="Birch castings")
        partnership_invite_guest(partnership=theirs, guest=guest, actor=owner)
        SourcingCaseFactory(organization=org_a)
    return {
        "guest": Membership.objects.get(user=guest),
        "owner": Membership.objects.get(user=owner),
        "theirs": theirs,
        "same_partner": same_partner,
        "other": other,
    }


def test_a_guest_s_partner_list_holds_their_own_partner_only(org_a, guest_world):
    with tenant_scope(org_a):
        assert list(partner_list(membership=guest_world["guest"])) == [
            guest_world["theirs"].partner
        ]
        assert len(partner_list(membership=guest_world["owner"])) == 2


def test_a_guest_never_learns_of_their_partner_s_other_partnerships(org_a, guest_world):
    with tenant_scope(org_a):
        [partner] = partner_for_detail(membership=guest_world["guest"])
        assert [p.name for p in partner.partnerships.all()] == ["Alder drives"]
        owner_view = partner_for_detail(membership=guest_world["owner"]).get(pk=partner.pk)
        assert [p.name for p in owner_view.partnerships.all()] == [
            "Alder drives",
            "Alder spares (another deal)",
        ]


def test_a_guest_sees_no_sourcing_case(org_a, guest_world):
    with tenant_scope(org_a):
        assert list(sourcing_case_list(membership=guest_world["guest"])) == []
        assert len(sourcing_case_list(membership=guest_world["owner"])) == 1


def test_a_guest_is_shown_no_exclusivity_conflict_even_one_of_their_own(org_a, guest_world):
    with tenant_scope(org_a):
        for partnership in (guest_world["theirs"], guest_world["other"]):
            ExclusivityFactory(organization=org_a, partnership=partnership)
        assert exclusivity_conflicts(membership=guest_world["guest"]) == []
        assert (
            exclusivity_conflicts(
                membership=guest_world["guest"], partnership=guest_world["theirs"]
            )
            == []
        )
        assert len(exclusivity_conflicts(membership=guest_world["owner"])) == 1
