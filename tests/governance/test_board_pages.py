"""Pages of the committee, meetings, RACI, escalations, the inbox and the calendar feed: what
each party sees, bad input as a 400 with the reason, the minutes PDF read back, the feed
without a session, and query counts that do not grow with the rows."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from governance import services
from governance.models import Meeting, MeetingDecision, MinutesPdf, RaciAssignment
from tenancy.context import tenant_scope
from tests.governance.conftest import TODAY
from tests.governance.factories import MeetingFactory
from tests.governance.test_services import draft

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(name, args=["alpha", *args])


def _held_meeting(board, org_a, **fields):
    secretary = board.seats["secretary"].user
    with tenant_scope(org_a):
        meeting = MeetingFactory(
            committee=board, starts_at=timezone.now() - timedelta(hours=1), **fields
        )
        services.meeting_attendance_record(
            meeting=meeting,
            actor=secretary,
            present_member_ids=[m.pk for m in board.seats.values()],
            now=timezone.now(),
        )
    return meeting


def test_the_committee_page_shows_both_parties_to_members_and_guests(board, client_as, partnership):
    for user in (board.seats["chair"].user, board.seats["guest"].user):
        html = client_as(user).get(_url("partnership-committee", partnership.pk)).content.decode()
        customer = html.split('data-testid="customer-members"')[1].split("</table>")[0]
        partner = html.split('data-testid="partner-members"')[1].split("</table>")[0]
        assert "Sam Sponsor" in customer and "Pia Partner-Sponsor" in partner
        assert "Executive sponsor" in partner
        assert ">chair<" not in html and ">Chair<" in html  # labels, not raw codes


def test_the_secretary_schedules_from_the_page_and_a_past_start_is_a_400(
    board, client_as, partnership, org_a
):
    client = client_as(board.seats["secretary"].user)
    url = _url("meeting-schedule", partnership.pk)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    body = {"title": "Steering", "kind": "regular", "duration_minutes": 90, "occurrences": 1}
    response = client.post(url, {**body, "starts_at": past})
    assert response.status_code == 400 and "starts in the past" in response.content.decode()
    future = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**body, "starts_at": future})
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert Meeting.objects.count() == 1
    assert client_as(board.seats["guest"].user).get(url).status_code == 403


def test_the_schedule_page_says_the_services_words_for_a_meeting_too_long(
    board, client_as, partnership, org_a
):
    client = client_as(board.seats["secretary"].user)
    future = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    body = {"title": "Steering", "kind": "regular", "starts_at": future, "occurrences": 1}
    response = client.post(
        _url("meeting-schedule", partnership.pk), {**body, "duration_minutes": 601}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "duration_minutes": ["A meeting lasts 15 to 600 minutes."]
    }
    with tenant_scope(org_a):
        assert not Meeting.objects.exists()


def test_a_decision_page_post_without_quorum_says_why_and_records_nothing(board, client_as, org_a):
    secretary = board.seats["secretary"].user
    with tenant_scope(org_a):
        meeting = MeetingFactory(committee=board, starts_at=timezone.now() - timedelta(hours=1))
        services.meeting_attendance_record(
            meeting=meeting,
            actor=secretary,
            present_member_ids=[board.seats["chair"].pk],
            now=timezone.now(),
        )
    client = client_as(secretary)
    response = client.post(
        _url("meeting-decision", meeting.pk),
        {"title": "Approve", f"vote_{board.seats['chair'].pk}": "for"},
        follow=True,
    )
    assert "No quorum" in response.content.decode()
    with tenant_scope(org_a):
        assert MeetingDecision.objects.count() == 0


def test_the_minutes_pdf_is_a_job_and_reads_back_with_attendance_decisions_and_votes(
    board, client_as, org_a, settings, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    meeting = _held_meeting(board, org_a, title="March steering committee")
    secretary = board.seats["secretary"].user
    with tenant_scope(org_a):
        services.meeting_decision_record(
            meeting=meeting,
            actor=secretary,
            title="Approve the Q3 capacity plan",
            votes=[(board.seats["chair"].user, "for"), (board.seats["guest"].user, "against")],
            now=timezone.now(),
        )
        services.meeting_minutes_save(
            meeting=meeting, actor=secretary, minutes="The partner presented the plan.", today=TODAY
        )
    client = client_as(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("meeting-minutes-pdf", meeting.pk))
    assert response.status_code == 302
    with tenant_scope(org_a):
        [job] = MinutesPdf.objects.all()
    assert response["Location"] == _url("minutes-pdf-job", job.pk)
    assert client.get(_url("minutes-pdf-job", job.pk) + "?format=json").json() == {
        "status": "succeeded",
        "progress": 100,
        "error": "",
    }
    page = client.get(_url("minutes-pdf-job", job.pk)).content.decode()
    assert 'data-testid="minutes-pdf-download"' in page and "data-poll-active" not in page
    download = client.get(_url("minutes-pdf-download", job.pk))
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for expected in (
        "Minutes: March steering committee",
        "Greta Guest",
        "Partner",
        "Approve the Q3 capacity plan",
        "Greta Guest: against",
        "The partner presented the plan.",
    ):
        assert expected in text
    # Draft minutes are the buyer's: the partner neither asks for them nor opens this PDF.
    guest = client_as(board.seats["guest"].user)
    assert guest.post(_url("meeting-minutes-pdf", meeting.pk)).status_code == 404
    assert guest.get(_url("minutes-pdf-download", job.pk)).status_code == 404
    with tenant_scope(org_a):
        assert MinutesPdf.objects.count() == 1


def test_a_guest_never_downloads_a_pdf_of_minutes_rendered_before_approval(board, client_as, org_a):
    meeting = _held_meeting(board, org_a)
    with tenant_scope(org_a):
        job = services.minutes_pdf_request(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            membership=board.seats["secretary"].user.memberships.get(),
            now=timezone.now(),
        )
    secretary = client_as(board.seats["secretary"].user)
    waiting = secretary.get(_url("minutes-pdf-job", job.pk)).content.decode()
    assert "data-poll-active" in waiting  # the page polls until the job is done
    assert secretary.get(_url("minutes-pdf-download", job.pk)).status_code == 404
    with tenant_scope(org_a):
        services.minutes_pdf_generate(job=job, clock=timezone.now)
        Meeting.objects.filter(pk=meeting.pk).update(minutes_status="approved")
    guest = client_as(board.seats["guest"].user)
    assert guest.get(_url("minutes-pdf-job", job.pk)).status_code == 200
    assert guest.get(_url("minutes-pdf-download", job.pk)).status_code == 404


def test_the_raci_grid_refuses_two_accountables_with_a_400(
    client_as, org_a, owner, committee, guest, partnership
):
    with tenant_scope(org_a):
        activity = services.raci_activity_create(
            partnership=partnership, name="Capital investment", actor=owner
        )
    client = client_as(owner)
    url = _url("partnership-raci", partnership.pk)
    save = _url("raci-save", partnership.pk)
    response = client.post(
        save, {f"cell_{activity.pk}_{committee.pk}": "A", f"cell_{activity.pk}_{guest.pk}": "A"}
    )
    assert response.status_code == 400
    assert "exactly one Accountable, not 2" in response.content.decode()
    with tenant_scope(org_a):
        assert RaciAssignment.objects.count() == 0
    response = client.post(
        save, {f"cell_{activity.pk}_{committee.pk}": "A", f"cell_{activity.pk}_{guest.pk}": "R"}
    )
    assert response.status_code == 302
    html = client_as(guest).get(url).content.decode()
    assert 'data-testid="raci-grid"' in html and "<select" not in html  # guests read it


def test_the_inbox_page_lists_change_requests_and_minutes_and_approves_inline(
    board, client_as, org_a, manager, partnership
):
    meeting = _held_meeting(board, org_a)
    secretary = board.seats["secretary"].user
    with tenant_scope(org_a):
        services.meeting_minutes_save(
            meeting=meeting, actor=secretary, minutes="Notes", today=TODAY
        )
        services.meeting_minutes_submit(meeting=meeting, actor=secretary, today=TODAY)
        change_request = draft(manager, partnership, category="price", cost_impact=Decimal("75000"))
        services.change_request_submit(
            change_request=change_request, actor=manager, now=timezone.now()
        )
    chair = client_as(board.seats["chair"].user)
    html = chair.get(_url("governance-inbox")).content.decode()
    assert meeting.title in html.split('data-testid="inbox-minutes"')[1]
    response = chair.post(
        _url("meeting-minutes-approve", meeting.pk), {"next": _url("governance-inbox")}
    )
    assert response.status_code == 302 and response["Location"] == _url("governance-inbox")
    sponsor = client_as(board.seats["sponsor"].user)
    html = sponsor.get(_url("governance-inbox")).content.decode()
    assert "CR-0001" in html.split('data-testid="inbox-change-requests"')[1]
    response = sponsor.post(
        _url("change-request-approve", change_request.pk), {"next": _url("governance-inbox")}
    )
    assert response["Location"] == _url("governance-inbox")


def test_the_calendar_feed_is_read_with_its_token_and_without_a_session(board, client_as, org_a):
    from icalendar import Calendar

    meeting = _held_meeting(board, org_a, title="Quarterly review")
    client = client_as(board.seats["guest"].user)
    html = client.post(_url("calendar-token-rotate")).content.decode()
    feed_url = html.split('data-testid="feed-url">')[1].split("<")[0]
    anonymous = Client()
    response = anonymous.get(feed_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [meeting.title]
    assert anonymous.get(feed_url[:-3] + "xyz").status_code == 404
    # Rotating revokes the old address.
    client.post(_url("calendar-token-rotate"))
    assert anonymous.get(feed_url).status_code == 404


@pytest.mark.parametrize("rows", [2, 10])
def test_committee_and_meeting_pages_use_a_fixed_number_of_queries(
    board, org_a, client_as, partnership, rows, django_assert_max_num_queries
):
    meeting = _held_meeting(board, org_a)
    with tenant_scope(org_a):
        for index in range(rows):
            MeetingFactory(committee=board)
            services.meeting_decision_record(
                meeting=meeting,
                actor=board.seats["secretary"].user,
                title=f"Decision {index}",
                votes=[(board.seats["chair"].user, "for"), (board.seats["guest"].user, "for")],
                now=timezone.now(),
            )
    client = client_as(board.seats["secretary"].user)
    for url, limit in (
        (_url("partnership-committee", partnership.pk), 22),
        (_url("meeting-detail", meeting.pk), 26),
        (_url("governance-inbox"), 14),
    ):
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


def test_the_decision_rights_page_shows_the_defaults_with_separators_and_hides_from_guests(
    client_as, owner, guest
):
    html = client_as(owner).get(_url("decision-rights")).content.decode()
    assert "Budget change above 50,000" in html and "50,000.00" in html
    assert "Both executive sponsors" in html and "30 days" in html
    assert client_as(guest).get(_url("decision-rights")).status_code == 403


def test_a_present_voting_member_of_either_party_casts_their_own_vote_on_the_page(
    board, client_as, org_a
):
    meeting = _held_meeting(board, org_a)
    chair = board.seats["chair"].user
    with tenant_scope(org_a):
        decision = services.meeting_decision_record(
            meeting=meeting,
            actor=board.seats["secretary"].user,
            title="Approve the 2031 roadmap",
            votes=[(chair, "for")],
            now=timezone.now(),
        )
    vote_url = _url("meeting-vote", meeting.pk, decision.pk)
    guest = client_as(board.seats["guest"].user)  # the partner's programme lead
    page = guest.get(_url("meeting-detail", meeting.pk)).content.decode()
    assert vote_url in page and 'data-testid="vote-form"' in page
    refused = guest.post(vote_url, {"choice": "maybe"}, follow=True)
    assert "Vote for, against or abstain." in refused.content.decode()
    cast = guest.post(vote_url, {"choice": "against"}, follow=True)
    html = cast.content.decode()
    assert "Vote recorded" in html and 'data-testid="vote-form"' not in html
    with tenant_scope(org_a):
        choices = sorted(decision.votes.values_list("choice", flat=True))
    assert choices == ["against", "for"]
    # The chair voted when the decision was recorded; the secretary has no vote.
    for seat in ("chair", "secretary"):
        html = client_as(board.seats[seat].user).get(_url("meeting-detail", meeting.pk))
        assert 'data-testid="vote-form"' not in html.content.decode(), seat
    again = guest.post(vote_url, {"choice": "for"}, follow=True)
    assert "already voted on this decision" in again.content.decode()


def test_an_activity_added_by_mistake_is_removed_from_the_raci_page(
    client_as, org_a, owner, committee, guest, partnership
):
    from governance.models import RaciActivity
    from tenancy.models import AuditEvent

    with tenant_scope(org_a):
        activity = services.raci_activity_create(
            partnership=partnership, name="Capital investmnet", actor=owner
        )
    delete = _url("raci-activity-delete", partnership.pk, activity.pk)
    html = client_as(owner).get(_url("partnership-raci", partnership.pk)).content.decode()
    assert delete in html and 'data-confirm="Remove' in html
    guest_client = client_as(guest)
    assert delete not in guest_client.get(_url("partnership-raci", partnership.pk)).content.decode()
    assert guest_client.post(delete).status_code == 403
    assert client_as(owner).post(delete).status_code == 302
    with tenant_scope(org_a):
        assert not RaciActivity.objects.filter(pk=activity.pk).exists()
        event = AuditEvent.objects.get(action="governance.raci.activity_deleted")
    assert (event.actor, event.changes) == (owner, {"activity": "Capital investmnet"})


def test_a_members_seat_is_changed_on_its_own_page(board, client_as, org_a, partnership, owner):
    from governance.models import CommitteeMember
    from tenancy.models import AuditEvent

    seat = board.seats["sponsor"]
    url = _url("committee-member-edit", partnership.pk, seat.pk)
    client = client_as(owner)
    assert url in client.get(_url("partnership-committee", partnership.pk)).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    made_observer = client.post(url, {"role": "observer", "has_vote": "on"})
    assert made_observer.status_code == 400  # an observer has no vote
    assert client.post(url, {"role": "observer"}).status_code == 302
    with tenant_scope(org_a):
        stored = CommitteeMember.objects.get(pk=seat.pk)
        event = AuditEvent.objects.filter(action="governance.committee.member_updated").last()
    assert (stored.role, stored.has_vote) == ("observer", False)
    assert event.actor == owner and event.changes["role"] == ["member", "observer"]
    guest = client_as(board.seats["guest"].user)
    assert url not in guest.get(_url("partnership-committee", partnership.pk)).content.decode()
    assert guest.post(url, {"role": "chair"}).status_code == 403
