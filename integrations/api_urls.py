from rest_framework.routers import SimpleRouter

from integrations import api

router = SimpleRouter()
router.register("edi-documents", api.EdiDocumentViewSet, basename="edi-document")
router.register("connectors", api.ConnectorViewSet, basename="connector")
router.register("discrepancies", api.DiscrepancyViewSet, basename="discrepancy")
router.register("data-sharing-terms", api.DataSharingTermViewSet, basename="data-sharing-term")
router.register("code-mappings", api.CodeMappingViewSet, basename="code-mapping")
router.register(
    "crosswalk-reprocesses", api.CrosswalkReprocessViewSet, basename="crosswalk-reprocess"
)
router.register("forecasts", api.DemandForecastViewSet, basename="forecast")
router.register("stock-policies", api.StockPolicyViewSet, basename="stock-policy")
router.register("stock-positions", api.StockPositionViewSet, basename="stock-position")
router.register("dr-tests", api.DisasterRecoveryTestViewSet, basename="dr-test")
urlpatterns = router.urls
