"""The peer of the measurement list: what a Django team would write without the lean read path.

A plain DRF `ReadOnlyModelViewSet` with a `ModelSerializer` over model instances (KPI joined),
DRF's own `JSONRenderer`, behind the same middleware (API key, tenant scope, row-level security)
and with the same filters and keyset pagination as the product's endpoint, so the figures differ
only by how rows become JSON. Mounted by `bench.urls` for the benchmark stack only, at
`/api/v1/o/<slug>/bench-peer/measurements/`; never in the product's URLs.
"""

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from performance.api import MeasurementFilter
from performance.models import Measurement
from tenancy.api import TenantFilterBackend
from tenancy.api_auth import ApiKeyAuthentication
from tenancy.pagination import MeasurementCursorPagination


class PeerMeasurementSerializer(serializers.ModelSerializer):
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    perspective = serializers.CharField(source="kpi.perspective", read_only=True)

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


class PeerMeasurementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PeerMeasurementSerializer
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    pagination_class = MeasurementCursorPagination
    filter_backends = [TenantFilterBackend]
    filterset_class = MeasurementFilter

    def get_queryset(self):
        return Measurement.objects.select_related("kpi")
