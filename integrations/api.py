"""REST API of the integrations module: EDI documents in (POST), documents, findings and lines out.

`POST edi-documents/` takes a multipart `file` (or JSON `content`, or the raw message as the body
with `?partnership=<id>`) and answers 201 with the document and its findings, 200 with the
document already received when the same bytes come again, or 422 when the message cannot be read
(it is stored, rejected, with the reason). Lines are a cursor-paginated sub-resource.
"""

import django_filters
from django.http import Http404, HttpResponse
from django.utils import timezone
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
from integrations.models import (
    CONNECTOR_ROLES,
    CodeMapping,
    Connector,
    CrosswalkReprocess,
    DataSharingTerm,
    DemandForecast,
    DisasterRecoveryTest,
    Discrepancy,
    EdiDocument,
    EdiDocumentLine,
    EdiFinding,
    ForecastVersion,
    StockPolicy,
    StockPosition,
)
from partnerships.models import Partnership
from tenancy.api import (
    StaffField,
    TenantIdField,
    TenantViewSet,
    VersionedCreateMixin,
    VersionedRetrieveMixin,
    VersionedUpdateMixin,
)
from tenancy.api_errors import error_body
from tenancy.api_parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from tenancy.api_schema import ErrorSerializer
from tenancy.errors import ConflictError
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
            "interchange",
            "message_index",
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
    further_messages = serializers.SerializerMethodField(
        help_text="The documents of this interchange's 2nd, 3rd … message, in order."
    )

    class Meta(EdiDocumentSerializer.Meta):
        fields = [*EdiDocumentSerializer.Meta.fields, "findings", "further_messages"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_further_messages(self, document) -> list[int]:
        return list(
            document.further_messages.order_by("message_index").values_list("pk", flat=True)
        )


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
        """Receive a message: detect its standard, read it, check it, store it. An interchange
        of several messages stores each as a document of its own (`further_messages`, each
        read and checked on its own); the answer is the first message's document."""
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
            api_key_prefix=getattr(request.auth, "prefix", "") or "",
            clock=timezone.now,
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

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(services.OUTBOUND_KINDS)),
            OpenApiParameter(
                "to", str, enum=list(services.OUTBOUND_STANDARDS), description="The standard."
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: OpenApiResponse(
                ErrorSerializer, description="The document is not an accepted order."
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def outbound(self, request, *args, **kwargs):
        """An accepted order as a message to send: the order (`kind=order`: ORDERS / UBL
        Order) or its response accepting every line (`kind=order_response`: ORDRSP / UBL
        OrderResponse), `to=edifact|ubl` (not `standard`: that filters the documents). Not
        for partner guests."""
        document = self.get_object()
        if self.membership.is_guest:
            raise Http404("No such document.")
        filename, content = services.outbound_message(
            document=document, kind=request.query_params.get("kind", "order_response"),
            standard=request.query_params.get("to", "edifact"), actor=request.user,
            now=timezone.now(),
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def original(self, request, *args, **kwargs):
        """The message exactly as it was received."""
        document = self.get_object()
        stored = EdiDocument.objects.filter(pk=document.interchange_id or document.pk).values_list(
            "content", flat=True
        )[0]
        response = HttpResponse(bytes(stored), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(
            True, document.filename or f"edi-document-{document.pk}.edi"
        )
        return response


# --- connectors, discrepancies, data-sharing terms --------------------------------------------


class IntegrationsReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="Why (kept with the record and audited)."
    )


class ConnectorSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)
    owner = StaffField(required=False, allow_null=True)
    message_types = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[c for c in EdiDocument.DocType.choices if c[0] != "unknown"]
        ),
        required=False,
    )
    partner_identifiers = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False
    )
    allowed_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=CONNECTOR_ROLES), required=False
    )
    allowed_api_keys = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False
    )

    class Meta:
        model = Connector
        fields = [
            "id",
            "partnership",
            "name",
            "method",
            "direction",
            "message_types",
            "expected_frequency",
            "partner_identifiers",
            "owner",
            "status",
            "last_success_at",
            "last_error_at",
            "last_error",
            "buyer_system",
            "partner_system",
            "formats_versions",
            "gaps",
            "endpoint_url",
            "allowed_roles",
            "allowed_api_keys",
            "encryption_in_transit",
            "encryption_at_rest",
            "monitoring_contact",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "last_success_at",
            "last_error_at",
            "last_error",
            "created_at",
        ]


class ConnectorViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
):
    """Connectors (feeds) of the partnerships: the buyer's set-up, never shown to a partner
    guest. Created in testing; `activate`, `pause`, `retire` (final, with a reason) move it."""

    model = Connector
    serializer_class = ConnectorSerializer
    permission_module = "integrations"
    guest_partnership_path = None  # the buyer's set-up
    filterset_fields = ["partnership", "method", "direction", "status"]
    create_only_fields = ("partnership",)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def tenant_queryset(self):
        return selectors.connectors()

    def create_object(self, data):
        data = dict(data)
        return services.connector_create(
            partnership=data.pop("partnership"), actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        data = {k: v for k, v in data.items() if k != "partnership"}
        return services.connector_update(connector=instance, actor=self.request.user, **data)

    def _step(self, status_value, reason=""):
        connector = services.connector_transition(
            connector=self.get_object(), actor=self.request.user, status=status_value,
            reason=reason,
        )  # fmt: skip
        return Response(
            ConnectorSerializer(self.reread(connector), context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=ConnectorSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, *args, **kwargs):
        """Testing or paused → active (409 from retired)."""
        return self._step(Connector.Status.ACTIVE)

    @extend_schema(request=None, responses=ConnectorSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, *args, **kwargs):
        """Active → paused: the feed is no longer watched for lateness."""
        return self._step(Connector.Status.PAUSED)

    @extend_schema(request=IntegrationsReasonSerializer, responses=ConnectorSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, *args, **kwargs):
        """Retire the connector (final); the reason is required."""
        self.get_object()
        body = IntegrationsReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._step(Connector.Status.RETIRED, body.validated_data["reason"])


class DiscrepancySerializer(serializers.ModelSerializer):
    """A discrepancy as a member of the organization reads it."""

    class Meta:
        model = Discrepancy
        fields = [
            "id",
            "partnership",
            "order_number",
            "order_document",
            "document",
            "line_number",
            "item",
            "kind",
            "severity",
            "expected",
            "actual",
            "unit",
            "amount_at_stake",
            "currency",
            "message",
            "status",
            "shared_with_partner",
            "dispute_note",
            "owner",
            "resolution",
            "decided_by",
            "decided_at",
            "detected_at",
            "last_seen_at",
        ]
        read_only_fields = fields


# What a partner guest reads of a discrepancy disputed with them: never the owner nor the
# internal decision (who decided, the resolution text).
GUEST_DISCREPANCY_HIDDEN = ("owner", "resolution", "decided_by", "decided_at", "order_document")


class GuestDiscrepancySerializer(DiscrepancySerializer):
    class Meta(DiscrepancySerializer.Meta):
        fields = [f for f in DiscrepancySerializer.Meta.fields if f not in GUEST_DISCREPANCY_HIDDEN]
        read_only_fields = fields


class DiscrepancyViewSet(TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin):
    """What the three-way match found. Members read every discrepancy and act on them with a
    reason: `dispute` (shared with the partner), `block-payment`, `accept`, `resolve` (the last
    two are final). A partner guest reads only the ones disputed with them."""

    model = Discrepancy
    serializer_class = DiscrepancySerializer
    permission_module = "integrations"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "status", "kind", "severity", "order_number"]

    def tenant_queryset(self):
        return selectors.discrepancies_for(self.membership)

    def get_serializer_class(self):
        if not getattr(self, "swagger_fake_view", False) and self.membership.is_guest:
            return GuestDiscrepancySerializer
        return DiscrepancySerializer

    def _act(self, name):
        discrepancy = self.get_object()
        body = IntegrationsReasonSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        services.discrepancy_act(
            discrepancy=discrepancy, actor=self.request.user, action=name,
            reason=body.validated_data["reason"], now=timezone.now(),
        )  # fmt: skip
        return Response(
            DiscrepancySerializer(
                self.reread(discrepancy), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=IntegrationsReasonSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, *args, **kwargs):
        """Dispute it with the partner: they see it and the reason (the note)."""
        return self._act("dispute")

    @extend_schema(request=IntegrationsReasonSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"], url_path="block-payment")
    def block_payment(self, request, *args, **kwargs):
        """Block the payment of the invoice until it is settled."""
        return self._act("block_payment")

    @extend_schema(request=IntegrationsReasonSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Accept the difference (final)."""
        return self._act("accept")

    @extend_schema(request=IntegrationsReasonSerializer, responses=DiscrepancySerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """Mark it resolved, saying how (final)."""
        return self._act("resolve")


class DataSharingTermSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)

    class Meta:
        model = DataSharingTerm
        fields = [
            "id",
            "partnership",
            "category",
            "owner",
            "usage_rights",
            "retention_days",
            "on_expiry",
            "legal_basis",
            "legal_hold",
            "legal_hold_reason",
            "created_at",
        ]
        read_only_fields = ["legal_hold", "legal_hold_reason", "created_at"]


class DataSharingTermViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
):
    """What both organizations agreed per category of shared data (owner, usage, retention,
    legal basis). One term per partnership and category: creating one for a category that has
    a term is a 409. `hold` (with a reason) and `release` place and lift a legal hold. Internal:
    a partner guest does not read them here."""

    model = DataSharingTerm
    serializer_class = DataSharingTermSerializer
    permission_module = "integrations"
    guest_partnership_path = None
    filterset_fields = ["partnership", "category", "legal_hold"]
    create_only_fields = ("partnership", "category")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def tenant_queryset(self):
        return DataSharingTerm.objects.select_related("partnership").order_by("category", "pk")

    def create_object(self, data):
        data = dict(data)
        partnership = data.pop("partnership")
        if DataSharingTerm.objects.filter(
            partnership=partnership, category=data.get("category")
        ).exists():
            raise ConflictError(
                "This partnership already has terms for this category: change them instead.",
                code="duplicate",
            )
        return services.data_sharing_term_set(
            partnership=partnership, actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        fields = {name: data.get(name, getattr(instance, name)) for name in services.TERM_FIELDS}
        return services.data_sharing_term_set(
            partnership=instance.partnership, actor=self.request.user, **fields
        )

    def _render(self, term):
        return Response(
            DataSharingTermSerializer(self.reread(term), context=self.get_serializer_context()).data
        )

    @extend_schema(request=IntegrationsReasonSerializer, responses=DataSharingTermSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, *args, **kwargs):
        """Place a legal hold (the reason is required): the retention job leaves the data."""
        term = self.get_object()
        body = IntegrationsReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.data_sharing_term_hold(
                term=term, actor=request.user, hold=True, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(request=None, responses=DataSharingTermSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, *args, **kwargs):
        """Lift the legal hold."""
        return self._render(
            services.data_sharing_term_hold(term=self.get_object(), actor=request.user, hold=False)
        )


# --- master-data crosswalks -------------------------------------------------------------------


class CodeMappingSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)

    class Meta:
        model = CodeMapping
        fields = [
            "id",
            "partnership",
            "kind",
            "partner_code",
            "our_code",
            "description",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]


class UnmappedCodeSerializer(serializers.Serializer):
    partnership = serializers.IntegerField(source="partnership_id")
    kind = serializers.CharField()
    partner_code = serializers.CharField()
    description = serializers.CharField()
    documents = serializers.IntegerField(help_text="Documents waiting on it (or carrying it).")
    lines = serializers.IntegerField()


class CodeMappingViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
    mixins.DestroyModelMixin,
):
    """The master-data crosswalk: a partner's code (supplier, material, cost code) and ours.
    Creating a material mapping queues the re-processing of the documents waiting on it.
    `unmapped/` lists the codes the partner's documents carry that are not mapped yet. The
    buyer's set-up: a partner guest does not read it here."""

    model = CodeMapping
    serializer_class = CodeMappingSerializer
    permission_module = "integrations"
    guest_partnership_path = None
    filterset_fields = ["partnership", "kind", "partner_code", "our_code"]
    create_only_fields = ("partnership", "kind", "partner_code")

    def tenant_queryset(self):
        return selectors.code_mappings()

    def create_object(self, data):
        data = dict(data)
        if CodeMapping.objects.filter(
            partnership=data["partnership"], kind=data["kind"],
            partner_code=" ".join(data["partner_code"].split()),
        ).exists():  # fmt: skip
            raise ConflictError(
                "This partner code is mapped already: change that mapping instead.",
                code="duplicate",
            )
        return services.code_mapping_set(actor=self.request.user, now=timezone.now(), **data)

    def update_object(self, instance, data):
        return services.code_mapping_set(
            partnership=instance.partnership,
            kind=instance.kind,
            partner_code=instance.partner_code,
            our_code=data.get("our_code", instance.our_code),
            description=data.get("description", instance.description),
            actor=self.request.user,
            now=timezone.now(),
        )

    def perform_destroy(self, instance):
        services.code_mapping_delete(mapping=instance, actor=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("partnership", int, description="One partnership only.")],
        responses=UnmappedCodeSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def unmapped(self, request, *args, **kwargs):
        """Codes the partner's documents carry that the crosswalk does not map yet."""
        raw = request.query_params.get("partnership", "")
        partnership_id = None
        if raw:
            partnership_id = (
                Partnership.objects.filter(pk=int(raw)).values_list("pk", flat=True).first()
                if raw.isdigit()
                else None
            )
            if partnership_id is None:
                raise serializers.ValidationError({"partnership": ["No such partnership."]})
        rows = [] if self.membership.is_guest else selectors.unmapped_codes(partnership_id)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(UnmappedCodeSerializer(page, many=True).data)


class CrosswalkReprocessSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = CrosswalkReprocess
        fields = [
            "id",
            "partnership",
            "status",
            "progress",
            "result",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "partnership"]

    def get_progress(self, job) -> int:
        return job.current_progress


class CrosswalkReprocessViewSet(
    TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin, mixins.CreateModelMixin
):
    """Re-processing of the documents waiting on mapped codes: POST queues one (a job still
    queued for the partnership is returned instead); GET follows its progress and result."""

    model = CrosswalkReprocess
    serializer_class = CrosswalkReprocessSerializer
    permission_module = "integrations"
    guest_partnership_path = None
    filterset_fields = ["partnership", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return selectors.crosswalk_reprocesses()

    def create_object(self, data):
        return services.crosswalk_reprocess_request(
            partnership=data["partnership"], actor=self.request.user, now=timezone.now()
        )


# --- forecasts and stock ----------------------------------------------------------------------


class ForecastVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ForecastVersion
        fields = ["id", "number", "lines", "changes", "note", "created_by", "created_at"]
        read_only_fields = fields


class ForecastVersionCreateSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        help_text="[[item, 'YYYY-MM', quantity], …]",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DemandForecastSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)
    owner = StaffField(required=False)
    next_update_due = serializers.SerializerMethodField()

    class Meta:
        model = DemandForecast
        fields = [
            "id",
            "partnership",
            "title",
            "unit",
            "update_frequency",
            "owner",
            "current_version",
            "last_updated_at",
            "next_update_due",
            "created_at",
        ]
        read_only_fields = ["current_version", "last_updated_at", "created_at"]

    def get_next_update_due(self, forecast) -> str | None:
        due = services.forecast_update_due(forecast)
        return due.isoformat() if due else None


class DemandForecastViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
):
    """Demand forecasts shared by both parties (a partner guest reads those of their
    partnerships). `owner` (the buyer's staff who keeps it up to date; the creator when not
    given) and the title, unit and frequency change with PATCH. `versions/` lists every version
    (who changed what, when); POST adds one."""

    model = DemandForecast
    serializer_class = DemandForecastSerializer
    permission_module = "integrations"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "update_frequency"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.forecasts()

    def create_object(self, data):
        data = dict(data)
        return services.forecast_create(
            partnership=data.pop("partnership"), actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        data = dict(data)
        data.pop("partnership", None)
        return services.forecast_update(forecast=instance, actor=self.request.user, **data)

    @extend_schema(methods=["GET"], request=None, responses=ForecastVersionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ForecastVersionCreateSerializer,
        responses={201: ForecastVersionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, *args, **kwargs):
        """The versions, newest first; POST a new one (409 when nothing changed)."""
        forecast = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.forecast_versions(forecast))
            return self.get_paginated_response(ForecastVersionSerializer(page, many=True).data)
        body = ForecastVersionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.forecast_version_add(
            forecast=forecast, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return Response(ForecastVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class StockPolicySerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)
    owner = StaffField(required=False)

    class Meta:
        model = StockPolicy
        fields = [
            "id",
            "partnership",
            "item",
            "unit",
            "safety_stock",
            "reorder_point",
            "owner",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class StockPolicyViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    VersionedCreateMixin,
    VersionedUpdateMixin,
):
    """Safety stock and reorder point per item (created or changed through the service);
    `owner` hears when stock falls to the safety level (the creator when not given)."""

    model = StockPolicy
    serializer_class = StockPolicySerializer
    permission_module = "integrations"
    guest_partnership_path = None
    filterset_fields = ["partnership", "item"]
    create_only_fields = ("partnership", "item")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def tenant_queryset(self):
        return StockPolicy.objects.select_related("partnership").order_by("item", "pk")

    def create_object(self, data):
        data = dict(data)
        return services.stock_policy_set(
            partnership=data.pop("partnership"), actor=self.request.user, **data
        )

    def update_object(self, instance, data):
        return services.stock_policy_set(
            partnership=instance.partnership,
            item=instance.item,
            unit=data.get("unit", instance.unit),
            safety_stock=data.get("safety_stock", instance.safety_stock),
            reorder_point=data.get("reorder_point", instance.reorder_point),
            owner=data.get("owner"),
            actor=self.request.user,
        )


class StockPositionSerializer(serializers.ModelSerializer):
    lag_seconds = serializers.SerializerMethodField()

    class Meta:
        model = StockPosition
        fields = [
            "id",
            "partnership",
            "item",
            "quantity",
            "as_of",
            "received_at",
            "received_via",
            "level",
            "lag_seconds",
        ]
        read_only_fields = fields

    def get_lag_seconds(self, position) -> int:
        return int(position.lag.total_seconds())


class StockPositionInSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=64)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    as_of = serializers.DateTimeField()


class StockFeedSerializer(serializers.Serializer):
    partnership = TenantIdField(Partnership)
    positions = StockPositionInSerializer(many=True, allow_empty=False, max_length=5000)


class StockPositionViewSet(TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin):
    """Stock positions from the feeds. POST a batch (`{"partnership", "positions": [{item,
    quantity, as_of}]}`): each is stored with its level against the item's policy, and an
    item that crosses its reorder point or safety stock alerts the owner."""

    model = StockPosition
    serializer_class = StockPositionSerializer
    permission_module = "integrations"
    guest_partnership_path = None
    filterset_fields = ["partnership", "item", "level"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return StockPosition.objects.order_by("-as_of", "-pk")

    @extend_schema(request=StockFeedSerializer, responses={201: StockPositionSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        body = StockFeedSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        result = services.stock_positions_record(
            partnership=body.validated_data["partnership"],
            positions=body.validated_data["positions"],
            now=timezone.now(),
            actor=request.user,
        )
        return Response(
            StockPositionSerializer(result.positions, many=True).data,
            status=status.HTTP_201_CREATED,
        )


# --- disaster-recovery tests ------------------------------------------------------------------


class DisasterRecoveryTestSerializer(serializers.ModelSerializer):
    partnership = TenantIdField(Partnership)
    connector = TenantIdField(Connector, required=False, allow_null=True)

    class Meta:
        model = DisasterRecoveryTest
        fields = [
            "id",
            "partnership",
            "connector",
            "title",
            "plan",
            "participants",
            "scheduled_for",
            "rto_target_minutes",
            "rpo_target_minutes",
            "status",
            "executed_at",
            "rto_achieved_minutes",
            "rpo_achieved_minutes",
            "passed",
            "findings",
            "cancel_reason",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "executed_at",
            "rto_achieved_minutes",
            "rpo_achieved_minutes",
            "passed",
            "findings",
            "cancel_reason",
            "recorded_by",
            "created_at",
        ]


class DrResultSerializer(serializers.Serializer):
    executed_at = serializers.DateTimeField()
    rto_achieved_minutes = serializers.IntegerField(min_value=0, max_value=10_000_000)
    rpo_achieved_minutes = serializers.IntegerField(min_value=0, max_value=10_000_000)
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterRecoveryTestViewSet(
    TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin, VersionedCreateMixin
):
    """Joint disaster-recovery tests (a partner guest reads those of their partnerships):
    plan one, `record-result` (RTO / RPO achieved against the targets: passed or failed), or
    `cancel` it with a reason."""

    model = DisasterRecoveryTest
    serializer_class = DisasterRecoveryTestSerializer
    permission_module = "integrations"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "status", "passed"]
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self):
        return selectors.dr_tests()

    def create_object(self, data):
        data = dict(data)
        return services.dr_test_schedule(
            partnership=data.pop("partnership"), actor=self.request.user, now=timezone.now(),
            **data,
        )  # fmt: skip

    def _render(self, test):
        return Response(
            DisasterRecoveryTestSerializer(
                self.reread(test), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=DrResultSerializer, responses=DisasterRecoveryTestSerializer)
    @action(detail=True, methods=["post"], url_path="record-result")
    def record_result(self, request, *args, **kwargs):
        """Record what the test achieved (409 unless planned)."""
        test = self.get_object()
        body = DrResultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.dr_test_record_result(
                test=test, actor=request.user, now=timezone.now(), **body.validated_data
            )
        )

    @extend_schema(request=IntegrationsReasonSerializer, responses=DisasterRecoveryTestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a planned test (final), with the reason."""
        test = self.get_object()
        body = IntegrationsReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.dr_test_cancel(
                test=test, actor=request.user, reason=body.validated_data["reason"]
            )
        )
