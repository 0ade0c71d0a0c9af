"""Pages of the governance module, under /o/<org_slug>/."""

from django.urls import path

from governance import views

CR = "governance/change-requests/<int:change_request_id>/"

urlpatterns = [
    path("governance/", views.governance_home, name="governance-home"),
    path(
        "governance/change-requests/new/",
        views.change_request_create,
        name="change-request-create",
    ),
    path(CR, views.change_request_detail, name="change-request-detail"),
    path(f"{CR}edit/", views.change_request_edit, name="change-request-edit"),
    path(f"{CR}submit/", views.change_request_submit, name="change-request-submit"),
    path(f"{CR}approve/", views.change_request_approve, name="change-request-approve"),
    path(f"{CR}reject/", views.change_request_reject, name="change-request-reject"),
    path(f"{CR}implement/", views.change_request_implement, name="change-request-implement"),
    path(f"{CR}withdraw/", views.change_request_withdraw, name="change-request-withdraw"),
    path(f"{CR}approvers/", views.change_request_approver_add, name="change-request-approver-add"),
    path(
        f"{CR}approvers/<int:change_request_approver_id>/remove/",
        views.change_request_approver_remove,
        name="change-request-approver-remove",
    ),
    path(
        "partnerships/<int:partnership_id>/governance/",
        views.partnership_governance,
        name="partnership-governance",
    ),
]
