"""A legal reviewer uploads a contract, sees the detected clauses and deviations, corrects one
proposal and decides every clause; approval is possible only once every clause is settled
(accepted, or redlined with the partner's agreement), and the summary PDF then shows the
accepted terms."""

import pytest

from contracts.models import Agreement, Clause, ClauseVersion
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import PlaybookClauseFactory, PlaybookRuleFactory
from tests.contracts.samples import MSA_TEXT
from tests.e2e.conftest import pick
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cards(page):
    return page.get_by_test_id("clause-card")


def _decide(page, index, decision):
    card = _cards(page).nth(index)
    card.get_by_label(decision, exact=True).check()
    card.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state("networkidle")


def test_a_legal_reviewer_uploads_reviews_corrects_and_approves_a_contract(
    page, login, org_a, make_member, settings
):
    settings.TASKS_INLINE = True  # no worker in the live-server test: run the task inline
    lawyer = make_member(org_a, Role.LEGAL, email="lena@alpha.test", full_name="Lena Legal")
    PartnershipFactory(organization=org_a, name="Drive-train alliance")
    PlaybookRuleFactory(organization=org_a)  # cap ≥ 1× annual fees, a red line
    PlaybookRuleFactory(
        organization=org_a,
        playbook_clause=PlaybookClauseFactory(
            organization=org_a, clause_type="termination_for_convenience"
        ),
        name="Termination notice at least 90 days",
        parameter="notice_days",
        operator="gte",
        value=90,
        severity="warning",
    )

    login(page, lawyer)
    page.goto("/o/alpha/contracts/upload/")
    form = page.get_by_test_id("upload-form")
    pick(form, "Partnership", "drive", "Drive-train alliance")
    form.get_by_label("Title").fill("Alder MSA 2025")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "alder-msa.txt", "mimeType": "text/plain", "buffer": MSA_TEXT.encode()}]
    )
    form.get_by_role("button", name="Upload and read").click()

    # The job page shows progress and, when done, the way to the review.
    page.wait_for_url("**/contracts/intake/*/")
    assert page.get_by_test_id("job-status").inner_text() == "Done"
    assert page.get_by_test_id("job-progress").inner_text() == "100"
    page.get_by_test_id("review-link").click()
    page.wait_for_url("**/review/")

    # Detected clauses, with the red-line deviation on the liability cap.
    cards = _cards(page)
    assert cards.count() == 5
    types = [cards.nth(i).get_attribute("data-clause-type") for i in range(5)]
    assert types == [
        "limitation_of_liability",
        "termination_for_convenience",
        "governing_law",
        "dispute_resolution",
        "renewal",  # the trained detector reads the term clause as a renewal clause
    ]
    cap = cards.nth(0)
    assert "Red line" in cap.get_by_test_id("deviation").inner_text()
    assert "Cap at least 1× annual fees" in cap.inner_text()
    assert "Fallback" in cards.nth(1).get_by_test_id("deviation").inner_text()

    # Correct one proposal: legal states the renewal clause's parameters.
    term = cards.nth(4)
    term.locator("select[name$=clause_type]").select_option("renewal")
    term.locator("textarea[name$=parameters]").fill("renewal_months = 12\nnotice_days = 90")
    term.get_by_role("button", name="Save correction").click()
    page.wait_for_load_state("networkidle")
    term = _cards(page).nth(4)
    assert term.get_attribute("data-clause-type") == "renewal"
    assert term.get_by_test_id("clause-proposal").inner_text() == "Corrected by legal"

    # Start the review and accept every clause but the liability cap.
    page.get_by_role("button", name="Start legal review").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("agreement-status").inner_text() == "In legal review"
    for index in range(1, 5):
        _decide(page, index, "Accept")
    assert page.get_by_test_id("decided-count").inner_text() == "4 of 5"

    # Accepting the cap would waive a red line: refused, with the reason under the field.
    _decide(page, 0, "Accept")
    assert "waives the red line" in page.locator("p.error[data-field=justification]").inner_text()
    assert page.get_by_test_id("decided-count").inner_text() == "4 of 5"

    # Approval is not possible while a clause is unsettled: the blockers say why.
    assert "Red-line deviation open" in page.get_by_test_id("blockers").inner_text()
    assert page.get_by_test_id("approve").is_disabled()

    # A redline that meets the playbook closes the red line, but the partner must agree.
    cap = _cards(page).nth(0)
    cap.get_by_label("Propose redline", exact=True).check()
    cap.locator("textarea[name$=redline_text]").fill(
        "Each party's total liability shall not exceed 150% of the fees paid in the twelve"
        " months preceding the claim."
    )
    cap.locator("textarea[name$=redline_parameters]").fill("cap_multiple = 1.5")
    cap.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state("networkidle")
    assert "Redline proposed" in _cards(page).nth(0).get_by_test_id("clause-decision").inner_text()
    assert "wait for the partner's agreement" in page.get_by_test_id("blockers").inner_text()
    assert page.get_by_test_id("approve").is_disabled()

    # The reviewer records how the partner agreed; now every clause is settled.
    cap = _cards(page).nth(0)
    cap.get_by_text("Record the partner's agreement").click()
    cap.get_by_label("How the partner agreed").fill("Their counsel agreed by e-mail on 3 May.")
    cap.get_by_role("button", name="Record agreement").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("blockers").count() == 0
    page.get_by_test_id("approve").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("agreement-status").inner_text() == "Approved"

    # The summary PDF carries the accepted terms: the redlined 1.5× cap, not the original 0.5×.
    pdf = page.request.get(page.url.replace("/review/", "/summary.pdf"))
    text = _pdf_text(pdf.body())
    assert "1.5× annual fees" in text and "0.5× annual fees" not in text
    assert "150% of the fees paid" in text

    with tenant_scope(org_a):
        agreement = Agreement.objects.get(title="Alder MSA 2025")
        assert agreement.status == Agreement.Status.APPROVED
        corrected = Clause.objects.get(agreement=agreement, order=5)
        assert corrected.detection["code"] == "renewal"  # the detector's answer is kept
        assert corrected.versions.filter(kind=ClauseVersion.Kind.CORRECTION).exists()
    page.goto(f"/o/alpha/contracts/clauses/{_cap_id(org_a, agreement)}/redline/")
    inserted = " ".join(page.get_by_test_id("redline").locator("ins").all_inner_texts())
    deleted = " ".join(page.get_by_test_id("redline").locator("del").all_inner_texts())
    assert "150" in inserted and "0.5" in deleted


def _cap_id(org, agreement):
    with tenant_scope(org):
        return Clause.objects.get(agreement=agreement, clause_type="limitation_of_liability").pk


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
