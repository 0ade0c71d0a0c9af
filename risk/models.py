"""Models of the risk module: the risk register and its allocation between the parties,
insurance (required coverages, certificates and their expiry alerts), bonds and penalties,
index-linked price adjustment, cyber and data-breach duties, and the third-party risk score.

Scales are declared here once (likelihood and impact 1–5, score 0–100); the database refuses
values outside them and the services say so per field before it gets that far.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import Clause
from partnerships.models import Partnership
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel, tenant_folder
from tenancy.money import Money, amount_field, currency_field

# The declared scales of the register (inherent and residual use the same ones).
LIKELIHOOD_SCALE = {
    1: "Rare",
    2: "Unlikely",
    3: "Possible",
    4: "Likely",
    5: "Almost certain",
}
IMPACT_SCALE = {
    1: "Negligible",
    2: "Minor",
    3: "Moderate",
    4: "Major",
    5: "Severe",
}
SCALE_MIN, SCALE_MAX = 1, 5


def rating_of(score: int | None) -> tuple[str, str]:
    """(label, colour) of a likelihood × impact score (1–25)."""
    if score is None:
        return "Not assessed", ""
    if score >= 15:
        return "Critical", "red"
    if score >= 10:
        return "High", "red"
    if score >= 5:
        return "Medium", "amber"
    return "Low", "green"


class Party(models.TextChoices):
    CUSTOMER = "customer", "Us (the customer)"
    PARTNER = "partner", "The partner"
    INSURER = "insurer", "An insurer"


# The parties of a breach duty (an insurer neither detects nor notifies).
BREACH_PARTY_CHOICES = Party.choices[:2]

RISK_LIFECYCLE = lifecycle("risk", {"open": {"closed"}, "closed": {"open"}})


class Risk(TenantModel):
    class Category(models.TextChoices):
        CYBER = "cyber", "Cyber"
        SUPPLY_CONTINUITY = "supply_continuity", "Supply continuity"
        FINANCIAL = "financial", "Financial"
        REGULATORY = "regulatory", "Regulatory"
        GEOPOLITICAL = "geopolitical", "Geopolitical"
        REPUTATIONAL = "reputational", "Reputational"
        CONCENTRATION = "concentration", "Concentration"
        QUALITY = "quality", "Quality"

    class Allocation(models.TextChoices):
        RETAINED = "retained", "Retained"
        TRANSFERRED = "transferred", "Transferred"
        SHARED = "shared", "Shared"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    allocation = models.CharField(
        max_length=20, choices=Allocation.choices, default=Allocation.RETAINED
    )
    allocated_to = models.CharField(max_length=20, choices=Party.choices, default=Party.CUSTOMER)
    allocation_basis = models.TextField(
        blank=True,
        help_text="Why this party carries it: financial strength, market concentration, control.",
    )
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    next_review_on = models.DateField(null=True, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inherent_likelihood__gte=SCALE_MIN, inherent_likelihood__lte=SCALE_MAX)
                & Q(inherent_impact__gte=SCALE_MIN, inherent_impact__lte=SCALE_MAX),
                name="risk_inherent_on_scale",
            ),
            models.CheckConstraint(
                condition=(
                    Q(residual_likelihood__isnull=True)
                    | Q(residual_likelihood__gte=SCALE_MIN, residual_likelihood__lte=SCALE_MAX)
                )
                & (
                    Q(residual_impact__isnull=True)
                    | Q(residual_impact__gte=SCALE_MIN, residual_impact__lte=SCALE_MAX)
                ),
                name="risk_residual_on_scale",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "partnership", "status"], name="risk_partnership"),
            models.Index(
                fields=["organization", "next_review_on"],
                condition=Q(status="open"),
                name="risk_review_due",
            ),
            # The open risks by current score, highest first (risk.selectors.risk_list's order,
            # the same expression): the portfolio's top ten without sorting thousands.
            models.Index(
                F("organization"),
                (
                    Coalesce("residual_likelihood", "inherent_likelihood")
                    * Coalesce("residual_impact", "inherent_impact")
                ).desc(),
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(status="open"),
                name="risk_open_by_score",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def current_score(self) -> int:
        return self.residual_score if self.residual_score is not None else self.inherent_score

    @property
    def rating(self) -> tuple[str, str]:
        return rating_of(self.current_score)

    @property
    def inherent_likelihood_label(self) -> str:
        return LIKELIHOOD_SCALE.get(self.inherent_likelihood, "")

    @property
    def inherent_impact_label(self) -> str:
        return IMPACT_SCALE.get(self.inherent_impact, "")


class Mitigation(TenantModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="mitigations")
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organization", "risk"], name="mitigation_risk")]

    def __str__(self):
        return self.action

    def get_partnership(self):
        return self.risk.partnership


class Coverage(models.TextChoices):
    PRODUCT_LIABILITY = "product_liability", "Product liability"
    CYBER = "cyber", "Cyber"
    CARGO = "cargo", "Cargo"
    WORKPLACE = "workplace", "Workplace (employer's liability)"


class InsuranceRequirement(TenantModel):
    """A coverage the partner must hold for this partnership, with its minimum limit."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="insurance_requirements"
    )
    coverage = models.CharField(max_length=30, choices=Coverage.choices)
    minimum_limit = amount_field()
    currency = currency_field()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["coverage"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "coverage"],
                name="insurancerequirement_unique_coverage",
            ),
            models.CheckConstraint(
                condition=Q(minimum_limit__gt=0), name="insurancerequirement_limit_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_coverage_display()} ≥ {self.minimum_limit_money}"

    @property
    def minimum_limit_money(self) -> Money:
        return Money(self.minimum_limit, self.currency)


# Days before expiry at which the owner is alerted, each once.
EXPIRY_THRESHOLDS = (60, 30, 7)


def certificate_upload_to(instance, filename: str) -> str:
    return f"risk/certificates/{tenant_folder(instance)}/{filename}"


class InsuranceCertificate(TenantModel):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="insurance_certificates"
    )
    coverage = models.CharField(max_length=30, choices=Coverage.choices)
    insurer = models.CharField(max_length=200)
    policy_number = models.CharField(max_length=100, blank=True)
    limit = amount_field()
    currency = currency_field()
    starts_on = models.DateField()
    expires_on = models.DateField()
    file = models.FileField(upload_to=certificate_upload_to, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("starts_on")), name="certificate_expires_after_start"
            ),
            models.CheckConstraint(condition=Q(limit__gt=0), name="certificate_limit_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "expires_on"], name="certificate_expiry"),
            models.Index(
                fields=["organization", "partnership", "coverage"], name="certificate_partnership"
            ),
        ]

    def __str__(self):
        return f"{self.get_coverage_display()} · {self.insurer}"

    @property
    def limit_money(self) -> Money:
        return Money(self.limit, self.currency)

    def days_left(self, today: date) -> int:
        return (self.expires_on - today).days

    def expiry_state(self, today: date) -> tuple[str, str]:
        """(label, colour): expired ones stay visible, flagged."""
        days = self.days_left(today)
        if days < 0:
            return "Expired", "red"
        if days <= EXPIRY_THRESHOLDS[-1]:
            return f"Expires in {days} day{'s' if days != 1 else ''}", "red"
        if days <= EXPIRY_THRESHOLDS[0]:
            return f"Expires in {days} days", "amber"
        return "Valid", "green"


