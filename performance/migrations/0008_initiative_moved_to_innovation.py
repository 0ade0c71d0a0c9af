"""Improvement initiatives live in the innovation module (its 0001 renamed the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0007_sla_versions"),
        ("innovation", "0001_initiative_from_performance"),
        ("finance", "0003_initiative_in_innovation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImprovementInitiative")],
            database_operations=[],
        ),
    ]
