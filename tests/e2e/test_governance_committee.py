"""Joint governance in the browser: the secretary schedules a meeting, members of both parties
attend, a decision is recorded with its vote; a change request whose budget exceeds the
threshold gets both executive sponsors as required approvers, they approve it from their inboxes
(one at a desk, the partner's on a phone), and implementing it drafts the amendment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance import services
from governance.models import ChangeRequest, Meeting, MeetingDecision
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory
from tests.e2e.conftest import pick
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def _fits(page, width) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_meeting_decides_and_both_sponsors_approve_a_large_change_from_their_inboxes(
    page, browser, live_server, login, org_a, make_member, owner
):
    people = {
        "mia": (Role.PROCUREMENT_MANAGER, "mia@alpha.test", "Mia Manager"),
        "carl": (Role.COMMITTEE_MEMBER, "carl@alpha.test", "Carl Committee"),
        "sam": (Role.ORG_ADMIN, "sam@alpha.test", "Sam Sponsor"),
        "greta": (Role.PARTNER_GUEST, "greta@alder.test", "Greta Guest"),
        "pia": (Role.PARTNER_GUEST, "pia@alder.test", "Pia Partner"),
    }
    users = {
        key: make_member(org_a, role, email=email, full_name=name)
        for key, (role, email, name) in people.items()
    }
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, name="Drive-train alliance", owner=users["mia"]
        )
        for key in ("greta", "pia"):
            partnership_invite_guest(partnership=partnership, guest=users[key], actor=owner)
        agreement = AgreementFactory(
            organization=org_a, partnership=partnership, title="Master services agreement"
        )
        committee = services.committee_create(actor=owner, partnership=partnership)
        today = timezone.localdate()
        for key, fields in (
            ("carl", {"role": "chair"}),
            ("mia", {"role": "secretary", "has_vote": False}),
            ("sam", {"is_executive_sponsor": True}),
            ("greta", {"is_programme_lead": True}),
            ("pia", {"is_executive_sponsor": True}),
        ):
            services.committee_member_add(
                committee=committee, user=users[key], actor=owner, today=today, **fields
            )

    # The secretary schedules a meeting from the committee page.
    login(page, users["mia"])
    page.goto(f"/o/alpha/partnerships/{partnership.pk}/governance/")
    page.get_by_test_id("governance-subnav").get_by_role(
        "link", name="Committee & meetings"
    ).click()
    page.get_by_role("link", name="Schedule a meeting").click()
    form = page.get_by_test_id("meeting-form")
    starts = timezone.localtime() + timedelta(days=3)
    form.get_by_label("Title").fill("March steering committee")
    form.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Agenda").fill("Capacity plan\nOpen change requests")
    form.get_by_role("button", name="Schedule and invite").click()
    page.wait_for_url("**/governance/meetings/*/")
    assert page.get_by_test_id("meeting-status").inner_text() == "Scheduled"
    assert page.get_by_test_id("agenda").get_by_text("Capacity plan").is_visible()

    # The day comes: the meeting has begun when its attendance is recorded.
    with tenant_scope(org_a):
        Meeting.objects.filter(committee=committee).update(
            starts_at=timezone.now() - timedelta(minutes=10)
        )
    page.reload()

    # Members of both parties attend; the quorum is reached.
    attendance = page.get_by_test_id("attendance-form")
    for name in ("Carl Committee", "Sam Sponsor", "Greta Guest", "Pia Partner"):
        attendance.get_by_label(name, exact=False).check()
    attendance.get_by_role("button", name="Record attendance").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("quorum").inner_text().startswith("Reached (4 of 4")

    # A decision with its vote.
    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("Decision", exact=True).fill("Approve the Q3 capacity plan")
    decision.get_by_label("Vote of Carl Committee").select_option("for")
    decision.get_by_label("Vote of Sam Sponsor").select_option("for")
    decision.get_by_label("Vote of Greta Guest").select_option("for")
    decision.get_by_label("Vote of Pia Partner").select_option("against")
    decision.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("decision-outcome").inner_text() == "Carried"
    votes = page.get_by_test_id("decision-votes").inner_text()
    assert "Greta Guest: for" in votes and "Pia Partner: against" in votes
    with tenant_scope(org_a):
        assert MeetingDecision.objects.get().votes.count() == 4

    # A change request above the budget threshold: both sponsors are required.
    page.goto(f"/o/alpha/governance/change-requests/new/?partnership={partnership.pk}")
    form = page.get_by_test_id("change-request-form")
    form.get_by_label("Title").fill("Second assembly line")
    pick(form, "Agreement", "master", "Master services agreement (Drive-train alliance)")
    form.get_by_label("Category").select_option(label="Price")
    form.get_by_label("Cost impact").fill("75000")
    form.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/governance/change-requests/*/")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("change-request-status").inner_text() == "Submitted"
    customer = page.get_by_test_id("customer-approvers").inner_text()
    partner = page.get_by_test_id("partner-approvers").inner_text()
    assert "Sam Sponsor" in customer and "Executive sponsor: Budget change above 50,000" in customer
    assert "Pia Partner" in partner and "Executive sponsor" in partner

    # Each sponsor approves from their inbox: ours at a desk, the partner's on a phone.
    for key, viewport in (("sam", DESK), ("pia", PHONE)):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        sponsor_page = context.new_page()
        login(sponsor_page, users[key])
        sponsor_page.goto("/o/alpha/governance/")
        sponsor_page.get_by_test_id("inbox-link").click()
        item = sponsor_page.get_by_test_id("inbox-item").filter(has_text="Second assembly line")
        item.get_by_role("button", name="Approve").first.click()
        sponsor_page.wait_for_load_state("networkidle")
        assert sponsor_page.url.endswith("/governance/inbox/")
        assert (
            "No change request awaits your decision"
            in sponsor_page.get_by_test_id("inbox-change-requests").inner_text()
        )
        assert _fits(sponsor_page, viewport["width"])
        context.close()

    # Approved by both parties; implementing it drafts the amendment of the agreement.
    page.reload()
    assert page.get_by_test_id("change-request-status").inner_text() == "Approved"
    page.get_by_role("button", name="Mark implemented").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("change-request-status").inner_text() == "Implemented"
    assert "Amendment to Master services agreement" in page.get_by_test_id("amendment").inner_text()
    with tenant_scope(org_a):
        change_request = ChangeRequest.objects.get(title="Second assembly line")
        assert change_request.amendment.amends_id == agreement.pk
        assert change_request.amendment.status == "draft"

    # The guest's committee and meeting pages fit a phone.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    guest_page = phone.new_page()
    login(guest_page, users["greta"])
    guest_page.goto(f"/o/alpha/partnerships/{partnership.pk}/governance/committee/")
    assert guest_page.get_by_test_id("partner-members").get_by_text("Pia Partner").is_visible()
    assert _fits(guest_page, PHONE["width"])
    guest_page.get_by_test_id("past-meetings").get_by_role("link").first.click()  # held
    guest_page.wait_for_url("**/governance/meetings/*/")
    assert "Approve the Q3 capacity plan" in guest_page.get_by_test_id("decisions").inner_text()
    assert _fits(guest_page, PHONE["width"])
    phone.close()
