"""The innovation API: the whole initiative flow (the partner's guest submits and scores, the
buyer scores and approves, a realised benefit lands in the savings ledger), refusals as 4xx
with the reason, the guest's view without the buyer's internal note or evaluation comments, and
the joint programmes."""

from decimal import Decimal

import pytest

from finance.models import SavingsEntry
from tenancy.context import tenant_scope
from tests.innovation.factories import TaskForceFactory
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import KpiFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/o/alpha/innovation/"


def _submit(client, partnership, **extra):
    body = {
        "partnership": partnership.pk,
        "title": "Shared freight portal",
        "problem": "Loads miss their slot.",
        "proposal": "One booking portal.",
        "expected_benefit": "85000",
        "effort": 3,
        **extra,
    }
    return client.post(BASE + "initiatives/", body, format="json")


def _score_all(client, initiative, score, comment=""):
    for criterion in initiative["criteria"]:
        response = client.post(
            BASE + f"initiatives/{initiative['id']}/score/",
            {"criterion": criterion["id"], "score": score, "comment": comment},
            format="json",
        )
        assert response.status_code == 200, response.json()
    return response.json()


def test_the_initiative_flow_from_the_partners_idea_to_the_savings_ledger(
    api_as, org_a, manager, guest, partnership
):
    partner, buyer = api_as(guest, org_a), api_as(manager, org_a)
    created = _submit(partner, partnership)
    assert created.status_code == 201, created.json()
    initiative = created.json()
    assert initiative["submitted_by_side"] == "partner" and initiative["currency"] == "EUR"
    _score_all(partner, initiative, 4)
    early = buyer.post(
        BASE + f"initiatives/{initiative['id']}/decide/", {"decision": "approved"}, format="json"
    )
    assert early.status_code == 409 and "Both parties score" in str(early.json())
    scored = _score_all(buyer, initiative, 2, comment="Our IT team is stretched")
    assert scored["evaluation"]["combined"] == "3.00" and scored["evaluation"]["complete"]
    decided = buyer.post(
        BASE + f"initiatives/{initiative['id']}/decide/", {"decision": "approved"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    benefit = buyer.post(
        BASE + f"initiatives/{initiative['id']}/benefit/",
        {"period_start": "2030-03-01", "baseline_price": "10", "actual_price": "9", "volume": "50"},
        format="json",
    )
    assert benefit.status_code == 201, benefit.json()
    assert benefit.json()["realised_benefit"] == "50.00"
    with tenant_scope(org_a):
        assert (
            SavingsEntry.objects.get(pk=benefit.json()["saving"]).initiative_id == initiative["id"]
        )


def test_guest_never_sees_the_buyers_internal_note(api_as, org_a, manager, guest, partnership):
    created = _submit(api_as(manager, org_a), partnership, internal_note="Walk-away 9.40").json()
    assert created["internal_note"] == "Walk-away 9.40"
    seen = api_as(guest, org_a).get(BASE + f"initiatives/{created['id']}/").json()
    assert "internal_note" not in seen
    listed = api_as(guest, org_a).get(BASE + "initiatives/").json()["results"]
    assert all("internal_note" not in row for row in listed)


def test_guest_never_sees_the_buyers_evaluation_comments(
    api_as, org_a, manager, guest, partnership
):
    buyer = api_as(manager, org_a)
    initiative = _submit(buyer, partnership).json()
    _score_all(buyer, initiative, 3, comment="Their IT cannot deliver this")
    seen = api_as(guest, org_a).get(BASE + f"initiatives/{initiative['id']}/").json()
    assert "Their IT" not in str(seen)
    assert seen["criteria"][0]["buyer"]["score"] == 3  # the score itself is shared
    own = buyer.get(BASE + f"initiatives/{initiative['id']}/").json()
    assert own["criteria"][0]["buyer"]["comment"] == "Their IT cannot deliver this"


def test_a_guest_submits_only_on_their_partnership_and_never_decides(
    api_as, org_a, manager, guest, partnership
):
    partner = api_as(guest, org_a)
    with tenant_scope(org_a):
        other = PartnershipFactory(organization=org_a)
    elsewhere = _submit(partner, other)
    assert elsewhere.status_code == 400 and "does not exist" in str(elsewhere.json())
    initiative = _submit(partner, partnership).json()
    refused = partner.post(
        BASE + f"initiatives/{initiative['id']}/decide/",
        {"decision": "rejected", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert partner.post(BASE + "pilots/", {}, format="json").status_code == 403


def test_an_edit_goes_through_the_rules_a_decided_initiative_is_not_edited(
    api_as, org_a, manager, partnership
):
    buyer = api_as(manager, org_a)
    initiative = _submit(buyer, partnership).json()
    url = BASE + f"initiatives/{initiative['id']}/"
    assert buyer.patch(url, {"owner_name": "Ops"}, format="json").json()["owner_name"] == "Ops"
    buyer.post(url + "decide/", {"decision": "rejected", "reason": "No budget."}, format="json")
    assert buyer.patch(url, {"title": "Renamed"}, format="json").status_code == 409


def test_an_illegal_transition_is_a_409(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    initiative = _submit(buyer, partnership).json()
    url = BASE + f"initiatives/{initiative['id']}/decide/"
    assert buyer.post(url, {"decision": "rejected", "reason": "No budget."}).status_code == 200
    again = buyer.post(url, {"decision": "parked", "reason": "Later."}, format="json")
    assert again.status_code == 409
    assert "cannot go from “rejected” to “parked”" in again.json()["error"]["message"]


def test_a_criterion_of_another_initiative_is_refused(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    first, second = _submit(buyer, partnership).json(), _submit(buyer, partnership).json()
    response = buyer.post(
        BASE + f"initiatives/{first['id']}/score/",
        {"criterion": second["criteria"][0]["id"], "score": 3},
        format="json",
    )
    assert response.status_code == 400


def test_nonsense_input_is_a_400_not_a_500(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    initiative = _submit(buyer, partnership).json()
    for body in ({"criterion": "x", "score": "high"}, {"criterion": 10**12, "score": 3}, {}):
        response = buyer.post(BASE + f"initiatives/{initiative['id']}/score/", body, format="json")
        assert response.status_code == 400
    assert _submit(buyer, partnership, effort=9).status_code == 400
    assert _submit(buyer, partnership, title="\x00").status_code == 400


def test_a_pilot_with_a_kpi_criterion_decided_go(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    with tenant_scope(org_a):
        kpi = KpiFactory(organization=org_a, partnership=partnership)
    pilot = buyer.post(
        BASE + "pilots/",
        {
            "partnership": partnership.pk,
            "title": "Traceability",
            "technology": "Lot traceability",
            "starts_on": "2030-01-01",
            "ends_on": "2030-03-31",
        },
        format="json",
    ).json()
    url = BASE + f"pilots/{pilot['id']}/"
    assert buyer.post(url + "start/").status_code == 409
    added = buyer.post(url + "criteria/", {"kpi": kpi.pk, "target": "95"}, format="json")
    assert added.status_code == 200 and added.json()["criteria"][0]["kpi_code"] == kpi.code
    assert buyer.post(url + "start/").json()["status"] == "running"
    no_evidence = buyer.post(url + "decide/", {"go": True, "evidence": ""}, format="json")
    assert no_evidence.status_code == 400
    decided = buyer.post(url + "decide/", {"go": True, "evidence": "Met."}, format="json")
    assert decided.json()["status"] == "go" and decided.json()["evidence_snapshot"]


def test_a_pilot_is_cancelled_through_the_api_with_the_reason_the_page_asks_for(
    api_as, org_a, manager, partnership
):
    buyer = api_as(manager, org_a)
    pilot = buyer.post(
        BASE + "pilots/",
        {
            "partnership": partnership.pk,
            "title": "Traceability",
            "technology": "Lot traceability",
            "starts_on": "2030-01-01",
            "ends_on": "2030-03-31",
        },
        format="json",
    ).json()
    url = BASE + f"pilots/{pilot['id']}/cancel/"
    unexplained = buyer.post(url, {}, format="json")
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["fields"] == {"reason": ["Say why the pilot is cancelled."]}
    cancelled = buyer.post(url, {"reason": "Budget moved to the portal."}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_a_task_force_of_both_parties(api_as, org_a, manager, guest, partnership):
    buyer = api_as(manager, org_a)
    with tenant_scope(org_a):
        task_force = TaskForceFactory(organization=org_a, partnership=partnership)
    url = BASE + f"task-forces/{task_force.pk}/"
    buyer.post(url + "members/", {"name": "Ann", "party": "buyer"}, format="json")
    assert buyer.post(url + "activate/").status_code == 409
    buyer.post(url + "members/", {"name": "Piet", "party": "partner"}, format="json")
    assert buyer.post(url + "activate/").json()["status"] == "active"
    milestone = buyer.post(
        url + "milestones/", {"title": "Long list", "due_on": "2030-05-01"}, format="json"
    ).json()["milestones"][0]
    done = buyer.post(url + "milestone-done/", {"milestone": milestone["id"]}, format="json")
    assert done.json()["milestones"][0]["done_on"] is not None
    # The partner's guest reads the task force of their partnership.
    seen = api_as(guest, org_a).get(url).json()
    assert {m["name"] for m in seen["members"]} == {"Ann", "Piet"}


def test_sourcing_models_sessions_and_supplier_programmes(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    model = buyer.post(
        BASE + "sourcing-models/",
        {
            "partnership": partnership.pk,
            "name": "Joint bid",
            "kind": "consortium_bidding",
            "participants": ["Alpha", "Alder"],
            "categories": ["Freight"],
        },
        format="json",
    )
    assert model.status_code == 201, model.json()
    moved = buyer.patch(
        BASE + f"sourcing-models/{model.json()['id']}/", {"status": "live"}, format="json"
    )
    assert moved.status_code == 409  # idea -> live skips the design
    designed = buyer.patch(
        BASE + f"sourcing-models/{model.json()['id']}/", {"status": "design"}, format="json"
    )
    assert designed.status_code == 200 and designed.json()["status"] == "design"
    session = buyer.post(
        BASE + "sessions/",
        {"partnership": partnership.pk, "title": "Should-cost", "held_on": "2030-02-01"},
        format="json",
    ).json()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = buyer.post(
        BASE + f"sessions/{session['id']}/materials/",
        {"title": "Slides", "file": SimpleUploadedFile("slides.pdf", b"%PDF-1.4")},
        format="multipart",
    )
    assert upload.status_code == 200 and upload.json()["materials"][0]["title"] == "Slides"
    programme = buyer.post(
        BASE + "supplier-programmes/",
        {"partnership": partnership.pk, "supplier_name": "Cedar", "title": "Porosity"},
        format="json",
    ).json()
    invested = buyer.post(
        BASE + f"supplier-programmes/{programme['id']}/investments/",
        {
            "party": "partner",
            "description": "Degassing unit",
            "amount": "35000",
            "currency": "EUR",
            "invested_on": "2030-01-15",
        },
        format="json",
    )
    assert invested.status_code == 200 and invested.json()["investments"][0]["amount"] == "35000.00"


def test_a_lesson_learned_is_a_proposed_playbook_change_the_guest_cannot_make(
    api_as, org_a, manager, guest, partnership
):
    initiative = _submit(api_as(manager, org_a), partnership).json()
    url = BASE + f"initiatives/{initiative['id']}/lesson/"
    proposed = api_as(manager, org_a).post(url, {"text": "Involve IT early."}, format="json")
    assert proposed.status_code == 201
    assert proposed.json() == {
        "id": proposed.json()["id"],
        "status": "proposed",
        "target": "training_material",
    }
    assert api_as(guest, org_a).post(url, {"text": "x"}, format="json").status_code == 403


def test_the_list_of_initiatives_issues_a_bounded_number_of_queries(
    api_as, org_a, manager, partnership, django_assert_max_num_queries
):
    buyer = api_as(manager, org_a)
    for _ in range(3):
        _submit(buyer, partnership)
    with django_assert_max_num_queries(14):
        assert len(buyer.get(BASE + "initiatives/").json()["results"]) == 3
    with django_assert_max_num_queries(14):
        assert buyer.get(BASE + "initiatives/").status_code == 200
    _ = Decimal  # figures above are strings on the wire


def test_a_score_out_of_range_reads_as_on_the_page(api_as, org_a, manager, partnership):
    buyer = api_as(manager, org_a)
    initiative = _submit(buyer, partnership).json()
    response = buyer.post(
        BASE + f"initiatives/{initiative['id']}/score/",
        {"criterion": initiative["criteria"][0]["id"], "score": 7},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"score": ["Give a score from 1 to 5."]}
