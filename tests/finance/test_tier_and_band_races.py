"""Two finance users add overlapping tiers (or share bands) to one scheme at the same moment,
each on its own database connection: the scheme's row is locked before the overlap check, so
one of them lands and the other is told the tiers would overlap; never both."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import GainShareBand, RebateTier
from tenancy.context import tenant_scope
from tests.robustness.test_concurrency import _at_once

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
D = Decimal


def _refusal_or_result(call):
    def run():
        try:
            return call()
        except ValidationError as error:
            return error

    return run


def test_two_overlapping_tiers_added_at_once_never_both_land(org_a, fin, partnership):
    for n in range(ROUNDS):
        with tenant_scope(org_a):
            scheme = services.rebate_scheme_create(
                actor=fin,
                partnership=partnership,
                name=f"Round {n}",
                kind="retroactive",
                year_start=date(2030, 1, 1),
                currency="EUR",
            )

        def add(low, high, scheme=scheme):
            with tenant_scope(org_a):
                return services.rebate_tier_add(
                    actor=fin, scheme=scheme, from_volume=D(low), to_volume=high, unit_price=D(9)
                )

        results = _at_once(
            _refusal_or_result(lambda: add(0, D(1000))), _refusal_or_result(lambda: add(500, None))
        )
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(refused) == 1, results
        assert "tiers cannot overlap" in str(refused[0].message_dict["from_volume"])
        with tenant_scope(org_a):
            assert RebateTier.objects.filter(scheme=scheme).count() == 1


def test_two_overlapping_bands_added_at_once_never_both_land(org_a, fin, make_member):
    from tests.partnerships.factories import PartnershipFactory

    for n in range(ROUNDS):
        with tenant_scope(org_a):
            partnership = PartnershipFactory(organization=org_a, name=f"Round {n}")
            scheme = services.gain_share_scheme_set(
                actor=fin, partnership=partnership, currency="EUR"
            )

        def add(low, high, scheme=scheme):
            with tenant_scope(org_a):
                return services.gain_share_band_add(
                    actor=fin, scheme=scheme, lower=D(low), upper=high, partner_share=D(50)
                )

        results = _at_once(
            _refusal_or_result(lambda: add(0, D(1000))), _refusal_or_result(lambda: add(500, None))
        )
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(refused) == 1, results
        with tenant_scope(org_a):
            assert GainShareBand.objects.filter(scheme=scheme).count() == 1
