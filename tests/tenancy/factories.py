from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tenancy.models import (
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Notification,
    OrganizationExport,
    OutboxMessage,
    Role,
    User,
)
from tests.factories import OrganizationFactory, TenantFactory

PASSWORD = "test-password-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PROCUREMENT_MANAGER


class NotificationFactory(TenantFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notification {n}")


class AuditEventFactory(TenantFactory):
    """Audit events are written by `audit_record`, which chains them; the factory calls it."""

    class Meta:
        model = AuditEvent

    @classmethod
    def _create(cls, model_class, *args, organization, **kwargs):
        from tenancy.audit import audit_record
        from tenancy.context import tenant_scope

        with tenant_scope(organization):
            return audit_record(action="tests.factory.created")


class ApiKeyFactory(DjangoModelFactory):
    class Meta:
        model = ApiKey

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    name = "factory key"
    prefix = factory.Sequence(lambda n: f"f{n:010d}")
    key_hash = factory.LazyFunction(lambda: ApiKey.hash_secret("factory-secret"))


class OutboxMessageFactory(DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    organization = factory.SubFactory(OrganizationFactory)
    summary = "Factory mail → someone@example.test"
    payload = factory.LazyFunction(
        lambda: {"subject": "Factory mail", "body": "", "to": ["someone@example.test"]}
    )
    status = OutboxMessage.Status.FAILED


class OrganizationExportFactory(TenantFactory):
    class Meta:
        model = OrganizationExport

    status = "succeeded"
    progress = 100
    file = factory.django.FileField(filename="factory.partnerline.zip", data=b"PK factory")


class InvitationFactory(TenantFactory):
    """A pending invitation as a member (no e-mail sent; use `member_invite` for the flow)."""

    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.VIEWER
    nonce = factory.Sequence(lambda n: f"nonce{n:027d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
