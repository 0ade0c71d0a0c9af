"""Models of the integrations module: EDI documents received from partners, their lines and the
findings about them (see docs/integrations.md).

Every received message is kept as it came (`EdiDocument.content`), including the ones that could
not be read: a partner's message is never lost. The lines are the normalised view of the message,
whatever its standard (EDIFACT, X12, UBL), inserted in bulk; the findings say what is wrong with
a message (envelope, counts, totals) or with its agreement with the order it references.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from integrations.edi.result import DOC_TYPES, FINDING_CODES, SEVERITIES, STANDARDS
from integrations.matching import KINDS as MATCH_KINDS
from integrations.matching import SEVERITIES as MATCH_SEVERITIES
from partnerships.models import Partnership
from tenancy.jobs import Job, JobStates
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import Money, amount_field, format_quantity

# An EDI document is a job (tenancy.jobs): received = queued (and being read: the reading task
# works in one transaction, so no separate running state is ever visible), accepted =
# succeeded, rejected = failed (unreadable, with the reason in `error`).
EDI_DOCUMENT_STATES = JobStates(
    queued="received", running="received", succeeded="accepted", failed="rejected"
)
EDI_DOCUMENT_LIFECYCLE = EDI_DOCUMENT_STATES.lifecycle("EDI document")


# Who may send through a connector (a partner guest never sends: pages and API refuse it).
CONNECTOR_ROLES = [
    ("org_admin", "Organization admin"),
    ("procurement_manager", "Procurement manager"),
    ("legal", "Legal reviewer"),
    ("finance", "Finance"),
    ("committee_member", "Steering committee member"),
    ("viewer", "Viewer"),
]
IN_TRANSIT = [
    ("tls", "TLS 1.2 or later (HTTPS, FTPS, AS2 over HTTPS)"),
    ("ssh", "SSH (SFTP)"),
    ("as2", "AS2 (S/MIME signed and encrypted)"),
    ("vpn", "Private network / VPN"),
    ("none", "None"),
]
AT_REST = [
    ("database", "Encrypted database and backups (the platform's)"),
    ("pgp", "PGP-encrypted files"),
    ("none", "None stated"),
]


class Connector(TenantModel):
    """How documents travel between the two organizations of a partnership: one feed (method,
    direction, message types), how often a message is expected, the partner's identifiers a
    document's sender must match, and the assessment of both parties' systems."""

    class Method(models.TextChoices):
        EDIFACT = "edifact", "UN/EDIFACT"
        X12 = "x12", "ANSI X12"
        UBL = "ubl", "UBL (XML)"
        REST_PUSH = "rest_push", "REST push (API)"
        CSV_UPLOAD = "csv_upload", "CSV upload"
        DROP_FOLDER = "drop_folder", "Drop folder"

    class Direction(models.TextChoices):
        INBOUND = "inbound", "From the partner"
        OUTBOUND = "outbound", "To the partner"
        BOTH = "both", "Both ways"

    class Frequency(models.TextChoices):
        HOURLY = "hourly", "Every hour"
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Every month"
        ON_DEMAND = "on_demand", "When needed (no schedule)"

    class Status(models.TextChoices):
        TESTING = "testing", "Testing"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        RETIRED = "retired", "Retired"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="connectors", db_index=False
    )
    name = models.CharField(max_length=100)
    method = models.CharField(max_length=20, choices=Method.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default="inbound")
    message_types = ArrayField(
        models.CharField(max_length=20, choices=[c for c in DOC_TYPES if c[0] != "unknown"]),
        default=list,
        blank=True,
        help_text="The documents this feed carries; none ticked means any.",
    )
    expected_frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    partner_identifiers = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="The partner's sender identifiers as they appear in its messages (UNB "
        "sender, ISA06, UBL endpoint such as 0088:4012345000009).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TESTING)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Assessment of both parties' ERP / e-procurement compatibility.
    buyer_system = models.CharField(
        max_length=200, blank=True, help_text="Our ERP or e-procurement system and version."
    )
    partner_system = models.CharField(
        max_length=200, blank=True, help_text="The partner's system and version."
    )
    formats_versions = models.CharField(
        max_length=200,
        blank=True,
        verbose_name="Formats and versions",
        help_text="What both sides can exchange, e.g. EDIFACT D.96A INVOIC, X12 004010 850.",
    )
    gaps = models.TextField(blank=True, help_text="What one side cannot send or read yet.")
    # Security protocol of the feed: who may use it, how the data is protected, who watches it.
    endpoint_url = models.CharField(
        max_length=500, blank=True, verbose_name="Endpoint URL",
        help_text="Where messages are exchanged (https://…, sftp://…, ftps://…).",
    )  # fmt: skip
    allowed_roles = ArrayField(
        models.CharField(max_length=30, choices=CONNECTOR_ROLES), default=list, blank=True,
        help_text="Roles whose members may send through this feed; none ticked means any role "
        "that may send.",
    )  # fmt: skip
    allowed_api_keys = ArrayField(
        models.CharField(max_length=16), default=list, blank=True,
        verbose_name="Allowed API keys",
        help_text="Prefixes of the API keys that may push through this feed; none means any.",
    )  # fmt: skip
    encryption_in_transit = models.CharField(
        max_length=10, choices=IN_TRANSIT, default="tls",
        help_text="How messages are protected on the way.",
    )  # fmt: skip
    encryption_at_rest = models.CharField(
        max_length=10, choices=AT_REST, default="database",
        help_text="How the stored messages are protected.",
    )  # fmt: skip
    monitoring_contact = models.CharField(
        max_length=200, blank=True,
        help_text="Who watches the feed and is called when it fails (name, e-mail, on-call).",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "name"], name="connector_unique_name"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="connector_partnership"),
        ]

    def __str__(self):
        return self.name

    @property
    def receives(self) -> bool:
        return self.direction in (self.Direction.INBOUND, self.Direction.BOTH)


CONNECTOR_LIFECYCLE = lifecycle(
    "connector",
    {
        Connector.Status.TESTING: {Connector.Status.ACTIVE, Connector.Status.RETIRED},
        Connector.Status.ACTIVE: {Connector.Status.PAUSED, Connector.Status.RETIRED},
        Connector.Status.PAUSED: {Connector.Status.ACTIVE, Connector.Status.RETIRED},
    },
)


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
    connector = models.ForeignKey(
        Connector,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        db_index=False,
        help_text="The feed the message came through (its sender matched the connector).",
    )
    # An interchange carrying several messages is stored once (the first message's document
    # keeps the bytes); each further message is a document of its own pointing at it.
    interchange = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="further_messages",
        db_index=False,
        help_text="The document whose bytes carried this message (its 2nd, 3rd … message).",
    )
    message_index = models.PositiveIntegerField(
        default=1, help_text="Position of the message in its interchange."
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
            models.Index(
                fields=["organization", "interchange", "message_index"],
                name="edidocument_interchange",
            ),
            # Feed health: a connector's documents by time.
            models.Index(
                fields=["organization", "connector", "received_at"], name="edidocument_connector"
            ),
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
        return format_quantity(self.quantity)

    @property
    def unit_price_text(self) -> str:
        return format_quantity(self.unit_price) if self.unit_price is not None else ""

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


class Discrepancy(TenantModel):
    """What the three-way match found on one item of one order (integrations.matching), and what
    the buyer does about it: dispute it with the partner, block the payment, accept it, or
    resolve it with a reason."""

    Kind = models.TextChoices("Kind", [(v.upper(), (v, label)) for v, label in MATCH_KINDS])
    Severity = models.TextChoices(
        "Severity", [(v.upper(), (v, label)) for v, label in MATCH_SEVERITIES]
    )

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISPUTED = "disputed", "Disputed with the partner"
        PAYMENT_BLOCKED = "payment_blocked", "Payment blocked"
        ACCEPTED = "accepted", "Accepted"
        RESOLVED = "resolved", "Resolved"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order_number = models.CharField(max_length=70)
    order_document = models.ForeignKey(
        EdiDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    document = models.ForeignKey(
        EdiDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discrepancies",
        help_text="The invoice or receipt that shows it (the latest).",
    )
    line_number = models.PositiveIntegerField(null=True, blank=True)
    item = models.CharField(max_length=64)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    expected = models.DecimalField(max_digits=20, decimal_places=6)
    actual = models.DecimalField(max_digits=20, decimal_places=6)
    unit = models.CharField(max_length=16, blank=True)
    amount_at_stake = amount_field(default=0)
    currency = models.CharField(max_length=3, blank=True)
    message = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    shared_with_partner = models.BooleanField(default=False)
    dispute_note = models.TextField(blank=True, help_text="What the partner is told.")
    resolution = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "order_number", "item", "kind"],
                name="discrepancy_unique_item_kind",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="discrepancy_status"),
            models.Index(
                fields=["organization", "partnership", "status"], name="discrepancy_partnership"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.item} on {self.order_number}"

    @property
    def amount_money(self) -> Money | None:
        return Money(self.amount_at_stake, self.currency) if self.currency else None

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.RESOLVED)


_ACTIVE = {"disputed", "payment_blocked", "accepted", "resolved"}
DISCREPANCY_LIFECYCLE = lifecycle(
    "discrepancy",
    {
        Discrepancy.Status.OPEN: _ACTIVE,
        Discrepancy.Status.DISPUTED: _ACTIVE - {"disputed"},
        Discrepancy.Status.PAYMENT_BLOCKED: _ACTIVE - {"payment_blocked"},
    },
)


WEBHOOK_EVENTS = [
    ("breach.created", "SLA breach created"),
    ("change_request.decided", "Change request decided"),
    ("scorecard.published", "Scorecard published"),
    ("discrepancy.opened", "Discrepancy opened"),
]


def _webhook_secret() -> str:
    import secrets

    return secrets.token_hex(32)


class WebhookSubscription(TenantModel):
    """A REST client's subscription: which events to POST to which URL, signed with the secret
    (HMAC-SHA256 over the timestamp and the body)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, verbose_name="URL")
    events = ArrayField(models.CharField(max_length=40, choices=WEBHOOK_EVENTS), default=list)
    secret = models.CharField(max_length=64, default=_webhook_secret, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_active")]

    def __str__(self):
        return self.name


class WebhookDelivery(TenantModel):
    """One attempt to deliver an event to a subscription: the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    outbox_message_id = models.BigIntegerField(help_text="The outbox row that carries it.")
    event = models.CharField(max_length=40, choices=WEBHOOK_EVENTS)
    event_id = models.CharField(max_length=36)
    attempt = models.PositiveIntegerField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "subscription", "attempted_at"], name="webhookdelivery_log"
            )
        ]

    def __str__(self):
        return f"{self.event} #{self.attempt} to {self.subscription_id}"


class DataSharingTerm(TenantModel):
    """What the two organizations agreed about one category of shared data: who owns it, what
    it may be used for, how long it is kept and on what legal basis, and whether a legal hold
    stops the retention job from touching it. Exit planning refers to these by category."""

    class Category(models.TextChoices):
        EDI_DOCUMENTS = "edi_documents", "EDI documents (orders, invoices, despatch advices)"
        DISCREPANCIES = "discrepancies", "Three-way-match discrepancies"
        MASTER_DATA = "master_data", "Master data (items, parties, cost codes)"
        FORECASTS = "forecasts", "Demand forecasts and stock positions"

    class Owner(models.TextChoices):
        BUYER = "buyer", "Us (the buyer)"
        PARTNER = "partner", "The partner"
        JOINT = "joint", "Jointly owned"

    class LegalBasis(models.TextChoices):
        CONTRACT = "contract", "Performance of the contract"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (e.g. tax records)"
        LEGITIMATE_INTEREST = "legitimate_interest", "Legitimate interest"
        CONSENT = "consent", "Consent"

    class OnExpiry(models.TextChoices):
        DELETE = "delete", "Delete"
        ANONYMISE = "anonymise", "Anonymise (keep the figures, remove who and what)"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    owner = models.CharField(max_length=10, choices=Owner.choices)
    usage_rights = models.TextField(help_text="What each party may use the data for.")
    retention_days = models.PositiveIntegerField(
        verbose_name="Retention period (days)",
        help_text="How long after it was received (or decided) the data is kept.",
    )
    on_expiry = models.CharField(max_length=10, choices=OnExpiry.choices, default="delete")
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "category"], name="datasharingterm_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_category_display()} ({self.partnership_id})"


class RetentionRun(TenantModel):
    """What one pass of the retention job did to one term's data (or why it did nothing)."""

    term = models.ForeignKey(
        DataSharingTerm, null=True, on_delete=models.SET_NULL, related_name="runs", db_index=False
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    category = models.CharField(max_length=30, choices=DataSharingTerm.Category.choices)
    action = models.CharField(max_length=10)
    cutoff = models.DateTimeField()
    affected = models.PositiveIntegerField(default=0)
    held = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-ran_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "partnership", "ran_at"], name="retentionrun_log")
        ]

    def __str__(self):
        return f"{self.action} {self.affected} {self.category}"


