"""Settings for the declaration tracker, read from the environment.

Development defaults (SQLite, the filesystem broker, console e-mail) need no server.
With DEBUG off, the app refuses to start on an insecure default and names the variable to set.
A value that is not understood (a typo in a yes/no, a number that is not one) stops start-up
with ImproperlyConfigured naming the variable and what it accepts. Secrets may come from files:
SECRET_KEY_FILE and the like (SECRET_VARIABLES).
"""

import math
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import release

BASE_DIR = Path(__file__).resolve().parent.parent


# Settings that may hold a password: each may instead come from a file named by <NAME>_FILE,
# as container platforms mount their secrets (Docker and Kubernetes secrets, systemd credentials).
SECRET_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "EMAIL_HOST_PASSWORD",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_URL",
}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env_str(name: str, default: str = "") -> str:
    """A variable's value; for a secret, or the content of the file that <NAME>_FILE names.

    Unset or empty means the default. Nonsense fails start-up naming the variable: a typo must
    not quietly turn a security setting off.
    """
    value = os.environ.get(name, "")
    if name in SECRET_VARIABLES and os.environ.get(f"{name}_FILE"):
        if value:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
        path = os.environ[f"{name}_FILE"]
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={path!r}: cannot read it ({error.__class__.__name__}); "
                f"it must name a readable UTF-8 file holding {name}."
            ) from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE={path!r}: the file is empty.")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name).strip().lower()
    if value == "":
        return default
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise ImproperlyConfigured(
        f"{name}={os.environ.get(name, value)!r} is not a yes/no value: use one of "
        f"{', '.join(_TRUE)} or {', '.join(_FALSE)}."
    )


def _env_number(name, default, kind, minimum, maximum, accepted):
    value = env_str(name).strip()
    if value == "":
        return default
    try:
        number = kind(value)
    except ValueError:
        number = math.nan
    too_small = minimum is not None and number < minimum
    too_large = maximum is not None and number > maximum
    if not math.isfinite(number) or too_small or too_large:
        bounds = [f"at least {minimum}"] if minimum is not None else []
        bounds += [f"at most {maximum}"] if maximum is not None else []
        limits = f" ({' and '.join(bounds)})" if bounds else ""
        raise ImproperlyConfigured(f"{name}={value!r} is not valid: use {accepted}{limits}.")
    return number


def env_int(name: str, default: int, *, minimum: int | None = 0, maximum: int | None = None) -> int:
    return _env_number(name, default, int, minimum, maximum, "a whole number")


