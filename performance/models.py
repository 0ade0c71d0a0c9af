"""Models of the performance module: KPIs and measurements, SLAs and breaches, scorecards,
relationship-health surveys, PDF reports, QBRs and RCA/CAPA (improvement initiatives live in
the innovation module).

Table names are Django's defaults (`performance_<model>`); `docs/performance.md` lists them with
the breach-check SQL. The arithmetic lives in `scoring.py`, `sla.py` and `formula.py`; the rules
that need the database (formula variables, thresholds) are checked in `Kpi.clean()`, so the
page, the import and the API refuse the same things for the same reason.
"""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from performance.formula import FormulaError, parse_formula
from performance.scoring import (
    STANDING_ACTIONS,
    Direction,
    Perspective,
    criterion_score,
)
from tenancy.jobs import Job, JobStates
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import amount_field, currency_field

PERSPECTIVE_CHOICES = [
    (Perspective.FINANCIAL.value, "Financial"),
    (Perspective.OPERATIONAL.value, "Operational"),
    (Perspective.CUSTOMER.value, "Customer"),
    (Perspective.INNOVATION_LEARNING.value, "Innovation & learning"),
]
DIRECTION_CHOICES = [
    (Direction.HIGHER_IS_BETTER.value, "Higher is better"),
    (Direction.LOWER_IS_BETTER.value, "Lower is better"),
]
STANDING_ACTION_CHOICES = [(a, a.replace("_", " ").capitalize()) for a in STANDING_ACTIONS]
KPI_VALUE = {"max_digits": 18, "decimal_places": 4}

# The declared status transitions of the performance models (DESIGN.md "Lifecycles"); services
# check them before every change, so an illegal step is a 409 with the reason.
MEASUREMENT_LIFECYCLE = lifecycle(
    "measurement", {"pending": {"approved", "rejected"}, "approved": (), "rejected": ()}
)
SCORECARD_LIFECYCLE = lifecycle("scorecard", {"draft": {"published"}, "published": ()})
BREACH_LIFECYCLE = lifecycle(
    "SLA breach", {"open": {"remediated", "waived"}, "remediated": (), "waived": ()}
)
APPEAL_LIFECYCLE = lifecycle(
    "scorecard appeal", {"open": {"upheld", "rejected"}, "upheld": (), "rejected": ()}
)
QBR_LIFECYCLE = lifecycle(
    "QBR", {"scheduled": {"held", "cancelled"}, "held": {"held"}, "cancelled": ()}
)
ACTION_ITEM_LIFECYCLE = lifecycle(
    "action item",
    {
        "open": {"in_progress", "done", "cancelled"},
        "in_progress": {"open", "done", "cancelled"},
        "done": {"open"},
        "cancelled": {"open"},
    },
)
RCA_LIFECYCLE = lifecycle(
    "root-cause analysis", {"open": {"capa"}, "capa": {"closed"}, "closed": {"capa"}}
)
CAPA_LIFECYCLE = lifecycle("corrective action", {"open": {"done"}, "done": ()})
USER = settings.AUTH_USER_MODEL


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual entry"
    IMPORT = "import", "File import"
    API = "api", "API"
    INTEGRATION = "integration", "Integration feed"
    SURVEY = "survey", "Survey"
    PARTNER = "partner", "Submitted by the partner"


class Side(models.TextChoices):
    BUYER = "buyer", "Our organization"
    PARTNER = "partner", "Partner"


