"""The exit-planning API: writes through the services (bad input is a 400 per field, a refused
step a 409), guests limited to what is shared with them and to the partner's side."""

from decimal import Decimal

import pytest

from exit_planning import services
from exit_planning.models import ExitPlan
from tenancy.context import tenant_scope
from tests.exit_planning.conftest import TODAY
from tests.exit_planning.factories import AssetTransferFactory, DataDispositionFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha/exit/"


@pytest.fixture
def plan(org_a, partnership, manager):
    with tenant_scope(org_a):
        plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
        services.exit_trigger_record(
            plan=plan, actor=manager, kind="insolvency", evidence="Filed.", today=TODAY
        )
    return plan


def test_a_plan_with_a_lead_time_outside_6_to_12_months_is_a_400(
    api_as, manager, org_a, partnership
):
    api = api_as(manager, org_a)
    response = api.post(
        f"{API}plans/", {"partnership": partnership.pk, "lead_time_months": 4}, format="json"
    )
    assert response.status_code == 400
    assert "from 6 to 12 months" in response.json()["error"]["fields"]["lead_time_months"][0]
    with tenant_scope(org_a):
        assert not ExitPlan.objects.exists()
    response = api.post(f"{API}plans/", {"partnership": partnership.pk}, format="json")
    assert response.status_code == 201 and response.json()["readiness_score"] == 0


def test_a_valuation_without_its_inputs_is_a_400_and_straight_line_is_computed(
    api_as, manager, org_a, plan
):
    api = api_as(manager, org_a)
    response = api.post(
        f"{API}assets/", {"plan": plan.pk, "name": "Rig", "method": "appraisal"}, format="json"
    )
    assert response.status_code == 400 and "appraiser" in response.json()["error"]["fields"]
    response = api.post(
        f"{API}assets/",
        {
            "plan": plan.pk,
            "name": "Rig",
            "method": "straight_line",
            "cost": "10000.00",
            "useful_life_years": "5",
            "age_years": "2",
        },
        format="json",
    )
    assert response.status_code == 201 and Decimal(response.json()["value"]) == Decimal("6000")


def test_a_destruction_done_without_certificate_is_a_400(api_as, manager, org_a, plan):
    with tenant_scope(org_a):
        item = DataDispositionFactory(plan=plan, action="destroy", certificate="")
    response = api_as(manager, org_a).post(f"{API}data/{item.pk}/done/")
    assert response.status_code == 400 and "certificate" in response.json()["error"]["fields"]


def test_confirming_a_decided_trigger_again_is_a_409(api_as, manager, org_a, plan):
    api = api_as(manager, org_a)
    with tenant_scope(org_a):
        trigger = plan.triggers.get()
    url = f"{API}triggers/{trigger.pk}/confirm/"
    assert api.post(url, {"reason": "Insolvent"}, format="json").status_code == 200
    assert api.post(url, {"reason": "Again"}, format="json").status_code == 409


def test_the_guest_never_sees_triggers_notices_or_readiness_and_accepts_as_the_partner(
    api_as, guest, org_a, plan
):
    with tenant_scope(org_a):
        asset = AssetTransferFactory(plan=plan)
    api = api_as(guest, org_a)
    assert api.get(f"{API}triggers/").json()["count"] == 0
    assert api.get(f"{API}notices/").json()["count"] == 0
    assert api.get(f"{API}playbook-changes/").json()["count"] == 0
    shown = api.get(f"{API}plans/{plan.pk}/").json()
    assert "readiness_score" not in shown and "status" not in shown
    assert api.post(f"{API}assets/{asset.pk}/accept/").status_code == 200
    assert (
        api.post(f"{API}assets/", {"plan": plan.pk, "name": "X"}, format="json").status_code == 403
    )
    response = api.post(
        f"{API}post-mortem/",
        {"plan": plan.pk, "section": "worked", "text": "Joint forecasting."},
        format="json",
    )
    assert response.status_code == 201 and response.json()["party"] == "partner"
