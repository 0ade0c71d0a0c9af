"""Bench of issue 15 ("Done when" 3): the portfolio savings page on the large tenant.

    python -m bench.finance [--scale 1.0] [--loads 6]

`generate_finance` is called by bench/generate.py for every tenant: per partnership ten
savings (claimed, verified, accepted, disputed), a gain-share statement (paid in one partnership
of two) and two cost pools, COPYed like the other modules' rows. `main` ensures the bench
database, then loads the portfolio savings page (claimed vs verified vs paid, grouped in SQL) and
the first partnership's finance tab with the Django test client as the large tenant's first
user: server time (median over the loads after the first), the query count, and the page's
SQL replayed alone, printed side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

SAVINGS_PER_PARTNERSHIP = 10
STATUSES = ("claimed", "verified", "verified", "accepted", "disputed")


def generate_finance(loader, *, m, rng, org_id, partnership_ids, currency, end_period, month_add):
    savings_model = m["finance.SavingsEntry"]
    statement_model = m["finance.GainShareStatement"]
    pool_model = m["finance.CostPool"]
    if not loader.has(savings_model):
        loader.skipped.add("finance.SavingsEntry")
        return
    n = len(partnership_ids)
    statement_ids = iter(loader.ids(statement_model, n))
    statements = {pid: next(statement_ids) for pid in partnership_ids}
    start = month_add(end_period, -5)
    loader.copy(
        statement_model,
        ["id", "organization_id", "partnership_id", "period_start", "period_end", "currency",
         "verified_savings", "base_share", "adjustment", "adjustment_points", "standing",
         "payout", "limited_by", "status", "created_at"],
        [(statements[pid], org_id, pid, start, month_add(start, 2), currency,
          "40000.00", "20000.00", "0.00", "0", "", "20000.00", "",
          "paid" if k % 2 == 0 else "issued", "2026-10-01T08:00:00+00:00")
         for k, pid in enumerate(partnership_ids)],
    )  # fmt: skip
    saving_ids = iter(loader.ids(savings_model, SAVINGS_PER_PARTNERSHIP * n))

    def savings() -> Iterator[tuple]:
        for pid in partnership_ids:
            for k in range(SAVINGS_PER_PARTNERSHIP):
                baseline = Decimal(rng.randrange(500, 5000)) / 100
                actual = baseline * Decimal(rng.randrange(85, 99)) / 100
                volume = Decimal(rng.randrange(100, 20000))
                net = ((baseline - actual) * volume).quantize(Decimal("0.01"))
                status = STATUSES[k % len(STATUSES)]
                on_statement = (
                    statements[pid] if status in ("verified", "accepted") and k < 4 else None
                )
                yield (
                    next(saving_ids), org_id, pid, f"Saving {k}", "hard",
                    month_add(end_period, -(k % 6)), currency, f"{baseline:.4f}",
                    f"{actual:.4f}", f"{volume:.4f}", f"{net}", f"{net}",
                    "buyer", "2026-10-01T08:00:00+00:00", status, "", "", "", "",
                    on_statement,
                )  # fmt: skip

    loader.copy(
        savings_model,
        ["id", "organization_id", "partnership_id", "title", "category", "period_start",
         "currency", "baseline_price", "actual_price", "volume", "gross_amount", "net_amount",
         "claimed_by_party", "claimed_at", "status", "verified_by_party", "evidence",
         "dispute_reason", "internal_note", "statement_id"],
        savings(),
    )  # fmt: skip
    pool_ids = iter(loader.ids(pool_model, 2 * n))
    loader.copy(
        pool_model,
        ["id", "organization_id", "partnership_id", "name", "period_start", "kind", "basis",
         "amount", "currency", "buyer_driver", "partner_driver", "created_at"],
        [(next(pool_ids), org_id, pid, name, month_add(end_period, -1), "fixed", "headcount",
          f"{rng.randrange(5000, 90000)}.00", currency, rng.randrange(1, 9), rng.randrange(1, 9),
          "2026-10-01T08:00:00+00:00")
         for pid in partnership_ids for name in ("Joint engineering cell", "Shared warehouse")],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench import generate as gen

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    parser.add_argument("--loads", type=int, default=6)
    args = parser.parse_args(argv)
    state = gen.ensure_generated(scale=args.scale, seed=args.seed, force=False)
    gen.setup_django(gen.bench_url())

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from finance.models import SavingsEntry
    from partnerships.models import Partnership
    from tenancy.context import tenant_scope
    from tenancy.models import Organization, User

    organization = Organization.objects.get(slug=gen.LARGE_SLUG)
    user = User.objects.get(email=f"user000@{gen.LARGE_SLUG}.{gen.USER_DOMAIN}")
    with tenant_scope(organization):
        savings = SavingsEntry.objects.count()
        first = Partnership.objects.order_by("pk").values_list("pk", flat=True).first()
    print(f"Large tenant {gen.LARGE_SLUG} (scale {state['scale']}): {savings:,} savings")
    client = Client()
    client.force_login(user)
    for label, url in (
        ("portfolio savings page", reverse("finance-home", args=[organization.slug])),
        (
            "partnership finance tab",
            reverse("partnership-finance", args=[organization.slug, first]),
        ),
    ):
        timings, counts, statements = [], [], []
        for index in range(args.loads):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                print(f"{label}: {url} answered {response.status_code}")
                return 1
            if index:
                timings.append(elapsed * 1000)
                counts.append(len(queries.captured_queries))
                statements = [q["sql"] for q in queries.captured_queries]
        with tenant_scope(organization), connection.cursor() as cursor:
            replay = []
            for _ in range(3):
                started = time.perf_counter()
                for sql in statements:
                    if sql.lstrip().upper().startswith("SELECT"):
                        cursor.execute(sql)
                        cursor.fetchall()
                replay.append((time.perf_counter() - started) * 1000)
        print(
            f"{label}: server time {statistics.median(timings):,.1f} ms "
            f"(its SQL replayed {statistics.median(replay):,.1f} ms), "
            f"{max(counts)} queries, {len(response.content):,} bytes"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
