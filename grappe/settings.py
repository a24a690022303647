"""Grappe's one settings module, driven by the environment.

Every knob is an environment variable with a safe development default; production
(``GRAPPE_ENV=production``) refuses to start without ``SECRET_KEY``. See
docs/configuration.md for the full list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from grappe.core.logs import LOG_LINE, json_formatter

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envstr(name: str, default: str = "") -> str:
    """Return a string setting; ``NAME_FILE`` (a path) wins over ``NAME``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


# pytest (8.2+) sets PYTEST_VERSION for the session, so the tests get test settings by themselves.
GRAPPE_ENV = envstr("GRAPPE_ENV", "test" if os.environ.get("PYTEST_VERSION") else "development")
if GRAPPE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("GRAPPE_ENV must be development, production or test.")
PRODUCTION = GRAPPE_ENV == "production"

VAR_DIR = Path(envstr("GRAPPE_VAR_DIR", str(PROJECT_DIR / "var")))


def _secret_key() -> str:
    key = envstr("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production Grappe refuses to start without it: "
            "set SECRET_KEY (or SECRET_KEY_FILE) to a long random string."
        )
    # Development and tests: one random key kept under var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# Links in emails: SITE_URL, else the address the development server listens on
# (`make demo PORT=8100` passes GRAPPE_HOST / GRAPPE_PORT to the server and the worker).
# Experts' payment details are encrypted with this Fernet key (docs/configuration.md); when
# empty (development, tests) a key is derived from SECRET_KEY.
PAYMENT_DETAILS_KEY = envstr("PAYMENT_DETAILS_KEY")
SITE_URL = envstr("SITE_URL", f"http://{envstr('GRAPPE_HOST', '127.0.0.1')}:{envint('GRAPPE_PORT', 8000)}").rstrip("/")
SITE_NAME = envstr("SITE_NAME", "Grappe")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs page's Swagger UI, served from ninja's own static files (no CDN)
    "grappe.core",
    "grappe.people",
    "grappe.notifications",
    "grappe.programmes",
    "grappe.calls",
    "grappe.submissions",
    "grappe.review",
    "grappe.selection",
    "grappe.stages",
    "grappe.hearings",
    "grappe.accountability",
    "grappe.projects",
    "grappe.funding",
    "grappe.training",
    "grappe.partners",
    "grappe.api",
    "grappe.privacy",
    "grappe.reporting",
    "grappe.sso",
    "grappe.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grappe.urls"
WSGI_APPLICATION = "grappe.wsgi.application"
ASGI_APPLICATION = "grappe.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grappe.core.context_processors.grappe",
                "grappe.people.context_processors.people",
            ],
        },
    }
]

# --- Database: SQLite under var/ by default, PostgreSQL through DATABASE_URL ---------
DATABASE_URL = envstr("DATABASE_URL")
# SQLite gets the same settings whether it is the default file or named by DATABASE_URL=sqlite:///….
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "grappe.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool("DB_POOL", GRAPPE_ENV != "test"):
    # A bounded pool per process (psycopg_pool): at most DB_POOL_MAX_SIZE connections, idle ones
    # closed after DB_POOL_MAX_IDLE seconds down to DB_POOL_MIN_SIZE. See docs/deployment.md for
    # the sum over processes that must stay under PostgreSQL's max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # the pool checks a connection before lending it
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN_SIZE", 1),
        "max_size": envint("DB_POOL_MAX_SIZE", 4),
        "max_idle": envint("DB_POOL_MAX_IDLE", 60),
        "timeout": envint("DB_POOL_TIMEOUT", 10),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and GRAPPE_ENV == "test":
    # Tests never need a commit to survive a crash of the machine: not waiting for the disk makes
    # building the test databases (a transaction per migration) and committing tests faster.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c synchronous_commit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "grappe.people.backends.EmailBackend",
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password login (docs/sso.md): off hides the password form and registration and refuses them on
# the server; technical administrators (is_staff) keep a break-glass password login at /admin/login/.
GRAPPE_PASSWORD_LOGIN = envbool("GRAPPE_PASSWORD_LOGIN", True)
# Whether a visitor may create an account (by the registration form or a first single sign-on).
GRAPPE_SELF_REGISTRATION = envbool("GRAPPE_SELF_REGISTRATION", True)
# Email verification links stay valid this long (seconds).
GRAPPE_VERIFICATION_MAX_AGE = envint("GRAPPE_VERIFICATION_MAX_AGE", 3 * 24 * 3600)

