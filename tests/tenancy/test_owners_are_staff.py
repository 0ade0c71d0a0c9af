"""An owner, reviewer or sponsor is one of the organization's own active staff, whoever calls
the service (`tenancy.services.require_staff`): never a partner guest (the supplier's employee,
who would be told of the buyer's risks and obligations), never someone who has left, never
another organization's member. The pages' pickers and the API's StaffField offer only staff;
these tests call the services directly, as a job, an import or a future page would.

On an edit only a person who changes is checked: a record whose owner has since left keeps
them when something else is edited, as its edit page keeps showing them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Agreement
from contracts.services import agreements as agreement_services
from contracts.services import obligations as obligation_services
from exit_planning import services as exit_services
from exit_planning.models import ExitPlan
from integrations import services as integration_services
from partnerships import services as partnership_services
from partnerships.models import Partnership, Stakeholder
from performance import services as performance_services
from risk import services as risk_services
from tenancy.context import tenant_scope
from tenancy.models import Membership, Role
from tenancy.services import require_staff
from tests.contracts.factories import AgreementFactory, ObligationFactory
from tests.exit_planning.factories import ExitPlanFactory, WindDownTaskFactory
from tests.integrations.factories import ConnectorFactory
from tests.partnerships.factories import (
    DueDiligenceItemFactory,
    PartnerFactory,
    PartnershipFactory,
    SourcingCaseFactory,
    StakeholderFactory,
)
from tests.performance.factories import KpiFactory, RootCauseAnalysisFactory, SlaFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
REFUSED = "is not one of this organization's active staff; choose a colleague."


@pytest.fixture
def people(org_a, org_b, make_member):
    """Who a service may be handed: staff, a partner guest, a leaver, another organization's."""
    staff = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Sam Staff")
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    left = make_member(org_a, Role.LEGAL, full_name="Lou Left")
    Membership.objects.filter(user=left).update(is_active=False)
    other = make_member(org_b, Role.ORG_ADMIN, full_name="Otto Other")
    return {"staff": staff, "guest": guest, "left": left, "other": other}


# Each create: (the field, a call that creates with `person` in it).
CREATES = {
    "partnership owner": (
        "owner",
        lambda org, actor, person: partnership_services.partnership_create(
            actor=actor, partner=PartnerFactory(organization=org), name="Alder", code="ALD",
            owner=person,
        ),
    ),
    "partnership sponsor": (
        "executive_sponsor",
        lambda org, actor, person: partnership_services.partnership_create(
            actor=actor, partner=PartnerFactory(organization=org), name="Alder", code="ALD",
            executive_sponsor=person,
        ),
    ),
    "due-diligence reviewer": (
        "reviewer",
        lambda org, actor, person: partnership_services.due_diligence_item_create(
            partnership=PartnershipFactory(organization=org), actor=actor, area="sanctions",
            title="Screen the owners", reviewer=person,
        ),
    ),
    "sourcing owner": (
        "owner",
        lambda org, actor, person: partnership_services.sourcing_case_create(
            actor=actor, title="Castings", owner=person
        ),
    ),
    "stakeholder user": (
        "user",
        lambda org, actor, person: partnership_services.record_create(
            model=Stakeholder, actor=actor, partnership=PartnershipFactory(organization=org),
            name="Category lead", function=Stakeholder.Function.PROCUREMENT, user=person,
        ),
    ),
    "agreement owner": (
        "owner",
        lambda org, actor, person: agreement_services.agreement_create(
            actor=actor, partnership=PartnershipFactory(organization=org), title="MSA",
            owner=person,
        ),
    ),
    "obligation owner": (
        "owner",
        lambda org, actor, person: obligation_services.obligation_create(
            actor=actor, agreement=AgreementFactory(organization=org), title="Report",
            owner=person,
        ),
    ),
    "risk owner": (
        "owner",
        lambda org, actor, person: risk_services.risk_create(
            actor=actor, partnership=PartnershipFactory(organization=org), today=TODAY,
            title="Single-sourced castings", category="supply_continuity",
            inherent_likelihood=4, inherent_impact=5, owner=person,
        ),
    ),
    "mitigation owner": (
        "owner",
        lambda org, actor, person: risk_services.mitigation_add(
            risk=RiskFactory(organization=org), actor=actor, action="Qualify a second foundry",
            due_on=TODAY + timedelta(days=30), owner=person,
        ),
    ),
    "compliance requirement owner": (
        "owner",
        lambda org, actor, person: risk_services.compliance_requirement_create(
            actor=actor, partnership=PartnershipFactory(organization=org), framework="gdpr",
            jurisdiction="EU", title="Data processing agreement", due_on=TODAY, owner=person,
        ),
    ),
    "corrective action owner": (
        "owner",
        lambda org, actor, person: performance_services.capa_add(
            rca=RootCauseAnalysisFactory(organization=org), actor=actor,
            description="Book slots", due_date=TODAY, owner=person,
        ),
    ),
    "exit plan owner": (
        "owner",
        lambda org, actor, person: exit_services.exit_plan_create(
            actor=actor, partnership=PartnershipFactory(organization=org), owner=person
        ),
    ),
    "connector owner": (
        "owner",
        lambda org, actor, person: integration_services.connector_create(
            partnership=PartnershipFactory(organization=org), actor=actor, name="Feed",
            method="edifact", partner_identifiers=["5412345000013"], owner=person,
        ),
    ),
    "forecast owner": (
        "owner",
        lambda org, actor, person: integration_services.forecast_create(
            partnership=PartnershipFactory(organization=org), title="Bearings", actor=actor,
            owner=person,
        ),
    ),
    "stock policy owner": (
        "owner",
        lambda org, actor, person: integration_services.stock_policy_set(
            partnership=PartnershipFactory(organization=org), item="MAT-1", safety_stock="5",
            reorder_point="10", actor=actor, owner=person,
        ),
    ),
    "KPI owner": (
        "owner",
        lambda org, actor, person: performance_services.kpi_create(
            actor=actor, partnership=PartnershipFactory(organization=org), code="otd_pct",
            name="On-time delivery", perspective="operational", unit="%",
            direction="higher_is_better", target=Decimal("98"), red_threshold=Decimal("90"),
            owner=person,
        ),
    ),
    "SLA owner": (
        "owner",
        lambda org, actor, person: performance_services.sla_create(
            actor=actor, partnership=(kpi := KpiFactory(organization=org)).partnership, kpi=kpi,
            name="Delivery SLA", target=Decimal("98"), breach_threshold=Decimal("95"),
            owner=person,
        ),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CREATES))
