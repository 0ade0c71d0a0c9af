"""Models of the exit_planning module: the exit plan of a partnership with its readiness and its
triggers, the wind-down plan's tasks, knowledge transfer, data disposition, asset transfer,
stakeholder notices, the joint post-mortem, and proposed playbook changes.

The exit is a lifecycle phase planned from day one: every active partnership is expected to
have an `ExitPlan`. Rules (lead time bounds, prerequisites, certificates, valuation inputs) are
in `exit_planning.services`; the database backs the bounds with check constraints.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contracts.models import Agreement, PlaybookClause
from partnerships.models import Partnership
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import Money, amount_field, currency_field

USER = settings.AUTH_USER_MODEL
LEAD_TIME_MIN, LEAD_TIME_MAX, LEAD_TIME_DEFAULT = 6, 12, 9
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Party(models.TextChoices):
    US = "us", "Us (the customer)"
    PARTNER = "partner", "The partner"


EXIT_PLAN_LIFECYCLE = lifecycle(
    "exit plan",
    {
        # A trigger fires (triggered), or a person starts the partnership's exit on its own page
        # without one (exiting: the plan follows its partnership).
        "monitoring": {"triggered", "exiting"},
        # A person confirms a trigger (exiting) or dismisses every open one (monitoring).
        "triggered": {"monitoring", "exiting"},
        "exiting": {"closed"},
        "closed": set(),
    },
)

# The five parts of exit readiness, each worth the same share of 100.
READINESS_PARTS = (
    ("documentation_complete", "Documentation of the service is complete"),
    ("data_map_complete", "Data map: which data the partner holds, and where"),
    ("transition_obligations_in_contract", "Transition obligations are in the contract"),
    ("alternative_sources_identified", "Alternative sources identified"),
    ("knowledge_holders_named", "Knowledge holders named"),
)


class ExitPlan(TenantModel):
    class Status(models.TextChoices):
        MONITORING = "monitoring", "Monitoring"
        TRIGGERED = "triggered", "Triggered"
        EXITING = "exiting", "Exiting"
        CLOSED = "closed", "Closed"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MONITORING)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    governing_agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The agreement whose expiry or termination ends the partnership.",
    )
    lead_time_months = models.PositiveSmallIntegerField(
        default=LEAD_TIME_DEFAULT,
        validators=[MinValueValidator(LEAD_TIME_MIN), MaxValueValidator(LEAD_TIME_MAX)],
        help_text="The wind-down opens this many months (6 to 12) before the agreement ends.",
    )
    documentation_complete = models.BooleanField(default=False)
    data_map_complete = models.BooleanField(default=False)
    transition_obligations_in_contract = models.BooleanField(default=False)
    alternative_sources_identified = models.BooleanField(default=False)
    knowledge_holders_named = models.BooleanField(default=False)
    sla_breach_count = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Trigger: this many SLA breaches …",
    )
    sla_breach_window_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="… within this many months.",
    )
    financial_risk_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Trigger: a risk score above this (empty: the score's own buyer threshold).",
    )
    wind_down_opened_on = models.DateField(null=True, blank=True)
    wind_down_end_date = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"],
                name="exitplan_one_per_partnership",
                violation_error_message="This partnership already has an exit plan.",
            ),
            models.CheckConstraint(
                condition=Q(lead_time_months__gte=LEAD_TIME_MIN)
                & Q(lead_time_months__lte=LEAD_TIME_MAX),
                name="exitplan_lead_time_6_to_12",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="exitplan_status")]

    def __str__(self):
        return f"Exit plan: {self.partnership}"

    @property
    def readiness(self) -> list[tuple[str, bool, int]]:
        """(label, done, points) per part; the points add up to 100."""
        share = 100 // len(READINESS_PARTS)
        return [(label, getattr(self, name), share) for name, label in READINESS_PARTS]

    @property
    def readiness_score(self) -> int:
        return sum(points for _, done, points in self.readiness if done)


class ExitTrigger(TenantModel):
    class Kind(models.TextChoices):
        SCORECARD_STANDING = "scorecard_standing", "Scorecard standing"
        SLA_BREACHES = "sla_breaches", "SLA breaches in a window"
        TERMINATION_RIGHT = "termination_right", "Termination right from the breach check"
        STRATEGIC_DRIFT = "strategic_drift", "Strategic realignment or drift"
        MARKET_SHIFT = "market_shift", "Market shift"
        CHANGE_OF_CONTROL = "change_of_control", "Change of control"
        INSOLVENCY = "insolvency", "Insolvency"
        FINANCIAL_RISK = "financial_risk", "Financial-risk threshold"
        CONTRACT_EXPIRY = "contract_expiry", "Contract expiry or non-renewal"

    class Status(models.TextChoices):
        FIRED = "fired", "Awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    # Kinds a person records by hand (the others the daily evaluation finds).
    MANUAL_KINDS = (
        Kind.STRATEGIC_DRIFT,
        Kind.MARKET_SHIFT,
        Kind.CHANGE_OF_CONTROL,
        Kind.INSOLVENCY,
    )

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FIRED)
    fired_on = models.DateField()
    evidence = models.TextField()
    # What fired it (e.g. "sla-termination:12:2026-05-01"): the same condition fires once.
    dedupe_key = models.CharField(max_length=120)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plan", "dedupe_key"], name="exittrigger_fires_once"
            )
        ]
        indexes = [models.Index(fields=["organization", "plan"], name="exittrigger_plan")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.fired_on:%d %b %Y})"

    def get_partnership(self):
        return self.plan.partnership


# A fired trigger awaits a person's decision (exit_trigger_confirm / exit_trigger_dismiss); the
# decision is final.
EXIT_TRIGGER_LIFECYCLE = lifecycle(
    "exit trigger",
    {"fired": {"confirmed", "dismissed"}, "confirmed": set(), "dismissed": set()},
    labels=dict(ExitTrigger.Status.choices),
)


class WindDownTask(TenantModel):
    class Stream(models.TextChoices):
        NOTICE = "notice", "Notice"
        KNOWLEDGE = "knowledge", "Knowledge transfer"
        DATA = "data", "Data return or destruction"
        CONTRACTS = "contracts", "Supplier contracts and obligations"
        ASSETS = "assets", "Assets and licences"
        STAKEHOLDERS = "stakeholders", "Stakeholder notices"
        DECOMMISSIONING = "decommissioning", "Decommissioning"
        SETTLEMENT = "settlement", "Final settlement"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="tasks")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    stream = models.CharField(max_length=20, choices=Stream.choices)
    order = models.PositiveSmallIntegerField(default=0)
    # Codes of the tasks of the same plan that must be due before this one starts.
    prerequisites = models.JSONField(default=list, blank=True)
    start_on = models.DateField()
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plan", "code"], name="winddowntask_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("start_on")), name="winddowntask_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["organization", "plan"], name="winddowntask_plan")]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.plan.partnership

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


class KnowledgeTransferItem(TenantModel):
    class Kind(models.TextChoices):
        DOCUMENT = "document", "Document"
        TRAINING = "training", "Training session"
        ACCESS_WINDOW = "access_window", "Key-personnel access window"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="knowledge_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    holder = models.CharField(
        max_length=200, blank=True, help_text="Who holds the knowledge (name and company)."
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True, help_text="Who attended, one per line.")
    signed_off_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="knowledgeitem_dates_ordered",
            )
        ]
        indexes = [models.Index(fields=["organization", "plan"], name="knowledgeitem_plan")]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.plan.partnership


# The data-protection rules a disposition deadline comes from: days after the end of services.
DATA_RULES = {
    "gdpr": ("GDPR Art. 28(3)(g): return or delete at the end of the services", 30),
    "uk_gdpr": ("UK GDPR Art. 28(3)(g): return or delete at the end of the services", 30),
    "ccpa": ("CCPA service-provider contract: delete on instruction", 45),
    "contract": ("The agreement's own exit clause", 60),
}


class DataDisposition(TenantModel):
    """One data category's return or destruction. The category is free text until the
    integrations module's data-sharing terms exist; then it points at them."""

    class Action(models.TextChoices):
        RETURN = "return", "Return"
        DESTROY = "destroy", "Destruction"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done, awaiting verification"
        VERIFIED = "verified", "Verified"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="dispositions")
    data_category = models.CharField(max_length=120)
    action = models.CharField(max_length=10, choices=Action.choices)
    rule = models.CharField(
        max_length=20, choices=[(code, label) for code, (label, _) in DATA_RULES.items()]
    )
    performed_by = models.CharField(
        max_length=10,
        choices=Party.choices,
        default=Party.PARTNER,
        help_text="The party that returns or destroys the data; the other party verifies.",
    )
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    certificate = models.FileField(upload_to="exit/certificates/%Y/", blank=True)
    done_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="destroy", status__in=["done", "verified"])
                | ~Q(certificate=""),
                name="datadisposition_destruction_has_certificate",
            )
        ]
        indexes = [models.Index(fields=["organization", "plan"], name="datadisposition_plan")]

    def __str__(self):
        return f"{self.data_category}: {self.get_action_display()}"

    def get_partnership(self):
        return self.plan.partnership


