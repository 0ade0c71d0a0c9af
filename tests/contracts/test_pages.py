"""Pages of the contracts module: counts, clause editing, amendments, termination, obligation
evidence, the review page's navigator and filter, field errors and flash messages."""

from datetime import date
from decimal import Decimal

import pytest

from contracts import services
from contracts.models import Agreement, Clause, Obligation, ObligationFulfilment
from contracts.tasks import intake_process
from tenancy.context import tenant_scope
from tests.contracts.factories import AgreementFactory, ClauseFactory, ObligationFactory
from tests.contracts.samples import MSA_TEXT
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

PAGES = "/o/alpha/contracts"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_overview_counts_agreements_not_clauses(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        for _ in range(11):
            ClauseFactory(organization=org_a, agreement=agreement)
    response = client_as(owner).get(f"{PAGES}/")
    counts = {label: count for label, count, _ in response.context["counts"]}
    assert counts["In legal review"] == 1


def test_the_overview_has_a_bounded_number_of_queries(
    org_a, owner, client_as, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for _ in range(5):
            agreement = AgreementFactory(
                organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW
            )
            ClauseFactory(organization=org_a, agreement=agreement)
    client = client_as(owner)
    with django_assert_max_num_queries(30):
        assert client.get(f"{PAGES}/").status_code == 200


def test_a_clause_is_added_and_edited_from_pages(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a)
    client = client_as(owner)
    assert client.get(f"{PAGES}/agreements/{agreement.pk}/clauses/new/").status_code == 200
    added = client.post(
        f"{PAGES}/agreements/{agreement.pk}/clauses/new/",
        {
            "clause_type": "limitation_of_liability",
            "heading": "Liability",
            "text": "Liability is capped at the annual fees.",
            "parameters": "cap_multiple = 1",
        },
        follow=True,
    )
    assert "Limitation of liability added to" in " ".join(_messages(added))
    with tenant_scope(org_a):
        clause = Clause.objects.get(agreement=agreement)
    assert clause.parameters == {"cap_multiple": "1"}
    edited = client.post(
        f"{PAGES}/clauses/{clause.pk}/edit/",
        {
            "clause_type": "limitation_of_liability",
            "heading": "Liability",
            "text": "Liability is capped at twice the annual fees.",
            "parameters": "cap_multiple = 2",
        },
        follow=True,
    )
    assert "saved as version 2" in " ".join(_messages(edited))
    with tenant_scope(org_a):
        clause.refresh_from_db()
    assert clause.version == 2 and clause.parameters == {"cap_multiple": "2"}


def test_a_bad_clause_keeps_the_typed_text_and_shows_the_error_under_the_field(
    org_a, owner, client_as
):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a)
    response = client_as(owner).post(
        f"{PAGES}/agreements/{agreement.pk}/clauses/new/",
        {"clause_type": "limitation_of_liability", "text": "Typed wording", "parameters": "oops"},
    )
    html = response.content.decode()
    assert 'data-field="parameters"' in html and "Typed wording" in html


def test_an_approved_agreement_cannot_get_clauses_from_the_page(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.APPROVED)
    response = client_as(owner).post(
        f"{PAGES}/agreements/{agreement.pk}/clauses/new/",
        {"clause_type": "governing_law", "text": "Swiss law."},
    )
    assert "amend the agreement instead" in response.content.decode()


def test_a_viewer_cannot_edit_clauses(org_a, make_member, client_as):
    from tenancy.models import Role

    viewer = make_member(org_a, Role.VIEWER)
    with tenant_scope(org_a):
        clause = ClauseFactory(organization=org_a)
    assert client_as(viewer).get(f"{PAGES}/clauses/{clause.pk}/edit/").status_code == 403


def test_an_amendment_is_started_from_the_agreement_page(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    client = client_as(owner)
    page = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert f"/agreements/{agreement.pk}/amend/" in page
    response = client.post(
        f"{PAGES}/agreements/{agreement.pk}/amend/",
        {"title": "Amendment 1", "effective_date": "2025-07-01"},
    )
    with tenant_scope(org_a):
        amendment = Agreement.objects.get(amends=agreement)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/agreements/{amendment.pk}/clauses/new/")


def test_terminate_asks_for_confirmation_reason_and_date(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    client = client_as(owner)
    url = f"{PAGES}/agreements/{agreement.pk}/terminate/"
    refused = client.post(url, {"on": "2025-06-30", "reason": "Breach of the SLA."})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Tick the box to confirm" in html and "Breach of the SLA." in html
    with tenant_scope(org_a):
        agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.EXECUTED
    done = client.post(
        url, {"on": "2025-06-30", "reason": "Breach of the SLA.", "confirm": "on"}, follow=True
    )
    assert "is terminated as of 30 Jun 2025" in " ".join(_messages(done))
    with tenant_scope(org_a):
        agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert agreement.ended_on == date(2025, 6, 30)


def test_terminate_is_not_offered_from_draft(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a)
    client = client_as(owner)
    page = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert "/terminate/" not in page and "Terminate" not in page
    form = client.get(f"{PAGES}/agreements/{agreement.pk}/terminate/").content.decode()
    assert 'data-testid="terminate-not-allowed"' in form
    client.post(
        f"{PAGES}/agreements/{agreement.pk}/terminate/",
        {"on": "2025-06-30", "reason": "x", "confirm": "on"},
    )
    with tenant_scope(org_a):
        agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_the_transition_form_never_terminates_without_the_confirmation_page(
    org_a, owner, client_as
):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    response = client_as(owner).post(
        f"{PAGES}/agreements/{agreement.pk}/transition/", {"status": "terminated"}
    )
    assert response["Location"].endswith(f"/agreements/{agreement.pk}/terminate/")
    with tenant_scope(org_a):
        agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.EXECUTED


@pytest.mark.parametrize(
    ("status", "step", "question"),
    [
        ("approved", "executed", "Mark the agreement executed?"),
        ("executed", "expired", "Mark the agreement expired?"),
    ],
)
def test_the_steps_that_cannot_be_undone_ask_first(org_a, owner, client_as, status, step, question):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=status)
    page = client_as(owner).get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    form = page.split(f'name="status" value="{step}"', 1)[0].rsplit("<form", 1)[1]
    assert f'data-confirm="{question}' in form


def test_fulfilments_keep_evidence_files_and_a_history(org_a, owner, client_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    with tenant_scope(org_a):
        obligation = ObligationFactory(
            organization=org_a, due_date=date(2025, 3, 31), recurrence="quarterly"
        )
    client = client_as(owner)
    url = f"{PAGES}/obligations/{obligation.pk}/"
    response = client.post(
        url,
        {
            "evidence": "Q1 report sent.",
            "evidence_file": SimpleUploadedFile("q1-report.pdf", b"%PDF-1.4 q1"),
        },
        follow=True,
    )
    assert "next due 30 Jun 2025" in " ".join(_messages(response))
    client.post(url, {"evidence": "Q2 report sent."})
    with tenant_scope(org_a):
        history = list(ObligationFulfilment.objects.filter(obligation=obligation))
        obligation.refresh_from_db()
    assert [(f.due_date, f.evidence) for f in history] == [
        (date(2025, 6, 30), "Q2 report sent."),
        (date(2025, 3, 31), "Q1 report sent."),
    ]
    assert obligation.due_date == date(2025, 9, 30)
    page = client.get(url).content.decode()
    assert "q1-report.pdf" in page and "Q2 report sent." in page
    download = client.get(f"{PAGES}/fulfilments/{history[1].pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 q1"


def test_an_evidence_file_of_a_strange_type_is_refused_under_the_field(
    org_a, owner, client_as, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    with tenant_scope(org_a):
        obligation = ObligationFactory(organization=org_a)
    response = client_as(owner).post(
        f"{PAGES}/obligations/{obligation.pk}/",
        {"evidence": "Done.", "evidence_file": SimpleUploadedFile("run.exe", b"MZ")},
    )
    html = response.content.decode()
    assert 'data-field="evidence_file"' in html and "run.exe" in html
    with tenant_scope(org_a):
        obligation.refresh_from_db()
    assert obligation.status == Obligation.Status.OPEN


def test_the_review_page_has_a_navigator_and_filters(org_a, owner, client_as, playbook):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        red = ClauseFactory(
            organization=org_a, agreement=agreement, parameters={"cap_multiple": "0.5"}
        )
        fine = ClauseFactory(
            organization=org_a,
            agreement=agreement,
            clause_type="governing_law",
            text="Swiss law applies.",
            parameters={},
            decision=Clause.Decision.ACCEPTED,
        )
    client = client_as(owner)
    url = f"{PAGES}/agreements/{agreement.pk}/review/"
    page = client.get(url)
    html = page.content.decode()
    assert 'data-testid="clause-nav"' in html
    assert f'href="#clause-{red.pk}"' in html and f'href="#clause-{fine.pk}"' in html
    assert [r.clause.pk for r in client.get(url, {"show": "red_lines"}).context["rows"]] == [red.pk]
    assert [r.clause.pk for r in client.get(url, {"show": "undecided"}).context["rows"]] == [red.pk]
    assert len(client.get(url, {"show": "bogus"}).context["rows"]) == 2


def test_a_refused_decision_keeps_what_the_reviewer_typed(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        clause = ClauseFactory(organization=org_a, agreement=agreement)
    response = client_as(owner).post(
        f"{PAGES}/clauses/{clause.pk}/decide/",
        {f"d{clause.pk}-decision": "redline", f"d{clause.pk}-comment": "My careful reasoning"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="redline_text"' in html and "My careful reasoning" in html


def test_the_timeline_shows_words_not_action_codes(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = services.agreement_create(
            actor=owner, partnership=PartnershipFactory(organization=org_a), title="Words"
        )
    html = client_as(owner).get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert "Agreement created" in html and "contracts.agreement.created" not in html


def test_an_uploaded_contract_inherits_the_partnerships_annual_fees(org_a, legal):
    with tenant_scope(org_a):
        partnership = PartnershipFactory(
            organization=org_a, annual_value=Decimal("250000.00"), currency="USD"
        )
        job = services.intake_job_create(
            actor=legal,
            partnership=partnership,
            filename="msa.txt",
            content=MSA_TEXT.encode(),
        )
    intake_process.apply(kwargs={"organization_id": org_a.pk, "job_id": job.pk}).get()
    with tenant_scope(org_a):
        job.refresh_from_db()
        agreement = job.agreement
    assert agreement.annual_value == Decimal("250000.00") and agreement.currency == "USD"


def test_the_agreement_page_names_dispute_steps_and_terms_in_words(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(
            organization=org_a,
            dispute_resolution=[
                {"step": "expert_determination"},
                {"step": "arbitration", "seat": "Geneva", "rules": "Swiss Rules"},
            ],
        )
        ClauseFactory(organization=org_a, agreement=agreement, parameters={"cap_multiple": "2"})
    client = client_as(owner)
    html = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert "Expert determination → Arbitration (Geneva, Swiss Rules)" in html
    assert "expert_determination" not in html
    review = client.get(f"{PAGES}/agreements/{agreement.pk}/review/").content.decode()
    assert "Liability cap as a multiple of annual fees (1 = 12 months&#x27; fees): " in review
    assert "cap_multiple =" not in review


def test_a_refused_obligation_keeps_the_typed_values_under_the_field(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a)
    response = client_as(owner).post(
        f"{PAGES}/agreements/{agreement.pk}/obligations/",
        {
            "title": "Quarterly insurance certificate",
            "responsible_party": "partner",
            "due_date": "9999-12-31",
            "recurrence": "quarterly",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="due_date"' in html and "Quarterly insurance certificate" in html


def test_a_viewer_sees_no_fulfil_form(org_a, make_member, owner, client_as):
    from tenancy.models import Role

    viewer = make_member(org_a, Role.VIEWER)
    with tenant_scope(org_a):
        ObligationFactory(organization=org_a)
    assert (
        "Fulfilled</button>" not in client_as(viewer).get(f"{PAGES}/obligations/").content.decode()
    )
    assert "Fulfilled</button>" in client_as(owner).get(f"{PAGES}/obligations/").content.decode()


def test_the_agreement_page_formats_numbers_with_separators(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, notice_period_days=1200)
    html = client_as(owner).get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert "1,200 days&#x27; notice" in html or "1,200 days' notice" in html
    assert "EUR 3,000,000.00" in html


def test_a_clause_is_removed_from_its_page_only_after_a_tick(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        clause = ClauseFactory(organization=org_a, agreement=agreement)
    client = client_as(owner)
    refused = client.post(f"{PAGES}/clauses/{clause.pk}/remove/", follow=True)
    assert "Tick the box to confirm" in " ".join(_messages(refused))
    with tenant_scope(org_a):
        assert Clause.objects.filter(pk=clause.pk).exists()
    done = client.post(f"{PAGES}/clauses/{clause.pk}/remove/", {"confirm": "1"}, follow=True)
    assert "Limitation of liability removed" in " ".join(_messages(done))
    with tenant_scope(org_a):
        assert not Clause.objects.filter(pk=clause.pk).exists()


# -- editing a draft's terms -------------------------------------------------------------------


def _terms(agreement, owner, **changes):
    data = {
        "title": agreement.title,
        "reference": "",
        "agreement_type": agreement.agreement_type,
        "parent": "",
        "amends": "",
        "effective_date": "2024-01-01",
        "expiry_date": "2026-12-31",
        "term_type": agreement.term_type,
        "renewal_period_months": "",
        "notice_period_days": "90",
        "value": "3000000.00",
        "annual_value": "1000000.00",
        "currency": "EUR",
        "governing_law": "England and Wales",
        "jurisdiction": "",
        "liability_cap_type": "none",
        "liability_cap_amount": "",
        "liability_cap_multiple": "",
        "owner": owner.pk,
    }
    return {**data, **changes}


def test_a_drafts_terms_are_corrected_on_their_page_and_audited(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.DRAFT)
    client = client_as(owner)
    detail = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert f"/agreements/{agreement.pk}/edit/" in detail
    page = client.get(f"{PAGES}/agreements/{agreement.pk}/edit/")
    assert page.status_code == 200 and 'value="2026-12-31"' in page.content.decode()
    refused = client.post(
        f"{PAGES}/agreements/{agreement.pk}/edit/",
        _terms(agreement, owner, expiry_date="2023-06-30"),
    )
    assert refused.status_code == 400
    with tenant_scope(org_a):
        assert Agreement.objects.get(pk=agreement.pk).expiry_date == date(2026, 12, 31)
    saved = client.post(
        f"{PAGES}/agreements/{agreement.pk}/edit/",
        _terms(agreement, owner, expiry_date="2027-03-31", notice_period_days="120"),
    )
    assert saved.status_code == 302
    with tenant_scope(org_a):
        stored = Agreement.objects.get(pk=agreement.pk)
        from tenancy.models import AuditEvent

        event = AuditEvent.objects.get(action="contracts.agreement.updated")
    assert (stored.expiry_date, stored.notice_period_days, stored.owner) == (
        date(2027, 3, 31),
        120,
        owner,
    )
    assert event.actor == owner
    assert event.changes["expiry_date"] == ["2026-12-31", "2027-03-31"]
    assert event.changes["notice_period_days"] == [90, 120]


def test_an_executed_agreement_is_not_edited_but_amended(org_a, owner, client_as):
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.EXECUTED)
    client = client_as(owner)
    detail = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    assert f"/agreements/{agreement.pk}/edit/" not in detail
    response = client.get(f"{PAGES}/agreements/{agreement.pk}/edit/", follow=True)
    assert "is not edited; amend it instead." in response.content.decode()
    posted = client.post(
        f"{PAGES}/agreements/{agreement.pk}/edit/", _terms(agreement, owner, title="Changed")
    )
    assert posted.status_code == 302
    with tenant_scope(org_a):
        assert Agreement.objects.get(pk=agreement.pk).title == agreement.title


def test_a_partner_guest_never_edits_an_agreements_terms(org_a, owner, client_as, make_member):
    from partnerships.services import partnership_invite_guest
    from tenancy.models import Role

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.DRAFT)
        partnership_invite_guest(partnership=agreement.partnership, guest=guest, actor=owner)
    client = client_as(guest)
    detail = client.get(f"{PAGES}/agreements/{agreement.pk}/")
    assert f"/agreements/{agreement.pk}/edit/" not in detail.content.decode()
    url = f"{PAGES}/agreements/{agreement.pk}/edit/"
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, _terms(agreement, owner, title="Guest's")).status_code in (403, 404)
    with tenant_scope(org_a):
        assert Agreement.objects.get(pk=agreement.pk).title == agreement.title


def test_a_reviewer_assigned_by_mistake_is_taken_off_on_the_agreement_page(
    org_a, owner, legal, client_as
):
    from contracts.services import is_reviewer

    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        services.agreement_assign_reviewer(agreement=agreement, reviewer=legal, actor=owner)
    client = client_as(owner)
    detail = client.get(f"{PAGES}/agreements/{agreement.pk}/").content.decode()
    url = f"{PAGES}/agreements/{agreement.pk}/reviewers/remove/"
    assert url in detail and "data-confirm=" in detail
    refused = client.post(url, {"reviewer": owner.pk}, follow=True)
    assert "Choose one of the agreement&#x27;s reviewers." in refused.content.decode()
    done = client.post(url, {"reviewer": legal.pk}, follow=True)
    assert "no longer reviews" in done.content.decode()
    with tenant_scope(org_a):
        assert not is_reviewer(legal, agreement)


def test_an_obligation_is_corrected_on_its_own_page(org_a, owner, client_as):
    from tenancy.models import AuditEvent

    with tenant_scope(org_a):
        obligation = ObligationFactory(organization=org_a, due_date=date(2030, 3, 31))
    client = client_as(owner)
    detail = client.get(f"{PAGES}/obligations/{obligation.pk}/").content.decode()
    url = f"{PAGES}/obligations/{obligation.pk}/edit/"
    assert url in detail
    page = client.get(url)
    assert page.status_code == 200 and 'value="2030-03-31"' in page.content.decode()
    form = {
        "title": "Quarterly business review pack",
        "clause": "",
        "responsible_party": obligation.responsible_party,
        "owner": owner.pk,
        "due_date": "2030-06-30",
        "recurrence": obligation.recurrence,
        "description": "",
    }
    assert client.post(url, {**form, "title": ""}).status_code == 400
    assert client.post(url, form).status_code == 302
    with tenant_scope(org_a):
        stored = Obligation.objects.get(pk=obligation.pk)
        event = AuditEvent.objects.get(action="contracts.obligation.updated")
    assert (stored.title, stored.due_date, stored.owner) == (
        "Quarterly business review pack",
        date(2030, 6, 30),
        owner,
    )
    assert event.actor == owner and event.changes["due_date"] == ["2030-03-31", "2030-06-30"]


def test_a_partner_guest_never_edits_an_obligation(org_a, owner, client_as, make_member):
    from partnerships.services import partnership_invite_guest
    from tenancy.models import Role

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@supplier.test")
    with tenant_scope(org_a):
        obligation = ObligationFactory(organization=org_a)
        partnership_invite_guest(
            partnership=obligation.agreement.partnership, guest=guest, actor=owner
        )
    client = client_as(guest)
    detail = client.get(f"{PAGES}/obligations/{obligation.pk}/")
    assert f"/obligations/{obligation.pk}/edit/" not in detail.content.decode()
    url = f"{PAGES}/obligations/{obligation.pk}/edit/"
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"title": "Guest's"}).status_code in (403, 404)


def test_a_redline_posted_as_shown_keeps_the_parameters_and_emptied_states_none(
    org_a, owner, client_as
):
    """The redline box starts with the clause's parameters: sent as shown they stay; a reviewer
    who empties it (the new wording drops the cap) redlines a clause that states none."""
    from tests.page_forms import form_as_sent

    with tenant_scope(org_a):
        agreement = AgreementFactory(organization=org_a, status=Agreement.Status.IN_LEGAL_REVIEW)
        kept = ClauseFactory(organization=org_a, agreement=agreement, parameters={"cap_days": "90"})
        cleared = ClauseFactory(
            organization=org_a, agreement=agreement, parameters={"cap_days": "90"}
        )
    client = client_as(owner)
    page = client.get(f"{PAGES}/agreements/{agreement.pk}/review/").content.decode()
    for clause, box in ((kept, None), (cleared, "")):
        action = f"/clauses/{clause.pk}/decide/"
        sent = form_as_sent(page, action)
        sent[f"d{clause.pk}-decision"] = "redline"
        sent[f"d{clause.pk}-redline_text"] = "The supplier's liability is not capped."
        if box is not None:
            sent[f"d{clause.pk}-redline_parameters"] = box
        assert client.post(PAGES + action, sent).status_code == 302
    with tenant_scope(org_a):
        kept.refresh_from_db()
        cleared.refresh_from_db()
    assert kept.parameters == {"cap_days": "90"}
    assert cleared.parameters == {}