def env_float(
    name: str, default: float, *, minimum: float | None = 0, maximum: float | None = None
) -> float:
    return _env_number(name, default, float, minimum, maximum, "a number")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, in any case; the choice as spelled there."""
    value = env_str(name, default).strip()
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name}={value!r} is not valid: use one of {', '.join(choices)}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET_KEY = "django-insecure-development-only-never-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "DEBUG is off: set SECRET_KEY to a random value of at least 32 characters "
            "(or set DEBUG=true for development)."
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off: set ALLOWED_HOSTS to the host names this site answers to, "
            "comma-separated, without '*'."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "declarations",
    "tracking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside the locale: what Django answers itself under /api/ becomes a problem document, in
    # the request's language.
    "tracking.api.problems.ProblemMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: a logged-in user's saved language wins over LocaleMiddleware's
    # choice (the chooser's cookie, then Accept-Language).
    "tracking.middleware.UserLanguageMiddleware",
    # Sets request.user.is_verified(); then a user who owes a second factor reaches only the
    # two-factor pages and logout until verified.
    "django_otp.middleware.OTPMiddleware",
    "tracking.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a database that is down into "temporarily unavailable" (503), not a server error.
    "tracking.middleware.DatabaseUnavailableMiddleware",
    # After the messages: an idle session is logged out with a note for the login page.
    "tracking.middleware.IdleSessionMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Every form's inputs, options and labels written in Python, as Django's templates write them
# (tracking/renderers.py): through the templates they cost more than the rest of a page.
FORM_RENDERER = "tracking.renderers.PythonRenderer"

try:
    _database = dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
except ValueError as error:  # the URL holds a password: name the problem, never the value
    raise ImproperlyConfigured(
        f"DATABASE_URL is not valid ({error.__class__.__name__}): use a URL such as "
        "postgres://user:password@host:5432/name or sqlite:////path/to/db.sqlite3."
    ) from None
DATABASES = {"default": _database}
# A database that does not answer must not hold a worker until gunicorn kills it: connecting
# gives up after DATABASE_CONNECT_TIMEOUT seconds, and a statement is cancelled after
# DATABASE_STATEMENT_TIMEOUT seconds (0: never). Report builds lift the statement limit for
# their long COPYs in their own transaction (`tracking/reports/pgcopy.py`).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 30)
# PostgreSQL spends longer planning a page's many-join lookups (1-4 ms each) than running
# them (0.1-0.5 ms): with server-side binding, psycopg prepares a statement on a connection
# once it has run DATABASE_PREPARE_THRESHOLD times, and the server then stops planning it
# anew when its generic plan is as good. Connections are kept (CONN_MAX_AGE), so their
# prepared statements are reused. 0 turns it off (client-side binding, as Django's default),
# which a transaction-pooling PgBouncer needs.
DATABASE_PREPARE_THRESHOLD = env_int("DATABASE_PREPARE_THRESHOLD", 2)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
        }
    )
    if DATABASE_PREPARE_THRESHOLD:
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": DATABASE_PREPARE_THRESHOLD}
        )
# A file, not memory, so that worker processes started by the tests see the test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tracking.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so that a locked-out user is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username from one address after 5 failures, for 15 minutes.
# Username and address together, because ministry staff often share one NAT address.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429  # django-axes' default, named here for the two-factor lockout

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
# Idle sessions end (tracking.middleware.IdleSessionMiddleware): after SESSION_IDLE_TIMEOUT
# seconds for the secretariat and coordinators, who approve and manage; after
# SESSION_IDLE_TIMEOUT_OTHERS for everyone else. SESSION_COOKIE_AGE stays the absolute limit.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_IDLE_TIMEOUT_OTHERS = env_int("SESSION_IDLE_TIMEOUT_OTHERS", 8 * 60 * 60, minimum=60)
# Password reset mails per address, and reset requests per client IP, in an hour.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_LIMIT_PER_IP = env_int("PASSWORD_RESET_LIMIT_PER_IP", 10, minimum=1)

# Two-factor login (TOTP, django-otp): required for these roles, optional for everyone else.
# Wrong codes count as failed logins for django-axes above (same limit and cool-off), so
# django-otp's own growing delay between attempts is switched off.
_TWO_FACTOR_ROLES = {"secretariat", "coordinator", "focal_point", "viewer"}
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", "secretariat,coordinator")
if unknown := set(TWO_FACTOR_REQUIRED_ROLES) - _TWO_FACTOR_ROLES:
    raise ImproperlyConfigured(
        f"TWO_FACTOR_REQUIRED_ROLES names unknown roles {', '.join(sorted(unknown))}: use a "
        f"comma-separated list of {', '.join(sorted(_TWO_FACTOR_ROLES))} (or leave it empty)."
    )
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Declaration tracker")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The six official languages of the United Nations; Arabic is written right to left. A page is
# in the user's saved language (profile), else the one the language chooser stored in a
# cookie, else the first of the browser's Accept-Language that we have, else English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The chooser's cookie: a year, like the choice it remembers; as private as the other cookies.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Dates and numbers follow the active language: pages name a format (the `day` and `moment`
# filters of tracking_tags use SHORT_DATE_FORMAT and SHORT_DATETIME_FORMAT), and each language's
# format module says what it is. English's is ours (tracking/formats/en): ISO dates, 2026-03-01.
FORMAT_MODULE_PATH = ["tracking.formats"]
DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and report files live outside every served folder: only views that
# check permission hand them out.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "private")))
# Evidence and reports go through the storage API only, so they may live in an S3-compatible
# bucket (STORAGE_BACKEND=s3): private objects, never public URLs; reports are built in a
# local temporary file (FILE_UPLOAD_TEMP_DIR or the system's) and then stored.
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "filesystem", ("filesystem", "s3"))
if STORAGE_BACKEND == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND is s3: set AWS_STORAGE_BUCKET_NAME.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            # Unset: AWS itself; MinIO, Ceph or another provider's address otherwise.
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Unset: boto3 finds credentials itself (instance role, ~/.aws).
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or None
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Evidence and report files alike (both go through default_storage.save): owner and group
# only, in folders that other local accounts cannot list.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
EVIDENCE_MAX_UPLOAD_SIZE = env_int("EVIDENCE_MAX_UPLOAD_SIZE", 20 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A declaration is a few dozen kilobytes: these caps, checked on every import path (upload,
# command, worker), keep a runaway file from becoming a 20 MB page.
DECLARATION_MAX_BYTES = env_int("DECLARATION_MAX_BYTES", 1024 * 1024, minimum=1)
DECLARATION_MAX_PARAGRAPH_CHARS = env_int("DECLARATION_MAX_PARAGRAPH_CHARS", 10000, minimum=1)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tracker@localhost")

# Security headers. HTTPS-only settings follow DEBUG; a site behind a TLS proxy sets
# SECURE_PROXY_SSL_HEADER through USE_X_FORWARDED_PROTO.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The forms carry the CSRF token themselves and no script of ours reads the cookie: scanners
# report a readable one, so it is not readable.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading binds the whole parent domain for months: the operator opts in, so Django's
# reminder about it (security.W021) is silenced rather than the choice made for them.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DJANGO_TABLES2_TEMPLATE = "tables/table.html"

# Celery. Job state that users see lives in our own rows; the result backend only serves
# operators and the health task.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_broker_dir = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    for _folder in ("queue", "control", "processed", "results"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    _default_backend = f"file://{_broker_dir / 'results'}"
elif CELERY_BROKER_URL.startswith("redis"):
    _default_backend = CELERY_BROKER_URL
else:
    _default_backend = "rpc://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_backend)

# Reliability: p99 task time < soft limit < hard limit < visibility timeout (< RabbitMQ's
# 30-minute consumer_timeout for late-acked tasks).
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900, minimum=1)
CELERY_VISIBILITY_TIMEOUT = CELERY_TASK_TIME_LIMIT + 300
# A broker that refuses or never answers must not hold a page: sending a task gives up after
# about this many seconds and the sweep sends it later (the worker reconnects on its own).
# Redis answers in milliseconds; its blocking reads (BRPOP) are polled, not bound by this.
CELERY_BROKER_TIMEOUT = env_float("CELERY_BROKER_TIMEOUT", 0.5, minimum=0.01)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
if not CELERY_BROKER_URL.startswith("filesystem://"):
    _socket_options = {
        "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
        "socket_timeout": CELERY_BROKER_TIMEOUT,
    }
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # Fail a send at the first refusal instead of retrying until the connection timeout.
        "max_retries": 0,
        **_socket_options,
    }
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # The Redis result backend retries 20 times, 1 s apart, by default.
        "retry_policy": {"max_retries": 0},
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_REDIS_SOCKET_TIMEOUT = CELERY_BROKER_TIMEOUT
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 1_000_000  # KiB: well above a child's baseline
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The port `make run` serves on; the default address in e-mails and printed links follows it.
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} is not valid: use the address users open, http:// or https://."
    )
# Finished report files are deleted this many days after they were built.
REPORT_RETENTION_DAYS = env_int("REPORT_RETENTION_DAYS", 30, minimum=1)
# A download of the actions list holding more rows than this is requested from the report
# worker instead of being written during the request.
ACTIONS_EXPORT_MAX_ROWS = env_int("ACTIONS_EXPORT_MAX_ROWS", 5000, minimum=1)
# Rows fetched per database round trip while a report is built.
REPORT_CHUNK_SIZE = env_int("REPORT_CHUNK_SIZE", 2000, minimum=1)
# Seconds to pause after each chunk. Zero in real use: it lets a test catch a report mid-build.
REPORT_CHUNK_DELAY = env_float("REPORT_CHUNK_DELAY", 0)
# A running report whose task has shown no sign of life for this long lost its worker.
REPORT_HEARTBEAT_TIMEOUT = env_int("REPORT_HEARTBEAT_TIMEOUT", 120, minimum=1)
# A build under way refreshes its heartbeat this often, whatever step it is in.
REPORT_HEARTBEAT_INTERVAL = REPORT_HEARTBEAT_TIMEOUT / 4
# A report whose worker was lost this many times is marked failed instead of re-queued.
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3, minimum=1)
# A report handed to the broker but not started this long after is sent again: a broker that
# keeps nothing on disk (Redis without persistence) loses the messages it held when it dies.
# A duplicate is harmless (the task claims its row first); it costs one message per period.
REPORT_RESEND_AFTER = env_int("REPORT_RESEND_AFTER", 600, minimum=60)
# Workbook uploads (offline filing): one whose preview was never applied, and the file of one
# applied or refused, are deleted this many hours later.
WORKBOOK_RETENTION_HOURS = env_int("WORKBOOK_RETENTION_HOURS", 24, minimum=1)
# A workbook that changes at most this many rows is applied in the request (about 25 ms a row);
# a larger one by a worker, its page following it. 0: every workbook goes to the worker.
WORKBOOK_APPLY_AT_ONCE = env_int("WORKBOOK_APPLY_AT_ONCE", 50, minimum=0)
# A sent form's one-time token and an API request's Idempotency-Key (with its first answer)
# are kept this many hours: a retry within them is answered with the first result; later, the
# same token is new again.
IDEMPOTENCY_RETENTION_HOURS = env_int("IDEMPOTENCY_RETENTION_HOURS", 48, minimum=1)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# `celery -A config worker -B` (one machine) or `celery -A config beat` (production) keep
# their schedule here, not in the working directory.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "reports-sweep": {"task": "tracking.tasks.sweep_reports", "schedule": 60.0},
    "reports-expire": {"task": "tracking.tasks.expire_reports", "schedule": 3600.0},
    "workbooks-sweep": {"task": "tracking.tasks.sweep_workbook_imports", "schedule": 60.0},
    "workbooks-expire": {"task": "tracking.tasks.expire_workbook_imports", "schedule": 3600.0},
    "idempotency-expire": {"task": "tracking.tasks.expire_form_submissions", "schedule": 3600.0},
    # Each reminder is recorded before it is sent: a second beat or a re-run sends nothing twice.
    "notices-reminders": {
        "task": "tracking.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
}

# The cache holds the API's request budgets and the public pages. Unset: each process keeps its
# own (enough for one process); with several web processes set a shared one, so that a token's
# budget is one budget and a publication is rendered once.
CACHE_URL = env_str("CACHE_URL")
if not CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    raise ImproperlyConfigured(
        "CACHE_URL is not valid: use redis://host:port/db (or rediss://, unix://), or leave it "
        "unset for a cache in each process."
    )
# Parts rendered by another release of the code are never served (API request budgets start
# afresh after a deploy too).
CACHES["default"]["KEY_PREFIX"] = release.code_digest(BASE_DIR)

# The REST API (tracking/api/): the browser session or a personal token (`Authorization: Bearer`),
# errors as RFC 9457 problem details, cursor pagination, a request budget per token or user.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/minute")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE={API_THROTTLE_RATE!r} is not valid: use requests per period, such "
        "as 600/minute (periods: second, minute, hour, day)."
    )
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1, maximum=1000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its "Bearer" challenge makes an anonymous request a 401, not a 403.
        "tracking.api.authentication.BearerTokenAuthentication",
        "tracking.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["tracking.api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "tracking.api.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracking.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Declaration tracker API",
    "DESCRIPTION": (
        "Declarations, participants, reporting cycles and what participants file about them. "
        "Authenticate with `Authorization: Bearer <token>` (tokens are made on the profile page). "
        "Changes need `If-Match` with the record's `ETag`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "tracking.models.Action.Status",
        "AssistanceKindEnum": "tracking.models.AssistanceKind",
        "OfferStateEnum": "tracking.models.Offer.State",
        "MatchStateEnum": "tracking.models.Match.State",
    },
}
