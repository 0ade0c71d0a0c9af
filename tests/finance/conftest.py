"""The cast of the finance tests: a finance user of the buyer, the partnership, and the
partner's guest invited to it (who verifies the buyer's savings and never sees its notes)."""

from datetime import UTC, date, datetime

import pytest

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

TODAY = date(2030, 4, 1)
NOW = datetime(2030, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def fin(org_a, make_member):
    return make_member(org_a, Role.FINANCE, email="fin@alpha.test", full_name="Fiona Finance")


@pytest.fixture
def partnership(org_a, fin):
    with tenant_scope(org_a):
        return PartnershipFactory(
            organization=org_a, name="Alder drive-train", owner=fin, currency="EUR"
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
