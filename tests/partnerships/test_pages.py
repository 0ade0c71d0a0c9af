"""Pages of the partnerships module."""

import re
from datetime import date

import pytest

from partnerships.models import Partnership
from tenancy.context import tenant_scope
from tests.page_forms import form_as_sent
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_the_workspace_marks_its_overview_tab_as_current(owner, org_a, client_as):
    partnership = PartnershipFactory(organization=org_a)
    page = client_as(owner).get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    assert f'<a href="/o/alpha/partnerships/{partnership.pk}/" aria-current="page">Overview' in page


def test_the_list_filters_by_status(owner, org_a, client_as):
    PartnershipFactory(organization=org_a, name="Running", status="active")
    PartnershipFactory(organization=org_a, name="Leaving", status="exiting")
    page = client_as(owner).get("/o/alpha/partnerships/?status=exiting").content.decode()
    assert "Leaving" in page and "Running" not in page


def test_the_dashboard_pages_the_portfolio_and_sums_it_in_sql(
    owner, org_a, client_as, django_assert_max_num_queries
):
    from decimal import Decimal

    PartnershipFactory.create_batch(
        55, organization=org_a, annual_value=Decimal("1000.00"), currency="EUR"
    )
    client = client_as(owner)
    # The portfolio's share: session, membership, tenant, summary (2), page count and rows,
    # header; plus one query per inbox section.
    with django_assert_max_num_queries(23):
        response = client.get("/o/alpha/")
    assert len(response.context["page"].object_list) == 50
    assert response.context["summary"]["total"] == 55
    assert response.context["summary"]["value_by_currency"] == [
        {"currency": "EUR", "total": Decimal("55000.00")}
    ]
    assert len(client.get("/o/alpha/?page=2").context["page"].object_list) == 5


def test_the_dashboard_searches_partner_names(owner, org_a, client_as):
    from tests.partnerships.factories import PartnerFactory

    PartnershipFactory(
        organization=org_a,
        name="Logistics",
        partner=PartnerFactory(organization=org_a, name="Brightwave"),
    )
    PartnershipFactory(organization=org_a, name="Packaging")
    page = client_as(owner).get("/o/alpha/?q=bright")
    assert [p.name for p in page.context["page"]] == ["Logistics"]


# --- Module 1 pages on the demo data -------------------------------------------------------------


@pytest.fixture
def northwind():
    from partnerships import demo
    from tenancy.demo import seed_organization

    tenant = seed_organization("northwind")
    with tenant_scope(tenant.organization):
        demo.seed(tenant)
    return tenant


def _module_one_urls(tenant):
    from partnerships.models import (
        DueDiligenceItem,
        Partner,
        Partnership,
        SourcingCandidate,
        SourcingCase,
    )

    with tenant_scope(tenant.organization):
        everlight = Partnership.objects.get(code="EVER-PE")
        alder = Partnership.objects.get(code="ALDER-DT")
        partner = Partner.objects.get(name="Alder Components GmbH")
        case = SourcingCase.objects.get()
        candidate = SourcingCandidate.objects.filter(case=case).first()
        item = DueDiligenceItem.objects.filter(partnership=everlight).first()
    o = "/o/northwind"
    return [
        f"{o}/",
        f"{o}/partnerships/",
        f"{o}/partnerships/?stage=pipeline",
        f"{o}/partnerships/new/",
        f"{o}/partnerships/{everlight.pk}/",
        f"{o}/partnerships/{everlight.pk}/edit/",
        f"{o}/partnerships/{everlight.pk}/due-diligence/",
        f"{o}/partnerships/{everlight.pk}/due-diligence/{item.pk}/",
        f"{o}/partnerships/{everlight.pk}/onboarding/",
        f"{o}/partnerships/{alder.pk}/strategy/",
        f"{o}/partners/",
        f"{o}/partners/new/",
        f"{o}/partners/{partner.pk}/",
        f"{o}/partners/{partner.pk}/edit/",
        f"{o}/sourcing/",
        f"{o}/sourcing/new/",
        f"{o}/sourcing/{case.pk}/",
        f"{o}/sourcing/{case.pk}/edit/",
        f"{o}/sourcing/{case.pk}/criteria/",
        f"{o}/sourcing/{case.pk}/compare/",
        f"{o}/sourcing/candidates/{candidate.pk}/",
    ]


