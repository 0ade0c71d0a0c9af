"""The risk API: the project's error body for bad input, guests refused, query counts pinned."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from risk.models import InsuranceCertificate, PriceReview, Risk
from tenancy.context import tenant_scope
from tests.risk.factories import (
    AttestationFactory,
    BondFactory,
    ComplianceRequirementFactory,
    DataBreachFactory,
    ForceMajeureEventFactory,
    IndexValueFactory,
    InsuranceCertificateFactory,
    PenaltyFactory,
    PriceMechanismFactory,
    RiskFactory,
    RiskScoreFactory,
    ScoreFactorFactory,
    WatchItemFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/o/alpha/risk"


@pytest.fixture
def api(api_as, manager, org_a):
    return api_as(manager, org_a)


def test_a_manager_records_and_allocates_a_risk(api, partnership):
    response = api.post(
        f"{BASE}/risks/",
        {
            "partnership": partnership.pk,
            "title": "Foundry capacity",
            "category": "supply_continuity",
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "allocation": "transferred",
            "allocated_to": "partner",
            "allocation_basis": "The partner runs the foundry.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["inherent_score"], body["rating"], body["allocated_to"]) == (
        16,
        "Critical",
        "partner",
    )


def test_a_rating_off_the_scale_is_a_400_with_the_field(api, partnership, org_a):
    response = api.post(
        f"{BASE}/risks/",
        {
            "partnership": partnership.pk,
            "title": "X",
            "category": "cyber",
            "inherent_likelihood": 7,
            "inherent_impact": 2,
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "scale from 1 to 5" in error["fields"]["inherent_likelihood"][0]
    with tenant_scope(org_a):
        assert Risk.objects.count() == 0


def test_a_certificate_is_uploaded_with_its_file(api, partnership, org_a):
    response = api.post(
        f"{BASE}/certificates/",
        {
            "partnership": partnership.pk,
            "coverage": "cyber",
            "insurer": "Allied Mutual",
            "limit": "2000000.00",
            "currency": "EUR",
            "starts_on": "2030-01-01",
            "expires_on": "2030-12-31",
            "file": SimpleUploadedFile("cert.pdf", b"%PDF-1.4 certificate", "application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    with tenant_scope(org_a):
        assert InsuranceCertificate.objects.get().file.read() == b"%PDF-1.4 certificate"


def test_a_certificate_expiring_before_it_starts_is_a_400(api, partnership):
    response = api.post(
        f"{BASE}/certificates/",
        {
            "partnership": partnership.pk,
            "coverage": "cyber",
            "insurer": "Allied",
            "limit": "1000",
            "currency": "EUR",
            "starts_on": "2030-06-01",
            "expires_on": "2030-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "expires_on" in response.json()["error"]["fields"]


def test_a_cap_below_the_floor_is_a_400(api, partnership):
    response = api.post(
        f"{BASE}/price-mechanisms/",
        {
            "partnership": partnership.pk,
            "name": "Steel",
            "index_name": "Steel HRC",
            "base_price": "100.00",
            "currency": "EUR",
            "base_index_value": "200",
            "weighting_percent": "60",
            "cap_percent": "-8",
            "floor_percent": "-5",
            "next_review_on": "2030-04-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be below the floor" in response.json()["error"]["fields"]["cap_percent"][0]


def test_a_mechanism_moved_to_another_partnership_through_the_api_is_a_400(api, partnership, org_a):
    from tests.partnerships.factories import PartnershipFactory

    with tenant_scope(org_a):
        mechanism = PriceMechanismFactory(partnership=partnership)
        other = PartnershipFactory(organization=org_a, name="Birch")
    response = api.patch(
        f"{BASE}/price-mechanisms/{mechanism.pk}/", {"partnership": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "partnership": ["A mechanism stays in its partnership."]
    }


def test_a_price_review_returns_the_new_price_and_its_explanation(api, partnership, org_a):
    with tenant_scope(org_a):
        mechanism = PriceMechanismFactory(partnership=partnership)
        IndexValueFactory(index_name="Steel HRC", period=date(2030, 3, 1), value=Decimal("210"))
    response = api.post(
        f"{BASE}/price-mechanisms/{mechanism.pk}/review/", {"period": "2030-03-01"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["adjusted_price"] == "103.00"
    assert len(response.json()["explanation"]) == 5


def test_a_missing_index_value_is_a_400_on_the_period(api, partnership, org_a):
    with tenant_scope(org_a):
        mechanism = PriceMechanismFactory(partnership=partnership)
    response = api.post(
        f"{BASE}/price-mechanisms/{mechanism.pk}/review/", {"period": "2030-02-01"}, format="json"
    )
    assert response.status_code == 400
    assert "February 2030" in response.json()["error"]["fields"]["period"][0]
    with tenant_scope(org_a):
        assert PriceReview.objects.count() == 0


def test_score_weights_that_do_not_add_up_are_a_400(api):
    response = api.post(
        f"{BASE}/score-factors/replace/",
        {"factors": [{"name": "A", "weight": "50"}, {"name": "B", "weight": "40"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["weights"] == [
        "The weights add up to 90; they must add up to 100."
    ]


def test_a_score_is_recorded_with_its_breakdown(api, partnership, org_a):
    with tenant_scope(org_a):
        a = ScoreFactorFactory(name="Financial strength", weight=Decimal("60"))
        b = ScoreFactorFactory(name="Geography", weight=Decimal("40"))
    response = api.post(
        f"{BASE}/scores/",
        {
            "partnership": partnership.pk,
            "ratings": {str(a.pk): "50", str(b.pk): "25"},
            "buyer_threshold": "35",
            "partner_threshold": "50",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == "40.00"  # 60 % × 50 + 40 % × 25 = 30 + 10
    assert (body["above_buyer_threshold"], body["above_partner_threshold"]) == (True, False)


def test_a_breach_starts_the_clock(api, partnership):
    detected = timezone.now() - timedelta(hours=1)
    response = api.post(
        f"{BASE}/breaches/",
        {"partnership": partnership.pk, "title": "Leak", "detected_at": detected.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open"
    assert response.json()["overdue"] is False


@pytest.mark.parametrize(
    "path",
    ["risks/", "certificates/", "price-mechanisms/", "scores/", "breaches/", "portfolio/"],
)
def test_a_partner_guest_is_refused_the_risk_api(api_as, guest, org_a, partnership, path):
    with tenant_scope(org_a):
        RiskFactory(partnership=partnership)
    response = api_as(guest, org_a).get(f"{BASE}/{path}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_lists_have_a_fixed_number_of_queries(
    api, partnership, org_a, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for _ in range(5):
            RiskFactory(partnership=partnership)
            InsuranceCertificateFactory(partnership=partnership)
            PriceMechanismFactory(partnership=partnership)
            DataBreachFactory(partnership=partnership)
            RiskScoreFactory(partnership=partnership)
            BondFactory(partnership=partnership)
            PenaltyFactory(partnership=partnership)
            ForceMajeureEventFactory(partnership=partnership)
            AttestationFactory(requirement=ComplianceRequirementFactory(partnership=partnership))
            WatchItemFactory()
            IndexValueFactory()
    for path in (
        "risks/",
        "certificates/",
        "price-mechanisms/",
        "breaches/",
        "scores/",
        "bonds/",
        "penalties/",
        "force-majeure/",
        "compliance-requirements/",
        "watch-list/",
        "watch-list/exposure/",
        "index-values/",
    ):
        with django_assert_max_num_queries(12):
            assert api.get(f"{BASE}/{path}").status_code == 200
    with django_assert_max_num_queries(19):  # + the sub-tier graph and the watch list
        response = api.get(f"{BASE}/portfolio/")
    assert response.json()["open_risks"] == 5
