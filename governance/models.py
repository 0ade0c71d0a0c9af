"""Models of the governance module: change requests and the approvers both parties require.

A change request proposes a change to a partnership (scope, price, schedule, ...), optionally to
one of its agreements. It is decided jointly: every required approver of the customer (members
of the organization) and of the partner (guests invited to the partnership) must approve it.
Steering committees (members of both parties), their meetings with attendance, decisions and
votes, action items, the RACI matrix, decision-right rules and escalation paths hang off the
partnership too.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from contracts.models import Agreement
from partnerships.models import Partnership
from tenancy.jobs import Job
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import Money, amount_field, currency_field

CHANGE_REQUEST_LIFECYCLE = lifecycle(
    "change request",
    {
        "draft": {"submitted", "withdrawn"},
        # Back to draft when an approver asks for changes.
        "submitted": {"approved", "rejected", "withdrawn", "draft"},
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
    # The last request for changes that sent it back to draft (who asked and why).
    changes_requested_reason = models.TextField(blank=True)
    # The draft amendment created when a change to an agreement is implemented; the agreement
    # links back through `source_change_requests` (one at most: the constraint below, led by the
    # organization as every unique rule is, rather than a one-to-one's global unique index).
    amendment = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="source_change_requests",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="changerequest_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organization", "amendment"],
                condition=models.Q(amendment__isnull=False),
                name="changerequest_unique_amendment",
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
    # Why this approver is required when a decision-right rule added them (empty: added by hand).
    required_by = models.CharField(max_length=200, blank=True)
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


Party = ChangeRequestApprover.Party


class SlaChange(TenantModel):
    """The new terms of one SLA that a (service-level) change request proposes, from a month.

    Approving the request (both parties, governance's approval flow) creates the SLA's new
    version through `performance.services.sla_version_create`; `version` links to it, and the
    version names the request (`source_reference`). Terms left empty stay as they are.
    """

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="sla_changes", db_index=False
    )
    sla = models.ForeignKey(
        "performance.Sla", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    effective_from = models.DateField(help_text="The first month the new terms apply to.")
    target = models.DecimalField(max_digits=18, decimal_places=4)
    breach_threshold = models.DecimalField(max_digits=18, decimal_places=4)
    window_months = models.PositiveSmallIntegerField(default=1)
    period_fee = amount_field(null=True, blank=True)
    # [{"threshold": "95", "percent_of_fee": "5"}, …]
    tiers = models.JSONField(default=list, blank=True)
    version = models.ForeignKey(
        "performance.SlaVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "change_request"], name="slachange_one_per_request"
            )
        ]
        indexes = [models.Index(fields=["organization", "sla"], name="slachange_sla")]

    def __str__(self):
        return f"{self.sla} from {self.effective_from:%Y-%m}"

    def get_partnership(self):
        return self.change_request.partnership


# --- steering committee -------------------------------------------------------------------


class Committee(TenantModel):
    """The joint steering committee of one partnership: its rules of quorum and decision."""

    class QuorumRule(models.TextChoices):
        MAJORITY = "majority", "More than half of the voting members"
        TWO_THIRDS = "two_thirds", "Two thirds of the voting members"
        ALL = "all", "Every voting member"

    class Threshold(models.TextChoices):
        SIMPLE_MAJORITY = "simple_majority", "Simple majority of the votes cast"
        TWO_THIRDS = "two_thirds", "Two thirds of the votes cast"
        UNANIMOUS = "unanimous", "Unanimous"

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="committees"
    )
    name = models.CharField(max_length=200, default="Joint steering committee")
    quorum_rule = models.CharField(
        max_length=20, choices=QuorumRule.choices, default=QuorumRule.MAJORITY
    )
    quorum_needs_both_parties = models.BooleanField(
        default=True, help_text="At least one voting member of each party must be present."
    )
    decision_threshold = models.CharField(
        max_length=20, choices=Threshold.choices, default=Threshold.SIMPLE_MAJORITY
    )
    meeting_frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    term_months = models.PositiveSmallIntegerField(
        default=24, help_text="Term of office of a member, in months."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="committee_unique_partnership"
            )
        ]

    def __str__(self):
        return self.name


class CommitteeMember(TenantModel):
    """A person of either party on a committee. Partner members are guests of the partnership."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        SECRETARY = "secretary", "Secretary"
        MEMBER = "member", "Member"
        OBSERVER = "observer", "Observer"

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    has_vote = models.BooleanField(default=True)
    is_executive_sponsor = models.BooleanField(default=False)
    is_programme_lead = models.BooleanField(default=False)
    term_start = models.DateField()
    term_end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["party", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "committee", "user"], name="committeemember_unique_user"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="observer", has_vote=True),
                name="committeemember_observer_no_vote",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "user"], name="committeemember_user"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    def get_partnership(self):
        return self.committee.partnership


