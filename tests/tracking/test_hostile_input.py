"""Hostile input. Markup in anything a participant files is shown as text, never run, on every
page that shows it: the action with its history, the lists, the submission, the paragraph, the
rating. NUL characters and ids beyond 64 bits, in any field of any page's form or in any path,
are refused with a 4xx or a form error and change nothing."""

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from declarations.models import Paragraph
from tests.conftest import make_pdf
from tests.tracking.filings import rate_all
from tracking import services
from tracking.models import Action, Submission

SCRIPT = '<script>alert("x")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE = f'{SCRIPT}{IMAGE}"><svg/onload=alert(1)>'


def _assert_shown_as_text(page: str) -> None:
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    for raw in (SCRIPT, IMAGE, "<svg/onload"):
        assert raw not in page


@pytest.fixture
def filed(client, cycle, tajikistan, tjk_focal, private_media) -> Action:
    """An action, an update, a link, a file and a rating, each filed through its form with
    markup in every text field (and in the file's name)."""
    client.force_login(tjk_focal)
    paragraph = Paragraph.objects.get(declaration=cycle.declaration, number=6)
    client.post(
        reverse("tracking:action_create"),
        {
            "participant": tajikistan.pk,
            "paragraphs": paragraph.pk,
            "title": f"Plan {HOSTILE}",
            "description": HOSTILE,
            "lead_institution": HOSTILE,
            "partners": HOSTILE,
            "start_date": "2026-02-01",
            "status": "planned",
            "progress": 0,
        },
    )
    action = Action.objects.get()
    client.post(
        reverse("tracking:action_edit", args=[action.pk]),
        {"paragraphs": paragraph.pk, "title": f"Edited {HOSTILE}", "description": HOSTILE,
         "lead_institution": HOSTILE, "partners": HOSTILE, "start_date": "2026-02-01",
         "status": "planned", "progress": 0, "version": action.version},
    )  # fmt: skip
    update = {"date": "2026-03-01", "narrative": HOSTILE, "status": "in_progress", "progress": 5}
    client.post(reverse("tracking:update_create", args=[action.pk]), update)
    evidence = reverse("tracking:evidence_create", args=[action.pk])
    link = {"title": HOSTILE, "url": f"https://example.org/?q={quote(HOSTILE)}", "date": ""}
    client.post(evidence, link)
    upload = SimpleUploadedFile(f"{IMAGE}.pdf", make_pdf(), content_type="application/pdf")
    client.post(evidence, {"title": "Memo", "date": "", "upload": upload})
    client.post(
        reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6]),
        {"rating": "partially", "justification": HOSTILE, "version": 0},
    )
    action.refresh_from_db()
    assert action.title == f"Edited {HOSTILE}" and action.evidence.count() == 2
    assert action.submission.assessments.get().justification == HOSTILE
    return action


def test_every_page_that_shows_filed_markup_shows_it_as_text(client, filed, cycle):
    pages = [
        filed.get_absolute_url(),
        reverse("tracking:actions"),
        reverse("tracking:submission", args=["TJK", cycle.pk]),
        reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6]),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_shown_as_text(response.text)
    # The paragraph page counts the actions and shows none of their text.
    paragraph_page = client.get(reverse("declarations:paragraph", args=[cycle.declaration.slug, 6]))
    assert "See the 1 action on this paragraph" in paragraph_page.text
    for raw in (SCRIPT, IMAGE, "<svg/onload"):
        assert raw not in paragraph_page.text
    action_page = client.get(filed.get_absolute_url()).text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in action_page  # the file's name


def test_a_coordinators_comment_is_shown_as_text(client, filed, cycle, tjk_focal, tjk_coordinator):
    submission = rate_all(filed.submission)
    submission = services.submission_submit(
        submission=submission, version=submission.version, user=tjk_focal
    )
    client.force_login(tjk_coordinator)
    client.post(
        reverse("tracking:submission_review", args=["TJK", cycle.pk]),
        {"decision": "return", "comment": HOSTILE, "version": submission.version},
    )
    assert Submission.objects.get().review_comment == HOSTILE
    client.force_login(tjk_focal)

    for url in (reverse("tracking:submission", args=["TJK", cycle.pk]), reverse("home")):
        _assert_shown_as_text(client.get(url).text)


# --- NUL characters in every field of every page form; ids beyond 64 bits everywhere ---------

HUGE = "9" * 20  # beyond 64 bits: SQLite cannot even compare it
NUL = "a\x00b"  # PostgreSQL refuses it in text


class _Forms(HTMLParser):
    """The forms of a page: method, action and each field with the value it would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self.forms.append(
                {"method": method, "action": a.get("action"), "fields": {}, "kinds": {}}
            )
        elif not self.forms or "name" not in a:
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            kind = a.get("type") or "text"
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["fields"].setdefault(a["name"], None)
            else:
                self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
            self.forms[-1]["kinds"][a["name"]] = kind
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1]["fields"][a["name"]] = None
            self.forms[-1]["kinds"][a["name"]] = "select"
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if fields[self._select] is None or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1]["fields"][a["name"]] = ""
            self.forms[-1]["kinds"][a["name"]] = "textarea"

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms(page) -> list[dict]:
    parser = _Forms()
    parser.feed(page.text)
    return parser.forms


def _snapshot() -> dict:
    """Every row of the two apps, history included: what a refused form must leave alone."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for app in ("tracking", "declarations")
        for model in apps.get_app_config(app).get_models()
    }


