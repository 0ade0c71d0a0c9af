"""The module-1 API: field errors, 409s with reasons, the analysis, guests, pinned queries."""

from decimal import Decimal

import pytest

from partnerships import services
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha"


def test_a_negative_annual_value_is_a_field_error(owner, org_a, api_as):
    partner = f.PartnerFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        f"{API}/partnerships/",
        {"partner": partner.pk, "name": "N", "code": "N-1", "annual_value": "-5"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["annual_value"] == [
        "Ensure this value is greater than or equal to 0."
    ]


def test_moving_to_negotiating_with_an_open_mandatory_item_is_a_409_naming_it(owner, org_a, api_as):
    partnership = f.PartnershipFactory(organization=org_a, status="due_diligence")
    f.DueDiligenceItemFactory(
        organization=org_a, partnership=partnership, title="Sanctions screening"
    )
    client = api_as(owner, org_a)
    response = client.post(
        f"{API}/partnerships/{partnership.pk}/transition/", {"status": "negotiating"}, format="json"
    )
    assert response.status_code == 409
    assert "“Sanctions screening” (open)" in response.json()["error"]["message"]
    options = {
        o["status"]: o
        for o in client.get(f"{API}/partnerships/{partnership.pk}/transitions/").json()
    }
    assert options["negotiating"]["allowed"] is False
    assert options["closed"]["allowed"] is True
    assert options["active"]["reasons"][0].startswith("A partnership in Due diligence cannot")


def test_criteria_weights_that_do_not_add_up_are_a_field_error(owner, org_a, api_as):
    with tenant_scope(org_a):
        case = services.sourcing_case_create(actor=owner, title="Need")
    response = api_as(owner, org_a).put(
        f"{API}/sourcing-cases/{case.pk}/criteria/",
        {"criteria": [{"name": "Reach", "weight": "70"}, {"name": "Price", "weight": "20"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "must add up to 100 %" in response.json()["error"]["fields"]["criteria"][0]


def test_a_tco_horizon_of_zero_is_a_field_error(owner, org_a, api_as):
    response = api_as(owner, org_a).post(
        f"{API}/sourcing-cases/", {"title": "Need", "horizon_years": 0}, format="json"
    )
    assert response.status_code == 400
    assert "horizon_years" in response.json()["error"]["fields"]


def test_a_score_out_of_scale_is_a_field_error(owner, org_a, api_as):
    with tenant_scope(org_a):
        case = services.sourcing_case_create(actor=owner, title="Need")
        criterion = case.criteria.first()
    candidate = f.SourcingCandidateFactory(organization=org_a, case=case)
    response = api_as(owner, org_a).patch(
        f"{API}/sourcing-candidates/{candidate.pk}/",
        {"scores": {str(criterion.pk): 9}},
        format="json",
    )
    assert response.status_code == 400
    assert f"score_{criterion.pk}" in response.json()["error"]["fields"]


def test_the_analysis_returns_the_hand_computed_npv_and_fit(owner, org_a, api_as):
    with tenant_scope(org_a):
        case = services.sourcing_case_create(
            actor=owner, title="Need", horizon_years=3, discount_rate=Decimal("10")
        )
        services.selection_criteria_set(
            case=case, actor=owner, criteria=[("Reach", Decimal("100"))]
        )
        services.tco_estimate_set(
            case=case,
            model="transactional",
            actor=owner,
            acquisition_cost=Decimal("1000"),
            switching_cost=Decimal("500"),
            operating_cost=Decimal("2000"),
            transaction_cost=Decimal("300"),
            risk_cost=Decimal("200"),
        )
        services.tco_estimate_set(
            case=case, model="strategic", actor=owner, operating_cost=Decimal("3000")
        )
        candidate = services.candidate_add(
            case=case, partner=f.PartnerFactory(organization=org_a), actor=owner
        )
        services.candidate_scores_set(
            candidate=candidate, actor=owner, scores={case.criteria.get().pk: 4}
        )
    body = api_as(owner, org_a).get(f"{API}/sourcing-cases/{case.pk}/analysis/").json()
    assert body["transactional"]["npv"] == "7717.13"
    assert body["transactional"]["cumulative_npv"][0] == "1500.00"
    # 3,000/1.1 + 3,000/1.21 + 3,000/1.331 = 7,460.56
    assert body["strategic"]["npv"] == "7460.56"
    assert body["candidates"][0]["fit"]["total"] == "80.00"
    assert body["recommendation"]["model"] == "strategic"


def test_the_decision_through_the_api_opens_the_partnership(owner, org_a, api_as):
    case = f.SourcingCaseFactory(organization=org_a)
    chosen = f.SourcingCandidateFactory(organization=org_a, case=case)
    f.SourcingCandidateFactory(organization=org_a, case=case)
    client = api_as(owner, org_a)
    missing = client.post(
        f"{API}/sourcing-cases/{case.pk}/decide/",
        {"model": "strategic", "candidate": chosen.pk, "rationale": ""},
        format="json",
    )
    assert missing.status_code == 400
    assert "rationale" in missing.json()["error"]["fields"]
    response = client.post(
        f"{API}/sourcing-cases/{case.pk}/decide/",
        {"model": "strategic", "candidate": chosen.pk, "rationale": "Supply security."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "decided"
    again = client.post(
        f"{API}/sourcing-cases/{case.pk}/decide/",
        {"model": "strategic", "candidate": chosen.pk, "rationale": "Again."},
        format="json",
    )
    assert again.status_code == 409


def test_a_guest_sees_joint_ip_of_their_partnership_and_none_of_the_assessment(
    owner, org_a, make_member, api_as
):
    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    partnership = f.PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        services.partnership_invite_guest(partnership=partnership, guest=guest, actor=owner)
    ip = f.JointIpFactory(organization=org_a, partnership=partnership)
    f.JointIpFactory(organization=org_a)  # another partnership's
    f.DueDiligenceItemFactory(organization=org_a, partnership=partnership)
    f.SourcingCaseFactory(organization=org_a)
    f.ExclusivityFactory(organization=org_a, partnership=partnership)
    client = api_as(guest, org_a)
    assert [r["id"] for r in client.get(f"{API}/joint-ip/").json()["results"]] == [ip.pk]
    for route in ("due-diligence-items", "sourcing-cases", "exclusivities", "stakeholders"):
        assert client.get(f"{API}/{route}/").json()["results"] == [], route
    assert client.get(f"{API}/exclusivities/conflicts/").json() == []


LISTS = {
    "partners": lambda org: f.PartnerFactory(organization=org),
    "partner-certifications": lambda org: f.PartnerCertificationFactory(organization=org),
    "sub-tier-links": lambda org: f.SubTierLinkFactory(organization=org),
    "due-diligence-items": lambda org: f.DueDiligenceItemFactory(organization=org),
    "sourcing-cases": lambda org: f.SourcingCaseFactory(organization=org),
    "sourcing-candidates": lambda org: f.SourcingCandidateFactory(organization=org),
    "tco-estimates": lambda org: f.TcoEstimateFactory(organization=org),
    "stakeholder-objectives": lambda org: f.StakeholderObjectiveFactory(organization=org),
    "exclusivities": lambda org: f.ExclusivityFactory(organization=org),
    "exclusivities/conflicts": lambda org: f.ExclusivityFactory(organization=org),
    "joint-ip": lambda org: f.JointIpFactory(organization=org),
    "onboarding-escalations": lambda org: f.OnboardingEscalationFactory(organization=org),
}


@pytest.mark.parametrize("route", sorted(LISTS))
def test_list_endpoints_take_a_fixed_number_of_queries(
    route, owner, org_a, api_as, django_assert_max_num_queries
):
    client = api_as(owner, org_a)
    for _ in range(12):
        LISTS[route](org_a)
    # key lookup and its last-use write, membership, tenant setting, savepoints, count, rows:
    # the same for twelve rows as for one
    with django_assert_max_num_queries(9):
        response = client.get(f"{API}/{route}/")
    assert response.status_code == 200
