from django.urls import include, path

from tenancy import export_views, outbox_views, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("settings/outbox/", outbox_views.outbox_list, name="outbox"),
    path(
        "settings/outbox/<int:outbox_message_id>/retry/",
        outbox_views.outbox_retry,
        name="outbox-retry",
    ),
    path("settings/export/", export_views.export_list, name="exports"),
    path("settings/export/start/", export_views.export_start, name="exports-start"),
    path(
        "settings/export/<int:organization_export_id>/download/",
        export_views.export_download,
        name="exports-download",
    ),
    # Members, invitations, partner guests, API keys, audit log, settings (tenancy/access/).
    path("", include("tenancy.access.urls")),
]
