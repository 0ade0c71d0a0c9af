"""REST API of the integrations module: EDI documents in (POST), documents, findings and lines out.

`POST edi-documents/` takes a multipart `file` (or JSON `content`, or the raw message as the body
with `?partnership=<id>`) and answers 201 with the document and its findings, 200 with the
document already received when the same bytes come again, or 422 when the message cannot be read
(it is stored, rejected, with the reason). Lines are a cursor-paginated sub-resource.
"""

import django_filters
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations import selectors, services
from integrations.models import EdiDocument, EdiDocumentLine, EdiFinding
from partnerships.models import Partnership
from tenancy.api import TenantIdField, TenantViewSet
from tenancy.api_errors import error_body
from tenancy.api_parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from tenancy.pagination import InsertionOrderPagination


class _RawBodyParser(parsers.BaseParser):
    """The request body is the message itself (read up to one byte past the size limit, so an
    oversized body is refused without being held in memory)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(services.upload_max_bytes() + 1) if stream is not None else b""


class EdifactBodyParser(_RawBodyParser):
    media_type = "application/edifact"


class X12BodyParser(_RawBodyParser):
    media_type = "application/edi-x12"


class XmlBodyParser(_RawBodyParser):
    media_type = "application/xml"


class TextXmlBodyParser(_RawBodyParser):
    media_type = "text/xml"


class TextBodyParser(_RawBodyParser):
    media_type = "text/plain"


class OctetStreamBodyParser(_RawBodyParser):
    media_type = "application/octet-stream"


RAW_PARSERS = [
    EdifactBodyParser,
    X12BodyParser,
    XmlBodyParser,
    TextXmlBodyParser,
    TextBodyParser,
    OctetStreamBodyParser,
]


class EdiFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = EdiFinding
        fields = ["id", "code", "severity", "message", "line_number"]


@extend_schema_field(
    {
        "type": "string",
        "enum": EdiDocument.Status.values,
        "description": "`received` (kept, not read yet), `accepted` (read; see the findings) "
        "or `rejected` (unreadable; see `error`).",
    },
    component_name="EdiDocumentStatusEnum",
)
class DocumentStatusField(serializers.ChoiceField):
    """A named schema component of its own: the enum naming of drf-spectacular would otherwise
    collide with the other modules' `status` choices."""

    def __init__(self, **kwargs):
        super().__init__(choices=EdiDocument.Status.choices, read_only=True, **kwargs)


class EdiDocumentSerializer(serializers.ModelSerializer):
    status = DocumentStatusField()
    # The job's finished_at (tenancy.jobs.Job), under the name clients already read.
    processed_at = serializers.DateTimeField(source="finished_at", read_only=True, allow_null=True)

    class Meta:
        model = EdiDocument
        fields = [
            "id",
            "partnership",
            "standard",
            "doc_type",
            "message_type",
            "syntax_version",
            "status",
            "sender_id",
            "receiver_id",
            "interchange_control_number",
            "message_control_number",
            "document_number",
            "order_reference",
            "issue_date",
            "currency",
            "declared_total",
            "document_total",
            "line_total",
            "line_count",
            "error_count",
            "warning_count",
            "filename",
            "size",
            "sha256",
            "error",
            "received_via",
            "received_at",
            "processed_at",
        ]
        read_only_fields = fields


class EdiDocumentDetailSerializer(EdiDocumentSerializer):
    findings = EdiFindingSerializer(many=True, read_only=True)

    class Meta(EdiDocumentSerializer.Meta):
        fields = [*EdiDocumentSerializer.Meta.fields, "findings"]
        read_only_fields = fields


class EdiDocumentUploadSerializer(serializers.Serializer):
    partnership = TenantIdField(Partnership)
    file = serializers.FileField(required=False, help_text="The message (multipart).")
    content = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The message as text (JSON clients)."
    )
    filename = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def validate(self, attrs):
        if "file" in attrs and "content" in attrs:
            raise serializers.ValidationError({"file": "Send the message once: file or content."})
        return attrs


class EdiDocumentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = EdiDocumentLine
        fields = [
            "id",
            "line_number",
            "buyer_item_code",
            "seller_item_code",
            "gtin",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "line_amount",
            "currency",
        ]


