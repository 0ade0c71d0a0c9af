from django.urls import path

from contracts import views

urlpatterns = [
    path("contracts/", views.contracts_home, name="contracts-home"),
    path("contracts/agreements/", views.agreement_list, name="agreement-list"),
    path("contracts/agreements/search/", views.agreement_picker_search, name="agreement-search"),
    path(
        "contracts/agreements/<int:agreement_id>/", views.agreement_detail, name="agreement-detail"
    ),
    path(
        "contracts/agreements/<int:agreement_id>/review/",
        views.agreement_review,
        name="agreement-review",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/transition/",
        views.agreement_transition,
        name="agreement-transition",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/reviewers/",
        views.agreement_reviewer_assign,
        name="agreement-reviewer-assign",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/reviewers/remove/",
        views.agreement_reviewer_remove,
        name="agreement-reviewer-remove",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/obligations/",
        views.obligation_add,
        name="agreement-obligation-add",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/summary.pdf",
        views.agreement_summary_pdf,
        name="agreement-summary-pdf",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/terminate/",
        views.agreement_terminate,
        name="agreement-terminate",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/edit/",
        views.agreement_edit,
        name="agreement-edit",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/amend/",
        views.agreement_amend,
        name="agreement-amend",
    ),
    path(
        "contracts/agreements/<int:agreement_id>/clauses/new/",
        views.clause_add,
        name="clause-add",
    ),
    path("contracts/clauses/<int:clause_id>/edit/", views.clause_edit, name="clause-edit"),
    path("contracts/clauses/<int:clause_id>/agree/", views.clause_agree, name="clause-agree"),
    path("contracts/clauses/<int:clause_id>/remove/", views.clause_remove, name="clause-remove"),
    path("contracts/clauses/<int:clause_id>/decide/", views.clause_decide, name="clause-decide"),
    path("contracts/clauses/<int:clause_id>/correct/", views.clause_correct, name="clause-correct"),
    path("contracts/clauses/<int:clause_id>/comment/", views.clause_comment, name="clause-comment"),
    path("contracts/clauses/<int:clause_id>/redline/", views.clause_redline, name="clause-redline"),
    path("contracts/upload/", views.intake_upload, name="intake-upload"),
    path("contracts/intake/<int:intakejob_id>/", views.intake_job, name="intake-job"),
    path(
        "contracts/intake/<int:intakejob_id>/status/",
        views.intake_job_status,
        name="intake-job-status",
    ),
    path("contracts/obligations/", views.obligation_list, name="obligation-list"),
    path(
        "contracts/obligations/<int:obligation_id>/",
        views.obligation_detail,
        name="obligation-detail",
    ),
    path(
        "contracts/obligations/<int:obligation_id>/edit/",
        views.obligation_edit,
        name="obligation-edit",
    ),
    path(
        "contracts/fulfilments/<int:obligationfulfilment_id>/evidence/",
        views.fulfilment_evidence,
        name="fulfilment-evidence",
    ),
    path(
        "contracts/obligations/<int:obligation_id>/fulfil/",
        views.obligation_fulfil,
        name="obligation-fulfil",
    ),
    path(
        "contracts/obligations/<int:obligation_id>/waive/",
        views.obligation_waive,
        name="obligation-waive",
    ),
    path("contracts/playbook/", views.playbook, name="contracts-playbook"),
    path(
        "contracts/playbook/rules/<int:playbookrule_id>/toggle/",
        views.playbook_rule_toggle,
        name="playbook-rule-toggle",
    ),
    path("contracts/calendar.ics", views.contract_calendar_ics, name="contracts-calendar"),
    path(
        "partnerships/<int:partnership_id>/contracts/",
        views.partnership_contracts,
        name="partnership-contracts",
    ),
]
