"""Single sign-on with OpenID Connect against a local provider: domain routing on the login
page, the role from a claim, just-in-time membership, refusals."""

import importlib
import re
from urllib.parse import urlsplit

import pytest
import requests
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tenancy.access import services
from tenancy.access.domains import DomainLookupFailed, expected_record
from tenancy.access.sso import sso_for_email
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Membership, Role, SingleSignOn, User
from tests.tenancy.oidc_provider import LocalProvider
from tests.tenancy.sso import prove_domains

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    provider = LocalProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(org_a, owner, provider):
    config = _configure(
        org_a, owner, provider, "alpha.test, alpha-group.test", role_claim="partnerline_role"
    )
    return prove_domains(config, owner)


def _sign_in_with_sso(client: Client, email: str):
    """Login page → provider (a real HTTP round trip) → callback. Returns the last response."""
    start = client.post("/accounts/sso/", {"email": email})
    if start.status_code != 200 or "provider_url" not in (start.context or {}):
        return start
    at_provider = requests.get(start.context["provider_url"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_a_new_colleague_signs_in_with_the_role_from_the_claim(org_a, sso, provider):
    provider.user = {"email": "rae@alpha.test", "email_verified": True, "name": "Rae Legal",
                     "partnerline_role": "legal"}  # fmt: skip
    client = Client()
    response = _sign_in_with_sso(client, "rae@alpha.test")
    assert response.status_code == 302 and response["Location"] == "/o/alpha/"
    user = User.objects.get(email="rae@alpha.test")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.LEGAL
    assert not user.has_usable_password()
    assert client.get("/o/alpha/").status_code == 200


def test_a_changed_claim_changes_the_role_at_the_next_sign_in(org_a, sso, provider):
    provider.user = {"email": "rae@alpha.test", "partnerline_role": "legal"}
    _sign_in_with_sso(Client(), "rae@alpha.test")
    provider.user = {"email": "rae@alpha.test", "partnerline_role": "Finance"}
    _sign_in_with_sso(Client(), "rae@alpha.test")
    user = User.objects.get(email="rae@alpha.test")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.FINANCE


def test_without_a_role_claim_the_default_role_applies(org_a, sso, provider):
    provider.user = {"email": "vic@alpha-group.test"}
    _sign_in_with_sso(Client(), "vic@alpha-group.test")
    user = User.objects.get(email="vic@alpha-group.test")
    assert Membership.objects.get(organization=org_a, user=user).role == Role.VIEWER


def test_an_unknown_domain_is_sent_back_to_the_password_form(sso):
    response = Client().post("/accounts/sso/", {"email": "eve@elsewhere.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_provider_cannot_vouch_for_another_domain(org_a, sso, provider):
    provider.user = {"email": "mallory@evil.test", "partnerline_role": "org_admin"}
    response = _sign_in_with_sso(Client(), "someone@alpha.test")
    assert response.status_code == 403
    assert not User.objects.filter(email="mallory@evil.test").exists()


def test_a_deactivated_member_is_not_let_back_in_by_the_provider(org_a, owner, sso, provider):
    provider.user = {"email": "rae@alpha.test", "partnerline_role": "legal"}
    _sign_in_with_sso(Client(), "rae@alpha.test")
    membership = Membership.objects.get(organization=org_a, user__email="rae@alpha.test")
    services.membership_deactivate(
        membership=membership, actor=owner, reason="left", now=timezone.now()
    )
    response = _sign_in_with_sso(Client(), "rae@alpha.test")
    assert response.status_code == 403
    assert "removed" in response.content.decode()


def test_without_just_in_time_membership_only_invited_people_get_in(org_a, owner, sso, provider):
    SingleSignOn.objects.filter(pk=sso.pk).update(allow_jit=False)
    provider.user = {"email": "new@alpha.test"}
    assert _sign_in_with_sso(Client(), "new@alpha.test").status_code == 403
    services.member_invite(
        organization=org_a,
        email="new@alpha.test",
        role=Role.COMMITTEE_MEMBER,
        actor=owner,
        now=timezone.now(),
    )
    assert _sign_in_with_sso(Client(), "new@alpha.test").status_code == 302
    membership = Membership.objects.get(organization=org_a, user__email="new@alpha.test")
    assert membership.role == Role.COMMITTEE_MEMBER


def test_a_forged_state_is_refused(sso, provider):
    client = Client()
    client.post("/accounts/sso/", {"email": "rae@alpha.test"})
    response = client.get("/accounts/sso/callback/?code=x&state=forged")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_admin_sets_up_single_sign_on_on_its_page(org_a, owner, client_as, provider):
    client = client_as(owner)
    page = client.get("/o/alpha/settings/single-sign-on/")
    assert "/accounts/sso/callback/" in page.content.decode()
    response = client.post(
        "/o/alpha/settings/single-sign-on/",
        {
            "is_enabled": "on",
            "issuer": provider.issuer,
            "client_id": "abc",
            "client_secret": "s3cret",
            "email_domains": "Alpha.test",
            "role_claim": "groups",
            "default_role": Role.VIEWER,
        },
    )
    assert response.status_code == 302
    config = SingleSignOn.objects.get(organization=org_a)
    assert config.email_domains == ["alpha.test"] and config.client_secret == "s3cret"
    again = client.get("/o/alpha/settings/single-sign-on/").content.decode()
    assert "s3cret" not in again


def _configure(organization, actor, provider, domains, role_claim=""):
    """The organization's provider, switched on, with `domains` named (not yet proven)."""
    return services.sso_configure(
        organization=organization,
        actor=actor,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains=domains,
        role_claim=role_claim,
        default_role=Role.VIEWER,
        allow_jit=True,
        is_enabled=True,
        now=timezone.now(),
    )


def _configure_bravo(org_b, outsider, provider, domains="alpha.test"):
    return _configure(org_b, outsider, provider, domains)


def test_a_domain_cannot_route_to_two_organizations(org_b, outsider, sso, provider):
    """Bravo may name Alpha's domain, but it routes and signs in nowhere until proven, and a
    domain another enabled organization has proven is not proven twice."""
    bravo = _configure_bravo(org_b, outsider, provider)
    assert bravo.verified_domains == []
    assert sso_for_email("rae@alpha.test").organization == sso.organization
    with pytest.raises(services.SingleSignOnRefused, match="not in a domain that signs in"):
        services.sso_sign_in(config=bravo, claims={"email": "rae@alpha.test"}, now=timezone.now())
    found = services.sso_domains_verify(
        organization=org_b,
        actor=outsider,
        now=timezone.now(),
        lookup=lambda name: [expected_record(bravo.domain_token)],
    )
    assert found == {"alpha.test": "another organization signs in with this domain"}
    bravo.refresh_from_db()
    assert bravo.verified_domains == []


def test_naming_a_domain_without_its_dns_record_proves_nothing(org_b, outsider, provider):
    bravo = _configure_bravo(org_b, outsider, provider, domains="bravo.test, alpha.test")
    records = {
        "_partnerline-challenge.bravo.test": [expected_record(bravo.domain_token), "v=spf1 -all"],
        "_partnerline-challenge.alpha.test": ["partnerline-domain-verification=someone-else"],
    }
    found = services.sso_domains_verify(
        organization=org_b, actor=outsider, now=timezone.now(), lookup=records.__getitem__
    )
    assert found == {
        "bravo.test": "verified",
        "alpha.test": "no TXT record “partnerline-domain-verification="
        f"{bravo.domain_token}” at _partnerline-challenge.alpha.test yet (DNS changes can take "
        "an hour to show)",
    }
    bravo.refresh_from_db()
    assert bravo.verified_domains == ["bravo.test"]
    assert sso_for_email("ann@bravo.test") == bravo and sso_for_email("ann@alpha.test") is None
    again = services.sso_domains_verify(
        organization=org_b, actor=outsider, now=timezone.now(), lookup=records.__getitem__
    )
    assert again["bravo.test"] == "already verified"
    with tenant_scope(org_b):
        [event] = AuditEvent.objects.filter(action="tenancy.single_sign_on.domains_verified")
    assert (event.actor, event.changes) == (outsider, {"domains": ["bravo.test"]})
    # Taking a domain off the list takes its proof with it.
    bravo = _configure_bravo(org_b, outsider, provider, domains="alpha.test")
    assert bravo.verified_domains == []


def test_the_admin_proves_a_domain_from_the_single_sign_on_page(
    org_a, owner, client_as, provider, monkeypatch
):
    config = _configure(org_a, owner, provider, "alpha.test")
    client = client_as(owner)
    page = client.get("/o/alpha/settings/single-sign-on/").content.decode()
    assert "_partnerline-challenge.alpha.test" in page
    assert expected_record(config.domain_token) in page and "Not verified" in page
    assert "no domain is verified yet: nobody can sign in with the provider" in page
    monkeypatch.setattr("tenancy.access.services.sso.txt_records", lambda name: [])
    shown = client.post("/o/alpha/settings/single-sign-on/verify-domains/", follow=True)
    assert "alpha.test is not verified: no TXT record" in shown.content.decode()
    published = {"_partnerline-challenge.alpha.test": [expected_record(config.domain_token)]}
    monkeypatch.setattr("tenancy.access.services.sso.txt_records", published.__getitem__)
    shown = client.post("/o/alpha/settings/single-sign-on/verify-domains/", follow=True)
    assert "alpha.test is verified: its people can sign in." in shown.content.decode()
    assert ">Verified<" in shown.content.decode()
    assert "no domain is verified yet" not in shown.content.decode()
    api = client.post("/api/v1/o/alpha/single-sign-on/verify-domains/")
    assert api.json() == {"domains": {"alpha.test": "already verified"}}


def test_the_login_page_offers_single_sign_on_by_e_mail_domain(client):
    page = client.get("/accounts/login/").content.decode()
    assert re.search(r'action="/accounts/sso/"', page)


def test_the_provider_cannot_demote_the_last_admin(org_a, owner, sso, provider):
    provider.user = {"email": owner.email, "partnerline_role": "viewer"}
    assert _sign_in_with_sso(Client(), owner.email).status_code == 302
    assert Membership.objects.get(organization=org_a, user=owner).role == Role.ORG_ADMIN


def test_a_session_signed_in_through_sso_opens_only_that_organization(
    org_a, org_b, owner, sso, provider, make_member
):
    """Alpha's provider vouches for Alpha's people: the same account's membership in Bravo
    (granted by Bravo's admin, who never trusted that provider) needs the account's password."""
    person = make_member(org_a, Role.VIEWER, email="kim@alpha.test")
    Membership.objects.create(organization=org_b, user=person, role=Role.ORG_ADMIN)
    person.set_password("kims-own-secret-42")
    person.save()
    provider.user = {"email": "kim@alpha.test", "partnerline_role": "viewer"}
    client = Client()
    assert _sign_in_with_sso(client, "kim@alpha.test")["Location"] == "/o/alpha/"

    assert client.get("/o/alpha/").status_code == 200
    page = client.get("/o/bravo/")
    assert page.status_code == 403
    assert (
        "You signed in through the single sign-on of Alpha Industries, which opens Alpha "
        "Industries only. Sign out, then sign in with your password to open Bravo Holdings."
    ) in page.content.decode()
    api = client.get("/api/v1/o/bravo/partnerships/")
    assert (api.status_code, api.json()["error"]["code"]) == (403, "single_sign_on_scope")
    # The start page, the switcher and the API's list show Alpha alone.
    assert client.get("/")["Location"] == "/o/alpha/"
    assert "Bravo Holdings" not in client.get("/o/alpha/").content.decode()
    listed = client.get("/api/v1/organizations/").json()["results"]
    assert [organization["slug"] for organization in listed] == ["alpha"]
    # Account-wide security is not changed from this session.
    assert client.get("/accounts/two-factor/").status_code == 403

    # The account's own password opens every organization again, in the same browser.
    assert client.login(email="kim@alpha.test", password="kims-own-secret-42")
    assert client.get("/o/bravo/").status_code == 200


def test_a_dns_that_does_not_answer_leaves_the_domain_unproven_and_says_to_retry(
    org_b, outsider, provider
):
    _configure_bravo(org_b, outsider, provider, domains="bravo.test")

    def silent(name):
        raise DomainLookupFailed("timeout")

    found = services.sso_domains_verify(
        organization=org_b, actor=outsider, now=timezone.now(), lookup=silent
    )
    assert found == {"bravo.test": "the DNS did not answer; try again in a few minutes"}
    assert SingleSignOn.objects.get(organization=org_b).verified_domains == []


def test_domains_are_checked_only_once_single_sign_on_is_set_up(org_b, outsider):
    with pytest.raises(ConflictError, match="^Set up single sign-on first.$"):
        services.sso_domains_verify(organization=org_b, actor=outsider, now=timezone.now())


def test_providers_set_up_before_domains_were_proven_keep_signing_in(org_a, owner, provider):
    """Migration 0010 marks the domains of existing providers verified, each with a token."""
    config = SingleSignOn.objects.create(
        organization=org_a,
        issuer=provider.issuer,
        client_id="x",
        client_secret="y",
        email_domains=["alpha.test", "alpha-group.test"],
        is_enabled=True,
    )
    migration = importlib.import_module("tenancy.migrations.0010_sso_domain_verification")
    migration.grandfather_domains(django_apps, None)
    config.refresh_from_db()
    assert config.verified_domains == ["alpha.test", "alpha-group.test"]
    assert len(config.domain_token) >= 24


def test_saving_the_settings_again_keeps_the_token_the_dns_already_holds(org_b, outsider, provider):
    first = _configure_bravo(org_b, outsider, provider, domains="bravo.test")
    again = _configure_bravo(org_b, outsider, provider, domains="bravo.test, bravo.example")
    assert again.domain_token == first.domain_token and len(first.domain_token) >= 24


def test_a_provider_is_not_switched_on_over_a_domain_another_organization_signs_in_with(
    org_a, owner, org_b, outsider, provider
):
    """Bravo proved alpha-group.test while its provider was off; Alpha proved it since and signs
    in with it. Bravo cannot switch its provider on over it."""
    bravo = SingleSignOn.objects.create(
        organization=org_b,
        issuer=provider.issuer,
        client_id="x",
        client_secret="y",
        email_domains=["alpha-group.test"],
        verified_domains=["alpha-group.test"],
        domain_token="bravo-token-0123456789abcdef",
        is_enabled=False,
    )
    alpha = _configure(org_a, owner, provider, "alpha-group.test")
    assert prove_domains(alpha, owner).verified_domains == ["alpha-group.test"]
    with pytest.raises(ValidationError) as refused:
        _configure_bravo(org_b, outsider, provider, domains="alpha-group.test")
    assert refused.value.message_dict == {
        "email_domains": ["One of these domains already signs in to another organization."]
    }
    bravo.refresh_from_db()
    assert bravo.is_enabled is False
