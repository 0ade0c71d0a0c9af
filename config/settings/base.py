"""Settings shared by every environment; everything secret or site-specific comes from the
environment (cookiecutter-django's split). `config.settings.{dev,test,prod}` adjust a few values."""

import importlib
import importlib.util
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

from tenancy.modules import module_apps

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me")
# Fernet keys for secrets stored encrypted (tenancy/crypto.py), newest first; unset: one key
# derived from SECRET_KEY. Rotate: prepend a new key, `manage.py rotate_field_encryption`.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # tenancy first: its `migrate` and `flush` commands override Django's (they run as owner).
    "tenancy",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    *module_apps(),  # the module registry: tenancy/modules.py
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Body size cap (413) and no NUL in any query or form parameter (tenancy/middleware.py).
    "tenancy.middleware.RequestHygieneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Logs refused requests (user, organization, path) and adds Permissions-Policy; a second
    # factor, once set up, is required before any page (tenancy/access/).
    "tenancy.access.security.SecurityMiddleware",
    "tenancy.access.two_factor.SecondFactorMiddleware",
    # Resolves /o/<slug>/ and /api/v1/o/<slug>/, authenticates API keys, checks membership and
    # runs the rest of the request inside the tenant's transaction (tenancy/middleware.py).
    "tenancy.middleware.TenantMiddleware",
    # Last, as django-axes requires: answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.tenant",
            ],
        },
    },
]

# --- Database: PostgreSQL only. `tenancy.db` is Django's PostgreSQL backend plus the runtime
# role switch that makes row-level security hold even for a superuser login (docs/tenancy.md).
DATABASE_URL = env("DATABASE_URL", default="")
# Without DATABASE_URL: the embedded server that `make run` / `make test` start, on its socket.
EMBEDDED_DATABASE = {
    "NAME": "partnerline",
    "USER": "postgres",
    "HOST": str(BASE_DIR / "var" / "pg"),
}
DATABASES = {
    "default": {
        **(env.db_url_config(DATABASE_URL) if DATABASE_URL else EMBEDDED_DATABASE),
        "ENGINE": "tenancy.db",
        "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=0),
        "CONN_HEALTH_CHECKS": True,
    }
}
DB_RUNTIME_ROLE = env("DB_RUNTIME_ROLE", default="partnerline_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, result backend and cache.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://"),
        "KEY_PREFIX": "partnerline",
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Redis redelivers a task that was taken but never acknowledged (its worker died) once this many
# seconds have passed. It must exceed the longest hard time limit of any task, or a task still
# running would be delivered a second time (tests/tenancy/test_celery_settings.py checks it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# One beat process; each entry loops over tenants and enqueues one task per tenant. Modules add
# their entries in `<app>/schedule.py` (a BEAT_SCHEDULE dict), merged here.
CELERY_BEAT_SCHEDULE = {
    "notifications-purge-read": {
        "task": "tenancy.tasks.notifications_purge_all_tenants",
        "schedule": crontab(hour=3, minute=10),
    },
    # The outbox sweep: delivers what a nudge after commit missed (broker down, worker dead).
    "outbox-deliver": {"task": "tenancy.tasks.outbox_deliver", "schedule": 60.0},
}
for _module in module_apps():
    if importlib.util.find_spec(f"{_module}.schedule") is not None:
        CELERY_BEAT_SCHEDULE.update(importlib.import_module(f"{_module}.schedule").BEAT_SCHEDULE)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while an account or an address is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# --- Sign-in protection (docs/security.md): after AXES_FAILURE_LIMIT failed sign-ins an account
# is locked, and separately so is the address they came from, for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (it holds the e-mail address)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # failures are logged once, by tenancy.access.security
# Behind a proxy, set the number of trusted proxies so the client address is the real one.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
INVITATION_VALIDITY = timedelta(days=env.int("INVITATION_VALIDITY_DAYS", default=7))
OTP_TOTP_ISSUER = "Partnerline"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; guests are real users.
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
# Every e-mail goes through the transactional outbox (tenancy/outbox.py); the outbox worker sends it
# with OUTBOX_EMAIL_BACKEND (console in development, SMTP in production).
OUTBOX_EMAIL_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "tenancy.outbox.OutboxEmailBackend"
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Partnerline <no-reply@localhost>")
SITE_URL = env("PARTNERLINE_SITE_URL", default="http://127.0.0.1:8000")

