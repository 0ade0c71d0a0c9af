"""Writes of the contracts module. Every write validates, runs in a transaction and is audited.

One module per entity; everything is re-exported here, so callers write
`from contracts import services` and `services.agreement_transition(...)`.
"""

from contracts.services._shared import (
    EDITABLE_STATUSES,
    agreement_url,
    is_reviewer,
    may_review,
    may_review_role,
    membership_of,
)
from contracts.services.agreements import (
    AGREEMENT_FIELDS,
    agreement_amend,
    agreement_assign_reviewer,
    agreement_create,
    agreement_remove_reviewer,
    agreement_transition,
    agreement_update,
    approval_blockers,
    deviations_summary,
)
from contracts.services.clauses import (
    clause_comment_add,
    clause_confirm,
    clause_correct,
    clause_create,
    clause_decide,
    clause_delete,
    clause_redline_agree,
    clause_update,
    may_waive_red_line,
)
from contracts.services.intake import (
    UPLOAD_EXTENSIONS,
    intake_job_create,
    intake_job_run,
    intake_progress,
    intake_progress_key,
    upload_max_bytes,
)
from contracts.services.notices import notice_alerts_send
from contracts.services.obligations import (
    OBLIGATION_FIELDS,
    obligation_create,
    obligation_fulfil,
    obligation_update,
    obligation_waive,
    obligations_notify_overdue,
)
from contracts.services.playbook import (
    playbook_clause_save,
    playbook_rule_create,
    playbook_rule_delete,
    playbook_rule_update,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "agreement_amend",
    "clause_redline_agree",
    "may_waive_red_line",
    "EDITABLE_STATUSES",
    "OBLIGATION_FIELDS",
    "UPLOAD_EXTENSIONS",
    "agreement_assign_reviewer",
    "agreement_create",
    "agreement_remove_reviewer",
    "agreement_transition",
    "agreement_update",
    "agreement_url",
    "approval_blockers",
    "clause_comment_add",
    "clause_confirm",
    "clause_correct",
    "clause_create",
    "clause_decide",
    "clause_delete",
    "clause_update",
    "deviations_summary",
    "intake_job_create",
    "intake_job_run",
    "intake_progress",
    "intake_progress_key",
    "is_reviewer",
    "may_review",
    "may_review_role",
    "membership_of",
    "notice_alerts_send",
    "obligation_create",
    "obligation_fulfil",
    "obligation_update",
    "obligation_waive",
    "obligations_notify_overdue",
    "playbook_clause_save",
    "playbook_rule_create",
    "playbook_rule_delete",
    "playbook_rule_update",
    "upload_max_bytes",
]
