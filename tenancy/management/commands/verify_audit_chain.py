"""Recompute every organization's audit hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from tenancy.audit import audit_chain_verify
from tenancy.context import tenant_scope
from tenancy.models import Organization


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail (all organizations, or --org SLUG)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only this organization slug")

    def handle(self, *args, org=None, **options):
        organizations = Organization.objects.order_by("slug")
        if org:
            organizations = organizations.filter(slug=org)
        broken = 0
        for organization in organizations:
            with tenant_scope(organization):
                report = audit_chain_verify()
            if report.ok:
                self.stdout.write(f"{organization.slug}: OK ({report.events_checked} events)")
            else:
                broken += 1
                self.stdout.write(
                    f"{organization.slug}: BROKEN at event #{report.first_broken_sequence}: "
                    f"{report.reason}"
                )
        if broken:
            raise CommandError(f"{broken} organization(s) have a broken audit chain.")