@pytest.mark.parametrize("who", ["guest", "left", "other"])
def test_nobody_but_staff_is_named_when_a_record_is_created(case, who, org_a, people):
    field, create = CREATES[case]
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        create(org_a, people["staff"], people[who])
    assert refused.value.message_dict == {field: [f"{people[who]} {REFUSED}"]}


@pytest.mark.parametrize("case", sorted(CREATES))
def test_staff_are_named_when_a_record_is_created(case, org_a, people):
    field, create = CREATES[case]
    with tenant_scope(org_a):
        record = create(org_a, people["staff"], people["staff"])
        record.refresh_from_db()
    assert getattr(record, field) == people["staff"]


# Each edit: (the field, a record whose `field` is `person`, an edit that names `person`, an
# edit of something else).
def _partnership(org, person, field="owner"):
    return PartnershipFactory(organization=org, **{field: person})


EDITS = {
    "partnership owner": (
        "owner",
        lambda org, person: _partnership(org, person),
        lambda record, actor, person: partnership_services.partnership_update(
            partnership=record, actor=actor, owner=person
        ),
        lambda record, actor: partnership_services.partnership_update(
            partnership=record, actor=actor, name="Renamed"
        ),
    ),
    "partnership sponsor": (
        "executive_sponsor",
        lambda org, person: _partnership(org, person, "executive_sponsor"),
        lambda record, actor, person: partnership_services.partnership_update(
            partnership=record, actor=actor, executive_sponsor=person
        ),
        lambda record, actor: partnership_services.partnership_update(
            partnership=record, actor=actor, name="Renamed"
        ),
    ),
    "due-diligence reviewer": (
        "reviewer",
        lambda org, person: DueDiligenceItemFactory(organization=org, reviewer=person),
        lambda record, actor, person: partnership_services.due_diligence_item_update(
            item=record, actor=actor, now=NOW, reviewer=person
        ),
        lambda record, actor: partnership_services.due_diligence_item_update(
            item=record, actor=actor, now=NOW, title="Renamed"
        ),
    ),
    "sourcing owner": (
        "owner",
        lambda org, person: SourcingCaseFactory(organization=org, owner=person),
        lambda record, actor, person: partnership_services.sourcing_case_update(
            case=record, actor=actor, owner=person
        ),
        lambda record, actor: partnership_services.sourcing_case_update(
            case=record, actor=actor, title="Renamed"
        ),
    ),
    "stakeholder user": (
        "user",
        lambda org, person: StakeholderFactory(organization=org, user=person),
        lambda record, actor, person: partnership_services.record_update(
            record=record, actor=actor, user=person
        ),
        lambda record, actor: partnership_services.record_update(
            record=record, actor=actor, name="Renamed"
        ),
    ),
    "agreement owner": (
        "owner",
        lambda org, person: AgreementFactory(organization=org, owner=person),
        lambda record, actor, person: agreement_services.agreement_update(
            agreement=record, actor=actor, owner=person
        ),
        lambda record, actor: agreement_services.agreement_update(
            agreement=record, actor=actor, title="Renamed"
        ),
    ),
    "obligation owner": (
        "owner",
        lambda org, person: ObligationFactory(organization=org, owner=person),
        lambda record, actor, person: obligation_services.obligation_update(
            obligation=record, actor=actor, owner=person
        ),
        lambda record, actor: obligation_services.obligation_update(
            obligation=record, actor=actor, title="Renamed"
        ),
    ),
    "risk owner": (
        "owner",
        lambda org, person: RiskFactory(organization=org, owner=person),
        lambda record, actor, person: risk_services.risk_update(
            risk=record, actor=actor, today=TODAY, owner=person
        ),
        lambda record, actor: risk_services.risk_update(
            risk=record, actor=actor, today=TODAY, title="Renamed"
        ),
    ),
    "KPI owner": (
        "owner",
        lambda org, person: KpiFactory(organization=org, owner=person),
        lambda record, actor, person: performance_services.kpi_update(
            kpi=record, actor=actor, owner=person
        ),
        lambda record, actor: performance_services.kpi_update(
            kpi=record, actor=actor, name="Renamed"
        ),
    ),
    "SLA owner": (
        "owner",
        lambda org, person: SlaFactory(organization=org, owner=person),
        lambda record, actor, person: performance_services.sla_update(
            sla=record, actor=actor, owner=person
        ),
        lambda record, actor: performance_services.sla_update(
            sla=record, actor=actor, name="Renamed"
        ),
    ),
    "exit plan owner": (
        "owner",
        lambda org, person: ExitPlanFactory(organization=org, owner=person),
        lambda record, actor, person: exit_services.exit_plan_update(
            plan=record, actor=actor, owner=person
        ),
        lambda record, actor: exit_services.exit_plan_update(
            plan=record, actor=actor, lead_time_months=7
        ),
    ),
    "wind-down task owner": (
        "owner",
        lambda org, person: WindDownTaskFactory(organization=org, owner=person),
        lambda record, actor, person: exit_services.wind_down_task_update(
            task=record, actor=actor, start_on=record.start_on, due_on=record.due_on,
            owner=person,
        ),
        lambda record, actor: exit_services.wind_down_task_update(
            task=record, actor=actor, start_on=record.start_on,
            due_on=record.due_on + timedelta(days=1),
        ),
    ),
    "connector owner": (
        "owner",
        lambda org, person: ConnectorFactory(organization=org, owner=person),
        lambda record, actor, person: integration_services.connector_update(
            connector=record, actor=actor, owner=person
        ),
        lambda record, actor: integration_services.connector_update(
            connector=record, actor=actor, name="Renamed"
        ),
    ),
    "stock policy owner": (
        "owner",
        lambda org, person: integration_services.stock_policy_set(
            partnership=PartnershipFactory(organization=org), item="MAT-1", safety_stock="5",
            reorder_point="10", actor=None, owner=person,
        ),
        lambda record, actor, person: integration_services.stock_policy_set(
            partnership=record.partnership, item=record.item, safety_stock="5",
            reorder_point="10", actor=actor, owner=person,
        ),
        lambda record, actor: integration_services.stock_policy_set(
            partnership=record.partnership, item=record.item, safety_stock="6",
            reorder_point="10", actor=actor,
        ),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(EDITS))
@pytest.mark.parametrize("who", ["guest", "left", "other"])
def test_nobody_but_staff_is_named_by_an_edit(case, who, org_a, people):
    field, make, name, _ = EDITS[case]
    with tenant_scope(org_a):
        record = make(org_a, people["staff"])
        with pytest.raises(ValidationError) as refused:
            name(record, people["staff"], people[who])
        record.refresh_from_db()
    assert refused.value.message_dict == {field: [f"{people[who]} {REFUSED}"]}
    assert getattr(record, field) == people["staff"]


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edit_hands_a_record_over_to_another_colleague(case, org_a, people, make_member):
    field, make, name, _ = EDITS[case]
    colleague = make_member(org_a, Role.FINANCE, full_name="Cleo Colleague")
    with tenant_scope(org_a):
        record = make(org_a, people["staff"])
        name(record, people["staff"], colleague)
        record.refresh_from_db()
    assert getattr(record, field) == colleague


@pytest.mark.parametrize("case", sorted(EDITS))
def test_a_person_who_left_stays_named_when_something_else_is_edited(case, org_a, people):
    field, make, _, other_edit = EDITS[case]
    with tenant_scope(org_a):
        record = make(org_a, people["staff"])
        Membership.objects.filter(user=people["staff"]).update(is_active=False)  # they left
        other_edit(record, people["left"])
        record.refresh_from_db()
        assert getattr(record, field) == people["staff"]
        # Naming them again is not "unchanged": the same person, as they were, passes.
        name_again = EDITS[case][2]
        name_again(record, people["left"], people["staff"])
        record.refresh_from_db()
    assert getattr(record, field) == people["staff"]


def test_the_check_costs_one_query_and_none_when_nobody_is_named(org_a, people):
    with tenant_scope(org_a):
        risk = RiskFactory(organization=org_a, owner=people["staff"])
        with CaptureQueriesContext(connection) as one:
            require_staff(risk, "owner")
        with CaptureQueriesContext(connection) as unchanged:
            require_staff(risk, "owner", changes={"title": ["Old", "New"]})
        risk.owner = None
        with CaptureQueriesContext(connection) as nobody:
            require_staff(risk, "owner")
    assert (len(one), len(unchanged), len(nobody)) == (1, 0, 0)


def test_a_staff_member_who_is_a_guest_elsewhere_may_own(org_a, org_b, people):
    Membership.objects.create(organization=org_b, user=people["staff"], role=Role.PARTNER_GUEST)
    with tenant_scope(org_a):
        risk = RiskFactory(organization=org_a, owner=people["staff"])
        require_staff(risk, "owner")  # no error: staff here


def test_every_refused_field_is_named_at_once(org_a, people):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        partnership_services.partnership_create(
            actor=people["staff"], partner=PartnerFactory(organization=org_a), name="Alder",
            code="ALD", owner=people["guest"], executive_sponsor=people["left"],
        )  # fmt: skip
    assert refused.value.message_dict == {
        "owner": [f"Gus Guest {REFUSED}"],
        "executive_sponsor": [f"Lou Left {REFUSED}"],
    }


def test_the_daily_exit_job_gives_a_new_plan_no_owner_when_the_partnerships_owner_left(
    org_a, people
):
    """The job copies the partnership's owner onto the plan it opens; one who left is not
    copied (the plan has no owner and the admins hear of it), and the job does not fail."""
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, owner=people["staff"], status=Partnership.Status.ACTIVE
        )
        AgreementFactory(
            partnership=partnership, status=Agreement.Status.EXECUTED,
            expiry_date=TODAY + timedelta(days=60),
        )  # fmt: skip
        Membership.objects.filter(user=people["staff"]).update(is_active=False)
        run = exit_services.exit_daily_run(today=TODAY)
        plan = ExitPlan.objects.get(partnership=partnership)
    assert run.plans_created == 1
    assert plan.owner is None