# Login throttling (django-axes): lock an email + IP pair after repeated failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "grappe.people.backends.axes_username"  # case-insensitive, as login
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Internationalisation: French first, English complete, Europe/Paris -------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["grappe.formats"]  # one date format per language

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, WhiteNoise serves static files straight from the apps (no collectstatic),
# so the demo runs with DEBUG off (styled error pages) and keeps its CSS and scripts.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Private uploads (never served directly by the web server).
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "private")))

# --- Email ---------------------------------------------------------------------------
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Grappe <noreply@grappe.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks (django.tasks API, database backend) --------------------------
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Cache and sessions --------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"  # every language cookie goes through grappe.core.cookies (Secure in production)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
# HSTS preload is an explicit opt-in (SECURE_HSTS_PRELOAD=1): it cannot be undone quickly.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Strict Content Security Policy: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Grappe ----------------------------------------------------------------------------
GRAPPE_CLUSTER_NAME = envstr("GRAPPE_CLUSTER_NAME", "PostGenAI@Paris (démo)")
GRAPPE_PAGE_SIZE = envint("GRAPPE_PAGE_SIZE", 24)
# /health/ answers 503 when the oldest task waiting for a worker is older than this (seconds).
GRAPPE_HEALTH_MAX_QUEUE_LAG = envint("GRAPPE_HEALTH_MAX_QUEUE_LAG", 300)

# Logs go to standard error; LOG_FORMAT=json (the production default) writes one JSON object a line.
LOG_FORMAT = envstr("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": json_formatter(),
        "text": {"format": LOG_LINE},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    # The task worker says which task it runs and how it ended.
    "loggers": {"django_tasks": {"level": envstr("TASKS_LOG_LEVEL", "INFO")}},
}

if GRAPPE_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    AXES_ENABLED = envbool("AXES_ENABLED", True)

# Matchmaking (docs/partners.md): the engine backend, chosen by the measurement in bench/README.md
# ("Matchmaking"): tfidf (default), combined or embedding (these two need `.[semantic]`). Indexes of
# at most GRAPPE_MATCHING_INLINE_MAX profiles are rebuilt in the request when stale; larger ones by
# the task worker (`grappe matching-index`).
GRAPPE_MATCHING_BACKEND = envstr("GRAPPE_MATCHING_BACKEND") or "tfidf"
if GRAPPE_MATCHING_BACKEND not in {"tfidf", "combined", "embedding"}:
    raise ImproperlyConfigured("GRAPPE_MATCHING_BACKEND must be tfidf, combined or embedding.")
GRAPPE_MATCHING_INLINE_MAX = envint("GRAPPE_MATCHING_INLINE_MAX", 500)

# Uploads: PDFs up to this size (MB); checked by content, kept in MEDIA_ROOT (never served directly).
GRAPPE_MAX_UPLOAD_MB = envint("GRAPPE_MAX_UPLOAD_MB", 20)
FILE_UPLOAD_PERMISSIONS = 0o600
# The size limit is enforced while the body arrives, before the files are written (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "grappe.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000  # budget grids are large forms

# REST API (docs/api.md): personal access tokens live at most this many days; a JSON body larger
# than GRAPPE_API_MAX_BODY_KB is refused (413) before it is parsed; pages hold up to this many items.
GRAPPE_API_TOKEN_MAX_DAYS = envint("GRAPPE_API_TOKEN_MAX_DAYS", 365)
GRAPPE_API_MAX_BODY_KB = envint("GRAPPE_API_MAX_BODY_KB", 256)
GRAPPE_API_PAGE_SIZE = envint("GRAPPE_API_PAGE_SIZE", 50)

