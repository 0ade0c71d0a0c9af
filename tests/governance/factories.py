"""Factories of the governance models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory

from governance.models import ChangeRequest, ChangeRequestApprover
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory


class ChangeRequestFactory(TenantFactory):
    """A draft change request; the number is unique per organization (the service allocates it
    under a lock, the factory from a sequence)."""

    class Meta:
        model = ChangeRequest

    partnership = same_organization(PartnershipFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Extend the service desk to Saturdays ({n})")
    description = "Cover Saturday shifts at the Lyon plant."
    category = ChangeRequest.Category.SCOPE
    cost_impact = Decimal("12500.00")
    currency = "EUR"
    schedule_impact_days = 14
    decision_due = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 31, 17, 0, tzinfo=datetime.UTC)
    )


class ChangeRequestApproverFactory(TenantFactory):
    class Meta:
        model = ChangeRequestApprover

    change_request = same_organization(ChangeRequestFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = ChangeRequestApprover.Party.CUSTOMER
