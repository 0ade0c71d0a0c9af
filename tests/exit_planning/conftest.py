"""The cast of the exit-planning tests: a procurement manager who owns an active partnership,
a partner guest invited to it, and a fixed clock."""

from datetime import UTC, date, datetime

import pytest

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

TODAY = date(2030, 1, 10)
NOW = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def manager(org_a, make_member):
    return make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="manager@alpha.test", full_name="Mia Manager"
    )


@pytest.fixture
def partnership(org_a, manager):
    with tenant_scope(org_a):
        return PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=manager, currency="EUR"
        )


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
