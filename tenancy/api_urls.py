from rest_framework.routers import SimpleRouter

from tenancy.api_views import AuditEventViewSet, NotificationViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