class CodeMapping(TenantModel):
    """One line of the master-data crosswalk between the two organizations of a partnership:
    a code as the partner sends it (their supplier number, their item code, their cost code)
    and ours. Material mappings fill our item code on the lines of the partner's documents
    that came without it, so the three-way match can compare them with our orders."""

    class Kind(models.TextChoices):
        SUPPLIER = "supplier", "Supplier (party)"
        MATERIAL = "material", "Material (item)"
        COST_CODE = "cost_code", "Cost code"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    partner_code = models.CharField(
        max_length=64, help_text="The code as the partner sends it (their item number…)."
    )
    our_code = models.CharField(max_length=64, help_text="Our code for the same thing.")
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "partner_code", "pk"]
        constraints = [
            # One partner code means one thing of ours (several of theirs may map to one).
            models.UniqueConstraint(
                fields=["organization", "partnership", "kind", "partner_code"],
                name="codemapping_unique_partner_code",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.partner_code} → {self.our_code}"


class CrosswalkReprocess(Job):
    """Re-processing the documents of a partnership that waited on unmapped codes: our codes
    are filled in from the crosswalk and the three-way match runs again (a task with
    progress)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "status"], name="crosswalkreprocess_state"
            )
        ]

    def __str__(self):
        return f"Re-processing {self.partnership_id} ({self.status})"


class DemandForecast(TenantModel):
    """A demand forecast both parties share, updated at the agreed frequency; each update is a
    version (who changed what, when)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Every month"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    title = models.CharField(max_length=120)
    unit = models.CharField(max_length=16, blank=True, help_text="PCE, KG …")
    update_frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY,
        help_text="How often the parties agreed to update it.",
    )  # fmt: skip
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_version = models.PositiveIntegerField(default=0)
    last_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "title"], name="demandforecast_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "partnership"], name="demandforecast_partnership")
        ]

    def __str__(self):
        return self.title


