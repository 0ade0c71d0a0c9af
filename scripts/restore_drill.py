"""Restore drill: prove that a backup of the database can be restored and is whole.

    .venv/bin/python scripts/restore_drill.py            # uses DATABASE_URL
    .venv/bin/python scripts/restore_drill.py --keep     # leave the scratch database for a look

1. `pg_dump --format=custom` of the database in DATABASE_URL (what docs/operations.md schedules);
2. `pg_restore` of that dump into a new scratch database on the same server;
3. every table's row count compared between the two (read as the login role, which owns the
   schema: row-level security does not hide rows from it);
4. `manage.py verify_audit_chain` run against the restored copy: every organization's hash chain
   must verify, so no audit event was lost or altered on the way;
5. the scratch database dropped (unless --keep).
Exit status 0 when the restore is whole; the report is printed either way. tests/tenancy/
test_restore_drill.py runs it against the test database.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.services import with_database  # noqa: E402


def _bin(name: str) -> str:
    """The client matching the server: pgserver's own binaries for the embedded server."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        candidate = Path(POSTGRES_BIN_PATH) / name
        if "var/pg" in os.environ.get("DATABASE_URL", "") and candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the PostgreSQL client (postgresql-client).")
    return found


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            query = sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            counts[f"{schema}.{table}"] = connection.execute(query).fetchone()[0]
        return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args(argv)
    source = os.environ.get("DATABASE_URL")
    if not source:
        raise SystemExit("DATABASE_URL is not set (run under scripts/with_services.py).")
    source_name = urlsplit(source).path.lstrip("/")
    scratch_name = f"restore_drill_{source_name}_{int(time.time())}"[:63]
    scratch = with_database(source, scratch_name)
    admin = with_database(source, "postgres")

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "backup.dump"
        subprocess.run(
            [_bin("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", source],
            check=True,
        )
        print(f"dump: {dump.stat().st_size:,} bytes in {time.monotonic() - started:.1f} s")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_name)))
        try:
            subprocess.run(
                [_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={scratch}", dump],
                check=True,
            )
            print(f"restore: done in {time.monotonic() - started:.1f} s")
            before, after = table_counts(source), table_counts(scratch)
            differing = {
                table: (count, after.get(table))
                for table, count in before.items()
                if after.get(table) != count
            }
            rows = sum(before.values())
            print(f"row counts: {len(before)} tables, {rows:,} rows, {len(differing)} differ")
            for table, (was, now) in sorted(differing.items()):
                print(f"  {table}: {was} before, {now} after")
            chain = subprocess.run(
                [sys.executable, "manage.py", "verify_audit_chain"],
                cwd=ROOT,
                env=os.environ | {"DATABASE_URL": scratch},
                capture_output=True,
                text=True,
            )
            print("audit chain of the restored copy:")
            print("  " + (chain.stdout + chain.stderr).strip().replace("\n", "\n  "))
            whole = not differing and chain.returncode == 0
            print("RESTORE DRILL PASSED" if whole else "RESTORE DRILL FAILED")
            return 0 if whole else 1
        finally:
            if not options.keep:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(scratch_name)
                        )
                    )


if __name__ == "__main__":
    sys.exit(main())
