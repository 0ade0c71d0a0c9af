"""The partnerships API: CRUD through services, lifecycle 409s, field errors, guests, queries."""

import pytest

from partnerships.models import Partnership
from tenancy.context import tenant_scope
from tenancy.models import Role
from tests.partnerships.factories import PartnerFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_partnership_in_the_urls_organization(owner, org_a, api_as):
    partner = PartnerFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partnerships/",
        {
            "partner": partner.pk,
            "name": "Logistics",
            "code": "LOG-1",
            "annual_value": "1250000.00",
            "currency": "EUR",
            "organization": 999,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    with tenant_scope(org_a):
        created = Partnership.objects.get(pk=response.json()["id"])
    assert created.organization == org_a
    assert str(created.annual_value) == "1250000.00"


def test_a_partner_of_another_organization_cannot_be_referenced(owner, org_a, org_b, api_as):
    foreign = PartnerFactory(organization=org_b)
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partnerships/",
        {"partner": foreign.pk, "name": "X", "code": "X-1"},
        format="json",
    )
    assert response.status_code == 400
    assert "partner" in response.json()["error"]["fields"]


def test_a_duplicate_code_is_a_field_error(owner, org_a, api_as):
    existing = PartnershipFactory(organization=org_a, code="DUP")
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partnerships/",
        {"partner": existing.partner_id, "name": "Again", "code": "DUP"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_an_illegal_lifecycle_step_is_a_409_with_the_reason(owner, org_a, api_as):
    partnership = PartnershipFactory(organization=org_a, status="proposed")
    response = api_as(owner, org_a).post(
        f"/api/v1/o/alpha/partnerships/{partnership.pk}/transition/",
        {"status": "active"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "A partnership in Proposed cannot move to Active; "
        "from Proposed it can move to Due diligence or Closed."
    )


def test_a_viewer_cannot_create(member, org_a, api_as):
    partner = PartnerFactory(organization=org_a)
    response = api_as(member, org_a).post(
        "/api/v1/o/alpha/partnerships/",
        {"partner": partner.pk, "name": "N", "code": "N"},
        format="json",
    )
    assert response.status_code == 403


def test_a_partner_guest_sees_only_the_partnership_they_were_invited_to(
    owner, org_a, make_member, api_as
):
    from partnerships.services import partnership_invite_guest

    guest = make_member(org_a, Role.PARTNER_GUEST)
    invited, other = PartnershipFactory(organization=org_a), PartnershipFactory(organization=org_a)
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=invited, guest=guest, actor=owner)
    client = api_as(guest, org_a)
    listed = [p["id"] for p in client.get("/api/v1/o/alpha/partnerships/").json()["results"]]
    assert listed == [invited.pk]
    assert client.get(f"/api/v1/o/alpha/partnerships/{other.pk}/").status_code == 404


def test_the_partnership_list_takes_the_same_queries_for_many_rows(
    owner, org_a, api_as, django_assert_max_num_queries
):
    client = api_as(owner, org_a)
    PartnershipFactory.create_batch(3, organization=org_a)
    with django_assert_max_num_queries(10):
        client.get("/api/v1/o/alpha/partnerships/")
    PartnershipFactory.create_batch(30, organization=org_a)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/o/alpha/partnerships/").json()["count"] == 33


def test_the_dashboard_takes_the_same_queries_for_many_rows(
    owner, org_a, client_as, django_assert_max_num_queries
):
    client = client_as(owner)
    PartnershipFactory.create_batch(40, organization=org_a)
    # Fixed: session, membership, tenant, summary (2), page count and rows, header, switcher,
    # and one query per inbox section (nine for an admin).
    with django_assert_max_num_queries(23):
        assert client.get("/o/alpha/").status_code == 200


def test_an_owner_from_another_organization_looks_like_an_unknown_user(
    owner, outsider, org_a, api_as
):
    """Same answer for a user of another tenant as for an id nobody has: no enumeration."""
    partner = PartnerFactory(organization=org_a)
    client = api_as(owner, org_a)

    def owner_error(user_id):
        response = client.post(
            "/api/v1/o/alpha/partnerships/",
            {"partner": partner.pk, "name": "N", "code": f"N-{user_id}", "owner": user_id},
            format="json",
        )
        assert response.status_code == 400
        return response.json()["error"]["fields"]["owner"][0].replace(str(user_id), "<id>")

    assert owner_error(outsider.pk) == owner_error(999_999)
    assert "does not exist" in owner_error(outsider.pk)


def test_a_member_can_own_a_partnership(owner, member, org_a, api_as):
    partner = PartnerFactory(organization=org_a)
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/partnerships/",
        {"partner": partner.pk, "name": "N", "code": "N-1", "owner": member.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["owner"] == member.pk


@pytest.mark.parametrize(
    ("start", "step", "refusal"),
    [
        ("negotiating", "closed", "Closing a partnership needs a reason."),
        ("active", "exiting", "Starting the exit needs a reason: it cannot be undone."),
    ],
)
def test_the_steps_that_end_a_partnership_need_the_reason_the_page_asks_for(
    owner, org_a, api_as, start, step, refusal
):
    partnership = PartnershipFactory(organization=org_a, status=start)
    url = f"/api/v1/o/alpha/partnerships/{partnership.pk}/transition/"
    client = api_as(owner, org_a)
    unexplained = client.post(url, {"status": step}, format="json")
    assert unexplained.status_code == 400
    assert unexplained.json()["error"]["fields"] == {"reason": [refusal]}
    moved = client.post(url, {"status": step, "reason": "Terms not agreed."}, format="json")
    assert (moved.status_code, moved.json()["status"]) == (200, step)
