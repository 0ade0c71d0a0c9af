"""A force majeure event's status follows its end date through FORCE_MAJEURE_LIFECYCLE: it may be
edited while ongoing and once ended (notice, escalation, a corrected end date), it ends once, and
an ended event is never ongoing again (clearing the end date is refused on that field)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import FORCE_MAJEURE_LIFECYCLE, ForceMajeureEvent
from tenancy.context import tenant_scope
from tenancy.errors import TransitionNotAllowed
from tenancy.models import AuditEvent
from tests.page_forms import form_as_sent
from tests.risk.factories import ForceMajeureEventFactory

pytestmark = pytest.mark.django_db

REOPEN_REFUSED = (
    "An ended event cannot be ongoing again: correct its end date rather than clearing it, "
    "or log a new event if the disruption came back."
)


def _log(manager, partnership):
    return services.force_majeure_log(
        actor=manager,
        partnership=partnership,
        title="Flooding at the Rhine plant",
        started_on=date(2030, 3, 1),
        today=date(2030, 3, 2),
    )


def _updates():
    return AuditEvent.objects.filter(action="risk.force_majeure.updated").count()


def _ended(manager, partnership):
    event = _log(manager, partnership)
    services.force_majeure_update(event=event, actor=manager, ended_on=date(2030, 3, 20))
    return ForceMajeureEvent.objects.get(pk=event.pk)


def test_the_lifecycle_has_exactly_the_field_choices_and_ended_is_final():
    states = set(FORCE_MAJEURE_LIFECYCLE.transitions)
    assert states == {value for value, _ in ForceMajeureEvent.Status.choices}
    assert FORCE_MAJEURE_LIFECYCLE.allowed_from("ongoing") == {"ongoing", "ended"}
    assert FORCE_MAJEURE_LIFECYCLE.allowed_from("ended") == {"ended"}
    with pytest.raises(TransitionNotAllowed) as refused:
        FORCE_MAJEURE_LIFECYCLE.check("ended", "ongoing")
    assert refused.value.message == (
        "A force majeure event cannot go from “ended” to “ongoing”. "
        "From “ended” it can only go to “ended”."
    )


def test_an_ended_force_majeure_event_cannot_be_ongoing_again(scope, manager, partnership):
    event = _ended(manager, partnership)
    audited = _updates()
    with pytest.raises(ValidationError) as refused:
        services.force_majeure_update(event=event, actor=manager, ended_on=None)
    assert refused.value.message_dict == {"ended_on": [REOPEN_REFUSED]}
    stored = ForceMajeureEvent.objects.get(pk=event.pk)
    assert (stored.status, stored.ended_on) == ("ended", date(2030, 3, 20))
    assert _updates() == audited


def test_an_event_ended_since_its_page_was_opened_is_not_reopened_by_that_page(
    scope, manager, partnership
):
    event = _log(manager, partnership)
    stale = ForceMajeureEvent.objects.get(pk=event.pk)  # the page's copy: ongoing, no end date
    services.force_majeure_update(event=event, actor=manager, ended_on=date(2030, 3, 20))
    with pytest.raises(ValidationError) as refused:
        services.force_majeure_update(
            event=stale, actor=manager, ended_on=None, notice_given_on=date(2030, 3, 3)
        )
    assert refused.value.message_dict == {"ended_on": [REOPEN_REFUSED]}
    stored = ForceMajeureEvent.objects.get(pk=event.pk)
    assert (stored.status, stored.ended_on, stored.notice_given_on) == (
        "ended",
        date(2030, 3, 20),
        None,
    )


def test_an_ended_event_keeps_ending_when_its_end_date_is_corrected_or_its_notice_recorded(
    scope, manager, partnership
):
    event = _ended(manager, partnership)
    services.force_majeure_update(
        event=event, actor=manager, ended_on=date(2030, 3, 18), notice_given_on=date(2030, 3, 4)
    )
    stored = ForceMajeureEvent.objects.get(pk=event.pk)
    assert (stored.status, stored.ended_on, stored.notice_given_on) == (
        "ended",
        date(2030, 3, 18),
        date(2030, 3, 4),
    )


def test_an_ongoing_event_stays_ongoing_until_it_is_given_an_end_date(scope, manager, partnership):
    event = _log(manager, partnership)
    services.force_majeure_update(event=event, actor=manager, escalation_steps="Call the plant.")
    assert ForceMajeureEvent.objects.get(pk=event.pk).status == "ongoing"
    services.force_majeure_update(event=event, actor=manager, ended_on=date(2030, 3, 5))
    assert ForceMajeureEvent.objects.get(pk=event.pk).status == "ended"


def test_clearing_the_end_date_on_the_edit_page_is_refused_on_its_field(
    client_as, manager, org_a, partnership
):
    with tenant_scope(org_a):
        event = ForceMajeureEventFactory(
            partnership=partnership,
            ended_on=date(2030, 1, 20),
            status=ForceMajeureEvent.Status.ENDED,
        )
    browser = client_as(manager)
    url = f"/o/alpha/risk/force-majeure/{event.pk}/"
    sent = {**form_as_sent(browser.get(url).content.decode()), "ended_on": ""}
    response = browser.post(url, sent)
    assert response.status_code == 400
    assert response.context["form"].errors == {"ended_on": [REOPEN_REFUSED]}
    with tenant_scope(org_a):
        event.refresh_from_db()
    assert (event.status, event.ended_on) == ("ended", date(2030, 1, 20))
