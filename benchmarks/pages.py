"""Median server time, query count and HTML size of every kind of page, next to Django's floor.

Run on the UN-scale data set (`manage.py seed_demo --scale un`) in PostgreSQL, in
production-like settings (DEBUG off; PLAIN_STATIC because `collectstatic` is not run):

    SECRET_KEY=<32+ characters> ALLOWED_HOSTS=127.0.0.1 PLAIN_STATIC=1 \
        DATABASE_URL=postgres://... .venv/bin/python benchmarks/pages.py [--runs 25]

Prints figures; asserts nothing. Pages are fetched in-process with Django's test client over
HTTPS, so the figures are server time without the network. It only reads (GET), apart from
one session per user in the sessions table and the evidence download's log entries, removed
at the end, and the one evidence file it downloads, written if it is missing (the data set
names files but writes none).

Page kinds: every GET page of the URL conf that the secretariat, Tajikistan's focal point or
its coordinator, a provider of technical assistance or an anonymous reader reach by links,
and the API's resources, with real ids from the database (the actions list once per sort key
and with each filter, forms, fragments, downloads, language versions, ...). A kind that does
not answer 200 on this database (no such record, say) is listed apart, with its status.

The floor is the cheapest page a logged-in user can get (`benchmarks/floor.py`), mounted for
the benchmarks only. Each page's ratio is to the floor of the same user (anonymous pages: the
focal point's). Pages are fetched in turn,
one round after another, so that a change in the machine's load falls on every page alike
and the ratios stay fair. Rows are sorted by ratio.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.floor import FLOOR_URL  # noqa: E402
from benchmarks.sessions import end_sessions, verified_client  # noqa: E402
from tracking.models import (  # noqa: E402
    Action,
    Evidence,
    EvidenceDownload,
    Match,
    Need,
    Offer,
    Publication,
    ReportingCycle,
    Submission,
)

TARGET = 3

SECRETARIAT, FOCAL, COORDINATOR = "secretariat", "tjk-focal", "tjk-coordinator"
# A provider of technical assistance of the UN-scale data set (Germany's, a donor State).
PROVIDER = "bench-provider-deu"
USERS = (SECRETARIAT, FOCAL, COORDINATOR, PROVIDER)
ACTION_SORT_KEYS = (
    "title", "participant", "lead_institution", "status", "progress", "start_date", "end_date",
    "updated_at",
)  # fmt: skip


def page_kinds() -> list[tuple[str, str | None, str]]:
    """(label, username or None, URL) of every page kind, with ids from the database."""
    open_cycles = ReportingCycle.objects.filter(state=ReportingCycle.State.OPEN)
    current = open_cycles.filter(declaration__slug="dushanbe").latest("starts_on")
    earlier = ReportingCycle.objects.filter(
        declaration__slug="dushanbe", starts_on__lt=current.starts_on
    ).latest("starts_on")
    tjk_actions = Action.objects.filter(participant__code="TJK").order_by("pk")
    # Tajikistan's draft in an open cycle: where the focal point's forms are.
    draft = Submission.objects.filter(
        participant__code="TJK", state=Submission.State.DRAFT, cycle__in=open_cycles
    ).first()
    editable = tjk_actions.filter(submission=draft).first() if draft else None
    submitted = tjk_actions.filter(submission__cycle=current).first()
    sealed = tjk_actions.filter(submission__cycle=earlier).first()
    evidence = Evidence.objects.filter(submission=draft).exclude(file="").first()
    stored_file(evidence)
    any_evidence = Evidence.objects.filter(action=submitted).first()
    tjk = submitted.participant_id if submitted else ""
    paragraph = submitted.paragraphs.first().pk if submitted else ""
    actions = "/tracking/actions/"
    subm = "/tracking/submissions/TJK"
    offer = Offer.objects.filter(provider__code="DEU", state=Offer.State.PUBLISHED).first()
    match = Match.objects.order_by("pk").first()
    need = Need.objects.filter(submission=draft).order_by("pk").first()
    shareable = Need.objects.filter(submission__state=Submission.State.APPROVED).first()
    published = Publication.objects.live().select_related("cycle__declaration").first()
    public = (
        f"/public/{published.cycle.declaration.slug}/{published.cycle_id}/" if published else ""
    )
    kinds = [
        ("login page (anonymous)", None, "/accounts/login/"),
        ("password reset form (anonymous)", None, "/accounts/password_reset/"),
        ("health check (anonymous)", None, "/healthz"),
        ("home, secretariat", SECRETARIAT, "/"),
        ("home, focal point", FOCAL, "/"),
        ("home, coordinator", COORDINATOR, "/"),
        ("actions list, secretariat", SECRETARIAT, actions),
        *[(f"actions list by {key}, secretariat", SECRETARIAT, f"{actions}?sort={key}")
          for key in ACTION_SORT_KEYS],
        ("actions list by -updated_at, secretariat", SECRETARIAT, f"{actions}?sort=-updated_at"),
        ("actions list, page 2, secretariat", SECRETARIAT, f"{actions}?page=2"),
        ("actions list, 100 a page, secretariat", SECRETARIAT, f"{actions}?per_page=100"),
        ("actions list, filtered, secretariat", SECRETARIAT,
         f"{actions}?participant={tjk}&status=completed&q=border"),
        ("actions list, by paragraph, secretariat", SECRETARIAT,
         f"{actions}?paragraph={paragraph}"),
        ("actions list, by theme, secretariat", SECRETARIAT, f"{actions}?theme=1"),
        ("actions list, by status, secretariat", SECRETARIAT, f"{actions}?status=delayed"),
        ("actions list, by dates, secretariat", SECRETARIAT,
         f"{actions}?starts_from=2026-01-01&ends_by=2026-12-31"),
        ("actions list, by search, secretariat", SECRETARIAT, f"{actions}?q=training"),
        ("actions list, one cycle, secretariat", SECRETARIAT, f"{actions}?cycle={current.pk}"),
        ("actions list, focal point", FOCAL, actions),
        ("actions list by title, focal point", FOCAL, f"{actions}?sort=title"),
        ("actions list, coordinator", COORDINATOR, actions),
        ("actions CSV, focal point", FOCAL, f"{actions}export.csv"),
        ("actions XLSX, focal point", FOCAL, f"{actions}export.xlsx"),
        ("actions CSV, one participant, secretariat", SECRETARIAT,
         f"{actions}export.csv?participant={tjk}"),
        ("action page (submitted), secretariat", SECRETARIAT, _url(submitted)),
        ("action page (sealed cycle), secretariat", SECRETARIAT, _url(sealed)),
        ("action page (submitted), focal point", FOCAL, _url(submitted)),
        ("action page (draft), focal point", FOCAL, _url(editable)),
        ("action page (submitted), coordinator", COORDINATOR, _url(submitted)),
        ("new action form, focal point", FOCAL, "/tracking/actions/new/"),
        ("edit action form, focal point", FOCAL, _url(editable, "edit/")),
        ("new update form, focal point", FOCAL, _url(editable, "updates/new/")),
        ("new evidence form, focal point", FOCAL, _url(editable, "evidence/new/")),
        ("evidence download, focal point", FOCAL, _url(evidence, "download/", "evidence")),
        ("evidence downloads list, coordinator", COORDINATOR,
         _url(any_evidence, "downloads/", "evidence")),
        ("evidence downloads list, secretariat", SECRETARIAT,
         _url(any_evidence, "downloads/", "evidence")),
        ("delete evidence form, focal point", FOCAL, _url(evidence, "delete/", "evidence")),
        ("submission page, focal point", FOCAL, f"{subm}/{current.pk}/"),
        ("submission page, coordinator", COORDINATOR, f"{subm}/{current.pk}/"),
        ("submission page, secretariat", SECRETARIAT, f"{subm}/{current.pk}/"),
        ("submission page (sealed), secretariat", SECRETARIAT, f"{subm}/{earlier.pk}/"),
        ("draft submission page, focal point", FOCAL,
         f"{subm}/{draft.cycle_id}/" if draft else ""),
        ("assessment form, focal point", FOCAL,
         f"{subm}/{draft.cycle_id}/paragraphs/1/assessment/" if draft else ""),
        ("participant page, secretariat", SECRETARIAT, "/tracking/participants/TJK/"),
        ("participant page, focal point", FOCAL, "/tracking/participants/TJK/"),
        ("participant page, coordinator", COORDINATOR, "/tracking/participants/TJK/"),
        ("cycles list, secretariat", SECRETARIAT, "/tracking/cycles/"),
        ("cycle page (current), secretariat", SECRETARIAT, f"/tracking/cycles/{current.pk}/"),
        ("cycle page (earlier), secretariat", SECRETARIAT, f"/tracking/cycles/{earlier.pk}/"),
        ("new cycle form, secretariat", SECRETARIAT, "/tracking/cycles/new/"),
        ("edit cycle form, secretariat", SECRETARIAT, f"/tracking/cycles/{current.pk}/edit/"),
        ("completeness, secretariat", SECRETARIAT, "/tracking/completeness/"),
        ("completeness by submitted, secretariat", SECRETARIAT,
         f"/tracking/completeness/?cycle={current.pk}&sort=-submitted_at"),
        ("completeness, page 2, secretariat", SECRETARIAT,
         f"/tracking/completeness/?cycle={current.pk}&page=2"),
        ("completeness (earlier), secretariat", SECRETARIAT,
         f"/tracking/completeness/?cycle={earlier.pk}"),
        ("matrix, secretariat", SECRETARIAT, "/tracking/matrix/"),
        ("matrix (earlier), secretariat", SECRETARIAT, f"/tracking/matrix/?cycle={earlier.pk}"),
        ("reports list, secretariat", SECRETARIAT, "/tracking/reports/"),
        ("reports list, focal point", FOCAL, "/tracking/reports/"),
        ("reports fragment, secretariat", SECRETARIAT, "/tracking/reports/fragment/"),
        ("report request form, secretariat", SECRETARIAT, "/tracking/reports/new/"),
        ("report request form, focal point", FOCAL, "/tracking/reports/new/"),
        ("declarations list, secretariat", SECRETARIAT, "/declarations/"),
        ("declarations list, focal point", FOCAL, "/declarations/"),
        ("declaration upload form, secretariat", SECRETARIAT, "/declarations/upload/"),
        ("declaration page, secretariat", SECRETARIAT, "/declarations/dushanbe/"),
        ("declaration page, focal point", FOCAL, "/declarations/dushanbe/"),
        ("declaration page, by theme", SECRETARIAT, "/declarations/dushanbe/?theme=1"),
        ("declaration page in Russian", SECRETARIAT, "/declarations/dushanbe/?lang=ru"),
        ("declaration page, Russian beside English", SECRETARIAT,
         "/declarations/dushanbe/?lang=ru&compare=en"),
        ("paragraph page, secretariat", SECRETARIAT, "/declarations/dushanbe/4/"),
        ("paragraph page, focal point", FOCAL, "/declarations/dushanbe/4/"),
        ("paragraph page in Russian", FOCAL, "/declarations/dushanbe/4/?lang=ru"),
        ("profile, secretariat", SECRETARIAT, "/tracking/profile/"),
        ("profile, focal point", FOCAL, "/tracking/profile/"),
        ("password change form, focal point", FOCAL, "/accounts/password_change/"),
        ("matching board, secretariat", SECRETARIAT, "/tracking/assistance/"),
        ("matching board, by paragraph, secretariat", SECRETARIAT,
         f"/tracking/assistance/?paragraph={paragraph}"),
        ("matching board, provider", PROVIDER, "/tracking/assistance/"),
        ("offers list, secretariat", SECRETARIAT, "/tracking/assistance/offers/"),
        ("offers list, focal point", FOCAL, "/tracking/assistance/offers/"),
        ("offer page, provider", PROVIDER, offer.get_absolute_url() if offer else ""),
        ("new offer form, provider", PROVIDER, "/tracking/assistance/offers/new/"),
        ("matches list, secretariat", SECRETARIAT, "/tracking/assistance/matches/"),
        ("matches list, provider", PROVIDER, "/tracking/assistance/matches/"),
        ("match page, secretariat", SECRETARIAT, match.get_absolute_url() if match else ""),
        ("new need form, focal point", FOCAL,
         f"{subm}/{draft.cycle_id}/needs/new/" if draft else ""),
        ("edit need form, focal point", FOCAL, _url(need, "edit/", "needs")),
        ("delete need form, focal point", FOCAL, _url(need, "delete/", "needs")),
        ("edit offer form, provider", PROVIDER, _url(offer, "edit/", "assistance/offers")),
        ("propose match form, secretariat", SECRETARIAT,
         f"/tracking/assistance/matches/new/?need={shareable.pk}&offer={offer.pk}"
         if shareable and offer else ""),
        ("publish cycle form, secretariat", SECRETARIAT, f"/tracking/cycles/{earlier.pk}/publish/"),
        ("workbook download, focal point", FOCAL,
         f"{subm}/{draft.cycle_id}/workbook.xlsx" if draft else ""),
        ("two-factor setup, focal point", FOCAL, "/accounts/two-factor/setup/"),
        ("API actions, secretariat", SECRETARIAT, "/api/v1/actions/"),
        ("API actions, focal point", FOCAL, "/api/v1/actions/"),
        ("API action, focal point", FOCAL, f"/api/v1/actions/{submitted.pk}/" if submitted else ""),
        ("API submissions, secretariat", SECRETARIAT, "/api/v1/submissions/"),
        ("API assessments, secretariat", SECRETARIAT, "/api/v1/assessments/"),
        ("API updates, focal point", FOCAL, "/api/v1/updates/"),
        ("API evidence, focal point", FOCAL, "/api/v1/evidence/"),
        ("API cycles, secretariat", SECRETARIAT, "/api/v1/cycles/"),
        ("API participants, secretariat", SECRETARIAT, "/api/v1/participants/"),
        ("API declaration, focal point", FOCAL, "/api/v1/declarations/dushanbe/"),
        ("API needs, provider", PROVIDER, "/api/v1/needs/"),
        ("API offers, provider", PROVIDER, "/api/v1/offers/"),
        ("API matches, secretariat", SECRETARIAT, "/api/v1/matches/"),
        ("API reports, focal point", FOCAL, "/api/v1/reports/"),
        ("API documentation", FOCAL, "/api/v1/docs/"),
        ("API schema", FOCAL, "/api/v1/openapi.json"),
        ("public index (anonymous)", None, "/public/"),
        ("public cycle page (anonymous)", None, public),
        ("public participant page (anonymous)", None,
         f"{public}participants/TJK/" if public else ""),
        ("public open data CSV (anonymous)", None, f"{public}data.csv" if public else ""),
        ("public open data JSON (anonymous)", None, f"{public}data.json" if public else ""),
    ]  # fmt: skip
    return kinds


def stored_file(evidence: Evidence | None) -> None:
    """Writes the evidence's file where its record says it is, if it is not there: the UN-scale
    data set names 100,000 files but writes none."""
    if evidence is not None and not default_storage.exists(evidence.file.name):
        default_storage.save(evidence.file.name, ContentFile(b"%PDF-1.4\n" * 100))


def forget_downloads(since: datetime.datetime) -> None:
    """Removes the download log entries that the evidence download kind wrote."""
    EvidenceDownload.objects.filter(user__username=FOCAL, at__gte=since).delete()


def _url(record, tail: str = "", prefix: str = "actions") -> str:
    return f"/tracking/{prefix}/{record.pk}/{tail}" if record else ""


def fetch(client: Client, url: str) -> tuple[float, int, int, int]:
    connection.queries_log.clear()  # a full log (9,000 queries) would count none
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, secure=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - started
    return elapsed, response.status_code, len(queries), len(body)


def profile(label: str, runs: int) -> None:
    """Where one page kind spends its time: cProfile over `runs` fetches after seven to warm;
    the 20 functions of the project, django-tables2, django-filter and psycopg with the most
    cumulative time."""
    since = timezone.now()
    _, username, url = next(kind for kind in page_kinds() if kind[0] == label)
    client = verified_client(username)
    with override_settings(ROOT_URLCONF="benchmarks.floor"):
        for _ in range(7):
            fetch(client, url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            fetch(client, url)
        profiler.disable()
    end_sessions([client.cookies[settings.SESSION_COOKIE_NAME].value] if username else [])
    forget_downloads(since)
    print(f"{label}: {url}, {runs} fetches")
    # The request's middleware chain would fill the top: the view and what it calls instead.
    below_the_view = (
        r"/(tracking|declarations)/(?!middleware)|django_tables2|django_filters|psycopg"
    )
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(below_the_view, 20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument(
        "--warm", type=int, default=7, help="rounds fetched before measuring (default 7)"
    )
    parser.add_argument(
        "--profile", metavar="LABEL", help="instead, profile this page kind: top 20 cumulative"
    )
    parser.add_argument(
        "--only",
        metavar="SUBSTRING",
        action="append",
        help="measure only the page kinds whose label holds this text (repeatable); floors stay",
    )
    options = parser.parse_args()
    if options.profile:
        profile(options.profile, options.runs)
        return
    runs = options.runs
    since = timezone.now()
    users = USERS
    floors = [(f"floor: logged-in base.html, {user}", user, FLOOR_URL) for user in users]
    clients = {user: verified_client(user) for user in (*users, None)}
    times: dict[str, list[float]] = {}
    queries, sizes, refused = {}, {}, {}
    with override_settings(ROOT_URLCONF="benchmarks.floor"):
        pages = []
        kinds = [
            kind
            for kind in page_kinds()
            if not options.only or any(text in kind[0] for text in options.only)
        ]
        for label, username, url in [*floors, *kinds]:  # warms caches, finds the 200s
            status = fetch(clients[username], url)[1] if url else "no record"
            if status == 200:
                pages.append((label, username, url))
                times[label] = []
            else:
                refused[label] = status
        # A server's connections have run each statement many times: they are prepared and
        # PostgreSQL has chosen their plans (after five runs of a prepared statement).
        for _ in range(options.warm):
            for _label, username, url in pages:
                fetch(clients[username], url)
        for _ in range(runs):
            for label, username, url in pages:
                elapsed, _status, queries[label], sizes[label] = fetch(clients[username], url)
                times[label].append(elapsed)
    end_sessions([client.cookies[settings.SESSION_COOKIE_NAME].value
                  for user, client in clients.items() if user])  # fmt: skip
    forget_downloads(since)

    medians = {label: statistics.median(times[label]) * 1000 for label in times}
    floor_of = {user: medians[label] for label, user, _ in floors}
    ratios = {label: medians[label] / floor_of[username or FOCAL] for label, username, _ in pages}
    database = settings.DATABASES["default"]["NAME"]
    print(f"database {database}, DEBUG {settings.DEBUG}, {runs} runs, pages fetched in turn")
    print(f"{'page':<48} {'median ms':>10} {'× floor':>8} {'queries':>8} {'KB':>6}")
    for label in sorted(ratios, key=ratios.__getitem__):
        print(
            f"{label:<48} {medians[label]:>10.1f} {ratios[label]:>8.1f} "
            f"{queries[label]:>8} {sizes[label] / 1024:>6.0f}"
        )
    measured = len(pages) - len(floors)
    over = sum(1 for label, _, _ in pages[len(floors) :] if ratios[label] > TARGET)
    print(f"{over} of {measured} page kinds over {TARGET}× their user's floor")
    for label, status in refused.items():
        print(f"not measured: {label} (answered {status})")


if __name__ == "__main__":
    main()
