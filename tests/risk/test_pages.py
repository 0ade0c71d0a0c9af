"""The risk pages: what a manager sees and does, field errors with status 400, guests refused,
no raw codes on screen, query counts pinned."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from risk.models import IndexValue, InsuranceCertificate, Risk, ScoreFactor
from tenancy.context import tenant_scope
from tests.page_forms import form_as_sent
from tests.partnerships.factories import PartnerFactory, PartnershipFactory, SubTierLinkFactory
from tests.risk.factories import (
    AttestationFactory,
    ComplianceRequirementFactory,
    DataBreachFactory,
    ForceMajeureEventFactory,
    IndexValueFactory,
    InsuranceCertificateFactory,
    PenaltyFactory,
    PriceMechanismFactory,
    RiskFactory,
    RiskScoreFactory,
    WatchItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client_as, manager):
    return client_as(manager)


def _url(path):
    return f"/o/alpha/{path}"


def test_the_portfolio_page_flags_expiring_and_expired_certificates(browser, org_a, partnership):
    today = timezone.localdate()
    with tenant_scope(org_a):
        RiskFactory(partnership=partnership, title="Foundry capacity")
        InsuranceCertificateFactory(
            partnership=partnership,
            insurer="Soon Mutual",
            starts_on=today - timedelta(days=300),
            expires_on=today + timedelta(days=20),
        )
        InsuranceCertificateFactory(
            partnership=partnership,
            insurer="Lapsed Mutual",
            starts_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=3),
        )
    response = browser.get(_url("risk/"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text and 'data-count="1"' in text
    assert "Foundry capacity" in text
    assert "Expires in 20 days" in text
    assert "Lapsed Mutual" in text and "Expired" in text
    assert "supply_continuity" not in text and "product_liability" not in text


def test_the_partnership_tab_shows_every_section_without_raw_codes(browser, org_a, partnership):
    with tenant_scope(org_a):
        RiskFactory(partnership=partnership, allocation="shared", allocated_to="partner")
        PenaltyFactory(partnership=partnership)
        detected = timezone.now() - timedelta(days=5)
        DataBreachFactory(
            partnership=partnership,
            detected_at=detected,
            notification_deadline=detected + timedelta(hours=72),
        )
        RiskScoreFactory(partnership=partnership)
    response = browser.get(_url(f"partnerships/{partnership.pk}/risk/"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Shared to the partner" in text
    assert "EUR 1,500.00 per day late" in text
    assert "Notification overdue" in text
    for code in ("late_delivery", "per_day", "supply_continuity", '"partner"'):
        assert code not in text.replace('value="partner"', "")


def test_a_partner_guest_is_refused_every_risk_page(client_as, guest, org_a, partnership):
    with tenant_scope(org_a):
        risk = RiskFactory(partnership=partnership)
        mechanism = PriceMechanismFactory(partnership=partnership)
    client = client_as(guest)
    for path in (
        "risk/",
        f"partnerships/{partnership.pk}/risk/",
        f"risk/risks/{risk.pk}/",
        f"risk/price-mechanisms/{mechanism.pk}/",
        f"risk/price-mechanisms/{mechanism.pk}/edit/",
        "risk/index-values/",
    ):
        # Refused by role (403); an object the guest's selectors never return is a 404.
        assert client.get(_url(path)).status_code in (403, 404), path


def test_a_viewer_sees_the_register_but_no_buttons_to_change_it(client_as, member, partnership):
    response = client_as(member).get(_url(f"partnerships/{partnership.pk}/risk/"))
    assert response.status_code == 200
    assert "Record a risk" not in response.content.decode()
    assert (
        client_as(member).get(_url(f"partnerships/{partnership.pk}/risk/risks/new/")).status_code
        == 403
    )


def test_recording_a_risk_off_the_scale_shows_the_field_error(browser, org_a, partnership):
    response = browser.post(
        _url(f"partnerships/{partnership.pk}/risk/risks/new/"),
        {
            "title": "Foundry capacity",
            "category": "supply_continuity",
            "inherent_likelihood": "3",
            "inherent_impact": "4",
            "allocation": "transferred",
            "allocated_to": "customer",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-field="allocated_to"' in text and 'data-field="allocation_basis"' in text
    with tenant_scope(org_a):
        assert Risk.objects.count() == 0


def test_a_manager_records_a_risk_allocated_to_the_partner(browser, org_a, partnership):
    response = browser.post(
        _url(f"partnerships/{partnership.pk}/risk/risks/new/"),
        {
            "title": "Foundry capacity",
            "category": "supply_continuity",
            "inherent_likelihood": "3",
            "inherent_impact": "4",
            "allocation": "transferred",
            "allocated_to": "partner",
            "allocation_basis": "The partner runs the foundry.",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        risk = Risk.objects.get()
    detail = browser.get(response["Location"]).content.decode()
    assert "Transferred</strong> to the partner" in detail
    assert risk.inherent_score == 12


def test_uploading_a_certificate_that_expires_before_it_starts_is_a_400(
    browser, org_a, partnership
):
    response = browser.post(
        _url(f"partnerships/{partnership.pk}/risk/certificates/new/"),
        {
            "coverage": "cyber",
            "insurer": "Allied",
            "limit": "1000000",
            "currency": "EUR",
            "starts_on": "2030-06-01",
            "expires_on": "2030-05-01",
            "file": SimpleUploadedFile("c.pdf", b"%PDF-1.4", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert 'data-field="expires_on"' in response.content.decode()
    with tenant_scope(org_a):
        assert InsuranceCertificate.objects.count() == 0


def test_a_price_review_page_shows_the_new_price_and_its_explanation(browser, org_a, partnership):
    with tenant_scope(org_a):
        mechanism = PriceMechanismFactory(partnership=partnership)
        IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=Decimal("230"))
    url = _url(f"risk/price-mechanisms/{mechanism.pk}/")
    missing = browser.post(f"{url}review/", {"period": "2030-02"})
    assert missing.status_code == 400
    assert "There is no value of Steel HRC for February 2030" in missing.content.decode()
    assert browser.post(f"{url}review/", {"period": "2030-03"}).status_code == 302
    text = browser.get(url).content.decode()
    assert "EUR 108.00" in text
    assert "230 ÷ 200 = 1.15" in text
    assert "The cap was reached" in text


def test_index_values_are_imported_from_csv(browser, org_a):
    upload = SimpleUploadedFile("steel.csv", b"index,period,value\nSteel HRC,2030-01,205.5\n")
    response = browser.post(_url("risk/index-values/"), {"kind": "import", "import-file": upload})
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert IndexValue.objects.get().value == Decimal("205.5")


def test_score_factors_that_do_not_add_up_are_shown_and_not_saved(browser, org_a):
    response = browser.post(
        _url("risk/score-factors/"),
        {"name_0": "Financial strength", "weight_0": "60", "name_1": "Geography", "weight_1": "30"},
    )
    assert response.status_code == 400
    assert "The weights add up to 90; they must add up to 100." in response.content.decode()
    with tenant_scope(org_a):
        assert ScoreFactor.objects.count() == 0


def test_a_factor_rated_from_the_financials_on_the_page_stays_so(browser, org_a):
    response = browser.post(
        _url("risk/score-factors/"),
        {
            "name_0": "Financial strength",
            "weight_0": "60",
            "source_0": "financials",
            "name_1": "Geography",
            "weight_1": "40",
            "source_1": "manual",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        stored = dict(ScoreFactor.objects.values_list("name", "source"))
    assert stored == {"Financial strength": "financials", "Geography": "manual"}


def test_a_named_factor_without_a_weight_is_refused_in_the_services_words(browser, org_a):
    response = browser.post(
        _url("risk/score-factors/"),
        {"name_0": "Financial strength", "weight_0": "100", "name_1": "Geography"},
    )
    assert response.status_code == 400
    assert "Give every factor a weight, as a number." in response.content.decode()
    with tenant_scope(org_a):
        assert ScoreFactor.objects.count() == 0


def test_risk_pages_have_a_fixed_number_of_queries(
    browser, org_a, partnership, django_assert_max_num_queries
):
    today = timezone.localdate()
    with tenant_scope(org_a):
        supplier = PartnerFactory(name="Rhine Castings")
        for i in range(8):
            RiskFactory(partnership=partnership)
            InsuranceCertificateFactory(
                partnership=partnership,
                starts_on=today - timedelta(days=300),
                expires_on=today + timedelta(days=i * 5 + 1),
            )
            DataBreachFactory(partnership=partnership)
            PriceMechanismFactory(partnership=partnership)
            RiskScoreFactory(partnership=partnership)
            AttestationFactory(requirement=ComplianceRequirementFactory(partnership=partnership))
            ForceMajeureEventFactory(partnership=partnership)
            WatchItemFactory()
            SubTierLinkFactory(
                partner=PartnershipFactory().partner, supplier=supplier, supplies="Castings"
            )
        SubTierLinkFactory(partner=partnership.partner, supplier=supplier, supplies="Castings")
    with django_assert_max_num_queries(23):
        assert browser.get(_url("risk/")).status_code == 200
    text = browser.get(_url("risk/")).content.decode()
    assert "Rhine Castings" in text
    with django_assert_max_num_queries(27):
        assert browser.get(_url(f"partnerships/{partnership.pk}/risk/")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "partnerships/{p}/risk/risks/new/",
        "partnerships/{p}/risk/requirements/new/",
        "partnerships/{p}/risk/certificates/new/",
        "partnerships/{p}/risk/bonds/new/",
        "partnerships/{p}/risk/penalties/new/",
        "partnerships/{p}/risk/price-mechanisms/new/",
        "partnerships/{p}/risk/breach-duties/",
        "partnerships/{p}/risk/breaches/new/",
        "partnerships/{p}/risk/compliance/new/",
        "partnerships/{p}/risk/force-majeure/new/",
        "partnerships/{p}/risk/incident-plan/",
        "risk/index-values/",
        "risk/score-factors/",
        "risk/watch-list/",
    ],
)
def test_every_form_page_opens_for_a_manager(browser, partnership, path):
    response = browser.get(_url(path.format(p=partnership.pk)))
    assert response.status_code == 200
    assert b"<form" in response.content


def test_a_manager_logs_a_breach_and_sees_its_deadline(browser, org_a, partnership):
    detected = timezone.localtime() - timedelta(hours=80)
    response = browser.post(
        _url(f"partnerships/{partnership.pk}/risk/breaches/new/"),
        {"title": "Portal leak", "detected_at": detected.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    text = browser.get(_url(f"partnerships/{partnership.pk}/risk/")).content.decode()
    assert "Portal leak" in text and "Notification overdue" in text


def test_a_partner_guest_sees_neither_the_risk_module_nor_the_risk_tab(
    client_as, guest, partnership
):
    text = client_as(guest).get(_url(f"partnerships/{partnership.pk}/")).content.decode()
    assert 'data-module="risk"' not in text
    assert f"/partnerships/{partnership.pk}/risk/" not in text


def test_a_manager_sees_the_risk_module_and_tab(browser, partnership):
    text = browser.get(_url(f"partnerships/{partnership.pk}/")).content.decode()
    assert 'data-module="risk"' in text
    assert f"/partnerships/{partnership.pk}/risk/" in text


def test_a_price_mechanisms_terms_are_corrected_on_their_page(browser, manager, org_a, partnership):
    from risk.models import PriceMechanism
    from tenancy.models import AuditEvent

    with tenant_scope(org_a):
        mechanism = PriceMechanismFactory(partnership=partnership, name="Steel indexation")
    detail = browser.get(_url(f"risk/price-mechanisms/{mechanism.pk}/")).content.decode()
    edit = _url(f"risk/price-mechanisms/{mechanism.pk}/edit/")
    assert edit in detail
    page = browser.get(edit)
    assert page.status_code == 200 and 'value="2030-04-01"' in page.content.decode()
    form = {
        "name": "Steel indexation",
        "index_name": "Steel HRC",
        "base_price": "100.00",
        "currency": "EUR",
        "base_index_value": "200",
        "weighting_percent": "60",
        "floor_percent": "-5",
        "cap_percent": "8",
        "review_frequency_months": "3",
        "next_review_on": "2030-07-01",
        "volatility_assumption": "",
    }
    refused = browser.post(edit, {**form, "weighting_percent": "140"})
    assert refused.status_code == 400
    assert browser.post(edit, {**form, "cap_percent": "6"}).status_code == 302
    with tenant_scope(org_a):
        stored = PriceMechanism.objects.get(pk=mechanism.pk)
        event = AuditEvent.objects.get(action="risk.price_mechanism.updated")
    assert (stored.cap_percent, stored.next_review_on) == (Decimal("6"), date(2030, 7, 1))
    assert event.actor == manager and "cap_percent" in event.changes


@pytest.mark.parametrize("met", [True, False])
def test_a_force_majeure_events_sourcing_answer_stays_when_its_page_is_saved_unchanged(
    browser, org_a, partnership, met
):
    with tenant_scope(org_a):
        event = ForceMajeureEventFactory(
            partnership=partnership,
            notice_given_on=date(2030, 1, 10),
            alternative_sourcing_met=met,
            escalation_steps="Call the plant manager.",
        )
    url = _url(f"risk/force-majeure/{event.pk}/")
    shown = form_as_sent(browser.get(url).content.decode())
    assert shown["alternative_sourcing_met"] == ("true" if met else "false")
    assert browser.post(url, shown).status_code == 302
    with tenant_scope(org_a):
        event.refresh_from_db()
    assert event.alternative_sourcing_met is met
    assert event.notice_given_on == date(2030, 1, 10)
    assert event.escalation_steps == "Call the plant manager."