def test_every_module_one_page_renders_for_a_manager_on_the_demo_data(northwind, client_as):
    client = client_as(northwind.users["procurement_manager"])
    for url in _module_one_urls(northwind):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Traceback" not in response.content


def test_a_partner_guest_opens_none_of_the_buyers_assessment_pages(northwind, client_as):
    client = client_as(northwind.users["partner_guest"])
    internal = [u for u in _module_one_urls(northwind) if not u.endswith("/northwind/")]
    for url in internal:
        if url.endswith("/partnerships/") or "?stage=" in url:
            continue  # the list, limited to their partnerships
        if "/partnerships/" in url and url.rstrip("/").split("/")[-1].isdigit():
            continue  # the overview of their own partnership is theirs to see
        assert client.get(url).status_code in (403, 404), url
    page = client.get("/o/northwind/").content.decode()
    assert "Due diligence" not in page and "Exclusivity" not in page


# --- Bad input on the pages: field errors, nothing saved ----------------------------------------


def test_a_negative_annual_value_comes_back_under_its_field(owner, org_a, client_as):
    from tests.partnerships.factories import PartnerFactory

    partner = PartnerFactory(organization=org_a)
    response = client_as(owner).post(
        "/o/alpha/partnerships/new/",
        {"partner": partner.pk, "name": "Packaging", "code": "PKG", "kind": "alliance",
         "annual_value": "-5", "currency": "EUR"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["annual_value"]
    assert 'data-field="annual_value"' in response.content.decode()
    with tenant_scope(org_a):
        assert not Partnership.objects.filter(code="PKG").exists()


def test_weights_that_do_not_add_up_are_shown_on_the_criteria_page(owner, org_a, client_as):
    from partnerships import services

    with tenant_scope(org_a):
        case = services.sourcing_case_create(actor=owner, title="Need")
        before = list(case.criteria.values_list("name", "weight"))
    response = client_as(owner).post(
        f"/o/alpha/sourcing/{case.pk}/criteria/",
        {"name_0": "Reach", "weight_0": "60", "name_1": "Price", "weight_1": "30"},
    )
    assert response.status_code == 400
    assert "they must add up to 100 %" in response.content.decode()
    with tenant_scope(org_a):
        assert list(case.criteria.values_list("name", "weight")) == before


def test_a_score_out_of_scale_is_shown_under_its_criterion(owner, org_a, client_as):
    from partnerships import services
    from tests.partnerships.factories import SourcingCandidateFactory

    with tenant_scope(org_a):
        case = services.sourcing_case_create(actor=owner, title="Need")
        first = case.criteria.order_by("pk").first()
    candidate = SourcingCandidateFactory(organization=org_a, case=case)
    response = client_as(owner).post(
        f"/o/alpha/sourcing/candidates/{candidate.pk}/",
        {f"score_{first.pk}": "7", "risk_score": "20"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors[f"score_{first.pk}"]
    with tenant_scope(org_a):
        assert not candidate.scores.exists()


def test_the_dashboard_inbox_lists_what_waits_for_the_user_each_a_link(
    owner, org_a, client_as, django_assert_max_num_queries
):
    import datetime

    from tests.partnerships.factories import (
        DueDiligenceItemFactory,
        ExclusivityFactory,
        OnboardingEscalationFactory,
    )

    first = PartnershipFactory(organization=org_a, name="Alpha packaging", owner=owner)
    second = PartnershipFactory(organization=org_a, name="Beta packaging")
    for p in (first, second):
        ExclusivityFactory(organization=org_a, partnership=p)
    for _ in range(7):
        DueDiligenceItemFactory(organization=org_a, reviewer=owner)
    OnboardingEscalationFactory(
        organization=org_a, partnership=first, owner=owner, deadline=datetime.date(2020, 1, 1)
    )
    client = client_as(owner)
    with django_assert_max_num_queries(23):
        response = client.get("/o/alpha/")
    sections = {s.key: s for s in response.context["inbox"]}
    assert sections["due_diligence"].count == 7 and len(sections["due_diligence"].items) == 5
    assert sections["escalations"].items[0].overdue
    assert sections["exclusivity"].count == 1
    page = response.content.decode()
    assert f'href="/o/alpha/partnerships/{first.pk}/onboarding/"' in page
    assert "Alpha packaging ↔ Beta packaging" in page


def test_the_portfolio_cards_link_to_their_filtered_lists(owner, org_a, client_as):
    PartnershipFactory(organization=org_a, name="Running", status="active")
    PartnershipFactory(organization=org_a, name="Starting", status="due_diligence")
    client = client_as(owner)
    page = client.get("/o/alpha/").content.decode()
    assert 'href="/o/alpha/partnerships/?stage=pipeline"' in page
    listed = client.get("/o/alpha/partnerships/?stage=pipeline").content.decode()
    assert "Starting" in listed and "Running" not in listed


def test_a_guest_sees_the_overview_without_internal_tabs_buttons_or_conflicts(
    owner, org_a, make_member, client_as
):
    from partnerships.services import partnership_invite_guest
    from tenancy.models import Role
    from tests.partnerships.factories import ExclusivityFactory

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    mine = PartnershipFactory(organization=org_a, status="due_diligence")
    other = PartnershipFactory(organization=org_a, name="Rival deal")
    for p in (mine, other):
        ExclusivityFactory(organization=org_a, partnership=p)
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=mine, guest=guest, actor=owner)
    page = client_as(guest).get(f"/o/alpha/partnerships/{mine.pk}/").content.decode()
    assert "Overview" in page
    for hidden in ("Due diligence</a>", "Strategy</a>", "Onboarding</a>", "Rival deal"):
        assert hidden not in page
    assert 'data-testid="lifecycle"' not in page
    manager_page = client_as(owner).get(f"/o/alpha/partnerships/{mine.pk}/").content.decode()
    assert "Rival deal" in manager_page and 'data-testid="lifecycle"' in manager_page


def test_a_reviewer_attaches_evidence_and_it_downloads(owner, org_a, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnerships.models import DueDiligenceItem
    from tests.partnerships.factories import DueDiligenceItemFactory

    item = DueDiligenceItemFactory(organization=org_a, evidence="")
    url = f"/o/alpha/partnerships/{item.partnership_id}/due-diligence/{item.pk}/"
    client = client_as(owner)
    response = client.post(
        url,
        {
            "status": "passed",
            "findings": "Clean screening.",
            "evidence": SimpleUploadedFile("screening.pdf", b"%PDF-1.4 screening"),
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        item = DueDiligenceItem.objects.get(pk=item.pk)
    stored = item.evidence.name.rsplit("/", 1)[-1]  # the storage may add a suffix
    assert item.status == "passed" and stored.startswith("screening") and stored.endswith(".pdf")
    download = client.get(url + "evidence/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 screening"
    # Saving again without a file keeps the evidence on record.
    client.post(url, {"status": "passed", "findings": "Clean screening, re-checked."})
    with tenant_scope(org_a):
        assert DueDiligenceItem.objects.get(pk=item.pk).evidence.name == item.evidence.name


def test_an_items_evidence_on_record_is_not_offered_a_clear_box_that_the_save_ignores(
    owner, org_a, client_as
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnerships.models import DueDiligenceItem
    from tests.partnerships.factories import DueDiligenceItemFactory

    item = DueDiligenceItemFactory(organization=org_a, evidence="")
    url = f"/o/alpha/partnerships/{item.partnership_id}/due-diligence/{item.pk}/"
    client = client_as(owner)
    evidence = SimpleUploadedFile("screening.pdf", b"%PDF-1.4 screening")
    client.post(url, {"status": "passed", "findings": "Clean.", "evidence": evidence})
    page = client.get(url).content.decode()
    assert "Download the evidence on file" in page
    shown = form_as_sent(page)
    assert "evidence-clear" not in shown and 'name="evidence-clear"' not in page
    assert client.post(url, shown).status_code == 302
    with tenant_scope(org_a):
        assert DueDiligenceItem.objects.get(pk=item.pk).evidence


def test_closing_on_the_page_without_a_reason_says_the_services_words(owner, org_a, client_as):
    partnership = PartnershipFactory(organization=org_a, status="negotiating")
    url = f"/o/alpha/partnerships/{partnership.pk}/transition/"
    response = client_as(owner).post(url, {"status": "closed", "reason": " "}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Closing a partnership needs a reason."
    ]
    with tenant_scope(org_a):
        assert Partnership.objects.get(pk=partnership.pk).status == "negotiating"


def test_the_exit_is_started_on_the_page_behind_a_confirmation_and_a_reason(
    owner, org_a, client_as
):
    partnership = PartnershipFactory(organization=org_a, status="active")
    client = client_as(owner)
    page = client.get(f"/o/alpha/partnerships/{partnership.pk}/").content.decode()
    start = page.split('data-testid="start-exit"', 1)[1].split("</details>", 1)[0]
    assert 'data-confirm="Start the exit of this partnership?' in start
    assert 'name="reason"' in start and "required" in start
    assert 'data-status="under_review"' in page  # a step that can be undone stays one click
    url = f"/o/alpha/partnerships/{partnership.pk}/transition/"
    response = client.post(url, {"status": "exiting", "reason": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Starting the exit needs a reason: it cannot be undone."
    ]
    with tenant_scope(org_a):
        assert Partnership.objects.get(pk=partnership.pk).status == "active"


def test_a_guest_never_sees_how_the_buyer_segments_their_company(
    owner, org_a, make_member, client_as
):
    from partnerships.services import partnership_invite_guest
    from tenancy.models import Role
    from tests.partnerships.factories import PartnerFactory

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    partner = PartnerFactory(organization=org_a, tier="strategic", country="DE")
    partnership = PartnershipFactory(organization=org_a, partner=partner, kind="joint_venture")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    url = f"/o/alpha/partnerships/{partnership.pk}/"
    seen = client_as(guest).get(url).content.decode()
    assert "Strategic" not in seen and "Germany" in seen
    assert "Strategic · Germany" in client_as(owner).get(url).content.decode()


def test_the_overview_names_each_sponsors_party_and_says_the_term_in_words(
    owner, org_a, make_member, client_as
):
    from partnerships.services import partnership_invite_guest
    from tenancy.models import Role

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    start, end = date(2025, 1, 1), date(2027, 12, 31)
    dated = PartnershipFactory(organization=org_a, name="Dated", start_date=start, end_date=end)
    open_ended = PartnershipFactory(organization=org_a, name="Open", start_date=start)
    undated = PartnershipFactory(organization=org_a, name="Undated")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=dated, guest=guest, actor=owner)
    term = re.compile(r'data-testid="partnership-term">([^<]*)<')
    manager = client_as(owner)
    assert [
        term.search(manager.get(f"/o/alpha/partnerships/{p.pk}/").content.decode()).group(1)
        for p in (dated, open_ended, undated)
    ] == ["1 Jan 2025 – 31 Dec 2027", "From 1 Jan 2025, no end date", "No term dates yet"]
    listed = manager.get("/o/alpha/partnerships/").content.decode()
    assert "No term dates yet" in listed and "– open" not in listed
    # The buyer's sponsor is named by the buyer's name, which reads right for the partner too.
    seen = client_as(guest).get(f"/o/alpha/partnerships/{dated.pk}/").content.decode()
    assert "(Alpha Industries)" in seen and "(ours)" not in seen
