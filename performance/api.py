"""REST API of the performance module: KPIs, measurements (cursor-paginated, filtered, bulk push,
streamed CSV export), SLAs and breaches, scorecards (ETag / If-None-Match), QBR action items."""

import csv
import hashlib
import io
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partnerships.models import Partnership
from performance import selectors, services
from performance.models import (
    KPI_VALUE,
    PERSPECTIVE_CHOICES,
    ActionItem,
    Kpi,
    KpiTemplate,
    Measurement,
    Scorecard,
    Side,
    Sla,
    SlaBreach,
)
from tenancy.api import (
    TenantIdField,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
)
from tenancy.api_errors import error_body
from tenancy.context import tenant_scope
from tenancy.pagination import MeasurementCursorPagination

KPI_SERIALIZER_FIELDS = [
    "id",
    "code",
    "name",
    "description",
    "perspective",
    "unit",
    "direction",
    "target",
    "amber_threshold",
    "red_threshold",
    "weight",
    "frequency",
    "source",
    "formula",
    "valid_min",
    "valid_max",
]


# Plain strings in the schema (the model's full_clean checks the choices): the enum names
# `source`/`status` are taken by other modules' components.
SOURCE_FIELD = {"required": False, "help_text": "manual, import, api, integration, survey, partner"}


class KpiTemplateSerializer(serializers.ModelSerializer):
    source = serializers.CharField(**SOURCE_FIELD)

    class Meta:
        model = KpiTemplate
        fields = KPI_SERIALIZER_FIELDS
        validators = []


class KpiSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    template = TenantRelatedField(KpiTemplate, required=False, allow_null=True)
    source = serializers.CharField(**SOURCE_FIELD)

    class Meta:
        model = Kpi
        fields = [*KPI_SERIALIZER_FIELDS, "partnership", "template", "owner", "is_active"]
        read_only_fields = ["owner"]
        validators = []
        extra_kwargs = {
            # From a template, the template's values are the defaults.
            name: {"required": False}
            for name in ("name", "perspective", "target", "red_threshold")
        }


class MeasurementSerializer(serializers.ModelSerializer):
    kpi = TenantRelatedField(Kpi)
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    perspective = serializers.CharField(source="kpi.perspective", read_only=True)
    status = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "partnership",
            "kpi",
            "kpi_code",
            "perspective",
            "period_start",
            "value",
            "status",
            "source",
            "note",
            "created_at",
        ]
        read_only_fields = ["partnership", "status", "source", "created_at"]
        validators = []


# The list's columns, fetched with `.values()`: building a Measurement and a full Kpi per row,
# then running the ModelSerializer over them, was most of the list's CPU (docs/benchmarks.md).
MEASUREMENT_LIST_COLUMNS = (
    "id",
    "partnership_id",
    "kpi_id",
    "kpi__code",
    "kpi__perspective",
    "period_start",
    "value",
    "status",
    "source",
    "note",
    "created_at",
)


class MeasurementRowSerializer(MeasurementSerializer):
    """The list's output: the same JSON as `MeasurementSerializer`, from `.values()` rows.

    Formats directly what DRF's fields would format per row (tests compare both outputs): the
    value with its four decimal places as stored, the date in ISO form, the time in UTC with a
    `Z`, as DRF renders it with `TIME_ZONE = "UTC"` and no activated time zone.
    """

    def to_representation(self, row):
        return {
            "id": row["id"],
            "partnership": row["partnership_id"],
            "kpi": row["kpi_id"],
            "kpi_code": row["kpi__code"],
            "perspective": row["kpi__perspective"],
            "period_start": row["period_start"].isoformat(),
            "value": f"{row['value']:.{KPI_VALUE['decimal_places']}f}",
            "status": row["status"],
            "source": row["source"],
            "note": row["note"],
            "created_at": _utc_iso(row["created_at"]),
        }


def _utc_iso(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class MeasurementPushSerializer(serializers.Serializer):
    partnership = TenantIdField(Partnership)
    rows = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=50_000,
        help_text='[{"kpi_code": "otd_pct", "period": "2025-03", "value": "97.5", "note": ""}]',
    )


class MeasurementFilter(filters.FilterSet):
    partnership = filters.NumberFilter(field_name="partnership_id")
    kpi = filters.NumberFilter(field_name="kpi_id")
    perspective = filters.ChoiceFilter(field_name="kpi__perspective", choices=PERSPECTIVE_CHOICES)
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")
    status = filters.CharFilter(help_text="approved, pending or rejected")

    class Meta:
        model = Measurement
        fields = ["partnership", "kpi", "perspective", "period_from", "period_to", "status"]


class KpiTemplateViewSet(TenantModelViewSet):
    model = KpiTemplate
    serializer_class = KpiTemplateSerializer
    permission_module = "performance"
    guest_partnership_path = None
    filterset_fields = ["perspective"]

    def tenant_queryset(self):
        return selectors.kpi_template_list()

    def create_object(self, data):
        return services.kpi_template_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        raise serializers.ValidationError("Library templates are replaced, not edited.")

    def destroy_object(self, instance):
        services.kpi_template_delete(template=instance, actor=self.request.user)


