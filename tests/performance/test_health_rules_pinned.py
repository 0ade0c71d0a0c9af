"""Relationship-health survey rules, pinned against `make mutation` (docs/mutation.md): an answer
is stored for its quarter, with its side, respondent, ratings and comment; ratings are 1 to 5;
one answer per person and quarter, refused in the user's words; every answer is audited; and
through the performance page, a member answers for our side and a partner guest for theirs."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.services import partnership_invite_guest
from performance import services
from performance.models import HealthSurveyResponse
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def _submit(actor, partnership, period=date(2025, 5, 20), side="buyer", **ratings):
    return services.health_survey_submit(
        actor=actor,
        partnership=partnership,
        period_start=period,
        side=side,
        **{"collaboration": 4, "communication": 3, "cultural_alignment": 5, **ratings},
    )


def _stored(response):
    row = HealthSurveyResponse.objects.get(pk=response.pk)
    return {
        "organization": row.organization_id,
        "partnership": row.partnership_id,
        "period_start": row.period_start,
        "side": row.side,
        "respondent": row.respondent,
        "collaboration": row.collaboration,
        "communication": row.communication,
        "cultural_alignment": row.cultural_alignment,
        "comment": row.comment,
    }


def test_an_answer_is_stored_for_its_quarter_and_audited(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        response = _submit(manager, partnership, comment="Weekly calls help.")
        assert _stored(response) == {
            "organization": org_a.pk,
            "partnership": partnership.pk,
            "period_start": date(2025, 4, 1),
            "side": "buyer",
            "respondent": manager,
            "collaboration": 4,
            "communication": 3,
            "cultural_alignment": 5,
            "comment": "Weekly calls help.",
        }
        [event] = AuditEvent.objects.filter(action="performance.health_survey.submitted")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == (
            "performance.healthsurveyresponse",
            str(response.pk),
        )
        assert event.object_repr == "Health 2025-04-01 (buyer)"


def test_an_answer_without_a_comment_stores_none(org_a, manager, scenario):
    with tenant_scope(org_a):
        response = _submit(manager, scenario["partnership"], side="partner")
        stored = _stored(response)
        assert (stored["comment"], stored["side"]) == ("", "partner")


def test_ratings_are_one_to_five(org_a, manager, scenario):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            _submit(manager, partnership, collaboration=0, communication=6, cultural_alignment=3)
        assert refused.value.message_dict == {
            "collaboration": ["Ensure this value is greater than or equal to 1."],
            "communication": ["Ensure this value is less than or equal to 5."],
        }
        assert not HealthSurveyResponse.objects.exists()
        assert not AuditEvent.objects.filter(action="performance.health_survey.submitted")
        lowest = _submit(
            manager, partnership, collaboration=1, communication=1, cultural_alignment=1
        )
        assert _stored(lowest)["collaboration"] == 1
        highest = _submit(
            manager,
            partnership,
            period=date(2025, 7, 1),
            collaboration=5,
            communication=5,
            cultural_alignment=5,
        )
        assert _stored(highest)["cultural_alignment"] == 5


def test_one_answer_per_person_and_quarter_refused_in_the_users_words(
    org_a, manager, scenario, make_member
):
    partnership = scenario["partnership"]
    colleague = make_member(org_a, email="colleague@alpha.test")
    with tenant_scope(org_a):
        _submit(manager, partnership, period=date(2025, 4, 1))
        with pytest.raises(ValidationError) as refused:
            _submit(manager, partnership, period=date(2025, 6, 30))
        assert refused.value.message_dict == {"period_start": ["You already rated this quarter."]}
        # Another person, the next quarter or another partnership is a new answer.
        _submit(colleague, partnership, period=date(2025, 6, 30))
        _submit(manager, partnership, period=date(2025, 7, 1))
        _submit(manager, PartnershipFactory(organization=org_a), period=date(2025, 4, 1))
        assert HealthSurveyResponse.objects.count() == 4
        assert AuditEvent.objects.filter(action="performance.health_survey.submitted").count() == 4


# --- Through the performance page ----------------------------------------------------------------


def _url(scenario):
    return reverse("performance-survey", args=["alpha", scenario["partnership"].pk])


def _post(client, scenario, **data):
    return client.post(
        _url(scenario),
        {
            "period_start": "2025-05",
            "collaboration": "4",
            "communication": "2",
            "cultural_alignment": "3",
            "comment": "",
            **data,
        },
    )


def test_a_member_answers_for_our_side_and_sees_the_quarters_average(
    org_a, manager, scenario, client_as
):
    client = client_as(manager)
    response = _post(client, scenario, comment="Slow escalations.")
    performance = reverse("partnership-performance", args=["alpha", scenario["partnership"].pk])
    assert response.status_code == 302 and response["Location"] == performance
    with tenant_scope(org_a):
        answer = HealthSurveyResponse.objects.get()
        assert _stored(answer)["side"] == "buyer"
        assert _stored(answer)["period_start"] == date(2025, 4, 1)
        assert _stored(answer)["comment"] == "Slow escalations."
    page = client.get(performance).content.decode()
    assert "Thank you: relationship health recorded." in page
    assert "Apr 2025" in page and "3.00" in page


def test_a_partner_guest_answers_for_the_partners_side(
    org_a, manager, scenario, make_member, client_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=scenario["partnership"], guest=guest, actor=manager)
    response = _post(client_as(guest), scenario)
    assert response.status_code == 302
    with tenant_scope(org_a):
        answer = HealthSurveyResponse.objects.get()
        assert (answer.side, answer.respondent) == ("partner", guest)


def test_a_viewer_cannot_answer(org_a, member, scenario, client_as):
    response = _post(client_as(member), scenario)
    assert response.status_code == 403
    with tenant_scope(org_a):
        assert not HealthSurveyResponse.objects.exists()


def test_a_refused_answer_shows_its_reason_under_the_field(org_a, manager, scenario, client_as):
    client = client_as(manager)
    assert _post(client, scenario).status_code == 302
    again = _post(client, scenario, period_start="2025-06")
    assert again.status_code == 400
    html = again.content.decode()
    assert 'data-field="period_start"' in html and "You already rated this quarter." in html
    out_of_range = _post(client, scenario, period_start="2025-07", collaboration="9")
    assert out_of_range.status_code == 400
    assert "less than or equal to 5" in out_of_range.content.decode()
    with tenant_scope(org_a):
        assert HealthSurveyResponse.objects.count() == 1
