"""Models of the governance module: change requests and the approvers both parties require.

A change request proposes a change to a partnership (scope, price, schedule, ...), optionally to
one of its agreements. It is decided jointly: every required approver of the customer (members
of the organization) and of the partner (guests invited to the partnership) must approve it.
Steering committees, meetings and RACI will hang off the partnership too; a change request can
later point at the committee that decided it without changing what is stored here.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from contracts.models import Agreement
from partnerships.models import Partnership
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import Money, amount_field, currency_field

CHANGE_REQUEST_LIFECYCLE = lifecycle(
    "change request",
    {
        "draft": {"submitted", "withdrawn"},
        "submitted": {"approved", "rejected", "withdrawn"},
        "approved": {"implemented"},
        "rejected": set(),
        "implemented": set(),
        "withdrawn": set(),
    },
)

REFERENCE_PREFIX = "CR-"
# Escalation levels: 0 none, 1 the pending approvers again and the partnership owner,
# 2 the organization's admins.
MAX_ESCALATION_LEVEL = 2


class ChangeRequest(TenantModel):
    class Category(models.TextChoices):
        SCOPE = "scope", "Scope"
        PRICE = "price", "Price"
        SCHEDULE = "schedule", "Schedule"
        SERVICE_LEVEL = "service_level", "Service level"
        CONTRACT_TERM = "contract_term", "Contract term"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        IMPLEMENTED = "implemented", "Implemented"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED)

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="change_requests"
    )
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_requests",
        help_text="The agreement the change amends, if any.",
    )
    # Allocated by the service under a per-organization lock; shown as CR-0042.
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    # Positive: the change costs the customer more; negative: it saves money.
    cost_impact = amount_field(default=Decimal("0.00"))
    currency = currency_field()
    schedule_impact_days = models.IntegerField(
        default=0, help_text="Days of delay (negative: days gained)."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_due = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="changerequest_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__lte=MAX_ESCALATION_LEVEL),
                name="changerequest_escalation_max",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="changerequest_status"),
            models.Index(
                fields=["organization", "partnership", "status"],
                name="changerequest_partnership",
            ),
            # The escalation job reads only submitted requests past their due time.
            models.Index(
                fields=["organization", "decision_due"],
                condition=models.Q(status="submitted"),
                name="changerequest_due_submitted",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.number:04d}" if self.number else f"{REFERENCE_PREFIX}new"

    @property
    def cost_impact_money(self) -> Money:
        return Money(self.cost_impact, self.currency)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.agreement_id and self.agreement.partnership_id != self.partnership_id:
            raise ValidationError(
                {"agreement": "The agreement must belong to the change request's partnership."}
            )


class ChangeRequestApprover(TenantModel):
    """One approver a change request requires, for one party, with their decision."""

    class Party(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        PARTNER = "partner", "Partner"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="approvers"
    )
    # PROTECT: a recorded approval must not vanish with a deleted user account.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["party", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "change_request", "user"],
                name="changerequestapprover_unique_user",
            )
        ]
        indexes = [
            # "Awaiting my decision": pending rows of one user.
            models.Index(
                fields=["organization", "user", "decision"], name="changerequestapprover_user"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_party_display()}): {self.get_decision_display()}"

    def get_partnership(self):
        return self.change_request.partnership
