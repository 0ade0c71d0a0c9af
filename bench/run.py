"""`make bench`: generate the bench database if needed, start the real stack, measure, report.

    python -m bench.run [--scale 1.0] [--only api,pages,breach,pdf,csv,edi,match] [--workers N]

The stack is what production runs, on 127.0.0.1 only: gunicorn (sync workers) serving
`config.wsgi` with `bench.settings` (the shared base, DEBUG off), PostgreSQL and Redis from
DATABASE_URL / REDIS_URL, and a Celery worker (prefork, one process per core) on a queue of its
own. Every figure is printed beside a reference measured in the same run, on the same data: the
SQL the request issues replayed with psycopg, the one statement that computes the same breaches,
a COPY of the same CSV rows. Results go to bench/results.md; docs/benchmarks.md explains them.

Load is bounded: a fixed number of requests per level, each level also capped in seconds.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bench import generate as gen

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.md"
HOST = "127.0.0.1"
LARGE_TABLE_ROWS = 50_000  # a sequential scan over a table this big gets its plan printed
SLOW_PLAN_MS = 50.0  # and so does any benchmarked statement slower than this
SECTIONS = ("api", "pages", "csv", "breach", "pdf", "edi", "match")


# --- Figures and the report ---------------------------------------------------------------------


@dataclass
class Figure:
    section: str
    name: str
    value: float | None
    unit: str
    reference: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    def value_text(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit in {"queries", "breaches"}:
            return f"{self.value:,.0f} {self.unit}"
        if self.unit == "s" and self.value < 10:
            return f"{self.value:,.2f} {self.unit}"
        if self.unit in {"ms", "s"}:
            return (
                f"{self.value:,.1f} {self.unit}"
                if self.value < 100
                else (f"{self.value:,.0f} {self.unit}")
            )
        return (
            f"{self.value:,.0f} {self.unit}"
            if self.value >= 100
            else (f"{self.value:,.1f} {self.unit}")
        )

    def verdict(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met else "MISSED"


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        ratio = f"{figure.ratio:.1f}×" if figure.ratio is not None else ""
        target = f"target {figure.target}: {figure.verdict()}" if figure.target else ""
        print(
            f"  {figure.name:<52} {figure.value_text():>14}  | {figure.reference:<40} "
            f"{ratio:>7}  {target}",
            flush=True,
        )
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- The stack ----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process (those we may read: local ones)."""
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


class Stack:
    """gunicorn and a Celery worker on the bench database; stopped by their own process ids."""

    def __init__(self, *, env: dict, workers: int, concurrency: int):
        self.env = env
        self.workers = workers
        self.concurrency = concurrency
        self.port = free_port()
        self.queue = f"bench-{os.getpid()}"
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        self.processes["gunicorn"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "600",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        self.processes["celery"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "--quiet",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}@%h",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.get("/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if self.processes["gunicorn"].poll() is not None:
                raise RuntimeError("gunicorn exited while starting")
            time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def web_workers(self) -> list[int]:
        return children(self.processes["gunicorn"].pid)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


# --- Helpers on the database --------------------------------------------------------------------


class Database:
    """Direct psycopg access: `owner()` for set-up and resets, `runtime()` for references (the
    runtime role, with the tenant set, so row-level security applies as in a request)."""

    def __init__(self, url: str, role: str, organization_id: int):
        self.url = gen.conninfo(url)
        self.role = role
        self.organization_id = organization_id

    def owner(self):
        import psycopg

        return psycopg.connect(self.url)

    def backend_pids(self) -> list[int]:
        """Server processes of the bench database (readable in /proc when PostgreSQL is local)."""
        with self.owner() as conn:
            return [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ]

    def runtime(self):
        import psycopg

        conn = psycopg.connect(self.url)
        if self.role:
            conn.execute(f'SET ROLE "{self.role}"')
            conn.commit()
        return conn

    def set_tenant(self, conn) -> None:
        conn.execute(
            "SELECT set_config('app.organization_id', %s, true)", [str(self.organization_id)]
        )

    def timed(self, statements: list[str], *, repeats: int, conn=None) -> list[float]:
        """Seconds per run of `statements` in one transaction as the tenant, rows fetched."""
        own = conn is None
        conn = conn or self.runtime()
        timings = []
        try:
            for _ in range(repeats):
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cursor:
                    self.set_tenant(conn)
                    for statement in statements:
                        cursor.execute(statement)
                        if cursor.description is not None:
                            cursor.fetchall()
                timings.append(time.perf_counter() - started)
        finally:
            if own:
                conn.close()
        return timings


# --- Query plans --------------------------------------------------------------------------------


class PlanChecker:
    def __init__(self, db: Database, report: Report):
        self.db = db
        self.report = report
        self.checked: set[str] = set()
        with db.owner() as conn:
            self.rows = dict(
                conn.execute(
                    "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'"
                ).fetchall()
            )
            self.leading = dict(
                conn.execute(
                    "SELECT c.relname, a.attname FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                ).fetchall()
            )

    @staticmethod
    def _nodes(plan: dict):
        yield plan
        for child in plan.get("Plans", []):
            yield from PlanChecker._nodes(child)

    def check(self, label: str, statement: str, *, only_if_notable: bool = False) -> str:
        """Print the plan's verdict, and the full EXPLAIN (ANALYZE, BUFFERS) when the plan scans
        a big table sequentially, walks a whole index of one (no index condition: an ORDER BY
        served by the index while a filter throws rows away), or takes over SLOW_PLAN_MS.
        Every statement runs in a transaction that is rolled back (writes included)."""
        key = " ".join(statement.split())
        if key in self.checked:
            return ""
        self.checked.add(key)
        with self.db.runtime() as conn:
            with conn.transaction(force_rollback=True):
                self.db.set_tenant(conn)
                (result,) = conn.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}"
                ).fetchone()[0]
            nodes = list(self._nodes(result["Plan"]))
            big = [n for n in nodes if self.rows.get(n.get("Relation Name"), 0) >= LARGE_TABLE_ROWS]
            seq = sorted({n["Relation Name"] for n in big if n["Node Type"] == "Seq Scan"})
            walks = sorted(
                {
                    f"{n['Index Name']} ({n.get('Rows Removed by Filter', 0):,} rows filtered out)"
                    for n in big
                    if "Index Name" in n and "Index Cond" not in n
                }
            )
            indexes = sorted({n["Index Name"] for n in nodes if "Index Name" in n})
            org_led = [i for i in indexes if self.leading.get(i) == "organization_id"]
            other = [i for i in indexes if i not in org_led]
            milliseconds = result.get("Execution Time", 0.0)
            if only_if_notable and not big and milliseconds <= SLOW_PLAN_MS:
                return ""
            verdict = (
                f"{label} ({milliseconds:.1f} ms): "
                + (f"SEQ SCAN over {', '.join(seq)}; " if seq else "no seq scan over a big table; ")
                + (f"WHOLE-INDEX WALK {', '.join(walks)}; " if walks else "")
                + (f"org-led indexes {', '.join(org_led)}" if org_led else "NO org-led index")
                + (f"; other indexes {', '.join(other)}" if other else "")
            )
            print(f"  plan: {verdict}", flush=True)
            self.report.plans.append(verdict)
            if seq or walks or milliseconds > SLOW_PLAN_MS:
                with conn.transaction(force_rollback=True):
                    self.db.set_tenant(conn)
                    text = "\n".join(
                        row[0] for row in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
                    )
                print(text, flush=True)
                self.report.plans.append(f"```\n{text}\n```")
        return verdict


