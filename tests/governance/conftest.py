"""The cast of a change request: a procurement manager who raises it, a steering committee
member who approves for the customer, and a partner guest invited to the partnership who
approves for the partner (plus the shared owner, member and outsider fixtures)."""

from datetime import UTC, date, datetime

import pytest

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
TODAY = NOW.date()  # the day of NOW: the services that decide by the day take it
SEATED_FROM, SEATED_UNTIL = date(2020, 1, 1), date(2099, 12, 31)  # the `board`'s terms


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def manager(org_a, make_member):
    return make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="manager@alpha.test", full_name="Mia Manager"
    )


@pytest.fixture
def committee(org_a, make_member):
    return make_member(
        org_a, Role.COMMITTEE_MEMBER, email="committee@alpha.test", full_name="Carl Committee"
    )


@pytest.fixture
def partnership(org_a, manager):
    with tenant_scope(org_a):
        return PartnershipFactory(organization=org_a, name="Alder drive-train", owner=manager)


@pytest.fixture
def guest(org_a, make_member, partnership, owner):
    user = make_member(org_a, Role.PARTNER_GUEST, email="guest@alder.test", full_name="Greta Guest")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=user, actor=owner)
    return user


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


@pytest.fixture
def sponsor(org_a, make_member):
    """The customer's executive sponsor (an organization admin)."""
    return make_member(org_a, Role.ORG_ADMIN, email="sponsor@alpha.test", full_name="Sam Sponsor")


@pytest.fixture
def partner_sponsor(org_a, make_member, partnership, owner):
    """The partner's executive sponsor: a second guest of the partnership."""
    user = make_member(
        org_a, Role.PARTNER_GUEST, email="pia@alder.test", full_name="Pia Partner-Sponsor"
    )
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=user, actor=owner)
    return user


@pytest.fixture
def board(org_a, partnership, manager, committee, guest, sponsor, partner_sponsor, owner):
    """A steering committee of both parties: Carl chairs (customer, votes), Mia is secretary
    (no vote), Greta votes for the partner and leads its programme, Sam and Pia are the two
    executive sponsors (voting)."""
    from governance import services
    from governance.models import CommitteeMember

    Role_ = CommitteeMember.Role
    with tenant_scope(org_a):
        board = services.committee_create(actor=owner, partnership=partnership)
        # Seated from 2020 with no end in view, so the rules' tests (dated around NOW, 2030) and
        # the pages' tests (the real today) both find everyone sitting; a test that needs a
        # term to end sets it (tests/governance/test_committee_seats_by_term.py).
        today = SEATED_FROM
        seats = {
            "chair": (committee, {"role": Role_.CHAIR, "is_programme_lead": True}),
            "secretary": (manager, {"role": Role_.SECRETARY, "has_vote": False}),
            "guest": (guest, {"is_programme_lead": True}),
            "sponsor": (sponsor, {"is_executive_sponsor": True}),
            "partner_sponsor": (partner_sponsor, {"is_executive_sponsor": True}),
        }
        members = {
            key: services.committee_member_add(
                committee=board,
                user=user,
                actor=owner,
                today=today,
                term_end=SEATED_UNTIL,
                **fields,
            )
            for key, (user, fields) in seats.items()
        }
    board.seats = members
    return board
