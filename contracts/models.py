"""Models of the contracts module: agreements and their hierarchy, clauses with versions and
review comments, the organization's clause playbook, document intake jobs and obligations.

Deviations from the playbook are not stored: they are computed from the clause parameters and
the playbook rules every time (`contracts.playbook`), so they can never go stale.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from contracts.detection.taxonomy import CHOICES as CLAUSE_TYPE_CHOICES
from partnerships.models import Partnership, TenantObjectPermissionManager
from tenancy.jobs import JobStatus, UploadJob
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel, tenant_folder
from tenancy.money import Money, amount_field, currency_field

AGREEMENT_LIFECYCLE = lifecycle(
    "agreement",
    {
        "draft": {"in_legal_review"},
        "in_legal_review": {"draft", "approved"},
        "approved": {"executed", "in_legal_review"},
        "executed": {"expired", "terminated"},
        "expired": set(),
        "terminated": set(),
    },
)


class Agreement(TenantModel):
    class Type(models.TextChoices):
        MSA = "msa", "Master services agreement"
        SOW = "sow", "Statement of work"
        JV = "jv", "Joint venture agreement"
        NDA = "nda", "Non-disclosure agreement"
        DPA = "dpa", "Data processing agreement"
        SLA = "sla", "SLA schedule"
        AMENDMENT = "amendment", "Amendment"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_LEGAL_REVIEW = "in_legal_review", "In legal review"
        APPROVED = "approved", "Approved"
        EXECUTED = "executed", "Executed"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    class TermType(models.TextChoices):
        FIXED = "fixed", "Fixed term"
        AUTO_RENEWING = "auto_renewing", "Auto-renewing"
        PERPETUAL = "perpetual", "Perpetual (until terminated)"

    class CapType(models.TextChoices):
        NONE = "none", "Not stated"
        FIXED = "fixed", "Fixed amount"
        FEE_MULTIPLE = "fee_multiple", "Multiple of annual fees"
        UNCAPPED = "uncapped", "Uncapped"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="agreements"
    )
    agreement_type = models.CharField(max_length=20, choices=Type.choices, default=Type.MSA)
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=60, blank=True)
    # A SOW, SLA schedule or DPA under its MSA.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # An amendment changes this agreement from its own effective date on.
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    # A list of {name, role} objects, e.g. name "Alder Components GmbH", role "supplier".
    parties = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(
        null=True, blank=True, help_text="End of the initial term (auto-renewing: first end)."
    )
    term_type = models.CharField(max_length=20, choices=TermType.choices, default=TermType.FIXED)
    renewal_period_months = models.PositiveIntegerField(null=True, blank=True)
    notice_period_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Notice needed before the end of a term to stop it."
    )
    value = amount_field(null=True, blank=True)
    annual_value = amount_field(
        null=True, blank=True, help_text="Annual fees: the base of liability-cap multiples."
    )
    currency = currency_field()
    governing_law = models.CharField(max_length=100, blank=True)
    jurisdiction = models.CharField(max_length=100, blank=True)
    # [{"step": "negotiation", "days": 30}, {"step": "mediation", "days": 45},
    #  {"step": "arbitration", "seat": "London", "rules": "LCIA"}] or {"step": "courts", ...}
    dispute_resolution = models.JSONField(default=list, blank=True)
    liability_cap_type = models.CharField(
        max_length=20, choices=CapType.choices, default=CapType.NONE
    )
    liability_cap_amount = amount_field(null=True, blank=True)
    liability_cap_multiple = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    executed_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership_id", "effective_date", "pk"]
        permissions = [("review_agreement", "Can review the agreement")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True)
                | models.Q(effective_date__isnull=True)
                | models.Q(expiry_date__gte=models.F("effective_date")),
                name="agreement_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="agreement_status"),
            models.Index(fields=["organization", "partnership"], name="agreement_partnership"),
            models.Index(fields=["organization", "expiry_date"], name="agreement_expiry"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.term_type == self.TermType.AUTO_RENEWING and not self.renewal_period_months:
            errors["renewal_period_months"] = "An auto-renewing agreement needs a renewal period."
        if self.term_type == self.TermType.AUTO_RENEWING and not self.expiry_date:
            errors["expiry_date"] = "An auto-renewing term needs the end of its initial term."
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "An agreement cannot be its own parent."
        if self.amends_id and self.amends_id == self.pk:
            errors["amends"] = "An agreement cannot amend itself."
        if self.agreement_type == self.Type.AMENDMENT and not self.amends_id:
            errors["amends"] = "Say which agreement this amendment changes."
        if self.agreement_type != self.Type.AMENDMENT and self.amends_id:
            errors["agreement_type"] = "Only an amendment amends another agreement."
        if self.liability_cap_type == self.CapType.FIXED and self.liability_cap_amount is None:
            errors["liability_cap_amount"] = "A fixed cap needs its amount."
        if self.liability_cap_type == self.CapType.FEE_MULTIPLE and not self.liability_cap_multiple:
            errors["liability_cap_multiple"] = "A fee-multiple cap needs its multiple."
        for field, other in (("parent", self.parent), ("amends", self.amends)):
            if other is not None and other.partnership_id != self.partnership_id:
                errors[field] = "It must belong to the same partnership."
        if errors:
            raise ValidationError(errors)

    @property
    def value_money(self) -> Money | None:
        return Money(self.value, self.currency) if self.value is not None else None

    @property
    def annual_value_money(self) -> Money | None:
        return Money(self.annual_value, self.currency) if self.annual_value is not None else None

    @property
    def dispute_steps(self) -> list[str]:
        """The dispute ladder in words: "Negotiation → Arbitration (London, LCIA)"."""
        labels = {
            "negotiation": "Negotiation",
            "mediation": "Mediation",
            "expert_determination": "Expert determination",
            "arbitration": "Arbitration",
            "courts": "Courts",
        }
        steps = []
        for step in self.dispute_resolution if isinstance(self.dispute_resolution, list) else []:
            if not isinstance(step, dict):
                continue
            text = labels.get(step.get("step"), str(step.get("step", "")).replace("_", " "))
            where = ", ".join(str(step[k]) for k in ("seat", "rules") if step.get(k))
            steps.append(f"{text} ({where})" if where else text)
        return steps

    @property
    def liability_cap_label(self) -> str:
        if self.liability_cap_type == self.CapType.FIXED and self.liability_cap_amount is not None:
            return str(Money(self.liability_cap_amount, self.currency))
        if self.liability_cap_type == self.CapType.FEE_MULTIPLE and self.liability_cap_multiple:
            return f"{self.liability_cap_multiple.normalize():f}× annual fees"
        return self.get_liability_cap_type_display()


class AgreementUserObjectPermission(UserObjectPermissionBase, TenantModel):
    """Guardian's direct-foreign-key permission table for agreements, carrying the tenant.

    An assigned legal reviewer holds `review_agreement` on the agreement.
    """

    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)

    objects = TenantObjectPermissionManager()
    unscoped_objects = models.Manager()

    class Meta(UserObjectPermissionBase.Meta):
        unique_together = ()
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "permission", "content_object"],
                name="agreement_perm_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "content_object", "permission"], name="agreement_perm_obj"
            )
        ]

    def save(self, *args, **kwargs):
        if self.organization_id is None and self.content_object_id is not None:
            self.organization_id = self.content_object.organization_id
        super().save(*args, **kwargs)


class Clause(TenantModel):
    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided"
        ACCEPTED = "accepted", "Accepted"
        REDLINE = "redline", "Redline proposed"
        REJECTED = "rejected", "Rejected (struck)"

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        DETECTED = "detected", "Detected in an upload"

    class Proposal(models.TextChoices):
        NONE = "", "—"
        PROPOSED = "proposed", "Proposed by the detector"
        CONFIRMED = "confirmed", "Confirmed by legal"
        CORRECTED = "corrected", "Corrected by legal"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="clauses")
    clause_type = models.CharField(max_length=40, choices=CLAUSE_TYPE_CHOICES)
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)
    # Normalised, playbook-checkable values: cap_multiple, cap_amount, notice_days,
    # arbitration_seat, arbitration_rules, governing_law, percentages, renewal_months ...
    parameters = models.JSONField(default=dict, blank=True)
    risk = models.CharField(max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    proposal = models.CharField(max_length=10, choices=Proposal.choices, blank=True, default="")
    # What the detector said, kept unchanged so corrections can be measured later.
    detection = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    # A redline is a proposal to the partner: the clause is settled once the partner agrees.
    partner_agreed_at = models.DateTimeField(null=True, blank=True)
    partner_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Accepting a clause that breaks a red line is the only way to waive it: the written
    # justification (and who gave it) is kept here and in the audit trail.
    red_line_waiver = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agreement_id", "order", "pk"]
        indexes = [
            models.Index(fields=["organization", "agreement", "order"], name="clause_agreement"),
            models.Index(fields=["organization", "clause_type"], name="clause_type"),
        ]

    def __str__(self):
        return f"{self.get_clause_type_display()} ({self.agreement})"

    def get_partnership(self):
        return self.agreement.partnership

    @property
    def stated_terms(self) -> list[tuple[str, object]]:
        """The parameters in words (the playbook's description), for pages and the PDF."""
        from contracts.playbook import PARAMETERS

        return [
            (PARAMETERS.get(name, name.replace("_", " ").capitalize()), value)
            for name, value in (self.parameters or {}).items()
        ]

    @property
    def is_settled(self) -> bool:
        """Accepted, or a redline the partner agreed to: what approval needs of every clause."""
        return self.decision == self.Decision.ACCEPTED or (
            self.decision == self.Decision.REDLINE and self.partner_agreed_at is not None
        )


# The decisions a reviewer can take (a clause starts as "pending").
# The statuses a reader of an agreement may be shown (contracts.selectors.status_shown): the
# model's, plus the one a partner guest reads for the buyer's legal review and approval.
IN_NEGOTIATION = "in_negotiation"
AGREEMENT_STATUSES_SHOWN = [*Agreement.Status.choices, (IN_NEGOTIATION, "In negotiation")]

REVIEW_DECISIONS = [(v, label) for v, label in Clause.Decision.choices if v != "pending"]


class ClauseVersion(TenantModel):
    class Kind(models.TextChoices):
        ORIGINAL = "original", "Original"
        DETECTED = "detected", "Detected"
        EDIT = "edit", "Edited"
        CORRECTION = "correction", "Detection corrected"
        REDLINE = "redline", "Redline"

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ORIGINAL)
    clause_type = models.CharField(max_length=40, choices=CLAUSE_TYPE_CHOICES)
    text = models.TextField()
    parameters = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["clause_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clause", "number"], name="clauseversion_unique_number"
            )
        ]

    def __str__(self):
        return f"v{self.number} of {self.clause_id}"

    def get_partnership(self):
        return self.clause.agreement.partnership


