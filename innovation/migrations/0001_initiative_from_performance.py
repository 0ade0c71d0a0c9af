"""The improvement initiative moves from performance to innovation, keeping its rows.

The table is renamed (performance_improvementinitiative -> innovation_improvementinitiative)
rather than copied: the ids stay, so finance.SavingsEntry.initiative keeps pointing at the same
rows, and the row-level security policy and indexes follow the rename. The state moves with
SeparateDatabaseAndState (performance 0007 drops it from performance's state).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # After every migration that references the table under its old name.
        ("finance", "0002_payment_terms"),
        ("partnerships", "0003_module_one_selection_and_strategy"),
        ("performance", "0006_measurement_change_triggers"),
        ("tenancy", "0008_change_counter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImprovementInitiative",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("title", models.CharField(max_length=200)),
                        ("description", models.TextField(blank=True)),
                        (
                            "submitted_by_side",
                            models.CharField(
                                choices=[("buyer", "Our organization"), ("partner", "Partner")],
                                default="buyer",
                                max_length=10,
                            ),
                        ),
                        (
                            "impact",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ]
                            ),
                        ),
                        (
                            "effort",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(1),
                                    django.core.validators.MaxValueValidator(5),
                                ]
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("proposed", "Proposed"),
                                    ("approved", "Approved"),
                                    ("pilot", "In pilot"),
                                    ("implemented", "Implemented"),
                                    ("rejected", "Rejected"),
                                ],
                                default="proposed",
                                max_length=12,
                            ),
                        ),
                        (
                            "expected_benefit",
                            models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True),
                        ),
                        (
                            "realised_benefit",
                            models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True),
                        ),
                        (
                            "currency",
                            models.CharField(
                                choices=[
                                    ("EUR", "Euro"),
                                    ("USD", "US dollar"),
                                    ("GBP", "Pound sterling"),
                                    ("CHF", "Swiss franc"),
                                    ("JPY", "Japanese yen"),
                                    ("CNY", "Chinese yuan"),
                                    ("SEK", "Swedish krona"),
                                    ("DKK", "Danish krone"),
                                    ("NOK", "Norwegian krone"),
                                    ("PLN", "Polish złoty"),
                                    ("CAD", "Canadian dollar"),
                                    ("AUD", "Australian dollar"),
                                    ("INR", "Indian rupee"),
                                ],
                                default="EUR",
                                max_length=3,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="tenancy.organization",
                            ),
                        ),
                        (
                            "partnership",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="partnerships.partnership",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["organization", "partnership"], name="initiative_partnership"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE performance_improvementinitiative "
                    "RENAME TO innovation_improvementinitiative",
                    "ALTER TABLE innovation_improvementinitiative "
                    "RENAME TO performance_improvementinitiative",
                ),
            ],
        ),
    ]
