"""Settings for the declaration tracker, read from the environment.

Development defaults (SQLite, the filesystem broker, console e-mail) need no server.
With DEBUG off, the app refuses to start on an insecure default and names the variable to set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET_KEY = "django-insecure-development-only-never-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
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
    "declarations",
    "tracking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Sets request.user.is_verified(); then a user who owes a second factor reaches only the
    # two-factor pages and logout until verified.
    "django_otp.middleware.OTPMiddleware",
    "tracking.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a database that is down into "temporarily unavailable" (503), not a server error.
    "tracking.middleware.DatabaseUnavailableMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A database that does not answer must not hold a worker until gunicorn kills it: connecting
# gives up after DATABASE_CONNECT_TIMEOUT seconds, and a statement is cancelled after
# DATABASE_STATEMENT_TIMEOUT seconds (0: never). Report builds lift the statement limit for
# their long COPYs in their own transaction (`tracking/reports/pgcopy.py`).
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30"))
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
        }
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

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One way to show dates on every page and in the history. The active locale's formats win over
# these settings wherever Django looks a format up by name (USE_L10N is always on), so our pages
# apply them explicitly: the `day` and `moment` filters of tracking_tags, tables and history.
DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence and report files live outside every served folder: only views that
# check permission hand them out.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "private"))
# Evidence and reports go through the storage API only, so they may live in an S3-compatible
# bucket (STORAGE_BACKEND=s3): private objects, never public URLs; reports are built in a
# local temporary file (FILE_UPLOAD_TEMP_DIR or the system's) and then stored.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND is s3: set AWS_STORAGE_BUCKET_NAME.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # Unset: AWS itself; MinIO, Ceph or another provider's address otherwise.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Unset: boto3 finds credentials itself (instance role, ~/.aws).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
elif STORAGE_BACKEND == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("STORAGE_BACKEND is filesystem (the default) or s3.")
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
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
FILE_UPLOAD_PERMISSIONS = 0o640
EVIDENCE_MAX_UPLOAD_SIZE = int(os.environ.get("EVIDENCE_MAX_UPLOAD_SIZE", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A declaration is a few dozen kilobytes: these caps, checked on every import path (upload,
# command, worker), keep a runaway file from becoming a 20 MB page.
DECLARATION_MAX_BYTES = int(os.environ.get("DECLARATION_MAX_BYTES", str(1024 * 1024)))
DECLARATION_MAX_PARAGRAPH_CHARS = int(os.environ.get("DECLARATION_MAX_PARAGRAPH_CHARS", "10000"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")

# Security headers. HTTPS-only settings follow DEBUG; a site behind a TLS proxy sets
# SECURE_PROXY_SSL_HEADER through USE_X_FORWARDED_PROTO.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
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
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
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
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", _default_backend)

# Reliability: p99 task time < soft limit < hard limit < visibility timeout (< RabbitMQ's
# 30-minute consumer_timeout for late-acked tasks).
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "900"))
CELERY_VISIBILITY_TIMEOUT = CELERY_TASK_TIME_LIMIT + 300
# A broker that refuses or never answers must not hold a page: sending a task gives up after
# about this many seconds and the sweep sends it later (the worker reconnects on its own).
# Redis answers in milliseconds; its blocking reads (BRPOP) are polled, not bound by this.
CELERY_BROKER_TIMEOUT = float(os.environ.get("CELERY_BROKER_TIMEOUT", "0.5"))
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
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The port `make run` serves on; the default address in e-mails and printed links follows it.
PORT = int(os.environ.get("PORT", "8000"))
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# Finished report files are deleted this many days after they were built.
REPORT_RETENTION_DAYS = int(os.environ.get("REPORT_RETENTION_DAYS", "30"))
# Rows fetched per database round trip while a report is built.
REPORT_CHUNK_SIZE = int(os.environ.get("REPORT_CHUNK_SIZE", "2000"))
# Seconds to pause after each chunk. Zero in real use: it lets a test catch a report mid-build.
REPORT_CHUNK_DELAY = float(os.environ.get("REPORT_CHUNK_DELAY", "0"))
# A running report whose task has shown no sign of life for this long lost its worker.
REPORT_HEARTBEAT_TIMEOUT = int(os.environ.get("REPORT_HEARTBEAT_TIMEOUT", "120"))
# A build under way refreshes its heartbeat this often, whatever step it is in.
REPORT_HEARTBEAT_INTERVAL = REPORT_HEARTBEAT_TIMEOUT / 4
# A report whose worker was lost this many times is marked failed instead of re-queued.
REPORT_MAX_ATTEMPTS = int(os.environ.get("REPORT_MAX_ATTEMPTS", "3"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# `celery -A config worker -B` (one machine) or `celery -A config beat` (production) keep
# their schedule here, not in the working directory.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "reports-sweep": {"task": "tracking.tasks.sweep_reports", "schedule": 60.0},
    "reports-expire": {"task": "tracking.tasks.expire_reports", "schedule": 3600.0},
    # Each reminder is recorded before it is sent: a second beat or a re-run sends nothing twice.
    "notices-reminders": {
        "task": "tracking.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
}