def is_read(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)[0].upper()
    return head in {"SELECT", "WITH", "SAVEPOINT", "RELEASE"}


def main_query(statements: list[str], table: str) -> str | None:
    """The longest SELECT on `table`; a server-side cursor's DECLARE … FOR is unwrapped."""
    candidates = []
    for statement in statements:
        text = statement.strip()
        if text.upper().startswith("DECLARE ") and " FOR SELECT " in text.upper():
            text = text[text.upper().index(" FOR SELECT ") + 5 :]
        if text.upper().startswith("SELECT") and table in text:
            candidates.append(text)
    return max(candidates, key=len) if candidates else None


# --- The benchmarks -----------------------------------------------------------------------------


@dataclass
class Context:
    stack: Stack
    db: Database
    report: Report
    plans: PlanChecker
    organization: object
    user: object
    api_key: str
    end_period: date
    partnership_ids: list[int]
    scale: float
    last_page_rows: int | None = None


def load(
    stack: Stack, paths: list[str], headers: dict, *, clients: int, total: int, max_seconds: float
) -> tuple[list[float], int, float]:
    """`total` GETs spread over `clients` threads (each a new connection: gunicorn's sync
    workers close it after the response). Returns latencies, errors and elapsed seconds."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + max_seconds

    def client():
        while True:
            index = next(counter)
            if index >= total or time.perf_counter() > deadline:
                return
            begin = time.perf_counter()
            try:
                status, _ = stack.get(paths[index % len(paths)], headers)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - begin
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - started


def capture(ctx: Context, path: str, *, consume: int | None = None) -> tuple[int, list[str]]:
    """Run one request in-process (Django test client on the bench database) and return its
    status and the SQL it issued. `consume` reads only that many chunks of a streamed body."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"Authorization": f"Bearer {ctx.api_key}"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        if getattr(response, "streaming", False):
            for index, _ in enumerate(response.streaming_content):
                if consume is not None and index + 1 >= consume:
                    break
            response.close()
    statements = [q["sql"] for q in queries.captured_queries]
    if not getattr(response, "streaming", False) and response.status_code == 200:
        body = response.json()
        ctx.last_page_rows = len(body.get("results", [])) if isinstance(body, dict) else None
    return response.status_code, statements


