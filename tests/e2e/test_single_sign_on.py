"""In Chromium: a colleague types their work e-mail on the login page, is sent to the
organization's OpenID provider (a local one) and lands in the organization with the role from
the ID token's claim."""

import pytest
from django.utils import timezone

from tenancy.access import services
from tenancy.models import Membership, Role
from tests.tenancy.oidc_provider import LocalProvider
from tests.tenancy.sso import prove_domains

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider():
    provider = LocalProvider().start()
    yield provider
    provider.stop()


def test_single_sign_on_from_the_login_page_with_the_role_from_the_claim(
    page, org_a, owner, provider
):
    config = services.sso_configure(
        organization=org_a,
        actor=owner,
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains="alpha.test",
        role_claim="partnerline_role",
        default_role=Role.VIEWER,
        allow_jit=True,
        is_enabled=True,
        now=timezone.now(),
    )
    prove_domains(config, owner)
    provider.user = {
        "email": "fin@alpha.test",
        "email_verified": True,
        "name": "Fin Ance",
        "partnerline_role": "finance",
    }
    page.goto("/accounts/login/")
    page.get_by_label("Work e-mail").fill("fin@alpha.test")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.wait_for_url("**/o/alpha/")
    assert "Fin Ance" in page.content()
    membership = Membership.objects.get(organization=org_a, user__email="fin@alpha.test")
    assert membership.role == Role.FINANCE
