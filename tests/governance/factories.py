"""Factories of the governance models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory

from governance.models import (
    ChangeRequest,
    ChangeRequestApprover,
    Committee,
    CommitteeMember,
    CrisisContact,
    CrisisLogEntry,
    CrisisProtocol,
    DecisionRightRule,
    Disclosure,
    Escalation,
    EscalationContact,
    EscalationLevel,
    EscalationStep,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingDecision,
    MinutesPdf,
    Party,
    RaciActivity,
    RaciAssignment,
    SlaChange,
    Vote,
)
from risk.models import ComplianceOfficer
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import SlaFactory


class ChangeRequestFactory(TenantFactory):
    """A draft change request; the number is unique per organization (the service allocates it
    under a lock, the factory from a sequence)."""

    class Meta:
        model = ChangeRequest

    partnership = same_organization(PartnershipFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Extend the service desk to Saturdays ({n})")
    description = "Cover Saturday shifts at the Lyon plant."
    category = ChangeRequest.Category.SCOPE
    cost_impact = Decimal("12500.00")
    currency = "EUR"
    schedule_impact_days = 14
    decision_due = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 31, 17, 0, tzinfo=datetime.UTC)
    )


class ChangeRequestApproverFactory(TenantFactory):
    class Meta:
        model = ChangeRequestApprover

    change_request = same_organization(ChangeRequestFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = ChangeRequestApprover.Party.CUSTOMER


class CommitteeFactory(TenantFactory):
    class Meta:
        model = Committee

    partnership = same_organization(PartnershipFactory)
    name = "Joint steering committee"


class CommitteeMemberFactory(TenantFactory):
    class Meta:
        model = CommitteeMember

    committee = same_organization(CommitteeFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = Party.CUSTOMER
    role = CommitteeMember.Role.MEMBER
    term_start = datetime.date(2020, 1, 1)  # open-ended: sits on any day the tests use


class MeetingFactory(TenantFactory):
    class Meta:
        model = Meeting

    committee = same_organization(CommitteeFactory)
    title = factory.Sequence(lambda n: f"Steering committee {n}")
    starts_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )
    agenda = "Review of the quarter\nOpen change requests"


class MinutesPdfFactory(TenantFactory):
    """A finished minutes PDF job (of approved minutes), so its download answers."""

    class Meta:
        model = MinutesPdf

    meeting = same_organization(MeetingFactory)
    status = "succeeded"
    progress = 100
    minutes_status = "approved"
    file = factory.django.FileField(filename="minutes.pdf", data=b"%PDF-1.4 minutes")


class MeetingAttendanceFactory(TenantFactory):
    class Meta:
        model = MeetingAttendance

    meeting = same_organization(MeetingFactory)
    member = factory.SubFactory(
        CommitteeMemberFactory,
        organization=factory.SelfAttribute("..organization"),
        committee=factory.SelfAttribute("..meeting.committee"),
    )


class MeetingDecisionFactory(TenantFactory):
    class Meta:
        model = MeetingDecision

    meeting = same_organization(MeetingFactory)
    title = "Approve the Q3 capacity plan"
    outcome = MeetingDecision.Outcome.CARRIED
    recorded_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 2, 1, 10, 0, tzinfo=datetime.UTC)
    )


class VoteFactory(TenantFactory):
    class Meta:
        model = Vote

    decision = same_organization(MeetingDecisionFactory)
    member = factory.SubFactory(
        CommitteeMemberFactory,
        organization=factory.SelfAttribute("..organization"),
        committee=factory.SelfAttribute("..decision.meeting.committee"),
    )
    choice = Vote.Choice.FOR


class MeetingActionFactory(TenantFactory):
    class Meta:
        model = MeetingAction

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Send the capacity plan ({n})")
    owner = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = Party.CUSTOMER
    due_date = datetime.date(2030, 2, 15)


class RaciActivityFactory(TenantFactory):
    class Meta:
        model = RaciActivity

    partnership = same_organization(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Sourcing decisions {n}")


class RaciAssignmentFactory(TenantFactory):
    class Meta:
        model = RaciAssignment

    activity = same_organization(RaciActivityFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = Party.CUSTOMER
    letter = RaciAssignment.Letter.RESPONSIBLE


class DecisionRightRuleFactory(TenantFactory):
    class Meta:
        model = DecisionRightRule

    name = "Budget change above 50,000"
    measure = DecisionRightRule.Measure.BUDGET_AMOUNT
    threshold = Decimal("50000.00")
    approvers = DecisionRightRule.Approvers.EXECUTIVE_SPONSORS


class EscalationLevelFactory(TenantFactory):
    class Meta:
        model = EscalationLevel

    partnership = same_organization(PartnershipFactory)
    rank = factory.Sequence(lambda n: n + 1)
    tier = EscalationLevel.Tier.WORKING_TEAM
    response_days = 5


class EscalationContactFactory(TenantFactory):
    class Meta:
        model = EscalationContact

    level = same_organization(EscalationLevelFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")


class EscalationFactory(TenantFactory):
    class Meta:
        model = Escalation

    partnership = same_organization(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Late deliveries at Lyon ({n})")
    level_due_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 2, 10, 9, 0, tzinfo=datetime.UTC)
    )
    opened_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )


class EscalationStepFactory(TenantFactory):
    class Meta:
        model = EscalationStep

    escalation = same_organization(EscalationFactory)
    rank = 1
    reached_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )


class DisclosureFactory(TenantFactory):
    class Meta:
        model = Disclosure

    partnership = same_organization(PartnershipFactory)
    party = Party.PARTNER
    data_type = Disclosure.DataType.COST_BREAKDOWN
    next_due_on = datetime.date(2030, 3, 31)


class CrisisProtocolFactory(TenantFactory):
    class Meta:
        model = CrisisProtocol

    partnership = same_organization(PartnershipFactory)
    media_steps = "Hold statement within 2 hours\nJoint statement after legal review"


class CrisisContactFactory(TenantFactory):
    class Meta:
        model = CrisisContact

    protocol = same_organization(CrisisProtocolFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = Party.CUSTOMER
    responsibility = "Calls the plant managers"


class CrisisLogEntryFactory(TenantFactory):
    class Meta:
        model = CrisisLogEntry

    partnership = same_organization(PartnershipFactory)
    occurred_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 5, 8, 0, tzinfo=datetime.UTC)
    )
    created_at = factory.LazyFunction(
        lambda: datetime.datetime(2030, 1, 5, 9, 0, tzinfo=datetime.UTC)
    )
    title = "Fire at the Lyon warehouse"


class ComplianceOfficerFactory(TenantFactory):
    """The risk module's compliance officer (governance appoints them; the model is risk's)."""

    class Meta:
        model = ComplianceOfficer

    partnership = same_organization(PartnershipFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    party = Party.CUSTOMER
    framework = "anti_bribery"


class SlaChangeFactory(TenantFactory):
    """New terms of an SLA proposed by a (service-level) change request."""

    class Meta:
        model = SlaChange

    change_request = same_organization(
        ChangeRequestFactory, category=ChangeRequest.Category.SERVICE_LEVEL
    )
    sla = same_organization(
        SlaFactory, kpi__partnership=factory.SelfAttribute("...change_request.partnership")
    )
    effective_from = datetime.date(2030, 2, 1)
    target = Decimal("99")
    breach_threshold = Decimal("96")
    tiers = factory.LazyFunction(lambda: [{"threshold": "96", "percent_of_fee": "5"}])
