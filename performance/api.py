"""REST API of the performance module: KPIs, measurements (cursor-paginated, filtered, bulk push,
streamed CSV export), SLAs and breaches, scorecards (ETag / If-None-Match), QBR action items."""

import csv
import io
from datetime import UTC, date

from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from partnerships.models import Partnership
from performance import selectors, services
from performance.models import (
    KPI_VALUE,
    PERSPECTIVE_CHOICES,
    ActionItem,
    CorrectiveAction,
    Kpi,
    KpiTemplate,
    Measurement,
    Qbr,
    QbrAttendee,
    RootCauseAnalysis,
    Scorecard,
    Side,
    Sla,
    SlaBreach,
)
from tenancy.api import (
    MemberField,
    ReasonedDeleteViewSet,
    StaffField,
    TenantIdField,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
    representation_etag,
)
from tenancy.api_errors import error_body
from tenancy.changes import change_version, etag_matches, versioned_etag
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
    owner = StaffField(required=False, allow_null=True)
    template = TenantRelatedField(KpiTemplate, required=False, allow_null=True)
    source = serializers.CharField(**SOURCE_FIELD)

    class Meta:
        model = Kpi
        fields = [*KPI_SERIALIZER_FIELDS, "partnership", "template", "owner", "is_active"]
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
    create_only_fields = ("partnership", "template")

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


