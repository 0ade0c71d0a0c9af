"""A wind-down task is handed to someone, on its page and through the API: the tasks of an
exit run in several streams (contracts, data, assets, people) and each has its own doer. The
picker offers the organization's active staff, never the partner's guest; a task with nobody
named is allowed (the plan's owners hear of it when it is late)."""

from datetime import date

import pytest

from exit_planning import services
from exit_planning.models import WindDownTask
from tenancy.audit import audit_value
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.exit_planning.conftest import TODAY
from tests.page_forms import form_as_sent

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


@pytest.fixture
def task(org_a, partnership, manager):
    with tenant_scope(org_a):
        plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
        services.wind_down_open(plan=plan, end_date=date(2030, 6, 30), today=TODAY)
        return WindDownTask.objects.filter(plan=plan, prerequisites=[]).order_by("order").first()


@pytest.fixture
def colleague(org_a, make_member):
    return make_member(org_a, Role.FINANCE, full_name="Cleo Colleague")


def _stored(org, task):
    with tenant_scope(org):
        return WindDownTask.objects.select_related("owner").get(pk=task.pk)


def test_the_task_page_hands_the_task_over_and_the_audit_trail_says_to_whom(
    client_as, org_a, manager, task, colleague, guest
):
    url = f"/o/alpha/exit/tasks/{task.pk}/"
    client = client_as(manager)
    page = client.get(url).content.decode()
    assert "Cleo Colleague" in page and "Greta Guest" not in page
    sent = form_as_sent(page)
    assert sent["owner"] == str(manager.pk)
    assert client.post(url, {**sent, "owner": str(colleague.pk)}).status_code == 302
    assert _stored(org_a, task).owner == colleague
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="exit_planning.task.rescheduled")
    assert event.changes == {"owner": [audit_value(manager), audit_value(colleague)]}
    refused = client.post(url, {**sent, "owner": str(guest.pk)})
    assert refused.status_code == 400 and "owner" in refused.context["form"].errors
    assert _stored(org_a, task).owner == colleague


def test_emptying_the_owner_leaves_the_task_with_nobody_named(client_as, org_a, manager, task):
    url = f"/o/alpha/exit/tasks/{task.pk}/"
    client = client_as(manager)
    sent = form_as_sent(client.get(url).content.decode())
    assert client.post(url, {**sent, "owner": ""}).status_code == 302
    assert _stored(org_a, task).owner is None


def test_the_exit_tab_names_each_tasks_owner(client_as, manager, partnership, task):
    html = client_as(manager).get(f"/o/alpha/partnerships/{partnership.pk}/exit/").content
    assert b"<th>Owner</th>" in html and b"<td>Mia Manager</td>" in html


def test_the_api_hands_a_task_over_keeps_it_on_a_reschedule_and_refuses_a_guest(
    api_as, org_a, manager, task, colleague, guest
):
    client = api_as(manager, org_a)
    url = f"{API}/exit/tasks/{task.pk}/"
    answer = client.patch(url, {"owner": colleague.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["owner"] == colleague.pk
    same = {"start_on": task.start_on.isoformat(), "due_on": task.due_on.isoformat()}
    assert client.patch(url, same, format="json").status_code == 200
    assert _stored(org_a, task).owner == colleague  # a reschedule without an owner keeps it
    refused = client.patch(url, {"owner": guest.pk}, format="json")
    assert refused.status_code == 400 and "owner" in str(refused.json())
    assert _stored(org_a, task).owner == colleague
