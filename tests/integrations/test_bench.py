"""bench/integrations.py runs: the three-way match figure over a tenant's orders and invoices,
beside its reference SQL, leaves no discrepancy behind (rolled back)."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from bench.integrations import bench_match
from integrations.models import Discrepancy
from tenancy.context import tenant_scope
from tests.integrations import samples

pytestmark = pytest.mark.django_db


class _Db:
    def __init__(self, org):
        self.org = org

    def timed(self, statements, *, repeats):
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            with tenant_scope(self.org), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    self.row = cursor.fetchone()
            timings.append(time.perf_counter() - started)
        return timings


def test_the_bench_prints_match_throughput_beside_its_sql(org_a, ingest):
    ingest(samples.edifact(kind="order"))
    ingest(samples.edifact(kind="invoice", number="INV-1", items=[
        ("4012345000016", "MAT-1", "Bearing", "120", "PCE", "2.50"),
    ]))  # fmt: skip
    figures = []
    ctx = SimpleNamespace(
        organization=org_a,
        db=_Db(org_a),
        plans=SimpleNamespace(check=lambda label, statement: ""),
        report=SimpleNamespace(add=figures.append),
    )
    bench_match(ctx, figure_class=lambda *args, **kwargs: (args, kwargs), repeats=1)
    ((args, kwargs),) = figures
    assert args[0] == "match" and "1 orders, 4 lines" in args[1] and args[3] == "lines/s"
    assert "one SQL statement" in args[4] and "1 discrepancies opened" in kwargs["note"]
    assert ctx.db.row == (1, 3)  # the reference finds the same item invoiced above the order
    with tenant_scope(org_a):
        assert not Discrepancy.objects.exists()
