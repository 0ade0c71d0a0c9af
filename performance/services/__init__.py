"""Writes of the performance module, one module per entity. Every rule lives here once; pages,
the API and tasks call it.

The arithmetic is in `scoring.py`, `sla.py` and `formula.py` (pure, clock-free); these modules load
the inputs, call it, and store the results with an audit event. The SLA breach check is set-based
SQL (see `slas.sla_breach_check` and docs/performance.md). Services never import tasks.
"""

from performance.services.health import (
    health_survey_submit,
)
from performance.services.initiatives import (
    initiative_create,
    initiative_update,
)
from performance.services.kpis import (
    KPI_FIELDS,
    kpi_create,
    kpi_template_create,
    kpi_template_delete,
    kpi_update,
)
from performance.services.measurements import (
    IMPORT_COLUMNS,
    ImportResult,
    ImportRow,
    measurement_correct,
    measurement_delete,
    measurement_record,
    measurement_review,
    measurements_import,
    measurements_push,
)
from performance.services.qbrs import (
    QBR_YEARS,
    action_item_create,
    action_item_set_status,
    qbr_build_agenda,
    qbr_ical,
    qbr_record,
    qbr_reminders_send,
    qbr_schedule,
    qbr_schedule_year,
)
from performance.services.rca import (
    capa_add,
    capa_complete,
    rca_close,
    rca_create,
    rca_effectiveness_record,
    rca_update,
)
from performance.services.reports import (
    report_generate,
    report_progress_key,
    report_request,
    report_run,
    reports_monthly_batch,
)
from performance.services.scorecards import (
    DEFAULT_STANDINGS,
    ROLLING_DECAY,
    ROLLING_PERIODS,
    organization_standings,
    scorecard_acknowledge,
    scorecard_appeal_raise,
    scorecard_appeal_resolve,
    scorecard_compute,
    scorecard_publish,
    scorecards_recompute,
    standings_replace,
)
from performance.services.slas import (
    BREACH_INSERT_SQL,
    RCA_SQL,
    SLA_FIELDS,
    TERMINATION_SQL,
    BreachCheckResult,
    sla_breach_check,
    sla_breach_set_status,
    sla_create,
    sla_update,
)

__all__ = [
    "KPI_FIELDS",
    "kpi_template_create",
    "kpi_template_delete",
    "kpi_create",
    "kpi_update",
    "ImportRow",
    "ImportResult",
    "IMPORT_COLUMNS",
    "measurements_import",
    "measurements_push",
    "measurement_record",
    "measurement_review",
    "measurement_correct",
    "measurement_delete",
    "SLA_FIELDS",
    "sla_create",
    "sla_update",
    "BREACH_INSERT_SQL",
    "TERMINATION_SQL",
    "RCA_SQL",
    "BreachCheckResult",
    "sla_breach_check",
    "sla_breach_set_status",
    "ROLLING_DECAY",
    "ROLLING_PERIODS",
    "DEFAULT_STANDINGS",
    "organization_standings",
    "standings_replace",
    "scorecard_compute",
    "scorecards_recompute",
    "scorecard_publish",
    "scorecard_acknowledge",
    "scorecard_appeal_raise",
    "scorecard_appeal_resolve",
    "health_survey_submit",
    "report_progress_key",
    "report_request",
    "report_generate",
    "report_run",
    "reports_monthly_batch",
    "QBR_YEARS",
    "qbr_schedule",
    "qbr_schedule_year",
    "qbr_build_agenda",
    "qbr_record",
    "action_item_create",
    "action_item_set_status",
    "qbr_reminders_send",
    "qbr_ical",
    "rca_create",
    "rca_update",
    "capa_add",
    "capa_complete",
    "rca_close",
    "rca_effectiveness_record",
    "initiative_create",
    "initiative_update",
]
