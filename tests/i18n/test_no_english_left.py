"""No English left: each role's main pages in each language show no text of the English page
that is not data.

Every text node a reader sees or hears (text, <title>, SVG labels, aria-label, title,
placeholder, alt, button values) of the page in a language is compared with the same page in
English. A text with letters found in both fails, unless it is data (names of participants,
people, actions, declarations... from the database), inside an element marked as another
language (the language chooser's own names), or a translation the catalogs deliberately keep
the same ("Description" in French). These fail until the catalogs are translated: what they
list is either a string to translate or a string that is not marked for translation.
"""

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from declarations.models import (
    Declaration,
    DeclarationImport,
    Paragraph,
    Reference,
    Section,
    Theme,
)
from tests.conftest import ROOT
from tracking import services
from tracking.models import (
    Action,
    Assessment,
    Chase,
    Evidence,
    Participant,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
    User,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
SPACES = re.compile(r"\s+")
# Attributes a reader meets: shown as tooltips or read by screen readers.
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
# The same in every language: names of file formats, and the HTTP header an API token goes in.
UNIVERSAL = {"CSV", "PDF", "XLSX", "ZIP", "Authorization: Bearer"}
# The secret an authenticator app is given on the two-factor page (base32): data.
SECRET = re.compile(r"[A-Z2-7]{16,}")
SILENT = {"script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Texts(HTMLParser):
    """The texts of a page a reader meets, except those marked as another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []  # (tag, lang)
        self.texts: list[str] = []
        self.page_language: str | None = None

    def _language(self) -> str | None:
        return next((lang for _tag, lang in reversed(self.stack) if lang), None)

    def _silent(self) -> bool:
        foreign = self._language() not in (None, self.page_language)
        return foreign or any(tag in SILENT for tag, _lang in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_language = attrs.get("lang")
        if tag not in VOID:
            self.stack.append((tag, attrs.get("lang")))
        if self._silent():
            return
        texts = [value for name, value in attrs.items() if name in READ_ATTRIBUTES and value]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            texts.append(attrs["value"])
        self.texts.extend(texts)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._silent():
            self.texts.append(data)


def texts(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return {SPACES.sub(" ", text).strip() for text in parser.texts} - {""}


def data_strings() -> list[str]:
    """What the database holds and pages show as it is, longest first."""
    values = set()
    fields = {
        Participant: ["name", "code"],
        User: ["username", "first_name", "last_name", "email"],
        Action: ["title", "lead_institution", "description", "partners"],
        ProgressUpdate: ["narrative"],
        Evidence: ["title", "original_name", "url"],
        Assessment: ["justification"],
        Submission: ["review_comment"],
        ReportingCycle: ["name"],
        Declaration: ["title", "short_title", "symbol", "place", "slug"],
        Paragraph: ["verb", "text"],
        Section: ["number", "title"],
        Theme: ["name"],
        Reference: ["name"],
        DeclarationImport: ["filename"],
    }
    for model, names in fields.items():
        for row in model.objects.values_list(*names):
            values.update(str(value) for value in row if value)
    for user in User.objects.all():
        values.add(user.get_full_name())
    for cycle in ReportingCycle.objects.select_related("declaration"):
        values.add(str(cycle))
    for participant in Participant.objects.all():
        for language in LANGUAGES:
            with translation.override(language):
                values.add(participant.display_name)
    return sorted((SPACES.sub(" ", v).strip() for v in values if v.strip()), key=len, reverse=True)


def kept_the_same(language: str) -> list[re.Pattern]:
    """The words of the catalogs' translations (ours and Django's) that are their source text:
    "Description" in French, "KB" of "%s KB" in Chinese, "actions" of "%(counter)s actions"."""
    kept = set()
    for key, value in trans_real.translation(language)._catalog.items():
        if value and key and value == (key[0] if isinstance(key, tuple) else key):
            kept.add(value)
    po = ROOT / "locale" / translation.to_locale(language) / "LC_MESSAGES" / "django.po"
    with po.open("rb") as source:
        for message in read_po(source):
            if message.pluralizable:  # Django's catalog keeps no plural source text
                kept.update(form for form in message.string if form in message.id)
    words = set()
    for value in kept:
        for part in re.split(r"%\(\w+\)[sd]|%[sd]", value):
            if len(LETTERS.findall(part)) >= 2:
                words.add(part.strip())
    return [re.compile(re.escape(word)) for word in sorted(words, key=len, reverse=True)]


def english_left(english_html: str, html: str, language: str, data: list[str]) -> list[str]:
    kept = kept_the_same(language)
    left = []
    for text in sorted(texts(html) & texts(english_html)):
        if text in UNIVERSAL or SECRET.fullmatch(text):
            continue
        # A piece of a declaration's text, split by its emphasis (the lead verb in italics).
        if len(text) >= 8 and any(text in value for value in data):
            continue
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        for pattern in kept:
            rest = pattern.sub(" ", rest)
        if LETTERS.search(rest):
            left.append(text)
    return left


@pytest.fixture
def reports(records, tjk_focal, secretariat, declaration, cycle):
    """A report in each state a user meets on My reports."""
    for user in (tjk_focal, secretariat):
        for state, error in [
            (Report.State.QUEUED, ""),
            (Report.State.RUNNING, ""),
            (Report.State.SUCCEEDED, ""),
            (Report.State.FAILED, "The file could not be written; try again."),
        ]:
            Report.objects.create(
                requested_by=user, declaration=declaration, cycle=cycle, format=Report.Format.PDF,
                state=state, error=error, progress=40 if state == Report.State.RUNNING else 0,
            )  # fmt: skip
    DeclarationImport.objects.create(filename="declaration.md", source_text="Text")
    now = timezone.now()
    Chase.objects.create(
        cycle=records.next_cycle, participant=records.fiu.participant, by=secretariat, at=now,
        on=now.date(),
    )  # fmt: skip
    # The public view of 2026, where Kazakhstan's submission is approved.
    kazakh = Submission.objects.get(participant__code="KAZ", cycle=cycle)
    kazakh.state = Submission.State.APPROVED
    kazakh.save()
    services.cycle_publish(cycle=cycle, user=secretariat, licence="CC BY 4.0", licence_url="")


def _pages(role: str, r) -> list[tuple[str, str, dict | None]]:
    """The main pages of each role: (method, URL, data); a POST follows its redirect, so that
    the page with the form's errors or the message it left is compared."""
    submission_2026, submission_2027 = r.fiu.submission, r.fiu_2027.submission
    sub_2026, sub_2027 = ["TJK", submission_2026.cycle_id], ["TJK", submission_2027.cycle_id]
    cycle_2026 = submission_2026.cycle_id
    declaration = r.fiu.declaration
    memo = r.fiu_2027.evidence.get()

    def get(*urls: str) -> list[tuple[str, str, None]]:
        return [("get", url, None) for url in urls]

    common = get(
        reverse("home"),
        reverse("declarations:list"),
        reverse("declarations:detail", args=[declaration.slug]),
        reverse("declarations:paragraph", args=[declaration.slug, 5]),
        reverse("tracking:actions"),
        f"{reverse('tracking:actions')}?status=planned&q=nothing-matches",
        reverse("tracking:reports"),
        reverse("tracking:report_request"),
        reverse("tracking:profile"),
        reverse("password_change"),
        reverse("two_factor_setup"),
    ) + [
        ("post", reverse("tracking:report_request"), {"format": "csv"}),
        ("post", reverse("tracking:profile"), {"email": "me@example.org", "language": ""}),
        ("post", reverse("tracking:profile"), {"email": "not an address"}),
        ("post", reverse("password_change"), {"old_password": "wrong"}),
    ]
    pages = {
        "anonymous": get(
            reverse("login"),
            reverse("password_reset"),
            reverse("password_reset_done"),
            reverse("password_reset_confirm", args=["MQ", "set-password"]),
        )
        + [
            ("post", reverse("login"), {"username": "tjk-focal", "password": "wrong"}),
            ("post", reverse("password_reset"), {"email": "not an address"}),
            *get(
                reverse("public:index"),
                reverse("public:cycle", args=[declaration.slug, cycle_2026]),
                reverse("public:participant", args=[declaration.slug, cycle_2026, "KAZ"]),
            ),
        ],
        "focal_point": [
            *common,
            *get(
                r.fiu_2027.get_absolute_url(),
                r.fiu.get_absolute_url(),
                reverse("tracking:action_create"),
                reverse("tracking:action_edit", args=[r.fiu_2027.pk]),
                reverse("tracking:assessment_edit", args=[*sub_2027, 1]),
                reverse("tracking:submission", args=sub_2027),
                reverse("tracking:submission", args=sub_2026),
                reverse("tracking:participant", args=["TJK"]),
                reverse("tracking:evidence_delete", args=[memo.pk]),
                "/tracking/actions/999999/",
                reverse("tracking:matrix"),
            ),
            ("post", reverse("tracking:action_create"), {"title": ""}),
            ("post", reverse("tracking:update_create", args=[r.fiu_2027.pk]), {"progress": 400}),
            ("post", reverse("tracking:evidence_create", args=[r.fiu_2027.pk]), {"title": ""}),
            (
                "post",
                reverse("tracking:assessment_edit", args=[*sub_2027, 1]),
                {"rating": "fully", "justification": "", "version": 0},
            ),
            ("post", reverse("tracking:submission_submit", args=sub_2027), {"version": 1}),
        ],
        "coordinator": [
            *get(
                reverse("home"),
                reverse("tracking:submission", args=sub_2026),
                r.fiu.get_absolute_url(),
                reverse("tracking:evidence_downloads", args=[memo.pk]),
            ),
            (
                "post",
                reverse("tracking:submission_review", args=sub_2026),
                {"decision": "return", "comment": "", "version": submission_2026.version},
            ),
        ],
        "viewer": get(reverse("home"), r.fiu.get_absolute_url(), reverse("tracking:matrix")),
        "secretariat": [
            *common,
            *get(
                reverse("tracking:matrix"),
                f"{reverse('tracking:matrix')}?cycle={cycle_2026}",
                reverse("tracking:completeness"),
                reverse("tracking:cycles"),
                reverse("tracking:cycle", args=[cycle_2026]),
                reverse("tracking:cycle_create"),
                reverse("tracking:cycle_edit", args=[cycle_2026]),
                reverse("tracking:submission", args=sub_2026),
                r.fiu.get_absolute_url(),
                reverse("tracking:participant", args=["TJK"]),
                reverse("declarations:upload"),
                reverse("declarations:import", args=[DeclarationImport.objects.get().pk]),
                reverse("tracking:cycle_publish", args=[cycle_2026]),
                reverse("tracking:cycle_withdraw", args=[cycle_2026]),
            ),
            ("post", reverse("tracking:cycle_create"), {"name": ""}),
            ("post", reverse("tracking:cycle_open", args=[cycle_2026]), {}),
            ("post", reverse("tracking:cycle_close", args=[cycle_2026]), {}),
            ("post", reverse("tracking:cycle_close", args=[cycle_2026]), {"confirming": "1"}),
            ("post", reverse("declarations:upload"), {}),
        ],
    }
    return pages[role]


ROLES = {
    "anonymous": None,
    "focal_point": "tjk_focal",
    "coordinator": "tjk_coordinator",
    "viewer": "tjk_viewer",
    "secretariat": "secretariat",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_is_left_on_the_main_pages(
    client, request, records, reports, tjk_coordinator, tjk_viewer, role, language
):
    if ROLES[role]:
        client.force_login(request.getfixturevalue(ROLES[role]))
    data = data_strings()
    found = {}

    for method, url, form in _pages(role, records):
        pages = []
        for accept in ("en", language):
            response = getattr(client, method)(
                url, form, follow=method == "post", headers={"accept-language": accept}
            )
            pages.append(response)
        english, other = pages
        assert english.status_code == other.status_code, url
        assert f'<html lang="{language}"' in other.text, url
        left = english_left(english.text, other.text, language, data)
        if left:
            found[f"{method.upper()} {url}"] = left

    assert found == {}
