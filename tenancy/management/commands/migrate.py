"""`migrate`, run as the owner role: schema changes need the owner, the runtime role is not."""

from django.core.management.commands import migrate

from tenancy.db.base import owner_mode


class Command(migrate.Command):
    def handle(self, *args, **options):
        with owner_mode():
            return super().handle(*args, **options)
