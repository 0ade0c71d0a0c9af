"""Writes of the innovation module, one module per entity (reads are in innovation.selectors).

Every function takes its actor and (where time matters) the clock; the party an actor acts for
(buyer or partner) follows from their membership: a partner guest acts for the partner.
Services never import tasks.
"""

from innovation.services._common import (
    MATERIAL_EXTENSIONS,
    MATERIAL_MAX_BYTES,
    OFFICE_EXTENSIONS,
)
from innovation.services.initiatives import (
    INITIATIVE_FIELDS,
    criterion_add,
    criterion_score,
    initiative_decide,
    initiative_implemented,
    initiative_record_benefit,
    initiative_reopen,
    initiative_submit,
    initiative_update,
)
from innovation.services.lessons import (
    lesson_propose,
)
from innovation.services.pilots import (
    pilot_cancel,
    pilot_create,
    pilot_criterion_add,
    pilot_decide,
    pilot_start,
)
from innovation.services.programmes import (
    investment_add,
    programme_create,
    programme_transition,
    session_attendee_add,
    session_create,
    session_follow_ups_set,
    session_material_add,
    sourcing_model_create,
    sourcing_model_update,
    target_kpi_add,
    task_force_activate,
    task_force_close,
    task_force_create,
    task_force_member_add,
    task_force_milestone_add,
    task_force_milestone_done,
)

__all__ = [
    "INITIATIVE_FIELDS",
    "MATERIAL_EXTENSIONS",
    "MATERIAL_MAX_BYTES",
    "OFFICE_EXTENSIONS",
    "criterion_add",
    "criterion_score",
    "initiative_decide",
    "initiative_implemented",
    "initiative_record_benefit",
    "initiative_reopen",
    "initiative_submit",
    "initiative_update",
    "investment_add",
    "lesson_propose",
    "pilot_cancel",
    "pilot_create",
    "pilot_criterion_add",
    "pilot_decide",
    "pilot_start",
    "programme_create",
    "programme_transition",
    "session_attendee_add",
    "session_create",
    "session_follow_ups_set",
    "session_material_add",
    "sourcing_model_create",
    "sourcing_model_update",
    "target_kpi_add",
    "task_force_activate",
    "task_force_close",
    "task_force_create",
    "task_force_member_add",
    "task_force_milestone_add",
    "task_force_milestone_done",
]
