"""What a partner guest sees of contracts: the agreement text and what was shared with the
partner, never the buyer's playbook positions, deviations, review state or internal comments."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import selectors, services
from contracts.models import Agreement, ClauseComment
from partnerships.services import partnership_invite_guest
from tenancy.context import tenant_scope
from tenancy.errors import PermissionDeniedError
from tenancy.models import Role
from tests.contracts.factories import (
    AgreementFactory,
    ClauseFactory,
    PlaybookClauseFactory,
    PlaybookRuleFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha"
PAGES = "/o/alpha/contracts"
PREFERRED = "Liability is capped at 150% of the fees of the preceding 12 months."
FALLBACK = "FALLBACK-POSITION: 125% of annual fees"
RED_LINE = "RED-LINE-POSITION: never below 1x annual fees"
INTERNAL = "INTERNAL-NOTE: we could live with 0.8x if pushed"
SHARED = "SHARED-NOTE: please confirm the carve-outs"


@pytest.fixture
def review(org_a, owner, make_member):
    """An agreement in legal review of a partnership the guest was invited to: a clause that
    breaks a red line, an internal comment, a shared comment and a redline sent to them."""
    legal = make_member(org_a, Role.LEGAL, email="legal@alpha.test")
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        PlaybookClauseFactory(
            organization=org_a,
            clause_type="limitation_of_liability",
            preferred_text=PREFERRED,
            fallback_texts=[FALLBACK],
            red_lines=[RED_LINE],
        )
        PlaybookRuleFactory(organization=org_a)
        agreement = AgreementFactory(
            organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW, title="Alder MSA"
        )
        partnership_invite_guest(partnership=agreement.partnership, guest=guest, actor=owner)
        cap = ClauseFactory(
            organization=org_a, agreement=agreement, parameters={"cap_multiple": "0.5"}
        )
        law = ClauseFactory(
            organization=org_a,
            agreement=agreement,
            clause_type="governing_law",
            text="Governed by the laws of England and Wales.",
            parameters={"governing_law": "England and Wales"},
        )
        services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
        services.clause_comment_add(clause=cap, actor=legal, body=INTERNAL)
        services.clause_comment_add(
            clause=cap, actor=legal, body=SHARED, visibility=ClauseComment.Visibility.SHARED
        )
        services.clause_decide(
            clause=law,
            actor=legal,
            decision="redline",
            comment="Internal reasoning on the redline.",
            redline_text="Governed by the laws of Switzerland.",
            redline_parameters={"governing_law": "Switzerland"},
            now=timezone.now(),
        )
    return {
        "agreement": agreement,
        "cap": cap,
        "law": law,
        "legal": legal,
        "guest": guest,
        "owner": owner,
    }


SECRETS = (PREFERRED, FALLBACK, RED_LINE, INTERNAL, "Cap at least 1", "Internal reasoning")


def test_the_guest_never_sees_the_playbook_position_on_the_review_page(review, client_as):
    page = client_as(review["guest"]).get(f"{PAGES}/agreements/{review['agreement'].pk}/review/")
    assert page.status_code == 200
    html = page.content.decode()
    for secret in SECRETS:
        assert secret not in html
    assert "Playbook position" not in html
    assert "High risk" not in html and "Low risk" not in html
    # What was shared with the partner is there: the text, the redline and the shared comment.
    assert "Governed by the laws of Switzerland." in html
    assert SHARED in html
    assert "Agree to this redline" in html


def test_a_member_sees_the_playbook_and_internal_comments_on_the_review_page(review, client_as):
    html = (
        client_as(review["legal"])
        .get(f"{PAGES}/agreements/{review['agreement'].pk}/review/")
        .content.decode()
    )
    assert PREFERRED in html and RED_LINE in html and INTERNAL in html and SHARED in html


def test_the_guest_contracts_home_shows_no_review_queue_nor_red_line_counts(review, client_as):
    html = client_as(review["guest"]).get(f"{PAGES}/").content.decode()
    assert 'data-testid="review-queue"' not in html
    assert "Open red lines" not in html
    member_html = client_as(review["legal"]).get(f"{PAGES}/").content.decode()
    assert 'data-testid="review-queue"' in member_html


def test_the_guest_agreement_page_and_pdf_show_no_deviation(review, client_as, settings):
    client = client_as(review["guest"])
    html = client.get(f"{PAGES}/agreements/{review['agreement'].pk}/").content.decode()
    for secret in SECRETS:
        assert secret not in html
    assert "red-line deviation" not in html and "Timeline" not in html
    pdf = client.get(f"{PAGES}/agreements/{review['agreement'].pk}/summary.pdf")
    text = _pdf_text(pdf.content)
    assert "Deviations from the playbook" not in text and "Cap at least" not in text
    member_pdf = client_as(review["legal"]).get(
        f"{PAGES}/agreements/{review['agreement'].pk}/summary.pdf"
    )
    assert "Deviations from the playbook" in _pdf_text(member_pdf.content)


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_guest_api_hides_deviations_risk_and_internal_comments(review, api_as, org_a):
    api = api_as(review["guest"], org_a)
    agreement = review["agreement"]
    assert api.get(f"{API}/agreements/{agreement.pk}/deviations/").json() == []
    clause = api.get(f"{API}/clauses/{review['cap'].pk}/").json()
    assert "deviations" not in clause and "risk" not in clause
    assert clause["decision"] == "pending"
    law = api.get(f"{API}/clauses/{review['law'].pk}/").json()
    assert law["decision"] == "redline"
    comments = api.get(f"{API}/clause-comments/", {"clause": review["cap"].pk}).json()
    bodies = [c["body"] for c in comments["results"]] if "results" in comments else comments
    assert bodies == [SHARED]
    versions = api.get(f"{API}/clauses/{review['law'].pk}/versions/").json()
    assert [(v["kind"], v["note"]) for v in versions] == [("redline", "")]
    # A member sees both comments and the deviations.
    member = api_as(review["legal"], org_a)
    assert member.get(f"{API}/agreements/{agreement.pk}/deviations/").json() != []
    member_comments = member.get(f"{API}/clause-comments/", {"clause": review["cap"].pk}).json()
    member_bodies = [c["body"] for c in member_comments.get("results", member_comments)]
    assert INTERNAL in member_bodies and SHARED in member_bodies


def test_selectors_give_a_guest_no_playbook_and_no_queue(review, org_a):
    with tenant_scope(org_a):
        from tenancy.models import Membership

        guest = Membership.objects.get(user=review["guest"])
        legal = Membership.objects.get(user=review["legal"])
        assert selectors.playbook_for(guest) == {}
        assert selectors.review_queue(membership=guest) == []
        assert [a.pk for a in selectors.review_queue(membership=legal)] == [review["agreement"].pk]
        view = selectors.review_view(agreement=review["agreement"], membership=guest)
        assert view.deviations == [] and all(r.playbook is None for r in view.rows)
        assert [c.body for r in view.rows for c in r.threads] == [SHARED]


def test_a_guest_comment_is_always_shared_and_visible_to_both(review, client_as, org_a):
    client = client_as(review["guest"])
    response = client.post(
        f"{PAGES}/clauses/{review['cap'].pk}/comment/",
        {"body": "We need the cap at 0.5x for insurance reasons.", "visibility": "internal"},
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        comment = ClauseComment.objects.get(author=review["guest"])
    assert comment.visibility == ClauseComment.Visibility.SHARED
    page = client.get(f"{PAGES}/agreements/{review['agreement'].pk}/review/").content.decode()
    assert "insurance reasons" in page


def test_a_guest_cannot_reply_under_an_internal_comment(review, org_a):
    with tenant_scope(org_a):
        internal = ClauseComment.objects.get(body=INTERNAL)
    with tenant_scope(org_a), pytest.raises(ValidationError, match="same clause"):
        services.clause_comment_add(
            clause=review["cap"], actor=review["guest"], body="hi", parent=internal
        )


def test_a_viewer_cannot_comment_through_the_api(review, api_as, org_a, make_member):
    viewer = make_member(org_a, Role.VIEWER)
    response = api_as(viewer, org_a).post(
        f"{API}/clause-comments/", {"clause": review["cap"].pk, "body": "hi"}, format="json"
    )
    assert response.status_code == 403


def test_a_guest_of_another_partnership_cannot_comment(review, org_a, make_member):
    stranger = make_member(org_a, Role.PARTNER_GUEST, email="other@guest.test")
    with tenant_scope(org_a), pytest.raises(PermissionDeniedError, match="your partnership"):
        services.clause_comment_add(clause=review["cap"], actor=stranger, body="hello")


def test_the_guest_agrees_to_a_redline_and_only_then_it_is_settled(review, client_as, org_a):
    law = review["law"]
    response = client_as(review["guest"]).post(f"{PAGES}/clauses/{law.pk}/agree/")
    assert response.status_code == 302
    with tenant_scope(org_a):
        law.refresh_from_db()
    assert law.partner_agreed_at is not None and law.partner_agreed_by == review["guest"]
    assert law.is_settled


def test_the_guest_sees_only_redline_versions_on_the_changes_page(review, client_as, org_a):
    with tenant_scope(org_a):
        services.clause_correct(
            clause=review["cap"],
            actor=review["legal"],
            parameters={"cap_multiple": "0.6"},
            note="CORRECTION-NOTE internal",
        )
    html = (
        client_as(review["guest"])
        .get(f"{PAGES}/clauses/{review['cap'].pk}/redline/")
        .content.decode()
    )
    assert "CORRECTION-NOTE" not in html and "Detection corrected" not in html


def test_the_guest_agreement_list_shows_no_review_state(review, client_as):
    html = client_as(review["guest"]).get(f"{PAGES}/agreements/").content.decode()
    assert "Alder MSA" in html and "undecided" not in html
    assert "undecided" in client_as(review["legal"]).get(f"{PAGES}/agreements/").content.decode()


@pytest.mark.parametrize("who", ["guest", "legal"])
def test_the_review_page_costs_the_same_queries_for_3_or_12_clauses(review, client_as, org_a, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(review[who])
    url = f"{PAGES}/agreements/{review['agreement'].pk}/review/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with tenant_scope(org_a):
        for _ in range(10):
            clause = ClauseFactory(organization=org_a, agreement=review["agreement"])
            services.clause_comment_add(clause=clause, actor=review["legal"], body="note")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_guest_never_sees_a_draft_agreement(review, client_as, api_as, org_a):
    with tenant_scope(org_a):
        draft = AgreementFactory(
            organization=org_a,
            partnership=review["agreement"].partnership,
            title="Internal draft SOW",
        )
        clause = ClauseFactory(organization=org_a, agreement=draft)
    client = client_as(review["guest"])
    assert client.get(f"{PAGES}/agreements/{draft.pk}/").status_code == 404
    assert client.get(f"{PAGES}/agreements/{draft.pk}/review/").status_code == 404
    assert client.get(f"{PAGES}/clauses/{clause.pk}/redline/").status_code == 404
    assert "Internal draft SOW" not in client.get(f"{PAGES}/agreements/").content.decode()
    tab = client.get(f"/o/alpha/partnerships/{draft.partnership_id}/contracts/").content.decode()
    assert "Internal draft SOW" not in tab and "Alder MSA" in tab
    api = api_as(review["guest"], org_a)
    assert api.get(f"{API}/agreements/{draft.pk}/").status_code == 404
    assert api.get(f"{API}/clauses/{clause.pk}/").status_code == 404
    member = client_as(review["legal"])
    assert member.get(f"{PAGES}/agreements/{draft.pk}/").status_code == 200


def test_a_refused_comment_comes_back_with_the_visibility_the_member_chose(
    review, client_as, owner
):
    """A comment refused (no text) returns the page with the choice kept: saying "shared" and
    finding it silently back on "internal" (or the reverse) decides who reads the next try."""
    page = client_as(owner).post(
        f"{PAGES}/clauses/{review['cap'].pk}/comment/", {"body": " ", "visibility": "shared"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    refused_form = html[html.index(f'/clauses/{review["cap"].pk}/comment/" class="comment-form"') :]
    refused_form = refused_form[: refused_form.index("</form>")]
    assert '<option value="shared" selected>' in refused_form
    assert '<option value="internal">' in refused_form
    fresh_form = html[html.index(f'/clauses/{review["law"].pk}/comment/" class="comment-form"') :]
    fresh_form = fresh_form[: fresh_form.index("</form>")]
    assert '<option value="internal" selected>' in fresh_form
