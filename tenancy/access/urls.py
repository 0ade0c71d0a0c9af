"""Administration pages under /o/<org_slug>/ (included by tenancy/urls.py)."""

from django.urls import path

from tenancy.access import sso, views

urlpatterns = [
    path("settings/members/", views.member_list, name="members"),
    path("settings/members/<int:membership_id>/", views.member_detail, name="member-detail"),
    path(
        "settings/invitations/<int:invitation_id>/",
        views.invitation_action,
        name="invitation-action",
    ),
    path(
        "partnerships/<int:partnership_id>/guests/",
        views.partnership_guest_list,
        name="partnership-guests",
    ),
    path("settings/api-keys/", views.api_key_list, name="api-keys"),
    path(
        "settings/api-keys/<int:api_key_id>/revoke/",
        views.api_key_revoke_view,
        name="api-key-revoke",
    ),
    path("settings/audit/", views.audit_log, name="audit-log"),
    path("settings/audit/export.csv", views.audit_log_export, name="audit-log-export"),
    path("settings/organization/", views.organization_settings, name="organization-settings"),
    path("settings/single-sign-on/", sso.sso_settings, name="sso-settings"),
    path(
        "settings/single-sign-on/verify-domains/",
        sso.sso_domains_verify,
        name="sso-verify-domains",
    ),
]