DISPOSITION_LIFECYCLE = lifecycle(
    "data disposition", {"pending": {"done"}, "done": {"verified"}, "verified": set()}
)


class AssetTransfer(TenantModel):
    class Kind(models.TextChoices):
        ASSET = "asset", "Asset"
        LICENCE = "licence", "Licence"
        EQUIPMENT = "equipment", "Equipment"

    class Method(models.TextChoices):
        BOOK_VALUE = "book_value", "Book value"
        APPRAISAL = "appraisal", "Fair market value by appraisal"
        STRAIGHT_LINE = "straight_line", "Straight-line depreciation"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="assets")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ASSET)
    method = models.CharField(max_length=20, choices=Method.choices)
    currency = currency_field()
    book_value = amount_field(null=True, blank=True, validators=NOT_NEGATIVE)
    appraised_value = amount_field(null=True, blank=True, validators=NOT_NEGATIVE)
    appraiser = models.CharField(max_length=200, blank=True)
    cost = amount_field(null=True, blank=True, validators=NOT_NEGATIVE)
    salvage_value = amount_field(null=True, blank=True, validators=NOT_NEGATIVE)
    useful_life_years = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    age_years = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    value = amount_field(help_text="Computed by the valuation method.")
    accepted_by_us = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    accepted_by_us_at = models.DateTimeField(null=True, blank=True)
    accepted_by_partner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    accepted_by_partner_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organization", "plan"], name="assettransfer_plan")]

    def __str__(self):
        return self.name

    def get_partnership(self):
        return self.plan.partnership

    @property
    def value_money(self) -> Money:
        return Money(self.value, self.currency)

    @property
    def accepted(self) -> bool:
        return self.accepted_by_us_at is not None and self.accepted_by_partner_at is not None


