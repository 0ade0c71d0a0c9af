"""Write one archive of everything an organization owns (tenancy/portability.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenancy.models import Organization
from tenancy.portability import archive_path_for, organization_export


class Command(BaseCommand):
    help = "Export an organization (JSON per table, uploaded files, manifest with checksums)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organization's address, e.g. northwind")
        parser.add_argument(
            "--output", help="archive path (default: <slug>-<time>.partnerline.zip)"
        )

    def handle(self, *args, slug, output=None, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the address “{slug}”.")
        now = timezone.now()
        path = Path(output) if output else archive_path_for(organization, Path.cwd(), now=now)
        manifest = organization_export(organization=organization, destination=path, now=now)
        rows = sum(entry["rows"] for entry in manifest["tables"].values())
        self.stdout.write(
            f"{path}: {rows:,} rows in {len(manifest['tables'])} tables, "
            f"{manifest['users']['rows']} users, {len(manifest['files'])} files"
        )
