"""Pages of the exit-planning module, under /o/<org_slug>/."""

from django.urls import path

from exit_planning import views

PLAN = "exit/plans/<int:exit_plan_id>/"

urlpatterns = [
    path("exit/", views.exit_home, name="exit-planning-home"),
    path(
        "partnerships/<int:partnership_id>/exit/",
        views.partnership_exit,
        name="partnership-exit",
    ),
    path(
        "partnerships/<int:partnership_id>/exit/new/",
        views.exit_plan_create,
        name="exit-plan-create",
    ),
    path(PLAN, views.exit_plan_back, name="exit-plan-back"),
    path(f"{PLAN}edit/", views.exit_plan_edit, name="exit-plan-edit"),
    path(f"{PLAN}close/", views.exit_plan_close, name="exit-plan-close"),
    path(f"{PLAN}report.pdf", views.exit_report_pdf, name="exit-report-pdf"),
    path(f"{PLAN}triggers/new/", views.trigger_record, name="exit-trigger-create"),
    path(f"{PLAN}knowledge/new/", views.knowledge_create, name="knowledge-item-create"),
    path(f"{PLAN}data/new/", views.disposition_create, name="data-disposition-create"),
    path(f"{PLAN}assets/new/", views.asset_create, name="asset-transfer-create"),
    path(f"{PLAN}notices/new/", views.notice_create, name="stakeholder-notice-create"),
    path(
        f"{PLAN}post-mortem/contribute/",
        views.post_mortem_contribute,
        name="post-mortem-contribute",
    ),
    path(f"{PLAN}post-mortem/complete/", views.post_mortem_complete, name="post-mortem-complete"),
    path("exit/triggers/<int:exit_trigger_id>/", views.trigger_back, name="exit-trigger-back"),
    path(
        "exit/triggers/<int:exit_trigger_id>/confirm/",
        views.trigger_confirm,
        name="exit-trigger-confirm",
    ),
    path(
        "exit/triggers/<int:exit_trigger_id>/dismiss/",
        views.trigger_dismiss,
        name="exit-trigger-dismiss",
    ),
    path("exit/tasks/<int:wind_down_task_id>/", views.task_edit, name="wind-down-task-edit"),
    path("exit/tasks/<int:wind_down_task_id>/done/", views.task_done, name="wind-down-task-done"),
    path(
        "exit/knowledge/<int:knowledge_transfer_item_id>/",
        views.knowledge_back,
        name="knowledge-item-back",
    ),
    path(
        "exit/knowledge/<int:knowledge_transfer_item_id>/sign-off/",
        views.knowledge_sign_off,
        name="knowledge-item-sign-off",
    ),
    path(
        "exit/data/<int:data_disposition_id>/",
        views.disposition_back,
        name="data-disposition-back",
    ),
    path(
        "exit/data/<int:data_disposition_id>/done/",
        views.disposition_done,
        name="data-disposition-done",
    ),
    path(
        "exit/data/<int:data_disposition_id>/verify/",
        views.disposition_verify,
        name="data-disposition-verify",
    ),
    path(
        "exit/data/<int:data_disposition_id>/certificate/",
        views.disposition_certificate,
        name="data-disposition-certificate",
    ),
    path("exit/assets/<int:asset_transfer_id>/", views.asset_back, name="asset-transfer-back"),
    path(
        "exit/assets/<int:asset_transfer_id>/accept/",
        views.asset_accept,
        name="asset-transfer-accept",
    ),
    path(
        "exit/notices/<int:stakeholder_notice_id>/",
        views.notice_continuity,
        name="stakeholder-notice-continuity",
    ),
    path(
        "exit/notices/<int:stakeholder_notice_id>/send/",
        views.notice_send,
        name="stakeholder-notice-send",
    ),
    path(
        "exit/post-mortem/<int:post_mortem_entry_id>/propose/",
        views.playbook_change_propose,
        name="playbook-change-propose",
    ),
    path("exit/playbook-changes/", views.playbook_change_list, name="playbook-change-list"),
    path(
        "exit/playbook-changes/<int:playbook_change_id>/",
        views.playbook_change_detail,
        name="playbook-change-detail",
    ),
    path(
        "exit/playbook-changes/<int:playbook_change_id>/approve/",
        views.playbook_change_approve,
        name="playbook-change-approve",
    ),
    path(
        "exit/playbook-changes/<int:playbook_change_id>/reject/",
        views.playbook_change_reject,
        name="playbook-change-reject",
    ),
    path(
        "exit/playbook-changes/<int:playbook_change_id>/apply/",
        views.playbook_change_apply,
        name="playbook-change-apply",
    ),
]