class ForecastVersion(TenantModel):
    """One update of a forecast: its lines (item, month, quantity) and what changed against the
    previous version."""

    forecast = models.ForeignKey(
        DemandForecast, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    lines = models.JSONField(default=list, help_text="[[item, 'YYYY-MM', quantity], …]")
    changes = models.JSONField(
        default=list, help_text="[{item, period, before, after}] against the previous version."
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "forecast", "number"], name="forecastversion_unique"
            )
        ]

    def __str__(self):
        return f"{self.forecast_id} v{self.number}"

    def get_partnership(self):
        return self.forecast.partnership


class StockPolicy(TenantModel):
    """Safety stock and reorder point of one item of a partnership: a stock position from the
    feeds at or below them alerts the owner."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    item = models.CharField(max_length=64)
    unit = models.CharField(max_length=16, blank=True)
    safety_stock = models.DecimalField(max_digits=18, decimal_places=4)
    reorder_point = models.DecimalField(max_digits=18, decimal_places=4)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "item"], name="stockpolicy_unique_item"
            )
        ]

    def __str__(self):
        return f"{self.item}: reorder at {self.reorder_point}"


class StockPosition(TenantModel):
    """A stock position of one item as a feed reported it (measured at `as_of`, received at
    `received_at`: the difference is the sync lag), with its level against the policy."""

    class Level(models.TextChoices):
        OK = "ok", "Above the reorder point"
        REORDER = "reorder", "At or below the reorder point"
        SAFETY = "safety", "At or below the safety stock"
        NO_POLICY = "no_policy", "No policy for the item"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    item = models.CharField(max_length=64)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    as_of = models.DateTimeField(help_text="When the position was measured at the source.")
    received_at = models.DateTimeField(default=timezone.now)
    received_via = models.CharField(max_length=10, default="api")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.NO_POLICY)

    class Meta:
        ordering = ["-as_of", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "item", "as_of"], name="stockposition_item"
            )
        ]

    def __str__(self):
        return f"{self.item}: {self.quantity} at {self.as_of:%Y-%m-%d %H:%M}"

    @property
    def lag(self):
        return self.received_at - self.as_of


class DisasterRecoveryTest(TenantModel):
    """A joint disaster-recovery test of the integration: the plan, when both parties run it,
    and the result: recovery time and data loss achieved against the targets (RTO / RPO)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    connector = models.ForeignKey(
        Connector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The feed tested (none: the whole integration).",
    )  # fmt: skip
    title = models.CharField(max_length=150)
    plan = models.TextField(help_text="The scenario and the steps of both parties.")
    participants = models.TextField(blank=True, help_text="Who takes part, on both sides.")
    scheduled_for = models.DateTimeField()
    rto_target_minutes = models.PositiveIntegerField(
        verbose_name="RTO target (minutes)", help_text="Longest acceptable time to recover."
    )
    rpo_target_minutes = models.PositiveIntegerField(
        verbose_name="RPO target (minutes)", help_text="Longest acceptable window of data lost."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    executed_at = models.DateTimeField(null=True, blank=True)
    rto_achieved_minutes = models.PositiveIntegerField(null=True, blank=True)
    rpo_achieved_minutes = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    findings = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "partnership", "scheduled_for"], name="drtest_partnership"
            )
        ]

    def __str__(self):
        return self.title


DR_TEST_LIFECYCLE = lifecycle(
    "disaster-recovery test",
    {
        DisasterRecoveryTest.Status.PLANNED: {
            DisasterRecoveryTest.Status.COMPLETED,
            DisasterRecoveryTest.Status.CANCELLED,
        }
    },
)
