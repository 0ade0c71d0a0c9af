"""Transparency rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
the first due date and its refusal, the fields a disclosure takes, an edit audited only when
something changed, a receipt's date limits and the period of each cadence."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from governance import services
from governance.models import Disclosure
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = date(2030, 1, 10)


def _create(partnership, actor, **fields):
    values = {"party": "partner", "data_type": "margin", "first_due_on": TODAY} | fields
    return services.disclosure_create(partnership=partnership, actor=actor, today=TODAY, **values)


def _events(action):
    return AuditEvent.objects.filter(action=action).order_by("pk")


# --- creating ---------------------------------------------------------------------------------


def test_the_first_disclosure_is_due_today_or_later_and_is_given(scope, partnership, owner):
    for first_due_on in (date(2030, 1, 9), None):
        with pytest.raises(ValidationError) as refused:
            _create(partnership, owner, first_due_on=first_due_on)
        assert refused.value.message_dict == {
            "first_due_on": ["The first disclosure is due today or later."]
        }
    assert not Disclosure.objects.exists()


def test_a_disclosure_takes_its_fields_and_drops_the_others_and_is_audited(
    scope, partnership, owner
):
    disclosure = _create(
        partnership,
        owner,
        first_due_on=date(2030, 2, 1),
        party="customer",
        data_type="overheads",
        description="Plant overheads",
        cadence="monthly",
        last_received_on=date(2029, 1, 1),
        next_due_on=date(2031, 1, 1),
    )
    disclosure.refresh_from_db()
    assert (
        disclosure.organization,
        disclosure.partnership,
        disclosure.party,
        disclosure.data_type,
        disclosure.description,
        disclosure.cadence,
        disclosure.next_due_on,
        disclosure.last_received_on,
    ) == (
        scope,
        partnership,
        "customer",
        "overheads",
        "Plant overheads",
        "monthly",
        date(2030, 2, 1),
        None,
    )
    [event] = _events("governance.disclosure.created")
    assert (event.actor, event.object_id, event.object_type, event.changes) == (
        owner,
        str(disclosure.pk),
        "governance.disclosure",
        {"party": "customer", "data_type": "overheads"},
    )


def test_a_disclosure_is_quarterly_unless_told(scope, partnership, owner):
    assert _create(partnership, owner).cadence == "quarterly"


def test_a_disclosure_of_an_unknown_kind_is_refused(scope, partnership, owner):
    with pytest.raises(ValidationError) as refused:
        _create(partnership, owner, data_type="gossip")
    assert list(refused.value.message_dict) == ["data_type"]
    assert not Disclosure.objects.exists()


# --- editing ----------------------------------------------------------------------------------


def test_an_edit_changes_the_disclosure_fields_only_and_is_audited_with_before_and_after(
    scope, partnership, owner, manager
):
    disclosure = _create(partnership, owner)
    updated = services.disclosure_update(
        disclosure=disclosure,
        actor=manager,
        description="Margin per product line",
        cadence="annually",
        next_due_on=date(2035, 1, 1),
    )
    updated.refresh_from_db()
    assert (updated.description, updated.cadence, updated.next_due_on) == (
        "Margin per product line",
        "annually",
        TODAY,
    )
    [event] = _events("governance.disclosure.updated")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(disclosure.pk),
        {"description": ["", "Margin per product line"], "cadence": ["quarterly", "annually"]},
    )


def test_a_new_cadence_puts_the_next_disclosure_one_new_period_after_the_last_receipt(
    scope, partnership, owner, manager
):
    disclosure = _create(partnership, owner)  # quarterly, first due on TODAY
    services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=TODAY, today=TODAY
    )
    updated = services.disclosure_update(disclosure=disclosure, actor=manager, cadence="monthly")
    assert updated.next_due_on == date(2030, 2, 10)  # was 10 April: a quarter after the receipt
    [event] = _events("governance.disclosure.updated")
    assert event.changes == {
        "cadence": ["quarterly", "monthly"],
        "next_due_on": ["2030-04-10", "2030-02-10"],
    }


def test_before_the_first_receipt_a_new_cadence_keeps_the_agreed_first_due_date(
    scope, partnership, owner
):
    disclosure = _create(partnership, owner, first_due_on=date(2030, 3, 1))
    updated = services.disclosure_update(disclosure=disclosure, actor=owner, cadence="monthly")
    assert updated.next_due_on == date(2030, 3, 1)


def test_an_edit_that_changes_nothing_is_not_audited(scope, partnership, owner):
    disclosure = _create(partnership, owner, description="Margin")
    services.disclosure_update(disclosure=disclosure, actor=owner, description="Margin")
    services.disclosure_update(disclosure=disclosure, actor=owner, next_due_on=date(2035, 1, 1))
    assert not _events("governance.disclosure.updated").exists()


def test_an_edit_to_an_unknown_cadence_is_refused(scope, partnership, owner):
    disclosure = _create(partnership, owner)
    with pytest.raises(ValidationError) as refused:
        services.disclosure_update(disclosure=disclosure, actor=owner, cadence="weekly")
    assert list(refused.value.message_dict) == ["cadence"]
    disclosure.refresh_from_db()
    assert disclosure.cadence == "quarterly"


# --- receiving --------------------------------------------------------------------------------


def test_data_is_received_today_or_earlier_and_on_a_given_day(scope, partnership, owner):
    disclosure = _create(partnership, owner)
    for received_on, message in (
        (date(2030, 1, 11), "The data was received today or earlier."),
        (None, "Give the date it was received."),
    ):
        with pytest.raises(ValidationError) as refused:
            services.disclosure_record_received(
                disclosure=disclosure, actor=owner, received_on=received_on, today=TODAY
            )
        assert refused.value.message_dict == {"received_on": [message]}
    disclosure.refresh_from_db()
    assert (disclosure.last_received_on, disclosure.next_due_on) == (None, TODAY)


def test_a_receipt_before_the_last_one_is_refused_and_one_the_same_day_accepted(
    scope, partnership, owner
):
    disclosure = _create(partnership, owner)
    services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=date(2030, 1, 5), today=TODAY
    )
    with pytest.raises(ValidationError) as refused:
        services.disclosure_record_received(
            disclosure=disclosure, actor=owner, received_on=date(2030, 1, 4), today=TODAY
        )
    assert refused.value.message_dict == {
        "received_on": ["A later disclosure is already recorded."]
    }
    again = services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=date(2030, 1, 5), today=TODAY
    )
    assert again.last_received_on == date(2030, 1, 5)


def test_a_receipt_is_stored_and_audited_with_the_dates_before_and_after(
    scope, partnership, owner, manager
):
    disclosure = _create(partnership, owner, cadence="monthly")
    services.disclosure_record_received(
        disclosure=disclosure, actor=manager, received_on=date(2030, 1, 8), today=TODAY
    )
    services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=TODAY, today=TODAY
    )
    disclosure.refresh_from_db()
    assert (disclosure.last_received_on, disclosure.next_due_on) == (TODAY, date(2030, 2, 10))
    events = _events("governance.disclosure.received")
    assert [(e.actor, e.object_id, e.changes) for e in events] == [
        (
            manager,
            str(disclosure.pk),
            {
                "last_received_on": [None, "2030-01-08"],
                "next_due_on": ["2030-01-10", "2030-02-08"],
            },
        ),
        (
            owner,
            str(disclosure.pk),
            {
                "last_received_on": ["2030-01-08", "2030-01-10"],
                "next_due_on": ["2030-02-08", "2030-02-10"],
            },
        ),
    ]


@pytest.mark.parametrize(
    ("cadence", "next_due_on"),
    [
        ("monthly", date(2030, 2, 10)),
        ("quarterly", date(2030, 4, 10)),
        ("half_yearly", date(2030, 7, 10)),
        ("annually", date(2031, 1, 10)),
    ],
)
def test_the_next_disclosure_is_due_one_period_after_the_receipt(
    scope, partnership, owner, cadence, next_due_on
):
    disclosure = _create(partnership, owner, cadence=cadence)
    services.disclosure_record_received(
        disclosure=disclosure, actor=owner, received_on=TODAY, today=TODAY
    )
    disclosure.refresh_from_db()
    assert disclosure.next_due_on == next_due_on


def test_a_disclosure_is_overdue_only_after_its_due_day(scope, partnership, owner):
    disclosure = _create(partnership, owner, first_due_on=date(2030, 1, 20))
    assert not services.is_overdue(disclosure, today=date(2030, 1, 20))
    assert services.is_overdue(disclosure, today=date(2030, 1, 21))


def test_the_agreed_due_date_is_not_edited_only_a_receipt_moves_it(scope, partnership, owner):
    disclosure = _create(partnership, owner)
    with pytest.raises(ValidationError) as refused:
        services.disclosure_update(
            disclosure=disclosure, actor=owner, cadence="annually", first_due_on=date(2040, 1, 1)
        )
    assert refused.value.message_dict == {
        "first_due_on": ["Set when the disclosure is agreed; a receipt moves it."]
    }
    disclosure.refresh_from_db()
    assert (disclosure.cadence, disclosure.next_due_on) == ("quarterly", TODAY)
