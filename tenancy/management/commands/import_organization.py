"""Restore an organization from an archive written by export_organization."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tenancy.errors import ConflictError
from tenancy.portability import ArchiveError, organization_import


class Command(BaseCommand):
    help = "Import an organization archive into a database that does not hold it (ids remapped)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of the .partnerline.zip archive")
        parser.add_argument("--id-map", help="write the old → new id of every row here (JSON)")

    def handle(self, *args, archive, id_map=None, **options):
        try:
            with open(archive, "rb") as handle:
                result = organization_import(source=handle)
        except FileNotFoundError:
            raise CommandError(f"No such file: {archive}") from None
        except (ArchiveError, ConflictError) as error:
            raise CommandError(str(error)) from None
        if id_map:
            Path(id_map).write_text(
                json.dumps(
                    {
                        "organization": result.organization.pk,
                        "tables": {
                            label: {str(old): new for old, new in ids.items()}
                            for label, ids in result.id_maps.items()
                        },
                    }
                )
            )
        self.stdout.write(
            f"{result.organization.slug}: {result.rows:,} rows and {result.files} files imported"
        )
