"""The API's action list next to the actions page, at UN scale: median and p95 server time.

Run on the UN-scale data set (`manage.py seed_demo --scale un`) in PostgreSQL, production-like
settings (DEBUG off):

    SECRET_KEY=<32+ characters> ALLOWED_HOSTS=127.0.0.1 PLAIN_STATIC=1 \\
        API_THROTTLE_RATE=100000/minute DATABASE_URL=postgres://... \\
        .venv/bin/python benchmarks/api.py [--runs 25]

Prints figures; asserts nothing. In-process with Django's test client over HTTPS (server time
without the network), logged in by session as the secretariat and Tajikistan's focal point
(the API takes the browser session as it takes a token). It only reads, apart from one
session per user, removed at the end. Measured in turn, one round after another: the floor
(the cheapest logged-in page), the actions page (100 rows, its largest page), the API's first
page of 100 and of 1,000 actions, and 1,000 actions read by following the cursor 50 at a time
(the default page size).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from benchmarks.floor import FLOOR_URL  # noqa: E402
from benchmarks.sessions import end_sessions, verified_client  # noqa: E402

USERS = ("secretariat", "tjk-focal")


def get(client: Client, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, body[:200])
    return elapsed, response.json() if "/api/" in url else {}


def follow(client: Client, url: str, count: int) -> float:
    """Reads `count` records by following `next`: the whole time, every page."""
    total, read = 0.0, 0
    while url and read < count:
        elapsed, data = get(client, url)
        total += elapsed
        read += len(data["results"])
        url = data["next"] or ""
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    runs = parser.parse_args().runs
    clients = {user: verified_client(user) for user in USERS}
    kinds = [
        ("floor: logged-in base.html", lambda c: get(c, FLOOR_URL)[0]),
        ("actions page, 100 rows", lambda c: get(c, "/tracking/actions/?per_page=100")[0]),
        ("API actions, first 100", lambda c: get(c, "/api/v1/actions/?page_size=100")[0]),
        ("API actions, first 1,000", lambda c: get(c, "/api/v1/actions/?page_size=1000")[0]),
        ("API 1,000 actions, 20 pages of 50", lambda c: follow(c, "/api/v1/actions/", 1000)),
    ]
    times: dict[tuple[str, str], list[float]] = {}
    try:
        with override_settings(ROOT_URLCONF="benchmarks.floor"):
            for client in clients.values():  # warm up
                for _label, measure in kinds:
                    measure(client)
            for _run in range(runs):
                for user, client in clients.items():
                    for label, measure in kinds:
                        times.setdefault((user, label), []).append(measure(client) * 1000)
    finally:
        end_sessions([c.cookies[settings.SESSION_COOKIE_NAME].value for c in clients.values()])
    print(f"{runs} runs; median and p95 in ms, and the median's ratio to the user's floor")
    print("| user | request | p50 ms | p95 ms | x floor |")
    print("| --- | --- | ---: | ---: | ---: |")
    for user in USERS:
        floor = statistics.median(times[user, kinds[0][0]])
        for label, _measure in kinds:
            values = sorted(times[user, label])
            p50 = statistics.median(values)
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            print(f"| {user} | {label} | {p50:.1f} | {p95:.1f} | {p50 / floor:.1f} |")


if __name__ == "__main__":
    main()
