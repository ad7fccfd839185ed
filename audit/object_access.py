"""Every object of one participant, at every URL that takes an id, by every other role.

Runs against a running server (gunicorn, DEBUG off) and reads the same database, with the
server's environment (DATABASE_URL, SECRET_KEY, ...):

    audit/object_access.py --base http://127.0.0.1:8000 --participant KAZ [--prepare]

It logs in through the forms as every demo account (two-factor codes computed from the demo
secret) and as nobody, collects from the database every object of the participant (actions,
updates, evidence, submissions, ratings, its reports, members, their authenticator devices,
and their history records), and walks Django's URL resolver: every URL that takes an id is
either filled with those objects or named in NOT_OWNED with the reason it holds no
participant's records; an id-taking URL in neither fails the run. Each URL is asked for by
each role with GET, with POST without a CSRF token, and with POST carrying the session's valid
token. A response is *refused* (404, 403, 405, 400 or a redirect to a login page) or *let
through* (any other answer). What is let through is checked against the access rules of
`tracking/permissions.py`, restated below; anything they forbid is a finding, and so is any
5xx. Every answer that is let through, and every list page and export, is also searched for
marker strings that the role must not see.

`--prepare` first files, through the pages, records that cover every case on the
participant (a scratch database only: it submits, approves and closes the open cycle and
opens the next one): evidence of each confidentiality level, with markers in their titles,
in a submission that is then approved, and a draft in the next cycle with an action, an
update, evidence and a rating that carry markers too; and reports asked for by its members.

Prints one table per role, one per URL kind and the findings; exits 1 on a finding.
POSTs with a valid token that the rules allow and that would change data are not sent.
"""

import argparse
import collections
import csv
import io
import os
import re
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from audit.client import Client, field_value  # noqa: E402
from declarations.models import Paragraph  # noqa: E402
from tracking.models import (  # noqa: E402
    Action,
    Assessment,
    Evidence,
    Membership,
    Participant,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
    User,
)

VISIBLE = set(Submission.VISIBLE_TO_SECRETARIAT)
PRIVATE = Evidence.Visibility.PARTICIPANT
MARKER = re.compile(r"AUDIT-(SEALED|PRIVATE|DRAFT)-[0-9a-f]{8}")

# URLs that take an id but hold no participant's records, each with the reason.
NOT_OWNED = {
    "password_reset_confirm": "a reset link (user id and token), not a record; tests cover it",
    "declarations:import": "a declaration import of the secretariat's",
    "declarations:import_fragment": "a declaration import of the secretariat's",
    "declarations:detail": "a declaration's text, the same for everyone who logs in",
    "declarations:paragraph": "a paragraph's text; its actions are searched as a list page",
    "tracking:cycle": "a reporting cycle, the secretariat's",
    "tracking:cycle_edit": "a reporting cycle, the secretariat's",
    "tracking:cycle_open": "a reporting cycle, the secretariat's",
    "tracking:cycle_close": "a reporting cycle, the secretariat's",
    "admin:app_list": "an app's index in the admin, no record",
}
# Admin models that hold no participant's records (the rest are filled below).
ADMIN_NOT_OWNED = {
    "auth_group": "groups of permissions",
    "axes_accessattempt": "login attempts, by username and address",
    "axes_accesslog": "login log",
    "axes_accessfailurelog": "login failure log",
    "declarations_declaration": "declarations",
    "declarations_section": "declarations",
    "declarations_theme": "declarations",
    "declarations_reference": "declarations",
    "declarations_paragraph": "declarations",
    "declarations_declarationimport": "declaration imports",
    "tracking_reportingcycle": "reporting cycles, the secretariat's",
}
ADMIN_VIEWS = ("change", "history", "delete", "simple_history", "config", "qrcode", "password")
# Page views that only read: a POST to them is as harmless as a GET, so it is always sent.
READS = {
    "tracking:action",
    "tracking:submission",
    "tracking:participant",
    "tracking:evidence_download",
    "tracking:evidence_downloads",
    "admin:view_on_site",
}