class KpiDefinition(models.Model):
    """Fields shared by a library template and a partnership's KPI."""

    code = models.SlugField(
        max_length=40, help_text="Short identifier used in imports and formulas, e.g. otd_pct."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    perspective = models.CharField(max_length=30, choices=PERSPECTIVE_CHOICES)
    unit = models.CharField(max_length=20, blank=True, help_text="e.g. %, ppm, days, EUR")
    direction = models.CharField(
        max_length=20, choices=DIRECTION_CHOICES, default=Direction.HIGHER_IS_BETTER.value
    )
    target = models.DecimalField(**KPI_VALUE)
    amber_threshold = models.DecimalField(
        **KPI_VALUE, null=True, blank=True, help_text="Worst value still rated amber (optional)."
    )
    red_threshold = models.DecimalField(
        **KPI_VALUE, help_text="First failing value: at or beyond it the criterion scores 0."
    )
    weight = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="0 = an input for formulas only, not scored.",
    )
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default="monthly")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    formula = models.TextField(
        blank=True, help_text="Custom KPI: a formula over other KPI codes, e.g. 100 * a / b."
    )
    valid_min = models.DecimalField(
        **KPI_VALUE, null=True, blank=True, help_text="Smallest plausible value (import check)."
    )
    valid_max = models.DecimalField(
        **KPI_VALUE, null=True, blank=True, help_text="Largest plausible value (import check)."
    )

    class Meta:
        abstract = True

    def clean_thresholds(self) -> None:
        if self.target is None or self.red_threshold is None:
            return
        try:
            criterion_score(
                value=None,
                target=self.target,
                direction=self.direction,
                red_threshold=self.red_threshold,
                amber_threshold=self.amber_threshold,
            )
        except ValueError as error:
            field = "amber_threshold" if "amber" in str(error) else "red_threshold"
            raise ValidationError({field: str(error)}) from None
        if (
            self.valid_min is not None
            and self.valid_max is not None
            and self.valid_min > self.valid_max
        ):
            raise ValidationError({"valid_max": "The largest value is below the smallest."})

    @property
    def is_formula(self) -> bool:
        return bool(self.formula.strip())

    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """Plausible range of a measurement; percentages default to 0-100."""
        low, high = self.valid_min, self.valid_max
        if self.unit.strip() == "%":
            low = Decimal(0) if low is None else low
            high = Decimal(100) if high is None else high
        return low, high


class KpiTemplate(KpiDefinition, TenantModel):
    """A KPI of the organization's library, copied into partnerships."""

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["perspective", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="kpitemplate_unique_code")
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        self.clean_thresholds()
        if self.is_formula:
            known = set(KpiTemplate.objects.exclude(pk=self.pk).values_list("code", flat=True))
            try:
                parse_formula(self.formula, known)
            except FormulaError as error:
                raise ValidationError({"formula": f"Formula refused: {error}"}) from None


