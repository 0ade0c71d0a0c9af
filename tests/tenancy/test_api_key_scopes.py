"""API keys authenticate the API only (issue #9, defect 8), carry a scope and an optional
expiry, and org admins see and revoke every key of their organization."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tenancy.models import ApiKey, Role
from tenancy.services import api_key_create

pytestmark = pytest.mark.django_db


def _keyed(raw_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_an_api_key_cannot_mint_api_keys_through_the_settings_page(owner, org_a):
    _, raw = api_key_create(organization=org_a, user=owner, name="stolen", now=timezone.now())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(
        "/o/alpha/settings/api-keys/", {"name": "successor", "scope": "read_write"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ApiKey.objects.filter(name="successor").exists()


def test_an_api_key_opens_no_page_at_all(owner, org_a):
    _, raw = api_key_create(organization=org_a, user=owner, name="stolen", now=timezone.now())
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/o/alpha/")
    assert response.status_code == 302


def test_a_read_only_key_reads_but_may_not_write(owner, org_a):
    _, raw = api_key_create(
        organization=org_a, user=owner, name="BI", scope=ApiKey.Scope.READ, now=timezone.now()
    )
    client = _keyed(raw)
    assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    response = client.post("/api/v1/o/alpha/partners/", {"name": "Acme"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"


def test_a_read_write_key_may_write(owner, org_a):
    _, raw = api_key_create(organization=org_a, user=owner, name="ERP", now=timezone.now())
    response = _keyed(raw).post("/api/v1/o/alpha/partners/", {"name": "Acme"}, format="json")
    assert response.status_code == 201


def test_an_expired_key_is_refused(owner, org_a):
    now = timezone.now()
    key, raw = api_key_create(
        organization=org_a, user=owner, name="temp", expires_at=now + timedelta(hours=1), now=now
    )
    assert _keyed(raw).get("/api/v1/o/alpha/partnerships/").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=now - timedelta(seconds=1))
    response = _keyed(raw).get("/api/v1/o/alpha/partnerships/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_an_expiry_in_the_past_is_a_field_error_on_the_page(owner, org_a, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/api-keys/",
        {"name": "late", "scope": "read", "expires_on": "2000-01-01"},
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors


def test_an_org_admin_sees_and_revokes_a_colleagues_key(owner, member, org_a, client_as):
    key, raw = api_key_create(
        organization=org_a, user=member, name="member script", now=timezone.now()
    )
    client = client_as(owner)
    assert "member script" in client.get("/o/alpha/settings/api-keys/").content.decode()
    client.post(f"/o/alpha/settings/api-keys/{key.pk}/revoke/")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert _keyed(raw).get("/api/v1/o/alpha/partnerships/").status_code == 401


def test_a_member_cannot_revoke_a_colleagues_key(owner, member, org_a, client_as):
    key, _ = api_key_create(organization=org_a, user=owner, name="admin script", now=timezone.now())
    assert (
        "admin script" not in client_as(member).get("/o/alpha/settings/api-keys/").content.decode()
    )
    response = client_as(member).post(f"/o/alpha/settings/api-keys/{key.pk}/revoke/")
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_the_api_lists_every_key_for_admins_and_own_keys_for_others(owner, member, org_a, api_as):
    api_key_create(organization=org_a, user=member, name="member script", now=timezone.now())
    admin_names = {
        k["name"] for k in api_as(owner, org_a).get("/api/v1/o/alpha/api-keys/").json()["results"]
    }
    assert "member script" in admin_names
    member_names = {
        k["name"] for k in api_as(member, org_a).get("/api/v1/o/alpha/api-keys/").json()["results"]
    }
    assert member_names == {"member script", "test"}


def test_an_admin_revokes_a_key_through_the_api(owner, member, org_a, api_as):
    key, _ = api_key_create(
        organization=org_a, user=member, name="member script", now=timezone.now()
    )
    response = api_as(owner, org_a).post(f"/api/v1/o/alpha/api-keys/{key.pk}/revoke/")
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_the_admin_key_list_needs_a_fixed_number_of_queries(
    owner, org_a, make_member, api_as, django_assert_max_num_queries
):
    client = api_as(owner, org_a)
    for _ in range(10):
        api_key_create(
            organization=org_a, user=make_member(org_a, Role.VIEWER), name="k", now=timezone.now()
        )
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/o/alpha/api-keys/").status_code == 200
