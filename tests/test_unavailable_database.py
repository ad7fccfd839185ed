"""A database or broker that hangs or is down: the health check answers in time, pages 503.

The faults are real: a local TCP server that accepts connections and never answers stands in
for a hung PostgreSQL or Redis, and a port where nothing listens for one that is down. Each
request runs in a subprocess with DEBUG off, the production settings pointing at the fault.
"""

import io
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SAFE_KEY = "k" * 20 + "-a-long-production-secret-key-for-the-check"
HOST = "tracker.example.org"

REQUEST = """
import json, os, sys, time
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
# A running server has loaded its middleware and URLs (and the views they import) before a
# monitor asks: the time is the request's alone, not a new process's first imports.
from django.urls import get_resolver
client.handler.load_middleware()
get_resolver().url_patterns
if os.environ.get("WITH_SESSION"):
    client.cookies["sessionid"] = "s" * 32
method, path = sys.argv[1], sys.argv[2]
data = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
started = time.monotonic()
response = getattr(client, method)(path, data, secure=True, headers={"host": os.environ["HOST"]})
print(json.dumps({
    "status": response.status_code,
    "seconds": time.monotonic() - started,
    "body": response.content.decode(),
    "retry_after": response.get("Retry-After"),
}))
"""


@pytest.fixture
def hung_server():
    """A port that accepts connections and never says a word; yields its number."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture
def closed_port() -> int:
    """A port where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(tmp_path, method: str, path: str, data: dict | None = None, **env: str) -> dict:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=SAFE_KEY,
        ALLOWED_HOSTS=HOST,
        HOST=HOST,
        PLAIN_STATIC="true",
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    environment.update(env)
    args = [sys.executable, "-c", REQUEST, method, path]
    if data is not None:
        args.append(json.dumps(data))
    result = subprocess.run(
        args, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_health_answers_503_within_5_seconds_when_the_database_hangs(tmp_path, hung_server):
    answer = request(
        tmp_path, "get", "/healthz", DATABASE_URL=f"postgres://postgres@127.0.0.1:{hung_server}/x"
    )

    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {
        "status": "unavailable",
        "database": False,
        "broker": True,
    }
    assert answer["seconds"] < 5


def test_health_answers_503_within_5_seconds_when_the_broker_hangs(tmp_path, hung_server):
    answer = request(
        tmp_path, "get", "/healthz", CELERY_BROKER_URL=f"redis://127.0.0.1:{hung_server}/0"
    )

    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {
        "status": "unavailable",
        "database": True,
        "broker": False,
    }
    assert answer["seconds"] < 5


def test_a_page_answers_503_with_retry_after_when_the_database_hangs(tmp_path, hung_server):
    # The session is loaded before any view runs: the error handler turns it into a 503.
    answer = request(
        tmp_path,
        "get",
        "/",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{hung_server}/x",
        DATABASE_CONNECT_TIMEOUT="1",
        WITH_SESSION="1",
    )

    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    assert "temporarily unavailable" in answer["body"]
    assert answer["seconds"] < 10


def test_a_view_that_loses_the_database_answers_503_not_500(tmp_path, closed_port):
    # Signing in queries the users in the view itself: the middleware answers.
    answer = request(
        tmp_path,
        "post",
        "/accounts/login/",
        {"username": "someone", "password": "a-long-test-password-2018"},
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/x",
    )

    assert answer["status"] == 503
    assert answer["retry_after"] == "30"
    assert "temporarily unavailable" in answer["body"]
    assert "Something went wrong" not in answer["body"]


def test_other_server_errors_still_answer_the_500_page(rf):
    from tracking.views.errors import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.postgresql
def test_postgresql_connections_cancel_a_statement_after_30_seconds(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)  # the COPY's own transaction is a real one
def test_a_reports_copy_is_not_cut_by_the_statement_timeout():
    from tracking.reports import pgcopy
    from tracking.reports.data import Progress

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 100")  # 0.1 s for this session
    out = io.BytesIO()
    try:
        rows = pgcopy._copy("SELECT 1 FROM pg_sleep(0.3)", (), "FORMAT csv", out, Progress(1))

        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("100ms",)  # lifted for the COPY's transaction only
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert rows == 1
    assert out.getvalue() == b"1\n"