@dataclass
class Obj:
    """One object of the participant, with what the access rules look at."""

    kind: str
    args: list
    state: str = ""  # its submission's state
    facts: dict = field(default_factory=dict)


@dataclass
class Role:
    label: str
    username: str | None
    member: bool = False
    secretariat: bool = False
    staff: bool = False
    client: Client | None = None


# --- the objects -----------------------------------------------------------------------


def collect(participant: Participant) -> dict[str, list[Obj]]:
    """Every object of the participant, by the kind of id the URLs take."""
    objects: dict[str, list[Obj]] = collections.defaultdict(list)
    add = lambda kind, *args, **kw: objects[kind].append(Obj(kind, list(args), **kw))  # noqa: E731
    for action in Action.objects.filter(participant=participant).select_related("submission"):
        add("action", action.pk, state=action.submission.state)
    for update in ProgressUpdate.objects.filter(submission__participant=participant).select_related(
        "submission"
    ):
        add("progressupdate", update.pk, state=update.submission.state)
    for evidence in Evidence.objects.filter(submission__participant=participant).select_related(
        "submission"
    ):
        add(
            "evidence",
            evidence.pk,
            state=evidence.submission.state,
            facts={"private": evidence.visibility == PRIVATE, "file": bool(evidence.file)},
        )
    for submission in Submission.objects.filter(participant=participant).select_related("cycle"):
        add("submission", participant.code, submission.cycle_id, state=submission.state)
        objects["submission_pk"].append(Obj("submission_pk", [submission.pk], submission.state))
    for assessment in Assessment.objects.filter(submission__participant=participant).select_related(
        "submission", "paragraph"
    ):
        code, cycle = participant.code, assessment.submission.cycle_id
        add(
            "assessment",
            code,
            cycle,
            assessment.paragraph.number,
            state=assessment.submission.state,
        )
        objects["assessment_pk"].append(
            Obj("assessment_pk", [assessment.pk], assessment.submission.state)
        )
    members = User.objects.filter(memberships__participant=participant).distinct()
    for report in Report.objects.filter(requested_by__in=members):
        add(
            "report",
            report.pk,
            facts={"drafts": report.includes_drafts, "ready": report.is_ready},
        )
    add("participant", participant.code)
    objects["participant_pk"].append(Obj("participant_pk", [participant.pk]))
    for cycle in ReportingCycle.objects.filter(participants=participant):
        add("chase", cycle.pk, participant.code, facts={"state": cycle.state})
    for membership in Membership.objects.filter(participant=participant):
        add("membership", membership.pk)
    for user in members:
        add("user", user.pk)
    for device in TOTPDevice.objects.filter(user__in=members):
        add("totpdevice", device.pk)
    for device in StaticDevice.objects.filter(user__in=members):
        add("staticdevice", device.pk)
    # History records, for the admin's "history of one version" pages.
    for model, kind in [
        (Action, "action"),
        (ProgressUpdate, "progressupdate"),
        (Evidence, "evidence"),
        (Assessment, "assessment_pk"),
        (Submission, "submission_pk"),
    ]:
        states = {o.args[0]: o for o in objects[kind]}
        for record in model.history.filter(pk__in=states):
            source = states[record.pk]
            objects[f"{model._meta.model_name}_version"].append(
                Obj("version", [record.pk, record.history_id], source.state, source.facts)
            )
    for model, kind in [(Participant, "participant_pk"), (Membership, "membership")]:
        owned = [o.args[0] for o in objects[kind]]
        for record in model.history.filter(pk__in=owned):
            objects[f"{model._meta.model_name}_version"].append(
                Obj("version", [record.pk, record.history_id])
            )
    return objects


# --- the URLs ----------------------------------------------------------------------------

