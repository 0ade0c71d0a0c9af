"""The one migration operation that puts a tenant table behind row-level security.

Every migration that creates a `TenantModel` table adds `EnableRowLevelSecurity("model")` after
it. `tests/isolation/test_rls.py` fails for any tenant table without the policy, so a forgotten
operation cannot ship.
"""

from django.db.migrations.operations.base import Operation

POLICY_NAME = "tenant_isolation"
# NULLIF: outside a tenant transaction the setting is '' (or unset): match nothing, never error.
TENANT_EXPRESSION = (
    "organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint"
)


class EnableRowLevelSecurity(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state):
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, to_state))
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY {POLICY_NAME} ON {table} "
            f"USING ({TENANT_EXPRESSION}) WITH CHECK ({TENANT_EXPRESSION})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name.lower()}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})
