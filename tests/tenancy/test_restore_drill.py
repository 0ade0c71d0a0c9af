"""The restore drill of docs/operations.md: dump, restore into a scratch database, compare every
table's rows and verify the audit chain of the copy (scripts/restore_drill.py)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tenancy.audit import audit_record
from tenancy.context import tenant_scope
from tests.factories import OrganizationFactory

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_row_and_a_verifying_audit_chain():
    for slug in ("drill-a", "drill-b"):
        organization = OrganizationFactory(slug=slug)
        with tenant_scope(organization):
            for number in range(3):
                audit_record(action="tenancy.drill.recorded", changes={"n": number})

    result = subprocess.run(
        [sys.executable, "scripts/restore_drill.py"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": _test_database_url()},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 differ" in result.stdout
    assert "drill-a: OK (3 events)" in result.stdout
    assert "drill-b: OK (3 events)" in result.stdout
    assert "RESTORE DRILL PASSED" in result.stdout