class Kpi(KpiDefinition, TenantModel):
    """A KPI measured for one partnership."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="kpis", db_index=False
    )
    template = models.ForeignKey(
        KpiTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["perspective", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "code"], name="kpi_unique_code"
            )
        ]
        indexes = [models.Index(fields=["organization", "perspective"], name="kpi_perspective")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        self.clean_thresholds()
        if self.is_formula and self.partnership_id:
            others = dict(
                Kpi.objects.filter(partnership_id=self.partnership_id)
                .exclude(pk=self.pk)
                .values_list("code", "formula")
            )
            try:
                parsed = parse_formula(self.formula, others.keys())
            except FormulaError as error:
                raise ValidationError({"formula": f"Formula refused: {error}"}) from None
            self._check_no_cycle(parsed.variables, others)

    def _check_no_cycle(self, variables, others: dict[str, str]) -> None:
        """Refuse a formula that, through other formula KPIs, depends on itself."""
        seen, stack = set(), list(variables)
        while stack:
            code = stack.pop()
            if code == self.code:
                raise ValidationError(
                    {"formula": f"Formula refused: `{self.code}` would depend on itself."}
                )
            if code in seen:
                continue
            seen.add(code)
            formula = others.get(code) or ""
            if formula.strip():
                try:
                    stack.extend(parse_formula(formula, set(others) | {self.code}).variables)
                except FormulaError:
                    continue


class Measurement(TenantModel):
    """One value of a KPI for one period (`period_start`: the first day of the month/quarter).

    Only approved measurements count for scorecards and SLA checks; a partner's submission waits
    as `pending` until the owner approves it. `partnership` is denormalised from the KPI so lists
    filter and guests are restricted without a join.
    """

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        PENDING = "pending", "Pending approval"
        REJECTED = "rejected", "Rejected"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    period_start = models.DateField()
    value = models.DecimalField(**KPI_VALUE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "kpi_id"]
        constraints = [
            # Also the index of "this KPI over time" and of the breach check.
            models.UniqueConstraint(
                fields=["organization", "kpi", "period_start"], name="measurement_unique_period"
            )
        ]
        indexes = [
            # The API pages by (period_start, id), newest first (tenancy.pagination): with the
            # id in the key a page is one index range, for one partnership or the whole tenant.
            models.Index(
                fields=["organization", "partnership", "period_start", "id"],
                name="measurement_partnership",
            ),
            models.Index(fields=["organization", "period_start", "id"], name="measurement_period"),
        ]

    def __str__(self):
        return f"{self.kpi_id} {self.period_start:%Y-%m}: {self.value}"


class Sla(TenantModel):
    """A service level on one KPI (the metric), with service credits and a termination trigger.

    The window is the number of months averaged for each check (1 = every month on its own).
    `period_fee` is the fee of one window; credit tiers give a percentage of it.
    """

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="slas", db_index=False)
    name = models.CharField(max_length=200)
    target = models.DecimalField(**KPI_VALUE)
    breach_threshold = models.DecimalField(
        **KPI_VALUE, help_text="First breaching value (at or beyond it on the failing side)."
    )
    window_months = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    period_fee = amount_field(default=Decimal("0"))
    currency = currency_field()
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    remediation_days = models.PositiveSmallIntegerField(default=30)
    termination_breach_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="e.g. 3 breaches …"
    )
    termination_window_months = models.PositiveSmallIntegerField(
        default=6, help_text="… within 6 months give a right to terminate."
    )
    rca_breach_count = models.PositiveSmallIntegerField(
        default=2, help_text="Open a root-cause analysis at this many breaches in the window."
    )
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    is_active = models.BooleanField(default=True)
    termination_right_since = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="sla_partnership"),
            models.Index(fields=["organization", "kpi"], name="sla_kpi"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kpi_id and self.partnership_id and self.kpi.partnership_id != self.partnership_id:
            raise ValidationError({"kpi": "The metric must be a KPI of this partnership."})
        if self.kpi_id and self.kpi.is_formula:
            raise ValidationError({"kpi": "An SLA needs a measured KPI, not a formula KPI."})
        if self.kpi_id and self.target is not None and self.breach_threshold is not None:
            higher = self.kpi.direction == Direction.HIGHER_IS_BETTER
            if (higher and self.breach_threshold > self.target) or (
                not higher and self.breach_threshold < self.target
            ):
                raise ValidationError(
                    {"breach_threshold": "The breach threshold is on the good side of the target."}
                )


class SlaCreditTier(TenantModel):
    """Reaching `threshold` earns `percent_of_fee` % of the period fee (worst tier only)."""

    sla = models.ForeignKey(Sla, on_delete=models.CASCADE, related_name="tiers", db_index=False)
    threshold = models.DecimalField(**KPI_VALUE)
    percent_of_fee = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["sla_id", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sla", "threshold"], name="slacredittier_unique"
            )
        ]

    def __str__(self):
        return f"{self.threshold} → {self.percent_of_fee} %"


# The terms of an SLA that a change request may change; each SlaVersion holds a copy of them.
SLA_VERSIONED_TERMS = (
    "target",
    "breach_threshold",
    "window_months",
    "period_fee",
    "currency",
    "credit_cap_percent",
)


class SlaVersion(TenantModel):
    """The terms of one SLA from a month on: its history, never rewritten.

    The version in force for a month is the one with the latest `effective_from` on or before it
    (the first version also covers the months before it: the original terms). The breach check
    judges each month by its version; the `Sla` row holds the terms in force now (copied when a
    version comes into force, `applied_at`). `tiers` is the credit tiers as
    [{"threshold": "95", "percent_of_fee": "5"}, …]. `source_reference` names the change request
    that agreed the version (e.g. CR-0042; empty for the original terms).
    """

    sla = models.ForeignKey(Sla, on_delete=models.CASCADE, related_name="versions", db_index=False)
    effective_from = models.DateField(help_text="The first month the terms apply to.")
    target = models.DecimalField(**KPI_VALUE)
    breach_threshold = models.DecimalField(**KPI_VALUE)
    window_months = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    period_fee = amount_field(default=Decimal("0"))
    currency = currency_field()
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    tiers = models.JSONField(default=list, blank=True)
    source_reference = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the terms were copied onto the Sla row (null: not in force yet).
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sla_id", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sla", "effective_from"], name="slaversion_unique_month"
            )
        ]
        indexes = [
            # Versions waiting to come into force (the daily check applies them).
            models.Index(
                fields=["organization", "effective_from"],
                condition=models.Q(applied_at__isnull=True),
                name="slaversion_pending",
            )
        ]

    def __str__(self):
        return f"{self.sla} from {self.effective_from:%Y-%m}"

    @property
    def tier_list(self) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(t["threshold"]), Decimal(t["percent_of_fee"])) for t in self.tiers]


class SlaBreach(TenantModel):
    """A breach of one SLA in one period; unique per (SLA, period), so the check is idempotent."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REMEDIATED = "remediated", "Remediated"
        WAIVED = "waived", "Waived"

    sla = models.ForeignKey(Sla, on_delete=models.CASCADE, related_name="breaches", db_index=False)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_start = models.DateField()
    measured_value = models.DecimalField(**KPI_VALUE)
    breach_threshold = models.DecimalField(**KPI_VALUE)
    credit_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    service_credit = amount_field(default=Decimal("0"))
    currency = currency_field()
    remediation_due = models.DateField(null=True, blank=True)
    termination_trigger_met = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    status_reason = models.TextField(blank=True, max_length=1000, default="", db_default="")
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "sla_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sla", "period_start"], name="slabreach_unique_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "period_start"], name="slabreach_partnership"
            ),
            models.Index(fields=["organization", "period_start"], name="slabreach_period"),
            # The open ones (a tenth of the history): each member's inbox counts theirs.
            models.Index(
                fields=["organization", "period_start"],
                name="slabreach_open_period",
                condition=models.Q(status="open"),
            ),
        ]

    def __str__(self):
        return f"{self.sla} breached in {self.period_start:%Y-%m}"


