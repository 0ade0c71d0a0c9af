"""Models of the finance module: the shared cost model (cost pools allocated between the
parties), the savings ledger with its verification by the other party, gain-share schemes and
their payout statements, pricing tiers and rebates, and FX (a rates table, the partnership's FX
arrangement and the invoice amounts it covers).

Open-book cost disclosures are governance's `Disclosure` (one model), read through governance's
selectors. The arithmetic is in `finance.calc`; the rules in `finance.services`.
"""

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partnerships.models import Partnership
from tenancy.lifecycle import lifecycle
from tenancy.models import TenantModel
from tenancy.money import CURRENCIES, Money, amount_field, currency_field

USER = settings.AUTH_USER_MODEL


class Party(models.TextChoices):
    BUYER = "buyer", "Our organization"
    PARTNER = "partner", "The partner"


def _decimal(**kwargs):
    return models.DecimalField(max_digits=18, decimal_places=4, **kwargs)


def _rate(**kwargs):
    return models.DecimalField(max_digits=18, decimal_places=8, **kwargs)


# -- shared cost model -------------------------------------------------------------------------


class CostPool(TenantModel):
    """A cost both parties carry for one period, split by a basis: each party's driver (units
    used, volume, heads, a ratio or a benefit score) is its weight in the allocation."""

    class Kind(models.TextChoices):
        FIXED = "fixed", "Fixed"
        VARIABLE = "variable", "Variable"

    class Basis(models.TextChoices):
        USAGE = "usage", "Usage"
        VOLUME = "volume", "Volume"
        HEADCOUNT = "headcount", "Headcount"
        FIXED_RATIO = "fixed_ratio", "Fixed ratio"
        STRATEGIC_BENEFIT = "strategic_benefit", "Strategic benefit"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    period_start = models.DateField(help_text="The first day of the month it covers.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FIXED)
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.FIXED_RATIO)
    amount = amount_field()
    currency = currency_field()
    buyer_driver = _decimal(help_text="Our measure on the basis (units, heads, ratio …).")
    partner_driver = _decimal(help_text="The partner's measure on the same basis.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "name", "pk"]
        indexes = [
            models.Index(fields=["organization", "partnership", "period_start"], name="costpool_p")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="costpool_amount_positive"),
            models.CheckConstraint(
                condition=Q(buyer_driver__gte=0, partner_driver__gte=0),
                name="costpool_drivers_positive",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.period_start:%b %Y})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


# -- savings ledger ----------------------------------------------------------------------------

SAVINGS_LIFECYCLE = lifecycle(
    "saving",
    {
        "claimed": {"verified", "disputed"},
        "disputed": {"claimed"},
        "verified": {"accepted", "disputed"},
        "accepted": (),
    },
)


