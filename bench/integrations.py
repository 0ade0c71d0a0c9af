"""Three-way-match throughput on the large tenant (`python -m bench.run --only match`).

The generator gives every partnership an EDIFACT order and its invoice (50 lines each in the
large tenant). The figure: `integrations.services.discrepancies_detect` over the whole tenant
(headers and lines loaded in two queries, matched in Python, discrepancies written), in a
transaction rolled back so every run starts from the same data. Beside it, the SQL that does
the core of the same comparison in one statement (invoiced against ordered quantity per order
and item), on the same rows: the floor a set-based match could reach.
"""

from __future__ import annotations

import statistics
import time

REFERENCE_SQL = """
SELECT count(*) FILTER (WHERE invoiced > ordered) AS above, count(*) AS items FROM (
  SELECT o.id, ol.gtin, sum(ol.quantity) AS ordered,
         COALESCE((SELECT sum(il.quantity)
                   FROM integrations_edidocument i
                   JOIN integrations_edidocumentline il ON il.document_id = i.id
                   WHERE i.partnership_id = o.partnership_id AND i.doc_type = 'invoice'
                     AND i.status = 'accepted' AND i.order_reference = o.document_number
                     AND il.gtin = ol.gtin), 0) AS invoiced
  FROM integrations_edidocument o
  JOIN integrations_edidocumentline ol ON ol.document_id = o.id
  WHERE o.doc_type = 'order' AND o.status = 'accepted'
  GROUP BY o.id, o.partnership_id, o.document_number, ol.gtin
) AS items
"""


def bench_match(ctx, *, figure_class, repeats: int = 3) -> None:
    print("\nThree-way match (every order of the tenant with its invoices)", flush=True)
    from django.db import transaction
    from django.utils import timezone

    from integrations.models import EdiDocumentLine
    from integrations.services import discrepancies_detect
    from tenancy.context import tenant_scope

    organization = ctx.organization
    with tenant_scope(organization):
        lines = EdiDocumentLine.objects.count()
    timings, counts = [], {}
    for _ in range(repeats):
        with tenant_scope(organization):
            started = time.perf_counter()
            with transaction.atomic():
                counts = discrepancies_detect(now=timezone.now())
                transaction.set_rollback(True)  # the same data for every run
            timings.append(time.perf_counter() - started)
    sql_times = ctx.db.timed([REFERENCE_SQL], repeats=repeats)
    ctx.plans.check("three-way match reference", REFERENCE_SQL)
    seconds, sql_seconds = statistics.median(timings), statistics.median(sql_times)
    ctx.report.add(
        figure_class(
            "match",
            f"Three-way match, service ({counts.get('orders', 0):,} orders, {lines:,} lines)",
            lines / seconds,
            "lines/s",
            f"one SQL statement {lines / sql_seconds:,.0f} lines/s ({sql_seconds * 1000:.0f} ms)",
            seconds / sql_seconds,
            note=f"{seconds:.2f} s; {counts.get('opened', 0):,} discrepancies opened",
        )
    )