# --- meetings -----------------------------------------------------------------------------


class Meeting(TenantModel):
    class Kind(models.TextChoices):
        REGULAR = "regular", "Steering committee meeting"
        QUARTERLY_REVIEW = "quarterly_review", "Quarterly governance review"
        EXTRAORDINARY = "extraordinary", "Extraordinary meeting"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class MinutesStatus(models.TextChoices):
        NONE = "none", "Not written"
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting approval"
        APPROVED = "approved", "Approved"

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    # Meetings scheduled together as a recurring series share this id.
    series = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    location = models.CharField(max_length=200, blank=True)
    agenda = models.TextField(blank=True, help_text="One item per line.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    minutes = models.TextField(blank=True)
    minutes_status = models.CharField(
        max_length=12, choices=MinutesStatus.choices, default=MinutesStatus.NONE
    )
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    # Quarterly reviews: [{"priority": "...", "change": "..."}] the review recalibrated.
    priorities_changed = models.JSONField(default=list, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="meeting_starts"),
            models.Index(
                fields=["organization", "committee", "starts_at"], name="meeting_committee"
            ),
        ]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.committee.partnership

    @property
    def ends_at(self):
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]


# A meeting is held when its attendance is recorded (recorded again on a change: held stays
# held); only a scheduled meeting is cancelled, and a cancelled one is never held.
MEETING_LIFECYCLE = lifecycle(
    "meeting", {"scheduled": {"held", "cancelled"}, "held": {"held"}, "cancelled": ()}
)
# The minutes of a meeting: written (and saved again) as a draft, submitted to the chair, who
# approves them or sends them back to draft; approved minutes are final.
MINUTES_LIFECYCLE = lifecycle(
    "meeting's minutes",
    {
        "none": {"draft"},
        "draft": {"draft", "submitted"},
        "submitted": {"approved", "draft"},
        "approved": (),
    },
    labels=dict(Meeting.MinutesStatus.choices),
)


class MinutesPdf(Job):
    """A PDF of a meeting's minutes, rendered by a task (tenancy.jobs: status and progress).
    `minutes_status` is the status of the minutes it was rendered from: a partner guest gets
    only a PDF of approved minutes."""

    job_action_prefix = "governance.minutes_pdf"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    minutes_status = models.CharField(
        max_length=12, choices=Meeting.MinutesStatus.choices, blank=True
    )
    file = models.FileField(upload_to="governance/minutes/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "meeting", "requested_by"], name="minutespdf_meeting"
            )
        ]

    def __str__(self):
        return f"Minutes PDF of {self.meeting}"

    def get_partnership(self):
        return self.meeting.committee.partnership


class MeetingAttendance(TenantModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "meeting", "member"], name="attendance_unique_member"
            )
        ]

    def get_partnership(self):
        return self.meeting.committee.partnership


class MeetingDecision(TenantModel):
    class Outcome(models.TextChoices):
        CARRIED = "carried", "Carried"
        NOT_CARRIED = "not_carried", "Not carried"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.meeting.committee.partnership


class Vote(TenantModel):
    class Choice(models.TextChoices):
        FOR = "for", "For"
        AGAINST = "against", "Against"
        ABSTAIN = "abstain", "Abstain"

    decision = models.ForeignKey(MeetingDecision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "decision", "member"], name="vote_unique_member"
            )
        ]

    def get_partnership(self):
        return self.decision.meeting.committee.partnership


