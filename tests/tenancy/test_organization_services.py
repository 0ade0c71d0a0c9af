"""Creating an organization and granting a membership: validated, audited in the new tenant."""

import pytest
from django.core.exceptions import ValidationError

from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Membership, Role
from tenancy.services import membership_grant, organization_create
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_organization_is_stored_and_its_creation_is_its_first_audit_event():
    organization = organization_create(name="Gamma Foods", slug="gamma", default_currency=" chf ")
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.default_currency) == (
        "Gamma Foods", "gamma", "CHF",
    )  # fmt: skip
    with tenant_scope(organization):
        (event,) = AuditEvent.objects.all()
    assert (event.action, event.object_id) == ("tenancy.organization.created", str(organization.pk))


def test_an_organization_with_a_bad_slug_or_currency_is_refused_per_field(org_a):
    with pytest.raises(ValidationError) as refused:
        organization_create(name="Copy", slug="alpha")
    assert "slug" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        organization_create(name="Delta", slug="delta", default_currency="E1")
    assert "default_currency" in refused.value.message_dict


def test_granting_a_role_twice_updates_the_one_membership_and_reactivates_it(org_a, owner):
    user = UserFactory(email="dora@alpha.test")
    membership_grant(organization=org_a, user=user, role=Role.VIEWER, actor=owner)
    Membership.objects.filter(organization=org_a, user=user).update(is_active=False)
    again = membership_grant(organization=org_a, user=user, role=Role.LEGAL, actor=owner)
    (membership,) = Membership.objects.filter(organization=org_a, user=user)
    assert membership.pk == again.pk and (membership.role, membership.is_active) == ("legal", True)
    with tenant_scope(org_a):
        changes = list(
            AuditEvent.objects.filter(action="tenancy.membership.granted", object_id=str(again.pk))
            .order_by("sequence")
            .values_list("actor_id", "changes")
        )
    assert changes == [
        (owner.pk, {"user": "dora@alpha.test", "role": "viewer"}),
        (owner.pk, {"user": "dora@alpha.test", "role": "legal"}),
    ]


def test_an_unknown_role_is_never_granted(org_a):
    with pytest.raises(ValueError):
        membership_grant(organization=org_a, user=UserFactory(), role="superuser")
    assert not Membership.objects.filter(organization=org_a, role="superuser").exists()