def bench_api(ctx: Context) -> None:
    print("\nKPI measurement list API (page of 100, cursor pagination)", flush=True)
    org = ctx.organization.slug
    base = f"/api/v1/o/{org}/measurements/"
    recent = gen.month_add(ctx.end_period, -11)
    variants = {
        "one partnership, last 12 months": [
            f"{base}?partnership={pid}&period_from={recent}&page_size=100"
            for pid in ctx.partnership_ids[:40]
        ],
        "whole tenant, one perspective, a 3-month window": [
            f"{base}?perspective={perspective}&period_from={gen.month_add(ctx.end_period, -k - 2)}"
            f"&period_to={gen.month_add(ctx.end_period, -k)}&page_size=100"
            for k in range(0, 40, 4)
            for perspective in ("operational", "customer")
        ],
        # Issue 21: the same figures for a 1,000-row page, as time per row.
        "whole tenant, one perspective, 1,000-row pages": [
            f"{base}?perspective={perspective}&period_from={gen.month_add(ctx.end_period, -k - 2)}"
            f"&period_to={gen.month_add(ctx.end_period, -k)}&page_size=1000"
            for k in range(0, 40, 4)
            for perspective in ("operational", "customer")
        ],
    }
    headers = {"Authorization": f"Bearer {ctx.api_key}"}
    levels = ((1, 150, 20.0), (8, 600, 30.0), (32, 1200, 30.0))
    for label, paths in variants.items():
        statements_per_path, rows = [], []
        for path in paths:
            status, statements = capture(ctx, path)
            if status != 200:
                ctx.report.note(f"API {label}: {path} answered {status}; variant skipped")
                break
            statements_per_path.append([s for s in statements if is_read(s)])
            rows.append(ctx.last_page_rows or 0)
        else:
            ctx.report.note(
                f"API {label}: rows per page over the {len(rows)} URLs: min {min(rows)}, "
                f"max {max(rows)} (page_size=100)"
            )
            page_query = main_query(statements_per_path[0], "performance_measurement")
            if page_query:
                ctx.plans.check(f"API page query ({label})", page_query)
            # The reference: every statement of the request, replayed over one connection.
            with ctx.db.runtime() as conn:
                ctx.db.timed(statements_per_path[0], repeats=5, conn=conn)  # warm
                sql_times = []
                for index in range(100):
                    sql_times += ctx.db.timed(
                        statements_per_path[index % len(statements_per_path)], repeats=1, conn=conn
                    )
            sql_p50 = statistics.median(sql_times) * 1000
            load(ctx.stack, paths, headers, clients=4, total=40, max_seconds=20)  # warm workers
            for clients, total, cap in levels:
                web_before = cpu_seconds(ctx.stack.web_workers())
                db_before = cpu_seconds(ctx.db.backend_pids())
                latencies, errors, elapsed = load(
                    ctx.stack, paths, headers, clients=clients, total=total, max_seconds=cap
                )
                web_cpu = cpu_used(web_before, cpu_seconds(ctx.stack.web_workers()))
                db_cpu = cpu_used(db_before, cpu_seconds(ctx.db.backend_pids()))
                p50 = percentile(latencies, 0.5) * 1000
                p95 = percentile(latencies, 0.95) * 1000
                rps = len(latencies) / elapsed
                suffix = f"{label} @{clients}"
                reference = f"raw SQL p50 {sql_p50:.1f} ms ({len(statements_per_path[0])} stmts)"
                ctx.report.add(
                    Figure(
                        "api",
                        f"API p50 {suffix}",
                        p50,
                        "ms",
                        reference,
                        p50 / sql_p50,
                        "≤ 3× raw SQL" if clients == 1 else "",
                        (p50 / sql_p50 <= 3) if clients == 1 else None,
                    )
                )
                ctx.report.add(
                    Figure(
                        "api",
                        f"API p95 {suffix}",
                        p95,
                        "ms",
                        reference,
                        p95 / sql_p50,
                        "p95 < 50 ms" if clients == 8 else "",
                        (p95 < 50) if clients == 8 else None,
                    )
                )
                ctx.report.add(
                    Figure(
                        "api",
                        f"API requests/s {suffix}",
                        rps,
                        "req/s",
                        f"{len(latencies)} requests, {errors} errors, load {load_average()}",
                    )
                )
                if max(rows) > 100 and clients == 1:
                    ctx.report.add(
                        Figure(
                            "api",
                            f"API p50 per row {suffix}",
                            p50 / max(rows) * 1000,
                            "µs",
                            f"{max(rows)} rows per page; raw SQL "
                            f"{sql_p50 / max(rows) * 1000:.1f} µs per row",
                        )
                    )
                if clients in (1, 8):
                    bench_peer(
                        ctx,
                        paths,
                        headers,
                        label=label,
                        clients=clients,
                        total=total,
                        cap=cap,
                        product_p50=p50,
                        product_p95=p95,
                    )
                if clients == 8:
                    per_request = (web_cpu + db_cpu) / len(latencies) * 1000
                    ctx.report.add(
                        Figure(
                            "api",
                            f"API server CPU per request {suffix}",
                            per_request,
                            "ms",
                            f"gunicorn {web_cpu / len(latencies) * 1000:.1f} + PostgreSQL "
                            f"{db_cpu / len(latencies) * 1000:.1f} ms; ceiling "
                            f"{(os.cpu_count() or 1) / per_request * 1000:.0f} req/s",
                        )
                    )


def bench_peer(
    ctx: Context,
    paths: list[str],
    headers: dict,
    *,
    label: str,
    clients: int,
    total: int,
    cap: float,
    product_p50: float,
    product_p95: float,
) -> None:
    """The same URLs on the peer endpoint (bench/peer.py: a plain DRF ModelViewSet with a
    ModelSerializer, same filters, pagination and middleware), at the same load level."""
    peer_paths = [p.replace("/measurements/", "/bench-peer/measurements/") for p in paths]
    status, _ = ctx.stack.get(peer_paths[0], headers)
    if status != 200:
        ctx.report.note(f"peer endpoint answered {status}; not measured")
        return
    latencies, errors, _ = load(
        ctx.stack, peer_paths, headers, clients=clients, total=total, max_seconds=cap
    )
    p50 = percentile(latencies, 0.5) * 1000
    p95 = percentile(latencies, 0.95) * 1000
    ctx.report.add(
        Figure(
            "api",
            f"peer (DRF ModelViewSet + ModelSerializer) p50 {label} @{clients}",
            p50,
            "ms",
            f"product p50 {product_p50:.1f} ms (product ÷ peer), p95 {p95:.1f} ms "
            f"vs product {product_p95:.1f} ms; {errors} errors",
            product_p50 / p50,
        )
    )


PAGES = (
    ("portfolio dashboard", "dashboard", False),
    ("partnership list (pipeline)", "partnership-list", False),
    ("partner list", "partner-list", False),
    ("sourcing needs", "sourcing-list", False),
    ("partnership due-diligence tab", "partnership-due-diligence", True),
    ("partnership strategy tab", "partnership-strategy", True),
    ("partnership workspace", "partnership-detail", True),
    ("partnership performance tab", "partnership-performance", True),
    ("portfolio ranking", "performance-ranking", False),
    ("SLA and breach list", "performance-slas", False),
    ("governance home (change requests)", "governance-home", False),
    ("partnership governance tab", "partnership-governance", True),
    ("integrations home (EDI documents)", "integrations-home", False),
    ("partnership integrations tab", "partnership-integrations", True),
    ("portfolio risk page", "risk-home", False),
    ("partnership risk tab", "partnership-risk", True),
    ("portfolio savings page", "finance-home", False),
    ("partnership finance tab", "partnership-finance", True),
)


