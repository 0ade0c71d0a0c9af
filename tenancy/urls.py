from django.urls import path

from tenancy import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("settings/api-keys/", views.api_key_list, name="api-keys"),
    path(
        "settings/api-keys/<int:api_key_id>/revoke/",
        views.api_key_revoke_view,
        name="api-key-revoke",
    ),
]
