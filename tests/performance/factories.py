"""Factories of every performance model (the isolation suite finds them by model)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from performance.models import (
    ActionItem,
    CorrectiveAction,
    HealthSurveyResponse,
    Kpi,
    KpiTemplate,
    Measurement,
    MeasurementImport,
    Qbr,
    QbrAttendee,
    RootCauseAnalysis,
    Scorecard,
    ScorecardAppeal,
    ScorecardReport,
    Sla,
    SlaBreach,
    SlaCreditTier,
    SlaVersion,
    StandingBand,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import UserFactory

# The tests' clock, passed to every rule that takes `today=`: later than any period they record.
TODAY = date(2027, 6, 15)


class KpiTemplateFactory(TenantFactory):
    class Meta:
        model = KpiTemplate

    code = factory.Sequence(lambda n: f"tpl_{n}")
    name = factory.Sequence(lambda n: f"Template KPI {n}")
    perspective = "operational"
    unit = "%"
    direction = "higher_is_better"
    target = Decimal("98")
    red_threshold = Decimal("90")


class KpiFactory(TenantFactory):
    class Meta:
        model = Kpi

    partnership = same_organization(PartnershipFactory)
    code = factory.Sequence(lambda n: f"kpi_{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    perspective = "operational"
    unit = "%"
    direction = "higher_is_better"
    target = Decimal("98")
    red_threshold = Decimal("90")
    weight = Decimal("1")


class MeasurementFactory(TenantFactory):
    class Meta:
        model = Measurement

    kpi = same_organization(KpiFactory)
    partnership = factory.SelfAttribute("kpi.partnership")
    period_start = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))
    value = Decimal("95")


class SlaFactory(TenantFactory):
    class Meta:
        model = Sla

    kpi = same_organization(KpiFactory)
    partnership = factory.SelfAttribute("kpi.partnership")
    name = factory.Sequence(lambda n: f"SLA {n}")
    target = Decimal("98")
    breach_threshold = Decimal("95")
    period_fee = Decimal("10000.00")


class SlaCreditTierFactory(TenantFactory):
    class Meta:
        model = SlaCreditTier

    sla = same_organization(SlaFactory)
    threshold = factory.Sequence(lambda n: Decimal(90 - n % 80))
    percent_of_fee = Decimal("5")


class SlaVersionFactory(TenantFactory):
    """A later version of an SLA's terms (stricter: breach at 96)."""

    class Meta:
        model = SlaVersion

    sla = same_organization(SlaFactory)
    effective_from = factory.Sequence(lambda n: date(2030 + n // 12, n % 12 + 1, 1))
    target = Decimal("99")
    breach_threshold = Decimal("96")
    period_fee = Decimal("10000.00")
    tiers = factory.LazyFunction(lambda: [{"threshold": "96", "percent_of_fee": "5"}])


class SlaBreachFactory(TenantFactory):
    class Meta:
        model = SlaBreach

    sla = same_organization(SlaFactory)
    partnership = factory.SelfAttribute("sla.partnership")
    period_start = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))
    measured_value = Decimal("93")
    breach_threshold = Decimal("95")
    service_credit = Decimal("500.00")


class StandingBandFactory(TenantFactory):
    class Meta:
        model = StandingBand

    name = factory.Sequence(lambda n: f"Band {n}")
    min_score = Decimal("0")
    max_score = Decimal("100")


class ScorecardFactory(TenantFactory):
    class Meta:
        model = Scorecard

    partnership = same_organization(PartnershipFactory)
    period_start = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))
    total = Decimal("80.00")


class ScorecardAppealFactory(TenantFactory):
    class Meta:
        model = ScorecardAppeal

    scorecard = same_organization(ScorecardFactory)
    partnership = factory.SelfAttribute("scorecard.partnership")
    criterion_code = "otd_pct"
    comment = "The March figure excludes the strike days."


class HealthSurveyResponseFactory(TenantFactory):
    class Meta:
        model = HealthSurveyResponse

    partnership = same_organization(PartnershipFactory)
    period_start = date(2025, 1, 1)
    side = "buyer"
    respondent = factory.SubFactory(UserFactory)
    collaboration = 4
    communication = 3
    cultural_alignment = 5


class ScorecardReportFactory(TenantFactory):
    class Meta:
        model = ScorecardReport

    partnership = same_organization(PartnershipFactory)
    period_start = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))
    status = "done"
    progress = 100
    file = factory.django.FileField(filename="scorecard.pdf", data=b"%PDF-1.4 factory")


class MeasurementImportFactory(TenantFactory):
    class Meta:
        model = MeasurementImport

    partnership = same_organization(PartnershipFactory)
    file = factory.django.FileField(filename="figures.csv", data=b"kpi_code,period,value\n")
    filename = "figures.csv"
    size = 22


class QbrFactory(TenantFactory):
    class Meta:
        model = Qbr

    partnership = same_organization(PartnershipFactory)
    quarter_start = factory.Sequence(lambda n: date(2020 + n // 4, (n % 4) * 3 + 1, 1))
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))


class QbrAttendeeFactory(TenantFactory):
    class Meta:
        model = QbrAttendee

    qbr = same_organization(QbrFactory)
    user = factory.SubFactory(UserFactory)


class ActionItemFactory(TenantFactory):
    class Meta:
        model = ActionItem

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    due_date = factory.LazyFunction(lambda: timezone.now().date() + timedelta(days=14))


class RootCauseAnalysisFactory(TenantFactory):
    class Meta:
        model = RootCauseAnalysis

    partnership = same_organization(PartnershipFactory)
    problem = "Late deliveries in the northern plant."


class CorrectiveActionFactory(TenantFactory):
    class Meta:
        model = CorrectiveAction

    rca = same_organization(RootCauseAnalysisFactory)
    partnership = factory.SelfAttribute("rca.partnership")
    description = "Add a second carrier for the northern lane."
    due_date = factory.LazyFunction(lambda: timezone.now().date() + timedelta(days=30))
