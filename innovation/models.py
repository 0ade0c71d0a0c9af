"""Models of the innovation module: improvement initiatives (submitted by either party, scored
by both on weighted criteria, decided, tracked to the realised benefit in finance's savings
ledger), pilots with KPI success criteria and a go / no-go decision, sourcing models
co-developed by the alliance, cross-organization task forces, knowledge-sharing sessions and
joint supplier development.

Lessons learned are not a model here: they become `exit_planning.PlaybookChange` rows (the one
mechanism for proposed playbook and training-material changes), with the initiative, pilot,
task force or supplier programme as their generic source.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel, tenant_folder
from tenancy.money import Money, amount_field, currency_field

USER = settings.AUTH_USER_MODEL

INITIATIVE_LIFECYCLE = lifecycle(
    "improvement initiative",
    {
        "proposed": {"approved", "parked", "rejected"},
        "parked": {"proposed", "rejected"},
        "approved": {"pilot", "implemented", "rejected"},
        "pilot": {"implemented", "rejected"},
        "implemented": (),
        "rejected": (),
    },
)
PILOT_LIFECYCLE = lifecycle(
    "pilot",
    {
        "planned": {"running", "cancelled"},
        "running": {"go", "no_go"},
        "go": (),
        "no_go": (),
        "cancelled": (),
    },
)
SOURCING_MODEL_LIFECYCLE = lifecycle(
    "sourcing model",
    {
        "idea": {"design", "retired"},
        "design": {"pilot", "live", "retired"},
        "pilot": {"live", "retired"},
        "live": {"retired"},
        "retired": (),
    },
)
TASK_FORCE_LIFECYCLE = lifecycle(
    "task force", {"forming": {"active"}, "active": {"closed"}, "closed": ()}
)
SUPPLIER_PROGRAMME_LIFECYCLE = lifecycle(
    "supplier development programme",
    {"planned": {"active"}, "active": {"completed", "stopped"}, "completed": (), "stopped": ()},
)

# The criteria every new initiative is evaluated on (the buyer may add more before scoring).
DEFAULT_CRITERIA = (
    ("Value to both parties", Decimal("40")),
    ("Feasibility", Decimal("30")),
    ("Risk", Decimal("30")),
)
SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Party(models.TextChoices):
    BUYER = "buyer", "Our organization"
    PARTNER = "partner", "The partner"


class ImprovementInitiative(TenantModel):
    """An improvement idea from either party: the problem, the proposal, the benefit expected
    (money and KPIs), the effort, its owner; scored by both parties, decided, then tracked to
    the benefit realised in the savings ledger (finance.SavingsEntry.initiative)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Under evaluation"
        PARKED = "parked", "Parked"
        APPROVED = "approved", "Approved"
        PILOT = "pilot", "In pilot"
        IMPLEMENTED = "implemented", "Implemented"
        REJECTED = "rejected", "Rejected"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    title = models.CharField(max_length=200)
    problem = models.TextField(blank=True, help_text="What is wrong or missed today.")
    proposal = models.TextField(blank=True, help_text="What the initiative changes.")
    submitted_by_side = models.CharField(max_length=10, choices=Party.choices, default=Party.BUYER)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="Who carries it.")
    impact = models.PositiveSmallIntegerField(default=3, validators=SCORE_VALIDATORS)
    effort = models.PositiveSmallIntegerField(
        default=3, validators=SCORE_VALIDATORS, help_text="1 = a few days, 5 = a programme."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    expected_benefit = amount_field(null=True, blank=True)
    expected_kpi_effect = models.TextField(
        blank=True, help_text="The KPIs it should move, and by how much."
    )
    realised_benefit = amount_field(null=True, blank=True)
    currency = currency_field()
    internal_note = models.TextField(
        blank=True, help_text="Our internal note: never shown to the partner."
    )
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="initiative_partnership")
        ]

    def __str__(self):
        return self.title

    @property
    def priority(self) -> Decimal:
        """Impact per unit of effort: the quick wins first."""
        return (Decimal(self.impact) / Decimal(self.effort)).quantize(Decimal("0.01"))

    @property
    def expected(self) -> Money | None:
        if self.expected_benefit is None:
            return None
        return Money(self.expected_benefit, self.currency)

    @property
    def realised(self) -> Money:
        return Money(self.realised_benefit or Decimal(0), self.currency)


class EvaluationCriterion(TenantModel):
    """One criterion of an initiative's evaluation, with its weight."""

    initiative = models.ForeignKey(
        ImprovementInitiative, on_delete=models.CASCADE, related_name="criteria", db_index=False
    )
    name = models.CharField(max_length=120)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "initiative"], name="criterion_initiative")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "initiative", "name"], name="criterion_unique_name"
            )
        ]

    def __str__(self):
        return self.name

    def get_partnership(self):
        return self.initiative.partnership


class CriterionScore(TenantModel):
    """One party's score (1-5) of one criterion: each party scores each criterion once. The
    comment of the buyer's score is an internal evaluation comment, never shown to guests."""

    criterion = models.ForeignKey(
        EvaluationCriterion, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    party = models.CharField(max_length=10, choices=Party.choices)
    score = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    comment = models.TextField(blank=True)
    scored_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["criterion_id", "party"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "criterion", "party"], name="score_once_per_party"
            )
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score} ({self.party})"

    def get_partnership(self):
        return self.criterion.initiative.partnership


