"""Exit plans left in monitoring or triggered while their partnership was already exiting (its
exit started on the partnership's page, before the plan followed its partnership) move to
exiting, as `exit_plan_follow_partnership` now moves them. Their triggers then stop firing.

Rows are updated one organization at a time inside that tenant's scope, so the update works
under row-level security whatever the role that migrates."""

from django.db import migrations


def _scope(schema_editor, organization_id):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.organization_id', %s, true)",
            ["" if organization_id is None else str(organization_id)],
        )


def follow_forwards(apps, schema_editor):
    Organization = apps.get_model("tenancy", "Organization")
    ExitPlan = apps.get_model("exit_planning", "ExitPlan")
    Partnership = apps.get_model("partnerships", "Partnership")
    for organization_id in Organization.objects.values_list("pk", flat=True):
        _scope(schema_editor, organization_id)
        exiting = Partnership.objects.filter(organization_id=organization_id, status="exiting")
        ExitPlan.objects.filter(
            organization_id=organization_id,
            partnership__in=exiting,
            status__in=["monitoring", "triggered"],
        ).update(status="exiting")
    _scope(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("exit_planning", "0002_playbook_change_training_material"),
        ("partnerships", "0004_partnership_name_index"),
        ("tenancy", "0010_sso_domain_verification"),
    ]

    operations = [migrations.RunPython(follow_forwards, migrations.RunPython.noop)]
