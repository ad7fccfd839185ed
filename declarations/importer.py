"""Turns a UN document in Markdown into declaration records.

`parse_declaration` is a plain, line-based function: it returns a `ParsedDeclaration` or raises
`DeclarationFormatError` naming the line. `write_declaration` stores a parsed declaration in one
transaction, creating it or updating it in place so that records pointing at its paragraphs
survive a corrected text.

The form understood is the one of a General Assembly document:

- a header with the date (the line after ``Distr.:``), ``## Seventy-second session``,
  ``Agenda item 109`` and optional ``Symbol:``, ``Session:``, ``Place:`` and ``Adopted on:`` lines;
- an annex (a block starting with ``**Annex``), ``[Original: Russian]`` and the title in bold;
- preambular clauses led by an italic word or phrase (``*Noting* ...``);
- numbered operative paragraphs (``5. *Reaffirm* ...``), which may continue after a blank line and
  carry sub-items ``(a)``, ``(b)``; section headings (``## I. Title``) group what follows;
- a horizontal rule or a level-one heading ends the annex.

A language version of a declaration (`parse_version`, `write_version`) is the same document as
the UN publishes it in that language: its own annex marker ("Приложение", "Annexe", "المرفق",
"附件" ...), section numbering, paragraph numbering ("1 -" in Arabic), sub-items ("a)", "(أ)"),
lower-case lead verbs (*ссылаясь*) and punctuation. `DIALECTS` holds what differs. Its header
is kept as written; its sections, paragraphs and their parts must match the declaration's own
text one for one (`check_structure`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NoReturn

from django.conf import settings
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from .models import (
    Declaration,
    DeclarationVersion,
    Language,
    Paragraph,
    ParagraphText,
    Reference,
    Section,
)

RESERVED_SLUGS = {"upload", "imports"}

_DATE = (
    r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}"
)

_DATE_LINE = re.compile(rf"^({_DATE})$")
_SESSION_HEADING = re.compile(r"^#{1,6}\s+(.*\bsession)\s*$", re.IGNORECASE)
_KEY_LINE = re.compile(r"^(Symbol|Session|Place|Adopted on):\s+(.+?)\s*$")
_AGENDA_ITEM = re.compile(r"^Agenda items?\s+(.+?)\s*$")
_HEADER_ORIGINAL = re.compile(r"^Original:\s*(.+?)\s*$")
_ANNEX_ORIGINAL = re.compile(r"^\[Original:\s*(.+?)\]$")
_HELD_IN = re.compile(
    r"held in ([A-Z][\w'-]*(?: [A-Z][\w'-]*)*),? (?:on|from) "
    rf"(?:\d{{1,2}}(?: (?:and|to)|-|–) ?)?({_DATE})"
)
_BRACKETED_NOTE = re.compile(r"^\[[^\]]+\]$")
_BOLD_BLOCK = re.compile(r"^\*\*(?!\*)(.+?)\*\*$")
_HEADING = re.compile(r"^#{1,6}\s")
_LEVEL_ONE_HEADING = re.compile(r"^#\s")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})\s*$")
_ITALIC_LEAD = re.compile(r"^\*(?!\*)([^*]+?)\*(?!\*)(\s*)(.*)$")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_SC_RESOLUTION = re.compile(r"^(?:resolution\s+)?(\d{1,4}) \((\d{4})\)$")
_GA_RESOLUTION = re.compile(r"^(?:resolution\s+)?(\d{1,3}/\d{1,4})$")
# A part ending with one of these ends its sentence: in a script without capitals, what follows
# after a blank line is a part of its own, not the sentence continued.
_SENTENCE_END = set(".;:!?。；：！？؛؟")


def _annex(marker: str) -> re.Pattern:
    return re.compile(rf"^(?:#{{1,6}}\s*)?(?:\*\*)?{marker}")


@dataclass(frozen=True)
class Dialect:
    """How a UN document is written in one language, as far as the parser must know."""

    marker: str  # the word that opens the annex, for messages
    annex: re.Pattern  # the block that opens the annex
    section: re.Pattern  # a section heading: its number (group 1) and title (group 2)
    numbered: re.Pattern  # an operative paragraph: its number (group 1) and the rest
    sub_item: re.Pattern  # "(a) ", "a) ", "(أ) ", "（a）"
    number_format: str = "{}. "  # how the exporter writes a paragraph's number
    cased: bool = True  # a block starting in lower case continues the sentence before it
    joiner: str = " "  # what joins the lines of a block and a sentence continued

    def starts_new_part(self, previous: str, text: str) -> bool:
        """Whether a block after a paragraph's part is a part of its own or that part continued."""
        if self.sub_item.match(text):
            return True
        if self.cased:
            return not text[:1].islower()
        return previous.rstrip()[-1:] in _SENTENCE_END


