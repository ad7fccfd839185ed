"""Soak: concurrent writers, readers and reports through gunicorn while the worker and broker die.

Prints figures; asserts nothing (the exit status is 1 when a check fails). It prepares its own
PostgreSQL database (dropped and created again: `--database`, default `tracker_soak`), starts
its own Redis server on a free loopback port (no persistence) as the broker, gunicorn with 4
workers and DEBUG off, and a Celery worker; then for `--seconds`:

- 20 writers log in through the login form (CSRF) as the focal points of the two participants
  whose 2026 submission is a draft, and file actions through the new action form (with its
  one-time `form_token`; one write in five is sent twice with the same token, as a double
  click would) and a progress update on each. A write is acknowledged by a 302 to the action.
- 20 readers fetch home, the actions list, action pages and the matrix.
- one secretariat user asks for a CSV report every few seconds.
- at 40% of the run the worker is killed (SIGKILL, its whole process group) and a new one
  started `--worker-down` seconds later (1 s); at 60% the broker is killed (SIGKILL) and
  started again on the same port 5 s later.
- the report sweep (what beat runs every minute) runs every 5 s in this process.

Afterwards it checks in the database that every acknowledged write is there exactly once
(actions and updates carry a unique title / narrative), that no unacknowledged write is there
twice, and that every report ends `succeeded` or `failed` with a reason within `--settle`
seconds, running the sweep as beat would.

    .venv/bin/python benchmarks/soak.py --seconds 60
"""

import argparse
import collections
import html
import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo-pass-2018"  # noqa: S105 - the demo accounts of seed_demo
WRITERS = [("kaz-focal", "KAZ"), ("uzb-focal", "UZB")]  # their 2026 submissions are drafts
READERS = ["secretariat", "tjk-viewer", "kaz-focal", "uzb-coordinator", "tjk-focal"]
TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


