"""Sign-in protection: lockout per account and per address (django-axes), failed logins and
refused requests in the security log, password validators, an optional second factor."""

import logging

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.tenancy.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return settings


def _sign_in(client, email, password, address="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_the_right_password_no_longer_works_after_repeated_failures(axes_on, owner):
    client = Client()
    assert _sign_in(client, owner.email, "wrong").status_code == 200
    assert _sign_in(client, owner.email, "wrong").status_code == 200
    assert _sign_in(client, owner.email, "wrong").status_code == 429  # the third locks
    response = _sign_in(client, owner.email, PASSWORD)
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whatever_address_the_attempts_come_from(axes_on, owner):
    for i in range(3):
        _sign_in(Client(), owner.email, "wrong", address=f"198.51.100.{i}")
    assert _sign_in(Client(), owner.email, PASSWORD, address="192.0.2.1").status_code == 429


def test_an_address_is_locked_whatever_accounts_it_tries(axes_on, owner, member):
    for i in range(3):
        _sign_in(Client(), f"nobody{i}@alpha.test", "wrong", address="198.51.100.9")
    assert _sign_in(Client(), member.email, PASSWORD, address="198.51.100.9").status_code == 429
    ok = _sign_in(Client(), member.email, PASSWORD, address="192.0.2.44")
    assert ok.status_code == 302


def test_a_failed_login_is_logged_with_the_user_address_and_path(axes_on, owner, caplog):
    with caplog.at_level(logging.WARNING, logger="partnerline.security"):
        _sign_in(Client(), owner.email, "wrong")
    record = next(r for r in caplog.records if "login failed" in r.getMessage())
    assert owner.email in record.getMessage()
    assert "203.0.113.7" in record.getMessage() and "/accounts/login/" in record.getMessage()


def test_a_refused_request_is_logged_with_user_organization_and_path(
    member, client_as, org_a, caplog
):
    with caplog.at_level(logging.WARNING, logger="partnerline.security"):
        assert client_as(member).get("/o/alpha/settings/members/").status_code == 403
    message = next(r.getMessage() for r in caplog.records if "refused" in r.getMessage())
    assert member.email in message and "organization=alpha" in message
    assert "/o/alpha/settings/members/" in message


def test_a_non_member_probing_an_organization_is_logged(outsider, client_as, org_a, caplog):
    with caplog.at_level(logging.WARNING, logger="partnerline.security"):
        assert client_as(outsider).get("/o/alpha/").status_code == 404
    assert any("not a member" in r.getMessage() for r in caplog.records)


def test_password_validators_refuse_short_common_and_numeric_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1", "password123", "12345678901"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_an_admin_turns_on_a_second_factor_and_is_asked_for_it(owner, client_as):
    client = client_as(owner)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200 and "QR code" in page.content.decode()
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    wrong = client.post("/accounts/two-factor/", {"token": "000000"})
    assert "not valid" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert client.post("/accounts/two-factor/", {"token": code}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed

    fresh = client_as(owner)  # a new session: password only
    response = fresh.get("/o/alpha/")
    assert response.status_code == 302 and "/accounts/two-factor/verify/" in response["Location"]
    assert fresh.get("/api/v1/o/alpha/partnerships/").status_code == 403
    # A Bearer header on a page is ignored: it never stands in for the second factor.
    bypass = fresh.get("/o/alpha/", HTTP_AUTHORIZATION="Bearer pl_x_y")
    assert bypass.status_code == 302 and "/accounts/two-factor/verify/" in bypass["Location"]
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    verified = fresh.post("/accounts/two-factor/verify/", {"token": code, "next": "/o/alpha/"})
    assert verified.status_code == 302 and verified["Location"] == "/o/alpha/"
    assert fresh.get("/o/alpha/").status_code == 200