# Page URLs: name -> the kind of object that fills it.
PAGE_URLS = {
    "tracking:action": "action",
    "tracking:action_edit": "action",
    "tracking:update_create": "action",
    "tracking:evidence_create": "action",
    "tracking:evidence_download": "evidence",
    "tracking:evidence_downloads": "evidence",
    "tracking:evidence_delete": "evidence",
    "tracking:submission": "submission",
    "tracking:submission_submit": "submission",
    "tracking:submission_review": "submission",
    "tracking:assessment_edit": "assessment",
    "tracking:participant_chase": "chase",
    "tracking:participant": "participant",
    "tracking:report_download": "report",
    "tracking:report_retry": "report",
    "tracking:report_delete": "report",
}
# Admin model -> the kind of object that fills its pages.
ADMIN_MODELS = {
    "tracking_action": "action",
    "tracking_progressupdate": "progressupdate",
    "tracking_evidence": "evidence",
    "tracking_submission": "submission_pk",
    "tracking_assessment": "assessment_pk",
    "tracking_report": "report",
    "tracking_participant": "participant_pk",
    "tracking_membership": "membership",
    "tracking_user": "user",
    "otp_totp_totpdevice": "totpdevice",
    "otp_static_staticdevice": "staticdevice",
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            regex = pattern.pattern.regex
            if regex.groups and pattern.name:
                yield namespace + pattern.name


def id_urls() -> tuple[list[str], list[str]]:
    """(names of the URLs that take an id and hold the participant's records, names in no list)."""
    owned, unknown = [], []
    for name in dict.fromkeys(_walk(get_resolver().url_patterns)):
        if name in PAGE_URLS or name == "admin:view_on_site":
            owned.append(name)
        elif name in NOT_OWNED:
            continue
        elif name.startswith("admin:") and name.endswith(ADMIN_VIEWS):
            model = re.sub(r"_(change|history|delete|simple_history|config|qrcode)$", "", name[6:])
            model = "tracking_user" if name == "admin:auth_user_password_change" else model
            if model in ADMIN_MODELS:
                owned.append(name)
            elif model not in ADMIN_NOT_OWNED:
                unknown.append(name)
        else:
            unknown.append(name)
    return owned, unknown


def targets(name: str, objects: dict[str, list[Obj]]) -> list[tuple[str, Obj]]:
    """(path, object) for every object of the participant that fills the URL `name`."""
    if name in PAGE_URLS:
        return [(reverse(name, args=o.args), o) for o in objects[PAGE_URLS[name]]]
    if name == "admin:view_on_site":
        from django.contrib.contenttypes.models import ContentType

        found = []
        for model, kind in [(Action, "action"), (Submission, "submission_pk")]:
            type_id = ContentType.objects.get_for_model(model).pk
            found += [(reverse(name, args=[type_id, o.args[0]]), o) for o in objects[kind]]
        return found
    model = "tracking_user" if name == "admin:auth_user_password_change" else None
    model = model or re.sub(r"_(change|history|delete|simple_history|config|qrcode)$", "", name[6:])
    kind = ADMIN_MODELS[model]
    if name.endswith("_simple_history"):
        versions = objects[model.split("_", 1)[1] + "_version"]
        return [(reverse(name, args=o.args), o) for o in versions]
    return [(reverse(name, args=[o.args[0]]), o) for o in objects[kind]]


# --- the rules ---------------------------------------------------------------------------

WRITES = {
    "tracking:action_edit",
    "tracking:update_create",
    "tracking:evidence_create",
    "tracking:evidence_delete",
    "tracking:submission_submit",
    "tracking:submission_review",
    "tracking:assessment_edit",
    "tracking:report_retry",
    "tracking:report_delete",
}


def allowed(role: Role, name: str, obj: Obj, method: str) -> bool:
    """Whether the access rules let `role` through to `name` for `obj` (not a member of its
    participant): `tracking/permissions.py` and the admin's scoping, restated."""
    if role.username is None:
        return False
    if name.startswith("admin:"):
        return role.staff and _admin_allows(role, name, obj, method)
    if not role.secretariat:
        return False  # another participant's member: nothing of this one, ever
    seen = obj.state in VISIBLE
    if name in WRITES:
        return False
    if name in ("tracking:action", "tracking:submission"):
        return seen
    if name == "tracking:evidence_download":
        return seen and not obj.facts["private"] and obj.facts["file"] and method == "GET"
    if name == "tracking:evidence_downloads":
        return seen and not obj.facts["private"] and method == "GET"
    if name == "tracking:participant":
        return method == "GET"
    if name == "tracking:participant_chase":
        return method == "POST"
    if name == "tracking:report_download":
        return not obj.facts["drafts"] and obj.facts["ready"] and method == "GET"
    raise KeyError(name)


def _admin_allows(role: Role, name: str, obj: Obj, method: str) -> bool:
    model = re.sub(r"_(change|history|delete|simple_history|config|qrcode)$", "", name[6:])
    if name == "admin:view_on_site":
        return True  # a redirect to the page, which decides
    records = ("tracking_action", "tracking_progressupdate", "tracking_submission")
    records += ("tracking_assessment", "tracking_evidence")
    # What the pages show the user, read-only: the history answers any method alike.
    read = method == "GET" or name.endswith("_history") and not name.endswith("simple_history")
    if model in records:
        seen = obj.state in VISIBLE and not obj.facts.get("private", False)
        return seen and read and not name.endswith("_delete")
    if model == "tracking_report":
        # The secretariat never sees who asked for drafts; only the requester deletes.
        return not obj.facts["drafts"] and read and not name.endswith("_delete")
    return True  # users, memberships, participants and devices: the superuser manages them


def safe_to_send(name: str) -> bool:
    """Whether a POST the rules allow may be sent (it changes nothing)."""
    return name in READS or name.endswith("_history") and not name.endswith("simple_history")


# --- running -----------------------------------------------------------------------------

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# The admin answers an object it does not show with a redirect to its index ("does not exist").
ADMIN_INDEX = "/admin/"


def refused(status: int, location: str) -> bool:
    if status in (400, 403, 404, 405):
        return True
    path = location.split("?")[0]
    return status in (301, 302) and (path.endswith(LOGIN_PATHS) or path == ADMIN_INDEX)


def markers_in(body: bytes) -> set[str]:
    """The marker strings in a body, a ZIP (CSV reports, XLSX) included."""
    texts = [body.decode("utf-8", "replace")]
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        except zipfile.BadZipFile:
            pass
    return {m.group(0) for text in texts for m in MARKER.finditer(text)}


def forbidden_markers(role: Role, markers: set[str]) -> set[str]:
    """Markers a role must never see: all of them for strangers; for the secretariat those of
    drafts and of participant-only evidence."""
    if role.member:
        return set()
    if role.secretariat:
        return {m for m in markers if "-SEALED-" not in m}
    return set(markers)


class Tally:
    def __init__(self) -> None:
        self.counts = collections.defaultdict(collections.Counter)
        self.findings: list[str] = []

    def add(self, role: Role, name: str, outcome: str) -> None:
        self.counts[(role.label, name)][outcome] += 1


def run_matrix(roles, names, objects, markers, tally: Tally, log) -> None:
    plan = [(name, path, obj) for name in names for path, obj in targets(name, objects)]
    for role in roles:
        client = role.client
        forbidden = forbidden_markers(role, markers)
        started, sent = time.monotonic(), 0
        for name, path, obj in plan:
            for method, with_token in (("GET", False), ("POST", False), ("POST", True)):
                if role.member and method == "POST":
                    continue  # the participant's own members: a control, reads only
                kind = f"{method}{'+token' if with_token else ''}"
                may = allowed(role, name, obj, method)
                if with_token and may and not safe_to_send(name):
                    tally.add(role, name, "not sent (allowed, would write)")
                    continue
                if method == "GET":
                    answer = client.get(path)
                elif with_token:
                    answer = client.submit(path, {})
                else:
                    answer = client.post(path, {"x": "1"})
                sent += 1
                if answer.status >= 500:
                    tally.add(role, name, "error")
                    tally.findings.append(f"{role.label} {kind} {path}: {answer.status}")
                    continue
                if refused(answer.status, answer.location):
                    tally.add(role, name, "refused")
                    continue
                tally.add(role, name, "let through")
                if role.member:
                    continue
                leaked = markers_in(answer.body) & forbidden
                if not may:
                    tally.findings.append(
                        f"{role.label} {kind} {path}: {answer.status} {answer.location} "
                        f"(the rules forbid it)"
                    )
                elif leaked:
                    tally.findings.append(
                        f"{role.label} {kind} {path}: shows {', '.join(sorted(leaked))}"
                    )
        log(f"  {role.label}: {sent} requests in {time.monotonic() - started:.0f} s")


def run_lists(roles, participant, tally: Tally, markers, log) -> None:
    """List pages and exports, as each role: searched for markers the role must not see."""
    paragraphs = Paragraph.objects.operative().select_related("declaration")
    pages = [
        ("home", "/"),
        ("actions", reverse("tracking:actions")),
        ("actions", reverse("tracking:actions") + f"?participant={participant.pk}"),
        ("actions", reverse("tracking:actions") + "?q=AUDIT&per_page=100"),
        ("actions_csv", reverse("tracking:actions_csv")),
        ("actions_xlsx", reverse("tracking:actions_xlsx")),
        ("reports", reverse("tracking:reports")),
        ("reports_fragment", reverse("tracking:reports_fragment")),
        ("participant", reverse("tracking:participant", args=[participant.code])),
    ]
    for cycle in ReportingCycle.objects.all():
        pages += [
            ("matrix", reverse("tracking:matrix") + f"?cycle={cycle.pk}&everyone=on"),
            ("completeness", reverse("tracking:completeness") + f"?cycle={cycle.pk}"),
            ("cycle", reverse("tracking:cycle", args=[cycle.pk])),
            ("actions", reverse("tracking:actions") + f"?cycle={cycle.pk}&per_page=100"),
        ]
    pages += [
        ("paragraph", reverse("declarations:paragraph", args=[p.declaration.slug, p.number]))
        for p in paragraphs
    ]
    for role in roles:
        if role.member:
            continue
        forbidden = forbidden_markers(role, markers)
        for name, path in pages:
            answer = role.client.get(path)
            if answer.status >= 500:
                tally.findings.append(f"{role.label} GET {path}: {answer.status}")
                tally.add(role, f"list:{name}", "error")
                continue
            outcome = "refused" if refused(answer.status, answer.location) else "let through"
            tally.add(role, f"list:{name}", outcome)
            if leaked := markers_in(answer.body) & forbidden:
                tally.findings.append(f"{role.label} GET {path}: shows {', '.join(sorted(leaked))}")
    log(f"  list pages: {len(pages)} per role")


def run_reports(roles, tally: Tally, markers, log) -> None:
    """Each other role asks for a CSV report of every cycle (and the secretariat also XLSX and
    PDF); each file is searched for markers the role must not see."""
    asked = []
    for role in roles:
        if role.member or role.username is None:
            continue
        page = role.client.get(reverse("tracking:report_request"))
        if page.status != 200:
            continue
        for cycle in ReportingCycle.objects.select_related("declaration"):
            formats = ["csv", "xlsx", "pdf"] if role.secretariat else ["csv"]
            for format in formats:
                form = {
                    "declaration": cycle.declaration_id,
                    "cycle": cycle.pk,
                    "format": format,
                    "table": "",
                    "form_token": str(uuid.uuid4()),
                }
                answer = role.client.submit(reverse("tracking:report_request"), form)
                if answer.status != 302:
                    tally.findings.append(f"{role.label}: report request answered {answer.status}")
                    continue
                report = Report.objects.filter(requested_by__username=role.username).latest("pk")
                asked.append((role, report.pk))
    deadline = time.monotonic() + 300
    for role, pk in asked:
        while Report.objects.filter(pk=pk, state__in=Report.ACTIVE_STATES).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        answer = role.client.get(reverse("tracking:report_download", args=[pk]))
        tally.add(role, "report file", "let through" if answer.status == 200 else "refused")
        if answer.status != 200:
            tally.findings.append(f"{role.label}: own report {pk} answered {answer.status}")
            continue
        body = answer.body
        if answer.headers.get("content-type", "").startswith("application/pdf"):
            body = _pdf_text(body)
        if leaked := markers_in(body) & forbidden_markers(role, markers):
            tally.findings.append(f"{role.label}: report {pk} shows {', '.join(sorted(leaked))}")
    log(f"  reports: {len(asked)} built and searched")


def _pdf_text(body: bytes) -> bytes:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages).encode()