class CertificateAlert(TenantModel):
    """One expiry alert per certificate and threshold: the unique key makes the job's rerun a
    no-op. A threshold the job passed without alerting (it first ran later) is recorded as
    skipped, so a late first run sends only the most urgent alert."""

    certificate = models.ForeignKey(
        InsuranceCertificate, on_delete=models.CASCADE, related_name="alerts"
    )
    threshold_days = models.PositiveSmallIntegerField()
    sent_on = models.DateField()
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["-threshold_days"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "certificate", "threshold_days"],
                name="certificatealert_once_per_threshold",
            )
        ]

    def __str__(self):
        return f"{self.certificate} · {self.threshold_days} days"

    def get_partnership(self):
        return self.certificate.partnership


class Bond(TenantModel):
    class Kind(models.TextChoices):
        PERFORMANCE_BOND = "performance_bond", "Performance bond"
        BANK_GUARANTEE = "bank_guarantee", "Bank guarantee"
        PARENT_GUARANTEE = "parent_guarantee", "Parent company guarantee"
        ADVANCE_PAYMENT = "advance_payment", "Advance payment guarantee"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="bonds")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    issuer = models.CharField(max_length=200)
    amount = amount_field()
    currency = currency_field()
    starts_on = models.DateField()
    expires_on = models.DateField()
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("starts_on")), name="bond_expires_after_start"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bond_amount_positive"),
        ]
        indexes = [models.Index(fields=["organization", "partnership"], name="bond_partnership")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.issuer}"

    @property
    def amount_money(self) -> Money:
        return Money(self.amount, self.currency)


