"""URL map. Pages of a tenant live under /o/<org_slug>/, its API under /api/v1/o/<org_slug>/;
each module contributes `urls.py` (pages) and `api_urls.py` (API) and is mounted here."""

from importlib import util

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tenancy import api_views as tenancy_api
from tenancy import views as tenancy_views
from tenancy.modules import KERNEL_APP, module_apps


def _module_urls(suffix: str):
    patterns = []
    for module in [KERNEL_APP, *module_apps()]:  # the registry: tenancy/modules.py
        if util.find_spec(f"{module}.{suffix}") is not None:
            patterns.append(path("", include(f"{module}.{suffix}")))
    return patterns


tenant_pages = _module_urls("urls")
tenant_api = _module_urls("api_urls")

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("healthz", tenancy_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Accepting an invitation, the second factor (tenancy/access/public_urls.py).
    path("", include("tenancy.access.public_urls")),
    path("o/<slug:org_slug>/", include(tenant_pages)),
    # Calendar subscriptions (a per-user token, no session): governance meetings.
    path("calendar/", include("governance.feed_urls")),
    path("api/v1/organizations/", tenancy_api.organization_list, name="api-organizations"),
    # Namespaced: API route names (partnership-detail …) must not shadow the pages' names.
    path("api/v1/o/<slug:org_slug>/", include((tenant_api, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "tenancy.views.page_not_found"
handler500 = "tenancy.views.server_error"
handler403 = "tenancy.views.permission_denied"
