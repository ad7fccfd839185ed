"""Settings refuse an insecure production start, and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_it_refuses_an_unknown_role_for_two_factor_login():
    result = _manage("check", DEBUG="true", TWO_FACTOR_REQUIRED_ROLES="secretariat,chair")

    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED_ROLES names unknown roles chair" in result.stderr
