"""The tenant context: which organization the current request or task works for.

One context variable holds the organization for the ORM (the scoped manager reads it) and one
transaction-local PostgreSQL setting, `app.organization_id`, holds it for row-level security.
`tenant_scope(org)` sets both for a block; the middleware wraps each tenant request in it and
`tenancy.tasks.TenantTask` wraps each task. Outside a scope, tenant queries raise (fail closed).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from tenancy.models import Organization

_current_organization: ContextVar["Organization | None"] = ContextVar(
    "current_organization", default=None
)


class TenantNotSetError(RuntimeError):
    """A tenant-owned table was queried with no organization in context."""


def current_organization() -> "Organization | None":
    return _current_organization.get()


def require_organization() -> "Organization":
    organization = _current_organization.get()
    if organization is None:
        raise TenantNotSetError(
            "No organization is set: wrap the code in tenancy.context.tenant_scope(organization)."
        )
    return organization


def _set_database_tenant(organization_id: int | None) -> None:
    with connection.cursor() as cursor:
        # is_local=true: the value dies with the transaction, so a pooled connection never
        # carries one tenant's setting into the next request.
        cursor.execute(
            "SELECT set_config('app.organization_id', %s, true)",
            [str(organization_id) if organization_id else ""],
        )


@contextmanager
def tenant_scope(organization: "Organization") -> Iterator["Organization"]:
    """Run the block as `organization`, inside a transaction that carries it for RLS."""
    previous = _current_organization.get()
    nested = connection.in_atomic_block
    token = _current_organization.set(organization)
    try:
        with transaction.atomic():
            _set_database_tenant(organization.pk)
            yield organization
            # Inside an outer transaction the setting would outlive this block: give the outer
            # code its tenant (or none) back. On an exception the savepoint rollback does it.
            if nested and not connection.needs_rollback:
                _set_database_tenant(previous.pk if previous is not None else None)
    finally:
        _current_organization.reset(token)
