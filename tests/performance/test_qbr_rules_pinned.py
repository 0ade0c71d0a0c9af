"""QBR rules pinned against the mutants that survived `make mutation` (docs/mutation.md): what a
scheduled review stores and who attends, the year's rhythm (which days, which hour, once), the
agenda's exact lines, what recording a review keeps, action items and their statuses, the
reminders (who, when, once, in which words) and the calendar invitation."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from performance import services
from performance.models import ActionItem, Qbr, QbrAttendee
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Notification, Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import (
    ActionItemFactory,
    QbrAttendeeFactory,
    QbrFactory,
    ScorecardFactory,
    SlaBreachFactory,
)

pytestmark = pytest.mark.django_db

WHEN = datetime(2025, 4, 15, 10, tzinfo=UTC)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _schedule(manager, partnership, quarter=date(2025, 1, 1), **extra):
    return services.qbr_schedule(
        actor=manager, partnership=partnership, quarter=quarter, scheduled_at=WHEN, **extra
    )


# --- Scheduling ---------------------------------------------------------------------------------


def test_a_qbr_is_stored_for_the_quarter_of_the_given_day_with_each_attendee_once(
    org_a, manager, make_member, scenario
):
    partner = make_member(org_a, email="partner@alpha.test")
    with tenant_scope(org_a):
        qbr = _schedule(
            manager,
            scenario["partnership"],
            quarter=date(2025, 5, 20),
            attendees=[manager, None, partner, manager],
            location="Plant 2, room B",
        )
        stored = Qbr.objects.get()
        assert stored.pk == qbr.pk
        assert stored.partnership == scenario["partnership"]
        assert stored.quarter_start == date(2025, 4, 1)
        assert stored.scheduled_at == WHEN
        assert stored.location == "Plant 2, room B"
        assert stored.status == "scheduled"
        attendees = QbrAttendee.objects.filter(qbr=stored)
        assert sorted(a.user_id for a in attendees) == sorted([manager.pk, partner.pk])
        assert {a.organization_id for a in attendees} == {org_a.pk}
        assert {a.attended for a in attendees} == {None}
        # The agenda is built and stored with the review, not left empty.
        assert [section["title"] for section in stored.agenda] == [
            "Scorecard review",
            "SLA breaches",
            "Open action items",
            "Improvement initiatives and next quarter's priorities",
        ]
        [event] = _events("performance.qbr.scheduled")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.qbr", str(qbr.pk))
        assert event.object_repr == "QBR Q2 2025"


def test_another_partnerships_qbr_of_the_same_quarter_does_not_block_scheduling(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch gearboxes")
        _schedule(manager, other)
        _schedule(manager, scenario["partnership"])
        assert Qbr.objects.filter(quarter_start=date(2025, 1, 1)).count() == 2


def test_a_location_over_200_characters_is_refused_under_its_field(org_a, manager, scenario):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        _schedule(manager, scenario["partnership"], location="x" * 201)
    assert list(refused.value.message_dict) == ["location"]
    with tenant_scope(org_a):
        assert not Qbr.objects.exists()


def test_the_year_is_scheduled_two_weeks_after_each_quarter_at_ten(org_a, manager, scenario):
    with tenant_scope(org_a):
        created = services.qbr_schedule_year(
            actor=manager, partnership=scenario["partnership"], year=2026, attendees=[manager]
        )
        assert [(q.quarter_start, q.scheduled_at) for q in created] == [
            (date(2026, 1, 1), datetime(2026, 4, 15, 10, tzinfo=UTC)),
            (date(2026, 4, 1), datetime(2026, 7, 15, 10, tzinfo=UTC)),
            (date(2026, 7, 1), datetime(2026, 10, 15, 10, tzinfo=UTC)),
            (date(2026, 10, 1), datetime(2027, 1, 15, 10, tzinfo=UTC)),
        ]
        assert QbrAttendee.objects.filter(user=manager).count() == 4
        assert {q.location for q in Qbr.objects.all()} == {""}  # no place given: none stored
        assert len(_events("performance.qbr.scheduled")) == 4
        assert all(e.actor == manager for e in _events("performance.qbr.scheduled"))


def test_scheduling_a_year_again_adds_only_the_missing_quarters(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _schedule(manager, partnership, quarter=date(2026, 1, 1))
        _schedule(manager, partnership, quarter=date(2026, 7, 1))
        created = services.qbr_schedule_year(actor=manager, partnership=partnership, year=2026)
        assert [q.quarter_start for q in created] == [date(2026, 4, 1), date(2026, 10, 1)]
        assert services.qbr_schedule_year(actor=manager, partnership=partnership, year=2026) == []
        assert Qbr.objects.count() == 4


def test_another_partnerships_reviews_do_not_fill_this_partnerships_year(org_a, manager, scenario):
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch gearboxes")
        _schedule(manager, other, quarter=date(2026, 4, 1))
        created = services.qbr_schedule_year(
            actor=manager, partnership=scenario["partnership"], year=2026
        )
        assert [q.quarter_start.month for q in created] == [1, 4, 7, 10]


@pytest.mark.parametrize("year", [2000, 2100])
def test_the_first_and_last_schedulable_years_are_accepted(org_a, manager, scenario, year):
    with tenant_scope(org_a):
        created = services.qbr_schedule_year(
            actor=manager, partnership=scenario["partnership"], year=year
        )
    assert [q.quarter_start.year for q in created] == [year] * 4


@pytest.mark.parametrize("year", [1999, 2101, "2026", 2026.0, None])
def test_a_year_outside_2000_to_2100_or_not_a_number_is_refused_in_words(
    org_a, manager, scenario, year
):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.qbr_schedule_year(actor=manager, partnership=scenario["partnership"], year=year)
    assert refused.value.message_dict == {"year": ["Give a year between 2000 and 2100, e.g. 2026."]}
    with tenant_scope(org_a):
        assert not Qbr.objects.exists()


# --- The agenda ---------------------------------------------------------------------------------


def test_the_agenda_lists_the_quarters_scorecards_breaches_and_open_actions_in_words(
    org_a, manager, make_member, scenario
):
    partnership = scenario["partnership"]
    owner = make_member(org_a, email="ops@alpha.test", full_name="Olga Ops")
    other = PartnershipFactory(organization=org_a, name="Birch gearboxes")
    with tenant_scope(org_a):
        # Scorecards: the quarter's three months (listed by month), not the months around it
        # nor another partnership's.
        ScorecardFactory(organization=org_a, partnership=partnership, period_start=date(2025, 6, 1))
        ScorecardFactory(
            organization=org_a, partnership=partnership, period_start=date(2025, 4, 1), total=None
        )
        ScorecardFactory(
            organization=org_a,
            partnership=partnership,
            period_start=date(2025, 5, 1),
            total=Decimal("71.50"),
        )
        ScorecardFactory(organization=org_a, partnership=partnership, period_start=date(2025, 3, 1))
        ScorecardFactory(organization=org_a, partnership=partnership, period_start=date(2025, 7, 1))
        ScorecardFactory(organization=org_a, partnership=other, period_start=date(2025, 5, 1))
        sla = scenario["sla"]
        SlaBreachFactory(
            organization=org_a,
            sla=sla,
            period_start=date(2025, 4, 1),
            measured_value=Decimal("93.500"),
            service_credit=Decimal("1234.5"),
            currency="EUR",
        )
        SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, 6, 1), currency="EUR")
        SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, 3, 1))
        SlaBreachFactory(organization=org_a, sla=sla, period_start=date(2025, 7, 1))
        SlaBreachFactory(organization=org_a, period_start=date(2025, 5, 1))  # another partnership
        ActionItemFactory(
            organization=org_a,
            partnership=partnership,
            title="Second carrier",
            owner=owner,
            due_date=date(2025, 5, 2),
        )
        ActionItemFactory(
            organization=org_a,
            partnership=partnership,
            title="Buffer stock",
            due_date=date(2025, 5, 9),
            status="in_progress",
        )
        ActionItemFactory(
            organization=org_a, partnership=partnership, title="Closed one", status="done"
        )
        ActionItemFactory(
            organization=org_a, partnership=partnership, title="Dropped", status="cancelled"
        )
        ActionItemFactory(organization=org_a, partnership=other, title="Not ours")
        qbr = _schedule(manager, partnership, quarter=date(2025, 4, 1))
        stored = Qbr.objects.get(pk=qbr.pk)
    assert stored.agenda == [
        {
            "title": "Scorecard review",
            "items": ["Apr 2025: N/A, May 2025: 71.50, Jun 2025: 80.00"],
        },
        {
            "title": "SLA breaches",
            "items": [  # latest first (the breaches' order)
                "Delivery SLA Jun 2025: 93, credit EUR 500.00",
                "Delivery SLA Apr 2025: 93.5, credit EUR 1,234.50",
            ],
        },
        {
            "title": "Open action items",
            "items": [
                "Second carrier (Olga Ops, due 02 May 2025)",
                "Buffer stock (no owner, due 09 May 2025)",
            ],
        },
        {"title": "Improvement initiatives and next quarter's priorities", "items": []},
    ]


def test_an_empty_quarter_gets_an_agenda_that_says_so(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = _schedule(manager, scenario["partnership"])
        assert Qbr.objects.get(pk=qbr.pk).agenda == [
            {"title": "Scorecard review", "items": ["No scorecard yet for this quarter."]},
            {"title": "SLA breaches", "items": ["No breaches this quarter."]},
            {"title": "Open action items", "items": ["None open."]},
            {"title": "Improvement initiatives and next quarter's priorities", "items": []},
        ]


# --- Recording a review -------------------------------------------------------------------------


def test_recording_a_qbr_stores_minutes_decisions_and_who_came(
    org_a, manager, make_member, scenario
):
    partner = make_member(org_a, email="partner@alpha.test")
    with tenant_scope(org_a):
        qbr = _schedule(manager, scenario["partnership"], attendees=[manager, partner])
        services.qbr_record(
            qbr=qbr,
            actor=manager,
            minutes="Reviewed Q1",
            decisions="Add buffer",
            attended_user_ids=[partner.pk],
        )
        stored = Qbr.objects.get(pk=qbr.pk)
        assert (stored.status, stored.minutes, stored.decisions) == (
            "held",
            "Reviewed Q1",
            "Add buffer",
        )
        came = dict(QbrAttendee.objects.filter(qbr=qbr).values_list("user_id", "attended"))
        assert came == {manager.pk: False, partner.pk: True}
        [event] = _events("performance.qbr.held")
        assert event.actor == manager and event.object_id == str(qbr.pk)

        # Recorded again (a correction): attendance left as it was when not given.
        services.qbr_record(qbr=stored, actor=manager, minutes="Reviewed Q1 (corrected)")
        stored = Qbr.objects.get(pk=qbr.pk)
        assert (stored.minutes, stored.decisions) == ("Reviewed Q1 (corrected)", "")
        came = dict(QbrAttendee.objects.filter(qbr=qbr).values_list("user_id", "attended"))
        assert came == {manager.pk: False, partner.pk: True}
        assert len(_events("performance.qbr.held")) == 2


def test_a_qbr_recorded_without_attendance_leaves_it_unknown(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = _schedule(manager, scenario["partnership"], attendees=[manager])
        services.qbr_record(qbr=qbr, actor=manager)
        assert QbrAttendee.objects.get(qbr=qbr).attended is None
        stored = Qbr.objects.get(pk=qbr.pk)
        assert (stored.status, stored.minutes, stored.decisions) == ("held", "", "")


def test_a_cancelled_qbr_cannot_be_recorded(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = QbrFactory(
            organization=org_a, partnership=scenario["partnership"], status="cancelled"
        )
        with pytest.raises(ConflictError) as refused:
            services.qbr_record(qbr=qbr, actor=manager, minutes="m")
        stored = Qbr.objects.get(pk=qbr.pk)
        assert (stored.status, stored.minutes) == ("cancelled", "")
        assert not _events("performance.qbr.held")
    assert refused.value.message == "This QBR was cancelled."


# --- Action items -------------------------------------------------------------------------------


def test_an_action_item_is_stored_with_its_qbr_and_owner_and_audited(org_a, manager, scenario):
    with tenant_scope(org_a):
        qbr = _schedule(manager, scenario["partnership"])
        item = services.action_item_create(
            actor=manager,
            partnership=scenario["partnership"],
            title="Second carrier",
            due_date=date(2025, 5, 2),
            owner=manager,
            qbr=qbr,
        )
        stored = ActionItem.objects.get()
        assert stored.pk == item.pk
        assert (stored.partnership, stored.qbr, stored.owner) == (
            scenario["partnership"],
            qbr,
            manager,
        )
        assert (stored.title, stored.due_date, stored.status) == (
            "Second carrier",
            date(2025, 5, 2),
            "open",
        )
        [event] = _events("performance.action_item.created")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == ("performance.actionitem", str(item.pk))


def test_an_action_item_without_a_title_is_refused_under_its_field(org_a, manager, scenario):
    with tenant_scope(org_a), pytest.raises(ValidationError) as refused:
        services.action_item_create(
            actor=manager, partnership=scenario["partnership"], title="", due_date=date(2025, 5, 2)
        )
    assert refused.value.message_dict == {"title": ["Give the action a title."]}
    with tenant_scope(org_a), pytest.raises(ValidationError) as both:
        services.action_item_create(
            actor=manager, partnership=scenario["partnership"], title="  ", due_date=None
        )
    assert both.value.message_dict == {
        "title": ["Give the action a title."],
        "due_date": ["Give the action a due date."],
    }
    with tenant_scope(org_a):
        assert not ActionItem.objects.exists()
        item = services.action_item_create(
            actor=manager,
            partnership=scenario["partnership"],
            title="  Second carrier ",
            due_date=date(2025, 5, 2),
        )
        assert ActionItem.objects.get(pk=item.pk).title == "Second carrier"


def test_an_action_items_status_change_is_stored_and_audited_with_before_and_after(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        item = ActionItemFactory(organization=org_a, partnership=scenario["partnership"])
        services.action_item_set_status(item=item, actor=manager, status="in_progress")
        assert ActionItem.objects.get(pk=item.pk).status == "in_progress"
        [event] = _events("performance.action_item.status_changed")
        assert event.actor == manager and event.object_id == str(item.pk)
        assert event.changes == {"status": ["open", "in_progress"]}


def test_setting_an_action_item_to_its_own_status_changes_and_audits_nothing(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        item = ActionItemFactory(organization=org_a, partnership=scenario["partnership"])
        assert services.action_item_set_status(item=item, actor=manager, status="open") is item
        assert not _events("performance.action_item.status_changed")


def test_an_unknown_or_forbidden_status_is_refused_in_words(org_a, manager, scenario):
    with tenant_scope(org_a):
        item = ActionItemFactory(organization=org_a, partnership=scenario["partnership"])
        with pytest.raises(ValidationError) as unknown:
            services.action_item_set_status(item=item, actor=manager, status="finished")
        services.action_item_set_status(item=item, actor=manager, status="done")
        with pytest.raises(TransitionNotAllowed) as forbidden:
            services.action_item_set_status(item=item, actor=manager, status="in_progress")
        assert ActionItem.objects.get(pk=item.pk).status == "done"
        assert len(_events("performance.action_item.status_changed")) == 1
    assert unknown.value.message_dict == {
        "status": ["Choose open, in progress, done or cancelled."]
    }
    assert forbidden.value.message == (
        "An action item cannot go from “done” to “in progress”. "
        "From “done” it can only go to “open”."
    )


# --- Reminders ----------------------------------------------------------------------------------

NOW = datetime(2025, 4, 10, 9, 30, tzinfo=UTC)


def test_attendees_of_qbrs_in_the_next_seven_days_are_reminded_once(
    org_a, manager, make_member, scenario
):
    partner = make_member(org_a, email="partner@alpha.test")
    partnership = scenario["partnership"]

    def qbr(quarter, scheduled_at, status="scheduled"):
        review = QbrFactory(
            organization=org_a,
            partnership=partnership,
            quarter_start=quarter,
            scheduled_at=scheduled_at,
            status=status,
        )
        QbrAttendeeFactory(organization=org_a, qbr=review, user=manager)
        return review

    with tenant_scope(org_a):
        starts_now = qbr(date(2024, 1, 1), NOW)
        QbrAttendeeFactory(organization=org_a, qbr=starts_now, user=partner)
        last_day = qbr(date(2024, 4, 1), NOW + timedelta(days=7))
        qbr(date(2024, 7, 1), NOW + timedelta(days=7, seconds=1))  # too far ahead
        qbr(date(2024, 10, 1), NOW - timedelta(seconds=1))  # already begun
        qbr(date(2025, 1, 1), NOW + timedelta(days=1), status="held")
        qbr(date(2025, 4, 1), NOW + timedelta(days=1), status="cancelled")

        assert services.qbr_reminders_send(now=NOW) == 3
        notes = list(Notification.objects.order_by("recipient__email", "title"))
        url = reverse("partnership-qbrs", args=["alpha", partnership.pk])
        assert [(n.recipient, n.title, n.body, n.url, n.dedupe_key) for n in notes] == [
            (
                manager,
                "QBR Q1 2024 of Alder drive-train on 10 Apr 2025 09:30",
                "The agenda is ready in Partnerline.",
                url,
                f"qbr-reminder:{starts_now.pk}",
            ),
            (
                manager,
                "QBR Q2 2024 of Alder drive-train on 17 Apr 2025 09:30",
                "The agenda is ready in Partnerline.",
                url,
                f"qbr-reminder:{last_day.pk}",
            ),
            (
                partner,
                "QBR Q1 2024 of Alder drive-train on 10 Apr 2025 09:30",
                "The agenda is ready in Partnerline.",
                url,
                f"qbr-reminder:{starts_now.pk}",
            ),
        ]
        reminded = QbrAttendee.objects.filter(reminded_at__isnull=False)
        assert {(a.qbr_id, a.reminded_at) for a in reminded} == {
            (starts_now.pk, NOW),
            (last_day.pk, NOW),
        }
        assert reminded.count() == 3
        assert services.qbr_reminders_send(now=NOW) == 0
        # An hour later the review seven days and a second ahead is in the window.
        assert services.qbr_reminders_send(now=NOW + timedelta(hours=1)) == 1
        # Those reminded keep the time of their reminder: they are not reminded again.
        assert QbrAttendee.objects.get(qbr=last_day).reminded_at == NOW


def test_a_partner_guest_taken_off_the_partnership_is_not_reminded_of_its_qbr(
    org_a, owner, manager, make_member, scenario
):
    """Still a guest of another partnership, so still a member: the reminder asks whether
    they may see this one (`notify(..., about=)`)."""
    from partnerships.services import partnership_invite_guest, partnership_remove_guest

    partnership = scenario["partnership"]
    kept, taken_off = (
        make_member(org_a, Role.PARTNER_GUEST, email=email)
        for email in ("kept@alder.test", "off@alder.test")
    )
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a, name="Birch castings")
        for guest in (kept, taken_off):
            partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
            partnership_invite_guest(partnership=other, guest=guest, actor=owner)
        review = QbrFactory(
            organization=org_a,
            partnership=partnership,
            quarter_start=date(2025, 1, 1),
            scheduled_at=NOW + timedelta(days=2),
        )
        for user in (manager, kept, taken_off):
            QbrAttendeeFactory(organization=org_a, qbr=review, user=user)
        ActionItemFactory(
            organization=org_a, partnership=partnership, owner=taken_off, due_date=NOW.date()
        )
        partnership_remove_guest(partnership=partnership, guest=taken_off, actor=owner)
        services.qbr_reminders_send(now=NOW + timedelta(days=1))
        told = sorted((n.recipient.email, n.title[:8]) for n in Notification.objects.all())
    # The overdue action they still own is still theirs to hear of: nobody else would be told.
    assert told == [
        ("kept@alder.test", "QBR Q1 2"),
        ("manager@alpha.test", "QBR Q1 2"),
        ("off@alder.test", "Overdue "),
    ]


def test_the_reminder_window_is_the_number_of_days_given(org_a, manager, scenario):
    with tenant_scope(org_a):
        review = QbrFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            scheduled_at=NOW + timedelta(days=3),
        )
        QbrAttendeeFactory(organization=org_a, qbr=review, user=manager)
        assert services.qbr_reminders_send(now=NOW, days_before=2) == 0
        assert services.qbr_reminders_send(now=NOW, days_before=3) == 1


def test_owners_of_overdue_open_actions_are_reminded_once_each_unowned_ones_via_the_partnership(
    org_a, manager, make_member, scenario
):
    partnership = scenario["partnership"]
    other_owner = make_member(org_a, email="ops@alpha.test")

    def item(title, due, **extra):
        return ActionItemFactory(
            organization=org_a,
            partnership=partnership,
            title=title,
            due_date=due,
            **{"owner": manager, **extra},
        )

    with tenant_scope(org_a):
        yesterday = item("Second carrier", date(2025, 4, 9))
        started = item("Buffer stock", date(2025, 3, 1), status="in_progress", owner=other_owner)
        item("Due today", date(2025, 4, 10))
        item("Done", date(2025, 3, 1), status="done")
        item("Cancelled", date(2025, 3, 1), status="cancelled")
        nobodys = item("Nobody's", date(2025, 3, 1), owner=None)  # the partnership's owner's

        assert services.qbr_reminders_send(now=NOW) == 3
        url = reverse("performance-actions", args=["alpha"])
        notes = Notification.objects.order_by("recipient__email", "title")
        assert [(n.recipient, n.title, n.body, n.url, n.dedupe_key) for n in notes] == [
            (
                manager,
                "Overdue action: Nobody's",
                "Alder drive-train: due 01 Mar 2025.",
                url,
                f"action-overdue:{nobodys.pk}",
            ),
            (
                manager,
                "Overdue action: Second carrier",
                "Alder drive-train: due 09 Apr 2025.",
                url,
                f"action-overdue:{yesterday.pk}",
            ),
            (
                other_owner,
                "Overdue action: Buffer stock",
                "Alder drive-train: due 01 Mar 2025.",
                url,
                f"action-overdue:{started.pk}",
            ),
        ]
        reminded = ActionItem.objects.filter(overdue_reminded_at__isnull=False)
        assert {(a.pk, a.overdue_reminded_at) for a in reminded} == {
            (yesterday.pk, NOW),
            (started.pk, NOW),
            (nobodys.pk, NOW),
        }
        assert services.qbr_reminders_send(now=NOW + timedelta(days=1)) == 1  # "Due today"
        assert services.qbr_reminders_send(now=NOW + timedelta(days=2)) == 0
        assert ActionItem.objects.get(pk=yesterday.pk).overdue_reminded_at == NOW


def test_an_overdue_action_nobody_owns_anywhere_goes_to_the_admins(org_a, make_member):
    admin = make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    with tenant_scope(org_a):
        nobodys = PartnershipFactory(organization=org_a, owner=None)
        item = ActionItemFactory(
            organization=org_a, partnership=nobodys, owner=None, due_date=date(2025, 4, 1)
        )
        assert services.qbr_reminders_send(now=NOW) == 1
        [note] = Notification.objects.filter(dedupe_key=f"action-overdue:{item.pk}")
    assert note.recipient == admin


# --- The calendar invitation --------------------------------------------------------------------


def test_the_invitation_carries_the_qbrs_time_place_agenda_and_attendees(
    org_a, manager, make_member, scenario
):
    partner = make_member(org_a, email="partner@alpha.test", full_name="Pia Partner")
    with tenant_scope(org_a):
        qbr = _schedule(
            manager, scenario["partnership"], attendees=[manager, partner], location="Room B"
        )
        stored = Qbr.objects.get(pk=qbr.pk)
        calendar = Calendar.from_ical(services.qbr_ical(qbr=stored))
    assert str(calendar["prodid"]) == "-//Partnerline//QBR//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"qbr-{qbr.pk}@alpha.partnerline"
    assert str(event["summary"]) == "QBR Q1 2025 · Alder drive-train"
    assert event.decoded("dtstart") == WHEN
    assert event.decoded("dtend") == WHEN + timedelta(minutes=90)
    assert event.decoded("dtstamp") == stored.created_at.replace(microsecond=0)
    assert str(event["location"]) == "Room B"
    assert str(event["description"]) == (
        "1. Scorecard review\n2. SLA breaches\n3. Open action items\n"
        "4. Improvement initiatives and next quarter's priorities"
    )
    attendees = event["attendee"]
    assert sorted((str(a), a.params["cn"], a.params["role"]) for a in attendees) == [
        ("mailto:manager@alpha.test", manager.display_name, "REQ-PARTICIPANT"),
        ("mailto:partner@alpha.test", "Pia Partner", "REQ-PARTICIPANT"),
    ]


def test_an_invitation_without_a_place_or_agenda_has_no_location_and_an_empty_description(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        qbr = QbrFactory(
            organization=org_a, partnership=scenario["partnership"], scheduled_at=WHEN, agenda=[]
        )
        calendar = Calendar.from_ical(services.qbr_ical(qbr=qbr))
    [event] = calendar.walk("VEVENT")
    assert "location" not in event
    assert str(event["description"]) == ""
    assert "attendee" not in event


def test_a_qbr_cancelled_since_the_page_was_opened_is_not_recorded_as_held(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        qbr = QbrFactory(organization=org_a, partnership=scenario["partnership"])
        stale = Qbr.objects.get(pk=qbr.pk)  # the page's copy, still scheduled
        Qbr.objects.filter(pk=qbr.pk).update(status="cancelled")
        with pytest.raises(ConflictError) as refused:
            services.qbr_record(qbr=stale, actor=manager, minutes="m")
        stored = Qbr.objects.get(pk=qbr.pk)
        assert (stored.status, stored.minutes) == ("cancelled", "")
        assert not _events("performance.qbr.held")
    assert refused.value.message == "This QBR was cancelled."
