"""Writes of the exit_planning module. Every rule of the exit lives here: the lead-time bounds,
trigger evaluation (once per condition), the confirmation that moves the partnership to exiting
(through the partnerships lifecycle service), the wind-down opened once at its lead time, tasks
after their prerequisites, destruction only with a certificate and verified by the other party,
asset valuation from its method's inputs and acceptance by both parties, the joint post-mortem,
and playbook changes applied after review through contracts' playbook service.

The clock is an argument (`today=` / `now=`), never read here.

One module per entity; everything is re-exported here, so callers write
`from exit_planning import services` and `services.exit_plan_create(...)`.
"""

from exit_planning.services.assets import ASSET_INPUTS, asset_accept, asset_create, asset_value
from exit_planning.services.dispositions import (
    disposition_create,
    disposition_mark_done,
    disposition_verify,
)
from exit_planning.services.knowledge import (
    KNOWLEDGE_FIELDS,
    knowledge_item_create,
    knowledge_item_sign_off,
)
from exit_planning.services.notices import notice_continuity_record, notice_create, notice_send
from exit_planning.services.plans import (
    EXIT_UNDER_WAY,
    PLAN_FIELDS,
    exit_plan_blockers,
    exit_plan_close,
    exit_plan_create,
    exit_plan_follow_partnership,
    exit_plan_update,
)
from exit_planning.services.playbook_changes import (
    playbook_change_apply,
    playbook_change_from_entry,
    playbook_change_propose,
    playbook_change_review,
)
from exit_planning.services.post_mortems import (
    post_mortem_complete,
    post_mortem_contribute,
    post_mortem_get_or_open,
)
from exit_planning.services.triggers import (
    exit_trigger_confirm,
    exit_trigger_dismiss,
    exit_trigger_record,
    exit_triggers_evaluate_plan,
)
from exit_planning.services.wind_down import (
    DailyRun,
    exit_daily_run,
    wind_down_open,
    wind_down_task_complete,
    wind_down_task_update,
)

__all__ = [
    "ASSET_INPUTS",
    "DailyRun",
    "EXIT_UNDER_WAY",
    "KNOWLEDGE_FIELDS",
    "PLAN_FIELDS",
    "asset_accept",
    "asset_create",
    "asset_value",
    "disposition_create",
    "disposition_mark_done",
    "disposition_verify",
    "exit_daily_run",
    "exit_plan_blockers",
    "exit_plan_close",
    "exit_plan_create",
    "exit_plan_follow_partnership",
    "exit_plan_update",
    "exit_trigger_confirm",
    "exit_trigger_dismiss",
    "exit_trigger_record",
    "exit_triggers_evaluate_plan",
    "knowledge_item_create",
    "knowledge_item_sign_off",
    "notice_continuity_record",
    "notice_create",
    "notice_send",
    "playbook_change_apply",
    "playbook_change_from_entry",
    "playbook_change_propose",
    "playbook_change_review",
    "post_mortem_complete",
    "post_mortem_contribute",
    "post_mortem_get_or_open",
    "wind_down_open",
    "wind_down_task_complete",
    "wind_down_task_update",
]
