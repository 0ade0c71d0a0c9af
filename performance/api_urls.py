from django.urls import path
from rest_framework.routers import SimpleRouter

from performance.api import (
    ActionItemViewSet,
    KpiTemplateViewSet,
    KpiViewSet,
    MeasurementExportView,
    MeasurementViewSet,
    QbrViewSet,
    RcaViewSet,
    ScorecardViewSet,
    SlaBreachViewSet,
    SlaViewSet,
)

router = SimpleRouter()
router.register("kpi-templates", KpiTemplateViewSet, basename="kpi-template")
router.register("kpis", KpiViewSet, basename="kpi")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("slas", SlaViewSet, basename="sla")
router.register("sla-breaches", SlaBreachViewSet, basename="sla-breach")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("action-items", ActionItemViewSet, basename="action-item")
router.register("rcas", RcaViewSet, basename="rca")
router.register("qbrs", QbrViewSet, basename="qbr")
urlpatterns = [
    path(
        "measurements/export/",
        MeasurementExportView.as_view({"get": "list"}),
        name="measurement-export",
    ),
    *router.urls,
]
