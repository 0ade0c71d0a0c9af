"""Two parties write the first lines of a post-mortem at the same moment, each on its own
database connection: both contributions land in the one post-mortem, neither gets an error."""

import pytest

from exit_planning import services
from exit_planning.models import PostMortem, PostMortemEntry
from tenancy.context import tenant_scope
from tests.partnerships.factories import PartnershipFactory
from tests.robustness.test_concurrency import _at_once

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


def test_two_first_contributions_at_once_share_one_post_mortem(org_a, manager):
    for n in range(ROUNDS):
        with tenant_scope(org_a):
            partnership = PartnershipFactory(organization=org_a, owner=manager)
            plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)

        def contribute(party, plan=plan, n=n):
            with tenant_scope(org_a):
                return services.post_mortem_contribute(
                    plan=plan,
                    actor=manager,
                    party=party,
                    section="worked",
                    text=f"Round {n}: weekly calls kept the ramp-down on time.",
                )

        entries = _at_once(lambda: contribute("us"), lambda: contribute("partner"))
        assert all(isinstance(entry, PostMortemEntry) for entry in entries), entries
        with tenant_scope(org_a):
            assert PostMortem.objects.filter(plan=plan).count() == 1
            assert PostMortemEntry.objects.filter(post_mortem__plan=plan).count() == 2
