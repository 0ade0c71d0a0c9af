"""`flush`, run as the owner role (TRUNCATE is not granted to the runtime role)."""

from django.core.management.commands import flush

from tenancy.db.base import owner_mode


class Command(flush.Command):
    def handle(self, **options):
        with owner_mode():
            return super().handle(**options)