class StandingBand(TenantModel):
    """A score band of the organization's standings (0-100 covered exactly once)."""

    name = models.CharField(max_length=60)
    min_score = models.DecimalField(max_digits=5, decimal_places=2)
    max_score = models.DecimalField(max_digits=5, decimal_places=2)
    action = models.CharField(max_length=30, choices=STANDING_ACTION_CHOICES, default="none")

    class Meta:
        ordering = ["-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="standingband_unique")
        ]

    def __str__(self):
        return self.name


class Scorecard(TenantModel):
    """The computed scorecard of one partnership for one month.

    `total` is None when no KPI had data (N/A). `breakdown` holds the per-criterion rows
    (code, name, perspective, value, score, weight, effective weight, contribution, RAG).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_start = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rolling_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    trend = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    perspectives = models.JSONField(default=dict, blank=True)
    breakdown = models.JSONField(default=list, blank=True)
    standing = models.CharField(max_length=60, blank=True)
    standing_action = models.CharField(max_length=30, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_buyer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    acknowledged_by_buyer_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_partner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    acknowledged_by_partner_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "period_start"],
                name="scorecard_unique_period",
            )
        ]
        indexes = [models.Index(fields=["organization", "period_start"], name="scorecard_period")]

    def __str__(self):
        return f"Scorecard {self.period_start:%Y-%m}"


class ScorecardAppeal(TenantModel):
    """The partner disputes one criterion of a published scorecard; the owner resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        REJECTED = "rejected", "Rejected"

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="appeals", db_index=False
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    criterion_code = models.CharField(max_length=40)
    comment = models.TextField()
    raised_by = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "scorecard"], name="appeal_scorecard")]

    def __str__(self):
        return f"Appeal on {self.criterion_code}"


class HealthSurveyResponse(TenantModel):
    """One side's relationship-health ratings of the other for a quarter (1-5 each)."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_start = models.DateField()
    side = models.CharField(max_length=10, choices=Side.choices)
    respondent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    collaboration = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    communication = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    cultural_alignment = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "period_start", "respondent"],
                name="healthsurvey_unique_response",
            )
        ]

    def __str__(self):
        return f"Health {self.period_start} ({self.side})"

    @property
    def average(self) -> Decimal:
        total = self.collaboration + self.communication + self.cultural_alignment
        return (Decimal(total) / 3).quantize(Decimal("0.01"))


class ScorecardReport(TenantModel):
    """A generated PDF scorecard of a partnership for a period, with its progress (the job
    helpers of tenancy.jobs read and write it; "done" is its name for succeeded)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    job_states: ClassVar[JobStates] = JobStates(succeeded=Status.DONE)
    # What the page says when the worker making it kept dying (tenancy.tasks gives up).
    redelivery_reason: ClassVar[str] = (
        "Making the PDF stopped {count} times before it could finish, so it was not tried "
        "again. Ask for it again; support can see in the logs why it stopped."
    )

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_start = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="performance/scorecards/", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "period_start"], name="report_unique_period"
            )
        ]

    def __str__(self):
        return f"Scorecard PDF {self.period_start:%Y-%m}"


# A request (report_request) queues a report again unless it is running; the task (report_run)
# runs it from any state but "done with its file": again while running (a delivery that finds
# it left running, as a job does), from done when its file is missing, from failed when a
# second delivery follows a failed one. Only a running report is rendered (done) or fails.
REPORT_LIFECYCLE = lifecycle(
    "scorecard report",
    {
        "queued": {"queued", "running"},
        "running": {"running", "done", "failed"},
        "done": {"queued", "running"},
        "failed": {"queued", "running"},
    },
    labels=dict(ScorecardReport.Status.choices),
)