class Penalty(TenantModel):
    """A line of a penalty schedule: what triggers it, how much per unit, up to what cap."""

    class Trigger(models.TextChoices):
        LATE_DELIVERY = "late_delivery", "Late delivery"
        QUALITY_FAILURE = "quality_failure", "Quality failure"
        SERVICE_LEVEL = "service_level", "Service level missed"

    class Unit(models.TextChoices):
        PER_DAY = "per_day", "per day late"
        PER_INCIDENT = "per_incident", "per incident"
        PER_PERCENT = "per_percent", "per percentage point below target"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="penalties")
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    description = models.CharField(max_length=300, blank=True)
    amount = amount_field()
    currency = currency_field()
    unit = models.CharField(max_length=20, choices=Unit.choices)
    cap = amount_field(null=True, blank=True, help_text="Most that can be charged per year.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["trigger", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="penalty_amount_positive"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=F("amount")),
                name="penalty_cap_not_below_amount",
            ),
        ]
        indexes = [models.Index(fields=["organization", "partnership"], name="penalty_partnership")]

    def __str__(self):
        return f"{self.get_trigger_display()}: {self.amount_money} {self.get_unit_display()}"

    @property
    def amount_money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def cap_money(self) -> Money | None:
        return Money(self.cap, self.currency) if self.cap is not None else None


class PriceMechanism(TenantModel):
    """An index-linked price: the weighted share of the base price moves with the index
    relative to its base value, the change limited by a floor and a cap (percent)."""

    class Frequency(models.IntegerChoices):
        MONTHLY = 1, "Monthly"
        QUARTERLY = 3, "Quarterly"
        HALF_YEARLY = 6, "Every six months"
        YEARLY = 12, "Yearly"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="price_mechanisms"
    )
    name = models.CharField(max_length=200)
    index_name = models.CharField(max_length=100, help_text="The published index, e.g. Steel HRC.")
    base_price = amount_field()
    currency = currency_field()
    base_index_value = models.DecimalField(max_digits=14, decimal_places=4)
    weighting_percent = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Share of the price that follows the index."
    )
    cap_percent = models.DecimalField(max_digits=6, decimal_places=2)
    floor_percent = models.DecimalField(max_digits=6, decimal_places=2)
    review_frequency_months = models.PositiveSmallIntegerField(
        choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    next_review_on = models.DateField()
    volatility_assumption = models.TextField(blank=True)
    current_price = amount_field(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cap_percent__gte=F("floor_percent")), name="pricemechanism_cap_ge_floor"
            ),
            models.CheckConstraint(
                condition=Q(weighting_percent__gte=0, weighting_percent__lte=100),
                name="pricemechanism_weighting_0_100",
            ),
            models.CheckConstraint(
                condition=Q(base_index_value__gt=0), name="pricemechanism_base_index_positive"
            ),
            models.CheckConstraint(
                condition=Q(base_price__gt=0), name="pricemechanism_base_price_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="pricemechanism_partnership"),
            models.Index(fields=["organization", "next_review_on"], name="pricemechanism_review"),
        ]

    def __str__(self):
        return self.name

    @property
    def base_price_money(self) -> Money:
        return Money(self.base_price, self.currency)

    @property
    def current_price_money(self) -> Money:
        return Money(
            self.current_price if self.current_price is not None else self.base_price,
            self.currency,
        )


