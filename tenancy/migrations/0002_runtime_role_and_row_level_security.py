"""The runtime role (neither superuser nor owner, so row-level security binds it), RLS on the
tenancy app's tenant tables, and the trigger that makes the audit trail append-only."""

from django.conf import settings
from django.db import migrations

from tenancy.rls import EnableRowLevelSecurity

ROLE = settings.DB_RUNTIME_ROLE or "partnerline_app"

CREATE_ROLE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
    CREATE ROLE "{ROLE}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
GRANT "{ROLE}" TO CURRENT_USER;
"""

AUDIT_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION tenancy_audit_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON tenancy_auditevent
  FOR EACH ROW EXECUTE FUNCTION tenancy_audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE_ROLE, reverse_sql=migrations.RunSQL.noop),
        EnableRowLevelSecurity("auditevent"),
        EnableRowLevelSecurity("notification"),
        migrations.RunSQL(
            AUDIT_APPEND_ONLY,
            reverse_sql="DROP TRIGGER IF EXISTS audit_append_only ON tenancy_auditevent;"
            "DROP FUNCTION IF EXISTS tenancy_audit_refuse_change();",
        ),
    ]
