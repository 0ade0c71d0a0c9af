"""Tests: real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the embedded ones started by
tests/conftest.py), fast password hashing, e-mail kept in memory."""

from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read mail from Django's locmem outbox directly; the outbox tests switch EMAIL_BACKEND to
# tenancy.outbox.OutboxEmailBackend and deliver through OUTBOX_EMAIL_BACKEND.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_NUDGE_WORKER = False
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "test-media")))  # noqa: F405

# Several test runs on one server (parallel developers, CI next to a dev run) need their own
# test database: TEST_DATABASE_NAME=test_partnerline_mine.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}  # noqa: F405

# django-axes needs `request` in authenticate(), which the test client's login() does not pass;
# the lockout tests switch it on (tests/tenancy/test_sign_in_protection.py).
AXES_ENABLED = False
SSO_ALLOW_HTTP_ISSUER = True  # the tests' OpenID provider listens on http://127.0.0.1
