"""Print a new API key: manage.py create_api_key --email E --org SLUG (shown once)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenancy.models import Organization, User
from tenancy.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key bound to one user and one organization and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, email, org, name, **options):
        user = User.objects.filter(email=email.lower()).first()
        organization = Organization.objects.filter(slug=org).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email}.")
        if organization is None:
            raise CommandError(f"No organization with slug {org}.")
        try:
            _, raw_key = api_key_create(
                organization=organization, user=user, name=name, now=timezone.now()
            )
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw_key)