# --- preparing ---------------------------------------------------------------------------


def prepare(base: str, participant: Participant, log) -> None:
    """Files, through the pages, records of every kind on the participant, with markers."""
    from tracking.management.commands.seed_demo import demo_pdf

    run = uuid.uuid4().hex[:8]
    code = participant.code.lower()
    focal, coordinator, secretariat = Client(base), Client(base), Client(base)
    focal.login(f"{code}-focal")
    coordinator.login(f"{code}-coordinator")
    secretariat.login("secretariat")
    cycle = ReportingCycle.objects.get(declaration__slug="dushanbe", state="open")

    def expect(answer, what, status=302):
        if answer.status != status:
            raise RuntimeError(f"prepare: {what} answered {answer.status} {answer.location}")
        return answer

    def file_evidence(action_pk, title, visibility, *, upload=True):
        url = reverse("tracking:evidence_create", args=[action_pk])
        form = {"title": title, "date": "2026-05-01", "visibility": visibility, "url": ""}
        form["form_token"] = str(uuid.uuid4())
        files = {"upload": (f"{title}.pdf", demo_pdf(title), "application/pdf")}
        if not upload:
            form["url"], files = "https://www.un.org/counterterrorism/", None
        expect(focal.submit(url, form, files=files or {}), f"evidence {title}")

    # The open cycle: evidence of every level (markers), an update, then submit and approve.
    submission_url = reverse("tracking:submission", args=[participant.code, cycle.pk])
    focal.get(submission_url)
    for action in Action.objects.filter(participant=participant, submission__cycle=cycle):
        file_evidence(action.pk, f"AUDIT-SEALED-{run} shared", "participant_and_secretariat")
        file_evidence(action.pk, f"AUDIT-PRIVATE-{run} memo", PRIVATE)
        file_evidence(action.pk, f"AUDIT-SEALED-{run} link", "public", upload=False)
        update = {"date": "2026-05-02", "narrative": f"AUDIT-SEALED-{run} progress"}
        update |= {"status": "in_progress", "progress": 50, "form_token": str(uuid.uuid4())}
        expect(focal.submit(reverse("tracking:update_create", args=[action.pk]), update), "update")
    # A rating the submit rules refuse (say "fully" carried forward without evidence) is lowered.
    from tracking.submission_rules import submission_problems

    draft = Submission.objects.select_related("participant", "cycle").get(
        participant=participant, cycle=cycle
    )
    for number in {p.paragraph.number for p in submission_problems(draft) if p.paragraph}:
        url = reverse("tracking:assessment_edit", args=[participant.code, cycle.pk, number])
        version = field_value(focal.get(url).text, "version")
        rating = {"rating": "partially", "justification": "In part.", "version": version}
        expect(focal.submit(url, rating), f"rating OP{number}")
    page = focal.get(submission_url).text
    version = field_value(page, "version")
    expect(
        focal.submit(
            reverse("tracking:submission_submit", args=[participant.code, cycle.pk]),
            {"version": version},
        ),
        "submit",
    )
    page = coordinator.get(submission_url).text
    review = {"version": field_value(page, "version"), "decision": "approve", "comment": ""}
    review_url = reverse("tracking:submission_review", args=[participant.code, cycle.pk])
    expect(coordinator.submit(review_url, review), "approve")
    if Submission.objects.get(participant=participant, cycle=cycle).state != "approved":
        raise RuntimeError("prepare: the submission was not approved")
    # The next cycle, and a draft in it with markers of its own.
    expect(
        secretariat.submit(
            reverse("tracking:cycle_close", args=[cycle.pk]),
            {
                "confirmed": "on",
                "confirming": "1",
            },
        ),
        "close",
    )
    year = cycle.ends_on.year + 1
    new = [
        ("declaration", cycle.declaration_id),
        ("name", f"{year} audit {run}"),
        ("starts_on", f"{year}-01-01"),
        ("ends_on", f"{year}-12-31"),
        ("due_on", f"{year + 1}-01-31"),
    ] + [("participants", pk) for pk in cycle.participants.values_list("pk", flat=True)]
    created = expect(secretariat.submit(reverse("tracking:cycle_create"), new), "cycle")
    next_pk = int(created.location.rstrip("/").rsplit("/", 1)[-1])
    expect(secretariat.submit(reverse("tracking:cycle_open", args=[next_pk]), {}), "open")
    focal.get(reverse("tracking:submission", args=[participant.code, next_pk]))
    paragraph = Paragraph.objects.operative().get(declaration=cycle.declaration, number=3)
    action = {
        "participant": participant.pk,
        "paragraphs": paragraph.pk,
        "title": f"AUDIT-DRAFT-{run} action",
        "description": f"AUDIT-DRAFT-{run} description",
        "lead_institution": "Ministry",
        "partners": "",
        "start_date": f"{year}-02-01",
        "end_date": "",
        "status": "planned",
        "progress": 0,
        "form_token": str(uuid.uuid4()),
    }
    made = expect(focal.submit(reverse("tracking:action_create"), action), "action")
    action_pk = int(made.location.rstrip("/").rsplit("/", 1)[-1])
    file_evidence(action_pk, f"AUDIT-DRAFT-{run} evidence", "participant_and_secretariat")
    file_evidence(action_pk, f"AUDIT-PRIVATE-{run} draft memo", PRIVATE)
    update = {"date": f"{year}-03-01", "narrative": f"AUDIT-DRAFT-{run} progress"}
    update |= {"status": "in_progress", "progress": 10, "form_token": str(uuid.uuid4())}
    expect(focal.submit(reverse("tracking:update_create", args=[action_pk]), update), "update")
    rating_url = reverse("tracking:assessment_edit", args=[participant.code, next_pk, 3])
    version = field_value(focal.get(rating_url).text, "version")
    rating = {"rating": "partially", "justification": f"AUDIT-DRAFT-{run} why", "version": version}
    expect(focal.submit(rating_url, rating), "rating")
    # Reports of its members (they hold drafts), and downloads for the download log.
    for client, cycle_pk, format in [
        (focal, next_pk, "csv"),
        (focal, cycle.pk, "xlsx"),
        (coordinator, cycle.pk, "pdf"),
    ]:
        form = {"declaration": cycle.declaration_id, "cycle": cycle_pk, "format": format}
        form |= {"table": "", "form_token": str(uuid.uuid4())}
        expect(client.submit(reverse("tracking:report_request"), form), "report")
    for evidence in Evidence.objects.filter(submission__participant=participant).exclude(file=""):
        coordinator.get(reverse("tracking:evidence_download", args=[evidence.pk]))
    log(f"  prepared: markers AUDIT-*-{run}; cycle {next_pk} opened with a draft of {code}")