class EdiDocumentFilter(django_filters.FilterSet):
    has_errors = django_filters.BooleanFilter(
        method="filter_has_errors", label="With error findings"
    )

    class Meta:
        model = EdiDocument
        fields = [
            "partnership",
            "standard",
            "doc_type",
            "status",
            "received_via",
            "document_number",
            "order_reference",
        ]

    def filter_has_errors(self, queryset, name, value):
        return queryset.filter(error_count__gt=0) if value else queryset.filter(error_count=0)


class EdiDocumentViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """EDI documents received from partners (orders, invoices, despatch advices)."""

    model = EdiDocument
    serializer_class = EdiDocumentSerializer
    permission_module = "integrations"
    guest_partnership_path = "partnership"  # a guest reads what their company sent
    filterset_class = EdiDocumentFilter
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [SafeMultiPartParser, SafeFormParser, SafeJSONParser, *RAW_PARSERS]

    def tenant_queryset(self):
        queryset = selectors.edi_documents()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("findings")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EdiDocumentDetailSerializer
        if self.action == "create":
            return EdiDocumentUploadSerializer
        if self.action == "lines":
            return EdiDocumentLineSerializer
        return EdiDocumentSerializer

    @extend_schema(
        request={
            "multipart/form-data": EdiDocumentUploadSerializer,
            "application/json": EdiDocumentUploadSerializer,
            **{parser.media_type: OpenApiTypes.BINARY for parser in RAW_PARSERS},
        },
        parameters=[
            OpenApiParameter(
                "partnership", int, description="With a raw body: the partnership's id."
            ),
            OpenApiParameter("filename", str, description="With a raw body: a file name."),
        ],
        responses={
            201: EdiDocumentDetailSerializer,
            200: OpenApiResponse(
                EdiDocumentDetailSerializer, description="The same bytes were received before."
            ),
            422: OpenApiResponse(description="The message cannot be read; stored as rejected."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Receive one message: detect its standard, read it, check it, store it."""
        declared_size = None
        if isinstance(request.data, bytes):
            body = self.get_serializer(
                data={
                    "partnership": request.query_params.get("partnership"),
                    "filename": request.query_params.get("filename", ""),
                }
            )
            body.is_valid(raise_exception=True)
            content, filename = request.data, body.validated_data.get("filename", "")
        else:
            body = self.get_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            upload = body.validated_data.get("file")
            if upload is not None:
                declared_size = upload.size
                too_big = declared_size > services.upload_max_bytes()  # refused before reading
                content = b"" if too_big else upload.read()
                filename = body.validated_data.get("filename") or upload.name
            else:
                content = body.validated_data.get("content", "").encode()
                filename = body.validated_data.get("filename", "")
        document, created = services.edi_document_ingest(
            partnership=body.validated_data["partnership"],
            content=content,
            filename=filename,
            received_via=EdiDocument.Channel.API,
            actor=request.user,
            declared_size=declared_size,
        )
        document = self.get_queryset().prefetch_related("findings").get(pk=document.pk)
        data = EdiDocumentDetailSerializer(document, context=self.get_serializer_context()).data
        if document.status == EdiDocument.Status.REJECTED:
            # Not raised: the rejected message must be committed with the request.
            return Response(
                {
                    **error_body(422, "unreadable", document.error, {"file": [document.error]}),
                    "document": data,
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses=EdiDocumentLineSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=InsertionOrderPagination)
    def lines(self, request, *args, **kwargs):
        """The document's lines in message order (cursor pagination)."""
        document = self.get_object()
        page = self.paginate_queryset(selectors.edi_document_lines(document))
        return self.get_paginated_response(EdiDocumentLineSerializer(page, many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def original(self, request, *args, **kwargs):
        """The message exactly as it was received."""
        document = self.get_object()
        stored = EdiDocument.objects.filter(pk=document.pk).values_list("content", flat=True)[0]
        response = HttpResponse(bytes(stored), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(
            True, document.filename or f"edi-document-{document.pk}.edi"
        )
        return response