class IndexValue(TenantModel):
    """The published value of an index for one month (period = the month's first day)."""

    index_name = models.CharField(max_length=100)
    period = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["index_name", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "index_name", "period"], name="indexvalue_unique_period"
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="indexvalue_positive"),
        ]

    def __str__(self):
        return f"{self.index_name} {self.period:%Y-%m}: {self.value}"


class PriceReview(TenantModel):
    mechanism = models.ForeignKey(PriceMechanism, on_delete=models.CASCADE, related_name="reviews")
    review_date = models.DateField()
    period = models.DateField(help_text="The month whose index value applies.")
    index_value = models.DecimalField(max_digits=14, decimal_places=4)
    previous_price = amount_field()
    adjusted_price = amount_field()
    change_percent = models.DecimalField(max_digits=9, decimal_places=4)
    limited_by = models.CharField(max_length=10, blank=True)  # "cap", "floor" or ""
    explanation = models.JSONField(default=list)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-review_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mechanism", "period"], name="pricereview_once_per_period"
            )
        ]

    def __str__(self):
        return f"{self.mechanism} · {self.period:%Y-%m}"

    def get_partnership(self):
        return self.mechanism.partnership

    @property
    def adjusted_price_money(self) -> Money:
        return Money(self.adjusted_price, self.mechanism.currency)