def bench_pages(ctx: Context) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    print("\nPages (in-process Django test client on the bench database)", flush=True)
    client = Client()
    client.force_login(ctx.user)
    slug = ctx.organization.slug
    for label, name, per_partnership in PAGES:
        try:
            args = [slug, ctx.partnership_ids[0]] if per_partnership else [slug]
            reverse(name, args=args)
        except NoReverseMatch:
            ctx.report.note(f"page “{label}” ({name}) does not exist yet: not measured")
            continue
        timings, counts, statements = [], [], []
        for index in range(6):
            pid = ctx.partnership_ids[index % len(ctx.partnership_ids)]
            url = reverse(name, args=[slug, pid] if per_partnership else [slug])
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                ctx.report.note(f"page {label}: {url} answered {response.status_code}")
                break
            if index:  # the first request warms caches and templates
                timings.append(elapsed)
                counts.append(len(queries.captured_queries))
                statements = [q["sql"] for q in queries.captured_queries]
        if not timings:
            continue
        sql_ms = (
            statistics.median(ctx.db.timed([s for s in statements if is_read(s)], repeats=5)) * 1000
        )
        server_ms = statistics.median(timings) * 1000
        ctx.report.add(
            Figure(
                "pages",
                f"{label}: server time",
                server_ms,
                "ms",
                f"its SQL replayed {sql_ms:.1f} ms",
                server_ms / sql_ms,
            )
        )
        ctx.report.add(
            Figure(
                "pages",
                f"{label}: queries",
                max(counts),
                "queries",
                f"min {min(counts)}, max {max(counts)} over {len(counts)} loads",
            )
        )
        for statement in statements:
            if statement.lstrip().upper().startswith("SELECT") and "FROM" in statement:
                ctx.plans.check(f"{label} query", statement, only_if_notable=True)


def bench_csv(ctx: Context) -> None:
    print("\nStreamed CSV export of measurements", flush=True)
    periods = 25  # 40,000 KPIs × 25 months = 1,000,000 rows at scale 1
    since = gen.month_add(ctx.end_period, -(periods - 1))
    path = f"/api/v1/o/{ctx.organization.slug}/measurements/export/?period_from={since}"
    status, statements = capture(ctx, path, consume=3)
    if status != 200:
        ctx.report.note(f"CSV export: {path} answered {status}; not measured")
        return
    query = main_query(statements, "performance_measurement")
    workers = ctx.stack.web_workers()
    baseline = {pid: rss_kib(pid) or 0 for pid in workers}
    samples: list[tuple[float, int, int]] = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            now = time.perf_counter()
            for pid in workers:
                rss = rss_kib(pid)
                if rss is not None:
                    samples.append((now, pid, rss))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection(HOST, ctx.stack.port, timeout=600)
    started = time.perf_counter()
    rows, first_byte = -1, None  # minus the header line
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {ctx.api_key}"})
        response = conn.getresponse()
        while chunk := response.read(1 << 16):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            rows += chunk.count(b"\n")
        code = response.status
    finally:
        elapsed = time.perf_counter() - started
        conn.close()
        done.set()
        sampler.join()
    if code != 200:
        ctx.report.note(f"CSV export answered {code}")
        return
    growth = {
        pid: max(r for _, p, r in samples if p == pid) - baseline.get(pid, 0) for pid in workers
    }
    server = max(growth, key=growth.get)
    peak = max(r for _, p, r in samples if p == server)
    series = [(t, r) for t, p, r in samples if p == server]
    quartiles = [series[min(len(series) - 1, int(len(series) * q))][1] for q in (0.25, 0.5, 0.75)]
    reference_rps = None
    if query:
        ctx.plans.check("CSV export query", query)
        with ctx.db.runtime() as db_conn, db_conn.transaction():
            ctx.db.set_tenant(db_conn)
            copied, copy_started = 0, time.perf_counter()
            with db_conn.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    copied += bytes(block).count(b"\n")
            reference_rps = copied / (time.perf_counter() - copy_started)
    rps = rows / elapsed
    ctx.report.add(
        Figure(
            "csv",
            f"CSV export of {rows:,} rows: rows/s",
            rps,
            "rows/s",
            f"COPY of its query {reference_rps:,.0f} rows/s" if reference_rps else "",
            (reference_rps / rps) if reference_rps else None,
            "> 100,000 rows/s",
            rps > 100_000,
        )
    )
    ctx.report.add(
        Figure(
            "csv", "CSV export: total time", elapsed, "s", f"first byte after {first_byte:.2f} s"
        )
    )
    flat = growth[server] < 64 * 1024
    ctx.report.add(
        Figure(
            "csv",
            "CSV export: serving worker peak RSS",
            peak / 1024,
            "MiB",
            f"+{growth[server] / 1024:.1f} MiB over idle {baseline[server] / 1024:.0f} MiB; "
            f"quartiles {', '.join(f'{q / 1024:.0f}' for q in quartiles)} MiB",
            None,
            "flat memory (< 64 MiB growth)",
            flat,
        )
    )


