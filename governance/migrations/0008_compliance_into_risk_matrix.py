"""Governance's compliance officers and attestations move into the risk module's compliance
matrix (one model, not two): each officer becomes a risk `ComplianceOfficer` (area → framework),
each (partnership, area) with attestations a `ComplianceRequirement` due on the earliest pending
attestation (else one interval after the last attested one), and each given attestation a risk
`Attestation` of the period ending on its due date (its period label kept in the statement).

Rows are copied one organization at a time inside that tenant's scope, so the copy works under
row-level security whatever the role that migrates."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import migrations

AREA_TO_FRAMEWORK = {
    "anti_bribery": "anti_bribery",
    "labour": "labour",
    "environment": "environment",
    "data_protection": "gdpr",
}
TITLES = {
    "anti_bribery": "Anti-bribery attestation",
    "labour": "Labour standards attestation",
    "environment": "Environment attestation",
    "data_protection": "Data protection attestation",
}


def _scope(schema_editor, organization_id):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.organization_id', %s, true)",
            ["" if organization_id is None else str(organization_id)],
        )


def copy_forwards(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    OldOfficer = apps.get_model("governance", "ComplianceOfficer")
    OldAttestation = apps.get_model("governance", "Attestation")
    Officer = apps.get_model("risk", "ComplianceOfficer")
    Requirement = apps.get_model("risk", "ComplianceRequirement")
    Attestation = apps.get_model("risk", "Attestation")
    for organization_id in Organization.objects.values_list("pk", flat=True):
        _scope(schema_editor, organization_id)
        old_officers = list(
            OldOfficer.objects.filter(organization_id=organization_id).order_by("pk")
        )
        if not old_officers:
            continue
        for old in old_officers:
            Officer.objects.update_or_create(
                organization_id=organization_id,
                partnership_id=old.partnership_id,
                framework=AREA_TO_FRAMEWORK[old.area],
                party=old.party,
                defaults={"user_id": old.user_id},
            )
        attestations = list(
            OldAttestation.objects.filter(organization_id=organization_id)
            .select_related("officer")
            .order_by("due_on", "pk")
        )
        by_area: dict = {}
        for attestation in attestations:
            key = (attestation.officer.partnership_id, attestation.officer.area)
            by_area.setdefault(key, []).append(attestation)
        for (partnership_id, area), rows in by_area.items():
            months = 3 if all("Q" in a.period.upper() for a in rows) else 12
            pending = [a for a in rows if a.status == "pending"]
            if pending:
                due_on = pending[0].due_on
                reminded_for = due_on if pending[0].reminded_at else None
            else:
                due_on = rows[-1].due_on + relativedelta(months=months)
                reminded_for = None
            requirement = Requirement.objects.create(
                organization_id=organization_id,
                partnership_id=partnership_id,
                framework=AREA_TO_FRAMEWORK[area],
                jurisdiction="GLOBAL",
                title=TITLES[area],
                attestation_months=months,
                due_on=due_on,
                reminded_for=reminded_for,
            )
            for old in rows:
                if old.status != "attested":
                    continue
                period_start = old.due_on - relativedelta(months=months) + timedelta(days=1)
                period_end = max(period_start, min(old.due_on, old.attested_at.date()))
                if Attestation.objects.filter(
                    requirement=requirement,
                    attested_by_id=old.officer.user_id,
                    period_start=period_start,
                ).exists():
                    continue
                Attestation.objects.create(
                    organization_id=organization_id,
                    requirement=requirement,
                    attested_by_id=old.officer.user_id,
                    party=old.officer.party,
                    period_start=period_start,
                    period_end=period_end,
                    outcome="compliant",
                    statement=f"{old.period}: {old.statement}",
                    attested_at=old.attested_at,
                )
    _scope(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0007_minutes_pdf_job"),
        ("risk", "0004_compliance_officers_and_reminders"),
        ("tenancy", "0006_organization_export"),
    ]

    # Backwards: the copies stay in the risk matrix (the governance tables come back empty).
    operations = [migrations.RunPython(copy_forwards, migrations.RunPython.noop)]
