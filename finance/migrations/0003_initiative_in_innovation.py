"""A saving's improvement initiative is innovation's model now (same table, renamed)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_payment_terms"),
        ("innovation", "0001_initiative_from_performance"),
    ]

    operations = [
        migrations.AlterField(
            model_name="savingsentry",
            name="initiative",
            field=models.ForeignKey(
                blank=True,
                help_text="The improvement initiative the saving comes from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="innovation.improvementinitiative",
            ),
        ),
    ]
