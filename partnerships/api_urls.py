from rest_framework.routers import SimpleRouter

from partnerships.api import PartnershipViewSet, PartnerViewSet

router = SimpleRouter()
router.register("partners", PartnerViewSet, basename="partner")
router.register("partnerships", PartnershipViewSet, basename="partnership")
urlpatterns = router.urls