BREACH_SQL = """
SELECT count(*) AS breaches, COALESCE(sum(credit), 0) AS credits FROM (
  SELECT s.period_fee * LEAST(COALESCE(tier.percent, 0), COALESCE(s.credit_cap_percent, 100))
         / 100 AS credit
  FROM performance_sla s
  JOIN performance_kpi k ON k.organization_id = s.organization_id AND k.id = s.kpi_id
  JOIN performance_measurement m
    ON m.organization_id = s.organization_id AND m.kpi_id = s.kpi_id AND m.status = 'approved'
   AND m.period_start BETWEEN '{period_from}' AND '{period_to}'
  CROSS JOIN LATERAL (
    SELECT avg(w.value) AS value FROM performance_measurement w
    WHERE w.organization_id = s.organization_id AND w.kpi_id = s.kpi_id
      AND w.status = 'approved'
      AND w.period_start > m.period_start - make_interval(months => s.window_months)
      AND w.period_start <= m.period_start
  ) measured
  LEFT JOIN LATERAL (
    SELECT max(t.percent_of_fee) AS percent FROM performance_slacredittier t
    WHERE t.organization_id = s.organization_id AND t.sla_id = s.id
      AND CASE WHEN k.direction = 'higher_is_better' THEN measured.value <= t.threshold
               ELSE measured.value >= t.threshold END
  ) tier ON true
  WHERE s.organization_id = {organization_id} AND s.is_active
    AND CASE WHEN k.direction = 'higher_is_better' THEN measured.value <= s.breach_threshold
             ELSE measured.value >= s.breach_threshold END
) breaches
"""


def reset_breach_check(ctx: Context) -> None:
    """Put the tenant back as generated: no breach for the checked month, no RCA, no right to
    terminate, no notification (all of these come only from breach checks in the bench DB)."""
    org = ctx.db.organization_id
    with ctx.db.owner() as conn:
        ctx.db.set_tenant(conn)
        conn.execute(
            "DELETE FROM performance_slabreach WHERE organization_id = %s AND period_start = %s",
            [org, ctx.end_period],
        )
        for table in (
            "performance_correctiveaction",
            "performance_rootcauseanalysis",
            "tenancy_notification",
        ):
            conn.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org])
        conn.execute(
            "UPDATE performance_sla SET termination_right_since = NULL"
            " WHERE organization_id = %s AND termination_right_since IS NOT NULL",
            [org],
        )
        conn.commit()
        # Dead rows of the deleted breaches and analyses would slow the next run's scans.
        conn.autocommit = True
        conn.execute(
            "VACUUM (ANALYZE) performance_slabreach, performance_rootcauseanalysis,"
            " tenancy_notification, performance_sla"
        )


def bench_breach(ctx: Context) -> None:
    try:
        from performance.tasks import sla_breach_check
    except ImportError:
        ctx.report.note("SLA breach check: performance.tasks.sla_breach_check does not exist yet")
        return
    print("\nSLA breach check of one month for the whole large tenant", flush=True)
    period = ctx.end_period.isoformat()
    reference_sql = BREACH_SQL.format(
        period_from=period, period_to=period, organization_id=ctx.db.organization_id
    )
    ctx.plans.check("breach reference statement", reference_sql)
    try:
        from performance.services import BREACH_INSERT_SQL

        their = BREACH_INSERT_SQL.replace("%(organization_id)s", str(ctx.db.organization_id))
        their = their.replace("%(period_from)s", f"'{period}'").replace(
            "%(period_to)s", f"'{period}'"
        )
        ctx.plans.check(
            "breach check INSERT (performance.services)", their.replace("%(now)s", "now()")
        )
    except ImportError:
        pass
    timings, created = [], []
    for _ in range(3):
        reset_breach_check(ctx)
        started = time.perf_counter()
        result = sla_breach_check.apply_async(
            kwargs={
                "organization_id": ctx.db.organization_id,
                "period_from": period,
                "period_to": period,
            },
            queue=ctx.stack.queue,
        ).get(timeout=900)
        timings.append(time.perf_counter() - started)
        created.append(result)
    with ctx.db.runtime() as conn:
        sql_times = ctx.db.timed([reference_sql], repeats=3, conn=conn)
        with conn.transaction():
            ctx.db.set_tenant(conn)
            expected, expected_credits = conn.execute(reference_sql).fetchone()
            stored, stored_credits = conn.execute(
                "SELECT count(*), COALESCE(sum(service_credit), 0) FROM performance_slabreach"
                " WHERE organization_id = %s AND period_start = %s",
                [ctx.db.organization_id, ctx.end_period],
            ).fetchone()
    task_s = statistics.median(timings)
    sql_s = statistics.median(sql_times)
    same = expected == stored and abs(float(expected_credits) - float(stored_credits)) < 0.05
    ctx.report.add(
        Figure(
            "breach",
            "SLA breach check task (whole tenant, one month)",
            task_s,
            "s",
            f"single SQL statement {sql_s:.2f} s",
            task_s / sql_s,
            "≤ 2× its single SQL",
            task_s / sql_s <= 2,
        )
    )
    ctx.report.add(
        Figure(
            "breach",
            "breaches found by the task / by the SQL",
            stored,
            "breaches",
            f"SQL: {expected} breaches, credits {expected_credits:,.2f} vs {stored_credits:,.2f}",
            None,
            "same count",
            same,
        )
    )
    # Where the task's time goes: its own statements one by one, in a transaction rolled back;
    # the rest is Python (notifications, audit), the broker and the worker.
    try:
        from performance import services as performance_services

        parts = [
            ("breach INSERT", performance_services.BREACH_INSERT_SQL),
            ("termination UPDATE", performance_services.TERMINATION_SQL),
            ("RCA INSERT", performance_services.RCA_SQL),
        ]
    except (ImportError, AttributeError):
        parts = []
    if parts:
        reset_breach_check(ctx)
        params = {
            "organization_id": ctx.db.organization_id,
            "period_from": ctx.end_period,
            "period_to": ctx.end_period,
            "now": datetime.now(UTC),
        }
        for jit in ("on", "off"):
            spent = []
            with ctx.db.runtime() as conn, conn.transaction(force_rollback=True):
                ctx.db.set_tenant(conn)
                if jit == "off":
                    conn.execute("SET LOCAL jit = off")
                for name, statement in parts:
                    begin = time.perf_counter()
                    rowcount = conn.execute(statement, params).rowcount
                    spent.append((name, time.perf_counter() - begin, rowcount))
            statements_s = sum(t for _, t, _ in spent)
            ctx.report.add(
                Figure(
                    "breach",
                    f"breach check: its SQL statements alone (jit {jit})",
                    statements_s,
                    "s",
                    "; ".join(f"{name} {t:.2f} s ({rows} rows)" for name, t, rows in spent),
                    task_s / statements_s if jit == "on" else None,
                )
            )
        with ctx.db.runtime() as conn, conn.transaction(force_rollback=True):
            ctx.db.set_tenant(conn)
            default_jit = conn.execute("SHOW jit").fetchone()[0]
            conn.execute("SET LOCAL jit = off")
            begin = time.perf_counter()
            conn.execute(reference_sql).fetchall()
            ctx.report.note(
                f"breach reference statement with jit off: {time.perf_counter() - begin:.2f} s "
                f"(the figures use the server's default, jit {default_jit})"
            )
        for name, statement in parts[1:]:
            ctx.plans.check(
                f"breach check {name} (performance.services)",
                statement.replace("%(organization_id)s", str(ctx.db.organization_id))
                .replace("%(period_from)s", f"'{period}'")
                .replace("%(period_to)s", f"'{period}'")
                .replace("%(now)s", "now()"),
            )
    last = created[-1] if isinstance(created[-1], dict) else {}
    ctx.report.note(
        "breach check task result: "
        + ", ".join(f"{k} {v}" for k, v in last.items())
        + f"; runs {', '.join(f'{t:.2f}' for t in timings)} s (enqueue to result, via the worker)"
    )


