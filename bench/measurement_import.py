"""Bench figure of issue 9 ("Done when" 3): a measurement file imported as a background job, the
web worker's memory flat, the time per 100,000 rows printed beside a COPY of the same rows.

    python -m bench.measurement_import [--rows 1000000] [--months 120] [--keep]

Runs against DATABASE_URL (migrated) inside a scratch organization of its own (its measurements
are deleted afterwards unless --keep). Steps:

1. the upload: the real page (`POST …/performance/import/`, through every middleware) with the
   file as a multipart body, tasks NOT inline: Python memory allocated during the request is
   measured with tracemalloc (peak), next to the file's size;
2. the job's two stages (check, then import after confirmation) run in this process as a worker
   would run them (`measurement_import_run.apply`), timed, the worker's peak RSS growth noted;
3. the same rows COPYed into a scratch table with the measurement table's columns, constraints
   and indexes (`LIKE … INCLUDING ALL`): the floor the import is compared with.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def write_csv(path: str, *, kpi_codes: list[str], months: int, rows: int, start: date) -> int:
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("kpi_code,period,value,note\n")
        for code in kpi_codes:
            for m in range(months):
                if written >= rows:
                    return written
                period = month_add(start, m)
                value = 90 + (written * 7919) % 1000 / 100  # 90.00 … 99.99
                out.write(f"{code},{period:%Y-%m},{value:.2f},\n")
                written += 1
    return written


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--keep", action="store_true", help="keep the imported measurements")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from partnerships.models import Partner, Partnership
    from performance import services, tasks
    from performance.models import Kpi, Measurement, MeasurementImport
    from performance.services.imports import ImportLimits
    from tenancy.context import tenant_scope
    from tenancy.models import Membership, Organization, Role, User

    settings.TASKS_INLINE = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.PERFORMANCE_IMPORT_LIMITS = ImportLimits(
        max_bytes=200 * 1024 * 1024, max_rows=max(args.rows, 1_000_000)
    )
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-import-media-")
    stamp = int(time.time())
    kpi_count = -(-args.rows // args.months)
    start = date(2010, 1, 1)
    print(f"Scratch tenant: {kpi_count:,} KPIs × {args.months} months = {args.rows:,} rows")

    organization = Organization.objects.create(name=f"Bench import {stamp}", slug=f"bi-{stamp}")
    user = User.objects.create_user(
        email=f"bench-import-{stamp}@bench.example", password="x-" + str(stamp)
    )
    Membership.objects.create(organization=organization, user=user, role=Role.ORG_ADMIN)
    with tenant_scope(organization):
        partner = Partner.objects.create(organization=organization, name="Bench partner")
        partnership = Partnership.objects.create(
            organization=organization,
            partner=partner,
            name="Bench partnership",
            code=f"bi-{stamp}",
            owner=user,
        )
        Kpi.objects.bulk_create(
            [
                Kpi(
                    organization=organization,
                    partnership=partnership,
                    code=f"k{n:06d}",
                    name=f"KPI {n}",
                    perspective="operational",
                    unit="%",
                    target=Decimal("98"),
                    red_threshold=Decimal("90"),
                )
                for n in range(kpi_count)
            ],
            batch_size=5000,
        )
        codes = list(
            Kpi.objects.filter(partnership=partnership)
            .order_by("code")
            .values_list("code", flat=True)
        )
    handle, path = tempfile.mkstemp(suffix=".csv", prefix="bench-import-")
    os.close(handle)
    rows = write_csv(path, kpi_codes=codes, months=args.months, rows=args.rows, start=start)
    size = os.path.getsize(path)
    print(f"File: {rows:,} rows, {size / 1024 / 1024:,.1f} MB")

    try:
        # 1. The upload through the real page.
        client = Client()
        client.force_login(user)
        url = f"/o/{organization.slug}/partnerships/{partnership.pk}/performance/import/"
        assert client.get(url).status_code == 200  # warm-up: URL conf, templates, connection
        tracemalloc.start()
        t0 = time.perf_counter()
        with open(path, "rb") as upload:
            response = client.post(url, {"file": upload})
        upload_s = time.perf_counter() - t0
        _, web_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert response.status_code == 302, response.status_code
        with tenant_scope(organization):
            job = MeasurementImport.objects.get(partnership=partnership)
        print(
            f"Upload request: {upload_s:,.2f} s, web worker peak Python memory "
            f"{web_peak / 1024 / 1024:,.1f} MB for a {size / 1024 / 1024:,.1f} MB file "
            f"(status after the request: {job.status})"
        )

        # 2. The job, as a worker runs it (the scorecard recompute timed on its own).
        from performance.services import imports

        recompute = {"s": 0.0}
        original = imports.scorecards_recompute

        def timed_recompute(**kwargs):
            t0 = time.perf_counter()
            try:
                return original(**kwargs)
            finally:
                recompute["s"] += time.perf_counter() - t0

        imports.scorecards_recompute = timed_recompute
        kwargs = {"organization_id": organization.pk, "import_id": job.pk}
        rss_before = rss_mb()
        t0 = time.perf_counter()
        assert tasks.measurement_import_run.apply(kwargs=kwargs).get() == "succeeded"
        check_s = time.perf_counter() - t0
        with tenant_scope(organization):
            job = MeasurementImport.objects.get(pk=job.pk)
            assert job.result["ok"], job.result["errors"][:3]
            services.measurement_import_confirm(job=job, actor=user)
        t0 = time.perf_counter()
        assert tasks.measurement_import_run.apply(kwargs=kwargs).get() == "succeeded"
        import_s = time.perf_counter() - t0
        rss_growth = rss_mb() - rss_before
        with tenant_scope(organization):
            imported = Measurement.objects.filter(partnership=partnership).count()
        assert imported == rows, (imported, rows)

        # 3. COPY of the same rows into a table like the measurement table.
        with tenant_scope(organization):
            ids = dict(Kpi.objects.filter(partnership=partnership).values_list("code", "pk"))
            buffer = io.StringIO()
            with open(path, encoding="utf-8") as source:
                next(source)
                for line in source:
                    code, period, value, _note = line.rstrip("\n").split(",")
                    buffer.write(
                        f"{organization.pk}\t{partnership.pk}\t{ids[code]}\t{period}-01\t{value}"
                        "\tapproved\timport\t\t2026-11-01 00:00:00+00\n"
                    )
            data = buffer.getvalue()
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE bench_measurement_copy "
                    "(LIKE performance_measurement INCLUDING ALL)"
                )
                t0 = time.perf_counter()
                with cursor.copy(
                    "COPY bench_measurement_copy (organization_id, partnership_id, kpi_id, "
                    "period_start, value, status, source, note, created_at) FROM STDIN"
                ) as copy:
                    copy.write(data)
                copy_s = time.perf_counter() - t0
                cursor.execute("DROP TABLE bench_measurement_copy")

        per = 100_000 / rows
        print()
        print(f"| step ({rows:,} rows) | total | per 100,000 rows | × COPY |")
        print("|---|---|---|---|")
        for name, seconds in (
            ("check (task)", check_s),
            ("import (task): rows written", import_s - recompute["s"]),
            ("import (task): scorecards of the months recomputed", recompute["s"]),
            ("check + import", check_s + import_s),
            ("COPY of the same rows", copy_s),
        ):
            print(
                f"| {name} | {seconds:,.1f} s | {seconds * per:,.2f} s | {seconds / copy_s:,.1f} |"
            )
        print(
            f"\nWeb worker: {upload_s:,.2f} s and {web_peak / 1024 / 1024:,.1f} MB peak Python "
            f"memory for the upload; worker process peak RSS grew {rss_growth:,.0f} MB."
        )
    finally:
        os.unlink(path)
        if not args.keep:  # the small scratch organization stays: its audit trail is append-only
            with tenant_scope(organization):
                Measurement.objects.filter(partnership=partnership).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
