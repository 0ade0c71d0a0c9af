"""Disaster-recovery tests: a plan, a scheduled joint test, its result, and the recovery time
and data loss achieved against the targets (RTO / RPO): passed only within both; a failed test
tells the partnership's owner; a cancelled or completed test is final. Pages and API; a partner
guest reads the tests of their partnership."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations import services
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.lifecycle import TransitionNotAllowed
from tenancy.models import Notification, Role
from tests.integrations.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
API = "/api/v1/o/alpha"


def _plan(org, partnership, manager, **fields):
    values = {
        "title": "Gateway failover", "plan": "Stop the primary gateway; switch to the standby.",
        "scheduled_for": NOW + timedelta(days=7), "rto_target_minutes": 240,
        "rpo_target_minutes": 15, **fields,
    }  # fmt: skip
    with tenant_scope(org):
        return services.dr_test_schedule(partnership=partnership, actor=manager, now=NOW, **values)


def _record(org, test, manager, rto, rpo):
    with tenant_scope(org):
        return services.dr_test_record_result(
            test=test, actor=manager, now=NOW + timedelta(days=8),
            executed_at=NOW + timedelta(days=7), rto_achieved_minutes=rto,
            rpo_achieved_minutes=rpo,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("rto", "rpo", "passed"), [(240, 15, True), (90, 5, True), (241, 5, False), (60, 16, False)]
)
def test_a_test_passes_only_within_both_targets(org_a, partnership, manager, rto, rpo, passed):
    test = _record(org_a, _plan(org_a, partnership, manager), manager, rto, rpo)
    assert (test.status, test.passed) == ("completed", passed)
    with tenant_scope(org_a):
        told = Notification.objects.filter(recipient=partnership.owner).exists()
    assert told is not passed  # a failed test tells the owner


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"scheduled_for": NOW - timedelta(hours=1)}, "scheduled_for"),
        ({"rto_target_minutes": 0}, "rto_target_minutes"),
        ({"plan": "  "}, "plan"),
        ({"title": ""}, "title"),
    ],
)
def test_a_plan_needs_a_scenario_a_future_date_and_targets(
    org_a, partnership, manager, fields, error
):
    with pytest.raises(ValidationError) as refused:
        _plan(org_a, partnership, manager, **fields)
    assert error in refused.value.message_dict


def test_the_feed_tested_belongs_to_the_partnership(org_a, partnership, manager):
    foreign = ConnectorFactory(organization=org_a)
    with pytest.raises(ValidationError) as refused:
        _plan(org_a, partnership, manager, connector=foreign)
    assert "connector" in refused.value.message_dict


def test_a_result_in_the_future_is_refused_and_a_finished_test_is_final(
    org_a, partnership, manager
):
    test = _plan(org_a, partnership, manager)
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.dr_test_record_result(
            test=test, actor=manager, now=NOW, executed_at=NOW + timedelta(days=1),
            rto_achieved_minutes=10, rpo_achieved_minutes=1,
        )  # fmt: skip
    with tenant_scope(org_a):
        with pytest.raises(ValidationError):
            services.dr_test_cancel(test=test, actor=manager, reason=" ")
        services.dr_test_cancel(test=test, actor=manager, reason="Gateway migration moved")
    with pytest.raises(TransitionNotAllowed):
        _record(org_a, test, manager, 10, 1)


def test_pages_plan_record_and_show_the_result_and_a_guest_reads_them(
    org_a, partnership, manager, make_member, client_as
):
    client = client_as(manager)
    listing = reverse("dr-test-list", args=["alpha", partnership.pk])
    planned = client.post(listing, {
        "title": "Failover", "plan": "Switch to the standby.", "rto_target_minutes": "60",
        "rpo_target_minutes": "5",
        "scheduled_for": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    assert planned.status_code == 302, planned.content
    detail = planned["Location"]
    bad = client.post(detail, {"executed_at": "", "rto_achieved_minutes": "x"})
    assert bad.status_code == 400
    ran = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    result = {"executed_at": ran, "rto_achieved_minutes": "75", "rpo_achieved_minutes": "2",
              "findings": "DNS TTL too long"}  # fmt: skip
    done = client.post(detail, result)
    assert done.status_code == 302
    page = client.get(detail).content.decode()
    assert 'data-testid="dr-result">failed' in page and "achieved 75 min" in page
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=None)
    guest_client = client_as(guest)
    assert guest_client.get(detail).status_code == 200
    assert b"Failover" in guest_client.get(listing).content
    assert guest_client.post(listing, {"title": "x"}).status_code == 404


def test_the_api_plans_records_and_cancels(org_a, partnership, manager, api_as):
    api = api_as(manager, org_a)
    body = {"partnership": partnership.pk, "title": "Failover", "plan": "Standby switch",
            "scheduled_for": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "rto_target_minutes": 60, "rpo_target_minutes": 5}  # fmt: skip
    created = api.post(f"{API}/dr-tests/", body, format="json")
    assert created.status_code == 201, created.content
    url = f"{API}/dr-tests/{created.json()['id']}/"
    result = api.post(f"{url}record-result/", {
        "executed_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "rto_achieved_minutes": 45, "rpo_achieved_minutes": 5,
    }, format="json")  # fmt: skip
    assert result.status_code == 200 and result.json()["passed"] is True
    assert api.post(f"{url}cancel/", {"reason": "late"}, format="json").status_code == 409
    other = api.post(f"{API}/dr-tests/", body, format="json").json()["id"]
    cancelled = api.post(f"{API}/dr-tests/{other}/cancel/", {"reason": "Moved"}, format="json")
    assert cancelled.json()["status"] == "cancelled"