class ClauseComment(TenantModel):
    """A threaded review comment on a clause; a decision is a comment with `decision` set.

    Internal comments are the buyer's own; shared ones (and every comment a partner guest
    writes) are visible to the partner."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", "Internal"
        SHARED = "shared", "Shared with the partner"

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Clause.Decision.choices, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["clause_id", "created_at", "pk"]
        indexes = [models.Index(fields=["organization", "clause"], name="clausecomment_clause")]

    def __str__(self):
        return f"Comment on {self.clause_id}"

    def get_partnership(self):
        return self.clause.agreement.partnership


class PlaybookClause(TenantModel):
    """The organization's position on one clause type: preferred wording, fallbacks, red lines."""

    clause_type = models.CharField(max_length=40, choices=CLAUSE_TYPE_CHOICES)
    preferred_text = models.TextField(blank=True)
    fallback_texts = models.JSONField(default=list, blank=True)
    red_lines = models.JSONField(
        default=list, blank=True, help_text="Positions legal never accepts, in words."
    )
    guidance = models.TextField(blank=True)
    required = models.BooleanField(
        default=False, help_text="An MSA without this clause is a red-line deviation."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clause_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clause_type"], name="playbookclause_unique_type"
            )
        ]

    def __str__(self):
        return f"Playbook: {self.get_clause_type_display()}"


