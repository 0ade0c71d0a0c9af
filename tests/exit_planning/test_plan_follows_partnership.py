"""The exit plan follows its partnership: an exit started on the partnership's own page (or
through the API) moves the plan to exiting with the same reason, and a partnership whose exit is
under way closes from its exit plan, where the wind-down and the data disposition are checked.
Before, the plan stayed in monitoring and kept firing triggers for a partnership already leaving,
and the partnership could be closed with its wind-down half done."""

import pytest
from django.core.exceptions import ValidationError

from exit_planning import services
from exit_planning.models import ExitPlan, ExitTrigger
from partnerships.models import Partnership
from partnerships.services import partnership_transition
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Membership
from tests.exit_planning.conftest import NOW, TODAY
from tests.exit_planning.factories import WindDownTaskFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

UNDER_WAY = (
    "Its exit is under way: close the exit on the Exit plan tab, once the wind-down is done and "
    "the data disposition verified."
)


@pytest.fixture
def plan(scope, partnership, manager):
    return services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)


def _status(model, pk) -> str:
    return model.objects.get(pk=pk).status


def test_starting_the_exit_on_the_partnership_moves_its_plan_to_exiting_with_the_reason(
    scope, plan, manager
):
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="exiting", reason="Sourcing in-house."
    )
    assert _status(ExitPlan, plan.pk) == "exiting"
    [event] = AuditEvent.objects.filter(action="exit_planning.plan.exiting")
    assert (event.actor, event.object_id) == (manager, str(plan.pk))
    assert event.changes == {"status": ["monitoring", "exiting"], "reason": "Sourcing in-house."}


def test_a_triggered_plan_follows_too_and_its_open_trigger_can_still_be_confirmed(
    scope, plan, manager
):
    trigger = services.exit_trigger_record(
        plan=plan, actor=manager, kind="market_shift", evidence="Prices fell.", today=TODAY
    )
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="exiting", reason="Board decision."
    )
    assert _status(ExitPlan, plan.pk) == "exiting"
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="As decided.", now=NOW)
    assert _status(ExitTrigger, trigger.pk) == "confirmed"
    assert _status(ExitPlan, plan.pk) == "exiting"
    assert _status(Partnership, plan.partnership_id) == "exiting"
    # The plan moved once, with the partnership; confirming the trigger did not move it again.
    assert AuditEvent.objects.filter(action="exit_planning.plan.exiting").count() == 1


def test_a_confirmed_trigger_moves_the_plan_once_through_the_partnership(scope, plan, manager):
    trigger = services.exit_trigger_record(
        plan=plan, actor=manager, kind="insolvency", evidence="Filed.", today=TODAY
    )
    services.exit_trigger_confirm(trigger=trigger, actor=manager, reason="Insolvent.", now=NOW)
    assert (_status(ExitPlan, plan.pk), _status(Partnership, plan.partnership_id)) == (
        "exiting",
        "exiting",
    )
    [event] = AuditEvent.objects.filter(action="exit_planning.plan.exiting")
    assert event.changes["reason"] == "Exit trigger confirmed: Insolvent."


def test_a_partnership_without_an_exit_plan_starts_its_exit_alone(scope, partnership, manager):
    partnership_transition(
        partnership=partnership, actor=manager, status="exiting", reason="Not renewed."
    )
    assert _status(Partnership, partnership.pk) == "exiting"
    assert not ExitPlan.objects.exists()


def test_a_plan_drawn_up_after_the_exit_started_starts_exiting(scope, partnership, manager):
    partnership_transition(
        partnership=partnership, actor=manager, status="exiting", reason="Not renewed."
    )
    plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
    assert _status(ExitPlan, plan.pk) == "exiting"
    # The daily job evaluates no trigger of an exit that is under way.
    assert services.exit_daily_run(today=TODAY).triggers_fired == 0


def test_a_partnership_whose_exit_is_under_way_closes_only_from_its_exit_plan(scope, plan, manager):
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="exiting", reason="Not renewed."
    )
    task = WindDownTaskFactory(organization=scope, plan=plan)
    with pytest.raises(ConflictError) as refused:
        partnership_transition(
            partnership=plan.partnership, actor=manager, status="closed", reason="Done, I think."
        )
    assert (refused.value.message, refused.value.code) == (UNDER_WAY, "illegal_transition")
    assert _status(Partnership, plan.partnership_id) == "exiting"
    assert not AuditEvent.objects.filter(action="partnerships.partnership.closed").exists()
    task.done_on = TODAY
    task.save()
    services.exit_plan_close(plan=ExitPlan.objects.get(pk=plan.pk), actor=manager, today=TODAY)
    assert (_status(ExitPlan, plan.pk), _status(Partnership, plan.partnership_id)) == (
        "closed",
        "closed",
    )


