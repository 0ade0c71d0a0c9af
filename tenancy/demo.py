"""Demo data of the foundation: two organizations and a user for every role in each.
`manage.py seed_demo` runs this, then each module's `<app>/demo.py:seed()` in module order
(partners and partnerships first, from `partnerships/demo.py`), inside the organization's scope.
Everything is looked up before it is created, so a second run changes nothing."""

from dataclasses import dataclass, field

from tenancy.models import Membership, Organization, Role, User
from tenancy.services import membership_grant, organization_create

DEMO_PASSWORD = "partnerline-demo"


@dataclass
class DemoTenant:
    organization: Organization
    users: dict[str, User] = field(default_factory=dict)
    partnerships: list = field(default_factory=list)  # partnerships.Partnership, seeded by it


ORGANIZATIONS = [
    ("northwind", "Northwind Manufacturing", "EUR"),
    ("contoso", "Contoso Health Systems", "USD"),
]


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
