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


def test_an_admin_reads_and_changes_the_organizations_settings(owner, org_a, api_as):
    client = api_as(owner, org_a)
    assert client.get("/api/v1/o/alpha/organization/").json()["default_currency"] == "EUR"
    response = client.patch(
        "/api/v1/o/alpha/organization/", {"time_zone": "Europe/Berlin"}, format="json"
    )
    assert response.status_code == 200 and response.json()["time_zone"] == "Europe/Berlin"
    bad = client.patch("/api/v1/o/alpha/organization/", {"time_zone": "Nowhere"}, format="json")
    assert bad.status_code == 400 and "time_zone" in bad.json()["error"]["fields"]


def test_single_sign_on_is_set_through_the_api_and_the_secret_never_returns(owner, org_a, api_as):
    client = api_as(owner, org_a)
    assert client.get("/api/v1/o/alpha/single-sign-on/").status_code == 404
    body = {
        "is_enabled": True,
        "issuer": "https://login.alpha.test",
        "client_id": "pl",
        "client_secret": "very-secret",
        "email_domains": ["alpha.test"],
        "role_claim": "groups",
        "default_role": "viewer",
        "allow_jit": False,
    }
    response = client.put("/api/v1/o/alpha/single-sign-on/", body, format="json")
    assert response.status_code == 200
    assert "very-secret" not in response.content.decode()
    assert client.get("/api/v1/o/alpha/single-sign-on/").json()["email_domains"] == ["alpha.test"]


def test_the_audit_api_filters_by_actor_and_date_and_reports_the_chain(
    owner, member, org_a, api_as
):
    from tenancy.audit import audit_record
    from tenancy.context import tenant_scope

    with tenant_scope(org_a):
        audit_record(action="tests.by.member", actor=member)
        audit_record(action="tests.by.owner", actor=owner)
    client = api_as(owner, org_a)
    rows = client.get("/api/v1/o/alpha/audit-events/", {"actor": "member@"}).json()["results"]
    assert [r["action"] for r in rows] == ["tests.by.member"]
    future = client.get(
        "/api/v1/o/alpha/audit-events/", {"created_after": "2999-01-01T00:00:00Z"}
    ).json()["results"]
    assert future == []
    chain = client.get("/api/v1/o/alpha/audit-events/verification/").json()
    assert chain["ok"] is True and chain["events_checked"] >= 2


def test_another_organization_reaches_none_of_the_singleton_endpoints(
    owner, org_a, outsider, org_b, api_as
):
    attacker = api_as(outsider, org_b)
    for path in ("organization/", "single-sign-on/", "audit-events/verification/"):
        assert attacker.get(f"/api/v1/o/alpha/{path}").status_code == 404
    assert attacker.patch("/api/v1/o/alpha/organization/", {"name": "x"}).status_code == 404
    assert attacker.put("/api/v1/o/alpha/single-sign-on/", {}).status_code == 404


def test_a_non_admin_cannot_change_settings_or_sso(member, org_a, api_as):
    client = api_as(member, org_a)
    assert client.patch("/api/v1/o/alpha/organization/", {"name": "x"}).status_code == 403
    assert client.get("/api/v1/o/alpha/single-sign-on/").status_code == 403