def test_a_candidate_with_a_plan_that_never_started_its_exit_is_closed_freely(
    scope, partnership, manager
):
    Partnership.objects.filter(pk=partnership.pk).update(status="negotiating")
    plan = services.exit_plan_create(
        actor=manager, partnership=Partnership.objects.get(pk=partnership.pk), owner=manager
    )
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="closed", reason="Terms not agreed."
    )
    assert _status(Partnership, partnership.pk) == "closed"


def test_the_page_greys_out_the_early_close_and_says_where_the_exit_closes(
    org_a, plan, manager, client_as
):
    with tenant_scope(org_a):
        partnership_transition(
            partnership=plan.partnership, actor=manager, status="exiting", reason="Not renewed."
        )
    page = client_as(manager).get(f"/o/alpha/partnerships/{plan.partnership_id}/").content
    page = page.decode()
    assert '<button type="button" disabled data-status="closed">' in page
    blocker = page.split('data-testid="blocker-closed">', 1)[1].split("</p>", 1)[0]
    assert blocker == UNDER_WAY


def test_the_page_starts_the_plans_exit_and_refuses_the_early_close_in_words(
    org_a, plan, manager, client_as
):
    client = client_as(manager)
    url = f"/o/alpha/partnerships/{plan.partnership_id}/transition/"
    client.post(url, {"status": "exiting", "reason": "Moving to a dual source."})
    with tenant_scope(org_a):
        assert _status(ExitPlan, plan.pk) == "exiting"
    response = client.post(url, {"status": "closed", "reason": "All done."}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert said[-1] == UNDER_WAY and "“Alder drive-train” is now closed." not in said
    with tenant_scope(org_a):
        assert _status(Partnership, plan.partnership_id) == "exiting"


def test_the_api_refuses_the_early_close_with_a_409(org_a, plan, manager, api_as):
    with tenant_scope(org_a):
        partnership_transition(
            partnership=plan.partnership, actor=manager, status="exiting", reason="Not renewed."
        )
    url = f"/api/v1/o/alpha/partnerships/{plan.partnership_id}/transition/"
    response = api_as(manager, org_a).post(
        url, {"status": "closed", "reason": "All done."}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == UNDER_WAY


def test_the_migration_moves_the_plans_left_behind_by_an_exit_started_before(org_a, org_b, manager):
    from importlib import import_module
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from tests.exit_planning.factories import ExitPlanFactory

    migration = import_module("exit_planning.migrations.0003_plans_follow_exiting_partnerships")
    with tenant_scope(org_a):
        left_behind = ExitPlanFactory(partnership__status="exiting", status="triggered")
        live = ExitPlanFactory(partnership__status="active", status="monitoring")
        finished = ExitPlanFactory(partnership__status="exiting", status="closed")
    with tenant_scope(org_b):
        elsewhere = ExitPlanFactory(partnership__status="exiting", status="monitoring")
    # The models as the migration sees them (plain managers, as when `migrate` runs it).
    apps = (
        MigrationLoader(connection)
        .project_state(("exit_planning", "0003_plans_follow_exiting_partnerships"))
        .apps
    )
    migration.follow_forwards(apps, SimpleNamespace(connection=connection))
    with tenant_scope(org_a):
        assert _status(ExitPlan, left_behind.pk) == "exiting"
        assert _status(ExitPlan, live.pk) == "monitoring"
        assert _status(ExitPlan, finished.pk) == "closed"
    with tenant_scope(org_b):
        assert _status(ExitPlan, elsewhere.pk) == "exiting"


# --- Pinned by the twelfth mutation session (docs/mutation.md) ------------------------------------


def test_a_plan_drawn_up_while_another_partnership_exits_starts_monitoring(
    scope, partnership, manager
):
    leaving = PartnershipFactory(organization=scope, name="Birch castings", owner=manager)
    partnership_transition(partnership=leaving, actor=manager, status="exiting", reason="Gone.")
    plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
    assert _status(ExitPlan, plan.pk) == "monitoring"


def test_an_exit_plan_is_owned_by_one_of_the_organizations_staff_never_a_partner_guest(
    scope, partnership, guest
):
    with pytest.raises(ValidationError) as refused:
        services.exit_plan_create(actor=guest, partnership=partnership, owner=guest)
    assert refused.value.message_dict == {
        "owner": [f"{guest} is not one of this organization's active staff; choose a colleague."]
    }
    assert not ExitPlan.objects.exists()


def test_closing_the_exit_plan_closes_the_partnership_saying_the_exit_is_complete(
    scope, plan, manager
):
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="exiting", reason="Not renewed."
    )
    services.exit_plan_close(plan=ExitPlan.objects.get(pk=plan.pk), actor=manager, today=TODAY)
    [event] = AuditEvent.objects.filter(action="partnerships.partnership.closed")
    assert (event.actor, event.object_id) == (manager, str(plan.partnership_id))
    assert event.changes == {
        "status": ["exiting", "closed"],
        "reason": "The exit is complete: its exit plan was closed.",
    }


def test_a_partnership_put_under_review_leaves_its_plan_monitoring(scope, plan, manager):
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="under_review", reason="Yearly."
    )
    assert _status(ExitPlan, plan.pk) == "monitoring"
    assert not AuditEvent.objects.filter(action="exit_planning.plan.exiting").exists()