class HttpCookies(http.cookiejar.DefaultCookiePolicy):
    """Sends the app's Secure cookies over plain loopback HTTP (DEBUG off marks them Secure)."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[str, int, float]] = []

    def add(self, kind: str, status: int, elapsed: float) -> None:
        with self.lock:
            self.samples.append((kind, status, elapsed))


class Client:
    """One browser: a cookie jar, a fresh connection per request (as gunicorn's sync workers)."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base = base
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(policy=HttpCookies())),
            NoRedirect,
        )

    def request(self, kind: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            response = self.opener.open(self.base + path, data=body, timeout=TIMEOUT)
        except urllib.error.HTTPError as error:
            response = error
        except OSError:
            self.stats.add(kind, 0, time.perf_counter() - started)
            return 0, "", ""
        with response:
            try:
                text = response.read().decode()
            except OSError:
                text = ""
        status = response.status if hasattr(response, "status") else response.code
        self.stats.add(kind, status, time.perf_counter() - started)
        return status, response.headers.get("Location", ""), text

    def login(self, username: str) -> bool:
        for _ in range(5):
            status, _, page = self.request("login", "/accounts/login/")
            token = field(page, "csrfmiddlewaretoken")
            if status == 200 and token:
                form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
                if self.request("login", "/accounts/login/", form)[0] == 302:
                    return True
            time.sleep(0.5)
        return False


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else ""


def options(page: str, name: str) -> list[str]:
    """The values of a select's options, or of checkboxes of that name."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    if select:
        return re.findall(r'<option value="(\d+)"', select.group(0))
    return re.findall(rf'name="{name}" value="(\d+)"', page)


class Ledger:
    """Every write sent, and which were acknowledged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.actions: dict[str, bool] = {}  # title -> acknowledged
        self.updates: dict[str, bool] = {}  # narrative -> acknowledged
        self.resent = 0
        self.resent_same_target = 0

    def record(self, book: str, key: str, acknowledged: bool) -> None:
        with self.lock:
            getattr(self, book)[key] = acknowledged


def writer(number, client, user, deadline, ledger, run, action_urls):
    if not client.login(user):
        return
    for sequence in range(10_000):
        if time.monotonic() > deadline:
            return
        status, _, page = client.request("action form", "/tracking/actions/new/")
        csrf, token = field(page, "csrfmiddlewaretoken"), field(page, "form_token")
        paragraphs = options(page, "paragraphs")
        participant = options(page, "participant")
        if status != 200 or not (csrf and token and paragraphs and participant):
            time.sleep(0.2)
            continue
        title = f"soak {run} w{number:02d} #{sequence:04d}"
        form = {
            "csrfmiddlewaretoken": csrf,
            "form_token": token,
            "participant": participant[0],
            "paragraphs": [random.choice(paragraphs)],  # noqa: S311 - not security
            "title": title,
            "description": "Filed by the soak benchmark.",
            "lead_institution": "Ministry of Soak Testing",
            "status": "in_progress",
            "progress": "10",
        }
        ledger.record("actions", title, False)
        status, location, _ = client.request("action create", "/tracking/actions/new/", form)
        acknowledged = status == 302 and re.fullmatch(r"/tracking/actions/\d+/", location)
        ledger.record("actions", title, bool(acknowledged))
        if not acknowledged:
            continue
        action_urls.setdefault(user, []).append(location)
        if sequence % 5 == 0:  # a double click: the same form, the same token
            again, again_location, _ = client.request(
                "action resend", "/tracking/actions/new/", form
            )
            with ledger.lock:
                ledger.resent += 1
                ledger.resent_same_target += again == 302 and again_location == location
        status, _, page = client.request("update form", f"{location}updates/new/")
        csrf, token = field(page, "csrfmiddlewaretoken"), field(page, "form_token")
        if status != 200 or not (csrf and token):
            continue
        narrative = f"soak {run} w{number:02d} #{sequence:04d} update"
        form = {
            "csrfmiddlewaretoken": csrf,
            "form_token": token,
            "date": time.strftime("%Y-%m-%d"),
            "narrative": narrative,
            "status": "in_progress",
            "progress": "20",
        }
        ledger.record("updates", narrative, False)
        status, location_after, _ = client.request("update create", f"{location}updates/new/", form)
        ledger.record("updates", narrative, status == 302 and location_after == location)


def reader(client, user, deadline, action_urls):
    if not client.login(user):
        return
    seen: list[str] = []
    for turn in range(100_000):
        if time.monotonic() > deadline:
            return
        kind = ("home", "actions list", "action page", "matrix")[turn % 4]
        if kind == "home":
            client.request(kind, "/")
        elif kind == "actions list":
            status, _, page = client.request(kind, "/tracking/actions/")
            seen = sorted(set(re.findall(r'href="(/tracking/actions/\d+/)"', page))) or seen
        elif kind == "action page":
            pool = seen + action_urls.get(user, [])[-20:]  # what this user's writers filed
            if pool:
                client.request(kind, random.choice(pool))  # noqa: S311 - not security
        elif user == "secretariat":
            client.request(kind, "/tracking/matrix/")
        else:  # the matrix is the secretariat's: the others look at their reports
            client.request("reports list", "/tracking/reports/")


def reporter(client, deadline, declaration, cycle, every, requests_made):
    if not client.login("secretariat"):
        return
    for _ in range(1_000):
        if time.monotonic() > deadline:
            return
        status, _, page = client.request("report form", "/tracking/reports/new/")
        csrf, token = field(page, "csrfmiddlewaretoken"), field(page, "form_token")
        if status == 200 and csrf and token:
            form = {
                "csrfmiddlewaretoken": csrf,
                "form_token": token,
                "declaration": declaration,
                "cycle": cycle,
                "format": "csv",
            }
            status, location, _ = client.request("report request", "/tracking/reports/new/", form)
            requests_made.append(status)
        time.sleep(every)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:  # noqa: C901, PLR0912, PLR0915 - one script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--report-every", type=float, default=3.0)
    parser.add_argument("--settle", type=float, default=120)
    parser.add_argument("--database", default="tracker_soak")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--heartbeat-timeout", type=int, default=10)
    # Seconds between killing the worker and starting a new one; more than 0.2 x --seconds
    # keeps it down while the broker is killed, so that queued messages die with the broker.
    parser.add_argument("--worker-down", type=float, default=1.0)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="soak-"))
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "soak-benchmark-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PLAIN_STATIC": "1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "VAR_DIR": str(scratch / "var"),
        "REPORT_HEARTBEAT_TIMEOUT": str(args.heartbeat_timeout),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    os.environ.update(env)
    processes: dict[str, subprocess.Popen] = {}
    logs = {name: open(scratch / f"{name}.log", "ab") for name in ("redis", "web", "worker")}  # noqa: SIM115

    def start(name: str, command: list[str]) -> None:
        processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(name: str) -> None:
        process = processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def start_redis() -> None:
        start("redis", [
            "redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
            "--appendonly", "no", "--dir", str(scratch),
        ])  # fmt: skip
        wait_for_port(redis_port, 10)

    def start_worker() -> None:
        start("worker", [
            str(BIN / "celery"), "-A", "config", "worker", "--concurrency=2", "--loglevel=WARNING",
        ])  # fmt: skip

    try:
        start_redis()
        print(f"Preparing database {args.database} ...", flush=True)
        admin = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
        subprocess.run([*admin, f"CREATE DATABASE {args.database}"], check=True)
        manage = [str(BIN / "python"), "manage.py"]
        for command in (["migrate", "-v0"], ["load_shipped_declarations"],
                        ["load_participants"], ["seed_demo"]):  # fmt: skip
            subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True,
                           stdout=logs["web"], stderr=subprocess.STDOUT)  # fmt: skip

        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.db import close_old_connections
        from django.db.models import Count

        from config.celery import app
        from tracking import services
        from tracking.models import Action, ProgressUpdate, Report, ReportingCycle

        cycle = ReportingCycle.objects.get(declaration__slug="dushanbe", name="2026")

        start("web", [
            str(BIN / "gunicorn"), "config.wsgi", "-w", "4", "-b", f"127.0.0.1:{web_port}",
            "--timeout", "60",
        ])  # fmt: skip
        start_worker()
        wait_for_port(web_port, 30)
        for _ in range(60):  # the worker answers a ping before the clock starts
            if app.control.ping(timeout=1.0):
                break
        base = f"http://127.0.0.1:{web_port}"
        run = time.strftime("%H%M%S")
        stats, ledger = Stats(), Ledger()
        action_urls: dict[str, list[str]] = {}
        report_statuses: list[int] = []
        print(f"Running {args.seconds:.0f} s on {base} (broker port {redis_port}) ...", flush=True)
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=writer,
                args=(
                    n,
                    Client(base, stats),
                    WRITERS[n % 2][0],
                    deadline,
                    ledger,
                    run,
                    action_urls,
                ),
            )  # fmt: skip
            for n in range(args.writers)
        ]
        threads += [
            threading.Thread(
                target=reader,
                args=(Client(base, stats), READERS[n % len(READERS)], deadline, action_urls),
            )
            for n in range(args.readers)
        ]
        threads.append(
            threading.Thread(
                target=reporter,
                args=(
                    Client(base, stats),
                    deadline,
                    cycle.declaration_id,
                    cycle.pk,
                    args.report_every,
                    report_statuses,
                ),
            )  # fmt: skip
        )
        for thread in threads:
            thread.start()

        # The faults, in time order: (seconds into the run, what happens).
        faults = sorted(
            [
                (0.4 * args.seconds, "worker SIGKILLed", lambda: kill("worker")),
                (0.4 * args.seconds + args.worker_down, "new worker started", start_worker),
                (0.6 * args.seconds, "broker (Redis) SIGKILLed", lambda: kill("redis")),
                (0.6 * args.seconds + 5, "broker started again", start_redis),
            ],
            key=lambda fault: fault[0],
        )
        events = []
        sweeps = collections.Counter()
        next_sweep = started + 5
        while time.monotonic() < deadline or faults:
            if faults and time.monotonic() - started >= faults[0][0]:
                _, what, do = faults.pop(0)
                do()
                events.append(f"{time.monotonic() - started:5.1f} s {what}")
            if time.monotonic() >= next_sweep:
                sweeps.update(services.reports_sweep())
                close_old_connections()
                next_sweep = time.monotonic() + 5
            time.sleep(0.1)
        for thread in threads:
            thread.join(timeout=TIMEOUT + 10)
        elapsed = time.monotonic() - started

        # Reports: run the sweep as beat would until every one has ended, within --settle.
        settle_started = time.monotonic()
        while time.monotonic() - settle_started < args.settle:
            sweeps.update(services.reports_sweep())
            if not Report.objects.filter(state__in=Report.ACTIVE_STATES).exists():
                break
            time.sleep(2)
        settled_in = time.monotonic() - settle_started

        # ---- figures
        samples = stats.samples
        latencies = [s[2] for s in samples]
        print(f"\nEvents: {'; '.join(events)}")
        print(f"Requests: {len(samples)} in {elapsed:.1f} s = {len(samples) / elapsed:.1f}/s; "
              f"latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms")  # fmt: skip
        print(f"{'kind':<16} {'count':>6} {'p50 ms':>7} {'p95 ms':>7}  statuses")
        by_kind = collections.defaultdict(list)
        for kind, status, seconds in samples:
            by_kind[kind].append((status, seconds))
        for kind, rows in sorted(by_kind.items()):
            times = [t for _, t in rows]
            statuses = collections.Counter(s for s, _ in rows)
            counts = ", ".join(f"{s or 'conn'}: {n}" for s, n in sorted(statuses.items()))
            print(f"{kind:<16} {len(rows):>6} {percentile(times, 0.5) * 1000:>7.0f} "
                  f"{percentile(times, 0.95) * 1000:>7.0f}  {counts}")  # fmt: skip
        errors = collections.Counter(s or "connection" for _, s, _ in samples if s == 0 or s >= 400)
        print(f"Errors by status: {dict(errors) or 'none'}")

        failures = []
        actions = dict(
            Action.objects.filter(title__startswith=f"soak {run} ")
            .values_list("title")
            .annotate(n=Count("pk"))
        )
        updates = dict(
            ProgressUpdate.objects.filter(narrative__startswith=f"soak {run} ")
            .values_list("narrative")
            .annotate(n=Count("pk"))
        )
        for label, book, found in (("actions", ledger.actions, actions),
                                   ("updates", ledger.updates, updates)):  # fmt: skip
            acked = [key for key, ok in book.items() if ok]
            lost = [key for key in acked if found.get(key, 0) == 0]
            twice = [key for key, n in found.items() if n > 1]
            unacked_present = [key for key, ok in book.items() if not ok and found.get(key)]
            unknown = [key for key in found if key not in book]
            print(
                f"Writes ({label}): sent {len(book)}, acknowledged {len(acked)}, found "
                f"{sum(found.values())} rows for {len(found)} titles; lost {len(lost)}, "
                f"duplicated {len(twice)}, unacknowledged but present {len(unacked_present)}"
            )
            if lost or twice or unknown:
                failures.append(f"{label}: lost {lost[:5]} duplicated {twice[:5]}")
        print(
            f"Double submits (same form token): {ledger.resent}, "
            f"answered with the first one's action: {ledger.resent_same_target}"
        )
        if ledger.resent_same_target != ledger.resent:
            failures.append("a resent form did not lead to the first one's action")

        states = collections.Counter(Report.objects.values_list("state", flat=True))
        print(f"Reports: {len(report_statuses)} requested (answers "
              f"{dict(collections.Counter(report_statuses))}); after {settled_in:.0f} s "
              f"of settling: {dict(states)}; sweep totals {dict(sweeps)}")  # fmt: skip
        for report in Report.objects.filter(state=Report.State.FAILED):
            print(f"  report #{report.pk} failed: {report.error or '(no reason)'}")
            if not report.error:
                failures.append(f"report #{report.pk} failed without a reason")
        stuck = Report.objects.filter(state__in=Report.ACTIVE_STATES)
        for report in stuck:
            print(
                f"  report #{report.pk} still {report.state}, attempts {report.attempts}, "
                f"enqueued_at {report.enqueued_at}, heartbeat_at {report.heartbeat_at}"
            )
            failures.append(f"report #{report.pk} stuck {report.state}")
        if errors.get(500):
            failures.append(f"{errors[500]} server errors (500)")
        print("\nFAILED: " + "; ".join(failures) if failures else "\nAll checks passed.")
        print(f"Logs: {scratch}")
        return 1 if failures else 0
    finally:
        for name in ("web", "worker", "redis"):
            kill(name)
        for log in logs.values():
            log.close()


if __name__ == "__main__":
    sys.exit(main())