class Qbr(TenantModel):
    """A quarterly business review of one partnership."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    quarter_start = models.DateField()
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    agenda = models.JSONField(default=list, blank=True)
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "quarter_start"], name="qbr_unique_quarter"
            )
        ]
        indexes = [models.Index(fields=["organization", "scheduled_at"], name="qbr_scheduled")]

    def __str__(self):
        quarter = (self.quarter_start.month - 1) // 3 + 1
        return f"QBR Q{quarter} {self.quarter_start.year}"


class QbrAttendee(TenantModel):
    qbr = models.ForeignKey(Qbr, on_delete=models.CASCADE, related_name="attendees", db_index=False)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    attended = models.BooleanField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "qbr", "user"], name="qbr_attendee_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} at {self.qbr}"

    def get_partnership(self):
        return self.qbr.partnership


class ActionItem(TenantModel):
    """An action with an owner and a deadline, from a QBR or raised on its own."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    qbr = models.ForeignKey(
        Qbr,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        db_index=False,
    )
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "status"], name="action_partnership"
            ),
            models.Index(fields=["organization", "status", "due_date"], name="action_due"),
        ]

    def __str__(self):
        return self.title


class RootCauseAnalysis(TenantModel):
    """Root-cause analysis: problem, causes by category (6M), 5 whys, then CAPA and a check."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CAPA = "capa", "Corrective actions under way"
        CLOSED = "closed", "Closed"

    class Effectiveness(models.TextChoices):
        PENDING = "", "Not checked yet"
        EFFECTIVE = "effective", "Effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"

    CAUSE_CATEGORIES = (
        "people",
        "process",
        "technology",
        "materials",
        "environment",
        "measurement",
    )

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    sla = models.ForeignKey(
        Sla, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    problem = models.TextField()
    responsible_party = models.CharField(max_length=10, choices=Side.choices, default=Side.PARTNER)
    causes = models.JSONField(default=list, blank=True, help_text="[{category, description}]")
    five_whys = models.JSONField(default=list, blank=True, help_text="Up to five answers.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    effectiveness_check_due = models.DateField(null=True, blank=True)
    effectiveness = models.CharField(
        max_length=15, choices=Effectiveness.choices, default="", blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open analysis per SLA: the breach check's INSERT … ON CONFLICT relies on it.
            models.UniqueConstraint(
                fields=["organization", "sla"],
                condition=models.Q(status__in=["open", "capa"]) & models.Q(sla__isnull=False),
                name="rca_one_open_per_sla",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="rca_partnership"),
            # The breach check's RCA INSERT: "an open one for this SLA?" and MAX(created_at).
            models.Index(fields=["organization", "sla", "created_at"], name="rca_sla"),
        ]

    def __str__(self):
        return f"RCA: {self.problem[:60]}"

    def clean(self):
        for cause in self.causes or []:
            if not isinstance(cause, dict) or cause.get("category") not in self.CAUSE_CATEGORIES:
                raise ValidationError(
                    {
                        "causes": "Each cause needs a category among "
                        + ", ".join(self.CAUSE_CATEGORIES)
                        + "."
                    }
                )
        if len(self.five_whys or []) > 5:
            raise ValidationError({"five_whys": "At most five whys."})


class CorrectiveAction(TenantModel):
    """A CAPA action of an RCA, due from the responsible party."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    rca = models.ForeignKey(
        RootCauseAnalysis, on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    description = models.TextField()
    kind = models.CharField(
        max_length=12,
        choices=[("corrective", "Corrective"), ("preventive", "Preventive")],
        default="corrective",
    )
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["organization", "rca"], name="capa_rca")]

    def __str__(self):
        return self.description[:80]


IMPORT_STAGE_LIFECYCLE = lifecycle("measurement import", {"check": {"import"}, "import": ()})


class MeasurementImport(Job):
    """A CSV/Excel file of measurements, checked and then imported by a background task.

    Two stages on one job: `check` reads every row and stores a bounded sample plus the error
    rows in `result`; once it succeeded without errors, the user confirms and the `import`
    stage (queued again) writes all rows or none. The file stays in storage, never in the
    session or the web worker's memory.
    """

    job_action_prefix = "performance.measurement_import"

    class Stage(models.TextChoices):
        CHECK = "check", "Checking"
        IMPORT = "import", "Importing"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.CHECK)
    file = models.FileField(upload_to="performance/imports/", max_length=300)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    row_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "created_at"], name="measurementimport_p"
            )
        ]

    def __str__(self):
        return f"Import of {self.filename}"