# --- output ------------------------------------------------------------------------------

OUTCOMES = ["refused", "let through", "not sent (allowed, would write)", "error"]


def table(rows: list[tuple[str, collections.Counter]], heading: str) -> str:
    width = max([len(heading), *(len(label) for label, _ in rows)])
    head = f"| {heading:<{width}} | tried | refused | let through | not sent | errors |"
    lines = [
        head,
        "|" + "-" * (width + 2) + "|------:|--------:|------------:|---------:|-------:|",
    ]
    for label, counts in rows:
        tried = counts["refused"] + counts["let through"] + counts["error"]
        lines.append(
            f"| {label:<{width}} | {tried:>5} | {counts['refused']:>7} | "
            f"{counts['let through']:>11} | {counts[OUTCOMES[2]]:>8} | {counts['error']:>6} |"
        )
    return "\n".join(lines)


def main() -> int:  # noqa: C901, PLR0912, PLR0915 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--participant", default="KAZ")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--no-reports", action="store_true")
    parser.add_argument("--csv", help="write the role x URL counts to this CSV file")
    args = parser.parse_args()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731

    participant = Participant.objects.get(code=args.participant)
    if args.prepare:
        prepare(args.base, participant, log)
    names, unknown = id_urls()
    if unknown:
        print("URLs that take an id and are in no list (add them):", ", ".join(unknown))
        return 1
    objects = collect(participant)
    markers = set()
    for model, fields in [
        (Action, ("title", "description")),
        (ProgressUpdate, ("narrative",)),
        (Evidence, ("title",)),
        (Assessment, ("justification",)),
    ]:
        for values in model.objects.filter(submission__participant=participant).values_list(
            *fields
        ):
            markers |= {m.group(0) for value in values for m in MARKER.finditer(value or "")}
    members = set(
        User.objects.filter(memberships__participant=participant).values_list("pk", flat=True)
    )
    roles = [Role("anonymous", None, client=Client(args.base))]
    for user in User.objects.filter(is_active=True).order_by("-is_superuser", "username"):
        if user.is_superuser:
            what = "superuser"
        elif user.is_secretariat:
            what = "secretariat"
        else:
            what = ", ".join(
                f"{m.get_role_display().lower()} of {m.participant.code}"
                for m in user.memberships.select_related("participant")
            )
        member = user.pk in members
        label = f"{user.username} ({what}{', control' if member else ''})"
        role = Role(label, user.username, member, user.is_secretariat, user.is_staff)
        role.client = Client(args.base)
        role.client.login(user.username)
        roles.append(role)
    log(
        f"{participant.code}: "
        + ", ".join(f"{len(v)} {k}" for k, v in objects.items())
        + f"; {len(markers)} markers"
    )
    log(f"{len(names)} URL patterns take its ids; {len(roles)} roles")
    tally = Tally()
    run_matrix(roles, names, objects, markers, tally, log)
    run_lists(roles, participant, tally, markers, log)
    if not args.no_reports:
        run_reports(roles, tally, markers, log)

    by_role = collections.defaultdict(collections.Counter)
    by_url = collections.defaultdict(collections.Counter)
    for (label, name), counts in tally.counts.items():
        by_role[label] += counts
        if "control" not in label:
            by_url[name] += counts
    print(f"Participant {participant.code}: {sum(len(v) for v in objects.values())} objects")
    print()
    print(table(list(by_role.items()), "role"))
    print()
    print(table(sorted(by_url.items()), "URL (roles that are not members)"))
    print()
    total = sum(
        (c for label, c in by_role.items() if "control" not in label), collections.Counter()
    )
    print(
        f"Not members: {total['refused'] + total['let through'] + total['error']} requests, "
        f"{total['refused']} refused, {total['let through']} let through "
        f"(each allowed by the rules unless listed below), {total['error']} errors."
    )
    print(f"Findings: {len(tally.findings)}")
    for finding in tally.findings:
        print(f"  {finding}")
    if args.csv:
        with open(args.csv, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["role", "url", *OUTCOMES])
            for (label, name), counts in sorted(tally.counts.items()):
                writer.writerow([label, name, *(counts[o] for o in OUTCOMES)])
    return 1 if tally.findings else 0


if __name__ == "__main__":
    sys.exit(main())