class MeetingAction(TenantModel):
    """An action item with an owner of either party, a deadline and a status."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="governance_actions"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="meetingaction_due"),
            models.Index(fields=["organization", "owner", "status"], name="meetingaction_owner"),
        ]

    def __str__(self):
        return self.title


# Moved on by its owner or an officer; done and cancelled are final (never reopened). Not the
# QBR action items' lifecycle (performance.models.ACTION_ITEM_LIFECYCLE), which reopens them.
MEETING_ACTION_LIFECYCLE = lifecycle(
    "action item",
    {
        "open": {"in_progress", "done", "cancelled"},
        "in_progress": {"open", "done", "cancelled"},
        "done": (),
        "cancelled": (),
    },
)


# --- RACI ---------------------------------------------------------------------------------


class RaciActivity(TenantModel):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="raci_activities"
    )
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "name"], name="raciactivity_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class RaciAssignment(TenantModel):
    class Letter(models.TextChoices):
        RESPONSIBLE = "R", "Responsible"
        ACCOUNTABLE = "A", "Accountable"
        CONSULTED = "C", "Consulted"
        INFORMED = "I", "Informed"

    activity = models.ForeignKey(RaciActivity, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    letter = models.CharField(max_length=1, choices=Letter.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "activity", "user"], name="raciassignment_unique_user"
            ),
            # The database's backstop of the service rule "exactly one Accountable".
            models.UniqueConstraint(
                fields=["organization", "activity"],
                condition=models.Q(letter="A"),
                name="raciassignment_one_accountable",
            ),
        ]

    def get_partnership(self):
        return self.activity.partnership


# --- decision rights ----------------------------------------------------------------------


class DecisionRightRule(TenantModel):
    """Which change requests need which approvers of both parties (the organization's rules)."""

    class Measure(models.TextChoices):
        BUDGET_AMOUNT = "budget_amount", "Cost impact above an amount"
        BUDGET_PERCENT = "budget_percent", "Cost impact above a share of the agreement's value"
        SCOPE = "scope", "Any scope change"
        SCHEDULE_DAYS = "schedule_days", "Schedule slip above a number of days"

    class Approvers(models.TextChoices):
        EXECUTIVE_SPONSORS = "executive_sponsors", "Both executive sponsors"
        COMMITTEE = "committee", "The steering committee's voting members"
        PROGRAMME_LEADS = "programme_leads", "Both programme leads"

    name = models.CharField(max_length=200)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    threshold = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    approvers = models.CharField(max_length=20, choices=Approvers.choices)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["organization", "is_active"], name="decisionrule_active")]

    def __str__(self):
        return self.name


# --- escalation paths ---------------------------------------------------------------------


class EscalationLevel(TenantModel):
    """One step of a partnership's escalation path, with its deadline and named people."""

    class Tier(models.TextChoices):
        WORKING_TEAM = "working_team", "Working team"
        COMMITTEE = "committee", "Steering committee"
        EXECUTIVE_SPONSORS = "executive_sponsors", "Executive sponsors"
        MEDIATION = "mediation", "Mediation or arbitrator"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="escalation_levels"
    )
    rank = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=20, choices=Tier.choices)
    response_days = models.PositiveSmallIntegerField(
        default=5, help_text="Days this level has to resolve the item before it goes higher."
    )
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EscalationContact", related_name="+"
    )

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "rank"], name="escalationlevel_unique_rank"
            )
        ]

    def __str__(self):
        return f"{self.rank}. {self.get_tier_display()}"


class EscalationContact(TenantModel):
    level = models.ForeignKey(EscalationLevel, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "level", "user"], name="escalationcontact_unique_user"
            )
        ]

    def get_partnership(self):
        return self.level.partnership