class KpiViewSet(TenantModelViewSet):
    model = Kpi
    serializer_class = KpiSerializer
    permission_module = "performance"
    filterset_fields = ["partnership", "perspective", "is_active"]

    def tenant_queryset(self):
        return selectors.kpi_list(membership=self.membership)

    def create_object(self, data):
        return services.kpi_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("partnership", None)
        data.pop("template", None)
        return services.kpi_update(kpi=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.kpi_update(kpi=instance, actor=self.request.user, is_active=False)


class MeasurementViewSet(TenantModelViewSet):
    """Measurements: cursor-paginated (constant cost per page), filtered by partnership, KPI,
    perspective and date range. Partner guests may POST figures, which wait for approval."""

    model = Measurement
    serializer_class = MeasurementSerializer
    permission_module = "performance"
    pagination_class = MeasurementCursorPagination
    filterset_class = MeasurementFilter
    action_verbs = {"approve": "change", "reject": "change", "bulk": "change"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def required_verb(self, request) -> str:
        if self.action == "create" and self.membership.is_guest:
            return "submit"
        return super().required_verb(request)

    def tenant_queryset(self):
        return selectors.measurement_list(membership=self.membership)

    def list(self, request, *args, **kwargs):
        """Same filters, guest restriction and cursor as the generic list; rows as `.values()`."""
        queryset = self.filter_queryset(self.get_queryset()).values(*MEASUREMENT_LIST_COLUMNS)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MeasurementRowSerializer(page, many=True).data)

    def create_object(self, data):
        kpi = data["kpi"]
        if self.membership.is_guest:
            self.check_object_permissions(self.request, kpi)
        return services.measurement_record(
            actor=self.request.user,
            kpi=kpi,
            period_start=data["period_start"],
            value=data["value"],
            note=data.get("note", ""),
            pending=self.membership.is_guest,
        )

    def update_object(self, instance, data):
        return services.measurement_correct(
            measurement=instance,
            actor=self.request.user,
            value=data.get("value", instance.value),
            note=data.get("note", ""),
        )

    @extend_schema(request=MeasurementPushSerializer, responses={201: dict, 400: dict})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Push many measurements at once: every row is checked; any error imports nothing."""
        body = MeasurementPushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.measurements_push(
            actor=request.user,
            partnership=body.validated_data["partnership"],
            rows=body.validated_data["rows"],
        )
        if not result.ok:
            rows = [{"row": line, "message": m} for line, m in result.row_errors]
            return Response(
                error_body(
                    400,
                    "invalid",
                    "Nothing was imported: fix the rows below.",
                    extra={"rows": rows, "file": result.errors},
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": result.created}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        measurement = services.measurement_review(
            measurement=self.get_object(), actor=request.user, approve=True
        )
        return Response(MeasurementSerializer(measurement).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        measurement = services.measurement_review(
            measurement=self.get_object(), actor=request.user, approve=False
        )
        return Response(MeasurementSerializer(measurement).data)


class MeasurementExportView(TenantViewSet):
    """`GET measurements/export/`: the filtered measurements as CSV, streamed with constant memory
    from a server-side cursor. Same filters, permissions and guest restriction as the list.
    (Its own view: the response is CSV, not a JSON list; the isolation suite reads its `id`
    column.)"""

    model = Measurement
    permission_module = "performance"
    filterset_class = MeasurementFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Measurement.unscoped_objects.none()
        queryset = selectors.measurement_list(membership=self.membership)
        return queryset.filter(organization=self.organization)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).order_by("id")
        return StreamingHttpResponse(
            measurement_csv_rows(queryset, self.organization),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="measurements.csv"'},
        )


CSV_COLUMNS = (
    "id",
    "partnership_id",
    "partnership",
    "kpi_code",
    "perspective",
    "period_start",
    "value",
    "unit",
    "status",
    "source",
)


def measurement_csv_rows(queryset, organization, chunk_size: int = 5000):
    """Yield the CSV a chunk at a time. The response body is iterated after the request's
    transaction has closed, so the generator opens its own tenant scope (and transaction, which
    the server-side cursor of `.iterator()` needs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    with tenant_scope(organization):
        rows = queryset.values_list(
            "id",
            "partnership_id",
            "partnership__code",
            "kpi__code",
            "kpi__perspective",
            "period_start",
            "value",
            "kpi__unit",
            "status",
            "source",
        ).iterator(chunk_size=chunk_size)
        batch = 0
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            writer.writerow(row)
            batch += 1
            if batch >= 1000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                batch = 0
        if batch:
            yield buffer.getvalue()


class SlaSerializer(serializers.ModelSerializer):
    tiers = serializers.SerializerMethodField()
    breach_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Sla
        fields = [
            "id",
            "partnership",
            "kpi",
            "name",
            "target",
            "breach_threshold",
            "window_months",
            "period_fee",
            "currency",
            "credit_cap_percent",
            "remediation_days",
            "termination_breach_count",
            "termination_window_months",
            "rca_breach_count",
            "is_active",
            "termination_right_since",
            "tiers",
            "breach_count",
        ]

    def get_tiers(self, sla) -> list[dict]:
        return [
            {"threshold": str(t.threshold), "percent_of_fee": str(t.percent_of_fee)}
            for t in sla.tiers.all()
        ]


class SlaViewSet(TenantReadOnlyViewSet):
    model = Sla
    serializer_class = SlaSerializer
    permission_module = "performance"
    filterset_fields = ["partnership", "kpi", "is_active"]

    def tenant_queryset(self):
        return selectors.sla_list(membership=self.membership)


class SlaBreachSerializer(serializers.ModelSerializer):
    sla_name = serializers.CharField(source="sla.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, remediated or waived")

    class Meta:
        model = SlaBreach
        fields = [
            "id",
            "sla",
            "sla_name",
            "partnership",
            "period_start",
            "measured_value",
            "breach_threshold",
            "credit_percent",
            "service_credit",
            "currency",
            "remediation_due",
            "termination_trigger_met",
            "status",
            "created_at",
        ]


class SlaBreachFilter(filters.FilterSet):
    status = filters.CharFilter(help_text="open, remediated or waived")
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = SlaBreach
        fields = ["partnership", "sla", "status", "period_from", "period_to"]


class SlaBreachViewSet(TenantReadOnlyViewSet):
    model = SlaBreach
    serializer_class = SlaBreachSerializer
    permission_module = "performance"
    filterset_class = SlaBreachFilter

    def tenant_queryset(self):
        return selectors.breach_list(membership=self.membership)


class ScorecardSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft or published")

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "partnership",
            "period_start",
            "status",
            "total",
            "rolling_score",
            "trend",
            "perspectives",
            "breakdown",
            "standing",
            "standing_action",
            "computed_at",
            "published_at",
            "acknowledged_by_buyer_at",
            "acknowledged_by_partner_at",
        ]


class ScorecardAppealSerializer(serializers.Serializer):
    criterion_code = serializers.CharField(max_length=40)
    comment = serializers.CharField()


class ScorecardFilter(filters.FilterSet):
    status = filters.CharFilter(help_text="draft or published")
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Scorecard
        fields = ["partnership", "status", "period_from", "period_to"]


def _with_etag(request, response: Response) -> Response:
    """A strong ETag over the JSON body; a matching If-None-Match gets 304 without the body."""
    body = json.dumps(response.data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    candidates = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in candidates or "*" in candidates:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


class ScorecardViewSet(TenantReadOnlyViewSet):
    """Scorecards as JSON, with the per-criterion breakdown. Conditional GET via ETag."""

    model = Scorecard
    serializer_class = ScorecardSerializer
    permission_module = "performance"
    filterset_class = ScorecardFilter
    action_verbs = {"acknowledge": "view", "appeal": "view", "publish": "change"}

    def tenant_queryset(self):
        return selectors.scorecard_list(membership=self.membership)

    def list(self, request, *args, **kwargs):
        return _with_etag(request, super().list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return _with_etag(request, super().retrieve(request, *args, **kwargs))

    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        scorecard = services.scorecard_publish(scorecard=self.get_object(), actor=request.user)
        return Response(ScorecardSerializer(scorecard).data)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        """Either party acknowledges (a guest for the partner, a member for the buyer)."""
        side = Side.PARTNER if self.membership.is_guest else Side.BUYER
        scorecard = services.scorecard_acknowledge(
            scorecard=self.get_object(), actor=request.user, side=side
        )
        return Response(ScorecardSerializer(scorecard).data)

    @extend_schema(request=ScorecardAppealSerializer, responses={201: dict})
    @action(detail=True, methods=["post"])
    def appeal(self, request, *args, **kwargs):
        scorecard = self.get_object()  # another tenant's id is a 404 before any 400
        body = ScorecardAppealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal = services.scorecard_appeal_raise(
            scorecard=scorecard, actor=request.user, **body.validated_data
        )
        return Response({"id": appeal.pk, "status": appeal.status}, status=status.HTTP_201_CREATED)


class ActionItemSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    # Checked by the service (open, in_progress, done, cancelled).
    status = serializers.CharField(required=False, help_text="open, in_progress, done, cancelled")

    class Meta:
        model = ActionItem
        fields = ["id", "partnership", "qbr", "title", "owner", "due_date", "status", "created_at"]
        read_only_fields = ["qbr", "owner", "created_at"]


class ActionItemFilter(filters.FilterSet):
    status = filters.CharFilter(help_text="open, in_progress, done or cancelled")

    class Meta:
        model = ActionItem
        fields = ["partnership", "status", "owner"]


class ActionItemViewSet(TenantModelViewSet):
    model = ActionItem
    serializer_class = ActionItemSerializer
    permission_module = "performance"
    filterset_class = ActionItemFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return selectors.action_board(membership=self.membership)

    def create_object(self, data):
        return services.action_item_create(
            actor=self.request.user,
            partnership=data["partnership"],
            title=data["title"],
            due_date=data["due_date"],
            owner=self.request.user,
        )

    def update_object(self, instance, data):
        return services.action_item_set_status(
            item=instance, actor=self.request.user, status=data.get("status", instance.status)
        )