class CyberAllocation(TenantModel):
    """Who detects, notifies and remediates a data breach when the parties' systems are
    integrated, and how many hours the notifying party has."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="cyber_allocations"
    )
    detection_party = models.CharField(max_length=20, choices=BREACH_PARTY_CHOICES)
    notification_party = models.CharField(max_length=20, choices=BREACH_PARTY_CHOICES)
    remediation_party = models.CharField(max_length=20, choices=BREACH_PARTY_CHOICES)
    notification_deadline_hours = models.PositiveIntegerField(default=72)
    authorities_to_notify = models.CharField(max_length=300, blank=True)
    customers_to_notify = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="cyberallocation_one_per_partnership"
            ),
            models.CheckConstraint(
                condition=Q(
                    notification_deadline_hours__gte=1, notification_deadline_hours__lte=720
                ),
                name="cyberallocation_deadline_hours_range",
            ),
        ]

    def __str__(self):
        return f"Breach duties · {self.partnership}"


BREACH_LIFECYCLE = lifecycle(
    "data breach",
    {"open": {"notified", "closed"}, "notified": {"closed"}, "closed": set()},
)


class DataBreach(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open: notification due"
        NOTIFIED = "notified", "Notified"
        CLOSED = "closed", "Closed"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="data_breaches"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    detected_at = models.DateTimeField()
    notification_deadline = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notification_deadline__gt=F("detected_at")),
                name="databreach_deadline_after_detection",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="databreach_status"),
            models.Index(fields=["organization", "partnership"], name="databreach_partnership"),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, now) -> bool:
        return self.status == self.Status.OPEN and now > self.notification_deadline


class ScoreFactor(TenantModel):
    """A weighted factor of the organization's third-party risk score (weights add up to 100).
    A factor whose source is the partner's financial indicators is rated from the latest filed
    accounts when no rating is given."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Rated by hand"
        FINANCIALS = "financials", "From the partner's financial indicators"

    name = models.CharField(max_length=100)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    description = models.CharField(max_length=300, blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="scorefactor_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100), name="scorefactor_weight_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


# Score scale: 0 (no risk) to 100 (highest risk), like the exposure scores buyers know.
SCORE_MIN, SCORE_MAX = Decimal("0"), Decimal("100")


class RiskScore(TenantModel):
    """One scoring of a partnership's partner: inputs per factor (0–100), the weighted score,
    its breakdown, and the thresholds of both parties at the time. The history is the rows."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="risk_scores"
    )
    scored_on = models.DateField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    breakdown = models.JSONField(default=list)
    buyer_threshold = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="Our limit: above it the partner needs action."
    )
    partner_threshold = models.DecimalField(
        max_digits=6, decimal_places=2, help_text="The partner's own declared tolerance."
    )
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scored_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="riskscore_on_scale"
            ),
            models.CheckConstraint(
                condition=Q(buyer_threshold__gte=0, buyer_threshold__lte=100)
                & Q(partner_threshold__gte=0, partner_threshold__lte=100),
                name="riskscore_thresholds_on_scale",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "-scored_on"], name="riskscore_history"
            )
        ]

    def __str__(self):
        return f"{self.partnership}: {self.score}"

    @property
    def above_buyer_threshold(self) -> bool:
        return self.score > self.buyer_threshold

    @property
    def above_partner_threshold(self) -> bool:
        return self.score > self.partner_threshold


# ---------------------------------------------------------------------------------------------
# Compliance: the one compliance model (the governance module reuses it for compliance
# officers' attestations). A requirement is attested for a period by a named person of either
# party, with evidence; it is overdue when its due date passes without an attestation.
# ---------------------------------------------------------------------------------------------


# An attestation whose period ends this close to the due date (or later) attests the current
# period; from this long before the due date the officers owe it.
ATTESTATION_WINDOW = timedelta(days=31)


class ComplianceRequirement(TenantModel):
    class Framework(models.TextChoices):
        GDPR = "gdpr", "GDPR (data protection)"
        SOX = "sox", "SOX (financial controls)"
        ANTI_BRIBERY = "anti_bribery", "Anti-bribery and corruption"
        LABOUR = "labour", "Labour and human rights"
        ENVIRONMENT = "environment", "Environment"
        OTHER = "other", "Other"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="compliance_requirements"
    )
    framework = models.CharField(max_length=20, choices=Framework.choices)
    jurisdiction = models.CharField(
        max_length=20, help_text="Where it applies: a country code (DE) or a region (EU)."
    )
    title = models.CharField(max_length=200)
    our_standard = models.TextField(blank=True, help_text="What our policy requires.")
    partner_standard = models.TextField(blank=True, help_text="What the partner's policy says.")
    harmonised_standard = models.TextField(
        blank=True, help_text="The standard both parties agreed to apply."
    )
    attestation_months = models.PositiveSmallIntegerField(
        default=12, help_text="How often it must be attested."
    )
    due_on = models.DateField(help_text="The next attestation is due by this date.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The due date whose reminder went to the compliance officers still owing it (once each).
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attestation_months__gte=1, attestation_months__lte=60),
                name="compliancerequirement_months_range",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="compliancereq_partnership"),
            models.Index(fields=["organization", "due_on"], name="compliancereq_due"),
        ]

    def __str__(self):
        return f"{self.get_framework_display()} · {self.title}"

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today


class ComplianceOfficer(TenantModel):
    """The person of one party answerable for a framework (anti-bribery, labour, environment,
    data protection, ...) in a partnership: they attest each period of the partnership's
    requirements of that framework. One per framework and party; appointing replaces."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="compliance_officers"
    )
    framework = models.CharField(max_length=20, choices=ComplianceRequirement.Framework.choices)
    party = models.CharField(max_length=20, choices=BREACH_PARTY_CHOICES)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["framework", "party", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "framework", "party"],
                name="complianceofficer_one_per_framework_party",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_framework_display()})"

    def get_partnership(self):
        return self.partnership

    def owes(self, requirement: "ComplianceRequirement", attestations, *, today: date) -> bool:
        """Whether this officer owes the requirement's current period on `today`
        (`attestations`: the requirement's, loaded): the window is open and they have not
        attested it."""
        if (self.partnership_id, self.framework) != (
            requirement.partnership_id,
            requirement.framework,
        ):
            return False
        if today < requirement.due_on - ATTESTATION_WINDOW:
            return False
        return not any(
            a.attested_by_id == self.user_id
            and a.period_end >= requirement.due_on - ATTESTATION_WINDOW
            for a in attestations
        )

    def is_overdue(self, requirement: "ComplianceRequirement", attestations, *, today: date):
        return requirement.due_on < today and self.owes(requirement, attestations, today=today)


