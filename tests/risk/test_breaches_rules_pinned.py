"""Cyber duties and data breaches pinned rule by rule (found by `make mutation
MUTATION_ARGS=risk.breaches`, docs/mutation.md: the allocation and the breach's moves had no
service test): the deadline's range, one allocation per partnership, the clock started at
detection (72 hours when none is agreed), the notice in the organization's own time, each move
stamped and audited with whether it was late."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from risk import services
from risk.models import CyberAllocation, DataBreach
from tenancy.errors import TransitionNotAllowed
from tenancy.models import AuditEvent, Notification
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _allocate(manager, partnership, hours=24, **extra):
    fields = {
        "detection_party": "partner",
        "notification_party": "customer",
        "remediation_party": "partner",
        "notification_deadline_hours": hours,
        **extra,
    }
    return services.cyber_allocation_set(actor=manager, partnership=partnership, **fields)


@pytest.mark.parametrize("hours", [None, 0, 721])
def test_the_notification_deadline_is_between_1_and_720_hours(scope, manager, partnership, hours):
    with pytest.raises(ValidationError) as refused:
        _allocate(manager, partnership, hours=hours)
    assert refused.value.message_dict == {
        "notification_deadline_hours": ["The deadline is between 1 and 720 hours."]
    }
    assert not CyberAllocation.objects.exists()


@pytest.mark.parametrize("hours", [1, 720])
def test_both_ends_of_the_deadline_range_are_deadlines(scope, manager, partnership, hours):
    assert _allocate(manager, partnership, hours=hours).notification_deadline_hours == hours


def test_a_partnership_has_one_allocation_that_a_second_setting_changes_and_audits(
    scope, manager, partnership, org_a
):
    first = _allocate(manager, partnership, authorities_to_notify="ICO")
    again = _allocate(manager, partnership, hours=48, customers_to_notify="EU customers")
    _allocate(manager, PartnershipFactory(organization=org_a, owner=manager))
    assert again.pk == first.pk and CyberAllocation.objects.count() == 2
    again.refresh_from_db()
    assert (again.notification_deadline_hours, again.authorities_to_notify) == (48, "")
    assert (again.customers_to_notify, again.detection_party) == ("EU customers", "partner")
    events = AuditEvent.objects.filter(
        action="risk.cyber_allocation.set", object_id=str(first.pk)
    ).order_by("sequence")
    assert [(e.actor, e.changes) for e in events][1] == (
        manager,
        {
            "notification_deadline_hours": [24, 48],
            "authorities_to_notify": ["ICO", ""],
            "customers_to_notify": ["", "EU customers"],
        },
    )


def test_a_breach_detected_now_is_logged_with_the_agreed_clock_and_its_reporter(
    scope, manager, partnership, now
):
    _allocate(manager, partnership, hours=24)
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title=" Leak ", detected_at=now, now=now,
        description="Export bucket public.",
    )  # fmt: skip
    breach.refresh_from_db()
    assert (breach.title, breach.description, breach.reported_by) == (
        "Leak",
        "Export bucket public.",
        manager,
    )
    assert breach.notification_deadline == now + timedelta(hours=24)
    [event] = AuditEvent.objects.filter(action="risk.data_breach.reported")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(breach.pk),
        {"detected_at": "2030-01-10T09:00:00Z", "deadline": "2030-01-11T09:00:00Z"},
    )


def test_without_an_agreed_deadline_the_clock_is_72_hours_and_the_notice_is_in_local_time(
    scope, manager, partnership, now
):
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        breach = services.data_breach_report(
            actor=manager, partnership=partnership, title="Leak", detected_at=now, now=now
        )
    assert breach.notification_deadline == now + timedelta(hours=72)  # 13 Jan 2030 09:00 UTC
    [note] = Notification.objects.all()
    assert (note.recipient, note.title) == (
        manager,
        "Data breach logged: notify by 13 Jan 2030 10:00 CET",
    )
    assert note.body == "Alder drive-train: Leak."
    assert note.url == f"/o/alpha/partnerships/{partnership.pk}/risk/#breaches"
    assert note.dedupe_key == f"risk.breach:{breach.pk}"


def test_a_breach_is_notified_then_closed_each_stamped_and_audited_with_lateness(
    scope, manager, partnership, now
):
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title="Leak", detected_at=now, now=now
    )
    late = breach.notification_deadline + timedelta(seconds=1)
    services.data_breach_transition(breach=breach, actor=manager, status="notified", now=late)
    closed_at = late + timedelta(days=2)
    services.data_breach_transition(breach=breach, actor=manager, status="closed", now=closed_at)
    breach.refresh_from_db()
    assert (breach.status, breach.notified_at, breach.closed_at) == ("closed", late, closed_at)
    notified = AuditEvent.objects.get(action="risk.data_breach.notified")
    assert (notified.actor, notified.object_id, notified.changes) == (
        manager,
        str(breach.pk),
        {"status": ["open", "notified"], "late": True},
    )
    assert AuditEvent.objects.get(action="risk.data_breach.closed").changes == {
        "status": ["notified", "closed"],
        "late": True,
    }
    with pytest.raises(TransitionNotAllowed):
        services.data_breach_transition(breach=breach, actor=manager, status="open", now=late)


def test_a_breach_notified_on_its_deadline_is_in_time_and_closing_it_stamps_no_notice(
    scope, manager, partnership, now
):
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title="Leak", detected_at=now, now=now
    )
    services.data_breach_transition(
        breach=breach, actor=manager, status="closed", now=breach.notification_deadline
    )
    breach = DataBreach.objects.get(pk=breach.pk)
    assert (breach.notified_at, breach.closed_at) == (None, breach.notification_deadline)
    assert AuditEvent.objects.get(action="risk.data_breach.closed").changes["late"] is False


def test_a_breach_detected_after_now_is_refused_in_words_and_one_now_has_no_description(
    scope, manager, partnership, now
):
    with pytest.raises(ValidationError) as refused:
        services.data_breach_report(
            actor=manager,
            partnership=partnership,
            title="Leak",
            detected_at=now + timedelta(seconds=1),
            now=now,
        )
    assert refused.value.message_dict == {
        "detected_at": ["A breach cannot be detected in the future."]
    }
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title="Leak", detected_at=now, now=now
    )
    assert DataBreach.objects.get(pk=breach.pk).description == ""


def test_a_breach_notified_since_the_page_was_opened_keeps_the_time_it_was_notified(
    scope, manager, partnership, now
):
    breach = services.data_breach_report(
        actor=manager, partnership=partnership, title="Leak", detected_at=now, now=now
    )
    stale = DataBreach.objects.get(pk=breach.pk)  # the page's copy, still open
    in_time = breach.notification_deadline
    services.data_breach_transition(breach=breach, actor=manager, status="notified", now=in_time)
    with pytest.raises(TransitionNotAllowed):
        services.data_breach_transition(
            breach=stale, actor=manager, status="notified", now=in_time + timedelta(days=1)
        )
    assert DataBreach.objects.get(pk=breach.pk).notified_at == in_time
    assert AuditEvent.objects.filter(action="risk.data_breach.notified").count() == 1
