"""Build the demo: two organizations, a user for every role, and each module's demo data.

Idempotent: a second run finds everything and creates nothing. Modules add their data in
`<app>/demo.py` with `seed(tenant: tenancy.demo.DemoTenant) -> None`, partnerships first.
"""

from importlib import import_module, util

from django.core.management.base import BaseCommand
from django.db import transaction

from tenancy import demo
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tenancy.modules import module_apps


class Command(BaseCommand):
    help = "Create or complete the demo organizations, users and data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            tenants = [demo.seed_organization(slug) for slug, _, _ in demo.ORGANIZATIONS]
            # One user in both organizations, to show the organization switcher.
            admin = tenants[0].users[Role.ORG_ADMIN]
            Membership.objects.get_or_create(
                organization=tenants[1].organization, user=admin, defaults={"role": Role.VIEWER}
            )
            for tenant in tenants:
                with tenant_scope(tenant.organization):
                    for module in module_apps():
                        if util.find_spec(f"{module}.demo") is not None:
                            import_module(f"{module}.demo").seed(tenant)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data is in place. Logins (password '{demo.DEMO_PASSWORD}'):")
        )
        for tenant in tenants:
            for role, user in tenant.users.items():
                self.stdout.write(f"  {tenant.organization.slug:<10} {role:<20} {user.email}")
