"""Module 1, partner selection and strategy, and the hub every other module hangs from.

Partners (supplier companies with contacts, yearly financials, certifications and their own
sub-tier suppliers) and partnerships (a strategic relationship with one partner, with a lifecycle
and executive sponsors on both sides). Around a partnership: its due-diligence checklist,
stakeholders and their objectives, joint objectives tied to KPIs, exclusivity scopes, joint IP,
onboarding milestones and escalations. Before a partnership exists, a sourcing case weighs the
transactional and the partnership model (TCO and the Kraljic position) and compares candidates
on weighted selection criteria.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from tenancy.lifecycle import lifecycle
from tenancy.models import CurrentOrganizationId, TenantModel
from tenancy.money import amount_field, currency_field


def _clean_list(values) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively), in the order given."""
    seen, result = set(), []
    for value in values or []:
        value = str(value).strip()
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return result


class Partner(TenantModel):
    class Tier(models.TextChoices):
        STRATEGIC = "strategic", "Strategic"
        PREFERRED = "preferred", "Preferred"
        APPROVED = "approved", "Approved"

    class Size(models.TextChoices):
        MICRO = "micro", "Micro (under 10 staff)"
        SMALL = "small", "Small (10–49 staff)"
        MEDIUM = "medium", "Medium (50–249 staff)"
        LARGE = "large", "Large (250+ staff)"

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    # Stored as the ISO 3166-1 alpha-2 code (the API's value); pages show the country's name.
    country = CountryField(
        blank=True,
        blank_label="(not given)",
        error_messages={"invalid_choice": "Choose a country from the list."},
    )
    registration_number = models.CharField(max_length=64, blank=True)
    website = models.URLField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.APPROVED)
    industry = models.CharField(max_length=100, blank=True)
    categories = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, help_text="Comma-separated."
    )
    regions_served = ArrayField(
        models.CharField(max_length=60),
        default=list,
        blank=True,
        help_text="Comma-separated, e.g. EU, DE, North America.",
    )
    size = models.CharField(max_length=10, choices=Size.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="partner_unique_name",
                violation_error_message="A partner with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.categories = _clean_list(self.categories)
        self.regions_served = _clean_list(self.regions_served)


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
    annual_value = amount_field(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    currency = currency_field()
    executive_sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Our executive sponsor.",
    )
    partner_sponsor_name = models.CharField(
        "partner's executive sponsor", max_length=200, blank=True
    )
    partner_sponsor_email = models.EmailField("partner sponsor's e-mail", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="partnership_unique_code",
                violation_error_message="Another partnership already uses this code.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="partnership_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_value__isnull=True) | models.Q(annual_value__gte=0),
                name="partnership_value_not_negative",
                violation_error_message="The annual value cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="partnership_status"),
            # Lists of other modules sort by partnership name (SLAs, breaches, risks): walking
            # this index in name order lets PostgreSQL stop after a page instead of sorting all.
            models.Index(fields=["organization", "name", "id"], name="partnership_name"),
        ]

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


# --- Partner records ------------------------------------------------------------------------------

USER = settings.AUTH_USER_MODEL
SCORE_1_TO_5 = [MinValueValidator(1), MaxValueValidator(5)]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _partner_fk(related_name: str):
    return models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name=related_name, db_index=False
    )


def _partnership_fk(related_name: str):
    return models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name=related_name, db_index=False
    )


class PartnerContact(TenantModel):
    partner = _partner_fk("contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organization", "partner"], name="partnercontact_partner")]

    def __str__(self):
        return self.name


class PartnerFinancials(TenantModel):
    """One year's financial indicators of a partner (from its filed accounts)."""

    partner = _partner_fk("financials")
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2200)]
    )
    revenue = amount_field(validators=NOT_NEGATIVE)
    currency = currency_field()
    margin_percent = models.DecimalField(
        "operating margin (%)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    current_ratio = models.DecimalField(max_digits=8, decimal_places=2, validators=NOT_NEGATIVE)
    debt_ratio = models.DecimalField(
        "debt ratio",
        max_digits=6,
        decimal_places=2,
        validators=NOT_NEGATIVE,
        help_text="Total debt / total assets.",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name_plural = "partner financials"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partner", "year"],
                name="partnerfinancials_unique_year",
                violation_error_message="This partner already has figures for that year.",
            )
        ]

    def __str__(self):
        return f"{self.partner} {self.year}"