class PlaybookRule(TenantModel):
    """A machine-checkable rule on a clause parameter (cap_multiple >= 1, notice_days >= 90 ...)."""

    class Operator(models.TextChoices):
        GTE = "gte", "at least"
        LTE = "lte", "at most"
        EQ = "eq", "equals"
        IN = "in", "one of"
        NOT_IN = "not_in", "none of"
        PRESENT = "present", "is stated"

    class Severity(models.TextChoices):
        RED_LINE = "red_line", "Red line"
        WARNING = "warning", "Fallback (warning)"

    class WaivedBy(models.TextChoices):
        ORG_ADMIN = "org_admin", "Organization admins"
        LEGAL = "legal", "Legal reviewers and organization admins"

    playbook_clause = models.ForeignKey(
        PlaybookClause, on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(max_length=200)
    parameter = models.CharField(max_length=40)
    operator = models.CharField(max_length=10, choices=Operator.choices)
    value = models.JSONField(default=None, null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    waived_by = models.CharField(
        max_length=10,
        choices=WaivedBy.choices,
        default=WaivedBy.ORG_ADMIN,
        help_text="Who may accept a clause that breaks this red line (with a written reason).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["playbook_clause_id", "pk"]
        indexes = [
            models.Index(fields=["organization", "playbook_clause"], name="playbookrule_clause")
        ]

    def __str__(self):
        return self.name

    @property
    def clause_type(self) -> str:
        return self.playbook_clause.clause_type

    @property
    def parameter_label(self) -> str:
        """The parameter the rule tests, in words (the playbook's description)."""
        from contracts.playbook import PARAMETERS

        return PARAMETERS.get(self.parameter, self.parameter.replace("_", " ").capitalize())


class IntakeJob(UploadJob):
    """One uploaded contract being read: text extraction, clause detection, proposals. A job of
    the kernel's design (tenancy.jobs): status through the job lifecycle, one progress helper,
    enqueued by task name, failed with a visible reason past the redelivery limit."""

    Status = JobStatus
    job_action_prefix = "contracts.intake"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="contract_intakes"
    )
    agreement_type = models.CharField(
        max_length=20, choices=Agreement.Type.choices, default=Agreement.Type.MSA
    )
    title = models.CharField(max_length=200)
    parent = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="intakes"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="intakejob_status")]

    def __str__(self):
        return f"Intake of {self.filename}"


