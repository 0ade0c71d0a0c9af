"""Where a page's or an API request's time goes, on the generated bench tenant (in process).

    python -m bench.profile page risk-home [dashboard ...]   # server time, its slowest queries
    python -m bench.profile explain performance-slas 0 1      # EXPLAIN (ANALYZE, BUFFERS) of them
    python -m bench.profile api "/api/v1/o/bench-large/organization/" [--cprofile]

Pages are URL names of the organization (`PARTNERSHIP=<id>` for a partnership's tabs; `QUERY=`
appends a query string); API paths are used as given, with an API key of the bench's user. Run
`make bench` (or `python -m bench.generate`) once first: this reads `partnerline_bench` on the
server of DATABASE_URL. Figures of record come from `make bench`; this is the tool that finds
their causes (docs/benchmarks.md, "Pages after the portfolio fixes").
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from bench import generate as gen

LOADS = 5  # the first warms caches and templates and is not counted


def _setup():
    gen.setup_django(gen.bench_url())
    from tenancy.models import Organization, User

    organization = Organization.objects.get(slug=gen.LARGE_SLUG)
    user = User.objects.get(email=f"user000@{gen.LARGE_SLUG}.{gen.USER_DOMAIN}")
    return organization, user


def _page_url(organization, name: str) -> str:
    from django.urls import reverse

    args: list = [organization.slug]
    if os.environ.get("PARTNERSHIP"):
        args.append(int(os.environ["PARTNERSHIP"]))
    return reverse(name, args=args) + os.environ.get("QUERY", "")


def _timed(client, url: str, loads: int = LOADS):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], []
    for _ in range(loads):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = captured.captured_queries
    return statistics.median(timings[1:]) * 1000, queries


def pages(names: list[str], top: int) -> None:
    organization, user = _setup()
    from django.test import Client

    client = Client()
    client.force_login(user)
    for name in names:
        server_ms, queries = _timed(client, _page_url(organization, name))
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        print(f"{name}: {server_ms:.1f} ms, {len(queries)} queries, {sql_ms:.1f} ms of SQL")
        for rank, query in enumerate(sorted(queries, key=lambda q: -float(q["time"]))[:top]):
            print(f"  [{rank}] {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")


def explain(name: str, ranks: list[int]) -> None:
    organization, user = _setup()
    from django.db import connection, transaction
    from django.test import Client

    from tenancy.context import tenant_scope

    client = Client()
    client.force_login(user)
    _, queries = _timed(client, _page_url(organization, name), loads=2)
    slowest = sorted(queries, key=lambda q: -float(q["time"]))
    with transaction.atomic(), tenant_scope(organization), connection.cursor() as cursor:
        for rank in ranks:
            sql = slowest[rank]["sql"]
            print(f"== [{rank}] {sql}\n")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()), "\n")
        transaction.set_rollback(True)  # EXPLAIN ANALYZE runs writes too: keep none


def api(path: str, with_profile: bool, loads: int = 30) -> None:
    organization, user = _setup()
    from django.test import Client
    from django.utils import timezone

    from tenancy.services import api_key_create

    _, key = api_key_create(
        organization=organization, user=user, name="bench.profile", now=timezone.now()
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    server_ms, queries = _timed(client, path, loads=loads)
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    print(f"{path}: {server_ms:.2f} ms, {len(queries)} queries, {sql_ms:.1f} ms of SQL")
    if with_profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(loads):
            client.get(path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    page = sub.add_parser("page")
    page.add_argument("names", nargs="+")
    page.add_argument("--top", type=int, default=4)
    plan = sub.add_parser("explain")
    plan.add_argument("name")
    plan.add_argument("ranks", nargs="*", type=int, default=[0])
    request = sub.add_parser("api")
    request.add_argument("path")
    request.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "page":
        pages(args.names, args.top)
    elif args.what == "explain":
        explain(args.name, args.ranks)
    else:
        api(args.path, args.cprofile)


if __name__ == "__main__":
    main()
