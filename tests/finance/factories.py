"""Factories of the finance models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory

from finance.models import (
    CostPool,
    FxArrangement,
    FxInvoiceAmount,
    FxRate,
    GainShareBand,
    GainShareScheme,
    GainShareStatement,
    Party,
    PaymentTerms,
    RebateScheme,
    RebateTier,
    SavingsEntry,
    VolumeEntry,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory

D = datetime.date


class CostPoolFactory(TenantFactory):
    class Meta:
        model = CostPool

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Joint engineering cell ({n})")
    period_start = D(2030, 1, 1)
    amount = Decimal("10000.00")
    buyer_driver = Decimal("60")
    partner_driver = Decimal("40")


class SavingsEntryFactory(TenantFactory):
    class Meta:
        model = SavingsEntry

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Casting redesign ({n})")
    period_start = D(2030, 1, 1)
    baseline_price = Decimal("10")
    actual_price = Decimal("9")
    volume = Decimal("1000")
    gross_amount = Decimal("1000.00")
    net_amount = Decimal("1000.00")
    claimed_by_party = Party.BUYER


class GainShareSchemeFactory(TenantFactory):
    class Meta:
        model = GainShareScheme

    partnership = same_organization(PartnershipFactory)


class GainShareBandFactory(TenantFactory):
    class Meta:
        model = GainShareBand

    scheme = same_organization(GainShareSchemeFactory)
    lower = Decimal("0")
    partner_share = Decimal("50")


class GainShareStatementFactory(TenantFactory):
    class Meta:
        model = GainShareStatement

    partnership = same_organization(PartnershipFactory)
    period_start = D(2030, 1, 1)
    period_end = D(2030, 3, 1)
    verified_savings = Decimal("1000.00")
    base_share = Decimal("500.00")
    adjustment = Decimal("0.00")
    payout = Decimal("500.00")
    status = GainShareStatement.Status.ISSUED


class RebateSchemeFactory(TenantFactory):
    class Meta:
        model = RebateScheme

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Bearing volume rebate ({n})")
    year_start = D(2030, 1, 1)


class RebateTierFactory(TenantFactory):
    class Meta:
        model = RebateTier

    scheme = same_organization(RebateSchemeFactory)
    from_volume = Decimal("0")
    unit_price = Decimal("10")


class VolumeEntryFactory(TenantFactory):
    class Meta:
        model = VolumeEntry

    scheme = same_organization(RebateSchemeFactory)
    period_start = D(2030, 1, 1)
    volume = Decimal("100")


class FxRateFactory(TenantFactory):
    class Meta:
        model = FxRate

    currency = "USD"
    quote_currency = "EUR"
    period_start = factory.Sequence(lambda n: D(2000 + n % 100, 1 + n % 12, 1))
    rate = Decimal("0.92")


class FxArrangementFactory(TenantFactory):
    class Meta:
        model = FxArrangement

    partnership = same_organization(PartnershipFactory)
    contract_currency = "EUR"
    invoice_currency = "USD"
    base_rate = Decimal("0.9")


class FxInvoiceAmountFactory(TenantFactory):
    class Meta:
        model = FxInvoiceAmount

    arrangement = same_organization(FxArrangementFactory)
    period_start = D(2030, 1, 1)
    amount = Decimal("100000")


class PaymentTermsFactory(TenantFactory):
    class Meta:
        model = PaymentTerms

    partnership = same_organization(PartnershipFactory)
    annual_spend = Decimal("1000000.00")
