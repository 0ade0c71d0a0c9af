"""Pinned rules of `partnerships.services.records` (mutation testing, eleventh session): a
record created is audited as `partnerships.<model>.created`, by who created it, on the record."""

import pytest

from partnerships import services
from partnerships.models import Stakeholder
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_record_created_is_audited_by_its_creator_on_the_record(org_a, owner):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        stakeholder = services.record_create(
            model=Stakeholder, actor=owner, partnership=partnership, name="Dana Smit",
            function="procurement",
        )  # fmt: skip
        [event] = AuditEvent.objects.filter(action="partnerships.stakeholder.created")
        assert Stakeholder.objects.filter(pk=stakeholder.pk, name="Dana Smit").exists()
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "partnerships.stakeholder",
        str(stakeholder.pk),
    )
