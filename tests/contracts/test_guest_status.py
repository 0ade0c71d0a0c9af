"""A partner guest reads the buyer's legal review and its approval as one party-neutral status,
"In negotiation", on every page, card, filter, PDF and API answer: review state is the buyer's
(DESIGN.md). Executed, expired and terminated are facts of both parties and read as they are."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from contracts import selectors
from contracts.models import Agreement
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import AgreementFactory
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha"
PAGES = "/o/alpha/contracts"
REVIEW_PILLS = ('class="pill in_legal_review"', 'class="pill approved"', "In legal review")


@pytest.fixture
def world(org_a, owner, make_member):
    """One partnership with the guest on it: an executed agreement, an amendment of it in legal
    review, an approved statement of work under it and a draft."""
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        partnership = PartnershipFactory(organization=org_a)
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)

        def agreement(title, status, **extra):
            return AgreementFactory(
                organization=org_a, partnership=partnership, title=title, status=status, **extra
            )

        executed = agreement(
            "Alder DPA", Agreement.Status.EXECUTED, executed_on=datetime.date(2024, 2, 1)
        )
        agreements = {
            "executed": executed,
            # An amendment of the executed one and a statement of work under it: its page lists
            # both with their status.
            "review": agreement("Alder MSA", Agreement.Status.IN_LEGAL_REVIEW, amends=executed),
            "approved": agreement(
                "Alder SOW", Agreement.Status.APPROVED, approved_at=timezone.now(), parent=executed
            ),
            "draft": agreement("Alder draft", Agreement.Status.DRAFT),
        }
    return {"guest": guest, "partnership": partnership, **agreements}


def _listed(response) -> set[str]:
    return {row["title"] for row in response.json()["results"]}


def test_the_guest_reads_legal_review_and_approval_as_in_negotiation_on_every_agreement_page(
    world, client_as
):
    client = client_as(world["guest"])
    pages = [
        f"{PAGES}/agreements/",
        f"{PAGES}/agreements/{world['review'].pk}/",
        f"{PAGES}/agreements/{world['approved'].pk}/",
        f"{PAGES}/agreements/{world['executed'].pk}/",  # its amendment and its SOW
        f"{PAGES}/agreements/{world['review'].pk}/review/",
        f"/o/alpha/partnerships/{world['partnership'].pk}/contracts/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'class="pill in_negotiation"' in html, url
        assert "In negotiation" in html, url
        for pill in REVIEW_PILLS:
            assert pill not in html, (url, pill)
    listing = client.get(f"{PAGES}/agreements/").content.decode()
    assert 'class="pill executed">Executed' in listing  # a fact of both parties


def test_the_buyer_still_reads_the_review_status(world, client_as, owner):
    html = client_as(owner).get(f"{PAGES}/agreements/").content.decode()
    assert 'class="pill in_legal_review">In legal review' in html
    assert 'class="pill approved">Approved' in html
    assert "in_negotiation" not in html


def test_the_guests_status_cards_have_no_draft_and_one_in_negotiation_count(world, client_as):
    counts = client_as(world["guest"]).get(f"{PAGES}/").context["counts"]
    assert counts == [
        ("In negotiation", 2, "in_negotiation"),
        ("Executed", 1, "executed"),
        ("Expired", 0, "expired"),
        ("Terminated", 0, "terminated"),
    ]


def test_the_buyers_status_cards_count_each_status(world, client_as, owner):
    counts = client_as(owner).get(f"{PAGES}/").context["counts"]
    assert [(value, n) for _, n, value in counts] == [
        ("draft", 1),
        ("in_legal_review", 1),
        ("approved", 1),
        ("executed", 1),
        ("expired", 0),
        ("terminated", 0),
    ]


def test_the_guests_filter_cannot_tell_legal_review_from_approval(world, client_as, owner):
    guest = client_as(world["guest"])

    def titles(client, status):
        response = client.get(f"{PAGES}/agreements/", {"status": status})
        return {a.title for a in response.context["page"].object_list}

    both = {"Alder MSA", "Alder SOW"}
    for status in ("in_negotiation", "approved", "in_legal_review"):
        assert titles(guest, status) == both, status
    assert titles(guest, "executed") == {"Alder DPA"}
    options = guest.get(f"{PAGES}/agreements/").context["statuses"]
    shown = ["in_negotiation", "executed", "expired", "terminated"]
    assert [value for value, _ in options] == shown
    # The buyer filters by each status, and by "in negotiation" as both.
    buyer = client_as(owner)
    assert titles(buyer, "approved") == {"Alder SOW"}
    assert titles(buyer, "in_legal_review") == {"Alder MSA"}
    assert titles(buyer, "in_negotiation") == both


def test_the_guest_api_answers_in_negotiation_without_the_approval_time(
    world, api_as, org_a, owner
):
    guest = api_as(world["guest"], org_a)
    rows = {row["title"]: row for row in guest.get(f"{API}/agreements/").json()["results"]}
    assert rows["Alder MSA"]["status"] == "in_negotiation"
    assert rows["Alder SOW"]["status"] == "in_negotiation"
    assert rows["Alder SOW"]["approved_at"] is None
    assert rows["Alder DPA"]["status"] == "executed"
    one = guest.get(f"{API}/agreements/{world['approved'].pk}/").json()
    assert (one["status"], one["approved_at"]) == ("in_negotiation", None)
    for status in ("approved", "in_legal_review", "in_negotiation"):
        answer = guest.get(f"{API}/agreements/", {"status": status})
        assert _listed(answer) == {"Alder MSA", "Alder SOW"}, status
    buyer = api_as(owner, org_a)
    mine = buyer.get(f"{API}/agreements/{world['approved'].pk}/").json()
    assert mine["status"] == "approved" and mine["approved_at"] is not None
    assert _listed(buyer.get(f"{API}/agreements/", {"status": "approved"})) == {"Alder SOW"}


def test_the_guests_summary_pdf_says_in_negotiation_and_not_approved(world, client_as, owner):
    url = f"{PAGES}/agreements/{world['approved'].pk}/summary.pdf"

    def text(client):
        content = client.get(url).content
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    guest = text(client_as(world["guest"]))
    assert "In negotiation" in guest
    assert "Approved" not in guest and "as approved" not in guest
    buyer = text(client_as(owner))
    assert "Approved" in buyer and "as approved" in buyer


def test_status_shown_is_the_rule_every_reader_goes_through(world, org_a, owner):
    with tenant_scope(org_a):
        guest = world["guest"].memberships.get(organization=org_a)
        buyer = owner.memberships.get(organization=org_a)
    assert selectors.status_shown("approved", guest) == ("in_negotiation", "In negotiation")
    assert selectors.status_shown("in_legal_review", guest) == ("in_negotiation", "In negotiation")
    assert selectors.status_shown("terminated", guest) == ("terminated", "Terminated")
    assert selectors.status_shown("approved", buyer) == ("approved", "Approved")
    assert selectors.status_shown("approved", None) == ("in_negotiation", "In negotiation")
