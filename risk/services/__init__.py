"""Writes of the risk module. Every rule lives here once; pages and the API call these.

Bad input is a `ValidationError` with a message per field, raised before anything is saved
(each service is one transaction, so nothing is saved half). The clock is always an argument.
Jobs (review reminders, certificate expiry alerts, price-review alerts) are services too: the
Celery tasks only call them, and a rerun sends nothing twice.
"""

from risk.services.breaches import (
    cyber_allocation_set,
    data_breach_report,
    data_breach_transition,
)
from risk.services.compliance import (
    DEFAULT_FM_NOTICE_DAYS,
    attestation_record,
    compliance_requirement_create,
    compliance_requirement_update,
    force_majeure_log,
    force_majeure_update,
    incident_plan_set,
    watch_item_create,
)
from risk.services.insurance import (
    AlertRun,
    bond_create,
    certificate_expiry_alerts_send,
    certificate_upload,
    insurance_requirement_set,
    penalty_create,
)
from risk.services.prices import (
    MECHANISM_FIELDS,
    index_value_record,
    index_values_import_csv,
    month_start,
    previous_month,
    price_mechanism_create,
    price_mechanism_update,
    price_review_alerts_send,
    price_review_run,
)
from risk.services.register import (
    REVIEW_REMINDER_DAYS,
    RISK_FIELDS,
    mitigation_add,
    mitigation_complete,
    mitigation_update,
    risk_create,
    risk_review_record,
    risk_review_reminders_send,
    risk_set_status,
    risk_update,
)
from risk.services.scores import (
    risk_score_record,
    score_factors_set,
)

__all__ = [
    "DEFAULT_FM_NOTICE_DAYS",
    "attestation_record",
    "compliance_requirement_create",
    "compliance_requirement_update",
    "force_majeure_log",
    "force_majeure_update",
    "incident_plan_set",
    "watch_item_create",
    "cyber_allocation_set",
    "data_breach_report",
    "data_breach_transition",
    "AlertRun",
    "bond_create",
    "certificate_expiry_alerts_send",
    "certificate_upload",
    "insurance_requirement_set",
    "penalty_create",
    "MECHANISM_FIELDS",
    "index_value_record",
    "index_values_import_csv",
    "month_start",
    "previous_month",
    "price_mechanism_create",
    "price_mechanism_update",
    "price_review_alerts_send",
    "price_review_run",
    "REVIEW_REMINDER_DAYS",
    "RISK_FIELDS",
    "mitigation_add",
    "mitigation_complete",
    "mitigation_update",
    "risk_create",
    "risk_review_record",
    "risk_review_reminders_send",
    "risk_set_status",
    "risk_update",
    "risk_score_record",
    "score_factors_set",
]
