from rest_framework.routers import SimpleRouter

from governance import api

router = SimpleRouter()
router.register("change-requests", api.ChangeRequestViewSet, basename="change-request")
urlpatterns = router.urls
