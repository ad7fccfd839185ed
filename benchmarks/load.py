"""Throughput under load: gunicorn and 20 concurrent logged-in readers, page kind by page kind.

    SECRET_KEY=<32+ characters> DATABASE_URL=postgres://... \
        .venv/bin/python benchmarks/load.py [--seconds 5] [--readers 20] [--only matrix]

Starts gunicorn (workers = 2 × cores, on a free port of 127.0.0.1) in production settings:
DEBUG off, the given SECRET_KEY and DATABASE_URL, ALLOWED_HOSTS=127.0.0.1, PLAIN_STATIC=1,
behind a pretend TLS proxy (`X-Forwarded-Proto: https`, as in production). The settings are
the site's with the floor page mounted (`benchmarks/floor_settings.py`). Readers are threads,
each with its own session of the page's user (the secretariat, Tajikistan's focal point or
coordinator, written straight into the sessions table, second factor given: see
`benchmarks/sessions.py`) and a fresh connection per request. The page kinds are those of
`benchmarks/pages.py`; each is read by every reader for `--seconds`, and the floor is read
before and after them all (the mean of the two is the reference).

Prints requests/s, p50 and p95 per kind and its share of the floor's requests/s; the target
is at least a third. Only GETs: the database is not written to, apart from the sessions and
the evidence download's log entries, removed at the end. Prints figures; asserts nothing.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# This process only writes and removes the sessions; the server gets the same settings.
SERVER_ENV = {"DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "PLAIN_STATIC": "1"}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.floor import FLOOR_URL  # noqa: E402
from benchmarks.pages import SECRETARIAT, USERS, forget_downloads, page_kinds  # noqa: E402
from benchmarks.sessions import end_sessions, verified_session  # noqa: E402

TARGET = 1 / 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **SERVER_ENV,
        "DJANGO_SETTINGS_MODULE": "benchmarks.floor_settings",
        "USE_X_FORWARDED_PROTO": "true",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--chdir", str(ROOT),
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def get(port: int, url: str, cookie: str) -> int:
    """One GET on a fresh connection; the whole body is read. Returns the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request("GET", url, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_kind(port: int, url: str, cookies: list[str], seconds: float) -> tuple[float, list, int]:
    """Every reader reads `url` for `seconds`: (requests/s, latencies, non-200 answers)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def reader(cookie: str) -> None:
        mine, bad = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = get(port, url, cookie)
            mine.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=reader, args=(cookie,)) for cookie in cookies]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.monotonic() - started), latencies, failures[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--only", default="", help="only the page kinds whose label has this")
    options = parser.parse_args()
    workers = 2 * (os.cpu_count() or 1)
    since = timezone.now()
    users = USERS
    sessions = {user: [verified_session(user) for _ in range(options.readers)] for user in users}
    cookies = {
        user: [f"{settings.SESSION_COOKIE_NAME}={key}" for key in keys]
        for user, keys in sessions.items()
    }
    cookies[None] = [""] * options.readers
    kinds = [kind for kind in page_kinds() if kind[2] and options.only in kind[0]]
    floor_kind = ("floor: logged-in base.html, secretariat", SECRETARIAT, FLOOR_URL)
    port = free_port()
    server = start_gunicorn(port, workers)
    results = {}
    try:
        for label, user, url in [floor_kind, *kinds]:  # warm every worker; drop refusals
            if get(port, url, cookies[user][0]) != 200:
                print(f"not measured: {label} (answered {get(port, url, cookies[user][0])})")
                kinds.remove((label, user, url))
        run_kind(port, FLOOR_URL, cookies[SECRETARIAT], 2)  # every worker busy once
        before = run_kind(port, FLOOR_URL, cookies[SECRETARIAT], options.seconds)
        for label, user, url in kinds:
            results[label] = run_kind(port, url, cookies[user], options.seconds)
            print(f"  {label}: {results[label][0]:.1f}/s", file=sys.stderr, flush=True)
        after = run_kind(port, FLOOR_URL, cookies[SECRETARIAT], options.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        end_sessions([key for keys in sessions.values() for key in keys])
        forget_downloads(since)

    floor_rate = statistics.mean([before[0], after[0]])
    database = settings.DATABASES["default"]["NAME"]
    print(
        f"database {database}, gunicorn {workers} workers, {options.readers} readers, "
        f"{options.seconds:g} s a page kind, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"floor: {before[0]:.1f}/s before, {after[0]:.1f}/s after "
        f"(p50 {percentile(before[1], 0.5):.0f} ms, p95 {percentile(before[1], 0.95):.0f} ms)"
    )
    print(f"{'page':<48} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'× floor':>8} {'non-200':>8}")
    for label in sorted(results, key=lambda label: -results[label][0]):
        rate, latencies, failures = results[label]
        print(
            f"{label:<48} {rate:>8.1f} {percentile(latencies, 0.5):>8.0f} "
            f"{percentile(latencies, 0.95):>8.0f} {rate / floor_rate:>8.2f} {failures:>8}"
        )
    missing = sum(1 for rate, _, _ in results.values() if rate < TARGET * floor_rate)
    print(f"{missing} of {len(results)} page kinds under a third of the floor's requests/s")


if __name__ == "__main__":
    main()