# An open obligation is fulfilled (a recurring one stays open and rolls forward until its last
# occurrence) or waived with a written reason (the other party released us from it, the SOW it
# served was cancelled). Both are final: a waived obligation never falls due again, and a
# fulfilled one is not waived afterwards.
OBLIGATION_LIFECYCLE = lifecycle(
    "obligation",
    {"open": {"fulfilled", "waived"}, "fulfilled": set(), "waived": set()},
)


class Obligation(TenantModel):
    class Party(models.TextChoices):
        US = "us", "Our organization"
        PARTNER = "partner", "The partner"
        BOTH = "both", "Both parties"

    class Recurrence(models.TextChoices):
        NONE = "", "Once"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUALLY = "annually", "Annually"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FULFILLED = "fulfilled", "Fulfilled"
        WAIVED = "waived", "Waived"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="obligations"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    responsible_party = models.CharField(
        max_length=10, choices=Party.choices, default=Party.PARTNER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField(blank=True)
    evidence_url = models.URLField(blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    # Who released the organization from the obligation, when and why (obligation_waive).
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    waive_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="obligation_due"),
            models.Index(fields=["organization", "agreement"], name="obligation_agreement"),
        ]

    def __str__(self):
        return self.title

    def get_partnership(self):
        return self.agreement.partnership


def _evidence_path(instance, filename):
    return f"contracts/evidence/{tenant_folder(instance)}/{instance.obligation_id}/{filename}"


class ObligationFulfilment(TenantModel):
    """One fulfilment of an obligation (a recurring one has one per occurrence), with what
    proves it: a note, a link and/or a file."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="fulfilments")
    due_date = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    evidence_url = models.URLField(blank=True)
    evidence_file = models.FileField(upload_to=_evidence_path, blank=True, max_length=300)
    evidence_filename = models.CharField(max_length=255, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fulfilled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["obligation_id", "-fulfilled_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "obligation", "fulfilled_at"],
                name="obligationfulfilment_obl",
            )
        ]

    def __str__(self):
        return f"Fulfilment of {self.obligation_id}"

    def get_partnership(self):
        return self.obligation.agreement.partnership


class ClauseFeedback(TenantModel):
    """A reviewer's correction of a detected clause's type: training data for the clause model.

    Kept apart from the clause so that it survives the clause's later edits or deletion and can be
    exported as is (``manage.py export_clause_feedback``): the segment as the detector saw it,
    what the detector proposed (with its confidence) and what legal says it is.
    """

    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    proposed_type = models.CharField(max_length=40, choices=CLAUSE_TYPE_CHOICES)
    corrected_type = models.CharField(max_length=40, choices=CLAUSE_TYPE_CHOICES)
    confidence = models.FloatField(null=True, blank=True)
    detection_source = models.CharField(max_length=10, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["organization", "created_at"], name="clausefeedback_time")]

    def __str__(self):
        return f"{self.proposed_type} → {self.corrected_type}"