API_RATE_PER_KEY = env("API_RATE_PER_KEY", default="600/min")
API_RATE_PER_ORGANIZATION = env("API_RATE_PER_ORGANIZATION", default="2400/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # drf-spectacular's AutoSchema plus error statuses and If-Match (tenancy/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "tenancy.api_schema.TenantAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tenancy.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tenancy.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["tenancy.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's parsers plus refusal of NUL, lone surrogates, inf and deep nesting.
        "tenancy.api_parsers.SafeJSONParser",
        "tenancy.api_parsers.SafeFormParser",
        "tenancy.api_parsers.SafeMultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per API key and per organization (tenancy/access/throttling.py): 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["tenancy.access.throttling.TenantRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": API_RATE_PER_KEY,
        "organization": API_RATE_PER_ORGANIZATION,
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnerline API",
    "DESCRIPTION": "Strategic procurement partnerships. Every route is under "
    "/api/v1/o/<org_slug>/; authenticate with `Authorization: Bearer <api key>`. "
    "A read-only key may only use GET; a write with it is a 403.\n\n"
    f"**Rate limits.** Each API key may make {API_RATE_PER_KEY} requests and each organization "
    f"{API_RATE_PER_ORGANIZATION} requests (all its keys and sessions together). Past a limit "
    "the answer is "
    "`429 Too Many Requests` with a `Retry-After` header giving the seconds to wait.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tenancy.access.openapi.document_rate_limits",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Enums that share a field name across modules get stable names of their own.
    "ENUM_NAME_OVERRIDES": {
        "PartnershipStatusEnum": "partnerships.models.Partnership.Status",
        "AgreementStatusEnum": "contracts.models.Agreement.Status",
        "AgreementStatusShownEnum": "contracts.models.AGREEMENT_STATUSES_SHOWN",
        "IntakeJobStatusEnum": "contracts.models.IntakeJob.Status",
        "ObligationStatusEnum": "contracts.models.Obligation.Status",
        "ClauseDecisionEnum": "contracts.models.Clause.Decision",
        "ReviewDecisionEnum": "contracts.models.REVIEW_DECISIONS",
        "ClauseSourceEnum": "contracts.models.Clause.Source",
        "ChangeRequestStatusEnum": "governance.models.ChangeRequest.Status",
        "ObligationPartyEnum": "contracts.models.Obligation.Party",
        "PerformanceSideEnum": "performance.models.Side",
        "MeetingStatusEnum": "governance.models.Meeting.Status",
        "MeetingActionStatusEnum": "governance.models.MeetingAction.Status",
        "EscalationStatusEnum": "governance.models.Escalation.Status",
        "CommitteeFrequencyEnum": "governance.models.Committee.Frequency",
        "RiskCategoryEnum": "risk.models.Risk.Category",
        "CategoryEnum": "governance.models.ChangeRequest.Category",  # kept its name
        "BreachPartyEnum": "risk.models.BREACH_PARTY_CHOICES",
        "GovernancePartyEnum": "governance.models.ChangeRequestApprover.Party",
        "SourcingModelEnum": "partnerships.models.SourcingCase.Model",
        "MemberRoleEnum": "tenancy.access.services.MEMBER_ROLES",
        "RoleEnum": "tenancy.models.Role",
        "CurrencyEnum": "tenancy.money.CURRENCIES",
        "FinancePartyEnum": "finance.models.Party",
        "ConnectorDirectionEnum": "integrations.models.Connector.Direction",
        "DirectionEnum": "performance.models.DIRECTION_CHOICES",  # kept its name
        "SupplierProgrammeStatusEnum": "innovation.models.SupplierProgramme.Status",
    },
}

# --- Security headers (django-csp; Django's SecurityMiddleware sets the rest). No inline script
# anywhere: behaviour lives in static/js/. Inline style attributes remain (server-drawn bars).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # Failed sign-ins and refused requests (tenancy/access/security.py).
    "loggers": {"partnerline.security": {"level": "INFO"}},
}

# Single sign-on: an organization's OpenID Connect issuer must use https (tests allow loopback).
SSO_ALLOW_HTTP_ISSUER = env.bool("SSO_ALLOW_HTTP_ISSUER", default=False)
