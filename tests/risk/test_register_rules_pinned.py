"""The risk register pinned rule by rule (found by `make mutation MUTATION_ARGS=risk.register`,
docs/mutation.md: reviews and mitigations had no service test): each refusal on its field in the
user's words, the scales' edges, what a create, update, review, status change and mitigation
store and audit, and the review reminder's words, link and recipients."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import Mitigation, Risk
from tenancy.errors import TransitionNotAllowed
from tenancy.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db
LIKELIHOOD = "1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain"
IMPACT = "1 negligible, 2 minor, 3 moderate, 4 major, 5 severe"


def _risk(manager, partnership, today, **fields):
    data = {
        "title": "Single-sourced castings",
        "category": Risk.Category.SUPPLY_CONTINUITY,
        "inherent_likelihood": 4,
        "inherent_impact": 5,
        **fields,
    }
    return services.risk_create(actor=manager, partnership=partnership, today=today, **data)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# -- rating and allocating --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"inherent_likelihood": None, "inherent_impact": None},
            {
                "inherent_likelihood": ["Rate it on the scale from 1 to 5."],
                "inherent_impact": ["Rate it on the scale from 1 to 5."],
            },
        ),
        (
            {"inherent_likelihood": 0},
            {"inherent_likelihood": [f"Use the scale from 1 to 5 ({LIKELIHOOD})."]},
        ),
        ({"inherent_impact": 6}, {"inherent_impact": [f"Use the scale from 1 to 5 ({IMPACT})."]}),
        (
            {"residual_impact": 2},
            {"residual_likelihood": ["Rate both residual likelihood and impact, or neither."]},
        ),
        (
            {"residual_likelihood": 2},
            {"residual_impact": ["Rate both residual likelihood and impact, or neither."]},
        ),
        (
            {"residual_likelihood": 9, "residual_impact": 2},
            {"residual_likelihood": [f"Use the scale from 1 to 5 ({LIKELIHOOD})."]},
        ),
    ],
)
def test_a_rating_off_the_scales_is_refused_on_its_field(
    scope, manager, partnership, today, fields, errors
):
    with pytest.raises(ValidationError) as refused:
        _risk(manager, partnership, today, **fields)
    assert refused.value.message_dict == errors
    assert not Risk.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_both_ends_of_the_scales_are_ratings(scope, manager, partnership, today, rating):
    risk = _risk(
        manager,
        partnership,
        today,
        inherent_likelihood=rating,
        inherent_impact=rating,
        residual_likelihood=rating,
        residual_impact=rating,
    )
    assert risk.inherent_score == rating * rating


def test_allocation_refusals_say_what_to_choose(scope, manager, partnership, today):
    with pytest.raises(ValidationError) as refused:
        _risk(manager, partnership, today, allocation="retained", allocated_to="partner")
    assert refused.value.message_dict == {
        "allocated_to": ["A retained risk stays with us; choose “Us (the customer)”."]
    }
    with pytest.raises(ValidationError) as refused:
        _risk(manager, partnership, today, allocation="shared", allocation_basis="  ")
    assert refused.value.message_dict == {
        "allocated_to": ["Say which party the risk is transferred to or shared with."],
        "allocation_basis": [
            "Give the basis for allocating it to that party (e.g. their financial strength or "
            "their control of the supply market)."
        ],
    }


def test_a_new_risk_is_stored_with_its_defaults_and_audited(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today, next_review_on=today)
    risk.refresh_from_db()
    assert (risk.allocation, risk.allocated_to, risk.allocation_basis, risk.description) == (
        "retained",
        "customer",
        "",
        "",
    )
    [event] = _events("risk.risk.created")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(risk.pk),
        {
            "partnership": partnership.pk,
            "category": "supply_continuity",
            "inherent": [4, 5],
            "allocation": "retained",
            "allocated_to": "customer",
        },
    )


def test_a_field_a_risk_does_not_have_is_a_programming_error_that_names_it(
    scope, manager, partnership, today
):
    with pytest.raises(TypeError) as refused:
        _risk(manager, partnership, today, colour="red")
    assert str(refused.value) == "Unknown risk fields: ['colour']"
    risk = _risk(manager, partnership, today)
    with pytest.raises(TypeError) as refused:
        services.risk_update(risk=risk, actor=manager, today=today, colour="red")
    assert str(refused.value) == "Unknown risk fields: ['colour']"


def test_a_review_date_in_the_past_is_refused_on_create_and_update(
    scope, manager, partnership, today
):
    with pytest.raises(ValidationError) as refused:
        _risk(manager, partnership, today, next_review_on=today - timedelta(days=1))
    assert refused.value.message_dict == {
        "next_review_on": ["The next review cannot be in the past."]
    }
    risk = _risk(manager, partnership, today)
    with pytest.raises(ValidationError) as refused:
        services.risk_update(
            risk=risk, actor=manager, today=today, next_review_on=today - timedelta(days=1)
        )
    assert refused.value.message_dict == {
        "next_review_on": ["The next review cannot be in the past."]
    }
    services.risk_update(risk=risk, actor=manager, today=today, next_review_on=None)
    services.risk_update(risk=risk, actor=manager, today=today, next_review_on=today)
    assert Risk.objects.get(pk=risk.pk).next_review_on == today


def test_an_update_is_checked_saved_and_audited_only_when_something_changed(
    scope, manager, partnership, today
):
    risk = _risk(manager, partnership, today)
    with pytest.raises(ValidationError) as refused:
        services.risk_update(risk=risk, actor=manager, today=today, inherent_impact=7)
    assert list(refused.value.message_dict) == ["inherent_impact"]
    risk = Risk.objects.get(pk=risk.pk)
    services.risk_update(risk=risk, actor=manager, today=today, title="Single-sourced castings")
    assert _events("risk.risk.updated") == []
    services.risk_update(risk=risk, actor=manager, today=today, inherent_impact=3)
    assert Risk.objects.get(pk=risk.pk).inherent_impact == 3
    [event] = _events("risk.risk.updated")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(risk.pk),
        {"inherent_impact": [5, 3]},
    )


# -- status, reviews, mitigations -------------------------------------------------------------


def test_closing_and_reopening_are_audited_with_the_reason(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today)
    with pytest.raises(ValidationError) as refused:
        services.risk_set_status(risk=risk, actor=manager, status="closed")
    assert refused.value.message_dict == {"reason": ["Say why the risk is closed."]}
    services.risk_set_status(risk=risk, actor=manager, status="closed", reason="Second source")
    with pytest.raises(TransitionNotAllowed):
        services.risk_set_status(risk=risk, actor=manager, status="closed", reason="Again")
    services.risk_set_status(risk=risk, actor=manager, status="open")
    assert Risk.objects.get(pk=risk.pk).status == "open"
    assert [(e.actor, e.changes) for e in _events("risk.risk.closed")] == [
        (manager, {"status": ["open", "closed"], "reason": "Second source"})
    ]
    assert [(e.object_id, e.changes) for e in _events("risk.risk.reopened")] == [
        (str(risk.pk), {"status": ["closed", "open"], "reason": ""})
    ]


def test_a_review_records_the_day_and_the_next_one_after_today(scope, manager, partnership, today):
    risk = _risk(manager, partnership, today)
    for next_review_on in (today, today - timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            services.risk_review_record(
                risk=risk, actor=manager, today=today, next_review_on=next_review_on
            )
        assert refused.value.message_dict == {
            "next_review_on": ["The next review must be after today."]
        }
    tomorrow = today + timedelta(days=1)
    services.risk_review_record(risk=risk, actor=manager, today=today, next_review_on=tomorrow)
    risk.refresh_from_db()
    assert (risk.last_reviewed_on, risk.next_review_on) == (today, tomorrow)
    [event] = _events("risk.risk.reviewed")
    assert (event.actor, event.object_id, event.changes) == (
        manager,
        str(risk.pk),
        {
            "last_reviewed_on": [None, today.isoformat()],
            "next_review_on": [None, tomorrow.isoformat()],
        },
    )
    services.risk_review_record(risk=risk, actor=manager, today=tomorrow, next_review_on=None)
    risk.refresh_from_db()
    assert (risk.last_reviewed_on, risk.next_review_on) == (tomorrow, None)


def test_a_mitigation_says_what_is_done_by_when_and_is_completed_once(
    scope, manager, partnership, today
):
    risk = _risk(manager, partnership, today)
    with pytest.raises(ValidationError) as refused:
        services.mitigation_add(risk=risk, actor=manager, action=" ", due_on=None)
    assert refused.value.message_dict == {
        "action": ["Say what will be done."],
        "due_on": ["Give the day it is due."],
    }
    due = today + timedelta(days=30)
    mitigation = services.mitigation_add(
        risk=risk, actor=manager, action=" Qualify a second foundry ", due_on=due, owner=manager
    )
    mitigation.refresh_from_db()
    assert (mitigation.risk, mitigation.action, mitigation.due_on, mitigation.owner) == (
        risk,
        "Qualify a second foundry",
        due,
        manager,
    )
    [added] = _events("risk.mitigation.added")
    assert (added.actor, added.object_id, added.changes) == (
        manager,
        str(mitigation.pk),
        {"risk": risk.pk, "due_on": due.isoformat()},
    )
    services.mitigation_complete(mitigation=mitigation, actor=manager, today=today)
    services.mitigation_complete(
        mitigation=mitigation, actor=manager, today=today + timedelta(days=1)
    )
    assert Mitigation.objects.get(pk=mitigation.pk).done_on == today
    [completed] = _events("risk.mitigation.completed")
    assert (completed.actor, completed.object_id, completed.changes) == (
        manager,
        str(mitigation.pk),
        {"on": today.isoformat()},
    )


# -- review reminders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "when"),
    [(-1, "is overdue"), (0, "is today"), (1, "is in 1 day"), (7, "is in 7 days")],
)
def test_a_review_reminder_says_when_in_words(scope, manager, partnership, days, when):
    today = date(2030, 1, 10)
    risk = _risk(manager, partnership, today - timedelta(days=30))
    Risk.objects.filter(pk=risk.pk).update(next_review_on=today + timedelta(days=days))
    assert services.risk_review_reminders_send(today=today) == 1
    [note] = Notification.objects.all()
    review_on = today + timedelta(days=days)
    assert (note.recipient, note.title) == (manager, f"Risk review {when}: Single-sourced castings")
    assert note.body == f"Alder drive-train: review the risk by {review_on:%d %b %Y}."
    assert note.url == f"/o/alpha/risk/risks/{risk.pk}/"
    assert note.dedupe_key == f"risk.review:{risk.pk}:{review_on.isoformat()}"
    [event] = _events("risk.risk.review_reminded")
    assert (event.actor, event.actor_label, event.object_id, event.changes) == (
        None,
        "system",
        str(risk.pk),
        {"review_on": review_on.isoformat(), "recipients": 1},
    )


def test_a_closed_risk_or_one_reviewed_later_gets_no_reminder(scope, manager, partnership, today):
    later = _risk(manager, partnership, today, next_review_on=today + timedelta(days=8))
    closed = _risk(manager, partnership, today, next_review_on=today)
    services.risk_set_status(risk=closed, actor=manager, status="closed", reason="Gone")
    assert services.risk_review_reminders_send(today=today) == 0
    assert later.next_review_on == today + timedelta(days=8)


def test_the_risks_owner_hears_of_its_review_too(scope, manager, partnership, today, owner):
    _risk(manager, partnership, today, next_review_on=today, owner=owner)
    assert services.risk_review_reminders_send(today=today) == 2
    assert {n.recipient for n in Notification.objects.all()} == {manager, owner}


# -- second round: what the first pinned round left alive ------------------------------------


def test_a_clause_of_another_partnership_is_refused_in_words_with_the_models_own_checks(
    scope, manager, partnership, today
):
    from tests.contracts.factories import AgreementFactory, ClauseFactory
    from tests.partnerships.factories import PartnershipFactory

    other_clause = ClauseFactory(agreement=AgreementFactory(partnership=PartnershipFactory()))
    with pytest.raises(ValidationError) as refused:
        _risk(manager, partnership, today, clause=other_clause, title="")
    assert refused.value.message_dict["clause"] == [
        "The clause must belong to an agreement of this partnership."
    ]
    assert refused.value.message_dict["title"] == ["This field cannot be blank."]


def test_moving_a_risk_to_another_party_alone_is_audited_as_an_allocation(
    scope, manager, partnership, today
):
    risk = _risk(
        manager,
        partnership,
        today,
        allocation="shared",
        allocated_to="partner",
        allocation_basis="Both control part of the chain.",
    )
    services.risk_update(risk=risk, actor=manager, today=today, allocated_to="insurer")
    [event] = _events("risk.risk.allocated")
    assert event.changes == {"allocated_to": ["partner", "insurer"]}


# -- a page opened before another request's step ----------------------------------------------


def test_a_risk_closed_since_the_page_was_opened_is_not_closed_again(
    scope, manager, partnership, today
):
    risk = _risk(manager, partnership, today)
    stale = Risk.objects.get(pk=risk.pk)  # the page's copy, still open
    services.risk_set_status(risk=risk, actor=manager, status="closed", reason="Second source")
    with pytest.raises(TransitionNotAllowed):
        services.risk_set_status(risk=stale, actor=manager, status="closed", reason="Gone")
    assert len(_events("risk.risk.closed")) == 1


def test_a_mitigation_done_since_the_page_was_opened_keeps_the_day_it_was_done(
    scope, manager, partnership, today
):
    risk = _risk(manager, partnership, today)
    mitigation = services.mitigation_add(
        risk=risk, actor=manager, action="Qualify a second foundry", due_on=today
    )
    stale = Mitigation.objects.get(pk=mitigation.pk)  # the page's copy, not done
    services.mitigation_complete(mitigation=mitigation, actor=manager, today=today)
    services.mitigation_complete(mitigation=stale, actor=manager, today=today + timedelta(days=1))
    assert Mitigation.objects.get(pk=mitigation.pk).done_on == today
    assert len(_events("risk.mitigation.completed")) == 1
