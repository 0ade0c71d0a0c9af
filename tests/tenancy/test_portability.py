"""Tenant export and import (tenancy/portability.py): both demo organizations travel to an empty
database and arrive whole: every row (ids remapped), every file, a verifying audit chain."""

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from tenancy.context import tenant_scope
from tenancy.models import Organization
from tenancy.portability import ArchiveError, organization_export, organization_import
from tests.performance.factories import ScorecardReportFactory

EXPORTED_AT = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)

ROOT = Path(__file__).resolve().parents[2]


# .ci/run migrates one empty database from zero and names it here: the empty database the import
# goes into is a copy of it (seconds) instead of a second run of every migration (a minute and
# more of one test process). Without it, the test migrates its empty database itself.
MIGRATED_TEMPLATE = os.environ.get("PARTNERLINE_MIGRATED_TEMPLATE", "")


def _url(database: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database}"))


def _manage(*args, database: str, media: Path) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ
        | {
            "DATABASE_URL": _url(database),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DJANGO_MEDIA_ROOT": str(media),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _tables(path: Path) -> tuple[dict, dict]:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        tables = {
            label: json.loads(archive.read(entry["file"]))
            for label, entry in manifest["tables"].items()
        }
    return manifest, tables


def _remapped(rows, label, models_by_label, id_map, organization_id):
    """The exported rows as they must look after import: every id through the id map."""
    from django.apps import apps

    model = apps.get_model(label)
    out = []
    for row in rows:
        row = dict(row)
        row["id"] = id_map["tables"].get(label, {}).get(str(row["id"]), row["id"])
        for f in model._meta.concrete_fields:
            value = row.get(f.attname)
            if f.attname == "organization_id":
                row[f.attname] = organization_id
            elif f.is_relation and value is not None and not isinstance(value, list):
                target = f.related_model._meta.label_lower
                row[f.attname] = id_map["tables"].get(target, {}).get(str(value), value)
            elif isinstance(value, list) and f.attname.endswith("_type_id"):
                # A generic reference: its object id goes through the map of the named table.
                generic_id = f.attname.removesuffix("_type_id") + "_id"
                target = ".".join(value)
                row[generic_id] = id_map["tables"][target][str(row[generic_id])]
        out.append(row)
    return sorted(out, key=lambda r: r["id"])


@pytest.mark.heavy(seconds=100)
@pytest.mark.django_db(transaction=True)
def test_both_demo_organizations_round_trip_into_an_empty_database(tmp_path):
    call_command("seed_demo", verbosity=0)
    northwind = Organization.objects.get(slug="northwind")
    with tenant_scope(northwind):
        ScorecardReportFactory(organization=northwind)  # an uploaded file to carry along
    archives = {}
    for organization in Organization.objects.filter(slug__in=["northwind", "contoso"]):
        archives[organization.slug] = tmp_path / f"{organization.slug}.zip"
        manifest = organization_export(
            organization=organization, destination=archives[organization.slug], now=EXPORTED_AT
        )
        assert manifest["exported_at"] == EXPORTED_AT.isoformat()

    scratch = f"{connection.settings_dict['NAME']}_import"[:63]
    media = tmp_path / "media"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
        )
        if MIGRATED_TEMPLATE:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(scratch), sql.Identifier(MIGRATED_TEMPLATE)
                )
            )
        else:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        # On a copy of the migrated template this applies nothing (and fails if it is behind).
        _manage("migrate", "--no-input", "-v", "0", database=scratch, media=media)
        for slug, archive in archives.items():
            id_map_path = tmp_path / f"{slug}-ids.json"
            _manage(
                "import_organization",
                str(archive),
                "--id-map",
                str(id_map_path),
                database=scratch,
                media=media,
            )
            again = tmp_path / f"{slug}-again.zip"
            _manage(
                "export_organization", slug, "--output", str(again), database=scratch, media=media
            )

            before_manifest, before = _tables(archive)
            after_manifest, after = _tables(again)
            id_map = json.loads(id_map_path.read_text())
            assert set(after) == set(before)
            assert sum(len(rows) for rows in before.values()) > 100  # the demo data, not a shell
            for label, rows in before.items():
                if label == "tenancy.auditevent":
                    continue
                expected = _remapped(rows, label, None, id_map, id_map["organization"])
                assert sorted(after[label], key=lambda r: r["id"]) == expected, label
                assert after_manifest["tables"][label]["rows"] == len(rows)
            # Audit: the same events in the same order, re-chained, plus the import event.
            events_before = sorted(before["tenancy.auditevent"], key=lambda r: r["sequence"])
            events_after = sorted(after["tenancy.auditevent"], key=lambda r: r["sequence"])
            assert [e["action"] for e in events_after] == [
                *(e["action"] for e in events_before),
                "tenancy.organization.imported",
            ]
            assert events_after[-1]["changes"]["source_chain_head"] == events_before[-1]["hash"]
            # Every file, byte for byte.
            assert after_manifest["files"] == before_manifest["files"]
            for name, digest in before_manifest["files"].items():
                assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest

        chain = _manage("verify_audit_chain", database=scratch, media=media)
        assert "northwind: OK" in chain and "contoso: OK" in chain
        assert any(
            before_manifest["files"] for before_manifest in [_tables(archives["northwind"])[0]]
        )
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )


@pytest.mark.django_db
def test_importing_over_an_existing_organization_is_refused(org_a, tmp_path):
    path = tmp_path / "alpha.zip"
    organization_export(organization=org_a, destination=path, now=EXPORTED_AT)
    from tenancy.errors import ConflictError

    with pytest.raises(ConflictError, match="already exists"):
        organization_import(source=path)


@pytest.mark.django_db
def test_a_damaged_archive_is_refused_with_the_damaged_part_named(org_a, tmp_path):
    path = tmp_path / "alpha.zip"
    organization_export(organization=org_a, destination=path, now=EXPORTED_AT)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "users.json":
                data = data + b" "
            target.writestr(item, data)
    with pytest.raises(ArchiveError, match="users.json does not match its checksum"):
        organization_import(source=damaged)
    with pytest.raises(ArchiveError, match="not a zip archive"):
        organization_import(source=tmp_path / "alpha.zip.missing")
