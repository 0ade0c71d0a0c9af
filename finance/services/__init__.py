"""Writes of the finance module. Every rule lives here once; pages and the API call these.

Bad input is a `ValidationError` with a message per field, raised before anything is saved;
a step the state does not allow is a `ConflictError` / `TransitionNotAllowed` (409). The clock
is an argument (`now=` / `today=`). The party of the actor (a partner guest is the partner;
anyone else in the organization is the buyer) comes from their membership, never from input.

One module per entity; everything is re-exported here, so callers write
`from finance import services` and `services.savings_record(...)`.
"""

from finance.services._shared import month_start, party_of
from finance.services.cost_pools import (
    COST_POOL_FIELDS,
    cost_pool_create,
    cost_pool_delete,
    cost_pool_update,
)
from finance.services.fx import (
    CURRENCY_CODES,
    fx_amount_record,
    fx_arrangement_set,
    fx_rate_set,
    fx_rates_import_csv,
)
from finance.services.gain_sharing import (
    BAND_FIELDS,
    gain_share_band_add,
    gain_share_band_remove,
    gain_share_band_update,
    gain_share_scheme_set,
    gain_share_statement_create,
    gain_share_statement_transition,
)
from finance.services.payment_terms import PAYMENT_TERMS_FIELDS, payment_terms_set
from finance.services.rebates import (
    INVOICES,
    SCHEME_FIELDS,
    TIER_FIELDS,
    rebate_scheme_create,
    rebate_scheme_delete,
    rebate_scheme_update,
    rebate_tier_add,
    rebate_tier_remove,
    rebate_tier_update,
    rebate_volumes_from_invoices,
    volume_record,
    volume_remove,
    volume_update,
)
from finance.services.savings import (
    SAVINGS_FIELDS,
    savings_accept,
    savings_dispute,
    savings_record,
    savings_resubmit,
    savings_verify,
)

__all__ = [
    "BAND_FIELDS",
    "COST_POOL_FIELDS",
    "CURRENCY_CODES",
    "INVOICES",
    "PAYMENT_TERMS_FIELDS",
    "SAVINGS_FIELDS",
    "SCHEME_FIELDS",
    "TIER_FIELDS",
    "cost_pool_create",
    "cost_pool_delete",
    "cost_pool_update",
    "fx_amount_record",
    "fx_arrangement_set",
    "fx_rate_set",
    "fx_rates_import_csv",
    "gain_share_band_add",
    "gain_share_band_remove",
    "gain_share_band_update",
    "gain_share_scheme_set",
    "gain_share_statement_create",
    "gain_share_statement_transition",
    "month_start",
    "party_of",
    "payment_terms_set",
    "rebate_scheme_create",
    "rebate_scheme_delete",
    "rebate_scheme_update",
    "rebate_tier_add",
    "rebate_tier_remove",
    "rebate_tier_update",
    "rebate_volumes_from_invoices",
    "savings_accept",
    "savings_dispute",
    "savings_record",
    "savings_resubmit",
    "savings_verify",
    "volume_record",
    "volume_remove",
    "volume_update",
]