_ROMAN_OR_LETTER_SECTION = re.compile(r"^#{2,6}\s+([IVXLCDM]+|[A-Z]|\d+)\.\s+(.+?)\s*$")
_LATIN_SUB_ITEM = re.compile(r"^\(?(?:[a-z]{1,2}|[ivxl]+)\)\s")

ENGLISH = Dialect(
    marker="Annex",
    annex=_annex(r"Annex\b"),
    section=_ROMAN_OR_LETTER_SECTION,
    numbered=re.compile(r"^(\d+)\.\s+(.*)$"),
    sub_item=re.compile(r"^\((?:[a-z]{1,2}|[ivxl]+)\)\s"),
)
DIALECTS: dict[str, Dialect] = {
    Language.ENGLISH: ENGLISH,
    # French and Spanish documents letter sub-items "a)", "b)".
    Language.FRENCH: Dialect(
        marker="Annexe",
        annex=_annex(r"Annexe\b"),
        section=_ROMAN_OR_LETTER_SECTION,
        numbered=ENGLISH.numbered,
        sub_item=_LATIN_SUB_ITEM,
    ),
    Language.SPANISH: Dialect(
        marker="Anexo",
        annex=_annex(r"Anexo\b"),
        section=_ROMAN_OR_LETTER_SECTION,
        numbered=ENGLISH.numbered,
        sub_item=_LATIN_SUB_ITEM,
    ),
    Language.RUSSIAN: Dialect(
        marker="Приложение",
        annex=_annex(r"Приложение\b"),
        section=re.compile(r"^#{2,6}\s+([IVXLCDM]+|[A-ZА-ЯЁ]|\d+)\.\s+(.+?)\s*$"),
        numbered=ENGLISH.numbered,
        sub_item=re.compile(r"^\(?(?:[a-z]{1,2}|[ivxl]+|[а-яё])\)\s"),
    ),
    # Arabic documents number paragraphs "1 -", sections "أولا -" and sub-items "(أ)", "(هـ)".
    Language.ARABIC: Dialect(
        marker="المرفق",
        annex=_annex(r"(?:ال)?مرفق"),
        section=re.compile(r"^#{2,6}\s+([^\s.\-–—]+)\s*[.\-–—]\s+(.+?)\s*$"),
        numbered=re.compile(r"^(\d+)\s*[-–—.]\s+(.*)$"),
        sub_item=re.compile(r"^\((?:[\u0621-\u064A]\u0640?|[a-z]{1,2}|[ivxl]+)\)\s"),
        number_format="{} - ",
        cased=False,
    ),
    # Chinese documents end the annex's heading with "附件" ("... 的信的附件"), number sections
    # "一、" or "一." and write no space between words.
    Language.CHINESE: Dialect(
        marker="附件",
        annex=_annex(r"(?:附件|[^*]*的附件\*\*\s*$)"),
        section=re.compile(
            r"^#{2,6}\s+([一二三四五六七八九十百]+|[IVXLCDM]+|[A-Z]|\d+)\s*[.．、]\s*(.+?)\s*$"
        ),
        numbered=re.compile(r"^(\d+)\s*[.．]\s*(.*)$"),
        sub_item=re.compile(r"^[（(](?:[a-z]{1,2}|[ivxl]+)[）)]\s*"),
        cased=False,
        joiner="",
    ),
}


class DeclarationImportError(Exception):
    """An import that was refused; nothing was written."""


class DeclarationFormatError(DeclarationImportError, ValueError):
    """The text is not a declaration in the expected form; `line` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class DeclarationTooLargeError(DeclarationImportError):
    """The document, or one of its paragraphs, is over the size a declaration may have."""


class DeclarationRefusedError(DeclarationImportError):
    """The text is well formed but cannot be stored (e.g. it drops a paragraph in use)."""


@dataclass(frozen=True)
class ParsedReference:
    name: str
    kind: str


@dataclass
class ParsedSection:
    number: str
    title: str
    line: int
    heading: str = ""  # as written, without its "##"


@dataclass
class ParsedParagraph:
    kind: str
    number: int | None
    verb: str
    parts: list[str]
    section: str | None
    line: int
    part_lines: list[int] = field(default_factory=list)

    @property
    def text_markdown(self) -> str:
        return "\n\n".join(self.parts)

    @property
    def text(self) -> str:
        return "\n\n".join(to_plain_text(part) for part in self.parts)

    @property
    def references(self) -> list[ParsedReference]:
        found: dict[str, ParsedReference] = {}
        for part in self.parts:
            for reference in references_in(part):
                found.setdefault(reference.name, reference)
        return list(found.values())


@dataclass
class ParsedDeclaration:
    """The declaration's own text; also, with `language` set, a language version of it."""

    title: str
    symbol: str = ""
    document_date: date | None = None
    session: str = ""
    agenda_item: str = ""
    original_language: str = ""
    place: str = ""
    adopted_on: date | None = None
    sections: list[ParsedSection] = field(default_factory=list)
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    end_line: int = 0  # where the annex ends: the line the structure check names for a shortfall
    # A language version only: its language and what it writes before its title, as written.
    language: str = ""
    header: str = ""
    annex_heading: str = ""
    original_note: str = ""

    @property
    def short_title(self) -> str:
        """The title without a final "Declaration": "Dushanbe Declaration" -> "Dushanbe"."""
        return re.sub(r"\s+Declaration$", "", self.title).strip() or self.title

    @property
    def default_slug(self) -> str:
        return slugify(self.short_title)[:100] or "declaration"


