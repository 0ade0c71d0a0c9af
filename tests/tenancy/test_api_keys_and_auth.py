"""API keys, sign-in and the 4xx answers to bad callers."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tenancy.context import tenant_scope
from tenancy.models import ApiKey, AuditEvent, Membership
from tenancy.services import api_key_authenticate, api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_api_key_is_stored_only_as_a_hash(owner, org_a):
    key, raw = api_key_create(organization=org_a, user=owner, name="BI", now=timezone.now())
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw.startswith(f"pl_{stored.prefix}_")
    secret = raw.split("_", 2)[2]
    assert secret not in stored.key_hash
    assert stored.key_hash == ApiKey.hash_secret(secret)


def test_a_key_authenticates_and_records_when_it_was_last_used(owner, org_a):
    key, raw = api_key_create(organization=org_a, user=owner, name="BI", now=timezone.now())
    assert key.last_used_at is None
    assert api_key_authenticate(raw, now=MOMENT) == key
    assert ApiKey.objects.get(pk=key.pk).last_used_at == MOMENT  # the clock passed in


def test_a_key_is_expired_at_the_moment_passed_in_not_the_wall_clock(owner, org_a):
    expiry = MOMENT + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        api_key_create(organization=org_a, user=owner, name="BI", expires_at=expiry, now=expiry)
    assert refused.value.message_dict == {"expires_at": ["The expiry must be in the future."]}
    _, raw = api_key_create(
        organization=org_a, user=owner, name="BI", expires_at=expiry, now=MOMENT
    )
    assert api_key_authenticate(raw, now=expiry - timedelta(seconds=1)) is not None
    assert api_key_authenticate(raw, now=expiry) is None


def test_a_key_list_says_which_keys_are_active_at_the_moment_passed_in(owner, org_a):
    from tenancy.access.selectors import api_keys_of_organization
    from tenancy.selectors import api_keys_for_member

    expiry = MOMENT + timedelta(days=1)
    api_key_create(organization=org_a, user=owner, name="BI", expires_at=expiry, now=MOMENT)
    revoked, _ = api_key_create(organization=org_a, user=owner, name="Old", now=MOMENT)
    api_key_revoke(api_key=revoked, actor=owner, now=MOMENT)
    for moment, active in ((expiry - timedelta(seconds=1), True), (expiry, False)):
        for keys in (
            api_keys_for_member(organization=org_a, user=owner, now=moment),
            api_keys_of_organization(organization=org_a, now=moment),
        ):
            assert {key.name: key.is_active for key in keys} == {"BI": active, "Old": False}
    key = ApiKey.objects.get(name="BI")
    assert key.is_active_at(expiry - timedelta(seconds=1)) and not key.is_active_at(expiry)


def test_the_api_says_a_revoked_key_is_no_longer_active(owner, org_a, api_as):
    client = api_as(owner, org_a)
    other, _ = api_key_create(organization=org_a, user=owner, name="Spare", now=timezone.now())
    response = client.post(f"/api/v1/o/alpha/api-keys/{other.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False and response.json()["revoked_at"]
    listed = {
        key["name"]: key["is_active"]
        for key in client.get("/api/v1/o/alpha/api-keys/").json()["results"]
    }
    assert listed["Spare"] is False and True in listed.values()


def test_one_query_authenticates_the_key_and_finds_its_membership(owner, org_a, api_as):
    client = api_as(owner, org_a)
    client.get("/api/v1/o/alpha/partnerships/")  # last_used_at is written on the first call
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    reading_memberships = [q["sql"] for q in queries if 'FROM "tenancy_membership"' in q["sql"]]
    assert reading_memberships == []
    key_queries = [q["sql"] for q in queries if 'FROM "tenancy_apikey"' in q["sql"]]
    assert len(key_queries) == 1 and '"tenancy_membership"' in key_queries[0]


def test_a_key_authenticated_request_touches_no_session_cookie_or_message(owner, org_a, api_as):
    client = api_as(owner, org_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/o/alpha/partnerships/")
    assert response.status_code == 200
    assert response.cookies == {}  # no session, CSRF or messages cookie was set
    assert not [q for q in queries if "django_session" in q["sql"]]
    assert not response.wsgi_request.session.accessed


def test_the_key_of_a_deactivated_member_reaches_nothing(owner, org_a, make_member, api_as):
    member = make_member(org_a, "procurement_manager")
    client = api_as(member, org_a)
    assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    Membership.objects.filter(user=member, organization=org_a).update(is_active=False)
    assert client.get("/api/v1/o/alpha/partnerships/").status_code in (401, 404)


def test_a_revoked_key_is_refused(owner, org_a, api_as):
    client = api_as(owner, org_a)
    assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    revoked = api_key_revoke(api_key=ApiKey.objects.get(user=owner), actor=owner, now=MOMENT)
    assert revoked.revoked_at == MOMENT
    response = client.get("/api/v1/o/alpha/partnerships/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_key"


def test_a_key_revoked_since_the_page_was_opened_keeps_its_first_revocation(owner, org_a):
    key, _ = api_key_create(organization=org_a, user=owner, name="BI", now=MOMENT)
    stale = ApiKey.objects.get(pk=key.pk)  # the page's copy
    api_key_revoke(api_key=key, actor=owner, now=MOMENT)
    api_key_revoke(api_key=stale, actor=owner, now=MOMENT + timedelta(hours=1))
    assert ApiKey.objects.get(pk=key.pk).revoked_at == MOMENT
    with tenant_scope(org_a):
        assert AuditEvent.objects.filter(action="tenancy.api_key.revoked").count() == 1


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer pl_x_y", "Bearer pl__", "Bearer "])
def test_a_malformed_key_gets_a_clear_401(header):
    client = APIClient()
    response = client.get("/api/v1/o/alpha/partnerships/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "API key" in response.json()["error"]["message"]


def test_a_key_is_bound_to_its_organization(owner, org_a, org_b, make_member, api_as):
    from tenancy.models import Role

    make_member(org_b, Role.ORG_ADMIN)
    client = api_as(owner, org_a)
    assert client.get("/api/v1/o/bravo/partnerships/").status_code == 404


def test_an_unknown_organization_is_a_404_for_api_and_pages(owner, client_as, api_as, org_a):
    assert api_as(owner, org_a).get("/api/v1/o/no-such-org/partners/").status_code == 404
    response = client_as(owner).get("/o/no-such-org/")
    assert response.status_code == 404
    assert "organization" in response.content.decode()


def test_a_user_without_membership_gets_404_not_the_page(outsider, client_as, org_a):
    assert client_as(outsider).get("/o/alpha/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, org_a):
    response = client.get("/o/alpha/partnerships/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_an_anonymous_api_call_gets_401_json(client, org_a):
    response = client.get("/api/v1/o/alpha/partnerships/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_wrong_content_type_is_a_415_not_a_500(owner, org_a, api_as):
    response = api_as(owner, org_a).generic(
        "POST", "/api/v1/o/alpha/partners/", "<partner/>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert response.json()["error"]["status"] == 415


def test_malformed_json_is_a_400(owner, org_a, api_as):
    response = api_as(owner, org_a).generic(
        "POST", "/api/v1/o/alpha/partners/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_the_organizations_endpoint_lists_only_the_callers(owner, org_a, org_b, client_as, api_as):
    body = client_as(owner).get("/api/v1/organizations/").json()
    assert [o["slug"] for o in body["results"]] == ["alpha"]
    assert api_as(owner, org_a).get("/api/v1/organizations/").json()["count"] == 1


def test_the_api_key_page_shows_a_new_key_once(owner, client_as, org_a):
    client = client_as(owner)
    response = client.post(
        "/o/alpha/settings/api-keys/", {"name": "Power BI", "scope": "read_write"}
    )
    raw = response.context["new_key"]
    assert raw.startswith("pl_") and raw in response.content.decode()
    assert raw not in client.get("/o/alpha/settings/api-keys/").content.decode()


def test_sign_in_with_email_and_password(client, owner):
    from tests.tenancy.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/o/alpha/"


def test_password_reset_sends_an_email(client, owner, mailoutbox):
    client.post("/accounts/password/reset/", {"email": owner.email})
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_healthz_checks_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/o/{org_slug}/partnerships/" in schema.content
    assert client.get("/api/docs/").status_code == 200