class MeasurementViewSet(ReasonedDeleteViewSet):
    """Measurements: cursor-paginated (constant cost per page), filtered by partnership, KPI,
    perspective and date range. Partner guests may POST figures, which wait for approval. A
    PATCH corrects a figure and needs a `reason` (kept in the audit trail)."""

    model = Measurement
    serializer_class = MeasurementSerializer
    permission_module = "performance"
    pagination_class = MeasurementCursorPagination
    filterset_class = MeasurementFilter
    action_verbs = {"approve": "change", "reject": "change", "bulk": "change"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    create_only_fields = ("kpi", "period_start")

    def required_verb(self, request) -> str:
        if self.action == "create" and self.membership.is_guest:
            return "submit"
        return super().required_verb(request)

    def tenant_queryset(self):
        return selectors.measurement_list(membership=self.membership)

    def list(self, request, *args, **kwargs):
        """Same filters, guest restriction and cursor as the generic list; rows as `.values()`.

        A list of closed periods (`period_to` before this month) carries an ETag from the
        organization's measurement change counter: a repeat read with `If-None-Match` is a 304
        answered before the page's query runs."""
        etag = self._closed_period_etag(request, today=timezone.localdate())
        if etag is not None and etag_matches(request, etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            queryset = self.filter_queryset(self.get_queryset()).values(*MEASUREMENT_LIST_COLUMNS)
            page = self.paginate_queryset(queryset)
            response = self.get_paginated_response(MeasurementRowSerializer(page, many=True).data)
        if etag is not None:
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
        return response

    def _closed_period_etag(self, request, *, today) -> str | None:
        try:
            period_to = date.fromisoformat(request.query_params.get("period_to", ""))
        except ValueError:
            return None  # no upper bound (or a bad one, which the filter answers): no shortcut
        if period_to >= today.replace(day=1):
            return None
        version = change_version(organization_id=self.organization.pk, name="measurements")
        return versioned_etag(
            "measurements",
            version,
            self.membership.pk,
            self.membership.role,
            request.build_absolute_uri(),
            request.headers.get("Accept", ""),
        )

    def create_object(self, data):
        kpi = data["kpi"]
        if self.membership.is_guest:
            self.check_object_permissions(self.request, kpi)
        now = timezone.now()
        return services.measurement_record(
            actor=self.request.user,
            kpi=kpi,
            period_start=data["period_start"],
            value=data["value"],
            note=data.get("note", ""),
            pending=self.membership.is_guest,
            today=timezone.localdate(now),
            now=now,
        )

    def update_object(self, instance, data):
        return services.measurement_correct(
            measurement=instance,
            actor=self.request.user,
            value=data.get("value", instance.value),
            note=data.get("note", ""),
            reason=str(self.request.data.get("reason", "")),
            now=timezone.now(),
        )

    def destroy_object(self, instance):
        """Delete a figure recorded by mistake: `?reason=` is required and audited."""
        services.measurement_delete(
            measurement=instance,
            actor=self.request.user,
            reason=self.deletion_reason(),
            now=timezone.now(),
        )

    @extend_schema(request=MeasurementPushSerializer, responses={201: dict, 400: dict})
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        """Push many measurements at once: every row is checked; any error imports nothing."""
        body = MeasurementPushSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        now = timezone.now()
        result = services.measurements_push(
            actor=request.user,
            partnership=body.validated_data["partnership"],
            rows=body.validated_data["rows"],
            today=timezone.localdate(now),
            now=now,
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
            measurement=self.get_object(), actor=request.user, approve=True, now=timezone.now()
        )
        return Response(MeasurementSerializer(measurement).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        measurement = services.measurement_review(
            measurement=self.get_object(), actor=request.user, approve=False, now=timezone.now()
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


class SlaTierSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=18, decimal_places=4)
    percent_of_fee = serializers.DecimalField(max_digits=5, decimal_places=2)


class SlaSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    kpi = TenantRelatedField(Kpi)
    tiers = SlaTierSerializer(many=True, required=False, write_only=True, source="tier_list")
    breach_count = serializers.IntegerField(read_only=True)
    owner = StaffField(required=False, allow_null=True)

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
            "owner",
            "is_active",
            "termination_right_since",
            "tiers",
            "breach_count",
        ]
        read_only_fields = ["termination_right_since"]
        validators = []

    def to_representation(self, sla):
        data = super().to_representation(sla)
        data["tiers"] = [
            {"threshold": str(t.threshold), "percent_of_fee": str(t.percent_of_fee)}
            for t in sla.tiers.all()
        ]
        data.setdefault("breach_count", getattr(sla, "breach_count", None))
        return data


def _tiers(data) -> list | None:
    tiers = data.pop("tier_list", None)
    if tiers is None:
        return None
    return [(t["threshold"], t["percent_of_fee"]) for t in tiers]


class SlaVersionSerializer(serializers.Serializer):
    """One version of an SLA's terms and the months it applies to (`until` null: in force
    since `effective_from` and still; the original version also covers the months before)."""

    id = serializers.IntegerField(source="version.id", read_only=True)
    effective_from = serializers.DateField(source="version.effective_from", read_only=True)
    until = serializers.DateField(read_only=True, allow_null=True)
    in_force = serializers.BooleanField(read_only=True)
    is_original = serializers.BooleanField(read_only=True)
    target = serializers.DecimalField(
        source="version.target", max_digits=18, decimal_places=4, read_only=True
    )
    breach_threshold = serializers.DecimalField(
        source="version.breach_threshold", max_digits=18, decimal_places=4, read_only=True
    )
    window_months = serializers.IntegerField(source="version.window_months", read_only=True)
    period_fee = serializers.DecimalField(
        source="version.period_fee", max_digits=18, decimal_places=2, read_only=True
    )
    currency = serializers.CharField(source="version.currency", read_only=True)
    credit_cap_percent = serializers.DecimalField(
        source="version.credit_cap_percent",
        max_digits=5,
        decimal_places=2,
        read_only=True,
        allow_null=True,
    )
    tiers = SlaTierSerializer(source="version.tiers", many=True, read_only=True)
    source_reference = serializers.CharField(source="version.source_reference", read_only=True)
    created_at = serializers.DateTimeField(source="version.created_at", read_only=True)


class SlaViewSet(TenantModelViewSet):
    """SLAs with their credit tiers and termination trigger: create, edit, deactivate."""

    model = Sla
    serializer_class = SlaSerializer
    permission_module = "performance"
    filterset_fields = ["partnership", "kpi", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return selectors.sla_list(membership=self.membership)

    def create_object(self, data):
        tiers = _tiers(data) or []
        return services.sla_create(actor=self.request.user, tiers=tiers, **data)

    def update_object(self, instance, data):
        data.pop("partnership", None)
        if "kpi" in data and data["kpi"].pk != instance.kpi_id:
            raise serializers.ValidationError({"kpi": "The metric of an SLA cannot change."})
        data.pop("kpi", None)
        return services.sla_update(
            sla=instance, actor=self.request.user, tiers=_tiers(data), **data
        )

    @extend_schema(request=None, responses=SlaVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, *args, **kwargs):
        """The SLA's terms over time, newest first: each version with the months it applied to
        (changed through approved change requests, named by `source_reference`)."""
        history = selectors.sla_version_history(sla=self.get_object(), today=timezone.localdate())
        return Response(SlaVersionSerializer(history, many=True).data)


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
            "status_reason",
            "created_at",
        ]
        read_only_fields = ["status_reason"]


class SlaBreachFilter(filters.FilterSet):
    status = filters.CharFilter(help_text="open, remediated or waived")
    period_from = filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = SlaBreach
        fields = ["partnership", "sla", "status", "period_from", "period_to"]


class BreachStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["remediated", "waived"])
    reason = serializers.CharField(max_length=1000)


class SlaBreachViewSet(TenantReadOnlyViewSet):
    model = SlaBreach
    serializer_class = SlaBreachSerializer
    permission_module = "performance"
    filterset_class = SlaBreachFilter
    action_verbs = {"status": "change"}

    def tenant_queryset(self):
        return selectors.breach_list(membership=self.membership)

    @extend_schema(
        request=BreachStatusSerializer,
        responses={200: SlaBreachSerializer, 400: dict, 404: dict, 409: dict},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def status(self, request, *args, **kwargs):
        """Close a breach as remediated or waive it, with a reason (409 once it is closed)."""
        breach = self.get_object()
        body = BreachStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        breach = services.sla_breach_set_status(
            breach=breach, actor=request.user, **body.validated_data
        )
        return Response(SlaBreachSerializer(breach).data)


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
    etag = representation_etag(response.data)
    if etag_matches(request, etag):
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
        scorecard = services.scorecard_publish(
            scorecard=self.get_object(), actor=request.user, now=timezone.now()
        )
        return Response(ScorecardSerializer(scorecard).data)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        """Either party acknowledges (a guest for the partner, a member for the buyer)."""
        side = Side.PARTNER if self.membership.is_guest else Side.BUYER
        scorecard = services.scorecard_acknowledge(
            scorecard=self.get_object(), actor=request.user, side=side, now=timezone.now()
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
    # Only the status changes through the API; anything else sent differently is refused.
    create_only_fields = ("partnership", "qbr", "title", "owner", "due_date")

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


# --- RCA and CAPA ------------------------------------------------------------------------------


class CorrectiveActionSerializer(serializers.ModelSerializer):
    owner = StaffField(required=False, allow_null=True)
    status = serializers.CharField(read_only=True, help_text="open or done")
    kind = serializers.ChoiceField(
        choices=["corrective", "preventive"], required=False, default="corrective"
    )

    class Meta:
        model = CorrectiveAction
        fields = ["id", "rca", "description", "kind", "owner", "due_date", "status", "completed_at"]
        read_only_fields = ["rca", "completed_at"]


class RcaSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    sla = TenantRelatedField(Sla, read_only=True)
    status = serializers.CharField(read_only=True, help_text="open, capa or closed")
    effectiveness = serializers.CharField(
        read_only=True, help_text="'' (not checked), effective or not_effective"
    )
    actions = CorrectiveActionSerializer(many=True, read_only=True)
    # A plain string in the schema (checked by the model): the enum name is another module's.
    responsible_party = serializers.CharField(required=False, help_text="buyer or partner")

    class Meta:
        model = RootCauseAnalysis
        fields = [
            "id",
            "partnership",
            "sla",
            "problem",
            "responsible_party",
            "causes",
            "five_whys",
            "status",
            "effectiveness_check_due",
            "effectiveness",
            "closed_at",
            "created_at",
            "actions",
        ]
        read_only_fields = ["effectiveness_check_due", "closed_at", "created_at"]


class EffectivenessSerializer(serializers.Serializer):
    effective = serializers.BooleanField()


class RcaViewSet(TenantModelViewSet):
    """Root-cause analyses (opened by the breach check or by hand) and their CAPA actions:
    `capa` adds an action with owner and due date, `capa/<id>/complete` marks it done, `close`
    closes the analysis and schedules the effectiveness check, `effectiveness` records it."""

    model = RootCauseAnalysis
    serializer_class = RcaSerializer
    permission_module = "performance"
    filterset_fields = ["partnership", "sla", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_verbs = {
        "capa": "change",
        "capa_complete": "change",
        "close": "change",
        "effectiveness": "change",
    }

    def tenant_queryset(self):
        return selectors.rca_list(membership=self.membership)

    def create_object(self, data):
        return services.rca_create(
            actor=self.request.user,
            partnership=data["partnership"],
            problem=data["problem"],
            responsible_party=data.get("responsible_party", Side.PARTNER),
            causes=data.get("causes"),
            five_whys=data.get("five_whys"),
        )

    def update_object(self, instance, data):
        return services.rca_update(
            rca=instance,
            actor=self.request.user,
            causes=data.get("causes"),
            five_whys=data.get("five_whys"),
            problem=data.get("problem"),
        )

    def _fresh(self, rca):
        return RcaSerializer(selectors.rca_list(membership=self.membership).get(pk=rca.pk)).data

    @extend_schema(request=CorrectiveActionSerializer, responses={201: CorrectiveActionSerializer})
    @action(detail=True, methods=["post"])
    def capa(self, request, *args, **kwargs):
        rca = self.get_object()
        body = CorrectiveActionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        action_ = services.capa_add(
            rca=rca,
            actor=request.user,
            description=data["description"],
            due_date=data["due_date"],
            owner=data.get("owner"),
            kind=data.get("kind", "corrective"),
        )
        return Response(CorrectiveActionSerializer(action_).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CorrectiveActionSerializer, responses={200: CorrectiveActionSerializer, 409: dict}
    )
    @action(detail=True, methods=["patch"], url_path=r"capa/(?P<capa_id>\d+)")
    def capa_update(self, request, capa_id=None, *args, **kwargs):
        """Reword, reschedule or hand over an open action (its kind stays; 409 once done)."""
        rca = self.get_object()
        action_ = CorrectiveAction.objects.filter(rca=rca, pk=capa_id).first()
        if action_ is None:
            raise NotFound
        body = CorrectiveActionSerializer(
            action_, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        action_ = services.capa_update(action=action_, actor=request.user, **body.validated_data)
        return Response(CorrectiveActionSerializer(action_).data)

    @extend_schema(request=None, responses={200: CorrectiveActionSerializer, 409: dict})
    @action(detail=True, methods=["post"], url_path=r"capa/(?P<capa_id>\d+)/complete")
    def capa_complete(self, request, capa_id=None, *args, **kwargs):
        rca = self.get_object()
        action_ = CorrectiveAction.objects.filter(rca=rca, pk=capa_id).first()
        if action_ is None:
            raise NotFound
        action_ = services.capa_complete(action=action_, actor=request.user, now=timezone.now())
        return Response(CorrectiveActionSerializer(action_).data)

    @extend_schema(request=None, responses={200: RcaSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        now = timezone.now()
        rca = services.rca_close(
            rca=self.get_object(), actor=request.user, today=timezone.localdate(now), now=now
        )
        return Response(self._fresh(rca))

    @extend_schema(request=EffectivenessSerializer, responses={200: RcaSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def effectiveness(self, request, *args, **kwargs):
        rca = self.get_object()
        body = EffectivenessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rca = services.rca_effectiveness_record(
            rca=rca, actor=request.user, effective=body.validated_data["effective"]
        )
        return Response(self._fresh(rca))


# --- QBRs --------------------------------------------------------------------------------------


class QbrAttendeeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = QbrAttendee
        fields = ["user", "name", "attended"]


class QbrSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    status = serializers.CharField(read_only=True, help_text="scheduled, held or cancelled")
    attendees = QbrAttendeeSerializer(many=True, read_only=True)
    attendee_ids = serializers.ListField(
        child=MemberField(), write_only=True, required=False, help_text="Member user ids."
    )

    class Meta:
        model = Qbr
        fields = [
            "id",
            "partnership",
            "quarter_start",
            "scheduled_at",
            "duration_minutes",
            "location",
            "status",
            "agenda",
            "minutes",
            "decisions",
            "attendees",
            "attendee_ids",
            "created_at",
        ]
        read_only_fields = ["agenda", "minutes", "decisions", "created_at"]
        validators = []


class QbrMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.CharField(required=False, allow_blank=True, default="")
    attended_user_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )


class QbrViewSet(TenantModelViewSet):
    """Quarterly business reviews: list, schedule (one per quarter, agenda filled from the
    quarter's scorecards, breaches and open actions), and `minutes` to record minutes,
    decisions and attendance."""

    model = Qbr
    serializer_class = QbrSerializer
    permission_module = "performance"
    filterset_fields = ["partnership", "status"]
    http_method_names = ["get", "post", "head", "options"]
    action_verbs = {"minutes": "change"}

    def tenant_queryset(self):
        return selectors.qbr_list(membership=self.membership)

    def create_object(self, data):
        return services.qbr_schedule(
            actor=self.request.user,
            partnership=data["partnership"],
            quarter=data["quarter_start"],
            scheduled_at=data["scheduled_at"],
            attendees=data.get("attendee_ids", []),
            location=data.get("location", ""),
        )

    @extend_schema(request=QbrMinutesSerializer, responses={200: QbrSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def minutes(self, request, *args, **kwargs):
        qbr = self.get_object()
        body = QbrMinutesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.qbr_record(qbr=qbr, actor=request.user, **body.validated_data)
        return Response(
            QbrSerializer(selectors.qbr_list(membership=self.membership).get(pk=qbr.pk)).data
        )
