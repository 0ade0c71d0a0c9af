"""The API of committees, meetings, votes, RACI, escalations and the inbox: the flow, and bad
input as clear 4xx with nothing changed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from governance import services
from governance.models import Meeting, MeetingDecision, RaciAssignment, Vote
from tenancy.context import tenant_scope
from tests.governance.factories import MeetingFactory
from tests.governance.test_services import draft

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


@pytest.fixture
def secretary_api(board, api_as, org_a):
    return api_as(board.seats["secretary"].user, org_a)


def _meeting(secretary_api, board, **fields):
    body = {
        "committee": board.pk,
        "title": "Steering committee",
        "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
        "agenda": "Capacity\nChange requests",
        **fields,
    }
    return secretary_api.post(f"{API}/meetings/", body, format="json")


def test_the_api_refuses_the_meeting_length_and_series_the_page_refuses_in_the_same_words(
    secretary_api, board, org_a
):
    too_short = _meeting(secretary_api, board, duration_minutes=5)
    assert too_short.status_code == 400
    assert too_short.json()["error"]["fields"] == {
        "duration_minutes": ["A meeting lasts 15 to 600 minutes."]
    }
    too_many = _meeting(secretary_api, board, occurrences=13)
    assert too_many.status_code == 400
    assert too_many.json()["error"]["fields"] == {
        "occurrences": ["Schedule between 1 and 12 meetings."]
    }
    with tenant_scope(org_a):
        assert not Meeting.objects.exists()


def test_a_meeting_is_scheduled_held_and_decided_through_the_api(secretary_api, board, org_a):
    response = _meeting(secretary_api, board, occurrences=2)
    assert response.status_code == 201, response.json()
    meeting_id = response.json()["id"]
    with tenant_scope(org_a):
        assert Meeting.objects.count() == 2
        # The day comes: the meeting has begun when its attendance is recorded.
        Meeting.objects.filter(pk=meeting_id).update(starts_at=timezone.now() - timedelta(hours=1))
    seats = board.seats
    present = [seats[k].pk for k in ("chair", "guest", "sponsor", "partner_sponsor")]
    response = secretary_api.post(
        f"{API}/meetings/{meeting_id}/attendance/", {"present": present}, format="json"
    )
    assert response.status_code == 200 and sorted(response.json()["present"]) == sorted(present)
    response = secretary_api.post(
        f"{API}/meetings/{meeting_id}/decisions/",
        {
            "title": "Approve the Q3 capacity plan",
            "votes": [
                {"user": seats["chair"].user.pk, "choice": "for"},
                {"user": seats["guest"].user.pk, "choice": "for"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["outcome"] == "carried"
    assert {v["party"] for v in response.json()["votes"]} == {"customer", "partner"}


def test_a_meeting_in_the_past_is_a_400_and_nothing_is_scheduled(secretary_api, board, org_a):
    response = _meeting(
        secretary_api, board, starts_at=(timezone.now() - timedelta(hours=2)).isoformat()
    )
    assert response.status_code == 400
    assert "past" in response.json()["error"]["fields"]["starts_at"][0]
    with tenant_scope(org_a):
        assert Meeting.objects.count() == 0


def _held(board, org_a, keys):
    with tenant_scope(org_a):
        meeting = MeetingFactory(committee=board, starts_at=timezone.now() - timedelta(hours=1))
        services.meeting_attendance_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            present_member_ids=[board.seats[k].pk for k in keys],
            now=timezone.now(),
        )
    return meeting


def test_a_decision_without_quorum_is_a_409_and_nothing_is_recorded(secretary_api, board, org_a):
    meeting = _held(board, org_a, ["chair"])
    response = secretary_api.post(
        f"{API}/meetings/{meeting.pk}/decisions/",
        {"title": "Approve", "votes": [{"user": board.seats["chair"].user.pk, "choice": "for"}]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_quorum"
    with tenant_scope(org_a):
        assert MeetingDecision.objects.count() == 0


def test_a_vote_by_a_non_member_is_a_403_and_a_second_vote_a_409(
    secretary_api, board, org_a, owner, api_as
):
    meeting = _held(board, org_a, ["chair", "guest", "sponsor", "partner_sponsor"])
    response = secretary_api.post(
        f"{API}/meetings/{meeting.pk}/decisions/",
        {"title": "Approve", "votes": [{"user": owner.pk, "choice": "for"}]},
        format="json",
    )
    assert response.status_code == 403
    chair = board.seats["chair"].user
    twice = secretary_api.post(
        f"{API}/meetings/{meeting.pk}/decisions/",
        {
            "title": "Approve",
            "votes": [{"user": chair.pk, "choice": "for"}, {"user": chair.pk, "choice": "against"}],
        },
        format="json",
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_voted"
    with tenant_scope(org_a):
        assert MeetingDecision.objects.count() == 0
    decision = secretary_api.post(
        f"{API}/meetings/{meeting.pk}/decisions/",
        {"title": "Approve", "votes": [{"user": chair.pk, "choice": "for"}]},
        format="json",
    ).json()
    guest_api = api_as(board.seats["guest"].user, org_a)
    url = f"{API}/meeting-decisions/{decision['id']}/votes/"
    assert guest_api.post(url, {"choice": "against"}, format="json").status_code == 200
    assert guest_api.post(url, {"choice": "for"}, format="json").status_code == 409
    assert api_as(owner, org_a).post(url, {"choice": "for"}, format="json").status_code == 403
    with tenant_scope(org_a):
        assert Vote.objects.count() == 2


def test_a_raci_row_with_two_accountables_is_a_400_and_nothing_changes(
    api_as, org_a, owner, committee, guest, partnership
):
    api = api_as(owner, org_a)
    activity = api.post(
        f"{API}/raci-activities/", {"partnership": partnership.pk, "name": "Scope change"}
    ).json()
    url = f"{API}/raci-activities/{activity['id']}/assignments/"
    ok = api.put(
        url,
        {"assignments": [{"user": committee.pk, "letter": "A"}, {"user": guest.pk, "letter": "R"}]},
        format="json",
    )
    assert ok.status_code == 200
    assert {a["party"] for a in ok.json()["assignments"]} == {"customer", "partner"}
    bad = api.put(
        url,
        {"assignments": [{"user": committee.pk, "letter": "A"}, {"user": guest.pk, "letter": "A"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "exactly one Accountable" in bad.json()["error"]["fields"]["matrix"][0]
    with tenant_scope(org_a):
        assert sorted(RaciAssignment.objects.values_list("letter", flat=True)) == ["A", "R"]


def test_the_inbox_lists_what_awaits_the_caller_and_decisions_go_through_the_api(
    board, api_as, org_a, manager, partnership
):
    with tenant_scope(org_a):
        change_request = draft(manager, partnership, category="price", cost_impact=Decimal("75000"))
        services.change_request_submit(
            change_request=change_request, actor=manager, now=timezone.now()
        )
    for key in ("sponsor", "partner_sponsor"):
        api = api_as(board.seats[key].user, org_a)
        inbox = api.get(f"{API}/governance-inbox/").json()
        assert [cr["reference"] for cr in inbox["change_requests"]] == ["CR-0001"]
        assert (
            api.post(f"{API}/change-requests/{change_request.pk}/approve/", {}).status_code == 200
        )
        assert api.get(f"{API}/governance-inbox/").json()["change_requests"] == []
    with tenant_scope(org_a):
        change_request.refresh_from_db()
    assert change_request.status == "approved"


def test_an_escalation_is_raised_and_resolved_through_the_api(api_as, org_a, owner, partnership):
    api = api_as(owner, org_a)
    unexplained = api.post(
        f"{API}/escalations/",
        {"partnership": partnership.pk, "title": "Late deliveries", "reason": " "},
        format="json",
    )
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["fields"] == {"reason": ["Say why it is escalated."]}
    response = api.post(
        f"{API}/escalations/",
        {"partnership": partnership.pk, "title": "Late deliveries", "reason": "Third week"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["item_kind"] == "Issue"
    url = f"{API}/escalations/{response.json()['id']}/resolve/"
    assert api.post(url, {}, format="json").status_code == 400
    assert (
        api.post(url, {"resolution": "Extra shift"}, format="json").json()["status"] == "resolved"
    )
    assert api.post(url, {"resolution": "Again"}, format="json").status_code == 409


def test_guests_never_see_the_decision_rules(api_as, org_a, guest, owner):
    with tenant_scope(org_a):
        services.decision_rights_install_defaults(actor=owner)
    assert api_as(guest, org_a).get(f"{API}/decision-right-rules/").json()["results"] == []
    assert len(api_as(owner, org_a).get(f"{API}/decision-right-rules/").json()["results"]) == 4


@pytest.mark.parametrize("rows", [2, 12])
def test_governance_lists_use_a_fixed_number_of_queries(
    board, org_a, api_as, rows, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for _ in range(rows):
            meeting = MeetingFactory(committee=board)
            services.meeting_action_create(
                partnership=board.partnership,
                meeting=meeting,
                actor=board.seats["secretary"].user,
                title="Follow up",
                owner=board.seats["guest"].user,
                due_date=timezone.localdate() + timedelta(days=3),
                today=timezone.localdate(),
            )
    api = api_as(board.seats["chair"].user, org_a)
    for url in ("meetings", "meeting-actions", "committees", "committee-members", "escalations"):
        with django_assert_max_num_queries(12):
            assert api.get(f"{API}/{url}/").status_code == 200