class StakeholderNotice(TenantModel):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Downstream customer"
        STAKEHOLDER = "stakeholder", "Stakeholder"
        REGULATOR = "regulator", "Regulator"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="notices")
    stakeholder = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CUSTOMER)
    message = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    continuity_ok = models.BooleanField(
        null=True, blank=True, help_text="Service continues for this stakeholder after the exit."
    )
    continuity_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["stakeholder", "pk"]
        indexes = [models.Index(fields=["organization", "plan"], name="stakeholdernotice_plan")]

    def __str__(self):
        return self.stakeholder

    def get_partnership(self):
        return self.plan.partnership


class PostMortem(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open for contributions"
        COMPLETED = "completed", "Completed"

    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan"], name="postmortem_one_per_plan")
        ]

    def __str__(self):
        return f"Post-mortem: {self.plan.partnership}"

    def get_partnership(self):
        return self.plan.partnership


# Opened on the first contribution, completed once (post_mortem_complete); a completed
# post-mortem takes no more contributions.
POST_MORTEM_LIFECYCLE = lifecycle(
    "post-mortem",
    {"open": {"completed"}, "completed": set()},
    labels=dict(PostMortem.Status.choices),
)


class PostMortemEntry(TenantModel):
    class Section(models.TextChoices):
        WORKED = "worked", "What worked"
        FAILED = "failed", "What failed"
        ROOT_CAUSE = "root_cause", "Root cause"
        RECOMMENDATION = "recommendation", "Recommendation"

    post_mortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="entries")
    section = models.CharField(max_length=20, choices=Section.choices)
    party = models.CharField(max_length=10, choices=Party.choices)
    text = models.TextField(max_length=4000)
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["section", "created_at", "pk"]
        verbose_name_plural = "post-mortem entries"
        indexes = [models.Index(fields=["organization", "post_mortem"], name="postmortementry_pm")]

    def __str__(self):
        return self.text[:60]

    def get_partnership(self):
        return self.post_mortem.plan.partnership


PLAYBOOK_CHANGE_LIFECYCLE = lifecycle(
    "playbook change",
    {
        "proposed": {"approved", "rejected"},
        "approved": {"applied"},
        "rejected": set(),
        "applied": set(),
    },
)


class PlaybookChange(TenantModel):
    """A proposed change to a playbook or template, with its source and review state.

    The source is generic (a post-mortem recommendation, an innovation lesson learned from an
    initiative, pilot, task force or supplier programme); applying an approved change to the
    clause playbook calls the owning module's service and links back to what it changed (the
    training material lives outside: applying records that it was done). Internal to the
    buyer: guests never see it.
    """

    class Target(models.TextChoices):
        CLAUSE_PLAYBOOK = "clause_playbook", "Clause playbook"
        TRAINING_MATERIAL = "training_material", "Training material"

    class Field(models.TextChoices):
        GUIDANCE = "guidance", "Add to the guidance"
        PREFERRED_TEXT = "preferred_text", "Replace the preferred text"
        FALLBACK = "fallback_texts", "Add a fallback text"
        RED_LINE = "red_lines", "Add a red line"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        APPLIED = "applied", "Applied"

    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source_id = models.PositiveBigIntegerField()
    partnership = models.ForeignKey(
        Partnership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The partnership the source came from, if any.",
    )
    target = models.CharField(max_length=30, choices=Target.choices, default=Target.CLAUSE_PLAYBOOK)
    # The clause playbook's entry; empty for training material.
    clause_type = models.CharField(max_length=40, blank=True)
    field = models.CharField(max_length=20, choices=Field.choices, default=Field.GUIDANCE)
    text = models.TextField(max_length=4000)
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    playbook_clause = models.ForeignKey(
        PlaybookClause,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The playbook entry the change was applied to.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="playbookchange_status"),
            models.Index(
                fields=["organization", "source_type", "source_id"], name="playbookchange_source"
            ),
        ]

    def __str__(self):
        return f"{self.get_target_display()}: {self.clause_label}"

    @property
    def clause_label(self) -> str:
        """The clause type as the playbook names it ("Price adjustment"), never its code."""
        from contracts.detection.taxonomy import BY_CODE

        clause = BY_CODE.get(self.clause_type)
        return getattr(clause, "label", "") if clause else self.clause_type.replace("_", " ")
