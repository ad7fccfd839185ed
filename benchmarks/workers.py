"""Batch time of the report queue with one worker and with two; prints figures, asserts nothing.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_scale \\
        CELERY_BROKER_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python benchmarks/workers.py [--reports 8] [--format xlsx] [--rounds 3]

The design target: two workers finish a batch of reports in clearly less time than one.
On the UN-scale data set (`manage.py seed_demo --scale un`) this script requests the same
batch of reports on declaration `dushanbe` three times, through `services.report_request`
(which sends the task once the request's transaction has committed), as real users of the
data set: the secretariat asks for the consolidated XLSX and CSV (every table in a ZIP), focal
points (from `Membership`) for the PDF of their participant. The batch is built by
- one `celery -A config worker --concurrency=1` process;
- two such processes;
- one process with `--concurrency=2` (two pool children).

Each configuration starts on a purged queue with fresh Report rows. The workers are started
and answer a control ping before the batch is requested, so that their start-up is not timed:
the batch time runs from the first request to the last report's `finished_at`. The script
waits for every report to succeed (polling the rows) or gives up after `--timeout` seconds.
Each batch line also gives the reports' build times (`started_at` to `finished_at`) and how
busy the machine's cores were meanwhile. With `--rounds N` the configurations take turns N
times and the summary gives the median batch time of each.

It writes Report rows (and their participant links) and their files, and deletes them after
each batch and at the end, whatever happens; it changes no other data. Every worker runs in
its own process group and is stopped with SIGTERM (SIGKILL if it does not stop), and the
queue is purged again.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from config.celery import app  # noqa: E402
from declarations.models import Declaration  # noqa: E402
from tracking import services  # noqa: E402
from tracking.models import Membership, Report, User  # noqa: E402

SLUG = "dushanbe"
POLL_SECONDS = 0.2
# (label, number of worker processes, --concurrency of each)
CONFIGURATIONS = [
    ("1 worker (concurrency 1)", 1, 1),
    ("2 workers (concurrency 1 each)", 2, 1),
    ("1 worker (concurrency 2)", 1, 2),
]


class Worker:
    """A `celery -A config worker` process in its own process group."""

    def __init__(self, name: str, concurrency: int):
        self.name = f"{name}@{os.uname().nodename}"
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        # The banner and the warnings, shown only if the batch does not finish.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by stop)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
                f"--hostname={self.name}",
            ],
            cwd=ROOT,
            env=os.environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 20) -> str:
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.log.close()


def wait_ready(workers: list[Worker], timeout: float) -> float:
    """Seconds until every worker answers a control ping."""
    started = time.perf_counter()
    waiting = {worker.name for worker in workers}
    while waiting:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"workers not ready after {timeout:.0f} s: {sorted(waiting)}")
        for worker in workers:
            if worker.process.poll() is not None:
                raise RuntimeError(f"worker {worker.name} exited ({worker.process.returncode})")
        for reply in app.control.ping(destination=sorted(waiting), timeout=0.5) or []:
            waiting -= set(reply)
    return time.perf_counter() - started


def batch(size: int, format: str) -> list[tuple[str, User, list]]:
    """(format, requester, participants) of each report: a fixed mix, the same on every run."""
    declaration = Declaration.objects.get(slug=SLUG)
    secretariat = User.objects.filter(is_secretariat=True).order_by("pk").first()
    focal_points = list(
        Membership.objects.filter(
            role=Membership.Role.FOCAL_POINT, participant__declarations=declaration
        )
        .select_related("user", "participant")
        .order_by("pk")
    )
    consolidated = [Report.Format.XLSX, Report.Format.CSV]
    if format in consolidated:
        consolidated = [format]
    plan, pdfs = [], 0
    for index in range(size):
        # XLSX, PDF, CSV, PDF, ... (or only the chosen format)
        if format == Report.Format.PDF or (format == "mix" and index % 2):
            member = focal_points[pdfs % len(focal_points)]
            plan.append((Report.Format.PDF, member.user, [member.participant]))
            pdfs += 1
        else:
            plan.append((consolidated[(index // 2) % len(consolidated)], secretariat, []))
    return plan


def describe(plan: list[tuple[str, User, list]]) -> str:
    parts = []
    for format, user, participants in plan:
        whom = participants[0].code if participants else "all participants"
        parts.append(f"{format.upper()} {whom} by {user.get_username()}")
    return "; ".join(parts)


def request(plan: list[tuple[str, User, list]], created: list[int]) -> list[int]:
    """Requests the batch as the request view does: one transaction per report."""
    declaration = Declaration.objects.get(slug=SLUG)
    cycle = declaration.cycles.order_by("-starts_on", "-pk").first()
    ids = []
    for format, user, participants in plan:
        with transaction.atomic():
            report = services.report_request(
                user=user,
                declaration=declaration,
                cycle=cycle,
                participants=participants,
                paragraphs=[],
                format=format,
            )
        created.append(report.pk)
        ids.append(report.pk)
    return ids


def wait_done(ids: list[int], timeout: float) -> dict | None:
    """The batch's rows once all succeeded; None (and a message) on failure or timeout."""
    started = time.perf_counter()
    while True:
        rows = list(
            Report.objects.filter(pk__in=ids).values(
                "pk", "format", "state", "error", "created_at", "started_at", "finished_at"
            )
        )
        states = [row["state"] for row in rows]
        if len(rows) == len(ids) and all(state == Report.State.SUCCEEDED for state in states):
            return rows
        failed = [row for row in rows if row["state"] == Report.State.FAILED]
        if failed:
            print(f"  FAILED: report {failed[0]['pk']}: {failed[0]['error']}")
            return None
        if time.perf_counter() - started > timeout:
            counts = {state: states.count(state) for state in sorted(set(states))}
            print(f"  TIMED OUT after {timeout:.0f} s, states: {counts}")
            return None
        time.sleep(POLL_SECONDS)


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of every core since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def run(label: str, processes: int, concurrency: int, plan, created, timeout) -> dict | None:
    app.control.purge()
    workers = [Worker(f"bench{n}", concurrency) for n in range(1, processes + 1)]
    try:
        for worker in workers:
            worker.start()
        ready = wait_ready(workers, timeout=120)
        busy_before, total_before = cpu_times()
        ids = request(plan, created)
        rows = wait_done(ids, timeout)
        busy_after, total_after = cpu_times()
        busy, total = busy_after - busy_before, total_after - total_before
        if rows is None:
            for worker in workers:
                print(f"  last lines of {worker.name}:\n{worker.tail()}")
    finally:
        for worker in workers:
            worker.stop()
    if rows is None:
        return None
    first = min(row["created_at"] for row in rows)
    last = max(row["finished_at"] for row in rows)
    builds: dict[str, list[float]] = {}
    for row in rows:
        seconds = (row["finished_at"] - row["started_at"]).total_seconds()
        builds.setdefault(row["format"], []).append(seconds)
    every = [seconds for times in builds.values() for seconds in times]
    result = {
        "label": label,
        "batch": (last - first).total_seconds(),
        "median": statistics.median(every),
        "sum": sum(every),
        "builds": {format: statistics.median(times) for format, times in builds.items()},
    }
    per_format = ", ".join(
        f"{format.upper()} {seconds:.1f}" for format, seconds in sorted(result["builds"].items())
    )
    print(
        f"  {label}: batch {result['batch']:.1f} s; builds: median {result['median']:.1f} s "
        f"({per_format}), sum {result['sum']:.1f} s; CPU busy {busy / total:.0%} of "
        f"{os.cpu_count()} cores; workers ready in {ready:.1f} s (not timed)"
    )
    return result


