"""Re-encrypt stored secrets with the first key of FIELD_ENCRYPTION_KEYS (tenancy/crypto.py).

Rotation: put the new key first (keep the old one after it), run this, then drop the old key.
"""

from django.core.management.base import BaseCommand

from tenancy.access.services import single_sign_on_secrets_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        count = single_sign_on_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted {count} single sign-on client secret(s).")
