"""Reads of the integrations module. Lists never load the raw message (`content`) and never
issue a query per row."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from integrations.models import EdiDocument, EdiDocumentLine, EdiFinding

# What a list of documents shows; the raw bytes stay in the database until someone asks.
LIST_DEFER = ("content",)


def edi_documents() -> QuerySet[EdiDocument]:
    return (
        EdiDocument.objects.select_related("partnership__partner", "received_by")
        .defer(*LIST_DEFER)
        .order_by("-received_at", "-pk")
    )


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


def edi_document_findings(document: EdiDocument) -> QuerySet[EdiFinding]:
    return EdiFinding.objects.filter(document=document).order_by("pk")
