"""When a member moves on, an admin hands their open work to a colleague at once: the member
page lists what they still answer for (open risks, agreements, tasks, KPIs …, registered by each
module in tenancy.handover) and "Hand over" gives all of it to one colleague, who is told. What
is finished keeps its owner, as history does; a partner guest's work is not the buyer's to
hand over."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Agreement
from exit_planning.models import ExitPlan, WindDownTask
from partnerships.models import Partnership
from risk.models import Risk
from tenancy.audit import audit_value
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.handover import responsibilities
from tenancy.models import AuditEvent, Membership, Notification, Role, User
from tenancy.selectors import responsibilities_of
from tenancy.services import responsibilities_hand_over
from tests.contracts.factories import AgreementFactory
from tests.exit_planning.factories import ExitPlanFactory, WindDownTaskFactory
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Lou Leaving")


@pytest.fixture
def colleague(org_a, make_member):
    return make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Cleo Colleague")


@pytest.fixture
def work(org_a, leaver):
    """What the leaver answers for: some of it open, some of it finished."""
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a, owner=leaver, executive_sponsor=leaver)
        closed = PartnershipFactory(
            organization=org_a, owner=leaver, status=Partnership.Status.CLOSED
        )
        plan = ExitPlanFactory(organization=org_a, partnership=partnership, owner=leaver)
        return {
            "partnership": partnership,
            "closed_partnership": closed,
            "open_risk": RiskFactory(organization=org_a, partnership=partnership, owner=leaver),
            "closed_risk": RiskFactory(
                organization=org_a, partnership=partnership, owner=leaver, status="closed"
            ),
            "draft": AgreementFactory(organization=org_a, partnership=partnership, owner=leaver),
            "expired": AgreementFactory(
                organization=org_a,
                partnership=partnership,
                owner=leaver,
                status=Agreement.Status.EXPIRED,
            ),  # fmt: skip
            "plan": plan,
            "open_task": WindDownTaskFactory(organization=org_a, plan=plan, owner=leaver),
            "done_task": WindDownTaskFactory(
                organization=org_a, plan=plan, owner=leaver, done_on=date(2026, 1, 5)
            ),
            "kpi": KpiFactory(organization=org_a, partnership=partnership, owner=leaver),
        }


def _owner(org, record, field="owner"):
    with tenant_scope(org):
        return getattr(type(record).objects.get(pk=record.pk), f"{field}_id")


def test_the_open_work_moves_to_the_colleague_and_the_finished_work_keeps_its_owner(
    org_a, owner, leaver, colleague, work
):
    moved = responsibilities_hand_over(
        organization=org_a, from_user=leaver, to_user=colleague, actor=owner
    )
    assert moved == [
        ("Partnerships owned", 1),
        ("Partnerships sponsored", 1),
        ("Agreements", 1),
        ("Open risks", 1),
        ("KPIs measured", 1),
        ("Exit plans", 1),
        ("Open wind-down tasks", 1),
    ]
    for key in ("partnership", "draft", "open_risk", "kpi", "plan", "open_task"):
        assert _owner(org_a, work[key]) == colleague.pk, key
    assert _owner(org_a, work["partnership"], "executive_sponsor") == colleague.pk
    for key in ("closed_partnership", "closed_risk", "expired", "done_task"):
        assert _owner(org_a, work[key]) == leaver.pk, key


def test_the_handover_is_audited_on_the_member_and_on_each_record_and_the_colleague_is_told(
    org_a, owner, leaver, colleague, work
):
    responsibilities_hand_over(organization=org_a, from_user=leaver, to_user=colleague, actor=owner)
    with tenant_scope(org_a):
        [event] = AuditEvent.objects.filter(action="tenancy.membership.handed_over")
        [told] = Notification.objects.filter(recipient=colleague)
    assert event.actor == owner
    assert event.object_id == str(Membership.objects.get(organization=org_a, user=leaver).pk)
    assert event.changes["from"] == leaver.email and event.changes["to"] == colleague.email
    assert event.changes["moved"]["Open risks"] == 1
    assert told.title == "Lou Leaving handed their work over to you"
    with tenant_scope(org_a):
        [risk_event] = AuditEvent.objects.filter(
            action="risk.risk.handed_over", object_id=str(work["open_risk"].pk)
        )
    assert risk_event.actor == owner  # the risk's own trail says who took it over
    assert risk_event.changes == {"owner": [audit_value(leaver), audit_value(colleague)]}
    assert "Open risks: 1" in told.body and "Agreements: 1" in told.body


def test_a_member_with_nothing_open_hands_over_nothing_and_nobody_is_told(
    org_a, owner, leaver, colleague
):
    assert (
        responsibilities_hand_over(
            organization=org_a, from_user=leaver, to_user=colleague, actor=owner
        )
        == []
    )
    with tenant_scope(org_a):
        assert not AuditEvent.objects.filter(action="tenancy.membership.handed_over").exists()
        assert not Notification.objects.filter(recipient=colleague).exists()


def test_the_work_goes_only_to_an_active_colleague_of_the_staff(
    org_a, org_b, owner, leaver, make_member, work
):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    gone = make_member(org_a, Role.FINANCE, full_name="Gina Gone")
    Membership.objects.filter(user=gone).update(is_active=False)
    other = make_member(org_b, Role.ORG_ADMIN, full_name="Otto Other")
    for to_user in (guest, gone, other):
        with pytest.raises(ValidationError) as refused:
            responsibilities_hand_over(
                organization=org_a, from_user=leaver, to_user=to_user, actor=owner
            )
        assert refused.value.message_dict == {
            "to_user": [f"{to_user} is not one of this organization's active staff."]
        }
    for to_user, said in (
        (None, "Choose the colleague who takes the work over."),
        (leaver, "Choose someone else than the member themselves."),
    ):
        with pytest.raises(ValidationError) as refused:
            responsibilities_hand_over(
                organization=org_a, from_user=leaver, to_user=to_user, actor=owner
            )
        assert refused.value.message_dict == {"to_user": [said]}
    assert _owner(org_a, work["open_risk"]) == leaver.pk


def test_a_partner_guests_work_is_not_the_buyers_to_hand_over(org_a, owner, colleague, make_member):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    with pytest.raises(ConflictError):
        responsibilities_hand_over(
            organization=org_a, from_user=guest, to_user=colleague, actor=owner
        )


def test_what_a_member_answers_for_is_counted_per_kind_in_one_query(org_a, leaver, work):
    with tenant_scope(org_a), CaptureQueriesContext(connection) as queries:
        listed = responsibilities_of(user=leaver)
    with tenant_scope(org_a):
        one_by_one = [
            (item.label, item.queryset(leaver.pk).count())
            for item in responsibilities()
            if item.moves
        ]
    assert listed == [(label, count) for label, count in one_by_one if count]
    assert listed[:3] == [
        ("Partnerships owned", 1),
        ("Partnerships sponsored", 1),
        ("Agreements", 1),
    ]
    assert all(count for _, count in listed)  # nothing listed at zero
    assert len(queries) == 1  # every kind's COUNT in one UNION ALL, not one query per kind


def test_another_organizations_records_are_never_counted_nor_moved(
    org_a, org_b, owner, leaver, colleague, make_member
):
    Membership.objects.create(organization=org_b, user=leaver, role=Role.PROCUREMENT_MANAGER)
    with tenant_scope(org_b):
        theirs = RiskFactory(organization=org_b, owner=leaver)
    with tenant_scope(org_a):
        assert responsibilities_of(user=leaver) == []
    responsibilities_hand_over(organization=org_a, from_user=leaver, to_user=colleague, actor=owner)
    with tenant_scope(org_b):
        assert Risk.objects.get(pk=theirs.pk).owner_id == leaver.pk


# Person fields that record history, not a responsibility: never handed over.
HISTORY = {"contracts.ClauseFeedback.reviewer"}


def test_every_owner_sponsor_and_reviewer_field_is_registered_or_named_as_history():
    """A module that adds an owner field registers it (its AppConfig.ready), or the member page
    would forget that work when its owner moves on."""
    fields = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is User
        and field.name in ("owner", "executive_sponsor", "reviewer")
    }
    registered = {
        f"{item.model}.{item.field}"
        for item in responsibilities()
        if item.field in ("owner", "executive_sponsor", "reviewer")
    }
    assert fields - HISTORY == registered - HISTORY
    assert not registered & HISTORY


def test_the_member_page_lists_the_work_and_hands_it_over_after_a_confirmation(
    client_as, org_a, owner, leaver, colleague, work
):
    membership = Membership.objects.get(organization=org_a, user=leaver)
    url = f"/o/alpha/settings/members/{membership.pk}/"
    client = client_as(owner)
    page = client.get(url).content.decode()
    assert 'data-testid="responsibilities"' in page and "Open risks" in page
    # The deactivation card says the work is still theirs (7 open records in `work`).
    assert "They still answer for 7 open records" in page
    assert "data-confirm=" in page[page.index('data-testid="responsibilities"') :]
    response = client.post(url, {"action": "handover", "handover-to_user": colleague.pk})
    assert response.status_code == 302
    assert _owner(org_a, work["open_risk"]) == colleague.pk
    again = client.get(url).content.decode()
    assert "Nothing open" in again and 'data-testid="open-work-warning"' not in again


def test_the_member_page_refuses_a_handover_without_a_colleague_on_the_field(
    client_as, org_a, owner, leaver, work
):
    membership = Membership.objects.get(organization=org_a, user=leaver)
    response = client_as(owner).post(
        f"/o/alpha/settings/members/{membership.pk}/", {"action": "handover"}
    )
    assert response.status_code == 400
    assert 'data-field="to_user"' in response.content.decode()
    assert _owner(org_a, work["open_risk"]) == leaver.pk


def test_only_an_admin_hands_work_over(client_as, org_a, leaver, colleague, work):
    membership = Membership.objects.get(organization=org_a, user=leaver)
    response = client_as(colleague).post(
        f"/o/alpha/settings/members/{membership.pk}/",
        {"action": "handover", "handover-to_user": colleague.pk},
    )
    assert response.status_code in (403, 404)
    assert _owner(org_a, work["open_risk"]) == leaver.pk


def test_an_exit_plan_closed_keeps_its_owner(org_a, owner, leaver, colleague, work):
    with tenant_scope(org_a):
        ExitPlan.objects.filter(pk=work["plan"].pk).update(status=ExitPlan.Status.CLOSED)
        WindDownTask.objects.filter(pk=work["open_task"].pk).update(done_on=date(2026, 2, 1))
    responsibilities_hand_over(organization=org_a, from_user=leaver, to_user=colleague, actor=owner)
    assert _owner(org_a, work["plan"]) == leaver.pk


def test_the_api_lists_the_work_and_hands_it_over(api_as, org_a, owner, leaver, colleague, work):
    membership = Membership.objects.get(organization=org_a, user=leaver)
    client = api_as(owner, org_a)
    url = f"/api/v1/o/alpha/members/{membership.pk}/"
    listed = client.get(url + "responsibilities/").json()
    assert {"kind": "Open risks", "count": 1, "moves": True} in listed
    refused = client.post(url + "hand-over/", {"to_user": leaver.pk}, format="json")
    assert refused.status_code == 400 and "to_user" in str(refused.json())
    moved = client.post(url + "hand-over/", {"to_user": colleague.pk}, format="json")
    assert moved.status_code == 200 and {"kind": "Open risks", "count": 1} in moved.json()
    assert _owner(org_a, work["open_risk"]) == colleague.pk
    assert client.get(url + "responsibilities/").json() == []


def test_only_an_admin_key_hands_work_over_through_the_api(api_as, org_a, leaver, colleague, work):
    membership = Membership.objects.get(organization=org_a, user=leaver)
    response = api_as(colleague, org_a).post(
        f"/api/v1/o/alpha/members/{membership.pk}/hand-over/",
        {"to_user": colleague.pk},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert _owner(org_a, work["open_risk"]) == leaver.pk


def test_seats_and_roles_are_listed_to_re_staff_and_never_moved(
    client_as, org_a, owner, leaver, colleague
):
    from tests.governance.factories import CommitteeMemberFactory, RaciAssignmentFactory

    with tenant_scope(org_a):
        seat = CommitteeMemberFactory(organization=org_a, user=leaver)
        RaciAssignmentFactory(organization=org_a, user=leaver)
        assert responsibilities_of(user=leaver, moves=False) == [
            ("Committee seats", 1),
            ("RACI assignments", 1),
        ]
    membership = Membership.objects.get(organization=org_a, user=leaver)
    page = client_as(owner).get(f"/o/alpha/settings/members/{membership.pk}/").content.decode()
    assert "Seats and roles to re-staff" in page and "Committee seats" in page
    assert (
        responsibilities_hand_over(
            organization=org_a, from_user=leaver, to_user=colleague, actor=owner
        )
        == []
    )
    assert _owner(org_a, seat, "user") == leaver.pk


def _open_and_finished(model, lookup: str, value) -> tuple[dict, dict]:
    """A record of each side of a kind's open-work filter: {field: a value it hands over},
    {field: a value it leaves}."""
    name = lookup.split("__")[0]
    field = model._meta.get_field(name)
    if lookup.endswith("__isnull"):
        return {name: None}, {name: date(2026, 1, 5)}
    kept = value if lookup.endswith("__in") else [value]
    if field.get_internal_type() == "BooleanField":
        return {name: kept[0]}, {name: not kept[0]}
    left = next(choice for choice, _ in field.choices if choice not in kept)
    return {name: kept[0]}, {name: left}


@pytest.mark.parametrize(
    "item",
    [item for item in responsibilities() if item.moves and item.open_work],
    ids=lambda item: f"{item.model}.{item.field}",
)
def test_each_kind_hands_over_its_open_records_and_leaves_its_finished_ones(
    item, org_a, owner, leaver, colleague
):
    from tests.factories import factory_for

    model = apps.get_model(item.model)
    [(lookup, value)] = item.open_work.items()
    open_fields, finished_fields = _open_and_finished(model, lookup, value)
    make = factory_for(model)
    with tenant_scope(org_a):
        open_row = make(organization=org_a, **{item.field: leaver}, **open_fields)
        finished = make(organization=org_a, **{item.field: leaver}, **finished_fields)
    moved = responsibilities_hand_over(
        organization=org_a, from_user=leaver, to_user=colleague, actor=owner
    )
    assert (item.label, 1) in moved
    assert _owner(org_a, open_row, item.field) == colleague.pk
    assert _owner(org_a, finished, item.field) == leaver.pk


# Which states of each kind are work still open (moved by a handover, listed on the member
# page), every state of the model named on one side or the other: a state added to a model, or
# dropped from a filter, fails here until someone decides on which side it belongs.
OPEN_STATES = {
    "Partnerships owned": {
        "proposed", "due_diligence", "negotiating", "active", "under_review", "exiting",
    },
    "Partnerships sponsored": {
        "proposed", "due_diligence", "negotiating", "active", "under_review", "exiting",
    },
    "Due-diligence items to review": {"open", "in_review"},
    "Open sourcing needs": {"open"},
    "Open onboarding escalations": {"open"},
    "Agreements": {"draft", "in_legal_review", "approved", "executed"},
    "Open obligations": {"open"},
    "Open risks": {"open"},
    "Open meeting actions": {"open", "in_progress"},
    "Connectors": {"testing", "active", "paused"},
    "Open discrepancies": {"open", "disputed", "payment_blocked"},
    "Open QBR action items": {"open", "in_progress"},
    "Open corrective actions": {"open"},
    "Exit plans": {"monitoring", "triggered", "exiting"},
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(OPEN_STATES))
def test_every_state_of_a_kind_is_on_one_side_of_its_open_work(label):
    from django.db.models import Q, Value

    [item] = [item for item in responsibilities() if item.label == label and item.moves]
    states = [value for value, _ in apps.get_model(item.model)._meta.get_field("status").choices]
    condition = Q(**item.open_work)
    counted = {state for state in states if condition.check({"status": Value(state)})}
    assert counted == OPEN_STATES[label]
    assert set(states) > counted  # something finished is never counted


def test_every_kind_filtered_by_its_status_has_its_open_states_written_down():
    filtered = {
        item.label
        for item in responsibilities()
        if item.moves and any(key.split("__")[0] == "status" for key in item.open_work)
    }
    assert filtered == set(OPEN_STATES)
