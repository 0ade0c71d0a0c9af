"""The audit trail is hash-chained, append-only, and tampering is found."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tenancy.audit import audit_chain_verify, audit_record
from tenancy.context import tenant_scope
from tenancy.db.base import owner_mode
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db


def _three_events(org, actor):
    with tenant_scope(org):
        return [
            audit_record(action=f"tests.thing.step{i}", actor=actor, changes={"n": i})
            for i in range(3)
        ]


def test_events_chain_each_hash_to_the_previous_one(org_a, owner):
    events = _three_events(org_a, owner)
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[1].previous_hash == events[0].hash
    assert events[2].previous_hash == events[1].hash
    with tenant_scope(org_a):
        assert audit_chain_verify().ok


def test_each_organization_has_its_own_chain(org_a, org_b, owner):
    _three_events(org_a, owner)
    with tenant_scope(org_b):
        event = audit_record(action="tests.thing.created")
    assert event.sequence == 1


def test_the_database_refuses_to_update_or_delete_an_event(org_a, owner):
    events = _three_events(org_a, owner)
    with tenant_scope(org_a):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=events[0].pk).update(action="tests.rewritten")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=events[0].pk).delete()


def test_verification_reports_the_first_altered_event(org_a, owner):
    events = _three_events(org_a, owner)
    # An attacker with superuser rights bypasses the trigger and edits the middle event.
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE tenancy_auditevent SET changes = '{\"n\": 99}' WHERE id = %s", [events[1].pk]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    with tenant_scope(org_a):
        report = audit_chain_verify()
    assert report.first_broken_sequence == 2
    assert report.reason == "content was altered"
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit_chain", org="alpha")


def test_services_write_audit_events(org_a, owner):
    from partnerships.services import partner_create

    with tenant_scope(org_a):
        partner = partner_create(actor=owner, name="Acme")
        event = AuditEvent.objects.get(action="partnerships.partner.created")
    assert event.object_id == str(partner.pk)
    assert event.actor == owner