def evidence_upload_to(instance, filename: str) -> str:
    return f"risk/evidence/{tenant_folder(instance)}/{filename}"


class Attestation(TenantModel):
    """A named person attests that a requirement was met for a period (or records an exception),
    with the evidence."""

    class Outcome(models.TextChoices):
        COMPLIANT = "compliant", "Compliant"
        EXCEPTION = "exception", "Exception noted"

    requirement = models.ForeignKey(
        ComplianceRequirement, on_delete=models.CASCADE, related_name="attestations"
    )
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    party = models.CharField(max_length=20, choices=BREACH_PARTY_CHOICES)
    period_start = models.DateField()
    period_end = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.COMPLIANT)
    statement = models.TextField()
    evidence = models.FileField(upload_to=evidence_upload_to, blank=True)
    attested_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="attestation_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["organization", "requirement", "attested_by", "period_start"],
                name="attestation_once_per_person_period",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "requirement"], name="attestation_requirement")
        ]

    def __str__(self):
        return f"{self.requirement} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def get_partnership(self):
        return self.requirement.partnership


class ForceMajeureEvent(TenantModel):
    class Status(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        ENDED = "ended", "Ended"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="force_majeure_events"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    affected_obligations = models.TextField(blank=True)
    notice_deadline = models.DateField(help_text="Notice must be given by this date.")
    notice_given_on = models.DateField(null=True, blank=True)
    escalation_steps = models.TextField(blank=True)
    alternative_sourcing_required = models.BooleanField(default=True)
    alternative_sourcing_met = models.BooleanField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ONGOING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="forcemajeure_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(notice_deadline__gte=F("started_on")),
                name="forcemajeure_notice_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="forcemajeure_partnership")
        ]

    def __str__(self):
        return self.title

    def notice_late(self, today: date) -> bool:
        given = self.notice_given_on
        return given > self.notice_deadline if given else today > self.notice_deadline


# The status follows the end date (force_majeure_update): an event may be edited while ongoing
# or once ended (notice, escalation steps, a corrected end date), and it ends once. An ended
# event is never ongoing again: clearing its end date is refused (if the disruption comes back,
# that is a new event with its own notice deadline).
FORCE_MAJEURE_LIFECYCLE = lifecycle(
    "force majeure event",
    {"ongoing": {"ongoing", "ended"}, "ended": {"ended"}},
)


class IncidentResponsePlan(TenantModel):
    """The supply-disruption response both parties agreed: roles, contact tree, steps."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="incident_response_plans"
    )
    roles = models.TextField(help_text="Who leads, who decides, who communicates.")
    contact_tree = models.TextField(help_text="Who calls whom, in order, with phone numbers.")
    steps = models.TextField(help_text="The steps, first hour to recovery.")
    last_tested_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="incidentplan_one_per_partnership"
            )
        ]

    def __str__(self):
        return f"Incident response plan · {self.partnership}"


class WatchItem(TenantModel):
    """A geopolitical or regulatory change to watch, tagged to countries and categories; the
    partnerships whose partner is in one of the countries or whose category is tagged are
    flagged as exposed."""

    class Kind(models.TextChoices):
        GEOPOLITICAL = "geopolitical", "Geopolitical"
        REGULATORY = "regulatory", "Regulatory"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    countries = models.CharField(
        max_length=200, blank=True, help_text="Country codes, comma-separated (DE, CN, TW)."
    )
    categories = models.CharField(
        max_length=300, blank=True, help_text="Categories, comma-separated (Electronics, Steel)."
    )
    effective_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def country_list(self) -> list[str]:
        return [c.strip().upper() for c in self.countries.split(",") if c.strip()]

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.split(",") if c.strip()]
