"""Which language a page shows a declaration in, and the links to its other languages.

A declaration can be read in its own text's language and in each of its `DeclarationVersion`s.
A page shows the language asked for with ``?lang=``, else the user's active language when the
declaration has it, else its own text; ``?compare=`` adds a second language beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from django.http import HttpRequest, QueryDict
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_info

from .models import Declaration, DeclarationVersion, Language, language_code, language_direction


@dataclass
class Edition:
    """The declaration in one language: its own text (`version` None) or a version."""

    language: str
    status: str
    version: DeclarationVersion | None = None
    url: str = ""
    compare_url: str = ""

    @property
    def name(self) -> str:
        return str(Language(self.language).label)

    @property
    def name_local(self) -> str:
        return get_language_info(self.language)["name_local"]

    @property
    def direction(self) -> str:
        return language_direction(self.language)

    @property
    def is_official(self) -> bool:
        return self.status == DeclarationVersion.Status.OFFICIAL

    @property
    def status_label(self) -> str:
        return str(DeclarationVersion.Status(self.status).label)

    def title(self, declaration: Declaration) -> str:
        return self.version.title if self.version else declaration.title

    def section_heading(self, section) -> str:
        """The heading of a section of the declaration, as this language writes it."""
        headings = self.version.sections if self.version else []
        if 0 < section.order <= len(headings):
            return headings[section.order - 1]["heading"]
        return str(section)


@dataclass
class Reading:
    """What a page shows: one edition, maybe a second beside it, and every edition to link."""

    declaration: Declaration
    shown: Edition
    compare: Edition | None
    editions: list[Edition]
    # The user's language, when the declaration has no text in it (the page says so).
    missing: str = ""
    # What links to the declaration's other pages add to stay in these languages.
    query: str = ""

    @property
    def missing_name(self) -> str:
        return str(Language(self.missing).label) if self.missing else ""

    @property
    def title(self) -> str:
        return self.shown.title(self.declaration)

    @property
    def compare_title(self) -> str:
        return self.compare.title(self.declaration) if self.compare else ""

    @property
    def versions(self) -> list[DeclarationVersion]:
        return [e.version for e in self.displayed if e.version]

    @property
    def displayed(self) -> list[Edition]:
        return [self.shown, self.compare] if self.compare else [self.shown]

    @property
    def working_translations(self) -> list[Edition]:
        return [edition for edition in self.displayed if not edition.is_official]

    def attach(self, paragraphs, texts) -> None:
        """Gives each paragraph `shown_text` (and `compare_text`): its wording in that language,
        or its own when the version lacks it; and its section the `headings` to show."""
        for paragraph in paragraphs:
            paragraph.shown_text = texts.get((self.shown.language, paragraph.pk), paragraph)
            if self.compare:
                key = (self.compare.language, paragraph.pk)
                paragraph.compare_text = texts.get(key, paragraph)
            if paragraph.section_id is not None:
                section = paragraph.section
                section.headings = [(e, e.section_heading(section)) for e in self.displayed]


def reading(
    request: HttpRequest, declaration: Declaration, versions: list[DeclarationVersion]
) -> Reading:
    """The editions of the declaration, and which the request shows."""
    official = DeclarationVersion.Status.OFFICIAL
    editions = [Edition(declaration.language, official)]
    editions += [
        Edition(v.language, v.status, v) for v in sorted(versions, key=attrgetter("language"))
    ]
    by_language = {edition.language: edition for edition in editions}
    asked = language_code(request.GET.get("lang"))
    active = language_code(get_language())
    # What the user asked for, else their language, else the declaration's own text.
    shown = by_language.get(asked) or by_language.get(active) or editions[0]
    compare = by_language.get(language_code(request.GET.get("compare")))
    if compare is shown:
        compare = None
    for edition in editions:
        edition.url = _url(request.GET, lang=edition.language)
        edition.compare_url = _url(request.GET, lang=shown.language, compare=edition.language)
    missing = active if active and active not in by_language and asked != shown.language else ""
    chosen = {"lang": shown.language} if asked == shown.language else {}
    if compare:
        chosen = {"lang": shown.language, "compare": compare.language}
    return Reading(
        declaration,
        shown,
        compare,
        editions,
        missing=missing,
        query="?" + urlencode(chosen) if chosen else "",
    )


def _url(query: QueryDict, **values: str) -> str:
    query = query.copy()
    for name in ("lang", "compare"):
        query.pop(name, None)
    query.update(values)
    return "?" + query.urlencode()
