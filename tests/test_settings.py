"""Settings refuse an insecure production start, and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAFE_KEY = "k" * 20 + "-a-long-production-secret-key-for-the-check"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="tracker.example.org")

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_it_refuses_to_start_with_a_wildcard_host():
    result = _manage("check", DEBUG="false", SECRET_KEY=SAFE_KEY, ALLOWED_HOSTS="*")

    assert result.returncode != 0
    assert "set ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=SAFE_KEY,
        ALLOWED_HOSTS="tracker.example.org",
    )

    assert result.returncode == 0, result.stderr


def _site_url(**env: str) -> str:
    """settings.SITE_URL in a fresh process with `env` and no SITE_URL or PORT of ours."""
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_site_url_follows_the_port():
    assert _site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(PORT="8123", SITE_URL="https://tracker.example.org/") == (
        "https://tracker.example.org"
    )


def _settings(*names: str, **env: str) -> subprocess.CompletedProcess:
    """Loads the settings in a fresh process with `env` (DEBUG on unless given) and prints
    `names`; none of the variables this module tests leak in from ours."""
    tested = {
        "SECRET_KEY",
        "DATABASE_URL",
        "EMAIL_HOST_PASSWORD",
        "CONN_MAX_AGE",
        "LOG_LEVEL",
        "CACHE_URL",
    }
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in tested and not k.endswith("_FILE") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    code = "from django.conf import settings\n" + "".join(
        f"print(repr(settings.{name}))\n" for name in names
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named", "accepted"),
    [
        ({"DEBUG": "ture"}, "DEBUG='ture'", "true, yes, on"),
        ({"SECURE_SSL_REDIRECT": "yes please"}, "SECURE_SSL_REDIRECT", "0, false, no, off"),
        ({"CONN_MAX_AGE": "sixty"}, "CONN_MAX_AGE='sixty'", "a whole number (at least 0)"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT='70000'", "at most 65535"),
        ({"SESSION_IDLE_TIMEOUT": "-1"}, "SESSION_IDLE_TIMEOUT", "at least 60"),
        ({"CELERY_BROKER_TIMEOUT": "nan"}, "CELERY_BROKER_TIMEOUT", "a number"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL='verbose'", "DEBUG, INFO, WARNING"),
        ({"STORAGE_BACKEND": "s4"}, "STORAGE_BACKEND='s4'", "filesystem, s3"),
        ({"SITE_URL": "tracker.example.org"}, "SITE_URL", "http:// or https://"),
        ({"API_THROTTLE_RATE": "lots"}, "API_THROTTLE_RATE='lots'", "such as 600/minute"),
        ({"API_PAGE_SIZE": "0"}, "API_PAGE_SIZE", "at least 1"),
        ({"CACHE_URL": "memcached://cache:11211"}, "CACHE_URL", "redis://host:port/db"),
    ],
)
def test_a_value_it_does_not_understand_stops_start_up_naming_the_variable(env, named, accepted):
    result = _settings("DEBUG", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
    assert accepted in result.stderr


def test_yes_no_values_are_read_in_any_usual_spelling():
    result = _settings("SECURE_SSL_REDIRECT", "SECURE_HSTS_PRELOAD", SECURE_SSL_REDIRECT="Off",
                       SECURE_HSTS_PRELOAD=" YES ")  # fmt: skip

    assert result.stdout.split() == ["False", "True"], result.stderr


def test_secrets_come_from_files(tmp_path):
    (tmp_path / "key").write_text("f" * 50 + "\n")
    (tmp_path / "db").write_text(f"sqlite:///{tmp_path / 'other.sqlite3'}\n")
    (tmp_path / "mail").write_text("mail-secret\n")
    (tmp_path / "s3").write_text("s3-secret\n")

    result = _settings(
        "SECRET_KEY",
        "DATABASES['default']['NAME']",
        "EMAIL_HOST_PASSWORD",
        "STORAGES['default']['OPTIONS']['secret_key']",
        DEBUG="false",
        ALLOWED_HOSTS="tracker.example.org",
        SECRET_KEY_FILE=str(tmp_path / "key"),
        DATABASE_URL_FILE=str(tmp_path / "db"),
        EMAIL_HOST_PASSWORD_FILE=str(tmp_path / "mail"),
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="reports",
        AWS_SECRET_ACCESS_KEY_FILE=str(tmp_path / "s3"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        repr("f" * 50),
        repr(str(tmp_path / "other.sqlite3")),
        "'mail-secret'",
        "'s3-secret'",
    ]


def test_a_secret_file_that_cannot_be_read_stops_start_up(tmp_path):
    result = _settings("SECRET_KEY", SECRET_KEY_FILE=str(tmp_path / "missing"))

    assert result.returncode != 0
    assert "SECRET_KEY_FILE=" in result.stderr
    assert "readable UTF-8 file holding SECRET_KEY" in result.stderr


def test_a_secret_set_twice_stops_start_up(tmp_path):
    (tmp_path / "key").write_text("f" * 50)

    result = _settings("SECRET_KEY", SECRET_KEY="g" * 50, SECRET_KEY_FILE=str(tmp_path / "key"))

    assert result.returncode != 0
    assert "Set SECRET_KEY or SECRET_KEY_FILE, not both." in result.stderr


def test_a_bad_database_url_is_named_without_showing_its_password():
    result = _settings("DATABASES", DATABASE_URL="postgress://app:hunter2@db/tracker")

    assert result.returncode != 0
    assert "DATABASE_URL is not valid" in result.stderr
    assert "hunter2" not in result.stderr


def test_it_refuses_an_unknown_role_for_two_factor_login():
    result = _manage("check", DEBUG="true", TWO_FACTOR_REQUIRED_ROLES="secretariat,chair")

    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED_ROLES names unknown roles chair" in result.stderr


def test_a_shared_cache_is_used_when_one_is_named():
    shared = _settings("CACHES", CACHE_URL="redis://127.0.0.1:6379/14")
    own = _settings("CACHES")

    assert "django.core.cache.backends.redis.RedisCache" in shared.stdout, shared.stderr
    assert "redis://127.0.0.1:6379/14" in shared.stdout
    assert "django.core.cache.backends.locmem.LocMemCache" in own.stdout, own.stderr
