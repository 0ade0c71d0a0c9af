"""Writes of the integrations module: receiving EDI documents, reading them, and comparing them
with the orders they reference; connectors, the three-way match, webhook events, data-sharing
terms and retention, crosswalks, KPIs from the documents, forecasts and stock, disaster-recovery
tests and outbound documents. Every write runs in a transaction and is audited.

One module per entity; everything is re-exported here, so callers write
`from integrations import services` and `services.edi_document_ingest(...)`.
"""

from integrations.services.connectors import (
    CARRIERS,
    CONNECTOR_FIELDS,
    TRANSIT_SCHEMES,
    SenderRefused,
    connector_carries,
    connector_create,
    connector_feeds_check,
    connector_for_sender,
    connector_security_checks,
    connector_transition,
    connector_update,
    normalise_identifier,
    sender_matches,
)
from integrations.services.crosswalks import (
    code_mapping_delete,
    code_mapping_set,
    crosswalk_reprocess,
    crosswalk_reprocess_request,
)
from integrations.services.data_sharing import (
    TERM_FIELDS,
    data_sharing_term_hold,
    data_sharing_term_set,
    retention_apply,
)
from integrations.services.discrepancies import (
    DISCREPANCY_ACTIONS,
    discrepancies_detect,
    discrepancy_act,
    discrepancy_payload,
    match_tolerances,
)
from integrations.services.document_kpis import (
    DEFAULT_KPI_CODES,
    document_kpi_codes,
    document_kpis_record,
    kpi_lead_time_days,
)
from integrations.services.documents import (
    edi_document_ingest,
    edi_document_process,
    edi_document_progress,
    edi_document_receive,
    upload_max_bytes,
)
from integrations.services.dr_tests import (
    DR_TEST_FIELDS,
    dr_test_cancel,
    dr_test_record_result,
    dr_test_schedule,
)
from integrations.services.forecasts import (
    FORECAST_PERIODS,
    forecast_create,
    forecast_update,
    forecast_update_due,
    forecast_version_add,
    forecasts_late_check,
)
from integrations.services.monitoring import order_discrepancies
from integrations.services.outbound import OUTBOUND_KINDS, OUTBOUND_STANDARDS, outbound_message
from integrations.services.reading import COUNT_FIELDS, FINDINGS_PER_CODE, HEADER_FIELDS
from integrations.services.stock import (
    SAMPLE_STOCK_FEED,
    StockFeedResult,
    stock_feed_replay,
    stock_feed_sample,
    stock_level,
    stock_policy_set,
    stock_positions_record,
)
from integrations.services.webhook_events import (
    webhook_event_raise,
    webhook_events_raise,
    webhook_object_event,
)

__all__ = [
    "CARRIERS",
    "CONNECTOR_FIELDS",
    "COUNT_FIELDS",
    "DEFAULT_KPI_CODES",
    "DISCREPANCY_ACTIONS",
    "DR_TEST_FIELDS",
    "FINDINGS_PER_CODE",
    "FORECAST_PERIODS",
    "HEADER_FIELDS",
    "OUTBOUND_KINDS",
    "OUTBOUND_STANDARDS",
    "SAMPLE_STOCK_FEED",
    "SenderRefused",
    "StockFeedResult",
    "TERM_FIELDS",
    "TRANSIT_SCHEMES",
    "code_mapping_delete",
    "code_mapping_set",
    "connector_carries",
    "connector_create",
    "connector_feeds_check",
    "connector_for_sender",
    "connector_security_checks",
    "connector_transition",
    "connector_update",
    "crosswalk_reprocess",
    "crosswalk_reprocess_request",
    "data_sharing_term_hold",
    "data_sharing_term_set",
    "discrepancies_detect",
    "discrepancy_act",
    "discrepancy_payload",
    "document_kpi_codes",
    "document_kpis_record",
    "dr_test_cancel",
    "dr_test_record_result",
    "dr_test_schedule",
    "edi_document_ingest",
    "edi_document_process",
    "edi_document_progress",
    "edi_document_receive",
    "forecast_create",
    "forecast_update",
    "forecast_update_due",
    "forecast_version_add",
    "forecasts_late_check",
    "kpi_lead_time_days",
    "match_tolerances",
    "normalise_identifier",
    "order_discrepancies",
    "outbound_message",
    "retention_apply",
    "sender_matches",
    "stock_feed_replay",
    "stock_feed_sample",
    "stock_level",
    "stock_policy_set",
    "stock_positions_record",
    "upload_max_bytes",
    "webhook_event_raise",
    "webhook_events_raise",
    "webhook_object_event",
]