class PartnerCertification(TenantModel):
    """A certificate (ISO 9001, ISO 27001, …); expired ones stay on record, flagged."""

    partner = _partner_fk("certifications")
    name = models.CharField(max_length=120)
    issuer = models.CharField(max_length=120, blank=True)
    valid_until = models.DateField()

    class Meta:
        ordering = ["valid_until", "pk"]
        indexes = [
            models.Index(fields=["organization", "partner"], name="partnercert_partner"),
            models.Index(fields=["organization", "valid_until"], name="partnercert_expiry"),
        ]

    def __str__(self):
        return self.name

    def is_expired(self, *, today) -> bool:
        return self.valid_until < today


class SubTierLink(TenantModel):
    """An edge of the supply graph: `partner` buys `supplies` from `supplier` (the risk module
    walks these edges for concentration and sub-tier exposure)."""

    partner = _partner_fk("sub_tier_links")
    supplier = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="customer_links", db_index=False
    )
    supplies = models.CharField(max_length=200, blank=True)
    critical = models.BooleanField(default=False)

    class Meta:
        ordering = ["supplier__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partner", "supplier"],
                name="subtier_unique_edge",
                violation_error_message="This supplier is already listed for the partner.",
            ),
            models.CheckConstraint(
                condition=~models.Q(partner=models.F("supplier")),
                name="subtier_not_self",
                violation_error_message="A partner cannot be its own sub-tier supplier.",
            ),
        ]
        indexes = [models.Index(fields=["organization", "supplier"], name="subtier_supplier")]

    def __str__(self):
        return f"{self.partner} ← {self.supplier}"

    def clean(self):
        if self.partner_id and self.partner_id == self.supplier_id:
            raise ValidationError({"supplier": "A partner cannot be its own sub-tier supplier."})


# --- Due diligence --------------------------------------------------------------------------------


# A review may be revised either way: reopened, re-reviewed, passed after failing. The review form
# has always offered every status from every other.
DUE_DILIGENCE_LIFECYCLE = lifecycle(
    "due-diligence item",
    {
        "open": {"in_review", "passed", "failed", "waived"},
        "in_review": {"open", "passed", "failed", "waived"},
        "passed": {"open", "in_review", "failed", "waived"},
        "failed": {"open", "in_review", "passed", "waived"},
        "waived": {"open", "in_review", "passed", "failed"},
    },
)


class DueDiligenceItem(TenantModel):
    class Area(models.TextChoices):
        FINANCIAL = "financial", "Financial stability"
        COMPLIANCE = "compliance", "Compliance history"
        SANCTIONS = "sanctions", "Sanctions screening"
        OPERATIONAL = "operational", "Operational capacity"
        CYBERSECURITY = "cybersecurity", "Cybersecurity"
        ESG = "esg", "ESG"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        WAIVED = "waived", "Waived"

    SETTLED_STATUSES = (Status.PASSED, Status.WAIVED)

    partnership = _partnership_fk("due_diligence_items")
    area = models.CharField(max_length=20, choices=Area.choices)
    title = models.CharField(max_length=200)
    mandatory = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    findings = models.TextField(blank=True)
    evidence = models.FileField(upload_to="partnerships/evidence/%Y/", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership", "status"], name="dd_partnership"),
            models.Index(fields=["organization", "reviewer", "status"], name="dd_reviewer"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED_STATUSES


# --- Sourcing-model decision and candidate selection ----------------------------------------------


# Deciding is final: the partnership it opened lives on in its own lifecycle.
SOURCING_CASE_LIFECYCLE = lifecycle("sourcing need", {"open": {"decided"}, "decided": set()})


class SourcingCase(TenantModel):
    """One need (a category to source): transactional supply or a strategic partnership, judged
    by total cost of ownership over `horizon_years` and by the Kraljic position; then the
    candidates are compared on weighted criteria and one is picked."""

    class Model(models.TextChoices):
        TRANSACTIONAL = "transactional", "Transactional supply"
        STRATEGIC = "strategic", "Strategic partnership"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DECIDED = "decided", "Decided"

    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True)
    currency = currency_field()
    horizon_years = models.PositiveSmallIntegerField(
        "horizon (years)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    discount_rate = models.DecimalField(
        "discount rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("8.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    profit_impact = models.PositiveSmallIntegerField(
        default=3, validators=SCORE_1_TO_5, help_text="1 (low) to 5 (high)."
    )
    supply_risk = models.PositiveSmallIntegerField(
        default=3, validators=SCORE_1_TO_5, help_text="1 (low) to 5 (high)."
    )
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    chosen_model = models.CharField(max_length=15, choices=Model.choices, blank=True)
    chosen_candidate = models.ForeignKey(
        "SourcingCandidate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    partnership = models.ForeignKey(
        Partnership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sourcing_cases",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["organization", "status"], name="sourcingcase_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(horizon_years__gte=1),
                name="sourcingcase_horizon_positive",
                violation_error_message="The horizon must be at least one year.",
            ),
        ]

    def __str__(self):
        return self.title


class SourcingCandidate(TenantModel):
    case = models.ForeignKey(
        SourcingCase, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="candidacies", db_index=False
    )
    risk_score = models.PositiveSmallIntegerField(
        "risk exposure",
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="1 (low) to 100 (high), as supplier risk tools score it.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "case", "partner"],
                name="candidate_unique_partner",
                violation_error_message="This partner is already a candidate for this need.",
            )
        ]
        indexes = [models.Index(fields=["organization", "partner"], name="candidate_partner")]

    def __str__(self):
        return str(self.partner)