# Personal data (docs/privacy.md): years each kind of record is kept. Proposals never funded are
# anonymised this long after their call closed (`grappe apply_retention`); funded projects' records
# are kept this long after the grant ends (the funder's audit period; erasure is refused meanwhile).
GRAPPE_RETENTION = {
    "unfunded_proposals": envint("GRAPPE_RETENTION_UNFUNDED_YEARS", 5),
    "funded_projects": envint("GRAPPE_RETENTION_FUNDED_YEARS", 10),
}

# Replay (docs/accountability.md): the exact inputs of every engine run are kept this many days
# (they hold proposal texts and reviewers' publications; 0 keeps them for ever).
GRAPPE_INPUT_RETENTION_DAYS = envint("GRAPPE_INPUT_RETENTION_DAYS", 5 * 365)
# Outcomes audit (docs/accountability.md): groups of fewer proposals are shown but not tested.
GRAPPE_AUDIT_MIN_GROUP = envint("GRAPPE_AUDIT_MIN_GROUP", 5)

# Background jobs (engine runs, letter sending): a running job without a heartbeat for this many
# seconds counts as dead (its worker was killed) and is marked failed; the worker beats every quarter.
GRAPPE_JOB_STALE_SECONDS = envint("GRAPPE_JOB_STALE_SECONDS", 120)

# --- Single sign-on (docs/sso.md) ---------------------------------------------------
# Each provider is configured by its own variables; a provider without them is absent (no button).
GRAPPE_SSO_PROVIDERS: dict[str, dict[str, object]] = {}
if envstr("GRAPPE_OIDC_ISSUER"):
    GRAPPE_SSO_PROVIDERS["oidc"] = {
        "kind": "oidc",
        "label": envstr("GRAPPE_OIDC_LABEL"),
        "issuer": envstr("GRAPPE_OIDC_ISSUER").rstrip("/"),
        "client_id": envstr("GRAPPE_OIDC_CLIENT_ID"),
        "client_secret": envstr("GRAPPE_OIDC_CLIENT_SECRET"),
        "scope": envstr("GRAPPE_OIDC_SCOPE", "openid email profile"),
    }
if envstr("GRAPPE_ORCID_CLIENT_ID"):
    GRAPPE_SSO_PROVIDERS["orcid"] = {
        "kind": "oidc",
        "label": "ORCID",
        "issuer": envstr("GRAPPE_ORCID_ISSUER", "https://orcid.org").rstrip("/"),
        "client_id": envstr("GRAPPE_ORCID_CLIENT_ID"),
        "client_secret": envstr("GRAPPE_ORCID_CLIENT_SECRET"),
        "scope": "openid",
    }
if envstr("GRAPPE_SAML_IDP_METADATA") or envstr("GRAPPE_SAML_IDP_METADATA_URL"):
    GRAPPE_SSO_PROVIDERS["saml"] = {
        "kind": "saml",
        "label": envstr("GRAPPE_SAML_LABEL"),
        "idp_metadata_file": envstr("GRAPPE_SAML_IDP_METADATA"),
        "idp_metadata_url": envstr("GRAPPE_SAML_IDP_METADATA_URL"),
        "idp_metadata_cert": envstr("GRAPPE_SAML_IDP_METADATA_CERT"),
        "idp_entity_id": envstr("GRAPPE_SAML_IDP_ENTITY_ID"),
        "discovery_url": envstr("GRAPPE_SAML_DISCOVERY_URL"),
        "sp_entity_id": envstr("GRAPPE_SAML_SP_ENTITY_ID", f"{SITE_URL}/sso/saml/metadata/"),
        "sp_key_file": envstr("GRAPPE_SAML_SP_KEY"),
        "sp_cert_file": envstr("GRAPPE_SAML_SP_CERT"),
        "subject_attribute": envstr("GRAPPE_SAML_SUBJECT_ATTRIBUTE", "eduPersonPrincipalName"),
        "email_verified": envbool("GRAPPE_SAML_EMAIL_VERIFIED", True),
        "xmlsec_binary": envstr("GRAPPE_SAML_XMLSEC", "/usr/bin/xmlsec1"),
    }
