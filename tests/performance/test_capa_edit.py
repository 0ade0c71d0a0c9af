"""An open corrective or preventive action is reworded, rescheduled or handed over, on its page
and through the API; its kind stays, and one done keeps what it was."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from performance import services
from performance.models import CorrectiveAction
from tenancy.audit import audit_value
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Role
from tests.page_forms import form_as_sent
from tests.performance.factories import CorrectiveActionFactory, RootCauseAnalysisFactory

pytestmark = pytest.mark.django_db
DUE = date(2030, 5, 31)


@pytest.fixture
def action(org_a, manager):
    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(organization=org_a)
        return CorrectiveActionFactory(
            organization=org_a, rca=rca, partnership=rca.partnership, description="Book slots",
            due_date=DUE, owner=manager,
        )  # fmt: skip


def _stored(org, action):
    with tenant_scope(org):
        return CorrectiveAction.objects.get(pk=action.pk)


def test_an_open_action_is_rescheduled_reworded_and_handed_over_and_audited(
    org_a, manager, action, make_member
):
    colleague = make_member(org_a, Role.PROCUREMENT_MANAGER, full_name="Cleo Colleague")
    with tenant_scope(org_a):
        services.capa_update(
            action=action, actor=manager, description=" Book two slots a day ",
            due_date=date(2030, 6, 30), owner=colleague,
        )  # fmt: skip
        event = AuditEvent.objects.get(action="performance.capa.updated")
    stored = _stored(org_a, action)
    assert (stored.description, stored.due_date, stored.owner) == (
        "Book two slots a day", date(2030, 6, 30), colleague,
    )  # fmt: skip
    assert event.changes["owner"] == [audit_value(manager), audit_value(colleague)]


def test_an_action_done_since_the_page_was_opened_is_not_changed(org_a, manager, action):
    with tenant_scope(org_a):
        CorrectiveAction.objects.filter(pk=action.pk).update(status="done")
        with pytest.raises(ConflictError) as refused:
            services.capa_update(action=action, actor=manager, due_date=date(2031, 1, 1))
    assert refused.value.message == "This action is already done."
    assert _stored(org_a, action).due_date == DUE


def test_the_edit_page_is_linked_from_the_analysis_and_keeps_the_kind(
    client_as, org_a, manager, action
):
    client = client_as(manager)
    rca_url = f"/o/alpha/performance/rcas/{action.rca_id}/"
    url = f"{rca_url}capas/{action.pk}/"
    assert url in client.get(rca_url).content.decode()
    sent = form_as_sent(client.get(url).content.decode())
    assert sent["owner"] == str(manager.pk) and sent["description"] == "Book slots"
    response = client.post(url, {**sent, "kind": "preventive", "due_date": "2030-06-30"})
    assert response.status_code == 302
    stored = _stored(org_a, action)
    assert (stored.due_date, stored.kind) == (date(2030, 6, 30), action.kind)


def test_the_api_hands_an_action_over_and_refuses_a_guest(
    api_as, org_a, manager, action, make_member
):
    guest = make_member(org_a, Role.PARTNER_GUEST, full_name="Gus Guest")
    colleague = make_member(org_a, Role.FINANCE, full_name="Cleo Colleague")
    client = api_as(manager, org_a)
    url = f"/api/v1/o/alpha/rcas/{action.rca_id}/capa/{action.pk}/"
    answer = client.patch(url, {"owner": colleague.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["owner"] == colleague.pk
    refused = client.patch(url, {"owner": guest.pk}, format="json")
    assert refused.status_code == 400
    assert _stored(org_a, action).owner == colleague
    kind = client.patch(url, {"kind": "preventive", "due_date": "2031-01-31"}, format="json")
    assert kind.status_code == 400 and "An action keeps its kind" in str(kind.json())
    assert (_stored(org_a, action).kind, _stored(org_a, action).due_date) == (action.kind, DUE)


def test_an_action_keeps_its_kind(org_a, manager, action):
    other = "preventive" if action.kind == "corrective" else "corrective"
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            services.capa_update(
                action=action, actor=manager, kind=other, due_date=date(2031, 1, 1)
            )
        same = services.capa_update(action=action, actor=manager, kind=action.kind, due_date=DUE)
    assert refused.value.message_dict == {
        "kind": ["An action keeps its kind: add another one instead."]
    }
    assert same.kind == action.kind and _stored(org_a, action).due_date == DUE
