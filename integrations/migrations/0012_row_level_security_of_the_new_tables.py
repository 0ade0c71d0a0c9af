"""Row-level security on the tables of crosswalks, forecasts and stock, and DR tests (their
migrations 0008-0011 left it out; tests/tenancy/test_tenancy_walls.py caught it)."""

from django.db import migrations

from tenancy.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0011_disaster_recovery_tests"),
    ]

    operations = [
        EnableRowLevelSecurity("codemapping"),
        EnableRowLevelSecurity("crosswalkreprocess"),
        EnableRowLevelSecurity("demandforecast"),
        EnableRowLevelSecurity("forecastversion"),
        EnableRowLevelSecurity("stockpolicy"),
        EnableRowLevelSecurity("stockposition"),
        EnableRowLevelSecurity("disasterrecoverytest"),
    ]
