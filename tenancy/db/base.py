"""Django's PostgreSQL backend, plus the switch to the runtime role.

Row-level security does not apply to a superuser or to a table's owner, and CI logs in as the
superuser `postgres`. So every runtime connection runs `SET ROLE <DB_RUNTIME_ROLE>` (a role that
is neither superuser nor owner, created by tenancy's first migration) before it serves anything,
and refuses to start when that role could bypass RLS. Migrations, `flush` and test-database
creation run in *owner mode* (see `owner_mode`), on the login role. docs/tenancy.md explains it.
"""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.postgresql import base, creation

_state = threading.local()
_checked_roles: set[tuple[str, str]] = set()


def _in_owner_mode() -> bool:
    return getattr(_state, "owner_depth", 0) > 0


@contextmanager
def owner_mode():
    """Run the block on the login (owner) role: for migrations and test set-up only."""
    _state.owner_depth = getattr(_state, "owner_depth", 0) + 1
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            with conn.cursor() as cursor:
                cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        _state.owner_depth -= 1
        if not _in_owner_mode():
            for conn in connections.all(initialized_only=True):
                if conn.connection is not None and isinstance(conn, DatabaseWrapper):
                    conn.switch_to_runtime_role()


class DatabaseWrapper(base.DatabaseWrapper):
    def init_connection_state(self):
        super().init_connection_state()
        if not _in_owner_mode():
            self.switch_to_runtime_role()

    def switch_to_runtime_role(self):
        role = settings.DB_RUNTIME_ROLE
        with self.connection.cursor() as cursor:
            if role:
                cursor.execute(f'SET ROLE "{role}"')
            if (self.alias, role) in _checked_roles:
                return
            cursor.execute(
                "SELECT r.rolsuper, r.rolbypassrls,"
                " EXISTS (SELECT 1 FROM pg_tables t WHERE t.tableowner = current_user"
                "         AND t.schemaname = current_schema())"
                " FROM pg_roles r WHERE r.rolname = current_user"
            )
            is_super, bypasses_rls, owns_tables = cursor.fetchone()
        if is_super or bypasses_rls or owns_tables:
            raise ImproperlyConfigured(
                f"The runtime database role {role or '(login role)'} is a superuser, bypasses "
                "row-level security or owns the tables; tenant isolation would not hold. "
                "Set DB_RUNTIME_ROLE to a plain role (see docs/tenancy.md)."
            )
        _checked_roles.add((self.alias, role))


class DatabaseCreation(creation.DatabaseCreation):
    """Test databases are created, migrated and destroyed as the owner."""

    def create_test_db(self, *args, **kwargs):
        with owner_mode():
            return super().create_test_db(*args, **kwargs)

    def destroy_test_db(self, *args, **kwargs):
        with owner_mode():
            return super().destroy_test_db(*args, **kwargs)


DatabaseWrapper.creation_class = DatabaseCreation
