"""The benchmark generator at a tiny scale, inside the test database's transaction: the row counts
it promises, and the same rows for the same seed. Timings belong to `make bench`, not here."""

from datetime import date

import pytest
from django.db import connection, transaction

from bench.generate import LARGE_SLUG, generate, tenant_shapes
from tenancy.db.base import owner_mode

SCALE = 0.001
END = date(2026, 10, 1)


def _run(seed: int):
    """Generate, count the large tenant's rows, then roll everything back."""
    with owner_mode(), transaction.atomic():
        connection.ensure_connection()
        result = generate(connection.connection, scale=SCALE, seed=seed, end_period=END, log=str)
        with connection.connection.cursor() as cursor:
            (org_id,) = cursor.execute(
                "SELECT id FROM tenancy_organization WHERE slug = %s", [LARGE_SLUG]
            ).fetchone()
            counts = {
                table: cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE organization_id = %s', [org_id]
                ).fetchone()[0]
                for table in (
                    "partnerships_partnership",
                    "contracts_agreement",
                    "contracts_clause",
                    "performance_kpi",
                    "performance_measurement",
                    "performance_sla",
                    "governance_changerequest",
                    "integrations_edidocument",
                    "integrations_edidocumentline",
                    "partnerships_duediligenceitem",
                    "partnerships_exclusivity",
                    "partnerships_sourcingcase",
                    "partnerships_candidatescore",
                )
            }
            # Every decided request carries the decisions its state needs, from both parties.
            inconsistent = cursor.execute(
                """
                SELECT count(*) FROM governance_changerequest cr
                WHERE NOT EXISTS (SELECT 1 FROM governance_changerequestapprover a
                                  WHERE a.change_request_id = cr.id AND a.party = 'customer')
                   OR NOT EXISTS (SELECT 1 FROM governance_changerequestapprover a
                                  WHERE a.change_request_id = cr.id AND a.party = 'partner')
                   OR (cr.status IN ('approved', 'implemented') AND EXISTS (
                        SELECT 1 FROM governance_changerequestapprover a
                        WHERE a.change_request_id = cr.id AND a.decision <> 'approved'))
                   OR (cr.status = 'rejected' AND NOT EXISTS (
                        SELECT 1 FROM governance_changerequestapprover a
                        WHERE a.change_request_id = cr.id AND a.decision = 'rejected'))
                """
            ).fetchone()[0]
            counts["inconsistent change requests"] = inconsistent
            # The stored EDI documents are what the ingestion service makes of their content.
            counts["EDI documents the reader disagrees with"] = _edi_disagreements(cursor, org_id)
            organizations = cursor.execute("SELECT count(*) FROM tenancy_organization").fetchone()
        transaction.set_rollback(True)
    return result, counts, organizations[0]


def _edi_disagreements(cursor, org_id: int) -> list[str]:
    from integrations.edi import parse_document
    from integrations.services import HEADER_FIELDS

    header = ", ".join(HEADER_FIELDS)
    documents = cursor.execute(
        f"SELECT id, content, {header}, line_total, line_count FROM integrations_edidocument"
        " WHERE organization_id = %s ORDER BY id LIMIT 6",
        [org_id],
    ).fetchall()
    wrong = []
    for doc_id, content, *stored in documents:
        parsed = parse_document(bytes(content))
        expected = [getattr(parsed, name) for name in HEADER_FIELDS]
        expected += [parsed.line_total, len(parsed.lines)]
        lines = cursor.execute(
            "SELECT line_number, quantity, unit, buyer_item_code, seller_item_code, gtin,"
            " description, unit_price, line_amount FROM integrations_edidocumentline"
            " WHERE document_id = %s ORDER BY line_number",
            [doc_id],
        ).fetchall()
        parsed_lines = [
            (p.line_number, p.quantity, p.unit, p.buyer_item_code, p.seller_item_code, p.gtin,
             p.description, p.unit_price, p.line_amount)
            for p in parsed.lines
        ]  # fmt: skip
        if stored != expected or lines != parsed_lines or parsed.findings:
            wrong.append(f"document {doc_id}")
    return wrong


@pytest.mark.django_db
def test_it_writes_the_promised_rows_for_every_tenant():
    large, *small = tenant_shapes(SCALE)
    result, counts, organizations = _run(seed=7)

    partnerships = large.partnerships
    agreements = partnerships * large.agreements_per_partnership
    kpis = partnerships * large.kpis_per_partnership
    assert counts == {
        "partnerships_partnership": partnerships,
        "contracts_agreement": agreements,
        "contracts_clause": agreements * large.clauses_per_agreement,
        "performance_kpi": kpis,
        "performance_measurement": kpis * large.periods,
        "performance_sla": kpis // large.sla_every,
        "governance_changerequest": partnerships * 10,
        "integrations_edidocument": partnerships * 2,
        "integrations_edidocumentline": partnerships * 2 * 50,
        "partnerships_duediligenceitem": partnerships * 6,
        "partnerships_exclusivity": -(-partnerships // 10),
        "partnerships_sourcingcase": max(1, partnerships // 20),
        # three candidates (fewer when the tenant has fewer partners) on six criteria
        "partnerships_candidatescore": max(1, partnerships // 20) * min(3, partnerships) * 6,
        "inconsistent change requests": 0,
        "EDI documents the reader disagrees with": [],
    }
    assert organizations == 1 + len(small)
    small_measurements = sum(s.partnerships * s.kpis_per_partnership * s.periods for s in small)
    assert result.counts["performance_measurement"] == kpis * large.periods + small_measurements
    assert result.skipped == []


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    first, first_counts, _ = _run(seed=7)
    again, again_counts, _ = _run(seed=7)
    other, _, _ = _run(seed=8)

    assert again.checksum == first.checksum
    assert again_counts == first_counts
    assert other.checksum != first.checksum


def test_the_full_scale_matches_the_issue():
    large, *small = tenant_shapes(1.0)

    assert large.partnerships == 2_000
    assert large.partnerships * large.agreements_per_partnership == 10_000
    assert large.partnerships * large.agreements_per_partnership * large.clauses_per_agreement == (
        100_000
    )
    assert large.partnerships * large.kpis_per_partnership == 40_000
    assert large.partnerships * large.kpis_per_partnership * large.periods == 2_000_000
    assert len(small) == 100
