from django.urls import include, path

from tenancy import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
    # Members, invitations, partner guests, API keys, audit log, settings (tenancy/access/).
    path("", include("tenancy.access.urls")),
]
