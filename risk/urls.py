"""Pages of the risk module, under /o/<org_slug>/."""

from django.urls import path

from risk import views

P = "partnerships/<int:partnership_id>/risk/"

urlpatterns = [
    path("risk/", views.risk_home, name="risk-home"),
    path("risk/index-values/", views.index_values, name="risk-index-values"),
    path("risk/score-factors/", views.score_factors_edit, name="risk-score-factors"),
    path("risk/risks/<int:risk_id>/", views.risk_detail, name="risk-detail"),
    path("risk/risks/<int:risk_id>/edit/", views.risk_edit, name="risk-edit"),
    path(
        "risk/risks/<int:risk_id>/mitigations/",
        views.risk_mitigation_add,
        name="risk-mitigation-add",
    ),
    path("risk/risks/<int:risk_id>/review/", views.risk_review, name="risk-review"),
    path("risk/risks/<int:risk_id>/close/", views.risk_close, name="risk-close"),
    path("risk/risks/<int:risk_id>/reopen/", views.risk_reopen, name="risk-reopen"),
    path(
        "risk/mitigations/<int:mitigation_id>/",
        views.mitigation_edit,
        name="mitigation-edit",
    ),
    path(
        "risk/mitigations/<int:mitigation_id>/done/",
        views.mitigation_complete,
        name="mitigation-complete",
    ),
    path(
        "risk/price-mechanisms/<int:price_mechanism_id>/",
        views.price_mechanism_detail,
        name="price-mechanism-detail",
    ),
    path(
        "risk/price-mechanisms/<int:price_mechanism_id>/edit/",
        views.price_mechanism_edit,
        name="price-mechanism-edit",
    ),
    path(
        "risk/price-mechanisms/<int:price_mechanism_id>/review/",
        views.price_review_run,
        name="price-review-run",
    ),
    path(
        "risk/breaches/<int:data_breach_id>/notified/",
        views.breach_notified,
        name="breach-notified",
    ),
    path("risk/breaches/<int:data_breach_id>/close/", views.breach_close, name="breach-close"),
    path("risk/watch-list/", views.watch_list, name="risk-watch-list"),
    path(
        "risk/compliance/<int:compliance_requirement_id>/",
        views.compliance_requirement_edit,
        name="compliance-requirement-edit",
    ),
    path(
        "risk/compliance/<int:compliance_requirement_id>/attest/",
        views.attestation_create,
        name="attestation-create",
    ),
    path(
        "risk/force-majeure/<int:force_majeure_event_id>/",
        views.force_majeure_edit,
        name="force-majeure-edit",
    ),
    path(P, views.partnership_risk, name="partnership-risk"),
    path(
        f"{P}compliance/new/",
        views.compliance_requirement_create,
        name="compliance-requirement-create",
    ),
    path(f"{P}force-majeure/new/", views.force_majeure_create, name="force-majeure-create"),
    path(f"{P}incident-plan/", views.incident_plan_edit, name="incident-plan-edit"),
    path(f"{P}risks/new/", views.risk_create, name="risk-create"),
    path(f"{P}requirements/new/", views.requirement_create, name="insurance-requirement-create"),
    path(f"{P}certificates/new/", views.certificate_create, name="certificate-create"),
    path(f"{P}bonds/new/", views.bond_create, name="bond-create"),
    path(f"{P}penalties/new/", views.penalty_create, name="penalty-create"),
    path(f"{P}price-mechanisms/new/", views.price_mechanism_create, name="price-mechanism-create"),
    path(f"{P}breach-duties/", views.cyber_allocation_edit, name="cyber-allocation-edit"),
    path(f"{P}breaches/new/", views.breach_create, name="breach-create"),
    path(f"{P}score/", views.score_record, name="risk-score-record"),
]
