"""Reads of the integrations module. Lists never load the raw message (`content`) and never
issue a query per row."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, F, Max, Q, QuerySet

from integrations.health import WINDOW, FeedHealth, FeedStats, feed_health
from integrations.models import Connector, EdiDocument, EdiDocumentLine, EdiFinding

# What a list of documents shows; the raw bytes stay in the database until someone asks.
LIST_DEFER = ("content",)


def edi_documents() -> QuerySet[EdiDocument]:
    return (
        EdiDocument.objects.select_related("partnership__partner", "received_by", "connector")
        .defer(*LIST_DEFER)
        .order_by("-received_at", "-pk")
    )


def edi_documents_for(membership) -> QuerySet[EdiDocument]:
    """Every document for a member; a partner guest's company sent those of their partnerships."""
    from tenancy.permissions import restrict_for_guest

    return restrict_for_guest(edi_documents(), membership, "partnership")


def edi_documents_filtered(
    queryset: QuerySet[EdiDocument],
    *,
    partnership: str = "",
    standard: str = "",
    doc_type: str = "",
    status: str = "",
    has_errors: str = "",
    q: str = "",
) -> QuerySet[EdiDocument]:
    """The page filters (the API has the same ones through django-filter). Unknown values are
    ignored rather than refused: a stale bookmark still shows a list."""
    if partnership.isdigit():
        queryset = queryset.filter(partnership_id=int(partnership))
    if standard in EdiDocument.Standard.values:
        queryset = queryset.filter(standard=standard)
    if doc_type in EdiDocument.DocType.values:
        queryset = queryset.filter(doc_type=doc_type)
    if status in EdiDocument.Status.values:
        queryset = queryset.filter(status=status)
    if has_errors in ("1", "true", "yes"):
        queryset = queryset.filter(error_count__gt=0)
    elif has_errors in ("0", "false", "no"):
        queryset = queryset.filter(error_count=0)
    if q.strip():
        term = q.strip()
        queryset = queryset.filter(
            Q(document_number__icontains=term)
            | Q(order_reference__icontains=term)
            | Q(filename__icontains=term)
        )
    return queryset


@dataclass(frozen=True)
class DocumentCounts:
    total: int
    with_errors: int
    rejected: int
    waiting: int


def edi_document_counts(queryset: QuerySet[EdiDocument]) -> DocumentCounts:
    """One aggregate query over the documents (of the organization or of one partnership)."""
    row = queryset.order_by().aggregate(
        total=Count("pk"),
        with_errors=Count("pk", filter=Q(error_count__gt=0)),
        rejected=Count("pk", filter=Q(status=EdiDocument.Status.REJECTED)),
        waiting=Count("pk", filter=Q(status=EdiDocument.Status.RECEIVED)),
    )
    return DocumentCounts(**row)


def edi_document_lines(document: EdiDocument) -> QuerySet[EdiDocumentLine]:
    # Ordered by id: the order the lines were inserted in, i.e. the message's order; the index
    # (organization, document, id) serves it and keyset pagination.
    return EdiDocumentLine.objects.filter(document=document).order_by("pk")


def edi_document_further_messages(document: EdiDocument) -> list[EdiDocument]:
    """The 2nd, 3rd … messages of the interchange `document` was received as (uploads)."""
    if document.interchange_id:
        return []
    return list(
        EdiDocument.objects.filter(interchange=document)
        .defer(*LIST_DEFER)
        .order_by("message_index")
    )


def edi_document_findings(document: EdiDocument) -> QuerySet[EdiFinding]:
    return EdiFinding.objects.filter(document=document).order_by("pk")


def connectors(partnership_id: int | None = None) -> QuerySet[Connector]:
    queryset = Connector.objects.select_related("partnership__partner", "owner")
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("name", "pk")


def connector_feed_stats(connectors, *, now: datetime) -> dict[int, FeedStats]:
    """Per connector, in one grouped query: messages and failures (rejected, or read with
    errors) and the average time from receipt to read over the window, and the last message
    ever received."""
    ids = [c.pk for c in connectors]
    stats = {pk: FeedStats() for pk in ids}
    if not ids:
        return stats
    recent = Q(received_at__gte=now - WINDOW, received_at__lte=now)
    rows = (
        EdiDocument.objects.filter(connector_id__in=ids)
        .order_by()
        .values("connector_id")
        .annotate(
            documents=Count("pk", filter=recent),
            failed=Count(
                "pk",
                filter=recent & (Q(status=EdiDocument.Status.REJECTED) | Q(error_count__gt=0)),
            ),
            last_received_at=Max("received_at", filter=Q(received_at__lte=now)),
            latency=Avg(
                F("finished_at") - F("received_at"), filter=recent & Q(finished_at__isnull=False)
            ),
        )
    )
    for row in rows:
        key = row.pop("connector_id")
        stats[key] = FeedStats(**row)
    return stats


@dataclass(frozen=True)
class ConnectorRow:
    connector: Connector
    health: FeedHealth


def connector_health(partnership_id: int, *, now: datetime) -> list[ConnectorRow]:
    """The partnership's connectors with their feed health (two queries in all)."""
    rows = list(connectors(partnership_id))
    stats = connector_feed_stats(rows, now=now)
    return [ConnectorRow(c, feed_health(connector=c, stats=stats[c.pk], now=now)) for c in rows]


