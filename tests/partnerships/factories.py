import datetime
from decimal import Decimal

import factory

from partnerships.models import (
    CandidateScore,
    DueDiligenceItem,
    Exclusivity,
    JointIp,
    JointObjective,
    OnboardingEscalation,
    OnboardingMilestone,
    Partner,
    PartnerCertification,
    PartnerContact,
    PartnerFinancials,
    Partnership,
    PartnershipUserObjectPermission,
    SelectionCriterion,
    SourcingCandidate,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
    TcoEstimate,
)
from tests.factories import TenantFactory, same_organization


class PartnerFactory(TenantFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    country = "DE"
    tier = Partner.Tier.STRATEGIC


class PartnershipFactory(TenantFactory):
    class Meta:
        model = Partnership

    partner = same_organization(PartnerFactory)
    name = factory.Sequence(lambda n: f"Partnership {n}")
    code = factory.Sequence(lambda n: f"P-{n}")
    status = Partnership.Status.ACTIVE


class PartnershipUserObjectPermissionFactory(TenantFactory):
    class Meta:
        model = PartnershipUserObjectPermission

    content_object = same_organization(PartnershipFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    permission = factory.LazyFunction(
        lambda: __import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.get(codename="view_partnership")
    )


class PartnerContactFactory(TenantFactory):
    class Meta:
        model = PartnerContact

    partner = same_organization(PartnerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = "Account manager"


class PartnerFinancialsFactory(TenantFactory):
    class Meta:
        model = PartnerFinancials

    partner = same_organization(PartnerFactory)
    year = factory.Sequence(lambda n: 2000 + n % 100)
    revenue = Decimal("1000000.00")
    margin_percent = Decimal("8.50")
    current_ratio = Decimal("1.50")
    debt_ratio = Decimal("0.40")


class PartnerCertificationFactory(TenantFactory):
    class Meta:
        model = PartnerCertification

    partner = same_organization(PartnerFactory)
    name = "ISO 9001"
    valid_until = datetime.date(2030, 1, 1)


class SubTierLinkFactory(TenantFactory):
    class Meta:
        model = SubTierLink

    partner = same_organization(PartnerFactory)
    supplier = same_organization(PartnerFactory)
    supplies = "Castings"


class DueDiligenceItemFactory(TenantFactory):
    class Meta:
        model = DueDiligenceItem

    partnership = same_organization(PartnershipFactory, status=Partnership.Status.DUE_DILIGENCE)
    area = DueDiligenceItem.Area.SANCTIONS
    title = factory.Sequence(lambda n: f"Check {n}")
    mandatory = True
    evidence = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 evidence")


class SourcingCaseFactory(TenantFactory):
    class Meta:
        model = SourcingCase

    title = factory.Sequence(lambda n: f"Need {n}")
    category = "Battery modules"
    horizon_years = 5
    discount_rate = Decimal("8.00")


class SourcingCandidateFactory(TenantFactory):
    class Meta:
        model = SourcingCandidate

    case = same_organization(SourcingCaseFactory)
    partner = same_organization(PartnerFactory)
    risk_score = 40


class TcoEstimateFactory(TenantFactory):
    class Meta:
        model = TcoEstimate

    case = same_organization(SourcingCaseFactory)
    model = SourcingCase.Model.TRANSACTIONAL
    operating_cost = Decimal("1000.00")


class SelectionCriterionFactory(TenantFactory):
    class Meta:
        model = SelectionCriterion

    case = same_organization(SourcingCaseFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("100")


class CandidateScoreFactory(TenantFactory):
    class Meta:
        model = CandidateScore

    candidate = same_organization(SourcingCandidateFactory)
    criterion = factory.SubFactory(
        SelectionCriterionFactory,
        organization=factory.SelfAttribute("..organization"),
        case=factory.SelfAttribute("..candidate.case"),
    )
    score = 3


class StakeholderFactory(TenantFactory):
    class Meta:
        model = Stakeholder

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Stakeholder {n}")
    function = Stakeholder.Function.PROCUREMENT


class StakeholderObjectiveFactory(TenantFactory):
    class Meta:
        model = StakeholderObjective

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")


class JointObjectiveFactory(TenantFactory):
    class Meta:
        model = JointObjective

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Joint objective {n}")


class ExclusivityFactory(TenantFactory):
    class Meta:
        model = Exclusivity

    partnership = same_organization(PartnershipFactory)
    categories = factory.LazyFunction(lambda: ["Packaging"])
    regions = factory.LazyFunction(lambda: ["EU"])
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2027, 12, 31)


class JointIpFactory(TenantFactory):
    class Meta:
        model = JointIp

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Design {n}")
    kind = JointIp.Kind.FOREGROUND
    owner = JointIp.Owner.JOINT


class OnboardingMilestoneFactory(TenantFactory):
    class Meta:
        model = OnboardingMilestone

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = datetime.date(2026, 1, 15)


class OnboardingEscalationFactory(TenantFactory):
    class Meta:
        model = OnboardingEscalation

    partnership = same_organization(PartnershipFactory)
    source = OnboardingEscalation.Source.FINDING
    summary = factory.Sequence(lambda n: f"Escalation {n}")
    owner = factory.SubFactory("tests.tenancy.factories.UserFactory")
    deadline = datetime.date(2026, 2, 1)
