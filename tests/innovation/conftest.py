"""The cast of the innovation tests: the buyer's procurement manager, the partnership, and the
partner's guest invited to it (who submits and scores initiatives for the partner)."""

from datetime import UTC, date, datetime

import pytest

from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnershipFactory

TODAY = date(2030, 4, 1)
NOW = datetime(2030, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def manager(org_a, make_member):
    return make_member(
        org_a, Role.PROCUREMENT_MANAGER, email="pm@alpha.test", full_name="Paula Manager"
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


@pytest.fixture
def submitted(scope, partnership, guest):
    """An initiative the partner's guest submitted, with the default criteria."""
    from innovation import services

    return services.initiative_submit(
        actor=guest,
        partnership=partnership,
        now=NOW,
        title="Shared freight portal",
        problem="Loads miss their slot.",
        proposal="One booking portal.",
        expected_benefit=None,
    )


def score_all(initiative, actor, score=4):
    from innovation import services

    for criterion in initiative.criteria.all():
        services.criterion_score(criterion=criterion, actor=actor, now=NOW, score=score)


@pytest.fixture
def approved(submitted, manager, guest):
    from innovation import services

    score_all(submitted, manager)
    score_all(submitted, guest)
    return services.initiative_decide(
        initiative=submitted, actor=manager, now=NOW, decision="approved"
    )
