from rest_framework.routers import SimpleRouter

from finance import api

router = SimpleRouter()
router.register("finance/cost-pools", api.CostPoolViewSet, basename="cost-pool")
router.register("finance/savings", api.SavingsEntryViewSet, basename="savings-entry")
router.register("finance/statements", api.GainShareStatementViewSet, basename="statement")
router.register("finance/rebate-schemes", api.RebateSchemeViewSet, basename="rebate-scheme")
router.register("finance/rebate-tiers", api.RebateTierViewSet, basename="rebate-tier")
router.register("finance/rebate-volumes", api.VolumeEntryViewSet, basename="rebate-volume")
router.register("finance/fx-rates", api.FxRateViewSet, basename="fx-rate")
urlpatterns = router.urls
