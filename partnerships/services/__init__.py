"""Writes of the partnerships module, one module per entity, re-exported here."""

from partnerships.services.due_diligence import (
    CHECKLIST_TEMPLATES,
    due_diligence_apply_template,
    due_diligence_item_create,
    due_diligence_item_update,
    escalation_resolve,
    onboarding_milestones_check,
)
from partnerships.services.partners import (
    partner_create,
    partner_delete,
    partner_update,
)
from partnerships.services.partnerships import (
    partnership_create,
    partnership_delete,
    partnership_invite_guest,
    partnership_remove_guest,
    partnership_transition,
    partnership_update,
    transition_blockers,
    transition_needs_reason,
)
from partnerships.services.records import record_create, record_delete, record_update
from partnerships.services.sourcing import (
    DEFAULT_CRITERIA,
    candidate_add,
    candidate_remove,
    candidate_scores_set,
    selection_criteria_set,
    sourcing_case_create,
    sourcing_case_decide,
    sourcing_case_update,
    tco_estimate_set,
)

__all__ = [
    "CHECKLIST_TEMPLATES",
    "DEFAULT_CRITERIA",
    "candidate_add",
    "candidate_remove",
    "candidate_scores_set",
    "due_diligence_apply_template",
    "due_diligence_item_create",
    "due_diligence_item_update",
    "escalation_resolve",
    "onboarding_milestones_check",
    "partner_create",
    "partner_delete",
    "partner_update",
    "partnership_create",
    "partnership_delete",
    "partnership_invite_guest",
    "partnership_remove_guest",
    "partnership_transition",
    "partnership_update",
    "record_create",
    "record_delete",
    "record_update",
    "selection_criteria_set",
    "sourcing_case_create",
    "sourcing_case_decide",
    "sourcing_case_update",
    "tco_estimate_set",
    "transition_blockers",
    "transition_needs_reason",
]