class Escalation(TenantModel):
    """An open item (change request, action item or a free-standing issue) taken up the
    partnership's escalation path."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    change_request = models.ForeignKey(
        ChangeRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    action = models.ForeignKey(
        MeetingAction, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations"
    )
    title = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(default=1)
    level_due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "pk"]
        constraints = [
            # One open escalation per item.
            models.UniqueConstraint(
                fields=["organization", "change_request"],
                condition=models.Q(status="open", change_request__isnull=False),
                name="escalation_one_open_per_change_request",
            ),
            models.UniqueConstraint(
                fields=["organization", "action"],
                condition=models.Q(status="open", action__isnull=False),
                name="escalation_one_open_per_action",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "level_due_at"],
                condition=models.Q(status="open"),
                name="escalation_due_open",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def item_kind(self) -> str:
        if self.change_request_id:
            return "Change request"
        if self.action_id:
            return "Action item"
        return "Issue"


# Resolved by hand, or when its item closes; a resolved escalation stays resolved.
ESCALATION_LIFECYCLE = lifecycle("escalation", {"open": {"resolved"}, "resolved": ()})


class EscalationStep(TenantModel):
    """An escalation reaching one level: at most once per level (the job's idempotency key)."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps")
    rank = models.PositiveSmallIntegerField()
    reached_at = models.DateTimeField()
    by_job = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "escalation", "rank"], name="escalationstep_unique_rank"
            )
        ]

    def get_partnership(self):
        return self.escalation.partnership


# --- calendar feed ------------------------------------------------------------------------


class CalendarFeedToken(models.Model):
    """A per-user secret in a calendar subscription URL (calendar apps have no session).

    Like `ApiKey`, a boundary table read before the tenant is known (the token names it), so it
    has no row-level security and every query filters explicitly. Only the SHA-256 of the token
    is stored; rotating replaces it."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="calendarfeedtoken_unique_user"
            )
        ]

    def __str__(self):
        return f"Calendar feed of {self.user}"


# --- transparency -------------------------------------------------------------------------


class Disclosure(TenantModel):
    """An open-book commitment: which cost or margin data one party shares with the other, how
    often, when it was last received, and when the next one is due (overdue once past)."""

    class DataType(models.TextChoices):
        COST_BREAKDOWN = "cost_breakdown", "Cost breakdown"
        MARGIN = "margin", "Margin"
        OVERHEADS = "overheads", "Overheads"
        VOLUME_FORECAST = "volume_forecast", "Volume forecast"
        OTHER = "other", "Other"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        HALF_YEARLY = "half_yearly", "Every six months"
        ANNUALLY = "annually", "Annually"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="disclosures"
    )
    party = models.CharField(
        max_length=10, choices=Party.choices, help_text="The party that discloses."
    )
    data_type = models.CharField(max_length=20, choices=DataType.choices)
    description = models.CharField(max_length=300, blank=True)
    cadence = models.CharField(
        max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    last_received_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_due_on", "pk"]
        indexes = [models.Index(fields=["organization", "next_due_on"], name="disclosure_due")]

    def __str__(self):
        return f"{self.get_data_type_display()} ({self.get_party_display()})"


# --- crisis protocol ----------------------------------------------------------------------


class CrisisProtocol(TenantModel):
    """What both parties do in a crisis: one spokesperson each, the media response steps and a
    contact tree (`CrisisContact`)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    customer_spokesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_spokesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    media_steps = models.TextField(blank=True, help_text="One step per line, in order.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="crisisprotocol_unique_partnership"
            )
        ]

    def __str__(self):
        return "Crisis protocol"

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.media_steps.splitlines() if line.strip()]


class CrisisContact(TenantModel):
    """One person of the contact tree: who calls whom (`reports_to`) and for what."""

    protocol = models.ForeignKey(CrisisProtocol, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    responsibility = models.CharField(max_length=200)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "protocol", "user"], name="crisiscontact_unique_user"
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.responsibility}"

    def get_partnership(self):
        return self.protocol.partnership


class CrisisLogEntry(TenantModel):
    """What happened in a crisis and what was done, in order; entries are never edited."""

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    title = models.CharField(max_length=200)
    action_taken = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "occurred_at"], name="crisislog_partnership"
            )
        ]

    def __str__(self):
        return self.title
