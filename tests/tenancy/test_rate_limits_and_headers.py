"""API rate limits per key and per organization (429 + Retry-After, documented in the schema),
and the security headers: a Content-Security-Policy without inline script, Referrer-Policy."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache

from tenancy.access import throttling
from tenancy.access.throttling import TenantRateThrottle

pytestmark = pytest.mark.django_db

MINUTE = 1_800_000_000 * 60.0  # the start of some minute
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def low_limits(monkeypatch):
    rates = {"api_key": "3/min", "organization": "5/min"}
    monkeypatch.setattr(TenantRateThrottle, "THROTTLE_RATES", rates)
    # 20 seconds into a minute: the windows do not turn during a test unless it moves the clock.
    monkeypatch.setattr(throttling, "clock", lambda: MINUTE + 20.0)
    cache.clear()
    yield rates
    cache.clear()


def test_a_key_past_its_limit_gets_429_with_retry_after(owner, org_a, api_as, low_limits):
    client = api_as(owner, org_a)
    for _ in range(3):
        assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    response = client.get("/api/v1/o/alpha/partnerships/")
    assert response.status_code == 429
    assert response["Retry-After"] == "40"  # the seconds left in this minute
    assert response.json()["error"]["status"] == 429


def test_the_limit_counts_again_from_zero_in_the_next_minute(
    owner, org_a, api_as, low_limits, monkeypatch
):
    client = api_as(owner, org_a)
    for _ in range(4):
        client.get("/api/v1/o/alpha/partnerships/")
    monkeypatch.setattr(throttling, "clock", lambda: MINUTE + 59.9)
    assert client.get("/api/v1/o/alpha/partnerships/").status_code == 429
    monkeypatch.setattr(throttling, "clock", lambda: MINUTE + 60.0)
    for _ in range(3):
        assert client.get("/api/v1/o/alpha/partnerships/").status_code == 200
    assert client.get("/api/v1/o/alpha/partnerships/").status_code == 429


def test_a_rate_reads_as_requests_per_period():
    assert throttling.parse_rate("600/min") == (600, 60)
    assert throttling.parse_rate("10/s") == (10, 1)
    assert throttling.parse_rate("5000/hour") == (5000, 3600)
    assert throttling.parse_rate("100000/day") == (100000, 86400)
    assert throttling.parse_rate(None) is None


def test_the_counters_expire_after_their_window(owner, org_a, api_as, low_limits):
    from django.core.cache import cache as django_cache

    api_as(owner, org_a).get("/api/v1/o/alpha/partnerships/")
    window = int((MINUTE + 20.0) // 60)
    name = django_cache.make_key(f"org:{org_a.pk}:throttle:organization:60:{window}")
    client = throttling._redis()
    assert int(client.get(name)) == 1
    assert 0 < client.ttl(name) <= 61


def test_each_key_has_its_own_limit_and_the_organization_a_shared_one(
    owner, member, org_a, api_as, low_limits
):
    first, second = api_as(owner, org_a), api_as(member, org_a)
    for _ in range(3):
        assert first.get("/api/v1/o/alpha/partnerships/").status_code == 200
    assert first.get("/api/v1/o/alpha/partnerships/").status_code == 429
    assert second.get("/api/v1/o/alpha/partnerships/").status_code == 200
    # 3 + 1 refused + 1 = 5 requests counted for the organization: its limit is reached.
    third = api_as(owner, org_a)
    assert third.get("/api/v1/o/alpha/partnerships/").status_code == 429


def test_another_organization_is_not_slowed_by_a_busy_one(
    owner, org_a, outsider, org_b, api_as, low_limits
):
    busy = api_as(owner, org_a)
    for _ in range(4):
        busy.get("/api/v1/o/alpha/partnerships/")
    assert api_as(outsider, org_b).get("/api/v1/o/bravo/partnerships/").status_code == 200


def test_the_openapi_description_documents_the_limits_and_the_429(owner, client_as):
    schema = client_as(owner).get("/api/schema/?format=json").json()
    assert "Retry-After" in schema["info"]["description"]
    operation = schema["paths"]["/api/v1/o/{org_slug}/partnerships/"]["get"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_pages_carry_a_content_security_policy_without_inline_script(owner, client_as):
    response = client_as(owner).get("/o/alpha/")
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_no_template_has_inline_script_or_event_handler_attributes():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template.relative_to(TEMPLATES)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{template.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


def test_the_api_docs_load_their_start_up_script_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert re.search(r"<script>\s*\S", page) is None
    assert client.get("/api/docs/?script=").status_code == 200


def test_browser_sessions_count_against_their_organizations_limit(
    owner, org_a, client_as, low_limits
):
    browser = client_as(owner)
    for _ in range(5):
        assert browser.get("/api/v1/o/alpha/partnerships/").status_code == 200
    assert browser.get("/api/v1/o/alpha/partnerships/").status_code == 429
