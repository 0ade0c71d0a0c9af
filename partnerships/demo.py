"""Demo data of module 1: partners with their records, the partnerships every other module
hangs from, a need with three candidates compared, a partnership in due diligence with an open
mandatory item, an exclusivity conflict, stakeholders with a conflicting and an ownerless
objective, joint IP and a missed onboarding milestone. `seed(tenant)` runs first of the modules'
demos (`manage.py seed_demo`); a second run changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from partnerships import services as partnership_services
from partnerships.models import (
    DueDiligenceItem,
    Exclusivity,
    JointIp,
    OnboardingMilestone,
    Partner,
    PartnerCertification,
    PartnerContact,
    PartnerFinancials,
    Partnership,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
)
from tenancy.demo import DemoTenant
from tenancy.models import Role

PARTNERS = {
    "northwind": [
        # partner, tier, country, category, partnership name, code, kind, status, value, start
        (
            "Alder Components GmbH",
            "strategic",
            "DE",
            "Precision components",
            "Drive-train components alliance",
            "ALDER-DT",
            "alliance",
            "active",
            "18500000",
            (2023, 1, 1),
        ),
        (
            "Brightwave Logistics Ltd",
            "strategic",
            "GB",
            "Logistics",
            "European inbound logistics",
            "BRIGHT-LOG",
            "strategic_partnership",
            "active",
            "7200000",
            (2022, 7, 1),
        ),
        (
            "Cobalt Cloud Services Inc.",
            "preferred",
            "US",
            "IT services",
            "Manufacturing cloud platform",
            "COBALT-MES",
            "strategic_partnership",
            "under_review",
            "3100000",
            (2021, 4, 1),
        ),
        (
            "Dunmore Packaging BV",
            "preferred",
            "NL",
            "Packaging",
            "Sustainable packaging programme",
            "DUNMORE-PKG",
            "preferred_supplier",
            "negotiating",
            "1250000",
            (2026, 1, 1),
        ),
        (
            "Everlight Semiconductors",
            "approved",
            "TW",
            "Electronics",
            "Power electronics co-development",
            "EVER-PE",
            "joint_venture",
            "due_diligence",
            "9800000",
            (2026, 6, 1),
        ),
    ],
    "contoso": [
        (
            "Fjord Medical Devices AS",
            "strategic",
            "NO",
            "Medical devices",
            "Infusion pump supply partnership",
            "FJORD-INF",
            "strategic_partnership",
            "active",
            "5400000",
            (2022, 1, 1),
        ),
        (
            "Granite Pharma Services",
            "preferred",
            "US",
            "Pharmacy services",
            "Hospital pharmacy outsourcing",
            "GRANITE-RX",
            "strategic_partnership",
            "active",
            "12300000",
            (2021, 10, 1),
        ),
        (
            "Harbor Facilities Group",
            "approved",
            "US",
            "Facilities",
            "Facilities management",
            "HARBOR-FM",
            "preferred_supplier",
            "exiting",
            "2600000",
            (2019, 1, 1),
        ),
    ],
}

STATUS_PATH = ["proposed", "due_diligence", "negotiating", "active", "under_review", "exiting"]


def seed_partnerships(tenant: DemoTenant) -> None:
    """Create the tenant's partners and partnerships; call inside the tenant's scope."""
    slug = tenant.organization.slug
    owner = tenant.users[Role.PROCUREMENT_MANAGER]
    for row in PARTNERS[slug]:
        (partner_name, tier, country, category, name, code, kind, status, value, start) = row
        partner = Partner.objects.filter(
            name=partner_name
        ).first() or partnership_services.partner_create(
            actor=owner,
            name=partner_name,
            legal_name=partner_name,
            tier=tier,
            country=country,
            category=category,
        )
        partnership = Partnership.objects.filter(code=code).first()
        if partnership is None:
            start_date = date(*start)
            partnership = partnership_services.partnership_create(
                actor=owner,
                partner=partner,
                name=name,
                code=code,
                kind=kind,
                category=category,
                owner=owner,
                description=f"{name} with {partner_name}.",
                start_date=start_date,
                end_date=date(start_date.year + 5, start_date.month, start_date.day),
                annual_value=Decimal(value),
                currency=tenant.organization.default_currency,
            )
            for step in STATUS_PATH[1 : STATUS_PATH.index(status) + 1]:
                partnership_services.partnership_transition(
                    partnership=partnership,
                    actor=owner,
                    status=step,
                    reason="Demo: the partnership is winding down."
                    if partnership_services.transition_needs_reason(step)
                    else "",
                )
            partnership.refresh_from_db()
        tenant.partnerships.append(partnership)
    # The partner guest sees the first partnership only.
    guest = tenant.users[Role.PARTNER_GUEST]
    first = tenant.partnerships[0]
    if not guest.has_perm("partnerships.view_partnership", first):
        partnership_services.partnership_invite_guest(partnership=first, guest=guest, actor=owner)


def seed(tenant: DemoTenant) -> None:
    seed_partnerships(tenant)
    if tenant.organization.slug == "northwind":
        _seed_partner_records(tenant)
        _seed_sourcing_case(tenant)
        _seed_due_diligence(tenant)
        _seed_strategy(tenant)


def _partner(name: str) -> Partner:
    return Partner.objects.get(name=name)


def _seed_partner_records(tenant: DemoTenant) -> None:
    owner = tenant.users[Role.PROCUREMENT_MANAGER]
    alder = _partner("Alder Components GmbH")
    if PartnerContact.objects.filter(partner=alder).exists():
        return
    record = partnership_services.record_create
    partnership_services.partner_update(
        partner=alder,
        actor=owner,
        industry="Automotive and industrial components",
        categories=["Precision components", "Power electronics"],
        regions_served=["EU", "North America"],
        size=Partner.Size.LARGE,
    )
    record(
        model=PartnerContact,
        actor=owner,
        partner=alder,
        name="Katrin Vogel",
        role="Key account director",
        email="k.vogel@alder.example",
    )
    for year, revenue, margin, current, debt in (
        (2023, "412000000", "8.40", "1.60", "0.42"),
        (2024, "438500000", "9.10", "1.70", "0.39"),
        (2025, "455200000", "7.80", "1.40", "0.45"),
    ):
        record(
            model=PartnerFinancials,
            actor=owner,
            partner=alder,
            year=year,
            revenue=Decimal(revenue),
            currency="EUR",
            margin_percent=Decimal(margin),
            current_ratio=Decimal(current),
            debt_ratio=Decimal(debt),
        )
    today = timezone.localdate()
    record(
        model=PartnerCertification,
        actor=owner,
        partner=alder,
        name="IATF 16949",
        issuer="TÜV Süd",
        valid_until=today + timedelta(days=400),
    )
    record(
        model=PartnerCertification,
        actor=owner,
        partner=alder,
        name="ISO 14001",
        issuer="DEKRA",
        valid_until=today - timedelta(days=30),
    )
    for name, supplies, critical in (
        ("Kestrel Castings s.r.o.", "Aluminium housings", True),
        ("Nordic Magnet AB", "Rare-earth magnets", True),
    ):
        supplier = Partner.objects.filter(name=name).first() or partnership_services.partner_create(
            actor=owner, name=name, tier=Partner.Tier.APPROVED, category="Sub-tier"
        )
        record(
            model=SubTierLink,
            actor=owner,
            partner=alder,
            supplier=supplier,
            supplies=supplies,
            critical=critical,
        )
    magnets = _partner("Nordic Magnet AB")
    mine = Partner.objects.filter(name="Baotou Rare Earth Mining").first()
    if mine is None:
        mine = partnership_services.partner_create(
            actor=owner, name="Baotou Rare Earth Mining", country="CN", category="Sub-tier"
        )
        record(model=SubTierLink, actor=owner, partner=magnets, supplier=mine, critical=True)


# acquisition, operating / year, transaction / year, risk / year, switching
COSTS_VOLTAIC = ("400000", "2100000", "60000", "80000", "250000")
COSTS_MERIDIAN = ("350000", "2050000", "70000", "120000", "250000")
COSTS_LOTUS = ("300000", "1980000", "90000", "160000", "300000")
COST_NAMES = (
    "acquisition_cost",
    "operating_cost",
    "transaction_cost",
    "risk_cost",
    "switching_cost",
)


def _seed_sourcing_case(tenant: DemoTenant) -> None:
    """A new need with three candidates compared; not decided yet."""
    owner = tenant.users[Role.PROCUREMENT_MANAGER]
    title = "Battery-module assembly for the e-drive line"
    if SourcingCase.objects.filter(title=title).exists():
        return
    case = partnership_services.sourcing_case_create(
        actor=owner,
        title=title,
        category="Battery modules",
        currency="EUR",
        horizon_years=5,
        discount_rate=Decimal("8"),
        profit_impact=5,
        supply_risk=4,
        owner=owner,
    )
    for model, costs in (
        ("transactional", ("150000", "2400000", "180000", "260000", "0")),
        ("strategic", ("420000", "2150000", "60000", "90000", "250000")),
    ):
        partnership_services.tco_estimate_set(
            case=case, model=model, actor=owner, **_cost_fields(costs)
        )
    criteria = list(case.criteria.order_by("pk"))
    for name, country, risk, scores, costs in (
        (
            "Voltaic Systems AG",
            "DE",
            35,
            (5, 4, 4, 5, 4, 4),
            ("400000", "2100000", "60000", "80000", "250000"),
        ),
        (
            "Meridian Cells Ltd",
            "GB",
            55,
            (3, 4, 3, 3, 4, 3),
            ("350000", "2050000", "70000", "120000", "250000"),
        ),
        (
            "Lotus Energy Co.",
            "KR",
            62,
            (4, 5, 2, 4, 3, 2),
            ("300000", "1980000", "90000", "160000", "300000"),
        ),
    ):
        partner = Partner.objects.filter(name=name).first() or partnership_services.partner_create(
            actor=owner, name=name, country=country, category="Battery modules"
        )
        candidate = partnership_services.candidate_add(
            case=case, partner=partner, actor=owner, risk_score=risk
        )
        partnership_services.candidate_scores_set(
            candidate=candidate,
            actor=owner,
            scores={c.pk: s for c, s in zip(criteria, scores, strict=True)},
        )
        partnership_services.tco_estimate_set(
            case=case,
            model="strategic",
            candidate=candidate,
            actor=owner,
            **_cost_fields(costs),
        )


def _cost_fields(costs) -> dict:
    names = (
        "acquisition_cost",
        "operating_cost",
        "transaction_cost",
        "risk_cost",
        "switching_cost",
    )
    return {name: Decimal(value) for name, value in zip(names, costs, strict=True)}


def _seed_due_diligence(tenant: DemoTenant) -> None:
    """Everlight is in due diligence; sanctions screening, mandatory, is still open."""
    owner = tenant.users[Role.PROCUREMENT_MANAGER]
    partnership = Partnership.objects.get(code="EVER-PE")
    if DueDiligenceItem.objects.filter(partnership=partnership).exists():
        return
    partnership_services.due_diligence_apply_template(
        partnership=partnership, template="full", actor=owner
    )
    now = timezone.now()
    legal = tenant.users[Role.LEGAL]
    for item in DueDiligenceItem.objects.filter(partnership=partnership):
        if item.area == DueDiligenceItem.Area.SANCTIONS:
            partnership_services.due_diligence_item_update(
                item=item, actor=owner, now=now, reviewer=legal, status="in_review"
            )
        elif item.area != DueDiligenceItem.Area.ESG:
            partnership_services.due_diligence_item_update(
                item=item,
                actor=owner,
                now=now,
                reviewer=owner,
                status="passed",
                findings="No issues found.",
            )


def _seed_strategy(tenant: DemoTenant) -> None:
    owner = tenant.users[Role.PROCUREMENT_MANAGER]
    record = partnership_services.record_create
    alder = Partnership.objects.get(code="ALDER-DT")
    everlight = Partnership.objects.get(code="EVER-PE")
    if Exclusivity.objects.filter(partnership=alder).exists():
        return
    today = timezone.localdate()
    # The planted conflict: both exclusive for power electronics in the EU.
    record(
        model=Exclusivity,
        actor=owner,
        partnership=alder,
        categories=["Precision components", "Power electronics"],
        regions=["EU"],
        exceptions="Prototype parts under EUR 50,000 a year.",
        start_date=date(2023, 1, 1),
        end_date=date(2027, 12, 31),
        bidding_effect="Drive-train components are not tendered in the EU during the term.",
    )
    record(
        model=Exclusivity,
        actor=owner,
        partnership=everlight,
        categories=["Power electronics"],
        regions=["EU", "Asia"],
        start_date=date(2026, 6, 1),
        end_date=date(2031, 5, 31),
        bidding_effect="Inverter modules leave the open tender calendar.",
    )
    procurement = record(
        model=Stakeholder,
        actor=owner,
        partnership=alder,
        name="Procurement (category lead)",
        function=Stakeholder.Function.PROCUREMENT,
        user=owner,
    )
    finance = record(
        model=Stakeholder,
        actor=owner,
        partnership=alder,
        name="Plant controlling",
        function=Stakeholder.Function.FINANCE,
        user=tenant.users[Role.FINANCE],
    )
    cost = record(
        model=StakeholderObjective,
        actor=owner,
        partnership=alder,
        title="Cut unit cost 4 % a year",
        owner=finance,
        priority=1,
    )
    record(
        model=StakeholderObjective,
        actor=owner,
        partnership=alder,
        title="Dual-source every critical part",
        owner=procurement,
        priority=2,
        conflicts_with=cost,
    )
    record(
        model=StakeholderObjective,
        actor=owner,
        partnership=alder,
        title="Co-develop the next inverter generation",
        priority=2,
    )
    record(
        model=JointIp,
        actor=owner,
        partnership=alder,
        title="Alder gear-cutting process know-how",
        kind=JointIp.Kind.BACKGROUND,
        owner=JointIp.Owner.PARTNER,
        licence_terms="Non-exclusive, royalty-free, for the term of the alliance.",
    )
    record(
        model=JointIp,
        actor=owner,
        partnership=alder,
        title="Integrated e-axle housing design",
        kind=JointIp.Kind.FOREGROUND,
        owner=JointIp.Owner.JOINT,
        licence_terms="Each party may use it in its own products; no sublicensing.",
    )
    record(
        model=OnboardingMilestone,
        actor=owner,
        partnership=everlight,
        title="Supplier portal access and EDI test",
        due_date=today - timedelta(days=5),
    )
    record(
        model=OnboardingMilestone,
        actor=owner,
        partnership=everlight,
        title="First-article inspection",
        due_date=today + timedelta(days=40),
    )
    partnership_services.onboarding_milestones_check(today=today, actor=owner)
