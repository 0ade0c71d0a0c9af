from django.urls import path

from performance import views

P = "partnerships/<int:partnership_id>/"

urlpatterns = [
    path("performance/", views.performance_home, name="performance-home"),
    path("performance/ranking/", views.portfolio_ranking, name="performance-ranking"),
    path("performance/slas/", views.sla_list, name="performance-slas"),
    path("performance/slas/check/", views.breach_check_run, name="performance-breach-check"),
    path("performance/slas/search/", views.sla_picker_search, name="sla-search"),
    path("performance/actions/", views.action_board, name="performance-actions"),
    path(
        "performance/imports/<int:measurementimport_id>/",
        views.measurement_import_job,
        name="performance-import-job",
    ),
    path(
        "performance/imports/<int:measurementimport_id>/confirm/",
        views.measurement_import_confirm,
        name="performance-import-confirm",
    ),
    path("performance/standings/", views.standings_edit, name="performance-standings"),
    path("performance/slas/<int:sla_id>/", views.sla_edit, name="performance-sla-edit"),
    path(
        "performance/slas/<int:sla_id>/versions/",
        views.sla_detail,
        name="performance-sla-detail",
    ),
    path(
        "performance/breaches/<int:slabreach_id>/status/",
        views.breach_status,
        name="performance-breach-status",
    ),
    path("performance/rcas/<int:rootcauseanalysis_id>/", views.rca_detail, name="performance-rca"),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/update/",
        views.rca_update,
        name="performance-rca-update",
    ),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/capas/",
        views.capa_add,
        name="performance-capa-add",
    ),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/capas/<int:correctiveaction_id>/",
        views.capa_edit,
        name="performance-capa-edit",
    ),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/capas/<int:correctiveaction_id>/done/",
        views.capa_complete,
        name="performance-capa-complete",
    ),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/close/",
        views.rca_close,
        name="performance-rca-close",
    ),
    path(
        "performance/rcas/<int:rootcauseanalysis_id>/effectiveness/",
        views.rca_effectiveness,
        name="performance-rca-effectiveness",
    ),
    path(
        "performance/actions/<int:actionitem_id>/status/",
        views.action_item_status,
        name="performance-action-status",
    ),
    path(
        "performance/scorecards/<int:scorecard_id>/",
        views.scorecard_detail,
        name="performance-scorecard",
    ),
    path(
        "performance/scorecards/<int:scorecard_id>/publish/",
        views.scorecard_publish,
        name="performance-scorecard-publish",
    ),
    path(
        "performance/scorecards/<int:scorecard_id>/acknowledge/",
        views.scorecard_acknowledge,
        name="performance-scorecard-acknowledge",
    ),
    path(
        "performance/scorecards/<int:scorecard_id>/appeal/",
        views.scorecard_appeal,
        name="performance-scorecard-appeal",
    ),
    path(
        "performance/reports/<int:scorecardreport_id>/",
        views.report_status,
        name="performance-report",
    ),
    path(
        "performance/reports/<int:scorecardreport_id>/download/",
        views.report_download,
        name="performance-report-download",
    ),
    path(P + "performance/", views.partnership_performance, name="partnership-performance"),
    path(
        P + "performance/measurements/", views.measurement_add, name="performance-measurement-add"
    ),
    path(
        P + "performance/measurements/<int:measurement_id>/review/",
        views.measurement_review,
        name="performance-measurement-review",
    ),
    path(
        P + "performance/measurements/<int:measurement_id>/",
        views.measurement_edit,
        name="performance-measurement-edit",
    ),
    path(
        P + "performance/measurements/<int:measurement_id>/correct/",
        views.measurement_correct,
        name="performance-measurement-correct",
    ),
    path(
        P + "performance/measurements/<int:measurement_id>/delete/",
        views.measurement_delete,
        name="performance-measurement-delete",
    ),
    path(
        P + "performance/appeals/<int:scorecardappeal_id>/resolve/",
        views.appeal_resolve,
        name="performance-appeal-resolve",
    ),
    path(P + "performance/import/", views.measurement_import, name="performance-import"),
    path(P + "performance/slas/new/", views.sla_create, name="performance-sla-create"),
    path(P + "performance/rcas/new/", views.rca_create, name="performance-rca-create"),
    path(P + "performance/kpis/new/", views.kpi_create, name="performance-kpi-create"),
    path(
        P + "performance/kpis/<int:kpi_id>/edit/",
        views.kpi_edit,
        name="performance-kpi-edit",
    ),
    path(P + "performance/survey/", views.survey_submit, name="performance-survey"),
    path(P + "performance/report/", views.report_request, name="performance-report-request"),
    path(P + "qbrs/", views.partnership_qbrs, name="partnership-qbrs"),
    path(P + "qbrs/schedule/", views.qbr_schedule_year, name="performance-qbr-schedule"),
    path(P + "qbrs/<int:qbr_id>/minutes/", views.qbr_record, name="performance-qbr-record"),
    path(P + "qbrs/<int:qbr_id>/actions/", views.qbr_action_add, name="performance-qbr-action-add"),
    path(P + "qbrs/<int:qbr_id>/invite.ics", views.qbr_ical, name="performance-qbr-ical"),
]