def bench_pdf(ctx: Context) -> None:
    try:
        from performance.pdf import render_scorecard_pdf
        from performance.services import report_request
        from performance.tasks import scorecard_report_generate
    except ImportError as error:
        ctx.report.note(f"scorecard PDF: not measurable yet ({error})")
        return
    from partnerships.models import Partnership
    from tenancy.context import tenant_scope

    print("\nScorecard PDF (WeasyPrint)", flush=True)
    timings = []
    with tenant_scope(ctx.organization):
        partnerships = list(
            Partnership.objects.filter(pk__in=ctx.partnership_ids[:20]).order_by("pk")
        )
        for index, partnership in enumerate(partnerships[:6]):
            started = time.perf_counter()
            pdf = render_scorecard_pdf(partnership=partnership, period_start=ctx.end_period)
            if index:  # the first one loads fonts and templates
                timings.append(time.perf_counter() - started)
    per_pdf = statistics.median(timings)
    ctx.report.add(
        Figure(
            "pdf",
            "scorecard PDF: seconds per PDF (one process)",
            per_pdf,
            "s",
            f"{len(pdf) / 1024:.0f} KiB each, median of {len(timings)}",
            None,
            "< 1.5 s",
            per_pdf < 1.5,
        )
    )
    batch = partnerships[: 6 * ctx.stack.concurrency]
    with tenant_scope(ctx.organization):
        reports = [
            report_request(partnership=p, period_start=ctx.end_period, actor=None) for p in batch
        ]
    started = time.perf_counter()
    results = [
        scorecard_report_generate.apply_async(
            kwargs={"organization_id": ctx.db.organization_id, "report_id": report.pk},
            queue=ctx.stack.queue,
        )
        for report in reports
    ]
    statuses = [result.get(timeout=600) for result in results]
    wall = time.perf_counter() - started
    done = sum(1 for s in statuses if s == "done")
    ctx.report.add(
        Figure(
            "pdf",
            f"scorecard PDFs per minute ({ctx.stack.concurrency} worker processes)",
            done / wall * 60,
            "PDFs/min",
            f"{done}/{len(batch)} done in {wall:.1f} s; one process: {60 / per_pdf:.0f}/min",
        )
    )


# --- Orchestration ------------------------------------------------------------------------------


EDI_LINES_PER_MESSAGE = 1_000
EDI_PAIRS = 20  # an order and its invoice each: 40,000 lines per run at scale 1


def _edi_messages(ctx: Context, *, nonce: str, pairs: int) -> list[tuple[int, bytes, int]]:
    """(partnership id, EDIFACT bytes, lines) for `pairs` orders each followed by its invoice.
    The nonce makes every run's messages new (a resend of the same bytes is not re-read)."""
    import random

    from bench import edi

    rng = random.Random(f"bench-edi:{nonce}")
    messages = []
    for index in range(pairs):
        pid = ctx.partnership_ids[(index * 37) % len(ctx.partnership_ids)]
        order, invoice = edi.message_pair(
            rng,
            index=9_000_000 + index,
            lines=EDI_LINES_PER_MESSAGE,
            currency="EUR",
            issued=ctx.end_period,
            sender=f"{5400000000000 + index:013d}",
            receiver=f"43{nonce[-11:]:>011}",
        )
        for message in (order, invoice):
            messages.append((pid, edi.edifact(message), len(message.lines)))
    return messages


def _edi_cleanup(ctx: Context, sha256s: list[str]) -> None:
    """Remove the documents a run ingested (lines and findings first: no ON DELETE CASCADE)."""
    with ctx.db.owner() as conn:
        ctx.db.set_tenant(conn)
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM integrations_edidocument WHERE organization_id = %s"
                " AND sha256 = ANY(%s)",
                [ctx.organization.pk, sha256s],
            )
        ]
        for table in ("integrations_edidocumentline", "integrations_edifinding"):
            conn.execute(f"DELETE FROM {table} WHERE document_id = ANY(%s)", [ids])
        conn.execute("DELETE FROM integrations_edidocument WHERE id = ANY(%s)", [ids])


