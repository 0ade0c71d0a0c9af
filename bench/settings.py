"""Settings of the benchmark stack: the shared base with DEBUG off, as production runs it.

`bench.run` points DATABASE_URL at the bench database before anything imports this. Connections
persist between requests (CONN_MAX_AGE, as production does behind a pooler); set
DJANGO_CONN_MAX_AGE=0 to measure a connection per request.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
MEDIA_ROOT = BASE_DIR / "var" / "bench-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
ROOT_URLCONF = "bench.urls"
# The rate limits stay on (their Redis round trips are part of a request's cost) but high enough
# that the load levels are never refused.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"api_key": "1000000/min", "organization": "1000000/min"},
}
