"""Demo data of the foundation: two organizations, a user for every role in each, partners and
partnerships. `manage.py seed_demo` runs this, then each module's `<app>/demo.py:seed()`, in
module order, inside the organization's scope. Everything is looked up before it is created, so
a second run changes nothing."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from partnerships import services as partnership_services
from partnerships.models import Partner, Partnership
from tenancy.models import Membership, Organization, Role, User
from tenancy.services import membership_grant, organization_create

DEMO_PASSWORD = "partnerline-demo"


@dataclass
class DemoTenant:
    organization: Organization
    users: dict[str, User] = field(default_factory=dict)
    partnerships: list[Partnership] = field(default_factory=list)


ORGANIZATIONS = [
    ("northwind", "Northwind Manufacturing", "EUR"),
    ("contoso", "Contoso Health Systems", "USD"),
]

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


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
    return user


def seed_organization(slug: str) -> DemoTenant:
    """Create (or find) the organization and its users; call outside any tenant scope."""
    name, currency = next((n, c) for s, n, c in ORGANIZATIONS if s == slug)
    organization = Organization.objects.filter(slug=slug).first() or organization_create(
        name=name, slug=slug, default_currency=currency
    )
    tenant = DemoTenant(organization)
    for role in Role.values:
        email = f"{role.replace('_', '.')}@{slug}.example"
        full_name = f"{role.replace('_', ' ').title()} ({name.split()[0]})"
        user = _user(email, full_name)
        if not Membership.objects.filter(organization=organization, user=user).exists():
            membership_grant(organization=organization, user=user, role=role)
        tenant.users[role] = user
    return tenant


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
                    partnership=partnership, actor=owner, status=step
                )
            partnership.refresh_from_db()
        tenant.partnerships.append(partnership)
    # The partner guest sees the first partnership only.
    guest = tenant.users[Role.PARTNER_GUEST]
    first = tenant.partnerships[0]
    if not guest.has_perm("partnerships.view_partnership", first):
        partnership_services.partnership_invite_guest(partnership=first, guest=guest, actor=owner)
