"""sqlmap on every query parameter of the lists and on the main forms; wapiti on the whole site.

Runs against a running server with DEBUG off and reads its database for ids, with the server's
environment (DATABASE_URL, SECRET_KEY, ...); a scratch database only, since the scanners file
forms (hundreds of actions and updates):

    audit/scan.py --base http://127.0.0.1:8000 --out /tmp/scan [--only sqlmap|wapiti]

Both tools get the session cookie of an account logged in through the forms (two-factor code
included) and the headers of the production TLS proxy (`X-Forwarded-Proto: https`, and the
`Origin` that Django's CSRF check wants over HTTPS). sqlmap (`--level 2 --risk 1`, PostgreSQL)
runs once per URL with the parameters named in TARGETS; the POST forms are filed as a focal
point of a participant whose submission in the open cycle is a draft (run
`object_access.py --prepare` first, or any draft). wapiti crawls and attacks as that focal
point and then as the secretariat, with the modules in WAPITI_MODULES, never logging out,
changing the password or the second factor, submitting, deleting, or opening and closing
cycles.

Prints, per URL, the parameters tried and those found injectable; per wapiti module, the
findings; and the server's 5xx answers during the run (from `--access-log`, gunicorn's).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.urls import reverse  # noqa: E402

from audit.client import Client  # noqa: E402
from declarations.models import Paragraph, Theme  # noqa: E402
from tracking.models import (  # noqa: E402
    Action,
    Evidence,
    Membership,
    ReportingCycle,
    Submission,
)

WAPITI_MODULES = (
    "xss,permanentxss,sql,timesql,exec,file,redirect,crlf,csrf,upload,xxe,methods,"
    "http_headers,cookieflags,csp"
)
# Never followed by the crawler: they end the session or change what the scan runs on.
WAPITI_EXCLUDE = [
    "/accounts/logout/*",
    "/accounts/password_change/*",
    "/accounts/two-factor/*",
    "/admin/logout/*",
    "/admin/password_change/*",
    "/tracking/submissions/*/submit/",
    "/tracking/evidence/*/delete/",
    "/tracking/reports/*/delete/",
    "/tracking/cycles/*/open/",
    "/tracking/cycles/*/close/",
]


def targets(focal: str) -> list[tuple[str, str, str, dict, list[str]]]:
    """(session, method, path, base values, parameters to test)."""
    cycle = ReportingCycle.objects.get(state=ReportingCycle.State.OPEN)
    closed = ReportingCycle.objects.filter(state=ReportingCycle.State.CLOSED).latest("starts_on")
    declaration = cycle.declaration
    paragraph = Paragraph.objects.operative().filter(declaration=declaration).first()
    theme = Theme.objects.filter(paragraphs__declaration=declaration).first()
    code = Membership.objects.get(user__username=focal).participant
    draft = Submission.objects.get(participant=code, cycle=cycle, state=Submission.State.DRAFT)
    action = Action.objects.filter(submission=draft).order_by("pk").first()
    evidence = (
        Evidence.objects.filter(submission__cycle=closed, submission__state__in=["approved"])
        .exclude(file="")
        .exclude(visibility=Evidence.Visibility.PARTICIPANT)
        .first()
    )
    filters = {
        "q": "plan",
        "participant": code.pk,
        "cycle": cycle.pk,
        "paragraph": paragraph.pk,
        "theme": theme.pk,
        "status": "planned",
        "starts_from": "2020-01-01",
        "ends_by": "2030-12-31",
        "sort": "title",
        "page": "1",
        "per_page": "25",
    }
    new_action = {
        "participant": code.pk,
        "paragraphs": paragraph.pk,
        "title": "Scanner action",
        "description": "Filed by the scanner.",
        "lead_institution": "Ministry",
        "partners": "UNODC",
        "start_date": "2027-02-01",
        "end_date": "2027-12-31",
        "status": "planned",
        "progress": "0",
    }
    update = {"date": "2027-03-01", "narrative": "Scanner", "status": "in_progress", "progress": 5}
    link = {"title": "Scanner link", "url": "https://www.un.org/", "date": "2027-03-01"}
    link |= {"visibility": "participant_and_secretariat", "update": ""}
    rating = {"rating": "partially", "justification": "Scanner", "version": "0"}
    report = {"declaration": declaration.pk, "cycle": cycle.pk, "participants": code.pk}
    report |= {"paragraphs": paragraph.pk, "format": "csv", "table": "actions"}
    new_cycle = {"declaration": declaration.pk, "name": "Scanner", "starts_on": "2040-01-01"}
    new_cycle |= {"ends_on": "2040-12-31", "due_on": "2041-01-31", "participants": code.pk}
    actions = reverse("tracking:actions")
    return [
        ("secretariat", "GET", actions, filters, list(filters)),
        ("secretariat", "GET", reverse("tracking:actions_csv"), filters, ["q", "participant",
         "cycle", "paragraph", "theme", "status", "starts_from", "ends_by"]),
        ("secretariat", "GET", reverse("tracking:actions_xlsx"), filters, ["q", "paragraph"]),
        (focal, "GET", actions, filters, ["q", "participant", "sort"]),
        ("secretariat", "GET", reverse("tracking:reports"),
         {"state": "succeeded", "format": "csv", "sort": "-created_at", "page": "1"},
         ["state", "format", "sort", "page"]),
        ("secretariat", "GET", reverse("tracking:reports_fragment"), {"state": "queued"},
         ["state"]),
        ("secretariat", "GET", reverse("tracking:matrix"), {"cycle": cycle.pk, "everyone": "on"},
         ["cycle", "everyone"]),
        ("secretariat", "GET", reverse("tracking:completeness"),
         {"cycle": cycle.pk, "sort": "name", "page": "1"}, ["cycle", "sort", "page"]),
        ("secretariat", "GET", reverse("tracking:cycles"), {"sort": "name", "page": "1"},
         ["sort", "page"]),
        ("secretariat", "GET", reverse("declarations:list"), {"sort": "title"}, ["sort"]),
        ("secretariat", "GET", reverse("declarations:detail", args=[declaration.slug]),
         {"theme": theme.slug}, ["theme"]),
        ("secretariat", "GET", reverse("tracking:evidence_downloads", args=[evidence.pk]),
         {"page": "1"}, ["page"]),
        (focal, "GET", reverse("tracking:action_create"), {"paragraph": paragraph.pk},
         ["paragraph"]),
        ("admin", "GET", reverse("admin:tracking_action_changelist"),
         {"q": "plan", "o": "1", "status__exact": "planned"}, ["q", "o", "status__exact"]),
        ("anonymous", "POST", reverse("login"), {"username": "scanner", "password": "x"},
         ["username", "password"]),
        ("anonymous", "POST", reverse("password_reset"), {"email": "scanner@example.org"},
         ["email"]),
        (focal, "POST", reverse("tracking:action_create"), new_action,
         [k for k in new_action if k != "participant"] + ["participant"]),
        (focal, "POST", reverse("tracking:update_create", args=[action.pk]), update,
         list(update)),
        (focal, "POST", reverse("tracking:evidence_create", args=[action.pk]), link, list(link)),
        (focal, "POST", reverse("tracking:assessment_edit", args=[code.code, cycle.pk, 2]),
         rating, list(rating)),
        (focal, "POST", reverse("tracking:report_request"), report, list(report)),
        (focal, "POST", reverse("tracking:profile"), {"email": "focal@example.org"}, ["email"]),
        ("secretariat", "POST", reverse("tracking:cycle_create"), new_cycle, list(new_cycle)),
        ("secretariat", "GET", "/", {}, ["sessionid", "csrftoken"]),
    ]  # fmt: skip


def run_sqlmap(args, clients, out: Path, log) -> tuple[int, list[str], list[str]]:
    tried, found, lines = 0, [], []
    for number, (session, method, path, values, params) in enumerate(targets(args.focal), 1):
        if args.target and number not in args.target:
            continue
        client = clients[session]
        token = client.csrf_token  # first: an anonymous session gets its cookie from it
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        values = dict(values)
        command = [
            args.sqlmap, "--batch", f"--level={args.level}", f"--risk={args.risk}",
            "--dbms=PostgreSQL", "--disable-coloring", "--flush-session", "--drop-set-cookie",
            f"--output-dir={out / 'sqlmap'}", f"--cookie={cookie}",
            f"--headers=X-Forwarded-Proto: https\nOrigin: {client.origin}",
            f"--referer={client.origin}/", f"-p{','.join(params)}", "--threads=2",
        ]  # fmt: skip
        if method == "POST":
            values["csrfmiddlewaretoken"] = token
            command += [f"-u{args.base}{path}", f"--data={urlencode(values)}"]
        else:
            query = f"?{urlencode(values)}" if values else ""
            command += [f"-u{args.base}{path}{query}"]
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        (out / f"sqlmap-{number:02d}.log").write_text(result.stdout + result.stderr)
        injectable = re.findall(r"Parameter: (\S+) \(", result.stdout)
        tried += len(params)
        found += [f"{method} {path} {name}" for name in injectable]
        clean = "all tested parameters do not appear to be injectable" in result.stdout
        line = (
            f"| {session} | {method} {path} | {', '.join(params)} | "
            f"{', '.join(injectable) or ('none' if clean else 'see log')} | "
            f"{time.monotonic() - started:.0f} s |"
        )
        lines.append(line)
        log(line)
    return tried, found, lines


def run_wapiti(args, client, name: str, out: Path, log) -> dict:
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    report = out / f"wapiti-{name}.json"
    command = [
        args.wapiti, "-u", f"{args.base}/", "--scope", "folder", "-m", WAPITI_MODULES,
        # Not --drop-set-cookie: wapiti then drops the Cookie header given here too.
        "-C", cookie, "-H", "X-Forwarded-Proto: https",
        "-H", f"Origin: {client.origin}", "-f", "json", "-o", str(report), "--flush-session",
        "--no-bugreport", "--max-scan-time", str(args.wapiti_seconds),
        "--max-attack-time", str(args.wapiti_attack_seconds), "-d", "5",
        "--max-links-per-page", "40", "--tasks", "2", "-v", "1",
        "--store-session", str(out / f"wapiti-{name}-session"),
    ]  # fmt: skip
    for pattern in WAPITI_EXCLUDE:
        command += ["-x", f"{args.base}{pattern}"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    (out / f"wapiti-{name}.log").write_text(result.stdout + result.stderr)
    data = json.loads(report.read_text()) if report.exists() else {}
    summary = {
        "seconds": round(time.monotonic() - started),
        "vulnerabilities": {k: len(v) for k, v in data.get("vulnerabilities", {}).items() if v},
        "anomalies": {k: len(v) for k, v in data.get("anomalies", {}).items() if v},
        "additionals": {k: len(v) for k, v in data.get("additionals", {}).items() if v},
        "crawled": data.get("infos", {}).get("crawled_pages_nbr", 0),
    }
    log(f"wapiti as {name}: {summary}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="scan-results")
    parser.add_argument("--only", choices=["sqlmap", "wapiti"])
    parser.add_argument("--focal", default="kaz-focal")
    parser.add_argument("--sqlmap", default="sqlmap")
    parser.add_argument("--wapiti", default="wapiti")
    parser.add_argument("--level", type=int, default=2)
    parser.add_argument("--risk", type=int, default=1)
    # The crawl's budget, then each attack module's: wapiti counts them apart.
    parser.add_argument("--wapiti-seconds", type=int, default=600)
    parser.add_argument("--wapiti-attack-seconds", type=int, default=120)
    parser.add_argument("--target", type=int, action="append", help="only these sqlmap targets")
    parser.add_argument("--access-log", help="gunicorn's access log, to count 5xx answers")
    args = parser.parse_args()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log_start = Path(args.access_log).stat().st_size if args.access_log else 0

    clients = {"anonymous": Client(args.base)}
    for username in ("secretariat", "admin", args.focal):
        clients[username] = Client(args.base)
        clients[username].login(username)
    failed = False
    if args.only != "wapiti":
        tried, found, lines = run_sqlmap(args, clients, out, log)
        print("| session | URL | parameters | injectable | time |")
        print("|---|---|---|---|---:|")
        print("\n".join(lines))
        print(f"sqlmap: {tried} parameters tried, {len(found)} injectable: {found or 'none'}")
        failed |= bool(found)
    if args.only != "sqlmap":
        for name in (args.focal, "secretariat"):
            # A fresh session each: the scan must not inherit the other's answers.
            client = Client(args.base)
            client.login(name)
            summary = run_wapiti(args, client, name, out, log)
            print(f"wapiti as {name}: {json.dumps(summary)}")
            failed |= bool(summary["vulnerabilities"])
    if args.access_log:
        with open(args.access_log, "rb") as handle:
            handle.seek(log_start)
            lines = handle.read().decode("utf-8", "replace").splitlines()
        errors = [line for line in lines if re.search(r'" 5\d\d ', line)]
        print(f"server: {len(lines)} requests during the run, {len(errors)} answered 5xx")
        for line in errors[:50]:
            print(f"  {line}")
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
