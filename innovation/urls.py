"""Pages of the innovation module, under /o/<org_slug>/."""

from django.urls import path

from innovation import views

P = "partnerships/<int:partnership_id>/innovation/"
I = "innovation/initiatives/<int:improvement_initiative_id>/"  # noqa: E741
PI = "innovation/pilots/<int:pilot_id>/"
SM = "innovation/sourcing-models/<int:sourcing_model_id>/"
TF = "innovation/task-forces/<int:task_force_id>/"
KS = "innovation/sessions/<int:knowledge_session_id>/"
SP = "innovation/supplier-programmes/<int:supplier_programme_id>/"

urlpatterns = [
    path("innovation/", views.innovation_home, name="innovation-home"),
    path(P, views.partnership_innovation, name="partnership-innovation"),
    path(P + "initiatives/new/", views.initiative_create, name="initiative-create"),
    path(P + "pilots/new/", views.pilot_create, name="pilot-create"),
    path(P + "sourcing-models/new/", views.sourcing_model_create, name="sourcing-model-create"),
    path(P + "task-forces/new/", views.task_force_create, name="task-force-create"),
    path(P + "sessions/new/", views.session_create, name="knowledge-session-create"),
    path(P + "supplier-programmes/new/", views.programme_create, name="supplier-programme-create"),
    path(I, views.initiative_detail, name="initiative-detail"),
    path(I + "score/", views.initiative_score, name="initiative-score"),
    path(I + "criteria/", views.initiative_criterion_add, name="initiative-criterion-add"),
    path(I + "edit/", views.initiative_edit, name="initiative-edit"),
    path(I + "decide/", views.initiative_decide, name="initiative-decide"),
    path(I + "reopen/", views.initiative_reopen, name="initiative-reopen"),
    path(I + "implemented/", views.initiative_implemented, name="initiative-implemented"),
    path(I + "benefit/", views.initiative_benefit, name="initiative-benefit"),
    path(I + "lesson/", views.initiative_lesson, name="initiative-lesson"),
    path(PI, views.pilot_detail, name="pilot-detail"),
    path(PI + "criteria/", views.pilot_criterion_add, name="pilot-criterion-add"),
    path(PI + "start/", views.pilot_start, name="pilot-start"),
    path(PI + "cancel/", views.pilot_cancel, name="pilot-cancel"),
    path(PI + "decide/", views.pilot_decide, name="pilot-decide"),
    path(PI + "lesson/", views.pilot_lesson, name="pilot-lesson"),
    path(SM, views.sourcing_model_detail, name="sourcing-model-detail"),
    path(SM + "status/", views.sourcing_model_status, name="sourcing-model-status"),
    path(SM + "lesson/", views.sourcing_model_lesson, name="sourcing-model-lesson"),
    path(TF, views.task_force_detail, name="task-force-detail"),
    path(TF + "members/", views.task_force_member_add, name="task-force-member-add"),
    path(TF + "milestones/", views.task_force_milestone_add, name="task-force-milestone-add"),
    path(TF + "activate/", views.task_force_activate, name="task-force-activate"),
    path(TF + "close/", views.task_force_close, name="task-force-close"),
    path(TF + "lesson/", views.task_force_lesson, name="task-force-lesson"),
    path(
        "innovation/milestones/<int:task_force_milestone_id>/done/",
        views.milestone_done,
        name="task-force-milestone-done",
    ),
    path(KS, views.session_detail, name="knowledge-session-detail"),
    path(KS + "attendees/", views.session_attendee_add, name="knowledge-session-attendee-add"),
    path(KS + "materials/", views.session_material_add, name="knowledge-session-material-add"),
    path(KS + "follow-ups/", views.session_follow_ups, name="knowledge-session-follow-ups"),
    path(
        "innovation/materials/<int:session_material_id>/",
        views.material_download,
        name="session-material-download",
    ),
    path(SP, views.programme_detail, name="supplier-programme-detail"),
    path(SP + "investments/", views.programme_investment_add, name="supplier-investment-add"),
    path(SP + "targets/", views.programme_target_add, name="supplier-target-add"),
    path(SP + "status/", views.programme_status, name="supplier-programme-status"),
    path(SP + "lesson/", views.programme_lesson, name="supplier-programme-lesson"),
]
