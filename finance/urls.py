"""Pages of the finance module, under /o/<org_slug>/."""

from django.urls import path

from finance import views

P = "partnerships/<int:partnership_id>/finance/"
S = "finance/savings/<int:savings_entry_id>/"
G = "finance/statements/<int:gain_share_statement_id>/"
R = "finance/rebates/<int:rebate_scheme_id>/"
B = "finance/gain-share-bands/<int:gain_share_band_id>/"
C = "finance/cost-pools/<int:cost_pool_id>/"

urlpatterns = [
    path("finance/", views.finance_home, name="finance-home"),
    path("finance/fx-rates/", views.fx_rates, name="finance-fx-rates"),
    path("finance/fx-rates/import/", views.fx_rates_import, name="finance-fx-rates-import"),
    path(P, views.partnership_finance, name="partnership-finance"),
    path(P + "allocation.xlsx", views.allocation_xlsx, name="finance-allocation-xlsx"),
    path(P + "cost-pools/new/", views.cost_pool_create, name="finance-cost-pool-create"),
    path(P + "savings/new/", views.savings_create, name="savings-create"),
    path(P + "gain-share/", views.gain_share_edit, name="finance-gain-share"),
    path(P + "gain-share/bands/new/", views.gain_share_band_add, name="finance-band-add"),
    path(P + "statements/new/", views.statement_create, name="statement-create"),
    path(P + "rebates/new/", views.rebate_scheme_create, name="rebate-create"),
    path(P + "fx/", views.fx_arrangement_edit, name="finance-fx-arrangement"),
    path(P + "fx/amounts/new/", views.fx_amount_add, name="finance-fx-amount-add"),
    path(P + "payment-terms/", views.payment_terms_edit, name="finance-payment-terms"),
    path(S, views.savings_detail, name="savings-detail"),
    path(S + "verify/", views.savings_verify, name="savings-verify"),
    path(S + "dispute/", views.savings_dispute, name="savings-dispute"),
    path(S + "resubmit/", views.savings_resubmit, name="savings-resubmit"),
    path(S + "accept/", views.savings_accept, name="savings-accept"),
    path(G, views.statement_detail, name="statement-detail"),
    path(G + "statement.pdf", views.statement_pdf, name="statement-pdf"),
    path(G + "statement.xlsx", views.statement_xlsx, name="statement-xlsx"),
    path(G + "issue/", views.statement_issue, name="statement-issue"),
    path(G + "paid/", views.statement_paid, name="statement-paid"),
    path(C + "edit/", views.cost_pool_edit, name="finance-cost-pool-edit"),
    path(C + "delete/", views.cost_pool_delete, name="finance-cost-pool-delete"),
    path(B + "edit/", views.gain_share_band_edit, name="finance-band-edit"),
    path(B + "remove/", views.gain_share_band_remove, name="finance-band-remove"),
    path(R, views.rebate_detail, name="rebate-detail"),
    path(R + "edit/", views.rebate_scheme_edit, name="rebate-edit"),
    path(R + "delete/", views.rebate_scheme_delete, name="rebate-delete"),
    path(R + "tiers/new/", views.rebate_tier_add, name="rebate-tier-add"),
    path(R + "tiers/<int:rebate_tier_id>/edit/", views.rebate_tier_edit, name="rebate-tier-edit"),
    path(
        R + "tiers/<int:rebate_tier_id>/remove/",
        views.rebate_tier_remove,
        name="rebate-tier-remove",
    ),
    path(R + "volumes/new/", views.rebate_volume_add, name="rebate-volume-add"),
    path(
        R + "volumes/<int:volume_entry_id>/edit/",
        views.rebate_volume_edit,
        name="rebate-volume-edit",
    ),
    path(
        R + "volumes/<int:volume_entry_id>/remove/",
        views.rebate_volume_remove,
        name="rebate-volume-remove",
    ),
    path(R + "rebate.xlsx", views.rebate_xlsx, name="rebate-xlsx"),
    path(
        R + "volumes/from-invoices/",
        views.rebate_volumes_from_invoices,
        name="rebate-volumes-from-invoices",
    ),
]
