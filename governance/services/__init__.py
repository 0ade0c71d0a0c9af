"""Writes of the governance module, one module per entity, re-exported here: callers write
`from governance import services` and `services.change_request_submit(...)`."""

from governance.services.change_request_escalation import (
    EscalationResult,
    change_requests_escalate,
    escalation_level_due,
)
from governance.services.change_requests import (
    DEFAULT_DECISION_PERIOD,
    change_request_approve,
    change_request_approver_add,
    change_request_approver_remove,
    change_request_create,
    change_request_implement,
    change_request_reject,
    change_request_submit,
    change_request_update,
    change_request_url,
    change_request_withdraw,
    may_withdraw,
    submission_blockers,
)

__all__ = [
    "DEFAULT_DECISION_PERIOD",
    "EscalationResult",
    "change_request_approve",
    "change_request_approver_add",
    "change_request_approver_remove",
    "change_request_create",
    "change_request_implement",
    "change_request_reject",
    "change_request_submit",
    "change_request_update",
    "change_request_url",
    "change_request_withdraw",
    "change_requests_escalate",
    "escalation_level_due",
    "may_withdraw",
    "submission_blockers",
]