class Pilot(TenantModel):
    """A pilot of an approved initiative or of an emerging technology (AI spend analytics,
    traceability), with KPI success criteria and a go / no-go decision resting on evidence."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running"
        GO = "go", "Go"
        NO_GO = "no_go", "No-go"
        CANCELLED = "cancelled", "Cancelled"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    initiative = models.ForeignKey(
        ImprovementInitiative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilots",
        db_index=False,
    )
    title = models.CharField(max_length=200)
    technology = models.CharField(
        max_length=120, blank=True, help_text="The emerging technology piloted, if any."
    )
    scope = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    evidence = models.TextField(blank=True, help_text="What the go / no-go decision rests on.")
    # The success criteria's KPI values when the decision was taken.
    evidence_snapshot = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["organization", "partnership"], name="pilot_partnership")]

    def __str__(self):
        return self.title


class PilotCriterion(TenantModel):
    """A success criterion of a pilot: a KPI of the partnership and the value to reach."""

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="criteria", db_index=False
    )
    kpi = models.ForeignKey(
        "performance.Kpi", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    target = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "pilot"], name="pilotcriterion_pilot")]

    def __str__(self):
        return f"{self.kpi} → {self.target}"

    def get_partnership(self):
        return self.pilot.partnership


class SourcingModel(TenantModel):
    """A new sourcing model co-developed by the alliance: consortium bidding, a shared
    vendor-management office ...; the participating organizations are free names."""

    class Kind(models.TextChoices):
        CONSORTIUM = "consortium_bidding", "Consortium bidding"
        SHARED_VMO = "shared_vmo", "Shared vendor-management office"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        IDEA = "idea", "Idea"
        DESIGN = "design", "In design"
        PILOT = "pilot", "In pilot"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONSORTIUM)
    description = models.TextField(blank=True)
    participants = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDEA)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="sourcingmodel_partnership")
        ]

    def __str__(self):
        return self.name


class TaskForce(TenantModel):
    """A task force across both organizations for a complex category."""

    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=120)
    mandate = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    outcomes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="taskforce_partnership")
        ]

    def __str__(self):
        return self.name


class TaskForceMember(TenantModel):
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    name = models.CharField(max_length=200)
    party = models.CharField(max_length=10, choices=Party.choices)
    role = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["party", "name", "pk"]
        indexes = [models.Index(fields=["organization", "task_force"], name="tfmember_taskforce")]

    def __str__(self):
        return self.name

    def get_partnership(self):
        return self.task_force.partnership


class TaskForceMilestone(TenantModel):
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="milestones", db_index=False
    )
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["organization", "task_force"], name="tfmilestone_taskforce")
        ]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.task_force.partnership


class KnowledgeSession(TenantModel):
    """A knowledge-sharing session on category management: agenda, attendees of both parties,
    materials and follow-ups."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    agenda = models.TextField(blank=True)
    follow_ups = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="ksession_partnership")
        ]

    def __str__(self):
        return self.title


class SessionAttendee(TenantModel):
    session = models.ForeignKey(
        KnowledgeSession, on_delete=models.CASCADE, related_name="attendees", db_index=False
    )
    name = models.CharField(max_length=200)
    party = models.CharField(max_length=10, choices=Party.choices)

    class Meta:
        ordering = ["party", "name", "pk"]
        indexes = [models.Index(fields=["organization", "session"], name="attendee_session")]

    def __str__(self):
        return self.name

    def get_partnership(self):
        return self.session.partnership


def material_upload_to(instance, filename: str) -> str:
    return f"innovation/materials/{tenant_folder(instance)}/{filename}"


class SessionMaterial(TenantModel):
    session = models.ForeignKey(
        KnowledgeSession, on_delete=models.CASCADE, related_name="materials", db_index=False
    )
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=material_upload_to)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "session"], name="material_session")]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.session.partnership


class SupplierProgramme(TenantModel):
    """Joint supplier development: both parties invest in a shared supplier's quality or
    delivery, measured by target KPIs (baseline against the latest measurement)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    supplier_name = models.CharField(max_length=200, help_text="The shared supplier.")
    title = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supplier_name", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="supplierprog_partnership")
        ]

    def __str__(self):
        return f"{self.supplier_name}: {self.title}"


class SupplierInvestment(TenantModel):
    programme = models.ForeignKey(
        SupplierProgramme, on_delete=models.CASCADE, related_name="investments", db_index=False
    )
    party = models.CharField(max_length=10, choices=Party.choices)
    description = models.CharField(max_length=300)
    amount = amount_field(validators=[MinValueValidator(Decimal("0.01"))])
    currency = currency_field()
    invested_on = models.DateField()

    class Meta:
        ordering = ["invested_on", "pk"]
        indexes = [models.Index(fields=["organization", "programme"], name="investment_programme")]

    def __str__(self):
        return self.description

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def get_partnership(self):
        return self.programme.partnership


class SupplierTargetKpi(TenantModel):
    """A KPI the programme should move: its baseline when the programme started and the target;
    the movement reads the KPI's latest approved measurement."""

    programme = models.ForeignKey(
        SupplierProgramme, on_delete=models.CASCADE, related_name="targets", db_index=False
    )
    kpi = models.ForeignKey(
        "performance.Kpi", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    baseline = models.DecimalField(max_digits=18, decimal_places=4)
    target = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "programme"], name="targetkpi_programme")]

    def __str__(self):
        return f"{self.kpi}: {self.baseline} → {self.target}"

    def get_partnership(self):
        return self.programme.partnership
