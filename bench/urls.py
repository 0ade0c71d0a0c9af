"""The product's URLs plus the peer endpoint the benchmark compares with (bench/peer.py)."""

from django.urls import path

from bench.peer import PeerMeasurementViewSet
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path(
        "api/v1/o/<slug:org_slug>/bench-peer/measurements/",
        PeerMeasurementViewSet.as_view({"get": "list"}),
    ),
    *product_urlpatterns,
]
