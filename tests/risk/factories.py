"""Factories of the risk models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory

from risk.models import (
    Attestation,
    Bond,
    CertificateAlert,
    ComplianceRequirement,
    CyberAllocation,
    DataBreach,
    ForceMajeureEvent,
    IncidentResponsePlan,
    IndexValue,
    InsuranceCertificate,
    InsuranceRequirement,
    Mitigation,
    Penalty,
    PriceMechanism,
    PriceReview,
    Risk,
    RiskScore,
    ScoreFactor,
    WatchItem,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory

D = datetime.date


class RiskFactory(TenantFactory):
    class Meta:
        model = Risk

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Single-sourced castings ({n})")
    category = Risk.Category.SUPPLY_CONTINUITY
    inherent_likelihood = 4
    inherent_impact = 4
    residual_likelihood = 2
    residual_impact = 4


class MitigationFactory(TenantFactory):
    class Meta:
        model = Mitigation

    risk = same_organization(RiskFactory)
    action = "Qualify a second foundry"
    due_on = D(2030, 3, 31)


class InsuranceRequirementFactory(TenantFactory):
    class Meta:
        model = InsuranceRequirement

    partnership = same_organization(PartnershipFactory)
    coverage = factory.Iterator(["product_liability", "cyber", "cargo", "workplace"])
    minimum_limit = Decimal("5000000.00")
    currency = "EUR"


class InsuranceCertificateFactory(TenantFactory):
    class Meta:
        model = InsuranceCertificate

    partnership = same_organization(PartnershipFactory)
    coverage = "product_liability"
    insurer = "Allied Mutual"
    policy_number = factory.Sequence(lambda n: f"PL-{n:05d}")
    limit = Decimal("10000000.00")
    currency = "EUR"
    starts_on = D(2030, 1, 1)
    expires_on = D(2030, 12, 31)


class CertificateAlertFactory(TenantFactory):
    class Meta:
        model = CertificateAlert

    certificate = same_organization(InsuranceCertificateFactory)
    threshold_days = 60
    sent_on = D(2030, 11, 1)


class BondFactory(TenantFactory):
    class Meta:
        model = Bond

    partnership = same_organization(PartnershipFactory)
    kind = Bond.Kind.PERFORMANCE_BOND
    issuer = "Hanse Bank AG"
    amount = Decimal("250000.00")
    currency = "EUR"
    starts_on = D(2030, 1, 1)
    expires_on = D(2031, 12, 31)


class PenaltyFactory(TenantFactory):
    class Meta:
        model = Penalty

    partnership = same_organization(PartnershipFactory)
    trigger = Penalty.Trigger.LATE_DELIVERY
    amount = Decimal("1500.00")
    currency = "EUR"
    unit = Penalty.Unit.PER_DAY
    cap = Decimal("60000.00")


class PriceMechanismFactory(TenantFactory):
    class Meta:
        model = PriceMechanism

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Steel price indexation {n}")
    index_name = "Steel HRC"
    base_price = Decimal("100.00")
    currency = "EUR"
    base_index_value = Decimal("200")
    weighting_percent = Decimal("60")
    cap_percent = Decimal("8")
    floor_percent = Decimal("-5")
    review_frequency_months = 3
    next_review_on = D(2030, 4, 1)


class IndexValueFactory(TenantFactory):
    class Meta:
        model = IndexValue

    index_name = "Steel HRC"
    period = factory.Sequence(lambda n: D(2000 + n // 12, n % 12 + 1, 1))
    value = Decimal("230")


class PriceReviewFactory(TenantFactory):
    class Meta:
        model = PriceReview

    mechanism = same_organization(PriceMechanismFactory)
    review_date = D(2030, 4, 1)
    period = factory.Sequence(lambda n: D(2000 + n // 12, n % 12 + 1, 1))
    index_value = Decimal("230")
    previous_price = Decimal("100.00")
    adjusted_price = Decimal("108.00")
    change_percent = Decimal("8")
    limited_by = "cap"
    explanation = ["Steel HRC moved +15.00 %.", "The cap applies."]


class CyberAllocationFactory(TenantFactory):
    class Meta:
        model = CyberAllocation

    partnership = same_organization(PartnershipFactory)
    detection_party = "partner"
    notification_party = "customer"
    remediation_party = "partner"
    notification_deadline_hours = 72


class DataBreachFactory(TenantFactory):
    class Meta:
        model = DataBreach

    partnership = same_organization(PartnershipFactory)
    title = "Credential leak in the shared portal"
    detected_at = datetime.datetime(2030, 1, 10, 8, 0, tzinfo=datetime.UTC)
    notification_deadline = datetime.datetime(2030, 1, 13, 8, 0, tzinfo=datetime.UTC)


class ScoreFactorFactory(TenantFactory):
    class Meta:
        model = ScoreFactor

    name = factory.Sequence(lambda n: f"Factor {n}")
    weight = Decimal("20")


class RiskScoreFactory(TenantFactory):
    class Meta:
        model = RiskScore

    partnership = same_organization(PartnershipFactory)
    scored_on = D(2030, 1, 10)
    score = Decimal("42.50")
    breakdown = [{"factor": "Financial strength", "weight": "100", "rating": "42.5"}]
    buyer_threshold = Decimal("60")
    partner_threshold = Decimal("70")


class ComplianceRequirementFactory(TenantFactory):
    class Meta:
        model = ComplianceRequirement

    partnership = same_organization(PartnershipFactory)
    framework = ComplianceRequirement.Framework.GDPR
    jurisdiction = "EU"
    title = factory.Sequence(lambda n: f"Data processing agreement in force ({n})")
    due_on = D(2030, 3, 31)


class AttestationFactory(TenantFactory):
    class Meta:
        model = Attestation

    requirement = same_organization(ComplianceRequirementFactory)
    attested_by = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = "customer"
    period_start = D(2029, 1, 1)
    period_end = D(2029, 12, 31)
    statement = "Processing records reviewed; no findings."
    attested_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 5, 10, 0, tzinfo=datetime.UTC)
    )


class ForceMajeureEventFactory(TenantFactory):
    class Meta:
        model = ForceMajeureEvent

    partnership = same_organization(PartnershipFactory)
    title = "Flooding at the Rhine plant"
    started_on = D(2030, 1, 2)
    notice_deadline = D(2030, 1, 16)


class IncidentResponsePlanFactory(TenantFactory):
    class Meta:
        model = IncidentResponsePlan

    partnership = same_organization(PartnershipFactory)
    roles = "Partner's plant manager leads; our category manager decides on re-routing."
    contact_tree = "Plant manager → key account → category manager."
    steps = "1. Assess. 2. Notify. 3. Switch to the buffer stock."


class WatchItemFactory(TenantFactory):
    class Meta:
        model = WatchItem

    kind = WatchItem.Kind.GEOPOLITICAL
    title = factory.Sequence(lambda n: f"Export controls on power semiconductors ({n})")
    countries = "TW, CN"
    categories = "Electronics"
