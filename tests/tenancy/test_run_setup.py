"""`make run` against a configured PostgreSQL server (scripts/services.py, `ensure_database`): a
fresh server with no database of the configured name gets one, and a server that cannot be
reached stops the command with a sentence rather than a traceback."""

import os
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.services import ensure_database, with_database  # noqa: E402


def _server_url() -> str:
    return os.environ.get("DATABASE_URL") or pytest.fail("DATABASE_URL is needed for this test")


def _exists(name: str) -> bool:
    with psycopg.connect(with_database(_server_url(), "postgres"), autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def test_with_database_names_another_database_on_the_same_server():
    url = "postgres://app:secret@db.example:6543/partnerline?sslmode=require"

    assert with_database(url, "postgres") == (
        "postgres://app:secret@db.example:6543/postgres?sslmode=require"
    )


def test_a_missing_database_is_created_and_an_existing_one_left_alone(capsys):
    name = f"run_setup_{uuid.uuid4().hex[:12]}"
    url = with_database(_server_url(), name)
    assert not _exists(name)
    try:
        ensure_database(url)
        assert _exists(name)
        assert f"Created the database {name!r}." in capsys.readouterr().out

        ensure_database(url)  # the second run finds it and says nothing

        assert capsys.readouterr().out == ""
        assert _exists(name)
    finally:
        with psycopg.connect(
            with_database(_server_url(), "postgres"), autocommit=True
        ) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_a_server_that_cannot_be_reached_stops_with_a_sentence():
    with pytest.raises(SystemExit) as stopped:
        ensure_database("postgres://postgres@127.0.0.1:1/partnerline?connect_timeout=2")

    assert str(stopped.value).startswith("Cannot connect to the database in DATABASE_URL:")
