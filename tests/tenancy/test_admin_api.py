"""The administration API: members and invitations, for org admins only."""

import pytest

from tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_an_admin_lists_members_and_changes_a_role(owner, member, org_a, api_as):
    client = api_as(owner, org_a)
    rows = client.get("/api/v1/o/alpha/members/").json()["results"]
    assert {r["email"] for r in rows} == {owner.email, member.email}
    membership = Membership.objects.get(organization=org_a, user=member)
    response = client.patch(
        f"/api/v1/o/alpha/members/{membership.pk}/", {"role": Role.LEGAL}, format="json"
    )
    assert response.status_code == 200 and response.json()["role"] == Role.LEGAL


def test_an_unknown_role_is_a_field_error(owner, member, org_a, api_as):
    membership = Membership.objects.get(organization=org_a, user=member)
    response = api_as(owner, org_a).patch(
        f"/api/v1/o/alpha/members/{membership.pk}/", {"role": "emperor"}, format="json"
    )
    assert response.status_code == 400 and "role" in response.json()["error"]["fields"]


def test_deactivating_through_the_api_needs_a_reason(owner, member, org_a, api_as):
    client = api_as(owner, org_a)
    membership = Membership.objects.get(organization=org_a, user=member)
    url = f"/api/v1/o/alpha/members/{membership.pk}/deactivate/"
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"reason": "left"}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    again = client.post(url, {"reason": "left"}, format="json")
    assert again.status_code == 409


def test_an_admin_invites_through_the_api_and_the_link_is_never_returned(owner, org_a, api_as):
    response = api_as(owner, org_a).post(
        "/api/v1/o/alpha/invitations/",
        {"email": "kim@alpha.test", "role": "finance"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and "token" not in str(body) and "nonce" not in body


def test_a_non_admin_is_refused_the_administration_api(member, org_a, api_as):
    client = api_as(member, org_a)
    assert client.get("/api/v1/o/alpha/members/").status_code == 403
    assert client.get("/api/v1/o/alpha/invitations/").status_code == 403
