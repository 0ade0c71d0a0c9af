"""Pages of the partnerships module, under /o/<org_slug>/ (the landing page is its dashboard),
and the overview page of every module in the registry that has no pages of its own yet."""

from importlib import util

from django.urls import path

from partnerships import views
from partnerships.forms import PARTNER_RECORD_FORMS, PARTNERSHIP_RECORD_FORMS
from partnerships.models import SourcingCase

P = "partnerships/<int:partnership_id>/"
S = "sourcing/<int:sourcing_case_id>/"
# Where a module without screens shows its overview; when the module gets its own `urls.py`
# (with its home page under the same URL name), the overview is no longer mounted.
OVERVIEW_PATHS = {"risk": "risk/", "finance": "finance/", "exit_planning": "exit/"}


def _overviews():
    from tenancy.modules import MODULES

    return [
        path(prefix, views.module_overview, {"module": code}, name=MODULES[code].home_url)
        for code, prefix in OVERVIEW_PATHS.items()
        if code in MODULES and util.find_spec(f"{code}.urls") is None
    ]


urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("partnerships/", views.partnership_list, name="partnership-list"),
    path("partnerships/new/", views.partnership_create, name="partnership-create"),
    path("partnerships/search/", views.partnership_picker_search, name="partnership-search"),
    path(P, views.partnership_detail, name="partnership-detail"),
    path(P + "edit/", views.partnership_edit, name="partnership-edit"),
    path(P + "delete/", views.partnership_delete, name="partnership-delete"),
    path(P + "transition/", views.partnership_transition, name="partnership-transition"),
    path(P + "due-diligence/", views.partnership_due_diligence, name="partnership-due-diligence"),
    path(
        P + "due-diligence/<int:due_diligence_item_id>/",
        views.due_diligence_item,
        name="due-diligence-item",
    ),
    path(
        P + "due-diligence/<int:due_diligence_item_id>/evidence/",
        views.due_diligence_evidence,
        name="due-diligence-evidence",
    ),
    path(P + "strategy/", views.partnership_strategy, name="partnership-strategy"),
    # One URL per record kind (POST), so every route names only ids.
    *[
        path(
            f"{P}{kind}/add/",
            views.partnership_record_add,
            {"kind": kind},
            name=f"partnership-{kind}-add",
        )
        for kind in PARTNERSHIP_RECORD_FORMS
    ],
    *[
        path(
            f"{P}{kind}/<int:{views.record_kwarg(model)}>/{verb}/",
            view,
            {"kind": kind},
            name=f"partnership-{kind}-{verb}",
        )
        for kind, (_, model, _, _) in PARTNERSHIP_RECORD_FORMS.items()
        for verb, view in (
            ("edit", views.partnership_record_edit),
            ("delete", views.partnership_record_delete),
        )
    ],
    path(P + "onboarding/", views.partnership_onboarding, name="partnership-onboarding"),
    path(
        P + "onboarding/escalations/<int:onboarding_escalation_id>/resolve/",
        views.escalation_resolve,
        name="escalation-resolve",
    ),
    path(
        P + "onboarding/milestones/<int:onboarding_milestone_id>/complete/",
        views.milestone_complete,
        name="milestone-complete",
    ),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/new/", views.partner_create, name="partner-create"),
    path("partners/<int:partner_id>/", views.partner_detail, name="partner-detail"),
    path("partners/<int:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("partners/<int:partner_id>/delete/", views.partner_delete, name="partner-delete"),
    *[
        path(
            f"partners/<int:partner_id>/{kind}/add/",
            views.partner_record_add,
            {"kind": kind},
            name=f"partner-{kind}-add",
        )
        for kind in PARTNER_RECORD_FORMS
    ],
    *[
        path(
            f"partners/<int:partner_id>/{kind}/<int:{views.record_kwarg(model)}>/{verb}/",
            view,
            {"kind": kind},
            name=f"partner-{kind}-{verb}",
        )
        for kind, (_, model, _) in PARTNER_RECORD_FORMS.items()
        for verb, view in (
            ("edit", views.partner_record_edit),
            ("delete", views.partner_record_delete),
        )
    ],
    path("sourcing/", views.sourcing_list, name="sourcing-list"),
    path("sourcing/new/", views.sourcing_create, name="sourcing-create"),
    path(S, views.sourcing_detail, name="sourcing-detail"),
    path(S + "edit/", views.sourcing_edit, name="sourcing-edit"),
    *[
        path(f"{S}tco/{model}/", views.sourcing_tco, {"model": model}, name=f"sourcing-tco-{model}")
        for model in SourcingCase.Model.values
    ],
    path(S + "criteria/", views.sourcing_criteria, name="sourcing-criteria"),
    path(S + "candidates/", views.sourcing_candidate_add, name="sourcing-candidate-add"),
    path(S + "compare/", views.sourcing_compare, name="sourcing-compare"),
    path(S + "decide/", views.sourcing_decide, name="sourcing-decide"),
    path(
        "sourcing/candidates/<int:sourcing_candidate_id>/",
        views.sourcing_candidate,
        name="sourcing-candidate",
    ),
    path(
        "sourcing/candidates/<int:sourcing_candidate_id>/remove/",
        views.sourcing_candidate_remove,
        name="sourcing-candidate-remove",
    ),
    *_overviews(),
]