# Markdown to plain text ----------------------------------------------------------------------


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


@dataclass(frozen=True)
class _Link:
    start: int
    end: int
    label: str


def _label_end(markdown: str, start: int) -> int:
    """Where the label opened at `start` ends: its closing "]", or -1 if it never closes.

    A backslash escapes the next character (not a line break), so "\\]" does not close it.
    """
    i, n = start + 1, len(markdown)
    while i < n:
        char = markdown[i]
        if char == "]":
            return i
        if char == "\\":
            if i + 1 == n or markdown[i + 1] == "\n":
                return -1
            i += 2
        else:
            i += 1
    return -1


def _links(markdown: str) -> Iterator[_Link]:
    """The Markdown links ``[label](target)``, left to right, in linear time.

    A regular expression tried at every "[" rescans the rest of the text each time: 30,000
    unclosed brackets took 23 s. Every "[" inside a label scans to that same closing "]", so
    when one start fails all starts up to its "]" fail too, and the scan moves past it.
    """
    position = 0
    while (start := markdown.find("[", position)) >= 0:
        close = _label_end(markdown, start)
        if close < 0:
            # Another "[" later could still close after an escaped line break.
            position = _after_break(markdown, start)
            if position < 0:
                return
            continue
        if markdown.startswith("(", close + 1):
            end = markdown.find(")", close + 2)
            if end < 0:
                return  # no ")" anywhere after: no link can end
            yield _Link(start, end + 1, markdown[start + 1 : close])
            position = end + 1
        else:
            position = close + 1


def _after_break(markdown: str, start: int) -> int:
    """After the escape that ended an unclosed label (backslash and line break), or -1."""
    i, n = start + 1, len(markdown)
    while i < n:
        if markdown[i] == "\\":
            if i + 1 == n:
                return -1
            if markdown[i + 1] == "\n":
                return i + 1
            i += 2
        else:
            i += 1
    return -1


def to_plain_text(markdown: str) -> str:
    """The text a reader sees: links become their text, emphasis and escapes disappear."""
    pieces, position = [], 0
    for link in _links(markdown):
        pieces += [markdown[position : link.start], link.label]
        position = link.end
    text = "".join(pieces) + markdown[position:]
    text = re.sub(r"(?<!\\)\*", "", text)
    return re.sub(r"\s+", " ", _unescape(text)).strip()


def references_in(markdown: str) -> list[ParsedReference]:
    """The resolutions a part cites as links, e.g. ``[1373 \\(2001\\)](#)``."""
    found = []
    for link in _links(markdown):
        label = to_plain_text(link.label)
        if sc := _SC_RESOLUTION.match(label):
            before = markdown[: link.start]
            if before.rfind("General Assembly") > before.rfind("Security Council"):
                name = f"General Assembly resolution {sc.group(1)} ({sc.group(2)})"
                found.append(ParsedReference(name, Reference.Kind.GA_RESOLUTION))
            else:
                name = f"Security Council resolution {sc.group(1)} ({sc.group(2)})"
                found.append(ParsedReference(name, Reference.Kind.SC_RESOLUTION))
        elif ga := _GA_RESOLUTION.match(label):
            name = f"General Assembly resolution {ga.group(1)}"
            found.append(ParsedReference(name, Reference.Kind.GA_RESOLUTION))
    return found


