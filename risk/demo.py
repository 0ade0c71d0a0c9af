"""Demo data of the risk module: a register with allocated risks (one linked to the liability
clause of the contracts demo), required coverages with certificates (one expiring in 20 days, one
expired), a bond, penalties, a steel-indexed price with its index values and a review that hit
the cap, breach duties with an open breach, and the score model with a scored partner.
Idempotent: each part is looked up before it is created."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Clause
from partnerships import services as partnership_services
from partnerships.models import Partner, PartnerFinancials, SubTierLink
from risk import services
from risk.models import (
    Bond,
    ComplianceRequirement,
    CyberAllocation,
    DataBreach,
    ForceMajeureEvent,
    IncidentResponsePlan,
    IndexValue,
    InsuranceCertificate,
    InsuranceRequirement,
    Penalty,
    PriceMechanism,
    Risk,
    RiskScore,
    ScoreFactor,
    WatchItem,
)
from risk.services.prices import month_start, previous_month
from tenancy.models import Role

D = Decimal

# Each row: title, category, inherent and residual likelihood/impact (residual may be None),
# allocation, allocated to, basis, partnership.
RISKS = [
    (
        "Single foundry for gearbox housings",
        "supply_continuity",
        (4, 5),
        (3, 4),
        "shared",
        "partner",
        "The partner controls the foundry; we hold the demand plan. Both act on a second source.",
        0,
    ),
    (
        "Ransomware through the shared supplier portal",
        "cyber",
        (3, 5),
        (2, 4),
        "transferred",
        "partner",
        "The partner operates the portal and carries cyber insurance of EUR 10m.",
        0,
    ),
    (
        "Steel price volatility",
        "financial",
        (4, 3),
        None,
        "shared",
        "partner",
        "Index-linked price: 60 % follows Steel HRC within −5 % / +8 %.",
        0,
    ),
    (
        "Export controls on power electronics",
        "regulatory",
        (2, 4),
        None,
        "retained",
        "customer",
        "",
        0,
    ),
    (
        "Port strikes on the North Sea route",
        "geopolitical",
        (3, 3),
        (2, 3),
        "transferred",
        "insurer",
        "Cargo insurance covers delay; the partner routes through Antwerp as a fallback.",
        1,
    ),
    (
        "Over-reliance on one logistics provider",
        "concentration",
        (3, 4),
        None,
        "retained",
        "customer",
        "",
        1,
    ),
    (
        "Data-centre outage at the cloud provider",
        "quality",
        (2, 5),
        (1, 5),
        "transferred",
        "partner",
        "Availability SLA with service credits; the provider runs two regions.",
        2,
    ),
]

FACTORS = [
    ("Financial strength", 30, "Rated from the partner's filed accounts when they are on record."),
    ("Market concentration", 25, "How few alternatives the market offers."),
    ("Compliance findings", 20, "Open audit and compliance findings."),
    ("Certifications", 15, "ISO 9001/27001/14001 and their validity."),
    ("Geography", 10, "Country and route risk."),
]


def seed(tenant) -> None:
    manager = tenant.users[Role.PROCUREMENT_MANAGER]
    today = timezone.localdate()
    now = timezone.now()
    partnerships = tenant.partnerships
    if not partnerships:
        return
    existing = set(Risk.objects.values_list("title", flat=True))
    for title, category, inherent, residual, allocation, to, basis, index in RISKS:
        if title in existing or index >= len(partnerships):
            continue
        partnership = partnerships[index]
        clause = None
        if category == "cyber":
            clause = (
                Clause.objects.filter(
                    agreement__partnership=partnership, clause_type="limitation_of_liability"
                )
                .order_by("pk")
                .first()
            )
        risk = services.risk_create(
            actor=manager,
            partnership=partnership,
            today=today,
            title=title,
            category=category,
            inherent_likelihood=inherent[0],
            inherent_impact=inherent[1],
            residual_likelihood=residual[0] if residual else None,
            residual_impact=residual[1] if residual else None,
            owner=manager,
            allocation=allocation,
            allocated_to=to,
            allocation_basis=basis,
            clause=clause,
            next_review_on=today + timedelta(days=5 if index == 0 else 45),
        )
        services.mitigation_add(
            risk=risk,
            actor=manager,
            action="Agree the mitigation plan with the partner at the next steering committee",
            due_on=today + timedelta(days=30),
            owner=manager,
        )
    _insurance(partnerships, manager, today)
    _prices(partnerships[0], manager, today)
    _breaches(partnerships[0], manager, now)
    _score(partnerships, manager, today)
    _compliance(tenant, partnerships, manager, today)
    _shared_supplier(partnerships, manager)


def _insurance(partnerships, manager, today) -> None:
    first = partnerships[0]
    currency = first.currency
    if not InsuranceRequirement.objects.filter(partnership=first).exists():
        for coverage, limit in (
            ("product_liability", "10000000"),
            ("cyber", "5000000"),
            ("cargo", "2000000"),
            ("workplace", "5000000"),
        ):
            services.insurance_requirement_set(
                actor=manager,
                partnership=first,
                coverage=coverage,
                minimum_limit=D(limit),
                currency=currency,
            )
    if not InsuranceCertificate.objects.filter(partnership=first).exists():
        for coverage, insurer, limit, starts, expires in (
            ("product_liability", "Allianz Global Risks", "15000000", -345, 20),
            ("cyber", "Beazley", "10000000", -200, 165),
            ("cargo", "Hanseatic Marine", "1500000", -30, 335),
            ("workplace", "Zurich", "5000000", -400, -3),
        ):
            services.certificate_upload(
                actor=manager,
                partnership=first,
                coverage=coverage,
                insurer=insurer,
                policy_number=f"{coverage[:2].upper()}-{abs(expires):04d}",
                limit=D(limit),
                currency=currency,
                starts_on=today + timedelta(days=starts),
                expires_on=today + timedelta(days=expires),
            )
    if not Bond.objects.filter(partnership=first).exists():
        services.bond_create(
            actor=manager,
            partnership=first,
            kind="performance_bond",
            issuer="Commerzbank AG",
            amount=D("750000"),
            currency=currency,
            starts_on=today - timedelta(days=200),
            expires_on=today + timedelta(days=530),
        )
    if not Penalty.objects.filter(partnership=first).exists():
        services.penalty_create(
            actor=manager,
            partnership=first,
            trigger="late_delivery",
            description="Deliveries later than the confirmed date",
            amount=D("2500"),
            currency=currency,
            unit="per_day",
            cap=D("150000"),
        )
        services.penalty_create(
            actor=manager,
            partnership=first,
            trigger="quality_failure",
            description="Lots rejected at incoming inspection",
            amount=D("5000"),
            currency=currency,
            unit="per_incident",
            cap=D("100000"),
        )


def _prices(partnership, manager, today) -> None:
    if PriceMechanism.objects.filter(partnership=partnership).exists():
        return
    last_month = previous_month(today)
    base_month = month_start(last_month - timedelta(days=360))
    month, value = base_month, D("600")
    while month <= last_month:
        if not IndexValue.objects.filter(index_name="Steel HRC", period=month).exists():
            services.index_value_record(
                actor=manager, index_name="Steel HRC", period=month, value=value
            )
        value += D("6.5")
        month = month_start(month + timedelta(days=32))
    mechanism = services.price_mechanism_create(
        actor=manager,
        partnership=partnership,
        name="Gearbox housing unit price",
        index_name="Steel HRC",
        base_price=D("184.50"),
        currency=partnership.currency,
        base_index_value=D("600"),
        weighting_percent=D("60"),
        cap_percent=D("8"),
        floor_percent=D("-5"),
        review_frequency_months=3,
        next_review_on=today,
        volatility_assumption="Steel HRC moved ±15 % a year over the last five years.",
    )
    services.price_review_run(mechanism=mechanism, actor=manager, today=today)


def _breaches(partnership, manager, now) -> None:
    if not CyberAllocation.objects.filter(partnership=partnership).exists():
        services.cyber_allocation_set(
            actor=manager,
            partnership=partnership,
            detection_party="partner",
            notification_party="customer",
            remediation_party="partner",
            notification_deadline_hours=72,
            authorities_to_notify="The lead data-protection authority (GDPR Art. 33)",
            customers_to_notify="Affected dealers, within 5 days",
        )
    if not DataBreach.objects.filter(partnership=partnership).exists():
        services.data_breach_report(
            actor=manager,
            partnership=partnership,
            title="Supplier portal credentials found in a public paste",
            description="Two partner accounts; the partner reset them the same day.",
            detected_at=now - timedelta(hours=30),
            now=now,
        )


def _score(partnerships, manager, today) -> None:
    if not ScoreFactor.objects.exists():
        services.score_factors_set(
            actor=manager,
            factors=[
                {
                    "name": n,
                    "weight": w,
                    "description": d,
                    "source": "financials" if n == "Financial strength" else "manual",
                }
                for n, w, d in FACTORS
            ],
        )
    factors = list(ScoreFactor.objects.order_by("order"))
    # The first partner's financial strength comes from its accounts (None: not rated by hand).
    ratings_by_partnership = ([None, 90, 30, 40, 40], [35, 60, 10, 20, 20], [50, 30, 40, 60, 70])
    for partnership, ratings in zip(partnerships[:3], ratings_by_partnership, strict=False):
        if RiskScore.objects.filter(partnership=partnership).exists():
            continue
        has_accounts = PartnerFinancials.objects.filter(partner_id=partnership.partner_id).exists()
        services.risk_score_record(
            actor=manager,
            partnership=partnership,
            ratings={
                f.pk: D(r if r is not None else 80)
                for f, r in zip(factors, ratings, strict=False)
                # Unrated: from the accounts, where the partner has some on record.
                if r is not None or not has_accounts
            },
            buyer_threshold=D("50"),
            partner_threshold=D("65"),
            today=today,
        )


COMPLIANCE = [
    # framework, jurisdiction, title, due in days (negative: overdue), attested
    ("gdpr", "EU", "Data processing agreement and records of processing", 120, True),
    ("anti_bribery", "GB", "Anti-bribery training of the account team", -12, False),
    ("labour", "DE", "Supply-chain due diligence (LkSG) risk analysis", 45, True),
    ("environment", "EU", "CO2 emissions reporting for CBAM goods", 200, False),
    ("sox", "US", "Controls over invoices feeding the financial statements", 75, True),
]


def _compliance(tenant, partnerships, manager, today) -> None:
    first = partnerships[0]
    now = timezone.now()
    if not ComplianceRequirement.objects.filter(partnership=first).exists():
        for framework, jurisdiction, title, due, attested in COMPLIANCE:
            requirement = services.compliance_requirement_create(
                actor=manager,
                partnership=first,
                framework=framework,
                jurisdiction=jurisdiction,
                title=title,
                due_on=today + timedelta(days=due),
                our_standard="Our supplier code of conduct, section on "
                + framework.replace("_", " "),
                partner_standard="The partner's group policy, aligned with ISO 37001 / ISO 14001.",
                harmonised_standard="The stricter of both; evidence shared yearly.",
                owner=manager,
            )
            if attested:
                services.attestation_record(
                    requirement=requirement,
                    attested_by=tenant.users[Role.PARTNER_GUEST],
                    period_start=today - timedelta(days=365),
                    period_end=today - timedelta(days=1),
                    statement="Attested by the partner's compliance officer; no exceptions.",
                    now=now,
                )
    if not ForceMajeureEvent.objects.filter(partnership=first).exists():
        event = services.force_majeure_log(
            actor=manager,
            partnership=first,
            title="Flooding at the partner's Rhine plant",
            started_on=today - timedelta(days=40),
            notice_days=14,
            today=today,
            affected_obligations="Delivery of gearbox housings, weeks 12–16",
            escalation_steps="Key account → steering committee within 48 hours",
        )
        services.force_majeure_update(
            event=event,
            actor=manager,
            notice_given_on=today - timedelta(days=37),
            ended_on=today - timedelta(days=12),
            alternative_sourcing_met=True,
        )
    if not IncidentResponsePlan.objects.filter(partnership=first).exists():
        services.incident_plan_set(
            actor=manager,
            partnership=first,
            roles="Incident lead: the partner's plant manager. Decisions: our category manager. "
            "Communication: both key-account managers.",
            contact_tree="Plant manager → key account manager → category manager → "
            "head of procurement (within 2 hours).",
            steps="1. Secure people and stock. 2. Notify within 4 hours. 3. Switch to buffer "
            "stock. 4. Activate the second source. 5. Review after recovery.",
            last_tested_on=today - timedelta(days=90),
        )
    if not WatchItem.objects.exists():
        services.watch_item_create(
            actor=manager,
            kind="geopolitical",
            title="Export controls on power semiconductors",
            countries="TW, CN",
            categories="Electronics",
            effective_on=today + timedelta(days=60),
        )
        services.watch_item_create(
            actor=manager,
            kind="regulatory",
            title="CBAM definitive period for steel and aluminium",
            countries="",
            categories="Precision components, Packaging",
            effective_on=today + timedelta(days=120),
        )


def _shared_supplier(partnerships, manager) -> None:
    """The power-electronics partner buys its magnets from the same sole source as the
    drive-train partner (the partnerships demo's Nordic Magnet AB): a single point of failure
    for both partnerships, and through it the rare-earth mine behind it."""
    magnets = Partner.objects.filter(name="Nordic Magnet AB").first()
    if magnets is None or len(partnerships) < 5:
        return
    buyer = partnerships[4].partner
    if not SubTierLink.objects.filter(partner=buyer, supplier=magnets).exists():
        partnership_services.record_create(
            model=SubTierLink,
            actor=manager,
            partner=buyer,
            supplier=magnets,
            supplies="Rare-earth magnets",
            critical=True,
        )
