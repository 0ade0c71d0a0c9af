"""REST API of the contracts module: filters, lifecycle 409s, field errors, query counts."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from contracts import services
from contracts.models import Agreement
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.contracts.factories import (
    AgreementFactory,
    ClauseFactory,
    ObligationFactory,
    PlaybookRuleFactory,
)
from tests.contracts.samples import MSA_TEXT
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


def _agreements(org, n, **kwargs):
    partnership = PartnershipFactory(organization=org)
    found = []
    for i in range(n):
        agreement = AgreementFactory(organization=org, partnership=partnership, **kwargs)
        ClauseFactory(organization=org, agreement=agreement, order=i)
        ObligationFactory(organization=org, agreement=agreement)
        found.append(agreement)
    return found


def test_agreements_filter_by_type_status_partnership_and_expiry(org_a, owner, api_as):
    msa = AgreementFactory(organization=org_a, expiry_date=date(2026, 3, 31))
    sow = AgreementFactory(
        organization=org_a,
        partnership=msa.partnership,
        parent=msa,
        agreement_type="sow",
        expiry_date=date(2027, 6, 30),
        status=Agreement.Status.EXECUTED,
    )
    AgreementFactory(organization=org_a)  # another partnership
    api = api_as(owner, org_a)

    def ids(query):
        response = api.get(f"{API}/agreements/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("type=sow") == {sow.pk}
    assert ids("status=executed") == {sow.pk}
    assert ids(f"partnership={msa.partnership_id}") == {msa.pk, sow.pk}
    assert ids("expiring_before=2026-12-31") >= {msa.pk} and sow.pk not in ids(
        "expiring_before=2026-12-31"
    )


def test_an_illegal_lifecycle_step_is_a_409_with_the_reason(org_a, owner, api_as):
    agreement = AgreementFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/agreements/{agreement.pk}/transition/", {"status": "executed"}, format="json"
    )
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "An agreement that is draft cannot become executed" in message
    assert "in_legal_review" not in message  # labels, never codes


def test_approval_is_a_409_until_every_clause_is_settled(org_a, owner, api_as):
    PlaybookRuleFactory(organization=org_a)
    agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
    clause = ClauseFactory(
        organization=org_a, agreement=agreement, parameters={"cap_multiple": "0.5"}
    )
    api = api_as(owner, org_a)
    response = api.post(f"{API}/agreements/{agreement.pk}/approve/")
    assert response.status_code == 409
    assert "Red-line deviation open" in response.json()["error"]["message"]
    decided = api.post(
        f"{API}/clauses/{clause.pk}/decide/", {"decision": "accepted"}, format="json"
    )
    assert decided.status_code == 400, decided.content
    assert "waives the red line" in decided.json()["error"]["fields"]["justification"][0]
    redline = api.post(
        f"{API}/clauses/{clause.pk}/decide/",
        {
            "decision": "redline",
            "redline_text": "Cap: 2× annual fees.",
            "redline_parameters": {"cap_multiple": "2"},
        },
        format="json",
    )
    assert redline.status_code == 200
    waiting = api.post(f"{API}/agreements/{agreement.pk}/approve/")
    assert waiting.status_code == 409
    assert "wait for the partner's agreement" in waiting.json()["error"]["message"]
    agreed = api.post(
        f"{API}/clauses/{clause.pk}/agree-redline/",
        {"note": "Accepted by their counsel by e-mail on 3 March."},
        format="json",
    )
    assert agreed.status_code == 200, agreed.content
    approved = api.post(f"{API}/agreements/{agreement.pk}/approve/")
    assert approved.json()["status"] == "approved"
    assert approved.json()["liability_cap_multiple"] == "2.00"  # the accepted wording's cap


def test_bad_input_gets_a_message_per_field(org_a, owner, api_as):
    partnership = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/agreements/",
        {
            "partnership": partnership.pk,
            "title": "JV",
            "term_type": "auto_renewing",
            "dispute_resolution": [{"step": "duel"}],
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "dispute_resolution" in fields or "renewal_period_months" in fields


def test_a_partnership_of_another_organization_does_not_exist(org_a, org_b, owner, api_as):
    foreign = PartnershipFactory(organization=org_b)
    response = api_as(owner, org_a).post(
        f"{API}/agreements/", {"partnership": foreign.pk, "title": "Sneaky"}, format="json"
    )
    assert response.status_code == 400
    assert "partnership" in response.json()["error"]["fields"]


def test_a_playbook_rule_needs_a_known_parameter(org_a, owner, api_as):
    rule = PlaybookRuleFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/playbook-rules/",
        {
            "playbook_clause": rule.playbook_clause_id,
            "name": "x",
            "parameter": "vibes",
            "operator": "gte",
            "value": 1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "parameter" in response.json()["error"]["fields"]


def test_only_an_admin_lets_legal_waive_a_red_line_through_the_api(
    org_a, owner, make_member, api_as
):
    rule = PlaybookRuleFactory(organization=org_a, severity="red_line")
    legal = make_member(org_a, Role.LEGAL, email="lena@alpha.test")
    refused = api_as(legal, org_a).patch(
        f"{API}/playbook-rules/{rule.pk}/", {"waived_by": "legal"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "waived_by": ["Only an organization admin lets legal reviewers waive a red line."]
    }
    allowed = api_as(owner, org_a).patch(
        f"{API}/playbook-rules/{rule.pk}/", {"waived_by": "legal"}, format="json"
    )
    assert (allowed.status_code, allowed.json()["waived_by"]) == (200, "legal")


def test_an_upload_of_an_unsupported_type_is_a_field_error(org_a, owner, api_as):
    partnership = PartnershipFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/intake-jobs/",
        {"partnership": partnership.pk, "file": SimpleUploadedFile("a.exe", b"MZ")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not a PDF, DOCX or TXT" in response.json()["error"]["fields"]["file"][0]


def test_an_upload_through_the_api_is_read_by_the_real_task(
    org_a, owner, api_as, settings, django_capture_on_commit_callbacks
):
    settings.TASKS_INLINE = True
    partnership = PartnershipFactory(organization=org_a)
    api = api_as(owner, org_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{API}/intake-jobs/",
            {
                "partnership": partnership.pk,
                "file": SimpleUploadedFile("msa.txt", MSA_TEXT.encode()),
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    job = api.get(f"{API}/intake-jobs/{response.json()['id']}/").json()
    assert (job["status"], job["progress"]) == ("succeeded", 100)
    clauses = api.get(f"{API}/clauses/?agreement={job['agreement']}").json()["results"]
    assert clauses[0]["clause_type"] == "limitation_of_liability"


@pytest.mark.parametrize(
    "path",
    [
        "agreements/",
        "clauses/",
        "obligations/",
        "playbook-rules/",
        "playbook-clauses/",
        "clause-comments/",
    ],
)
def test_list_query_counts_do_not_grow_with_rows(
    org_a, owner, api_as, django_assert_max_num_queries, path
):
    _agreements(org_a, 2)
    PlaybookRuleFactory(organization=org_a)
    api = api_as(owner, org_a)
    api.get(f"{API}/{path}")  # warm up: API key last-used write
    with django_assert_max_num_queries(14):
        assert api.get(f"{API}/{path}").status_code == 200
    _agreements(org_a, 12)
    with django_assert_max_num_queries(14):
        assert api.get(f"{API}/{path}").status_code == 200


def test_the_summary_pdf_lists_parties_terms_clauses_and_deviations(org_a, owner, client_as):
    PlaybookRuleFactory(organization=org_a)
    agreement = AgreementFactory(organization=org_a, title="Drive-train MSA")
    ClauseFactory(organization=org_a, agreement=agreement, parameters={"cap_multiple": "0.5"})
    response = client_as(owner).get(f"/o/alpha/contracts/agreements/{agreement.pk}/summary.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Drive-train MSA",
        "Supplier Ltd",
        "England and Wales",
        "Limitation of liability",
        "Cap at least 1× annual fees",
        "Red line",
    ):
        assert expected in text, expected


def test_the_ical_feed_has_the_notice_deadline_after_renewal(org_a, owner, client_as):
    AgreementFactory(
        organization=org_a,
        title="Cloud MSA",
        status=Agreement.Status.EXECUTED,
        term_type="auto_renewing",
        effective_date=date(2018, 1, 1),
        expiry_date=date(2020, 12, 31),
        renewal_period_months=12,
        notice_period_days=90,
    )
    response = client_as(owner).get("/o/alpha/contracts/calendar.ics")
    assert response.status_code == 200
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "Last day to give notice of non-renewal: Cloud MSA" in body


def test_pages_render_for_a_member(org_a, owner, member, client_as):
    agreement = _agreements(org_a, 1)[0]
    with tenant_scope(org_a):
        services.agreement_assign_reviewer(agreement=agreement, reviewer=owner, actor=owner)
    client = client_as(member)
    for url in [
        "/o/alpha/contracts/",
        "/o/alpha/contracts/agreements/",
        f"/o/alpha/contracts/agreements/{agreement.pk}/",
        f"/o/alpha/contracts/agreements/{agreement.pk}/review/",
        "/o/alpha/contracts/obligations/",
        "/o/alpha/contracts/playbook/",
        f"/o/alpha/partnerships/{agreement.partnership_id}/contracts/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/o/alpha/contracts/upload/").status_code == 403  # a viewer


def test_page_query_counts_do_not_grow_with_rows(
    org_a, owner, client_as, django_assert_max_num_queries
):
    PlaybookRuleFactory(organization=org_a)
    agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
    client = client_as(owner)

    def add(n):
        for _ in range(n):
            ClauseFactory(
                organization=org_a, agreement=agreement, parameters={"cap_multiple": "0.5"}
            )
        _agreements(org_a, n)

    urls = [
        "/o/alpha/contracts/",
        "/o/alpha/contracts/agreements/",
        f"/o/alpha/contracts/agreements/{agreement.pk}/",
        f"/o/alpha/contracts/agreements/{agreement.pk}/review/",
        "/o/alpha/contracts/obligations/",
    ]
    add(2)
    for url in urls:
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200, url
    add(10)
    for url in urls:
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200, url


def test_the_contracts_home_counts_agreements_by_status(org_a, owner, client_as):
    AgreementFactory(organization=org_a, status=Agreement.Status.DRAFT)
    AgreementFactory(organization=org_a, status=Agreement.Status.DRAFT)
    AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    counts = {
        value: n for _, n, value in client_as(owner).get("/o/alpha/contracts/").context["counts"]
    }
    assert counts[Agreement.Status.DRAFT] == 2
    assert counts[Agreement.Status.EXECUTED] == 1
    assert counts[Agreement.Status.TERMINATED] == 0