def bench_match(ctx: Context) -> None:
    from bench.integrations import bench_match as run

    run(ctx, figure_class=Figure)


def bench_edi(ctx: Context) -> None:
    import hashlib

    print("\nEDI ingestion (EDIFACT orders and invoices, 1,000 lines each)", flush=True)
    try:
        from django.utils import timezone

        from integrations.edi import parse_document
        from integrations.services import edi_document_ingest
    except ImportError as error:
        ctx.report.note(f"EDI ingestion: the integrations module is not there ({error})")
        return
    from partnerships.models import Partnership
    from tenancy.context import tenant_scope

    pairs = max(2, round(EDI_PAIRS * min(ctx.scale * 10, 1)))
    nonce = f"{time.time_ns()}"
    messages = _edi_messages(ctx, nonce=nonce, pairs=pairs)
    total_lines = sum(lines for _, _, lines in messages)
    sha256s = [hashlib.sha256(content).hexdigest() for _, content, _ in messages]
    organization = ctx.organization
    with tenant_scope(organization):
        partnerships = Partnership.objects.in_bulk({pid for pid, _, _ in messages})

    # 1. Parsing alone (no database): what the Python side costs before any INSERT.
    started = time.perf_counter()
    for _, content, _ in messages:
        parse_document(content)
    parse_seconds = time.perf_counter() - started

    # 2. The service, one transaction per message as a feed or the API runs it.
    findings = 0
    try:
        started = time.perf_counter()
        for pid, content, _ in messages:
            with tenant_scope(organization):
                document, created = edi_document_ingest(
                    partnership=partnerships[pid],
                    content=content,
                    filename="bench.edi",
                    received_via="feed",
                    clock=timezone.now,
                )
            if not created or document.status != "accepted":
                raise RuntimeError(f"message not ingested: {document.status} {document.error}")
            findings += document.error_count + document.warning_count
        ingest_seconds = time.perf_counter() - started

        # 3. The reference: the same line rows, as stored, written back with COPY (owner
        # connection: COPY FROM is refused under row-level security for the runtime role).
        columns = (
            "id, organization_id, document_id, partnership_id, line_number, buyer_item_code, "
            "seller_item_code, gtin, description, quantity, unit, unit_price, line_amount, "
            "currency"
        )
        with ctx.db.owner() as conn:
            ctx.db.set_tenant(conn)
            rows = conn.execute(
                f"SELECT {columns} FROM integrations_edidocumentline WHERE document_id IN "
                "(SELECT id FROM integrations_edidocument WHERE organization_id = %s"
                " AND sha256 = ANY(%s))",
                [organization.pk, sha256s],
            ).fetchall()
            conn.execute(
                "DELETE FROM integrations_edidocumentline WHERE document_id IN (SELECT id FROM "
                "integrations_edidocument WHERE organization_id = %s AND sha256 = ANY(%s))",
                [organization.pk, sha256s],
            )
            conn.commit()
            started = time.perf_counter()
            with conn.transaction():
                ctx.db.set_tenant(conn)
                with conn.cursor().copy(
                    f"COPY integrations_edidocumentline ({columns}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            copy_seconds = time.perf_counter() - started
    finally:
        _edi_cleanup(ctx, sha256s)
    if len(rows) != total_lines:
        ctx.report.note(f"EDI: {len(rows):,} lines stored for {total_lines:,} sent")
    copy_rate = len(rows) / copy_seconds
    ingest_rate = total_lines / ingest_seconds
    ctx.report.add(
        Figure(
            "edi",
            f"EDI ingestion, service ({len(messages)} messages, {total_lines:,} lines)",
            ingest_rate,
            "lines/s",
            f"COPY of the same rows {copy_rate:,.0f} lines/s",
            copy_rate / ingest_rate,
            note=f"{ingest_seconds:.2f} s; {findings} findings",
        )
    )
    ctx.report.add(
        Figure(
            "edi",
            "EDI parsing alone (no database)",
            total_lines / parse_seconds,
            "lines/s",
            f"{parse_seconds / ingest_seconds:.0%} of the service's time",
        )
    )
    bench_edi_api(ctx, pairs=max(1, pairs // 2))


def bench_edi_api(ctx: Context, *, pairs: int) -> None:
    """The same messages pushed through gunicorn: `POST …/edi-documents/` with the API key."""
    import hashlib
    import json

    nonce = f"{time.time_ns()}"
    messages = _edi_messages(ctx, nonce=nonce, pairs=pairs)
    sha256s = [hashlib.sha256(content).hexdigest() for _, content, _ in messages]
    path = f"/api/v1/o/{ctx.organization.slug}/edi-documents/"
    latencies = []
    try:
        for pid, content, _ in messages:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(HOST, ctx.stack.port, timeout=120)
            conn.request(
                "POST",
                f"{path}?partnership={pid}&filename=bench.edi",
                body=content,
                headers={
                    "Authorization": f"Bearer {ctx.api_key}",
                    "Content-Type": "application/edifact",
                },
            )
            response = conn.getresponse()
            body = response.read()
            conn.close()
            latencies.append(time.perf_counter() - started)
            if response.status != 201:
                ctx.report.note(f"EDI API: {response.status} {body[:300]!r}")
                return
            json.loads(body)
    finally:
        _edi_cleanup(ctx, sha256s)
    lines = sum(n for _, _, n in messages)
    ctx.report.add(
        Figure(
            "edi",
            f"EDI ingestion via the API, 1 client ({len(messages)} messages)",
            lines / sum(latencies),
            "lines/s",
            f"p50 {statistics.median(latencies) * 1000:,.0f} ms per 1,000-line message",
        )
    )


def machine() -> dict:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def write_results(report: Report, info: dict, state: dict, args, started: float) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench.run`); docs/benchmarks.md explains the figures.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"whole run {time.monotonic() - started:.0f} s",
        f"- Machine: {info['cores']} cores, {info['memory']} memory, {info['platform']}, "
        f"Python {info['python']}",
        f"- PostgreSQL: {info['postgres']}; {info['pg_settings']}",
        f"- Stack: gunicorn {args.workers} sync workers on 127.0.0.1, Celery prefork "
        f"{args.concurrency} processes, Redis; settings `bench.settings` (DEBUG off, "
        f"CONN_MAX_AGE {info['conn_max_age']})",
        f"- Data: scale {state['scale']}, seed {state['seed']}, checksum {state['checksum'][:16]}, "
        f"generated in {state['generation_seconds']} s",
        "",
        "```",
        *gen.describe(state),
        "```",
        "",
        "## Targets",
        "",
        "| target | figure | value | reference | |",
        "|---|---|---:|---|---|",
        *(
            f"| {f.target} | {f.name} | {f.value_text()} | {f.reference} "
            f"{'(' + format(f.ratio, '.1f') + '×)' if f.ratio is not None else ''} | "
            f"{f.verdict()} |"
            for f in report.figures
            if f.target
        ),
        "",
        "## Every figure",
        "",
        "| figure | value | reference (same run) | ratio | target | |",
        "|---|---:|---|---:|---|---|",
    ]
    for f in report.figures:
        ratio = f"{f.ratio:.1f}×" if f.ratio is not None else ""
        lines.append(
            f"| {f.name} | {f.value_text()} | {f.reference} | {ratio} | {f.target} | "
            f"{f.verdict()} |"
        )
    lines += ["", "## Not measurable yet", ""]
    lines += [
        "- EDI ingestion (lines per second beside a COPY of the same rows): no EDI tables until "
        "the integrations module (module 6) lands.",
        *(f"- {label}: {reason}." for label, reason in gen.NOT_YET.items()),
    ]
    lines += ["", "## Notes", "", *(f"- {n}" for n in report.notes)]
    lines += [
        "",
        "## Query plans",
        "",
        *(f"- {p}" if not p.startswith("```") else p for p in report.plans),
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nWrote {RESULTS.relative_to(ROOT)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    parser.add_argument("--only", default=",".join(SECTIONS), help=",".join(SECTIONS))
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--concurrency", type=int, default=cores, help="Celery processes")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-results", action="store_true", help="do not write results.md")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    started = time.monotonic()

    state = gen.ensure_generated(scale=args.scale, seed=args.seed, force=args.regenerate)
    url = gen.bench_url()
    gen.setup_django(url)

    from django.conf import settings
    from django.utils import timezone

    from config.celery import app
    from tenancy.models import Organization, User
    from tenancy.services import api_key_create

    organization = Organization.objects.get(slug=gen.LARGE_SLUG)
    user = User.objects.get(email=f"user000@{gen.LARGE_SLUG}.{gen.USER_DOMAIN}")
    _, api_key = api_key_create(
        organization=organization, user=user, name="bench", now=timezone.now()
    )
    db = Database(url, settings.DB_RUNTIME_ROLE, organization.pk)
    report = Report()
    info = machine()
    with db.owner() as conn:
        info["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        info["pg_settings"] = ", ".join(
            f"{name} {conn.execute(f'SHOW {name}').fetchone()[0]}"
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections")
        )
        db.set_tenant(conn)
        partnership_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM partnerships_partnership WHERE organization_id = %s ORDER BY id",
                [organization.pk],
            )
        ]
    info["conn_max_age"] = settings.DATABASES["default"]["CONN_MAX_AGE"]
    print(f"\nMachine: {info['cores']} cores, {info['memory']}; PostgreSQL {info['postgres']}")
    print("\n".join(gen.describe(state)))
    report.add(
        Figure(
            "data",
            "generation (create, migrate, COPY, VACUUM ANALYZE)",
            state["generation_seconds"],
            "s",
            f"{sum(state['counts'].values()):,} rows",
        )
    )

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": gen.SETTINGS}
    stack = Stack(env=env, workers=args.workers, concurrency=args.concurrency)
    app.conf.task_default_queue = stack.queue
    ctx = Context(
        stack=stack,
        db=db,
        report=report,
        plans=PlanChecker(db, report),
        organization=organization,
        user=user,
        api_key=api_key,
        end_period=date.fromisoformat(state["end_period"]),
        partnership_ids=partnership_ids,
        scale=state["scale"],
    )

    def terminate(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    try:
        stack.start()
        from tenancy.tasks import tenant_probe

        probe = tenant_probe.apply_async(
            kwargs={"organization_id": organization.pk}, queue=stack.queue
        ).get(timeout=60)
        print(
            f"Stack up: gunicorn on {HOST}:{stack.port} ({args.workers} workers), Celery "
            f"worker ({args.concurrency} processes, role {probe['database_role']})"
        )
        benches = {
            "api": bench_api,
            "pages": bench_pages,
            "csv": bench_csv,
            "breach": bench_breach,
            "pdf": bench_pdf,
            "edi": bench_edi,
            "match": bench_match,
        }
        for name in SECTIONS:
            if name in only:
                try:
                    benches[name](ctx)
                except Exception as error:  # noqa: BLE001 - one broken figure keeps the others
                    report.note(f"{name}: failed with {error.__class__.__name__}: {error}")
                    import traceback

                    traceback.print_exc()
    finally:
        stack.stop()
    if not args.no_results:
        write_results(report, info, state, args, started)
    missed = [f.name for f in report.figures if f.met is False]
    print(f"\n{len(report.figures)} figures; targets missed: {', '.join(missed) or 'none'}")
    print(f"Whole run: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