def _pages(r) -> list[tuple[str, str]]:
    """(user, page) for every page with a form, as the users who may use it see it."""
    action, cycle = r["action"], r["cycle"]
    return [
        ("tjk_focal", reverse("tracking:action_create")),
        ("tjk_focal", reverse("tracking:action_edit", args=[action.pk])),
        ("tjk_focal", reverse("tracking:update_create", args=[action.pk])),
        ("tjk_focal", reverse("tracking:evidence_create", args=[action.pk])),
        ("tjk_focal", action.get_absolute_url()),
        ("tjk_focal", reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6])),
        ("tjk_focal", reverse("tracking:submission", args=["TJK", cycle.pk])),
        ("tjk_focal", reverse("tracking:report_request")),
        ("tjk_focal", reverse("tracking:reports")),
        ("tjk_focal", reverse("tracking:profile")),
        ("tjk_focal", reverse("tracking:actions")),
        ("tjk_focal", reverse("declarations:detail", args=["dushanbe"])),
        ("secretariat", reverse("tracking:cycle_create")),
        ("secretariat", reverse("tracking:cycle_edit", args=[cycle.pk])),
        ("secretariat", reverse("tracking:cycle", args=[cycle.pk])),
        ("secretariat", reverse("tracking:matrix")),
        ("secretariat", reverse("tracking:completeness")),
        ("secretariat", reverse("tracking:participant", args=["TJK"])),
        ("secretariat", reverse("declarations:upload")),
        ("secretariat", reverse("declarations:list")),
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (None, reverse("public:index")),
    ]


@pytest.fixture
def every_form(cycle, tjk_action, tjk_focal, secretariat, private_media):
    services.evidence_add(action=tjk_action, user=tjk_focal, title="Link", date=None,
                          url="https://example.org/a")  # fmt: skip
    return {"action": tjk_action, "cycle": cycle, "tjk_focal": tjk_focal,
            "secretariat": secretariat}  # fmt: skip


def _clients(r) -> dict:
    """Clients that answer a server error as a user would get it (500), to list them all."""
    clients = {None: Client(raise_request_exception=False)}
    for name in ("tjk_focal", "secretariat"):
        clients[name] = Client(raise_request_exception=False)
        clients[name].force_login(r[name])
    return clients


def test_nul_characters_in_any_field_of_any_form_change_nothing(every_form):
    clients = _clients(every_form)
    sent, failed = 0, []
    for user, url in _pages(every_form):
        page = clients[user].get(url)
        assert page.status_code == 200, url
        for form in _forms(page):
            target = form["action"] or url
            if target == reverse("logout"):
                continue
            fields = {k: v for k, v in form["fields"].items() if v is not None}
            for name in fields:
                if name == "csrfmiddlewaretoken" or form["kinds"][name] == "checkbox":
                    continue  # a ticked box is on whatever it says
                before = _snapshot()
                data = {**fields, name: NUL}
                if form["method"] == "post":
                    response = clients[user].post(target, data)
                else:
                    response = clients[user].get(target, data)
                if response.status_code >= 500 or _snapshot() != before:
                    failed.append((target, name, response.status_code))
                sent += 1
    assert sent > 60
    assert not failed, "\n".join(sorted({str(f) for f in failed}))


def test_ids_beyond_64_bits_in_any_field_of_any_form_change_nothing(every_form):
    clients = _clients(every_form)
    sent, failed = 0, []
    for user, url in _pages(every_form):
        for form in _forms(clients[user].get(url)):
            target = form["action"] or url
            if target == reverse("logout"):
                continue
            fields = {k: v for k, v in form["fields"].items() if v is not None}
            for name in fields:
                if name == "csrfmiddlewaretoken" or form["kinds"][name] not in (
                    "select",
                    "hidden",
                    "number",
                ):
                    continue  # the fields that carry an id or a number
                before = _snapshot()
                send = getattr(clients[user], form["method"])
                response = send(target, {**fields, name: HUGE})
                if response.status_code >= 500 or _snapshot() != before:
                    failed.append((target, name, response.status_code))
                sent += 1
    assert sent > 5
    assert not failed, "\n".join(sorted({str(f) for f in failed}))


def _routes_with_ids(patterns, prefix=""):
    """Every page route that takes an integer in its path, as its route string."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes_with_ids(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern.pattern, RoutePattern) and any(
            isinstance(c, IntConverter)
            for c in pattern.pattern.converters.values()  # <id:> too
        ):
            yield prefix + str(pattern.pattern)


def test_an_id_beyond_64_bits_in_any_path_is_not_found(every_form):
    clients = _clients(every_form)
    routes = list(_routes_with_ids(get_resolver().url_patterns))
    assert len(routes) >= 30
    names = {"slug": "dushanbe", "str": "TJK"}
    failed = []

    for route in routes:
        url = "/" + re.sub(r"<(\w+):\w+>", lambda m: names.get(m.group(1), HUGE), route)
        for client in clients.values():
            before = _snapshot()
            for response in (client.get(url), client.post(url, {})):
                if response.status_code not in (302, 403, 404, 405):
                    failed.append((url, response.status_code))
            if _snapshot() != before:
                failed.append((url, "changed"))
    assert not failed, "\n".join(sorted({str(f) for f in failed}))