def test_the_daily_exit_job_gives_a_new_plan_the_partnerships_owner_while_they_are_staff(
    org_a, people
):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, owner=people["staff"], status=Partnership.Status.ACTIVE
        )
        AgreementFactory(
            partnership=partnership, status=Agreement.Status.EXECUTED,
            expiry_date=TODAY + timedelta(days=60),
        )  # fmt: skip
        exit_services.exit_daily_run(today=TODAY)
        plan = ExitPlan.objects.get(partnership=partnership)
    assert plan.owner == people["staff"]


def test_a_wind_down_opened_for_a_plan_whose_owner_left_gives_its_tasks_no_owner(org_a, people):
    from exit_planning.models import WindDownTask
    from tests.exit_planning.factories import ExitPlanFactory

    with tenant_scope(org_a):
        plan = ExitPlanFactory(organization=org_a, owner=people["staff"])
        Membership.objects.filter(user=people["staff"]).update(is_active=False)
        exit_services.wind_down_open(plan=plan, end_date=date(2027, 6, 30), today=TODAY)
        owners = set(WindDownTask.objects.filter(plan=plan).values_list("owner_id", flat=True))
    assert owners == {None}


def test_a_wind_down_gives_its_tasks_the_plans_owner_while_they_are_staff(org_a, people):
    from exit_planning.models import WindDownTask
    from tests.exit_planning.factories import ExitPlanFactory

    with tenant_scope(org_a):
        plan = ExitPlanFactory(organization=org_a, owner=people["staff"])
        exit_services.wind_down_open(plan=plan, end_date=date(2027, 6, 30), today=TODAY)
        owners = set(WindDownTask.objects.filter(plan=plan).values_list("owner_id", flat=True))
    assert owners == {people["staff"].pk}
