"""The demo data: two organizations, a login for every role, idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from tenancy.demo import DEMO_PASSWORD
from tenancy.models import Membership, Organization, Role, TenantModel

# heavy: it seeds the demo, 40 s on a loaded slow machine; last in the suite's order, it ran alone
# at the end (28 November 2026).
pytestmark = [pytest.mark.django_db, pytest.mark.heavy(seconds=25)]


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if issubclass(model, TenantModel):
                for organization in Organization.objects.all():
                    cursor.execute(
                        "SELECT set_config('app.organization_id', %s, true)", [str(organization.pk)]
                    )
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    counts[f"{table}@{organization.slug}"] = cursor.fetchone()[0]
            else:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


def test_seed_demo_builds_two_organizations_with_every_role_and_a_second_run_changes_nothing(
    client,
):
    call_command("seed_demo", stdout=StringIO())
    first = _row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert _row_counts() == first

    assert set(Organization.objects.values_list("slug", flat=True)) == {"northwind", "contoso"}
    for organization in Organization.objects.all():
        roles = set(
            Membership.objects.filter(organization=organization).values_list("role", flat=True)
        )
        assert roles == set(Role.values)

    for membership in Membership.objects.select_related("user", "organization"):
        assert client.login(username=membership.user.email, password=DEMO_PASSWORD)
        response = client.get(f"/o/{membership.organization.slug}/")
        assert response.status_code == 200, membership.user.email
        client.logout()

    # The demo dashboard lists the organization's own partnerships only (checked here rather
    # than in a test of its own: seeding the demo takes about 20 s).
    client.login(username="procurement.manager@northwind.example", password=DEMO_PASSWORD)
    page = client.get("/o/northwind/").content.decode()
    assert "Drive-train components alliance" in page
    assert "Infusion pump supply partnership" not in page
