"""What would block distributing the schema on Citus by organization_id today (docs/scaling.md).

Citus distributes a table by one column; every PRIMARY KEY and UNIQUE constraint of a distributed
table must include it, and a FOREIGN KEY between distributed tables must include it on both sides.
Tables without organization_id (users, organizations, Django's own tables) and the boundary tables
read before a tenant is known become *reference tables* (copied to every node): foreign keys to
them are allowed. This test lists every constraint and index of a tenant table that is not led by
or does not include organization_id, and fails on any that falls outside the categories
docs/scaling.md gives a plan for.
"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# Read before a tenant is known (tenancy/models.py): reference tables, not distributed.
BOUNDARY_TABLES = {"tenancy_membership", "tenancy_apikey", "governance_calendarfeedtoken"}

TENANT_TABLES_SQL = """
    SELECT c.relname FROM pg_class c
    JOIN pg_attribute a
      ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace
"""

CONSTRAINTS_SQL = """
    SELECT con.conrelid::regclass::text, con.conname, con.contype,
           COALESCE(con.confrelid::regclass::text, ''), pg_get_constraintdef(con.oid),
           EXISTS (
               SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid
               AND a.attnum = ANY(con.conkey) AND a.attname = 'organization_id'
           )
    FROM pg_constraint con
    WHERE con.connamespace = 'public'::regnamespace AND con.contype IN ('p', 'u', 'f')
"""

INDEXES_SQL = """
    SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, i.indisunique,
           i.indisprimary, a.attname
    FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
"""


def blockers() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(TENANT_TABLES_SQL)
        distributed = {row[0] for row in cursor.fetchall()} - BOUNDARY_TABLES
        cursor.execute(CONSTRAINTS_SQL)
        constraints = cursor.fetchall()
        cursor.execute(INDEXES_SQL)
        indexes = cursor.fetchall()
    found: dict[str, list[str]] = {
        "primary_key_without_organization": [],
        "foreign_key_between_tenant_tables_without_organization": [],
        "non_organization_led_index": [],
        "unplanned": [],
    }
    for table, name, kind, target, definition, has_org in constraints:
        if table not in distributed or has_org:
            continue
        if kind == "p":
            found["primary_key_without_organization"].append(f"{table}: {definition}")
        elif kind == "f" and target in distributed:
            found["foreign_key_between_tenant_tables_without_organization"].append(
                f"{table}.{name} -> {target}"
            )
        elif kind == "f":
            continue  # to a reference table: allowed by Citus
        else:  # a UNIQUE constraint that does not include organization_id
            found["unplanned"].append(f"{table}.{name}: {definition}")
    for table, index, unique, primary, first_column in indexes:
        if table not in distributed or primary or first_column == "organization_id":
            continue
        if unique:
            # A unique index must include organization_id; leading with it is what we require.
            found["unplanned"].append(f"{table}: unique index {index} not led by organization_id")
        else:
            found["non_organization_led_index"].append(f"{table}: {index} ({first_column})")
    return found


def test_every_obstacle_to_distribution_by_organization_has_a_plan():
    found = blockers()
    assert found["unplanned"] == [], found


def test_the_listing_finds_the_primary_keys_it_reports():
    # A guard on the query itself: every distributed table has an id-only primary key today.
    found = blockers()
    assert any(
        item.startswith("contracts_agreement:")
        for item in found["primary_key_without_organization"]
    )
