"""Partners (supplier companies) and partnerships (a strategic relationship with one partner).

Module 1 grows these (strategic fit, due diligence, TCO, stakeholders); the foundation needs them
so that every other module can hang off a partnership and guests can be invited to one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from tenancy.lifecycle import lifecycle
from tenancy.models import CurrentOrganizationId, TenantModel
from tenancy.money import amount_field, currency_field


class Partner(TenantModel):
    class Tier(models.TextChoices):
        STRATEGIC = "strategic", "Strategic"
        PREFERRED = "preferred", "Preferred"
        APPROVED = "approved", "Approved"

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    registration_number = models.CharField(max_length=64, blank=True)
    website = models.URLField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.APPROVED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="partner_unique_name")
        ]

    def __str__(self):
        return self.name


PARTNERSHIP_LIFECYCLE = lifecycle(
    "partnership",
    {
        "proposed": {"due_diligence", "closed"},
        "due_diligence": {"negotiating", "closed"},
        "negotiating": {"active", "closed"},
        "active": {"under_review", "exiting"},
        "under_review": {"active", "exiting"},
        "exiting": {"closed"},
        "closed": set(),
    },
)


class Partnership(TenantModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        DUE_DILIGENCE = "due_diligence", "Due diligence"
        NEGOTIATING = "negotiating", "Negotiating"
        ACTIVE = "active", "Active"
        UNDER_REVIEW = "under_review", "Under review"
        EXITING = "exiting", "Exiting"
        CLOSED = "closed", "Closed"

    class Kind(models.TextChoices):
        TRANSACTIONAL = "transactional", "Transactional supply"
        PREFERRED_SUPPLIER = "preferred_supplier", "Preferred supplier"
        STRATEGIC_PARTNERSHIP = "strategic_partnership", "Strategic partnership"
        ALLIANCE = "alliance", "Strategic alliance"
        JOINT_VENTURE = "joint_venture", "Joint venture"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="partnerships")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.STRATEGIC_PARTNERSHIP)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    category = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    annual_value = amount_field(null=True, blank=True)
    currency = currency_field()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="partnership_unique_code"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="partnership_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="partnership_status")]

    def __str__(self):
        return self.name


class TenantObjectPermissionManager(UserObjectPermissionManager):
    """Guardian's manager, scoped to the current organization like every tenant manager."""

    def get_queryset(self):
        return super().get_queryset().filter(organization_id=CurrentOrganizationId())


class PartnershipUserObjectPermission(UserObjectPermissionBase, TenantModel):
    """Guardian's direct-foreign-key permission table for partnerships, carrying the tenant.

    A partner guest holds `view_partnership` on each partnership they were invited to.
    """

    content_object = models.ForeignKey(Partnership, on_delete=models.CASCADE)

    objects = TenantObjectPermissionManager()
    unscoped_objects = models.Manager()

    class Meta(UserObjectPermissionBase.Meta):
        unique_together = ()
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "permission", "content_object"],
                name="partnership_perm_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "user", "permission"], name="partnership_perm_user"
            )
        ]

    def save(self, *args, **kwargs):
        if self.organization_id is None and self.content_object_id is not None:
            self.organization_id = self.content_object.organization_id
        super().save(*args, **kwargs)
