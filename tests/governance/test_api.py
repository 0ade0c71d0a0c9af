"""REST API of change requests: the flow end to end, 400 and 409 shapes, who may decide, guest
visibility, filters and query counts."""

from decimal import Decimal

import pytest

from governance.models import ChangeRequest
from tenancy.context import tenant_scope
from tests.contracts.factories import AgreementFactory
from tests.governance.factories import ChangeRequestApproverFactory, ChangeRequestFactory
from tests.governance.test_services import submitted
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/o/alpha/change-requests"


def test_a_change_request_goes_from_draft_to_implemented_through_the_api(
    org_a, manager, committee, guest, partnership, api_as
):
    api = api_as(manager, org_a)
    created = api.post(
        f"{API}/",
        {
            "partnership": partnership.pk,
            "title": "Saturday service desk",
            "category": "scope",
            "cost_impact": "12500.00",
            "currency": "EUR",
            "schedule_impact_days": 14,
            "decision_due": "2031-02-28T17:00:00+01:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["reference"] == "CR-0001" and body["status"] == "draft"
    assert body["cost_impact"] == "12500.00" and body["requested_by"] == manager.pk
    url = f"{API}/{body['id']}"

    for user in (committee, guest):
        added = api.post(f"{url}/approvers/", {"user": user.pk}, format="json")
        assert added.status_code == 200, added.content
    assert [(a["user_email"], a["party"]) for a in added.json()["approvers"]] == [
        ("committee@alpha.test", "customer"),
        ("guest@alder.test", "partner"),
    ]
    assert api.post(f"{url}/submit/").json()["status"] == "submitted"

    approved_by_us = api_as(committee, org_a).post(
        f"{url}/approve/", {"comment": "Within budget"}, format="json"
    )
    assert approved_by_us.status_code == 200 and approved_by_us.json()["status"] == "submitted"
    approved = api_as(guest, org_a).post(f"{url}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert {a["decision"] for a in approved.json()["approvers"]} == {"approved"}
    assert approved.json()["approvers"][0]["comment"] == "Within budget"

    implemented = api.post(f"{url}/implement/")
    assert implemented.status_code == 200 and implemented.json()["status"] == "implemented"


def test_bad_input_is_a_400_with_a_message_per_field(org_a, manager, partnership, api_as):
    api = api_as(manager, org_a)
    response = api.post(
        f"{API}/",
        {
            "partnership": partnership.pk,
            "category": "whim",
            "cost_impact": "a lot",
            "schedule_impact_days": "soon",
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"title", "category", "cost_impact", "schedule_impact_days"} <= set(error["fields"])

    foreign_agreement = AgreementFactory(organization=org_a)  # another partnership
    response = api.post(
        f"{API}/",
        {"partnership": partnership.pk, "title": "X", "agreement": foreign_agreement.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "agreement" in response.json()["error"]["fields"]

    past = api.post(
        f"{API}/",
        {"partnership": partnership.pk, "title": "X", "decision_due": "2020-01-01T00:00:00Z"},
        format="json",
    )
    assert past.status_code == 400 and "decision_due" in past.json()["error"]["fields"]

    garbage = api.post(f"{API}/", "{not json", content_type="application/json")
    assert garbage.status_code == 400


def test_a_partnership_or_user_of_another_organization_does_not_exist(
    org_a, org_b, manager, outsider, partnership, api_as
):
    foreign = PartnershipFactory(organization=org_b)
    api = api_as(manager, org_a)
    response = api.post(f"{API}/", {"partnership": foreign.pk, "title": "X"}, format="json")
    assert response.status_code == 400
    assert "partnership" in response.json()["error"]["fields"]
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a, partnership=partnership)
    response = api.post(
        f"{API}/{change_request.pk}/approvers/", {"user": outsider.pk}, format="json"
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["error"]["fields"]["user"][0]


def test_an_approver_who_may_not_approve_is_a_field_error(
    org_a, manager, member, partnership, api_as
):
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a, partnership=partnership)
    response = api_as(manager, org_a).post(
        f"{API}/{change_request.pk}/approvers/", {"user": member.pk}, format="json"
    )
    assert response.status_code == 400
    assert "does not approve" in response.json()["error"]["fields"]["user"][0]


def test_illegal_steps_are_409s_with_the_reason(
    org_a, manager, committee, guest, partnership, api_as
):
    with tenant_scope(org_a):
        lonely = ChangeRequestFactory(organization=org_a, partnership=partnership)
        change_request = submitted(manager, partnership, [committee, guest])
    api = api_as(manager, org_a)

    response = api.post(f"{API}/{lonely.pk}/submit/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "submission_blocked" and "approver" in error["message"]

    response = api.post(f"{API}/{change_request.pk}/implement/")
    assert response.status_code == 409
    assert "cannot go from “submitted” to “implemented”" in response.json()["error"]["message"]

    response = api.patch(f"{API}/{change_request.pk}/", {"title": "New"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_a_draft"

    assert api.delete(f"{API}/{change_request.pk}/").status_code == 409


def test_a_second_decision_is_a_409_and_a_non_required_approver_a_403(
    org_a, manager, committee, guest, partnership, owner, api_as
):
    with tenant_scope(org_a):
        change_request = submitted(manager, partnership, [committee, guest])
    url = f"{API}/{change_request.pk}"
    committee_api = api_as(committee, org_a)
    assert committee_api.post(f"{url}/approve/").status_code == 200
    again = committee_api.post(f"{url}/approve/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    reject_again = committee_api.post(f"{url}/reject/", {"reason": "No"}, format="json")
    assert reject_again.status_code == 409

    not_required = api_as(owner, org_a).post(f"{url}/approve/")
    assert not_required.status_code == 403
    assert "Only the approvers" in not_required.json()["error"]["message"]

    viewer_role = api_as(manager, org_a).post(f"{url}/approve/")  # managers may not approve
    assert viewer_role.status_code == 403


def test_a_rejection_needs_a_reason(org_a, manager, committee, guest, partnership, api_as):
    with tenant_scope(org_a):
        change_request = submitted(manager, partnership, [committee, guest])
    api = api_as(guest, org_a)
    missing = api.post(f"{API}/{change_request.pk}/reject/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    rejected = api.post(
        f"{API}/{change_request.pk}/reject/", {"reason": "Price too high"}, format="json"
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Price too high"


def test_a_draft_is_updated_and_its_approvers_removed(
    org_a, manager, committee, partnership, api_as
):
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a, partnership=partnership)
        ChangeRequestApproverFactory(
            organization=org_a, change_request=change_request, user=committee
        )
    api = api_as(manager, org_a)
    url = f"{API}/{change_request.pk}"
    updated = api.patch(f"{url}/", {"cost_impact": "-500.00", "category": "price"}, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["cost_impact"] == "-500.00"
    removed = api.delete(f"{url}/approvers/{committee.pk}/")
    assert removed.status_code == 200 and removed.json()["approvers"] == []
    again = api.delete(f"{url}/approvers/{committee.pk}/")
    assert again.status_code == 400 and "user" in again.json()["error"]["fields"]


def test_guests_see_only_their_partnerships_change_requests_and_only_decide(
    org_a, manager, committee, guest, partnership, api_as
):
    with tenant_scope(org_a):
        theirs = submitted(manager, partnership, [committee, guest])
        hidden = ChangeRequestFactory(organization=org_a)  # another partnership
    api = api_as(guest, org_a)
    listed = api.get(f"{API}/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [theirs.pk]
    assert api.get(f"{API}/{hidden.pk}/").status_code == 404
    assert api.post(f"{API}/{hidden.pk}/approve/").status_code == 404
    assert api.get(f"{API}/{theirs.pk}/").status_code == 200
    created = api.post(f"{API}/", {"partnership": partnership.pk, "title": "X"}, format="json")
    assert created.status_code == 403
    assert api.post(f"{API}/{theirs.pk}/withdraw/").status_code == 403
    assert api.get(f"{API}/?awaiting_me=true").json()["count"] == 1


def test_the_list_filters_by_status_partnership_and_category(org_a, owner, partnership, api_as):
    with tenant_scope(org_a):
        price = ChangeRequestFactory(
            organization=org_a, partnership=partnership, category="price", status="approved"
        )
        scope_cr = ChangeRequestFactory(organization=org_a, partnership=partnership)
        elsewhere = ChangeRequestFactory(organization=org_a)
    api = api_as(owner, org_a)

    def ids(query):
        response = api.get(f"{API}/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=approved") == {price.pk}
    assert ids(f"partnership={partnership.pk}") == {price.pk, scope_cr.pk}
    assert ids("category=scope") == {scope_cr.pk, elsewhere.pk}
    assert api.get(f"{API}/?status=nonsense").status_code == 400


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_uses_a_fixed_number_of_queries(
    org_a, owner, committee, partnership, api_as, rows, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for _ in range(rows):
            change_request = ChangeRequestFactory(
                organization=org_a,
                partnership=partnership,
                agreement=AgreementFactory(organization=org_a, partnership=partnership),
                cost_impact=Decimal("10.00"),
            )
            ChangeRequestApproverFactory(
                organization=org_a, change_request=change_request, user=committee
            )
    api = api_as(owner, org_a)
    with django_assert_max_num_queries(12):
        response = api.get(f"{API}/")
    assert response.status_code == 200 and response.json()["count"] == rows
    assert all(len(row["approvers"]) == 1 for row in response.json()["results"])


def test_approvers_of_another_change_request_cannot_be_removed_through_this_one(
    org_a, manager, committee, partnership, api_as
):
    with tenant_scope(org_a):
        mine = ChangeRequestFactory(organization=org_a, partnership=partnership)
        other = ChangeRequestFactory(organization=org_a, partnership=partnership)
        ChangeRequestApproverFactory(organization=org_a, change_request=other, user=committee)
    response = api_as(manager, org_a).delete(f"{API}/{mine.pk}/approvers/{committee.pk}/")
    assert response.status_code == 400
    with tenant_scope(org_a):
        assert other.approvers.count() == 1
        assert ChangeRequest.objects.count() == 2


def test_out_of_range_ids_are_not_a_500(org_a, manager, partnership, api_as, client_as):
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a, partnership=partnership)
    huge = "9" * 30
    api = api_as(manager, org_a)
    assert api.get(f"{API}/{huge}/").status_code == 404
    removed = api.delete(f"{API}/{change_request.pk}/approvers/{huge}/")
    assert removed.status_code == 400
    response = api.post(f"{API}/{change_request.pk}/approvers/", {"user": huge}, format="json")
    assert response.status_code == 400
    page = client_as(manager).get(f"/o/alpha/governance/change-requests/{huge}/")
    assert page.status_code == 404


def test_a_draft_stays_in_its_partnership(org_a, manager, partnership, api_as):
    with tenant_scope(org_a):
        change_request = ChangeRequestFactory(organization=org_a, partnership=partnership)
        other = PartnershipFactory(organization=org_a)
    response = api_as(manager, org_a).patch(
        f"{API}/{change_request.pk}/", {"partnership": other.pk}, format="json"
    )
    assert response.status_code == 400 and "partnership" in response.json()["error"]["fields"]
