from django.urls import path
from rest_framework.routers import SimpleRouter

from tenancy.access.api import (
    ApiKeyViewSet,
    InvitationViewSet,
    MemberViewSet,
    OrganizationSettingsView,
    PartnerAccessViewSet,
    SingleSignOnDomainsVerifyView,
    SingleSignOnView,
)
from tenancy.api_views import AuditEventViewSet, NotificationViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("members", MemberViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("partner-access", PartnerAccessViewSet, basename="partner-access")
urlpatterns = [
    *router.urls,
    path("organization/", OrganizationSettingsView.as_view(), name="organization-settings"),
    path("single-sign-on/", SingleSignOnView.as_view(), name="single-sign-on"),
    path(
        "single-sign-on/verify-domains/",
        SingleSignOnDomainsVerifyView.as_view(),
        name="single-sign-on-verify-domains",
    ),
]
