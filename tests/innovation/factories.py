"""Factories of the innovation models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from innovation.models import (
    CriterionScore,
    EvaluationCriterion,
    ImprovementInitiative,
    KnowledgeSession,
    Party,
    Pilot,
    PilotCriterion,
    SessionAttendee,
    SessionMaterial,
    SourcingModel,
    SupplierInvestment,
    SupplierProgramme,
    SupplierTargetKpi,
    TaskForce,
    TaskForceMember,
    TaskForceMilestone,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory

D = datetime.date


class ImprovementInitiativeFactory(TenantFactory):
    class Meta:
        model = ImprovementInitiative

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    problem = "Freight is booked by e-mail."
    proposal = "A shared booking portal."
    impact = 4
    effort = 2


class EvaluationCriterionFactory(TenantFactory):
    class Meta:
        model = EvaluationCriterion

    initiative = same_organization(ImprovementInitiativeFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("50")


class CriterionScoreFactory(TenantFactory):
    class Meta:
        model = CriterionScore

    criterion = same_organization(EvaluationCriterionFactory)
    party = Party.BUYER
    score = 4


class PilotFactory(TenantFactory):
    class Meta:
        model = Pilot

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Pilot {n}")
    technology = "AI spend analytics"
    starts_on = D(2030, 1, 1)
    ends_on = D(2030, 3, 31)


class PilotCriterionFactory(TenantFactory):
    class Meta:
        model = PilotCriterion

    pilot = same_organization(PilotFactory)
    kpi = same_organization(KpiFactory, partnership=factory.SelfAttribute("..pilot.partnership"))
    target = Decimal("95")


class SourcingModelFactory(TenantFactory):
    class Meta:
        model = SourcingModel

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Consortium {n}")
    participants = ["Alder GmbH", "Birch plc"]
    categories = ["Freight"]


class TaskForceFactory(TenantFactory):
    class Meta:
        model = TaskForce

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Task force {n}")
    category = "Rare-earth magnets"
    mandate = "Secure a second source."


class TaskForceMemberFactory(TenantFactory):
    class Meta:
        model = TaskForceMember

    task_force = same_organization(TaskForceFactory)
    name = factory.Sequence(lambda n: f"Member {n}")
    party = Party.BUYER


class TaskForceMilestoneFactory(TenantFactory):
    class Meta:
        model = TaskForceMilestone

    task_force = same_organization(TaskForceFactory)
    title = "Shortlist of sources"
    due_on = D(2030, 6, 30)


class KnowledgeSessionFactory(TenantFactory):
    class Meta:
        model = KnowledgeSession

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Category session {n}")
    held_on = D(2030, 2, 1)
    agenda = "Should-cost models"


class SessionAttendeeFactory(TenantFactory):
    class Meta:
        model = SessionAttendee

    session = same_organization(KnowledgeSessionFactory)
    name = factory.Sequence(lambda n: f"Attendee {n}")
    party = Party.PARTNER


class SessionMaterialFactory(TenantFactory):
    class Meta:
        model = SessionMaterial

    session = same_organization(KnowledgeSessionFactory)
    title = "Slides"
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 slides", name="slides.pdf"))


class SupplierProgrammeFactory(TenantFactory):
    class Meta:
        model = SupplierProgramme

    partnership = same_organization(PartnershipFactory)
    supplier_name = "Cedar Castings"
    title = factory.Sequence(lambda n: f"Quality programme {n}")


class SupplierInvestmentFactory(TenantFactory):
    class Meta:
        model = SupplierInvestment

    programme = same_organization(SupplierProgrammeFactory)
    party = Party.BUYER
    description = "Metrology training"
    amount = Decimal("12000.00")
    invested_on = D(2030, 1, 15)


class SupplierTargetKpiFactory(TenantFactory):
    class Meta:
        model = SupplierTargetKpi

    programme = same_organization(SupplierProgrammeFactory)
    kpi = same_organization(
        KpiFactory, partnership=factory.SelfAttribute("..programme.partnership")
    )
    baseline = Decimal("850")
    target = Decimal("200")
