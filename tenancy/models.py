"""Tenancy: users, organizations (the tenants), memberships with roles, the `TenantModel` base
every tenant-owned table inherits, API keys, the audit trail and notifications.

`Organization`, `Membership` and `ApiKey` are the boundary tables that establish *which* tenant a
request belongs to, so they are read before a tenant is known and carry no row-level security;
every query on them filters explicitly. Every other tenant table inherits `TenantModel`.
"""

import hashlib
import json
import zoneinfo
from datetime import datetime
from functools import lru_cache

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils import timezone

from tenancy.context import current_organization, require_organization
from tenancy.crypto import EncryptedTextField
from tenancy.lifecycle import lifecycle


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
    time_zone = models.CharField(max_length=64, default="UTC")
    logo = models.FileField(upload_to="organization-logos/", blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The organization's time zone: its days, months and deadlines are counted in it (the
        middleware activates it for a request, `TenantTask` for a task). UTC when the stored
        name is unknown to this machine's tz database."""
        return _zone(self.time_zone)


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


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


TEXT_MAX_CHARS = 50_000
JSON_MAX_BYTES = 64 * 1024


def _size_problem(field, value) -> str | None:
    if isinstance(field, models.CharField | models.TextField) and isinstance(value, str):
        if "\x00" in value:
            return "Text may not contain the NUL character."
        # A CharField's max_length is Django's own check; a TextField gets ours.
        if isinstance(field, models.TextField) and len(value) > TEXT_MAX_CHARS:
            return f"At most {TEXT_MAX_CHARS:,} characters (this has {len(value):,})."
    elif isinstance(field, models.JSONField) and value is not None:
        try:
            encoded = json.dumps(value, cls=field.encoder or DjangoJSONEncoder)
        except (TypeError, ValueError):
            return "This value cannot be stored as JSON."
        if "\\u0000" in encoded:
            return "Text may not contain the NUL character."
        if len(encoded) > JSON_MAX_BYTES:
            return (
                f"At most {JSON_MAX_BYTES // 1024:,} KB of data (this has {len(encoded):,} bytes)."
            )
    return None


def tenant_folder(instance) -> str:
    """The organization's folder for a tenant row's upload (`upload_to` functions use it): its
    id even when the file is named before the row is first saved (`field.save(save=False)`),
    which would otherwise put every tenant's files in one `None/` folder."""
    return str(instance.organization_id or require_organization().pk)


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

    def clean_fields(self, exclude=None):
        """Django's field checks plus the sizes every page can afford to show: a text field
        holds at most TEXT_MAX_CHARS characters, a JSON field at most
        JSON_MAX_BYTES, and no text holds a NUL character (PostgreSQL cannot store one)."""
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            problem = _size_problem(field, getattr(self, field.attname))
            if problem:
                errors.setdefault(field.name, []).append(problem)
        if errors:
            raise ValidationError(errors)


class ApiKeyQuerySet(models.QuerySet):
    def with_status(self, *, now: datetime) -> "ApiKeyQuerySet":
        """Each key with `is_active` at `now` (not revoked, not expired), for lists."""
        active = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        return self.annotate(
            is_active=ExpressionWrapper(active, output_field=models.BooleanField())
        )


class ApiKey(models.Model):
    """A revocable key for REST clients, bound to one user and one organization.

    Only the SHA-256 of the secret is stored; the plain key is shown once, at creation. The key
    looks like `pl_<prefix>_<secret>`: the prefix finds the row, the hash proves the secret.
    A read-only key may only use safe methods; a key past `expires_at` is refused. Keys
    authenticate the API only, never pages.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    # The membership of (organization, user), bound at creation, so one query authenticates the
    # key and authorizes its caller (tenancy.services.api_key_authenticate).
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ_WRITE)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "user"], name="apikey_org_user")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (pl_{self.prefix}_…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and not self.is_expired(now)


class ChangeCounter(models.Model):
    """How many times a kind of record of an organization has changed, written only by database
    triggers (statement-level, so a 100,000-row import bumps it once): an ETag built on it answers
    a client's repeat read with a 304 without running the read's query (performance's
    measurement list for closed periods). A system table like `Membership`, no row-level
    security: the number discloses nothing and the trigger writes it for whoever changes rows.
    """

    # No database constraint: deleting an organization's rows fires the trigger, which may write
    # a counter after Django collected the old ones; an orphan counter is harmless.
    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    name = models.CharField(max_length=40)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="changecounter_unique")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


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


class OutboxMessage(models.Model):
    """A message waiting to leave the system (e-mail now; webhooks will use the same table).

    Written in the same transaction as the change that causes it (`tenancy.outbox`), delivered by
    a worker with retries and backoff, so neither a broker nor an SMTP outage after the commit
    loses it. A system table like `Membership`: some mail belongs to no tenant (password reset),
    so it carries the organization for display and filtering but no row-level security; pages
    filter it explicitly by the request's organization, and only the delivery job reads it whole.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=20, default="email")
    summary = models.CharField(max_length=300, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["organization", "-created_at"], name="outbox_by_organization"),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return self.summary or f"{self.channel} #{self.pk}"


class Invitation(TenantModel):
    """An invitation to join the organization by e-mail, with a role (for a partner guest: one
    partnership). The link carries a signed token naming the invitation and its `nonce`; a new
    link (re-invite) draws a new nonce, so the old one dies. Single use: `accepted_at`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Withdrawn"

    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=32, choices=Role.choices)
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    nonce = models.CharField(max_length=32)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "email"], name="invitation_status_email")
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email}"

    def is_expired(self, now) -> bool:
        return self.expires_at <= now


# Used once or withdrawn, for good: a new invitation is a new row. (Expiry is not a state: an
# expired invitation stays pending and can be sent again with a fresh link.)
INVITATION_LIFECYCLE = lifecycle(
    "invitation",
    {
        Invitation.Status.PENDING: {Invitation.Status.ACCEPTED, Invitation.Status.REVOKED},
        Invitation.Status.ACCEPTED: set(),
        Invitation.Status.REVOKED: set(),
    },
    labels=dict(Invitation.Status.choices),
)


class SingleSignOn(models.Model):
    """An organization's OpenID Connect provider, set by its org admin.

    A boundary table like Membership (read on the login page, before any tenant is known, to
    route an e-mail domain to its organization), so it carries no row-level security; every
    query names the organization or the domain. `email_domains` are lower-case. Only the
    `verified_domains` among them route and sign in: those whose DNS holds the TXT record
    `partnerline-domain-verification=<domain_token>` at `_partnerline-challenge.<domain>` (the
    service checks), and a verified domain belongs to one enabled organization.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    is_enabled = models.BooleanField(default=False)
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField(max_length=500)  # stored encrypted (tenancy/crypto.py)
    email_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    verified_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    domain_token = models.CharField(max_length=64, blank=True, default="")
    role_claim = models.CharField(max_length=100, default="partnerline_role")
    default_role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    allow_jit = models.BooleanField("create members on first sign-in", default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            GinIndex(fields=["email_domains"], name="sso_email_domains"),
            GinIndex(fields=["verified_domains"], name="sso_verified_domains"),
        ]

    def __str__(self):
        return f"Single sign-on of {self.organization}"


# Job-based tenancy models live beside their job machinery (tenancy/jobs.py imports this module,
# so they are imported here at the end, once the classes they build on exist).
from tenancy.exports import OrganizationExport  # noqa: E402, F401
