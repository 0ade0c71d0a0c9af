"""Single sign-on with OpenID Connect against a local provider: domain routing on the login
page, the role from a claim, just-in-time membership, refusals."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from tenancy.access import services
from tenancy.models import Membership, Role, SingleSignOn, User
from tests.tenancy.oidc_provider import LocalProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    provider = LocalProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(org_a, owner, provider):
    return services.sso_configure(
        organization=org_a,
        actor=owner,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains="alpha.test, alpha-group.test",
        role_claim="partnerline_role",
        default_role=Role.VIEWER,
        allow_jit=True,
        is_enabled=True,
        now=timezone.now(),
    )


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


def test_a_domain_cannot_route_to_two_organizations(org_b, outsider, sso, provider):
    with pytest.raises(Exception, match="another organization"):
        services.sso_configure(
            organization=org_b,
            actor=outsider,
            issuer=provider.issuer,
            client_id="x",
            client_secret="y",
            email_domains="alpha.test",
            role_claim="",
            default_role=Role.VIEWER,
            allow_jit=True,
            is_enabled=True,
            now=timezone.now(),
        )


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
