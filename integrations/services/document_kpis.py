"""KPIs from the documents exchanged: on-time delivery, fill rate, invoice accuracy and the
requisition-to-pay cycle, written to the partnership's KPIs fed by the integration."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.edi.result import DESPATCH_ADVICE, INVOICE, ORDER
from integrations.models import Discrepancy, EdiDocument, EdiDocumentLine
from tenancy.audit import audit_record
from tenancy.models import User

# The KPI codes the computed figures are written to (a partnership's KPI of that code whose
# source is "Integration feed"); settings.INTEGRATIONS_KPI_CODES overrides them per metric.
DEFAULT_KPI_CODES = {
    "on_time_delivery": "otd_pct",
    "fill_rate": "fill_rate_pct",
    "invoice_accuracy": "invoice_accuracy_pct",
    "requisition_to_pay_days": "r2p_days",
}


def document_kpi_codes() -> dict[str, str]:
    return {**DEFAULT_KPI_CODES, **getattr(settings, "INTEGRATIONS_KPI_CODES", {})}


def kpi_lead_time_days() -> int:
    return int(getattr(settings, "INTEGRATIONS_KPI_LEAD_TIME_DAYS", 14))


@transaction.atomic
def document_kpis_record(
    *, now: datetime, partnership_id: int | None = None, actor: User | None = None
):
    """The KPI job: compute on-time delivery, fill rate, invoice accuracy and the
    requisition-to-pay cycle from the documents (integrations.kpis) and write them, through
    performance's measurement services, to the partnership's KPIs of the agreed codes whose
    source is the integration feed. A month without a figure gets one; a figure this job wrote
    before is corrected when the documents changed; a figure entered by hand (another source)
    is never touched. Both parties read them on the partnership's scorecard. Returns counts."""
    from integrations.kpis import Header, document_kpis
    from performance.models import Kpi, Measurement, Source
    from performance.services import measurement_correct, measurement_record

    codes = document_kpi_codes()
    kpis = Kpi.objects.filter(
        source=Source.INTEGRATION, code__in=set(codes.values()), is_active=True
    ).select_related("partnership")
    if partnership_id is not None:
        kpis = kpis.filter(partnership_id=partnership_id)
    by_partnership: dict[int, dict[str, Kpi]] = {}
    for kpi in kpis:
        by_partnership.setdefault(kpi.partnership_id, {})[kpi.code] = kpi
    counts = {"recorded": 0, "corrected": 0, "unchanged": 0, "kept_manual": 0}
    if not by_partnership:
        return counts
    documents = EdiDocument.objects.filter(
        status=EdiDocument.Status.ACCEPTED,
        partnership_id__in=list(by_partnership),
        doc_type__in=[ORDER, INVOICE, DESPATCH_ADVICE],
    )
    headers = [
        Header(
            pk,
            partnership,
            doc_type,
            number,
            reference,
            issued or timezone.localdate(received),
            errors,
        )
        for pk, partnership, doc_type, number, reference, issued, received, errors in (
            documents.values_list(
                "pk",
                "partnership_id",
                "doc_type",
                "document_number",
                "order_reference",
                "issue_date",
                "received_at",
                "error_count",
            )
        )  # fmt: skip
    ]
    quantities: dict[int, dict[str, Decimal]] = {}
    lines = EdiDocumentLine.objects.filter(document__in=documents).values_list(
        "document_id", "gtin", "buyer_item_code", "seller_item_code", "quantity"
    )
    for document_id, gtin, buyer, seller, quantity in lines.iterator(chunk_size=10_000):
        item = gtin or buyer or seller
        if item:
            per_item = quantities.setdefault(document_id, {})
            per_item[item] = per_item.get(item, Decimal(0)) + quantity
    disputed = set(
        Discrepancy.objects.filter(document_id__in=documents.filter(doc_type=INVOICE))
        .values_list("document_id", flat=True)
        .distinct()
    )
    today = timezone.localdate(now)
    figures = document_kpis(
        headers=headers, quantities=quantities, disputed_invoices=disputed,
        lead_time_days=kpi_lead_time_days(), today=today,
    )  # fmt: skip
    existing = {
        (m.kpi_id, m.period_start): m
        for m in Measurement.objects.filter(
            kpi__in=[k for ks in by_partnership.values() for k in ks.values()],
            period_start__in={month for _, month in figures} or {today},
        )
    }
    for (partnership, month), values in sorted(figures.items()):
        for metric, value in values.items():
            kpi = by_partnership.get(partnership, {}).get(codes[metric])
            if kpi is None:
                continue
            measured = existing.get((kpi.pk, month))
            note = "Computed from the documents exchanged (integrations)."
            if measured is None:
                measurement_record(
                    actor=actor, kpi=kpi, period_start=month, value=value, today=today,
                    note=note, source=Source.INTEGRATION, now=now,
                )  # fmt: skip
                counts["recorded"] += 1
            elif measured.source != Source.INTEGRATION:
                counts["kept_manual"] += 1
            elif measured.value != value and measured.status != Measurement.Status.REJECTED:
                measurement_correct(
                    measurement=measured, actor=actor, value=value,
                    reason="The documents of the month changed.", now=now,
                )  # fmt: skip
                counts["corrected"] += 1
            else:
                counts["unchanged"] += 1
    if counts["recorded"] or counts["corrected"]:
        audit_record(action="integrations.document_kpis.recorded", actor=actor, changes=counts)
    return counts
