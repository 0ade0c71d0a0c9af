"""Models of the integrations module: EDI documents received from partners, their lines and the
findings about them (see docs/integrations.md).

Every received message is kept as it came (`EdiDocument.content`), including the ones that could
not be read: a partner's message is never lost. The lines are the normalised view of the message,
whatever its standard (EDIFACT, X12, UBL), inserted in bulk; the findings say what is wrong with
a message (envelope, counts, totals) or with its agreement with the order it references.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.edi.result import DOC_TYPES, FINDING_CODES, SEVERITIES, STANDARDS
from partnerships.models import Partnership
from tenancy.jobs import Job, JobStates
from tenancy.models import TenantModel
from tenancy.money import Money, amount_field

# An EDI document is a job (tenancy.jobs): received = queued (and being read: the reading task
# works in one transaction, so no separate running state is ever visible), accepted =
# succeeded, rejected = failed (unreadable, with the reason in `error`).
EDI_DOCUMENT_STATES = JobStates(
    queued="received", running="received", succeeded="accepted", failed="rejected"
)
EDI_DOCUMENT_LIFECYCLE = EDI_DOCUMENT_STATES.lifecycle("EDI document")


class EdiDocument(Job):
    """One business message (order, invoice, despatch advice) received from a partner; a job
    (tenancy.jobs.Job) that the reading task works on."""

    job_states = EDI_DOCUMENT_STATES
    job_action_prefix = "integrations.edi_document"

    Standard = models.TextChoices("Standard", [(v.upper(), (v, label)) for v, label in STANDARDS])
    DocType = models.TextChoices("DocType", [(v.upper(), (v, label)) for v, label in DOC_TYPES])

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not read yet"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected (unreadable)"

    class Channel(models.TextChoices):
        API = "api", "API"
        UPLOAD = "upload", "Upload"
        FEED = "feed", "Feed"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="edi_documents"
    )
    standard = models.CharField(max_length=10, choices=Standard.choices, default="unknown")
    doc_type = models.CharField(max_length=20, choices=DocType.choices, default="unknown")
    message_type = models.CharField(
        max_length=20, blank=True, help_text="As sent: INVOIC, 850, Invoice …"
    )
    syntax_version = models.CharField(max_length=20, blank=True, help_text="D:03B, 004010, 2.1 …")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    sender_id = models.CharField(max_length=100, blank=True)
    receiver_id = models.CharField(max_length=100, blank=True)
    interchange_control_number = models.CharField(max_length=35, blank=True)
    message_control_number = models.CharField(max_length=35, blank=True)
    document_number = models.CharField(max_length=70, blank=True)
    order_reference = models.CharField(
        max_length=70, blank=True, help_text="The buyer's order number this document refers to."
    )
    issue_date = models.DateField(null=True, blank=True)
    # ISO 4217 as sent: partners' messages carry currencies beyond the ones we bill in.
    currency = models.CharField(max_length=3, blank=True)
    declared_total = amount_field(
        null=True, blank=True, help_text="The total the sender declares for the lines."
    )
    document_total = amount_field(
        null=True, blank=True, help_text="The document's total with charges and taxes."
    )
    line_total = amount_field(null=True, blank=True, help_text="The sum of the line amounts.")
    line_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    # The message exactly as received; kept for every status.
    content = models.BinaryField()
    error = models.TextField(blank=True, help_text="Why the message could not be read.")
    received_via = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # A resend of the same bytes is the same message: ingestion returns the first one.
            models.UniqueConstraint(
                fields=["organization", "sha256"], name="edidocument_unique_sha256"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "received_at"], name="edidocument_received"),
            models.Index(
                fields=["organization", "partnership", "received_at"],
                name="edidocument_partnership",
            ),
            # The order an invoice or despatch advice refers to.
            models.Index(
                fields=["organization", "partnership", "doc_type", "document_number"],
                name="edidocument_number",
            ),
            models.Index(fields=["organization", "status"], name="edidocument_status"),
        ]

    def __str__(self):
        label = self.document_number or self.filename or f"#{self.pk}"
        return f"{self.get_doc_type_display()} {label}"

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def _money(self, amount) -> Money | None:
        return Money(amount, self.currency) if amount is not None and self.currency else None

    @property
    def declared_total_money(self) -> Money | None:
        return self._money(self.declared_total)

    @property
    def document_total_money(self) -> Money | None:
        return self._money(self.document_total)

    @property
    def line_total_money(self) -> Money | None:
        return self._money(self.line_total)


class EdiDocumentLine(TenantModel):
    """One line of a document, normalised. Inserted in bulk by the ingestion service; the
    partnership is repeated from the document so per-partnership queries need no join."""

    document = models.ForeignKey(
        EdiDocument, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    line_number = models.PositiveIntegerField()
    buyer_item_code = models.CharField(max_length=64, blank=True)
    seller_item_code = models.CharField(max_length=64, blank=True)
    gtin = models.CharField(
        max_length=64, blank=True, help_text="Standard item number: GTIN/EAN/UPC (or ISBN)."
    )
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit = models.CharField(max_length=16, blank=True)
    unit_price = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    line_amount = amount_field(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["document_id", "pk"]
        indexes = [
            # Lines of a document in order (keyset pagination on id).
            models.Index(fields=["organization", "document", "id"], name="edidocline_document"),
            models.Index(fields=["organization", "partnership"], name="edidocline_partnership"),
        ]

    def __str__(self):
        return f"Line {self.line_number} of {self.document_id}"

    @property
    def item_code(self) -> str:
        return self.gtin or self.buyer_item_code or self.seller_item_code

    @property
    def quantity_text(self) -> str:
        return f"{self.quantity.normalize():f}"

    @property
    def unit_price_text(self) -> str:
        return f"{self.unit_price.normalize():f}" if self.unit_price is not None else ""

    @property
    def line_amount_money(self) -> Money | None:
        return Money(self.line_amount, self.currency) if self.line_amount is not None else None


class EdiFinding(TenantModel):
    """Something wrong with a document: from the parser (envelope, counts, totals) or from the
    comparison with the order it references (quantities, prices)."""

    Code = models.TextChoices("Code", [(v.upper(), (v, label)) for v, label in FINDING_CODES])
    Severity = models.TextChoices("Severity", [(v.upper(), (v, label)) for v, label in SEVERITIES])

    document = models.ForeignKey(EdiDocument, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=40, choices=Code.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    line_number = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document_id", "pk"]
        indexes = [models.Index(fields=["organization", "document"], name="edifinding_document")]

    def __str__(self):
        return f"{self.code} on {self.document_id}"

    def get_partnership(self):
        return self.document.partnership
