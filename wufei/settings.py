"""Django settings for wufei (无废).

Everything that differs between the embedded default (SQLite, tasks inline) and production
(PostgreSQL, Celery on Redis) is read from the environment:

- ``DATABASE_URL``      e.g. ``postgres://user@127.0.0.1:5432/wufei``; default: SQLite in ``var/``
- ``CELERY_BROKER_URL`` e.g. ``redis://127.0.0.1:6379/0``; unset: tasks run inline
- ``WUFEI_DEBUG``       ``1`` for development (default ``0``)
- ``WUFEI_SECRET_KEY``  required when ``WUFEI_DEBUG`` is not ``1``
- ``WUFEI_SECURE_COOKIES`` ``1`` behind HTTPS (default: on unless debug)
- ``WUFEI_ALLOWED_HOSTS`` comma-separated
- ``WUFEI_EMAIL_HOST`` (+ ``_PORT``, ``_USER``, ``_PASSWORD``, ``_TLS``, ``_FROM``) SMTP; unset: mails go to ``var/mail/``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WUFEI_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("WUFEI_DEBUG", False)
TESTING = _flag("WUFEI_TESTING", "pytest" in sys.modules)

SECRET_KEY = os.environ.get("WUFEI_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "wufei-insecure-development-key-not-for-production"  # noqa: S105
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("WUFEI_SECRET_KEY must be set when WUFEI_DEBUG is not 1")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WUFEI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "wufei.core",
    "wufei.notifications",
    "wufei.catalog",
    "wufei.registry",
    "wufei.plans",
    "wufei.ledger",
    "wufei.approvals",
    "wufei.manifests",
    "wufei.trips",
    "wufei.tracking",
    "wufei.supervision",
    "wufei.analytics",
    "wufei.labels",
    "wufei.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "wufei.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wufei.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wufei.urls"
WSGI_APPLICATION = "wufei.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wufei" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wufei.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database: SQLite embedded default, PostgreSQL by DATABASE_URL -------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'wufei.sqlite3'}",
        conn_max_age=int(os.environ.get("WUFEI_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers never both read
    # the same counter or audit head (see docs/numbering.md and docs/audit.md).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not :memory:) so that threads share it; one per process so parallel runs do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_wufei_{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords and login ----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Fast hashing keeps the test suite quick; production always uses Argon2 (see above).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("WUFEI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_ENABLED = not _flag("WUFEI_AXES_DISABLED", False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Cookies, CSRF, headers, CSP ----------------------------------------------------------
SECURE_COOKIES = _flag("WUFEI_SECURE_COOKIES", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_COOKIES:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- i18n: Simplified Chinese by default, English as second language ---------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "wufei" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "wufei" / "static"]  # project-wide assets: base CSS/JS, htmx
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wufei.core.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wufei.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "wufei 无废 API",
    "DESCRIPTION": "Provincial supervision of industrial solid waste and hazardous waste.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets with the same field name in several apps get their own names.
    "ENUM_NAME_OVERRIDES": {
        name: f"wufei.{path}"
        for name, path in {
            "ManifestStatusEnum": "manifests.models.ManifestStatus",
            "ManifestKindEnum": "manifests.models.ManifestKind",
            "ManifestOutcomeEnum": "manifests.models.Outcome",
            "ManifestItemStatusEnum": "manifests.models.ItemStatus",
            "RevisionStatusEnum": "manifests.models.RevisionStatus",
            "LinkKindEnum": "manifests.models.LinkKind",
            "ContainerStatusEnum": "ledger.models.ContainerStatus",
            "WasteKindEnum": "ledger.models.WasteKind",
            "EntryKindEnum": "ledger.models.EntryKind",
            "PlanStatusEnum": "plans.models.PlanStatus",
            "DeclarationStatusEnum": "plans.declarations_models.DeclarationStatus",
            "PermitStatusEnum": "registry.models.PermitStatus",
            "FacilityKindEnum": "registry.models.FacilityKind",
            "ApprovalStatusEnum": "approvals.models.ApprovalStatus",
            "ApprovalStepKindEnum": "approvals.models.StepKind",
            "WarningStatusEnum": "supervision.models.WarningStatus",
            "WarningNoteKindEnum": "supervision.models.NoteKind",
            "ClueStatusEnum": "supervision.clue_models.ClueStatus",
            "CaseStatusEnum": "supervision.clue_models.CaseStatus",
            "RewardStatusEnum": "supervision.clue_models.RewardStatus",
            "FindingKindEnum": "trips.models.FindingKind",
            "TripStatusEnum": "trips.models.TripStatus",
            "DeliveryStatusEnum": "notifications.models.DeliveryStatus",
        }.items()
    },
}

# --- Jobs: Celery on Redis when CELERY_BROKER_URL is set, inline otherwise ---------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "verify-audit-chain-nightly": {
        "task": "wufei.core.tasks.verify_audit_chain",
        "schedule": 24 * 3600,
    },
    "generate-due-declarations-daily": {
        "task": "wufei.plans.tasks.generate_due_declarations",
        "schedule": 24 * 3600,
    },
    "list-overdue-approval-steps-daily": {
        "task": "wufei.approvals.tasks.list_overdue_steps",
        "schedule": 24 * 3600,
    },
    "deliver-due-webhooks": {"task": "wufei.notifications.tasks.deliver_due", "schedule": 60},
    "analyse-open-trips": {"task": "wufei.supervision.tasks.analyse_open_trips", "schedule": 300},
    "scan-warning-rules": {"task": "wufei.supervision.tasks.scan_rules", "schedule": 900},
    "fold-analytics-aggregates": {"task": "wufei.analytics.tasks.fold_aggregates", "schedule": 300},
    "escalate-overdue-warnings": {
        "task": "wufei.supervision.tasks.escalate_overdue",
        "schedule": 3600,
    },
    "maintain-track-storage": {
        "task": "wufei.tracking.tasks.maintain_track_storage",
        "schedule": 24 * 3600,
    },
}

# --- E-mail: SMTP when WUFEI_EMAIL_HOST is set, one file per mail in var/mail otherwise ------
EMAIL_HOST = os.environ.get("WUFEI_EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("WUFEI_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_PORT = int(os.environ.get("WUFEI_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("WUFEI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("WUFEI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("WUFEI_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("WUFEI_EMAIL_FROM", "wufei@localhost")

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WUFEI_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Inline tasks (no broker): one "task succeeded" line per notification would drown the
        # output of the demo seed and the dev server; failures still log at ERROR.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}

# --- Product settings --------------------------------------------------------------------------
WUFEI = {
    "PLATFORM_NAME": _("Wufei zero-waste supervision platform"),
    "DEMO_PASSWORD": os.environ.get("WUFEI_DEMO_PASSWORD", "wufei-demo-2026"),
    "IDEMPOTENCY_TTL_HOURS": 24,
    # Ledger warnings (docs/ledger.md): storage age (固废法 Art. 81) and scale vs label weight.
    "LEDGER_STORAGE_NEAR_DAYS": 300,
    "LEDGER_STORAGE_MAX_DAYS": 365,
    "LEDGER_WEIGHT_TOLERANCE_PERCENT": 2,
    "LEDGER_WEIGHT_TOLERANCE_KG": 1,
    # Notifications and webhooks (docs/notifications.md, docs/webhooks.md).
    "BASE_URL": os.environ.get("WUFEI_BASE_URL", ""),  # e.g. https://wufei.example.gov.cn
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_RETRY_SECONDS": [60, 300, 1800, 7200, 43200],  # 1 min, 5 min, 30 min, 2 h, 12 h
    "WEBHOOK_MAX_ATTEMPTS": 6,
    "WEBHOOK_MAX_FAILURES": int(os.environ.get("WUFEI_WEBHOOK_MAX_FAILURES", "10")),
    "WEBHOOK_ALLOW_LOOPBACK": DEBUG or TESTING,
    "WEBHOOK_ALLOW_PRIVATE": _flag("WUFEI_WEBHOOK_ALLOW_PRIVATE", DEBUG or TESTING),
}
