"""After every `migrate` (which runs as the owner), give the runtime role what it needs on every
table and sequence, including tables created by Django's and third-party apps' migrations."""

from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def grant_runtime_role(sender, using="default", **kwargs):
    role = settings.DB_RUNTIME_ROLE
    if not role or sender.name != "tenancy":
        return
    with connections[using].cursor() as cursor:
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        cursor.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
