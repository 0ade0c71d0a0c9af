"""A partner's country is chosen from the ISO 3166-1 list (django-countries) and shown by name.

Codes typed before are normalised first, one organization at a time inside that tenant's scope
(so the update works under row-level security whatever the role that migrates): upper case,
and "UK" (not an ISO code) read as "GB". A value that is still not a country is
kept as it was: the pages show it as typed, and the next edit asks for a country from the list.
"""

import django_countries.fields
from django.db import migrations


def _scope(schema_editor, organization_id):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.organization_id', %s, true)",
            ["" if organization_id is None else str(organization_id)],
        )


def normalise_forwards(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    Partner = apps.get_model("partnerships", "Partner")
    for organization_id in Organization.objects.values_list("pk", flat=True):
        _scope(schema_editor, organization_id)
        typed = Partner.objects.filter(organization_id=organization_id).exclude(country="")
        for pk, country in typed.values_list("pk", "country"):  # the stored text, as typed
            code = country.upper()
            code = "GB" if code == "UK" else code
            if code != country:
                Partner.objects.filter(pk=pk).update(country=code)
    _scope(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0004_partnership_name_index"),
        ("tenancy", "0010_sso_domain_verification"),
    ]

    operations = [
        migrations.RunPython(normalise_forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="partner",
            name="country",
            field=django_countries.fields.CountryField(
                blank=True,
                error_messages={"invalid_choice": "Choose a country from the list."},
                max_length=2,
            ),
        ),
    ]
