"""Administration routes outside an organization's address: accepting an invitation and the
second factor (included by config/urls.py)."""

from django.urls import path

from tenancy.access import sso, two_factor, views

urlpatterns = [
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("accounts/two-factor/", two_factor.setup, name="two-factor"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("accounts/sso/", sso.sso_start, name="sso-start"),
    path("accounts/sso/callback/", sso.sso_callback, name="sso-callback"),
]
