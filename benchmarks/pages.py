"""Median server time and query count of the tracking pages, next to a trivial page.

Run on the UN-scale data set (`manage.py seed_demo --scale un`) in PostgreSQL:

    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python benchmarks/pages.py [--runs 15]

Prints figures; asserts nothing. Pages are fetched in-process with Django's test client,
so the figures are server time without the network.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracking.models import Participant, User  # noqa: E402


def measure(client: Client, url: str, runs: int) -> tuple[float, int, int]:
    client.get(url)  # warm caches and connections
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries), len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    tjk = Participant.objects.get(code="TJK").pk
    pages = [
        ("login page (trivial)", None, "/accounts/login/"),
        ("home, focal point", "tjk-focal", "/"),
        ("home, secretariat", "secretariat", "/"),
        ("actions list, first page, secretariat", "secretariat", "/tracking/actions/"),
        ("actions list, filtered, secretariat", "secretariat",
         f"/tracking/actions/?participant={tjk}&status=completed&q=border"),
        ("actions list, first page, focal point", "tjk-focal", "/tracking/actions/"),
        ("matrix (203 x 16)", "secretariat", "/tracking/matrix/"),
        ("completeness", "secretariat", "/tracking/completeness/"),
    ]  # fmt: skip
    print(f"{'page':<42} {'median ms':>10} {'× trivial':>10} {'queries':>8} {'KB':>7}")
    floor = None
    for label, username, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if username:
            client.force_login(User.objects.get(username=username))
        median, queries, size = measure(client, url, runs)
        floor = floor or median
        print(
            f"{label:<42} {median:>10.1f} {median / floor:>10.1f} {queries:>8} {size / 1024:>7.0f}"
        )


if __name__ == "__main__":
    main()
