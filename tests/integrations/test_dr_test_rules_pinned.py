"""Disaster-recovery test rules pinned in their exact words: what a plan stores (the tenant,
the partnership, who planned it and when, the title's spaces collapsed and the plan trimmed),
which fields a plan takes, each refusal on its field (all of them at once), the date and the
targets at their limits, the feed tested of this partnership only; a result recorded against
the row as it is under the lock, within both targets at their limits, the findings trimmed,
who recorded it, the failure's notification (its words, its link, its key, the owner or else
the admins); a cancellation's reason required and trimmed, and final; the audit event of each
step (who, on what, the changes). Found by `make mutation MUTATION_ARGS=integrations.dr_tests`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations import services
from integrations.models import DisasterRecoveryTest
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.lifecycle import TransitionNotAllowed
from tenancy.models import AuditEvent, Notification
from tests.integrations.factories import ConnectorFactory, DisasterRecoveryTestFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
DRILL = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
RAN = datetime(2026, 5, 11, 10, 30, tzinfo=UTC)
RECORDED = datetime(2026, 5, 12, 8, 0, tzinfo=UTC)
PLAN = "Stop the primary gateway; switch to the standby."


def _values(**fields):
    return {"title": "Gateway failover", "plan": PLAN, "scheduled_for": DRILL,
            "rto_target_minutes": 240, "rpo_target_minutes": 15, **fields}  # fmt: skip


def _schedule(org, partnership, actor, *, now=NOW, **fields) -> DisasterRecoveryTest:
    with tenant_scope(org):
        return services.dr_test_schedule(
            partnership=partnership, actor=actor, now=now, **_values(**fields)
        )


def _schedule_refusal(org, partnership, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _schedule(org, partnership, actor, **fields)
    return refused.value.message_dict


def _planned(org, partnership, **fields) -> DisasterRecoveryTest:
    return DisasterRecoveryTestFactory(
        organization=org, partnership=partnership, title="Gateway failover", **fields
    )


def _record(org, test, actor, *, rto=60, rpo=5, executed_at=RAN, now=RECORDED, **kwargs):
    with tenant_scope(org):
        return services.dr_test_record_result(
            test=test, actor=actor, executed_at=executed_at, rto_achieved_minutes=rto,
            rpo_achieved_minutes=rpo, now=now, **kwargs,
        )  # fmt: skip


def _record_refusal(org, test, actor, **kwargs) -> dict:
    with pytest.raises(ValidationError) as refused:
        _record(org, test, actor, **kwargs)
    return refused.value.message_dict


def _cancel(org, test, actor, reason):
    with tenant_scope(org):
        return services.dr_test_cancel(test=test, actor=actor, reason=reason)


def _events(org, action):
    with tenant_scope(org):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _notifications(org):
    with tenant_scope(org):
        return list(Notification.objects.order_by("pk"))


def _stored(org, test) -> DisasterRecoveryTest:
    with tenant_scope(org):
        return DisasterRecoveryTest.objects.get(pk=test.pk)


# --- dr_test_schedule: what a plan stores ---------------------------------------------------


def test_a_scheduled_test_is_stored_planned_for_its_partnership_by_whom_and_when(
    org_a, partnership, manager
):
    test = _schedule(org_a, partnership, manager, participants="EDI on-call; partner IT")
    stored = _stored(org_a, test)
    assert stored.organization_id == org_a.pk
    assert stored.partnership_id == partnership.pk
    assert stored.created_by_id == manager.pk
    assert stored.created_at == NOW  # the clock passed in, not the wall clock
    assert (stored.title, stored.plan, stored.participants) == (
        "Gateway failover", PLAN, "EDI on-call; partner IT",
    )  # fmt: skip
    assert (stored.scheduled_for, stored.rto_target_minutes, stored.rpo_target_minutes) == (
        DRILL, 240, 15,
    )  # fmt: skip
    assert stored.status == DisasterRecoveryTest.Status.PLANNED
    assert stored.connector_id is None
    assert stored.passed is None and stored.recorded_by_id is None


def test_a_plan_takes_each_of_its_fields_and_refuses_any_other_by_name(org_a, partnership, manager):
    feed = ConnectorFactory(organization=org_a, partnership=partnership)
    test = _schedule(org_a, partnership, manager, participants="Both on-call teams",
                     connector=feed)  # fmt: skip
    assert _stored(org_a, test).connector_id == feed.pk
    with pytest.raises(TypeError) as refused:
        _schedule(org_a, partnership, manager, status="completed", passed=True)
    assert str(refused.value) == "Unknown fields: ['passed', 'status']"
    with tenant_scope(org_a):
        assert list(DisasterRecoveryTest.objects.values_list("pk", flat=True)) == [test.pk]


def test_the_title_is_stored_with_its_spaces_collapsed_and_the_plan_trimmed(
    org_a, partnership, manager
):
    test = _schedule(org_a, partnership, manager, title="  Gateway \n  failover\t drill ",
                     plan="\n  Switch to the standby.  \n")  # fmt: skip
    stored = _stored(org_a, test)
    assert (stored.title, stored.plan) == ("Gateway failover drill", "Switch to the standby.")
    assert (test.title, test.plan) == ("Gateway failover drill", "Switch to the standby.")


def test_a_test_of_another_organizations_partnership_is_refused_on_the_partnership(
    org_a, org_b, manager
):
    foreign = PartnershipFactory(organization=org_b)
    assert _schedule_refusal(org_a, foreign, manager) == {
        "partnership": ["No such partnership in this organization."]
    }


# --- dr_test_schedule: refusals, each on its field ------------------------------------------


def test_every_missing_part_of_a_plan_is_refused_at_once_in_its_own_words(
    org_a, partnership, manager
):
    other = ConnectorFactory(organization=org_a)
    refusal = _schedule_refusal(
        org_a, partnership, manager, title=" \n ", plan="   ", scheduled_for=None,
        rto_target_minutes=None, rpo_target_minutes=0, connector=other,
    )  # fmt: skip
    assert refusal == {
        "title": ["Give the test a title."],
        "plan": ["Describe the scenario and the steps of both parties."],
        "scheduled_for": ["Schedule it for a time to come."],
        "rto_target_minutes": ["A target of at least one minute."],
        "rpo_target_minutes": ["A target of at least one minute."],
        "connector": ["Choose a connector of this partnership."],
    }
    with tenant_scope(org_a):
        assert not DisasterRecoveryTest.objects.exists()
    assert _events(org_a, "integrations.dr_test.scheduled") == []


def test_a_plan_without_a_title_or_a_plan_at_all_is_refused_on_both(org_a, partnership, manager):
    refusal = _schedule_refusal(org_a, partnership, manager, title=None, plan=None)
    assert refusal == {
        "title": ["Give the test a title."],
        "plan": ["Describe the scenario and the steps of both parties."],
    }


def test_a_test_may_be_scheduled_for_the_present_moment_but_not_a_moment_before(
    org_a, partnership, manager
):
    test = _schedule(org_a, partnership, manager, scheduled_for=NOW)
    assert _stored(org_a, test).scheduled_for == NOW
    refusal = _schedule_refusal(
        org_a, partnership, manager, scheduled_for=NOW - timedelta(microseconds=1)
    )
    assert refusal == {"scheduled_for": ["Schedule it for a time to come."]}


@pytest.mark.parametrize("name", ["rto_target_minutes", "rpo_target_minutes"])
def test_a_target_of_one_minute_is_the_least_accepted(org_a, partnership, manager, name):
    test = _schedule(org_a, partnership, manager, **{name: 1})
    assert getattr(_stored(org_a, test), name) == 1
    for refused in (0, -5, None):
        assert _schedule_refusal(org_a, partnership, manager, **{name: refused}) == {
            name: ["A target of at least one minute."]
        }


def test_a_title_longer_than_the_model_allows_is_refused_by_the_model_check(
    org_a, partnership, manager
):
    refusal = _schedule_refusal(org_a, partnership, manager, title="x" * 151)
    assert list(refusal) == ["title"]
    assert "at most 150 characters" in refusal["title"][0]


# --- dr_test_schedule: the audit event ------------------------------------------------------


def test_scheduling_records_who_planned_which_test_for_when_and_its_targets(
    org_a, partnership, manager
):
    test = _schedule(org_a, partnership, manager, rto_target_minutes=90, rpo_target_minutes=5)
    [event] = _events(org_a, "integrations.dr_test.scheduled")
    assert event.actor_id == manager.pk
    assert (event.object_type, event.object_id) == (
        "integrations.disasterrecoverytest", str(test.pk),
    )  # fmt: skip
    assert event.changes == {"scheduled_for": DRILL.isoformat(), "rto": 90, "rpo": 5}


# --- dr_test_record_result: what a result stores --------------------------------------------


def test_a_result_stores_when_it_ran_what_it_achieved_the_findings_and_who_recorded_it(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    returned = _record(org_a, test, manager, rto=75, rpo=2, findings="  DNS TTL too long \n")
    stored = _stored(org_a, test)
    for row in (returned, stored):
        assert row.pk == test.pk
        assert row.status == DisasterRecoveryTest.Status.COMPLETED
        assert row.executed_at == RAN
        assert (row.rto_achieved_minutes, row.rpo_achieved_minutes) == (75, 2)
        assert row.passed is True
        assert row.findings == "DNS TTL too long"
        assert row.recorded_by_id == manager.pk


def test_a_result_without_findings_stores_none(org_a, partnership, manager):
    test = _planned(org_a, partnership)
    _record(org_a, test, manager, findings=None)
    assert _stored(org_a, test).findings == ""
    other = _planned(org_a, partnership)
    _record(org_a, other, manager)
    assert _stored(org_a, other).findings == ""


@pytest.mark.parametrize(
    ("rto", "rpo", "passed"),
    [(240, 15, True), (0, 0, True), (241, 15, False), (240, 16, False), (241, 16, False)],
)
def test_a_test_passes_only_when_both_the_recovery_time_and_the_data_lost_are_within_target(
    org_a, partnership, manager, rto, rpo, passed
):
    test = _planned(org_a, partnership)  # targets: 240 and 15 minutes
    assert _record(org_a, test, manager, rto=rto, rpo=rpo).passed is passed
    assert _stored(org_a, test).passed is passed


def test_a_result_may_be_recorded_the_moment_the_test_ran(org_a, partnership, manager):
    test = _planned(org_a, partnership)
    _record(org_a, test, manager, executed_at=RECORDED, now=RECORDED)
    assert _stored(org_a, test).executed_at == RECORDED


# --- dr_test_record_result: refusals --------------------------------------------------------


def test_a_result_from_the_future_or_without_a_time_is_refused_on_when_it_ran(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    ahead = RECORDED + timedelta(microseconds=1)
    for executed_at in (ahead, None):
        assert _record_refusal(org_a, test, manager, executed_at=executed_at) == {
            "executed_at": ["When it ran: not in the future."]
        }
    stored = _stored(org_a, test)
    assert (stored.status, stored.executed_at, stored.passed) == ("planned", None, None)


def test_achieved_minutes_below_zero_or_missing_are_refused_with_every_other_error(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    assert _record_refusal(org_a, test, manager, executed_at=None, rto=-1, rpo=None) == {
        "executed_at": ["When it ran: not in the future."],
        "rto_achieved_minutes": ["Minutes, 0 or more."],
        "rpo_achieved_minutes": ["Minutes, 0 or more."],
    }
    assert _record_refusal(org_a, test, manager, rto=None, rpo=-1) == {
        "rto_achieved_minutes": ["Minutes, 0 or more."],
        "rpo_achieved_minutes": ["Minutes, 0 or more."],
    }
    assert _events(org_a, "integrations.dr_test.completed") == []
    assert _notifications(org_a) == []


def test_a_completed_test_cannot_be_recorded_again(org_a, partnership, manager):
    test = _planned(org_a, partnership)
    _record(org_a, test, manager, rto=60, rpo=5)
    with pytest.raises(ConflictError) as refused:
        _record(org_a, test, manager, rto=500, rpo=500)
    assert refused.value.code == "illegal_transition"
    assert refused.value.message == (
        "A disaster-recovery test cannot go from “completed” to “completed”. "
        "Nothing can follow “completed”."
    )
    stored = _stored(org_a, test)
    assert (stored.rto_achieved_minutes, stored.passed) == (60, True)
    assert _notifications(org_a) == []


def test_a_result_is_refused_for_a_test_cancelled_since_the_caller_loaded_it(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    stale = _stored(org_a, test)
    _cancel(org_a, test, manager, "Gateway migration moved")
    assert stale.status == "planned"
    with pytest.raises(TransitionNotAllowed) as refused:
        _record(org_a, stale, manager)
    assert refused.value.message.startswith(
        "A disaster-recovery test cannot go from “cancelled” to “completed”."
    )
    stored = _stored(org_a, test)
    assert (stored.status, stored.executed_at, stored.recorded_by_id) == ("cancelled", None, None)


# --- dr_test_record_result: the audit event and the failure's notification ------------------


def test_recording_a_result_records_who_whether_it_passed_and_each_target_with_its_result(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership, rto_target_minutes=120, rpo_target_minutes=10)
    _record(org_a, test, manager, rto=130, rpo=4)
    [event] = _events(org_a, "integrations.dr_test.completed")
    assert event.actor_id == manager.pk
    assert event.object_id == str(test.pk)
    assert event.changes == {"passed": False, "rto": [120, 130], "rpo": [10, 4]}


def test_a_failed_test_tells_the_partnerships_owner_what_was_achieved_against_which_target(
    org_a, partnership, manager, owner
):
    test = _planned(org_a, partnership, rto_target_minutes=1000, rpo_target_minutes=15)
    _record(org_a, test, manager, rto=1250, rpo=5)
    [told] = _notifications(org_a)
    assert told.recipient_id == manager.pk  # the owner, not the admins
    assert told.title == "Alder drive-train: disaster-recovery test “Gateway failover” failed"
    assert told.body == ("Recovered in 1,250 min (target 1,000); data lost 5 min (target 15).")
    assert told.url == f"/o/alpha/integrations/dr-tests/{test.pk}/"
    assert told.dedupe_key == f"integrations:dr_test:{test.pk}:failed"


def test_a_failed_test_of_a_partnership_without_an_owner_tells_the_admins(org_a, manager, owner):
    ownerless = PartnershipFactory(organization=org_a, owner=None, name="Birch axles")
    test = _planned(org_a, ownerless)
    _record(org_a, test, manager, rto=60, rpo=2000)
    [told] = _notifications(org_a)
    assert told.recipient_id == owner.pk
    assert told.title == "Birch axles: disaster-recovery test “Gateway failover” failed"
    assert told.body == "Recovered in 60 min (target 240); data lost 2,000 min (target 15)."


def test_a_passed_test_tells_nobody(org_a, partnership, manager, owner):
    _record(org_a, _planned(org_a, partnership), manager, rto=240, rpo=15)
    assert _notifications(org_a) == []


# --- dr_test_cancel -------------------------------------------------------------------------


def test_a_cancellation_stores_the_reason_trimmed_and_records_who_and_why(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    returned = _cancel(org_a, test, manager, "  Gateway migration moved \n")
    stored = _stored(org_a, test)
    for row in (returned, stored):
        assert (row.pk, row.status, row.cancel_reason) == (
            test.pk, "cancelled", "Gateway migration moved",
        )  # fmt: skip
    [event] = _events(org_a, "integrations.dr_test.cancelled")
    assert event.actor_id == manager.pk
    assert event.object_id == str(test.pk)
    assert event.changes == {"reason": "Gateway migration moved"}


@pytest.mark.parametrize("reason", ["", "  \n ", None])
def test_a_cancellation_without_a_reason_is_refused_on_the_reason(
    org_a, partnership, manager, reason
):
    test = _planned(org_a, partnership)
    with pytest.raises(ValidationError) as refused:
        _cancel(org_a, test, manager, reason)
    assert refused.value.message_dict == {"reason": ["Say why the test is cancelled."]}
    assert _stored(org_a, test).status == "planned"
    assert _events(org_a, "integrations.dr_test.cancelled") == []


def test_a_cancelled_test_is_final(org_a, partnership, manager):
    test = _planned(org_a, partnership)
    _cancel(org_a, test, manager, "Moved")
    with pytest.raises(ConflictError) as refused:
        _cancel(org_a, test, manager, "Moved again")
    assert refused.value.code == "illegal_transition"
    assert refused.value.message == (
        "A disaster-recovery test cannot go from “cancelled” to “cancelled”. "
        "Nothing can follow “cancelled”."
    )
    assert _stored(org_a, test).cancel_reason == "Moved"
    assert len(_events(org_a, "integrations.dr_test.cancelled")) == 1


def test_a_test_completed_since_the_caller_loaded_it_cannot_be_cancelled(
    org_a, partnership, manager
):
    test = _planned(org_a, partnership)
    stale = _stored(org_a, test)
    _record(org_a, test, manager)
    with pytest.raises(TransitionNotAllowed):
        _cancel(org_a, stale, manager, "Moved")
    stored = _stored(org_a, test)
    assert (stored.status, stored.cancel_reason, stored.passed) == ("completed", "", True)