class TcoEstimate(TenantModel):
    """The cost of one sourcing model (and, optionally, with one candidate) over the case's
    horizon. One-off costs fall in year 0, yearly costs in years 1..N."""

    case = models.ForeignKey(
        SourcingCase, on_delete=models.CASCADE, related_name="estimates", db_index=False
    )
    model = models.CharField(max_length=15, choices=SourcingCase.Model.choices)
    candidate = models.ForeignKey(
        SourcingCandidate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="estimates",
        db_index=False,
    )
    acquisition_cost = amount_field(
        default=Decimal("0"), validators=NOT_NEGATIVE, help_text="One-off, at the start."
    )
    operating_cost = amount_field(
        verbose_name="operating cost per year", default=Decimal("0"), validators=NOT_NEGATIVE
    )
    transaction_cost = amount_field(
        verbose_name="transaction cost per year",
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
        help_text="Tendering, ordering, invoicing, supplier management.",
    )
    risk_cost = amount_field(
        verbose_name="risk cost per year",
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
        help_text="Expected cost of disruption: probability × impact.",
    )
    switching_cost = amount_field(
        default=Decimal("0"), validators=NOT_NEGATIVE, help_text="One-off, at the start."
    )

    class Meta:
        ordering = ["model", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "case", "model"],
                condition=models.Q(candidate__isnull=True),
                name="tco_unique_model",
            ),
            models.UniqueConstraint(
                fields=["organization", "candidate"],
                condition=models.Q(candidate__isnull=False),
                name="tco_unique_candidate",
            ),
        ]
        indexes = [models.Index(fields=["organization", "case"], name="tco_case")]

    def __str__(self):
        return f"{self.case} · {self.get_model_display()}"


class SelectionCriterion(TenantModel):
    case = models.ForeignKey(
        SourcingCase, on_delete=models.CASCADE, related_name="criteria", db_index=False
    )
    name = models.CharField(max_length=120)
    weight = models.DecimalField(
        "weight (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "selection criteria"
        indexes = [models.Index(fields=["organization", "case"], name="criterion_case")]

    def __str__(self):
        return self.name


class CandidateScore(TenantModel):
    candidate = models.ForeignKey(
        SourcingCandidate, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    criterion = models.ForeignKey(
        SelectionCriterion, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    score = models.PositiveSmallIntegerField(validators=SCORE_1_TO_5)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "candidate", "criterion"], name="score_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "criterion"], name="score_criterion")]

    def __str__(self):
        return f"{self.candidate}: {self.criterion} {self.score}"

    def clean(self):
        if (
            self.candidate_id
            and self.criterion_id
            and self.candidate.case_id != self.criterion.case_id
        ):
            raise ValidationError({"criterion": "This criterion belongs to another need."})


# --- Stakeholders, objectives, exclusivity, joint IP ----------------------------------------------


class Stakeholder(TenantModel):
    class Function(models.TextChoices):
        PROCUREMENT = "procurement", "Procurement"
        LEGAL = "legal", "Legal"
        FINANCE = "finance", "Finance"
        BUSINESS_UNIT = "business_unit", "Business unit"
        OPERATIONS = "operations", "Operations"
        IT = "it", "IT"

    partnership = _partnership_fk("stakeholders")
    name = models.CharField(max_length=200)
    function = models.CharField(max_length=20, choices=Function.choices)
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["function", "name"]
        indexes = [models.Index(fields=["organization", "partnership"], name="stakeholder_p")]

    def __str__(self):
        return self.name


class StakeholderObjective(TenantModel):
    partnership = _partnership_fk("stakeholder_objectives")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        Stakeholder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objectives",
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(
        default=3, validators=SCORE_1_TO_5, help_text="1 (highest) to 5."
    )
    conflicts_with = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="Another objective this one pulls against.",
    )

    class Meta:
        ordering = ["priority", "pk"]
        indexes = [models.Index(fields=["organization", "partnership"], name="objective_p")]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.owner_id and self.owner.partnership_id != self.partnership_id:
            errors["owner"] = "The owner is a stakeholder of another partnership."
        if self.conflicts_with_id:
            if self.pk and self.conflicts_with_id == self.pk:
                errors["conflicts_with"] = "An objective cannot conflict with itself."
            elif self.conflicts_with.partnership_id != self.partnership_id:
                errors["conflicts_with"] = "That objective belongs to another partnership."
        if errors:
            raise ValidationError(errors)


class JointObjective(TenantModel):
    """An objective both parties share, measured by a KPI of the performance module; it records
    which internal objective depends on which capability of the partner."""

    partnership = _partnership_fk("joint_objectives")
    title = models.CharField(max_length=200)
    kpi = models.ForeignKey(
        "performance.Kpi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    internal_objective = models.ForeignKey(
        StakeholderObjective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    partner_capability = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "partnership"], name="jointobjective_p")]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kpi_id and self.kpi.partnership_id != self.partnership_id:
            errors["kpi"] = "That KPI measures another partnership."
        if self.internal_objective_id and (
            self.internal_objective.partnership_id != self.partnership_id
        ):
            errors["internal_objective"] = "That objective belongs to another partnership."
        if errors:
            raise ValidationError(errors)