def discrepancies() -> QuerySet:
    from integrations.models import Discrepancy

    return Discrepancy.objects.select_related(
        "partnership__partner", "owner", "document", "decided_by"
    ).order_by("-detected_at", "-pk")


def discrepancies_for(membership) -> QuerySet:
    """What a member may see: everything; a partner guest only what was disputed with (shared
    with) their partnerships."""
    from tenancy.permissions import restrict_for_guest

    queryset = restrict_for_guest(discrepancies(), membership, "partnership")
    if membership.is_guest:
        queryset = queryset.filter(shared_with_partner=True)
    return queryset


def discrepancy_counts(queryset) -> dict[str, int]:
    from integrations.models import Discrepancy

    return queryset.order_by().aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Discrepancy.Status.values}
    )


# --- master-data crosswalks -------------------------------------------------------------------


def code_mappings(partnership_id: int | None = None) -> QuerySet:
    from integrations.models import CodeMapping

    queryset = CodeMapping.objects.select_related("partnership", "created_by")
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("kind", "partner_code", "pk")


@dataclass(frozen=True)
class UnmappedCode:
    partnership_id: int
    kind: str
    partner_code: str
    description: str
    documents: int  # documents waiting on it (materials); documents that carry it (suppliers)
    lines: int


def unmapped_codes(partnership_id: int | None = None, *, limit: int = 500) -> list[UnmappedCode]:
    """Codes the partner's documents carry that the crosswalk does not map yet, most used
    first: materials (an item code of theirs on a line without ours: those documents wait on
    it) and suppliers (the sender of an invoice or despatch advice). Two grouped queries."""
    from django.db.models import Exists, OuterRef

    from integrations.models import CodeMapping

    def mapped(kind, column):
        return Exists(
            CodeMapping.objects.filter(
                partnership_id=OuterRef("partnership_id"), kind=kind, partner_code=OuterRef(column)
            )
        )

    lines = EdiDocumentLine.objects.filter(buyer_item_code="").exclude(seller_item_code="")
    documents = EdiDocument.objects.filter(
        status=EdiDocument.Status.ACCEPTED, doc_type__in=["invoice", "despatch_advice"]
    ).exclude(sender_id="")
    if partnership_id is not None:
        lines = lines.filter(partnership_id=partnership_id)
        documents = documents.filter(partnership_id=partnership_id)
    materials = (
        lines.filter(~mapped("material", "seller_item_code"))
        .order_by()
        .values("partnership_id", "seller_item_code")
        .annotate(
            documents=Count("document_id", distinct=True),
            lines=Count("pk"),
            description=Max("description"),
        )
        .order_by("-documents", "seller_item_code")[:limit]
    )
    suppliers = (
        documents.filter(~mapped("supplier", "sender_id"))
        .order_by()
        .values("partnership_id", "sender_id")
        .annotate(documents=Count("pk"))
        .order_by("-documents", "sender_id")[:limit]
    )
    found = [
        UnmappedCode(
            row["partnership_id"],
            "material",
            row["seller_item_code"],
            (row["description"] or "")[:200],
            row["documents"],
            row["lines"],
        )  # fmt: skip
        for row in materials
    ]
    found += [
        UnmappedCode(row["partnership_id"], "supplier", row["sender_id"], "", row["documents"], 0)
        for row in suppliers
    ]
    return found


def crosswalk_reprocesses(partnership_id: int | None = None) -> QuerySet:
    from integrations.models import CrosswalkReprocess

    queryset = CrosswalkReprocess.objects.select_related("partnership", "requested_by")
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("-created_at", "-pk")


# --- forecasts and stock ----------------------------------------------------------------------


def forecasts(partnership_id: int | None = None) -> QuerySet:
    from integrations.models import DemandForecast

    queryset = DemandForecast.objects.select_related("partnership", "owner")
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("title", "pk")


def forecast_versions(forecast) -> QuerySet:
    from integrations.models import ForecastVersion

    return (
        ForecastVersion.objects.filter(forecast=forecast)
        .select_related("created_by")
        .order_by("-number")
    )


def stock_policies(partnership_id: int) -> QuerySet:
    from integrations.models import StockPolicy

    return (
        StockPolicy.objects.filter(partnership_id=partnership_id)
        .select_related("owner")
        .order_by("item", "pk")
    )


def stock_latest_positions(partnership_id: int, *, limit: int = 500) -> list:
    """The latest position of each item of the partnership (one DISTINCT ON query)."""
    from integrations.models import StockPosition

    return list(
        StockPosition.objects.filter(partnership_id=partnership_id)
        .order_by("item", "-as_of", "-pk")
        .distinct("item")[:limit]
    )


def dr_tests(partnership_id: int | None = None) -> QuerySet:
    from integrations.models import DisasterRecoveryTest

    queryset = DisasterRecoveryTest.objects.select_related(
        "partnership", "connector", "recorded_by"
    )
    if partnership_id is not None:
        queryset = queryset.filter(partnership_id=partnership_id)
    return queryset.order_by("-scheduled_for", "-pk")
