"""Secrets at rest: a model field whose value is stored encrypted (Fernet: AES-128-CBC with an
HMAC-SHA256, from the `cryptography` package).

Used for credentials the application must send back out (an OpenID provider's client secret),
which therefore cannot be hashed like API keys. The keys are `FIELD_ENCRYPTION_KEYS` (Fernet
keys, comma-separated; the first encrypts, all decrypt, so a key is rotated by putting the new
one first and re-saving the rows: `manage.py rotate_field_encryption`). Without them one key is
derived from `SECRET_KEY` (HKDF-SHA256), so a development database works out of the box. A
database dump alone (or a tenant export, which carries the stored text) no longer reveals the
secret.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "fernet:"  # marks stored ciphertext, so plaintext left from before is told apart


def _derived_key(secret: str) -> bytes:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"partnerline field encryption"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    material = [key.encode() for key in keys if key] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(key) for key in material])


def fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a stored value. A value without the prefix is plaintext written before
    the field was encrypted (the migration encrypts those); a token no key opens is an error a
    person must fix (a key was dropped from FIELD_ENCRYPTION_KEYS), never silently empty."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
            "was the key that encrypted it removed?"
        ) from error


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


class EncryptedTextField(models.TextField):
    """A text value kept encrypted in the database; Python code sees the plaintext.

    It cannot be searched or ordered in SQL (every save encrypts anew, so equal values differ).
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