def test_another_partnerships_exit_under_way_does_not_hold_this_ones_close(scope, plan, manager):
    partnership_transition(
        partnership=plan.partnership, actor=manager, status="exiting", reason="Not renewed."
    )
    candidate = PartnershipFactory(
        organization=scope, name="Birch castings", owner=manager, status="negotiating"
    )
    partnership_transition(
        partnership=candidate, actor=manager, status="closed", reason="Terms not agreed."
    )
    assert _status(Partnership, candidate.pk) == "closed"


def test_an_exit_plan_is_not_handed_to_a_partner_guest(scope, plan, guest):
    with pytest.raises(ValidationError) as refused:
        services.exit_plan_update(plan=plan, actor=plan.owner, owner=guest)
    assert list(refused.value.message_dict) == ["owner"]
    assert ExitPlan.objects.get(pk=plan.pk).owner_id != guest.pk


def test_a_plan_whose_owner_has_left_keeps_them_while_its_other_fields_are_edited(
    scope, plan, manager
):
    Membership.objects.filter(user=manager).update(is_active=False)
    services.exit_plan_update(plan=plan, actor=None, lead_time_months=9)
    stored = ExitPlan.objects.get(pk=plan.pk)
    assert (stored.owner_id, stored.lead_time_months) == (manager.pk, 9)


# --- the two receivers, called as the partnership's signals call them ---------------------------


def test_exit_plan_follow_partnership_moves_a_waiting_plan_only_when_the_exit_starts(
    scope, plan, manager
):
    partnership = plan.partnership
    for step in ("under_review", "active", "closed"):
        followed = services.exit_plan_follow_partnership(
            partnership=partnership, old="active", status=step, actor=manager, reason="x"
        )
        assert (followed.pk, _status(ExitPlan, plan.pk)) == (plan.pk, "monitoring")
    followed = services.exit_plan_follow_partnership(
        partnership=partnership, old="active", status="exiting", actor=manager, reason="Ends."
    )
    assert (followed.status, _status(ExitPlan, plan.pk)) == ("exiting", "exiting")
    # Once exiting (or closed), another exiting step moves nothing and audits nothing more.
    services.exit_plan_follow_partnership(
        partnership=partnership, old="exiting", status="exiting", actor=manager, reason="Again."
    )
    assert AuditEvent.objects.filter(action="exit_planning.plan.exiting").count() == 1


def test_exit_plan_follow_partnership_has_nothing_to_move_without_a_plan(
    scope, partnership, manager
):
    assert (
        services.exit_plan_follow_partnership(
            partnership=partnership, old="active", status="exiting", actor=manager, reason="x"
        )
        is None
    )


def test_exit_plan_blockers_hold_only_the_close_of_a_partnership_whose_exit_is_under_way(
    scope, plan, manager
):
    partnership = plan.partnership
    for status in ("closed", "exiting", "under_review"):
        assert services.exit_plan_blockers(partnership=partnership, status=status) == []
    ExitPlan.objects.filter(pk=plan.pk).update(status="exiting")
    assert services.exit_plan_blockers(partnership=partnership, status="closed") == [UNDER_WAY]
    assert services.exit_plan_blockers(partnership=partnership, status="exiting") == []
    ExitPlan.objects.filter(pk=plan.pk).update(status="closed")
    assert services.exit_plan_blockers(partnership=partnership, status="closed") == []