def clean_up(created: list[int], folders: list[Path]) -> None:
    """Deletes the rows and files this run created, and the folders it left empty."""
    for report in Report.objects.filter(pk__in=created):
        name = report.file.name
        report.delete()
        if name:
            default_storage.delete(name)
    media = Path(settings.MEDIA_ROOT)
    for pk in created:
        folder = media / "reports" / str(pk)
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    for folder in folders:  # folders that did not exist before the run, deepest first
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=8, help="reports per batch (default 8)")
    parser.add_argument(
        "--format",
        default="mix",
        choices=["mix", *Report.Format.values],
        help="mix (default): consolidated XLSX and CSV, and participants' PDFs, alternately",
    )
    parser.add_argument("--rounds", type=int, default=1, help="batches per configuration")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per batch")
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        sys.exit("Set CELERY_BROKER_URL to a real broker (redis://...).")

    media = Path(settings.MEDIA_ROOT)
    folders = [
        folder
        for folder in (media / "reports" / "tmp", media / "reports", media)
        if not folder.exists()
    ]
    plan = batch(arguments.reports, arguments.format)
    print(f"declaration {SLUG!r}, {len(plan)} reports per batch: {describe(plan)}")
    busy_before, total_before = cpu_times()
    time.sleep(2)
    busy_after, total_after = cpu_times()
    idle_load = (busy_after - busy_before) / (total_after - total_before)
    print(
        f"CPU cores: {os.cpu_count()}; PostgreSQL and Redis on the same machine; "
        f"CPU busy {idle_load:.0%} before the run (other load: the figures need it near 0%)"
    )
    created: list[int] = []
    results: dict[str, list[dict]] = {label: [] for label, _, _ in CONFIGURATIONS}
    try:
        # Configurations in turn, round after round, so that a change in the machine's load
        # falls on each alike.
        for number in range(1, arguments.rounds + 1):
            print(f"round {number}:")
            for label, processes, concurrency in CONFIGURATIONS:
                result = run(label, processes, concurrency, plan, created, arguments.timeout)
                if result is not None:
                    results[label].append(result)
                clean_up(created, [])
    finally:
        app.control.purge()
        clean_up(created, folders)

    print(f"median of {arguments.rounds} round(s):")
    medians = {}
    for label, runs in results.items():
        if len(runs) < arguments.rounds:
            print(f"  {label}: {arguments.rounds - len(runs)} batch(es) did not finish")
            continue
        medians[label] = statistics.median(result["batch"] for result in runs)
        build = statistics.median(result["median"] for result in runs)
        print(f"  {label}: batch {medians[label]:.1f} s, median build {build:.1f} s")
    single = CONFIGURATIONS[0][0]
    for label in list(medians)[1:]:
        if single in medians:
            print(
                f"speed-up, {label}: {medians[single]:.1f} s / {medians[label]:.1f} s "
                f"= {medians[single] / medians[label]:.2f}x"
            )


if __name__ == "__main__":
    main()