def _parse_date(text: str, line: int) -> date:
    for fmt in ("%d %B %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise DeclarationFormatError(line, _("“%(text)s” is not a date.") % {"text": text})


# Parsing -------------------------------------------------------------------------------------


@dataclass
class _Block:
    """Consecutive non-blank lines; a numbered paragraph or a sub-item always starts a block."""

    line: int
    lines: list[str]
    joiner: str = " "

    @property
    def text(self) -> str:
        return self.joiner.join(line.strip() for line in self.lines)


def _blocks(text: str, dialect: Dialect = ENGLISH) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        starts_block = bool(
            dialect.numbered.match(line) or dialect.sub_item.match(line) or _HEADING.match(line)
        )
        if not line:
            current = None
        elif current is None or starts_block or _HEADING.match(current.lines[-1]):
            current = _Block(number, [line], dialect.joiner)
            blocks.append(current)
        else:
            current.lines.append(line)
    return blocks


def _check_emphasis(block: _Block) -> None:
    if block.text.replace("\\*", "").count("*") % 2:
        raise DeclarationFormatError(
            block.line, _("Unterminated emphasis: a “*” is opened but never closed.")
        )


def _parse_header(blocks: list[_Block], declaration: ParsedDeclaration) -> str:
    """Reads the metadata of the header; returns the language of the header's "Original:"."""
    header_language = ""
    for block in blocks:
        for offset, line in enumerate(block.lines):
            number = block.line + offset
            if key := _KEY_LINE.match(line):
                name, value = key.group(1), key.group(2)
                if name == "Symbol":
                    declaration.symbol = value
                elif name == "Session":
                    declaration.session = value
                elif name == "Place":
                    declaration.place = value
                else:
                    declaration.adopted_on = _parse_date(value, number)
            elif agenda := _AGENDA_ITEM.match(line):
                declaration.agenda_item = agenda.group(1)
            elif session := _SESSION_HEADING.match(line):
                declaration.session = session.group(1)
            elif (original := _HEADER_ORIGINAL.match(line)) and not header_language:
                header_language = original.group(1)
            elif (when := _DATE_LINE.match(line)) and declaration.document_date is None:
                declaration.document_date = _parse_date(when.group(1), number)
    return header_language


def _infer_adoption(text: str, declaration: ParsedDeclaration) -> None:
    """Place and date from "held in Dushanbe on 3 and 4 May 2018" (the last day)."""
    held = _HELD_IN.search(re.sub(r"\s+", " ", text))
    if held:
        declaration.place = declaration.place or held.group(1)
        if declaration.adopted_on is None:
            declaration.adopted_on = datetime.strptime(held.group(2), "%d %B %Y").date()  # noqa: DTZ007


def check_size(text: str) -> None:
    """Refuses a document or a block of text over the caps (DECLARATION_MAX_*), before parsing.

    The paragraphs as parsed are checked again by `parse_declaration`: one may span blocks.
    """
    size, limit = len(text.encode("utf-8", "surrogatepass")), settings.DECLARATION_MAX_BYTES
    if size > limit:
        raise DeclarationTooLargeError(
            _("The document is %(size)s; the limit is %(limit)s. Nothing was imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    for block in _blocks(text):
        _check_paragraph_size(len(block.text), block.line)


def _check_paragraph_size(length: int, line: int) -> None:
    limit = settings.DECLARATION_MAX_PARAGRAPH_CHARS
    if length > limit:
        raise DeclarationTooLargeError(
            _(
                "Line %(line)d: the paragraph is %(length)s characters long; the limit is "
                "%(limit)s. Nothing was imported."
            )
            % {"line": line, "length": f"{length:,}", "limit": f"{limit:,}"}
        )


def parse_declaration(text: str) -> ParsedDeclaration:
    """Parses a declaration; raises `DeclarationFormatError` naming the first bad line."""
    check_size(text)
    blocks = _blocks(text)
    annex_at = _annex_at(blocks, ENGLISH, text)
    declaration = ParsedDeclaration(title="")
    header_language = _parse_header(blocks[:annex_at], declaration)
    body = blocks[annex_at + 1 :]
    title_at, notes = _annex_title(body, blocks[annex_at], declaration, _ANNEX_ORIGINAL)
    for original in notes:
        declaration.original_language = original.group(1)
    declaration.original_language = declaration.original_language or header_language
    _parse_annex_body(body, title_at, text, declaration, ENGLISH)

    intro = " ".join(b.text for b in blocks[: annex_at + 1 + title_at])
    intro += " " + " ".join(b.text for b in body[title_at + 1 :][:3])
    _infer_adoption(intro, declaration)
    return declaration


def _annex_at(blocks: list[_Block], dialect: Dialect, text: str) -> int:
    # The whole block: a Chinese heading ends with its marker, maybe lines after it starts.
    annex_at = next((i for i, b in enumerate(blocks) if dialect.annex.match(b.text)), None)
    if annex_at is None:
        raise DeclarationFormatError(
            max(len(text.splitlines()), 1),
            _("No annex found: expected a line starting with “**%(marker)s”.")
            % {"marker": dialect.marker},
        )
    return annex_at


def _annex_title(
    body: list[_Block], annex: _Block, parsed: ParsedDeclaration, note: re.Pattern
) -> tuple[int, list[re.Match]]:
    """Finds the bold title after the annex's notes; returns its index and the notes."""
    notes = []
    for i, block in enumerate(body):
        if found := note.match(block.text):
            notes.append(found)
        elif bold := _BOLD_BLOCK.match(block.text):
            parsed.title = to_plain_text(bold.group(1))
            return i, notes
        else:
            raise DeclarationFormatError(
                block.line,
                _("Expected the title of the declaration in bold (“**… Declaration**”)."),
            )
    line = body[-1].line if body else annex.line
    raise DeclarationFormatError(line, _("The annex has no title in bold."))


def _parse_annex_body(
    body: list[_Block], title_at: int, text: str, parsed: ParsedDeclaration, dialect: Dialect
) -> None:
    end = _parse_body(body[title_at + 1 :], parsed, dialect)
    parsed.end_line = end or max(len(text.splitlines()), 1)
    for paragraph in parsed.paragraphs:
        _check_paragraph_size(len(paragraph.text_markdown), paragraph.line)
    if not any(p.number is not None for p in parsed.paragraphs):
        line = body[-1].line if len(body) > title_at + 1 else body[title_at].line
        raise DeclarationFormatError(
            line, _("No operative paragraph found: expected lines such as “1. *Decide* …”.")
        )


def _parse_body(blocks: list[_Block], declaration: ParsedDeclaration, dialect: Dialect) -> int:
    """Reads the clauses and sections; returns the line of the rule that ends them, or 0."""
    operative = Paragraph.Kind.OPERATIVE
    preambular = Paragraph.Kind.PREAMBULAR
    section: str | None = None
    current: ParsedParagraph | None = None
    numbers_seen: dict[int, int] = {}
    for block in blocks:
        first = block.lines[0]
        if _RULE.match(first) or _LEVEL_ONE_HEADING.match(first):
            return block.line
        if heading := dialect.section.match(first):
            number, title = heading.group(1), heading.group(2)
            if any(s.number == number for s in declaration.sections):
                raise DeclarationFormatError(
                    block.line, _("Section %(number)s appears twice.") % {"number": number}
                )
            declaration.sections.append(
                ParsedSection(
                    number,
                    to_plain_text(title),
                    block.line,
                    heading=to_plain_text(re.sub(r"^#{1,6}\s+", "", first)),
                )
            )
            section, current = number, None
            continue
        if _HEADING.match(first):
            raise DeclarationFormatError(
                block.line, _("Headings in the annex must be sections such as “## I. Title”.")
            )
        _check_emphasis(block)
        if numbered := dialect.numbered.match(block.text):
            number = int(numbered.group(1))
            _check_number(number, numbers_seen, declaration, block.line)
            lead = _ITALIC_LEAD.match(numbered.group(2))
            if not lead:
                raise DeclarationFormatError(
                    block.line,
                    _("Paragraph %(number)d must start with an italic lead verb (“*Decide*”).")
                    % {"number": number},
                )
            current = _paragraph(operative, number, lead, section, block.line)
            numbers_seen[number] = block.line
            declaration.paragraphs.append(current)
        elif current is not None and (current.kind == operative or dialect.sub_item.match(first)):
            _continue(current, block.text, block.line, dialect)
        elif lead := _ITALIC_LEAD.match(block.text):
            current = _paragraph(preambular, None, lead, section, block.line)
            declaration.paragraphs.append(current)
        # Anything else before the operative part is introductory text, not a clause.
    return 0


def parse_version(text: str, language: str) -> ParsedDeclaration:
    """Parses a language version in that language's UN form; raises `DeclarationFormatError`.

    The header before the annex is kept as written: the document's metadata (symbol, dates,
    session) are the declaration's and are not read again.
    """
    dialect = DIALECTS[language]
    check_size(text)
    blocks = _blocks(text, dialect)
    annex_at = _annex_at(blocks, dialect, text)
    version = ParsedDeclaration(
        title="",
        language=language,
        header="\n\n".join("\n".join(block.lines) for block in blocks[:annex_at]),
        annex_heading="\n".join(blocks[annex_at].lines),
    )
    body = blocks[annex_at + 1 :]
    title_at, notes = _annex_title(body, blocks[annex_at], version, _BRACKETED_NOTE)
    version.original_note = " ".join(note.group(0) for note in notes)[:200]
    _parse_annex_body(body, title_at, text, version, dialect)
    return version


def _check_number(
    number: int, seen: dict[int, int], declaration: ParsedDeclaration, line: int
) -> None:
    if number in seen:
        raise DeclarationFormatError(
            line,
            _("Paragraph number %(number)d repeats the paragraph of line %(first)d.")
            % {"number": number, "first": seen[number]},
        )
    if seen:
        expected = max(seen) + 1
        if number != expected:
            raise DeclarationFormatError(
                line,
                _("Expected paragraph %(expected)d, found %(number)d.")
                % {"expected": expected, "number": number},
            )


def _paragraph(
    kind: str, number: int | None, lead: re.Match, section: str | None, line: int
) -> ParsedParagraph:
    verb = to_plain_text(lead.group(1))
    if not verb:
        raise DeclarationFormatError(line, _("The lead verb is empty."))
    # "*Noting* with" keeps its space; "*подчеркивая*, что" and "*认为*必须" have none.
    space = " " if lead.group(2) and lead.group(3) else ""
    first = f"*{lead.group(1).strip()}*{space}{lead.group(3)}"
    return ParsedParagraph(kind, number, verb, [first], section, line, [line])


def _continue(paragraph: ParsedParagraph, text: str, line: int, dialect: Dialect) -> None:
    """A sentence broken by a blank line joins its paragraph's last part; the rest are new parts."""
    if dialect.starts_new_part(paragraph.parts[-1], text):
        paragraph.parts.append(text)
        paragraph.part_lines.append(line)
    else:
        paragraph.parts[-1] = f"{paragraph.parts[-1]}{dialect.joiner}{text}"


# Comparing a version with the declaration ----------------------------------------------------


def _part_kinds(parts: list[str], dialect: Dialect) -> list[str]:
    kinds = ["lead"]
    for part in parts[1:]:
        kinds.append("sub-item" if dialect.sub_item.match(part) else "continuation")
    return kinds


def _clause_names(numbers: list[int | None]) -> list[str]:
    """ "operative paragraph 5", "preambular clause 3" for each paragraph in order."""
    names, preamble = [], 0
    for number in numbers:
        if number is not None:
            names.append(_("operative paragraph %(number)d") % {"number": number})
        else:
            preamble += 1
            names.append(_("preambular clause %(index)d") % {"index": preamble})
    return names


def _section_name(sections: list, index: int | None) -> str:
    if index is None:
        return _("no section")
    return _("section %(number)s") % {"number": sections[index].number}


def _part_kind_name(kind: str) -> str:
    return _("sub-item") if kind == "sub-item" else _("continuation")


def check_structure(
    parsed: ParsedDeclaration, paragraphs: list[Paragraph], sections: list[Section], language: str
) -> None:
    """Refuses a text whose sections, paragraphs or parts differ from the declaration's.

    `paragraphs` and `sections` are the declaration's in their order, written in `language`.
    The first difference is raised as a `DeclarationFormatError` on the parsed text's line.
    """
    dialect = DIALECTS.get(language, ENGLISH)
    section_index = {s.pk: i for i, s in enumerate(sections)}
    parsed_index = {s.number: i for i, s in enumerate(parsed.sections)}
    names = _clause_names([p.number for p in parsed.paragraphs])
    expected_names = _clause_names([p.number for p in paragraphs])
    for i, item in enumerate(parsed.paragraphs):
        name = capfirst(names[i])
        if i >= len(paragraphs):
            raise DeclarationFormatError(
                item.line,
                _("%(found)s is not in the original, which ends with %(last)s.")
                % {"found": name, "last": expected_names[-1]},
            )
        paragraph = paragraphs[i]
        if (item.kind, item.number) != (paragraph.kind, paragraph.number):
            raise DeclarationFormatError(
                item.line,
                _("Expected %(expected)s, as in the original; found %(found)s.")
                % {"expected": expected_names[i], "found": names[i]},
            )
        here = parsed_index.get(item.section) if item.section is not None else None
        there = (
            section_index.get(paragraph.section_id) if paragraph.section_id is not None else None
        )
        if here != there:
            raise DeclarationFormatError(
                item.line,
                _("%(found)s is under %(here)s here but under %(there)s in the original.")
                % {
                    "found": name,
                    "here": _section_name(parsed.sections, here),
                    "there": _section_name(sections, there),
                },
            )
        kinds = _part_kinds(item.parts, DIALECTS.get(parsed.language, ENGLISH))
        expected = _part_kinds(paragraph.text_markdown.split("\n\n"), dialect)
        if kinds != expected:
            _refuse_parts(names[i], item, kinds, expected)
    if len(parsed.paragraphs) < len(paragraphs):
        raise DeclarationFormatError(
            parsed.end_line,
            _("The text ends here, but the original goes on with %(expected)s.")
            % {"expected": expected_names[len(parsed.paragraphs)]},
        )
    if len(parsed.sections) > len(sections):
        extra = parsed.sections[len(sections)]
        raise DeclarationFormatError(
            extra.line,
            _("Section %(number)s is not in the original, which has %(count)d sections.")
            % {"number": extra.number, "count": len(sections)},
        )
    if len(parsed.sections) < len(sections):
        raise DeclarationFormatError(
            parsed.end_line,
            _("The original has %(count)d sections; this text has %(found)d.")
            % {"count": len(sections), "found": len(parsed.sections)},
        )


def _refuse_parts(
    name: str, item: ParsedParagraph, kinds: list[str], expected: list[str]
) -> NoReturn:
    for j, (kind, wanted) in enumerate(zip(kinds, expected, strict=False)):
        if kind != wanted:
            raise DeclarationFormatError(
                item.part_lines[j],
                _("This part of %(found)s is a %(kind)s, but a %(wanted)s in the original.")
                % {"found": name, "kind": _part_kind_name(kind), "wanted": _part_kind_name(wanted)},
            )
    # One text has more parts: name the first extra part, or the last when parts are missing.
    line = item.part_lines[len(expected)] if len(kinds) > len(expected) else item.part_lines[-1]
    raise DeclarationFormatError(
        line,
        _(
            "%(found)s has %(count)d parts here (its text, continuations and sub-items) "
            "but %(wanted)d in the original."
        )
        % {"found": capfirst(name), "count": len(kinds), "wanted": len(expected)},
    )


# Writing -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    declaration: Declaration
    created: bool
    changed: bool


def paragraphs_in_use(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The paragraphs that any other record points at, whatever model it belongs to."""
    pks = {p.pk for p in paragraphs}
    used: set[int] = set()
    for relation in Paragraph._meta.related_objects:
        name = relation.field.name
        rows = relation.related_model._base_manager.filter(**{f"{name}__in": pks})
        used.update(rows.values_list(name, flat=True))
    return [p for p in paragraphs if p.pk in used]


def _describe(paragraph: Paragraph) -> str:
    if paragraph.number is not None:
        return _("operative paragraph %(number)d") % {"number": paragraph.number}
    return _("the preambular clause “%(verb)s…”") % {"verb": paragraph.verb}


def _changed_fields(instance: models.Model, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


@transaction.atomic
def write_declaration(
    parsed: ParsedDeclaration, *, slug: str | None = None, source_text: str = ""
) -> ImportResult:
    """Creates the declaration or updates it in place; refuses to orphan referenced paragraphs."""
    slug = slug or parsed.default_slug
    if slug in RESERVED_SLUGS or slug != slugify(slug):
        raise DeclarationRefusedError(_("“%(slug)s” cannot be used as a slug.") % {"slug": slug})
    values = {
        "title": parsed.title,
        "short_title": parsed.short_title[:100],
        "symbol": parsed.symbol,
        "adopted_on": parsed.adopted_on,
        "place": parsed.place,
        "original_language": parsed.original_language,
        "document_date": parsed.document_date,
        "session": parsed.session,
        "agenda_item": parsed.agenda_item,
        "source_text": source_text,
    }
    declaration = Declaration.objects.select_for_update().filter(slug=slug).first()
    if declaration is not None:
        _check_versions_still_fit(parsed, declaration)
    created = declaration is None
    changed = created
    if declaration is None:
        declaration = Declaration.objects.create(slug=slug, **values)
    elif fields := _changed_fields(declaration, values):
        declaration.save(update_fields=[*fields, "updated_at"])
        changed = True

    sections = _write_sections(declaration, parsed)
    changed |= sections.pop(None)
    changed |= _write_paragraphs(declaration, parsed, sections)
    return ImportResult(declaration, created, changed)


def _check_versions_still_fit(parsed: ParsedDeclaration, declaration: Declaration) -> None:
    """Refuses a new structure while language versions follow the present one, paragraph for
    paragraph: their texts would be left beside the wrong paragraphs."""
    languages = [v.get_language_display() for v in declaration.versions.all()]
    if not languages:
        return
    try:
        check_structure(
            parsed,
            list(declaration.paragraphs.order_by("position")),
            list(declaration.sections.order_by("order")),
            declaration.language,
        )
    except DeclarationFormatError as error:
        raise DeclarationFormatError(
            error.line,
            _(
                "%(difference)s The declaration has language versions (%(languages)s) that "
                "follow its present paragraphs: delete them in the admin before changing its "
                "structure, then import them again."
            )
            % {"difference": error.message, "languages": ", ".join(map(str, languages))},
        ) from error


def _write_sections(declaration: Declaration, parsed: ParsedDeclaration) -> dict:
    existing = {s.number: s for s in declaration.sections.all()}
    result: dict = {None: False}
    for order, item in enumerate(parsed.sections, start=1):
        section = existing.pop(item.number, None)
        if section is None:
            section = Section.objects.create(
                declaration=declaration, number=item.number, title=item.title, order=order
            )
            result[None] = True
        elif fields := _changed_fields(section, {"title": item.title, "order": order}):
            section.save(update_fields=fields)
            result[None] = True
        result[item.number] = section
    if existing:
        Section.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
        result[None] = True
    return result


def _write_paragraphs(
    declaration: Declaration, parsed: ParsedDeclaration, sections: dict[str, Section]
) -> bool:
    existing = list(declaration.paragraphs.order_by("position"))
    old_operative = {p.number: p for p in existing if p.number is not None}
    old_preamble = iter(p for p in existing if p.number is None)
    # Operative paragraphs keep their number; preambular clauses are matched in order.
    matches = [
        old_operative.get(item.number) if item.number is not None else next(old_preamble, None)
        for item in parsed.paragraphs
    ]
    kept = {p.pk for p in matches if p is not None}
    removed = [p for p in existing if p.pk not in kept]
    if in_use := paragraphs_in_use(removed):
        raise DeclarationRefusedError(
            _(
                "The new text no longer has %(paragraphs)s, but other records point at it. "
                "Move or delete those records first, or keep the paragraph in the text."
            )
            % {"paragraphs": ", ".join(_describe(p) for p in in_use)}
        )
    changed = bool(removed)
    if removed:
        Paragraph.objects.filter(pk__in=[p.pk for p in removed]).delete()

    # The position is unique within a declaration: move the kept paragraphs out of the way
    # when any of them changes place.
    moved = [p for i, p in enumerate(matches, start=1) if p is not None and p.position != i]
    if moved:
        offset = len(existing) + len(parsed.paragraphs) + 1
        Paragraph.objects.filter(pk__in=kept).update(position=models.F("position") + offset)
        for paragraph in matches:
            if paragraph is not None:
                paragraph.position += offset

    references: dict[str, Reference] = {}
    for position, (item, paragraph) in enumerate(zip(parsed.paragraphs, matches, strict=True), 1):
        section = sections.get(item.section) if item.section else None
        values = {
            "kind": item.kind,
            "number": item.number,
            "verb": item.verb[:100],
            "text_markdown": item.text_markdown,
            "text": item.text,
            "position": position,
            "section_id": section.pk if section else None,
        }
        if paragraph is None:
            paragraph = Paragraph.objects.create(declaration=declaration, **values)
            changed = True
        elif fields := _changed_fields(paragraph, values):
            paragraph.save(update_fields=[f.removesuffix("_id") for f in fields])
            changed = True
        wanted = [_reference(ref, references) for ref in item.references]
        if {r.pk for r in wanted} != set(paragraph.references.values_list("pk", flat=True)):
            paragraph.references.set(wanted)
            changed = True
    return changed


def _reference(parsed: ParsedReference, cache: dict[str, Reference]) -> Reference:
    if parsed.name not in cache:
        cache[parsed.name], _created = Reference.objects.get_or_create(
            name=parsed.name, defaults={"kind": parsed.kind}
        )
    return cache[parsed.name]


def import_declaration(text: str, *, slug: str | None = None) -> ImportResult:
    """Parses and writes; nothing is written when the text is refused."""
    return write_declaration(parse_declaration(text), slug=slug, source_text=text)


# Language versions -----------------------------------------------------------------------------


@dataclass
class VersionImportResult:
    version: DeclarationVersion
    created: bool
    changed: bool


@transaction.atomic
def write_version(
    parsed: ParsedDeclaration,
    *,
    slug: str,
    status: str | None = None,
    source_text: str = "",
    source_filename: str = "",
) -> VersionImportResult:
    """Creates or updates the declaration's version in the parsed text's language.

    Refused unless the text matches the declaration's sections, paragraphs and parts one for
    one. `status` None keeps a version's status (a new one is a working translation).
    """
    declaration = Declaration.objects.select_for_update().filter(slug=slug).first()
    if declaration is None:
        raise DeclarationRefusedError(
            _("No declaration with the slug “%(slug)s”: import the declaration itself first.")
            % {"slug": slug}
        )
    if parsed.language == declaration.language:
        raise DeclarationRefusedError(
            _("%(title)s is itself in %(language)s: import this text without a language.")
            % {"title": declaration.title, "language": Language(parsed.language).label}
        )
    paragraphs = list(declaration.paragraphs.order_by("position"))
    sections = list(declaration.sections.order_by("order"))
    check_structure(parsed, paragraphs, sections, declaration.language)

    values = {
        "title": parsed.title[:300],
        "header": parsed.header,
        "annex_heading": parsed.annex_heading,
        "original_note": parsed.original_note,
        # In the declaration's order: the i-th heading is the i-th section's.
        "sections": [
            {"number": section.number, "heading": item.heading, "title": item.title}
            for section, item in zip(sections, parsed.sections, strict=True)
        ],
        "source_filename": source_filename[:255],
        "source_text": source_text,
    }
    if status is not None:
        values["status"] = status
    version = DeclarationVersion.objects.filter(
        declaration=declaration, language=parsed.language
    ).first()
    created = version is None
    changed = created
    if version is None:
        version = DeclarationVersion.objects.create(
            declaration=declaration, language=parsed.language, **values
        )
    elif fields := _changed_fields(version, values):
        version.save(update_fields=[*fields, "updated_at"])
        changed = True
    changed |= _write_texts(version, parsed, paragraphs)
    return VersionImportResult(version, created, changed)


def _write_texts(
    version: DeclarationVersion, parsed: ParsedDeclaration, paragraphs: list[Paragraph]
) -> bool:
    existing = {text.paragraph_id: text for text in version.texts.all()}
    new, changed = [], False
    for item, paragraph in zip(parsed.paragraphs, paragraphs, strict=True):
        values = {"verb": item.verb[:100], "text_markdown": item.text_markdown, "text": item.text}
        text = existing.pop(paragraph.pk, None)
        if text is None:
            new.append(ParagraphText(version=version, paragraph=paragraph, **values))
        elif fields := _changed_fields(text, values):
            text.save(update_fields=fields)
            changed = True
    if new:
        ParagraphText.objects.bulk_create(new)
        changed = True
    if existing:
        ParagraphText.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
        changed = True
    return changed


def import_version(
    text: str, *, slug: str, language: str, status: str | None = None, source_filename: str = ""
) -> VersionImportResult:
    """Parses and writes a language version; nothing is written when the text is refused."""
    return write_version(
        parse_version(text, language),
        slug=slug,
        status=status,
        source_text=text,
        source_filename=source_filename,
    )
