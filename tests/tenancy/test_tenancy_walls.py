"""The two walls between tenants: the fail-closed ORM scope and PostgreSQL row-level security."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.utils import ProgrammingError

from partnerships.models import Partnership
from tenancy.context import TenantNotSetError, current_organization, tenant_scope
from tenancy.models import TenantModel
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_querying_a_tenant_model_with_no_tenant_raises():
    with pytest.raises(TenantNotSetError):
        list(Partnership.objects.all())


def test_the_scoped_manager_shows_only_the_current_organizations_rows(org_a, org_b):
    mine = PartnershipFactory(organization=org_a)
    PartnershipFactory(organization=org_b)
    with tenant_scope(org_a):
        assert list(Partnership.objects.values_list("pk", flat=True)) == [mine.pk]


def test_raw_sql_without_a_filter_still_sees_one_tenant(org_a, org_b):
    a_row = PartnershipFactory(organization=org_a)
    b_row = PartnershipFactory(organization=org_b)
    with tenant_scope(org_b), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM partnerships_partnership")
        seen = {row[0] for row in cursor.fetchall()}
    assert b_row.pk in seen
    assert a_row.pk not in seen


def test_raw_sql_outside_any_tenant_sees_nothing(org_a):
    PartnershipFactory(organization=org_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM partnerships_partnership")
        assert cursor.fetchone()[0] == 0


def test_rls_refuses_to_insert_a_row_for_another_tenant(org_a, org_b):
    partnership = PartnershipFactory(organization=org_a)
    with (
        pytest.raises(ProgrammingError, match="row-level security"),
        tenant_scope(org_b),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO partnerships_partner (organization_id, name, legal_name, country,"
            " registration_number, website, category, tier, created_at)"
            " VALUES (%s, 'Sneaky', '', '', '', '', '', 'approved', now())",
            [partnership.organization_id],
        )


def test_runtime_connections_use_a_role_that_cannot_bypass_rls():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        role, is_super, bypasses = cursor.fetchone()
    assert role == "partnerline_app"
    assert not is_super and not bypasses


def test_every_tenant_table_has_forced_row_level_security_with_a_policy():
    tenant_tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.proxy
    )
    assert tenant_tables, "no tenant tables found"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relrowsecurity AND c.relforcerowsecurity"
            " AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid"
            "             AND p.polname = 'tenant_isolation')"
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert [t for t in tenant_tables if t not in protected] == []


def test_every_tenant_index_and_unique_constraint_is_led_by_the_organization():
    offenders = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel):
            continue
        for index in model._meta.indexes:
            # An index on expressions (e.g. the risks' current score) leads with F("organization").
            first = index.fields[0] if index.fields else getattr(index.expressions[0], "name", "")
            if first != "organization":
                offenders.append(f"{model.__name__}.{index.name}")
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", None)
            if fields and fields[0] != "organization":
                offenders.append(f"{model.__name__}.{constraint.name}")
    assert offenders == []


def test_a_nested_scope_restores_the_outer_tenant(org_a, org_b):
    with tenant_scope(org_a):
        with tenant_scope(org_b):
            assert current_organization() == org_b
        assert current_organization() == org_a
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.organization_id', true)")
            assert cursor.fetchone()[0] == str(org_a.pk)
    assert current_organization() is None


def test_saving_a_row_of_another_tenant_inside_a_scope_is_refused(org_a, org_b):
    partnership = PartnershipFactory(organization=org_a)
    with tenant_scope(org_b), pytest.raises(PermissionError):
        partnership.save()
