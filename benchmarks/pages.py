"""Median server time and query count of the tracking pages, next to Django's own floor.

Run on the UN-scale data set (`manage.py seed_demo --scale un`) in PostgreSQL, in
production-like settings (DEBUG off; PLAIN_STATIC because `collectstatic` is not run):

    SECRET_KEY=<32+ characters> ALLOWED_HOSTS=127.0.0.1 PLAIN_STATIC=1 \
        DATABASE_URL=postgres://... .venv/bin/python benchmarks/pages.py [--runs 25]

Prints figures; asserts nothing. Pages are fetched in-process with Django's test client over
HTTPS, so the figures are server time without the network.

The floor is the cheapest page a logged-in user can get: a view that requires login and
renders `base.html` with no queries of its own, so it pays only for what every page pays
(middleware, the session and user lookups, the context processors, the base template). It is
mounted for this script only. The anonymous login page is printed as a second reference.
Pages are fetched in turn, one round after another, so that a change in the machine's load
falls on every page alike and the ratios stay fair.
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
from django.db import connection  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402

from config import urls  # noqa: E402
from tracking.models import Participant, ReportingCycle, User  # noqa: E402

FLOOR_URL = "/benchmark/floor/"


def floor(request):
    """What every logged-in page costs before doing anything of its own."""
    return render(request, "base.html")


# This module is the URLconf while it measures: the site's URLs and the floor.
urlpatterns = [path(FLOOR_URL.lstrip("/"), floor), *urls.urlpatterns]


def fetch(client: Client, url: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, secure=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries), len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    runs = parser.parse_args().runs
    tjk = Participant.objects.get(code="TJK").pk
    # The Dushanbe cycle the focal point files in now, and the one before it.
    current = ReportingCycle.objects.filter(
        declaration__slug="dushanbe", state=ReportingCycle.State.OPEN
    ).latest("starts_on")
    earlier = ReportingCycle.objects.filter(
        declaration__slug="dushanbe", starts_on__lt=current.starts_on
    ).latest("starts_on")
    pages = [
        ("floor: logged-in base.html, secretariat", "secretariat", FLOOR_URL),
        ("floor: logged-in base.html, focal point", "tjk-focal", FLOOR_URL),
        ("login page (anonymous)", None, "/accounts/login/"),
        ("home, focal point", "tjk-focal", "/"),
        ("home, secretariat", "secretariat", "/"),
        ("actions list, first page, secretariat", "secretariat", "/tracking/actions/"),
        ("actions list, filtered, secretariat", "secretariat",
         f"/tracking/actions/?participant={tjk}&status=completed&q=border"),
        ("actions list, first page, focal point", "tjk-focal", "/tracking/actions/"),
        ("matrix (203 x 16)", "secretariat", "/tracking/matrix/"),
        ("completeness", "secretariat", "/tracking/completeness/"),
        ("matrix of the earlier cycle", "secretariat", f"/tracking/matrix/?cycle={earlier.pk}"),
        ("cycles list", "secretariat", "/tracking/cycles/"),
        ("cycle page (203 participants)", "secretariat", f"/tracking/cycles/{current.pk}/"),
        ("submission page, focal point", "tjk-focal",
         f"/tracking/submissions/TJK/{current.pk}/"),
        ("participant page, secretariat", "secretariat", "/tracking/participants/TJK/"),
        ("participant page, focal point", "tjk-focal", "/tracking/participants/TJK/"),
        ("actions list, one cycle, secretariat", "secretariat",
         f"/tracking/actions/?cycle={current.pk}"),
    ]  # fmt: skip
    clients = {}
    for username in {username for _, username, _ in pages}:
        clients[username] = Client(HTTP_HOST="127.0.0.1")
        if username:
            clients[username].force_login(User.objects.get(username=username))
    times = {label: [] for label, _, _ in pages}
    queries, sizes = {}, {}
    with override_settings(ROOT_URLCONF=__name__):
        for _label, username, url in pages:  # warm caches and connections
            fetch(clients[username], url)
        for _ in range(runs):
            for label, username, url in pages:
                elapsed, queries[label], sizes[label] = fetch(clients[username], url)
                times[label].append(elapsed)

    medians = {label: statistics.median(times[label]) * 1000 for label in times}
    base = medians[pages[0][0]]
    database = settings.DATABASES["default"]["NAME"]
    print(f"database {database}, DEBUG {settings.DEBUG}, {runs} runs, pages fetched in turn")
    print(f"{'page':<42} {'median ms':>10} {'× floor':>8} {'queries':>8} {'KB':>6}")
    for label, _, _ in pages:
        median = medians[label]
        print(
            f"{label:<42} {median:>10.1f} {median / base:>8.1f} "
            f"{queries[label]:>8} {sizes[label] / 1024:>6.0f}"
        )


if __name__ == "__main__":
    main()
