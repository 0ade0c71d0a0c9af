"""Risk services that no other test names: the incident response plan (one per partnership,
audited with what changed) and the review month (the month before the review date)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from risk import services
from risk.models import IncidentResponsePlan
from risk.services.prices import previous_month
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_incident_plan_set_keeps_one_plan_per_partnership_and_audits_what_changed(
    scope, manager, partnership
):
    fields = {"roles": "CISO leads", "contact_tree": "CISO, then CIO", "steps": "Contain"}
    first = services.incident_plan_set(actor=manager, partnership=partnership, **fields)
    again = services.incident_plan_set(
        actor=manager, partnership=partnership, **fields, last_tested_on=date(2030, 1, 5)
    )
    assert again.pk == first.pk and IncidentResponsePlan.objects.count() == 1
    assert IncidentResponsePlan.objects.get().last_tested_on == date(2030, 1, 5)
    events = AuditEvent.objects.filter(action="risk.incident_plan.set").order_by("sequence")
    assert [(e.actor, e.object_id) for e in events] == [(manager, str(first.pk))] * 2
    assert events.last().changes == {"last_tested_on": [None, "2030-01-05"]}


def test_incident_plan_set_refuses_a_plan_without_its_steps(scope, manager, partnership):
    with pytest.raises(ValidationError) as refused:
        services.incident_plan_set(
            actor=manager, partnership=partnership, roles="CISO", contact_tree="CISO", steps=""
        )
    assert list(refused.value.message_dict) == ["steps"]
    assert not IncidentResponsePlan.objects.exists()


@pytest.mark.parametrize(
    ("day", "month"),
    [(date(2030, 3, 15), date(2030, 2, 1)), (date(2030, 1, 1), date(2029, 12, 1))],
)
def test_previous_month_is_the_month_before_the_days_month(day, month):
    assert previous_month(day) == month