class Exclusivity(TenantModel):
    partnership = _partnership_fk("exclusivities")
    categories = ArrayField(models.CharField(max_length=100), help_text="Comma-separated.")
    regions = ArrayField(models.CharField(max_length=60), help_text="Comma-separated.")
    exceptions = models.TextField(blank=True, help_text="What stays open to other suppliers.")
    start_date = models.DateField()
    end_date = models.DateField()
    bidding_effect = models.TextField(
        "effect on competitive bidding",
        blank=True,
        help_text="Which tenders this scope takes out of competition.",
    )

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name_plural = "exclusivities"
        indexes = [models.Index(fields=["organization", "partnership"], name="exclusivity_p")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="exclusivity_dates_ordered",
                violation_error_message="The term must end on or after its start.",
            )
        ]

    def __str__(self):
        return f"{', '.join(self.categories)} in {', '.join(self.regions)}"

    def clean(self):
        self.categories = _clean_list(self.categories)
        self.regions = _clean_list(self.regions)
        errors = {}
        if not self.categories:
            errors["categories"] = "Name at least one category."
        if not self.regions:
            errors["regions"] = "Name at least one region."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The term must end on or after its start."
        if errors:
            raise ValidationError(errors)


class JointIp(TenantModel):
    class Kind(models.TextChoices):
        BACKGROUND = "background", "Background IP"
        FOREGROUND = "foreground", "Foreground IP"

    class Owner(models.TextChoices):
        US = "us", "Our organization"
        PARTNER = "partner", "The partner"
        JOINT = "joint", "Jointly owned"

    partnership = _partnership_fk("joint_ip")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    owner = models.CharField(max_length=10, choices=Owner.choices)
    licence_terms = models.TextField(blank=True)
    agreement = models.ForeignKey(
        "contracts.Agreement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The co-development agreement.",
    )

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = "joint IP record"
        indexes = [models.Index(fields=["organization", "partnership"], name="jointip_p")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.agreement_id and self.agreement.partnership_id != self.partnership_id:
            raise ValidationError({"agreement": "That agreement belongs to another partnership."})


# --- Onboarding ----------------------------------------------------------------------------------


class OnboardingMilestone(TenantModel):
    partnership = _partnership_fk("onboarding_milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["organization", "partnership"], name="milestone_p")]

    def __str__(self):
        return self.title


# Resolving is final: a resolved escalation is not reopened (the page says so before the click).
ONBOARDING_ESCALATION_LIFECYCLE = lifecycle("escalation", {"open": {"resolved"}, "resolved": set()})


class OnboardingEscalation(TenantModel):
    """A deviation during selection or onboarding, raised to a named owner with a deadline."""

    class Source(models.TextChoices):
        FINDING = "finding", "Due-diligence finding"
        MILESTONE = "milestone", "Missed onboarding milestone"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    partnership = _partnership_fk("onboarding_escalations")
    source = models.CharField(max_length=10, choices=Source.choices)
    item = models.ForeignKey(
        DueDiligenceItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
        db_index=False,
    )
    milestone = models.ForeignKey(
        OnboardingMilestone,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
        db_index=False,
    )
    summary = models.CharField(max_length=300)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", db_index=False)
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="escalation_p"),
            models.Index(fields=["organization", "owner", "status"], name="escalation_owner"),
        ]
        constraints = [
            # A rerun of the milestone check raises one escalation per missed milestone.
            models.UniqueConstraint(
                fields=["organization", "milestone"],
                condition=models.Q(milestone__isnull=False),
                name="escalation_once_per_milestone",
            ),
        ]

    def __str__(self):
        return self.summary
