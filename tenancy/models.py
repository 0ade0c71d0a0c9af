"""Tenancy: users, organizations (the tenants), memberships with roles, the `TenantModel` base
every tenant-owned table inherits, API keys, the audit trail and notifications.

`Organization`, `Membership` and `ApiKey` are the boundary tables that establish *which* tenant a
request belongs to, so they are read before a tenant is known and carry no row-level security;
every query on them filters explicitly. Every other tenant table inherits `TenantModel`.
"""

import hashlib

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone

from tenancy.context import current_organization, require_organization


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # type: ignore[attr-defined]
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with an e-mail address; belongs to organizations via memberships."""

    username = None  # type: ignore[assignment]  # sign-in is by e-mail
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]
    objects = UserManager()  # type: ignore[misc, assignment]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Organization(models.Model):
    """A tenant: one client organization with its own partners, contracts and data."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    default_currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Organization admin"
    PROCUREMENT_MANAGER = "procurement_manager", "Procurement manager"
    LEGAL = "legal", "Legal reviewer"
    FINANCE = "finance", "Finance"
    COMMITTEE_MEMBER = "committee_member", "Steering committee member"
    VIEWER = "viewer", "Viewer"
    PARTNER_GUEST = "partner_guest", "Partner guest"


class Membership(models.Model):
    """A user's role in one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def __str__(self):
        return f"{self.user} in {self.organization} as {self.role}"

    @property
    def is_guest(self) -> bool:
        return self.role == Role.PARTNER_GUEST


class TenantQuerySet(models.QuerySet):
    pass


class CurrentOrganizationId(models.Expression):
    """The current organization's id, read when the SQL is compiled, not when the queryset is
    built. Querysets may be built at import time (filter sets, schema generation); running one
    with no organization in context raises TenantNotSetError."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        return "%s", [require_organization().pk]


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Filters every query to the current organization and raises when none is set."""

    def get_queryset(self):
        return super().get_queryset().filter(organization_id=CurrentOrganizationId())


class TenantModel(models.Model):
    """Base of every tenant-owned table.

    `objects` is scoped to the current organization (fail closed). `unscoped_objects` skips the
    ORM filter; it stands out in review and is for system jobs only. Row-level security in
    PostgreSQL still limits both to the organization in `app.organization_id`.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = TenantManager()
    unscoped_objects = models.Manager()  # noqa: DJ012 - ruff misreads a second manager as a field

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        tenant = current_organization()
        if self.organization_id is None:
            self.organization = require_organization()
        elif tenant is not None and tenant.pk != self.organization_id:
            raise PermissionError("Refusing to write another organization's row.")
        super().save(*args, **kwargs)


class ApiKey(models.Model):
    """A revocable key for REST clients, bound to one user and one organization.

    Only the SHA-256 of the secret is stored; the plain key is shown once, at creation. The key
    looks like `pl_<prefix>_<secret>`: the prefix finds the row, the hash proves the secret.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "user"], name="apikey_org_user")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (pl_{self.prefix}_…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(TenantModel):
    """One entry of the organization's append-only, hash-chained audit trail.

    `hash` = SHA-256(previous event's hash + canonical JSON of this event). A database trigger
    refuses UPDATE and DELETE; `manage.py verify_audit_chain` recomputes the chain.
    """

    sequence = models.PositiveBigIntegerField()
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=120)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="auditevent_unique_sequence"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "object_type", "object_id"], name="auditevent_object"
            )
        ]
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.action}"


class Notification(TenantModel):
    """An in-app notification for one user; e-mail is sent alongside by the notify service.

    `dedupe_key` makes a job's notification idempotent: the same key for the same recipient is
    stored (and mailed) once, however often the job runs.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "read_at"], name="notification_inbox")
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