class SavingsEntry(TenantModel):
    """A saving claimed by one party against a baseline, adjusted for volume, the market index
    and the exchange rate; the other party verifies it (with evidence) or disputes it."""

    class Category(models.TextChoices):
        HARD = "hard", "Hard saving"
        AVOIDANCE = "avoidance", "Cost avoidance"

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"
        ACCEPTED = "accepted", "Accepted"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.HARD)
    period_start = models.DateField(help_text="The first day of the month the saving is in.")
    currency = currency_field()
    baseline_price = _decimal()
    actual_price = _decimal()
    volume = _decimal(help_text="Units bought in the period.")
    baseline_volume = _decimal(null=True, blank=True)
    index_base = _decimal(null=True, blank=True, help_text="Market index at the baseline.")
    index_actual = _decimal(null=True, blank=True, help_text="Market index in the period.")
    fx_base = _rate(null=True, blank=True, help_text="Exchange rate at the baseline.")
    fx_actual = _rate(null=True, blank=True, help_text="Exchange rate in the period.")
    # Computed by the service from the figures above (kept so lists sum in SQL).
    gross_amount = amount_field(default=Decimal(0))
    net_amount = amount_field(default=Decimal(0))
    initiative = models.ForeignKey(
        "innovation.ImprovementInitiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The improvement initiative the saving comes from.",
    )
    implementation_cost = amount_field(
        null=True, blank=True, help_text="What delivering it cost (activity-based costing)."
    )
    claimed_by_party = models.CharField(max_length=10, choices=Party.choices)
    claimed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLAIMED)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by_party = models.CharField(max_length=10, choices=Party.choices, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(blank=True, help_text="What the verification rests on.")
    dispute_reason = models.TextField(blank=True)
    internal_note = models.TextField(
        blank=True, help_text="Our internal note: never shown to the partner."
    )
    statement = models.ForeignKey(
        "GainShareStatement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "-pk"]
        indexes = [
            models.Index(fields=["organization", "partnership", "status"], name="saving_p_status"),
            models.Index(fields=["organization", "status"], name="saving_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(volume__gte=0)
                & (Q(baseline_volume__isnull=True) | Q(baseline_volume__gte=0)),
                name="saving_volume_positive",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def net(self) -> Money:
        return Money(self.net_amount, self.currency)

    @property
    def gross(self) -> Money:
        return Money(self.gross_amount, self.currency)

    @property
    def counts_for_gain_share(self) -> bool:
        return self.status in (self.Status.VERIFIED, self.Status.ACCEPTED)


# -- gain-sharing ------------------------------------------------------------------------------


class GainShareScheme(TenantModel):
    """How verified savings are shared with the partner: bands of shares, a floor and a cap on
    the payout, and the share's move per scorecard standing above or below the reference."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    currency = currency_field()
    floor = amount_field(null=True, blank=True, help_text="The least paid out when savings exist.")
    cap = amount_field(null=True, blank=True, help_text="The most paid out per statement.")
    step_per_standing = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text="Percentage points the share moves per standing above or below the reference.",
    )
    reference_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(75),
        help_text="A scorecard score in the standing that moves nothing.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="gainshare_one_per_partnership"
            )
        ]

    def __str__(self):
        return "Gain-share scheme"


class GainShareBand(TenantModel):
    """Verified savings from `lower` up to `upper` (none: no limit) are shared at `share`%."""

    scheme = models.ForeignKey(GainShareScheme, on_delete=models.CASCADE, related_name="bands")
    lower = amount_field()
    upper = amount_field(null=True, blank=True)
    partner_share = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["lower", "pk"]
        indexes = [models.Index(fields=["organization", "scheme"], name="gainshareband_scheme")]

    def __str__(self):
        return f"{self.partner_share}% from {self.lower}"

    def get_partnership(self):
        return self.scheme.partnership


STATEMENT_LIFECYCLE = lifecycle(
    "gain-share statement", {"draft": {"issued"}, "issued": {"paid"}, "paid": ()}
)


class GainShareStatement(TenantModel):
    """The partner's payout for a period, from the savings verified in it (frozen when made)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = currency_field()
    verified_savings = amount_field()
    base_share = amount_field()
    adjustment = amount_field()
    adjustment_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    standing = models.CharField(max_length=60, blank=True)
    payout = amount_field()
    limited_by = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        indexes = [
            models.Index(fields=["organization", "partnership", "status"], name="statement_p")
        ]

    def __str__(self):
        return f"Gain-share {self.period_start:%b %Y}–{self.period_end:%b %Y}"


# -- pricing tiers and rebates -----------------------------------------------------------------


class RebateScheme(TenantModel):
    """Volume tiers with a unit price each; units are invoiced at the first tier's price and
    the difference comes back as a rebate, on every unit (retroactive) or only on the units
    inside each tier (incremental)."""

    class Kind(models.TextChoices):
        RETROACTIVE = "retroactive", "Retroactive"
        INCREMENTAL = "incremental", "Incremental"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RETROACTIVE)
    year_start = models.DateField(help_text="The first day of the rebate year.")
    currency = currency_field()
    unit = models.CharField(max_length=30, default="units")
    competition_law_note = models.TextField(
        blank=True,
        help_text="Our competition-law review of the tier design (internal: never shown to the "
        "partner).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year_start", "name", "pk"]
        indexes = [models.Index(fields=["organization", "partnership"], name="rebatescheme_p")]

    def __str__(self):
        return self.name

    @property
    def year_end(self) -> date:
        """The first day after the rebate year. New years start on the first of a month before
        9999 (`rebate_scheme_create`); a row stored before that rule still gets an end: a 29
        February start ends on 28 February, and the calendar's last year ends with it."""
        try:
            return self.year_start + relativedelta(years=1)
        except (ValueError, OverflowError):
            return date.max


class RebateTier(TenantModel):
    scheme = models.ForeignKey(RebateScheme, on_delete=models.CASCADE, related_name="tiers")
    from_volume = _decimal()
    to_volume = _decimal(null=True, blank=True)
    unit_price = _decimal()

    class Meta:
        ordering = ["from_volume", "pk"]
        indexes = [models.Index(fields=["organization", "scheme"], name="rebatetier_scheme")]
        constraints = [
            models.CheckConstraint(condition=Q(from_volume__gte=0), name="rebatetier_from_pos"),
        ]

    def __str__(self):
        return f"From {self.from_volume}"

    def get_partnership(self):
        return self.scheme.partnership


class VolumeEntry(TenantModel):
    """Units bought in a month under a rebate scheme (entered, or taken from invoices)."""

    scheme = models.ForeignKey(RebateScheme, on_delete=models.CASCADE, related_name="volumes")
    period_start = models.DateField()
    volume = _decimal()
    source = models.CharField(max_length=60, blank=True, default="Entered")

    class Meta:
        ordering = ["period_start", "pk"]
        indexes = [models.Index(fields=["organization", "scheme"], name="volumeentry_scheme")]
        constraints = [
            models.CheckConstraint(condition=Q(volume__gte=0), name="volumeentry_positive"),
        ]

    def __str__(self):
        return f"{self.volume} in {self.period_start:%b %Y}"

    def get_partnership(self):
        return self.scheme.partnership


# -- FX ----------------------------------------------------------------------------------------


class FxRate(TenantModel):
    """How many units of `quote_currency` one unit of `currency` buys in a month."""

    currency = models.CharField(max_length=3, choices=CURRENCIES)
    quote_currency = models.CharField(max_length=3, choices=CURRENCIES)
    period_start = models.DateField()
    rate = _rate()

    class Meta:
        ordering = ["-period_start", "currency", "quote_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "quote_currency", "period_start"],
                name="fxrate_unique_period",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fxrate_positive"),
        ]

    def __str__(self):
        return f"{self.currency}/{self.quote_currency} {self.period_start:%b %Y}"


class FxArrangement(TenantModel):
    """The partnership's currencies and who bears FX risk: inside ±band% of the base rate the
    bearer takes the move; beyond it the other party takes `other_share`% of the excess."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    contract_currency = currency_field()
    invoice_currency = currency_field(default="USD")
    base_rate = _rate(help_text="Contract currency per unit of the invoice currency.")
    band_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(5))
    bearer = models.CharField(max_length=10, choices=Party.choices, default=Party.BUYER)
    other_share = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(50))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="fxarrangement_one_per_partnership"
            ),
            models.CheckConstraint(condition=Q(base_rate__gt=0), name="fxarrangement_rate_pos"),
        ]

    def __str__(self):
        return f"{self.invoice_currency} invoices, {self.contract_currency} contract"


class FxInvoiceAmount(TenantModel):
    """What was invoiced in the invoice currency in a month: the FX exposure of that month."""

    arrangement = models.ForeignKey(FxArrangement, on_delete=models.CASCADE, related_name="amounts")
    period_start = models.DateField()
    amount = amount_field()

    class Meta:
        ordering = ["period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "arrangement", "period_start"],
                name="fxinvoiceamount_unique_period",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fxinvoiceamount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} in {self.period_start:%b %Y}"

    def get_partnership(self):
        return self.arrangement.partnership


# -- payment terms and working capital ---------------------------------------------------------


class PaymentTerms(TenantModel):
    """The partnership's payment terms (e.g. 2/10 net 30), how often we pay, who owns the
    stock, and the figures their effect on days payable outstanding and cash is computed from."""

    class Inventory(models.TextChoices):
        OWNED = "owned", "Owned by us"
        CONSIGNMENT = "consignment", "Consignment (the partner's until used)"
        VENDOR_MANAGED = "vendor_managed", "Vendor-managed inventory"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    net_days = models.PositiveSmallIntegerField(default=30)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    discount_days = models.PositiveSmallIntegerField(default=0)
    payment_run_days = models.PositiveSmallIntegerField(
        default=7, help_text="How often we pay: 1 daily, 7 weekly, 30 monthly."
    )
    take_discount = models.BooleanField(default=False)
    inventory = models.CharField(max_length=20, choices=Inventory.choices, default=Inventory.OWNED)
    annual_spend = amount_field()
    currency = currency_field()
    cost_of_capital = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(8), help_text="Our cost of capital (%)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"], name="paymentterms_one_per_partnership"
            )
        ]

    def __str__(self):
        if self.discount_percent:
            # "2/10 net 30" whether the discount was typed "2" or read back "2.00".
            discount = Decimal(self.discount_percent).normalize()
            return f"{discount:f}/{self.discount_days} net {self.net_days}"
        return f"Net {self.net_days}"
