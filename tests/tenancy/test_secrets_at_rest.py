"""The single sign-on client secret is stored encrypted: a database dump does not reveal it, the
application still reads it, and keys can be rotated without losing it."""

import importlib

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tenancy import crypto
from tenancy.access import services
from tenancy.models import Role, SingleSignOn

pytestmark = pytest.mark.django_db


def _stored(config) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM tenancy_singlesignon WHERE id = %s", [config.pk])
        return cursor.fetchone()[0]


def _configure(organization, actor, secret="provider-secret-123", domain="alpha.test"):
    return services.sso_configure(
        organization=organization,
        actor=actor,
        issuer="https://login.alpha.test",
        client_id="partnerline",
        client_secret=secret,
        email_domains=domain,
        role_claim="partnerline_role",
        default_role=Role.VIEWER,
        allow_jit=True,
        is_enabled=False,
        now=timezone.now(),
    )


def test_the_client_secret_is_never_stored_in_plaintext(org_a, owner):
    config = _configure(org_a, owner)

    stored = _stored(config)
    assert "provider-secret-123" not in stored
    assert crypto.is_encrypted(stored)
    assert SingleSignOn.objects.get(pk=config.pk).client_secret == "provider-secret-123"


def test_two_saves_of_one_secret_store_different_tokens(org_a, owner):
    config = _configure(org_a, owner)
    first = _stored(config)
    config.save(update_fields=["client_secret"])
    assert _stored(config) != first  # a fresh IV each time: equal secrets are not recognisable


def test_a_rotated_key_still_reads_old_secrets_and_rotation_moves_them_to_the_new_key(
    org_a, owner, settings
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    config = _configure(org_a, owner)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert SingleSignOn.objects.get(pk=config.pk).client_secret == "provider-secret-123"
    call_command("rotate_field_encryption", verbosity=0)

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert SingleSignOn.objects.get(pk=config.pk).client_secret == "provider-secret-123"


def test_a_secret_no_key_opens_is_an_error_not_an_empty_secret(org_a, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    config = _configure(org_a, owner)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ValueError, match="cannot be decrypted with FIELD_ENCRYPTION_KEYS"):
        SingleSignOn.objects.get(pk=config.pk)


def test_the_migration_encrypts_secrets_stored_in_plaintext(org_a, owner):
    config = _configure(org_a, owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenancy_singlesignon SET client_secret = 'left-in-plaintext' WHERE id = %s",
            [config.pk],
        )
    migration = importlib.import_module("tenancy.migrations.0009_sso_client_secret_encrypted")

    migration.encrypt_stored_secrets(apps, None)

    assert crypto.is_encrypted(_stored(config))
    assert SingleSignOn.objects.get(pk=config.pk).client_secret == "left-in-plaintext"


def test_single_sign_on_secrets_reencrypt_moves_every_secret_to_the_newest_key(
    org_a, org_b, owner, outsider, settings
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    first, second = (
        _configure(org_a, owner, "alpha-secret"),
        _configure(org_b, outsider, "b", "bravo.test"),
    )
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    assert services.single_sign_on_secrets_reencrypt() == 2

    new_only = Fernet(new.encode())
    for config, secret in ((first, "alpha-secret"), (second, "b")):
        token = _stored(config).removeprefix(crypto.PREFIX).encode()
        assert new_only.decrypt(token).decode() == secret
