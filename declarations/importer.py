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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Declaration, Paragraph, Reference, Section

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
_ANNEX = re.compile(r"^(?:#{1,6}\s*)?(?:\*\*)?Annex\b")
_BOLD_BLOCK = re.compile(r"^\*\*(?!\*)(.+?)\*\*$")
_SECTION = re.compile(r"^#{2,6}\s+([IVXLCDM]+|[A-Z]|\d+)\.\s+(.+?)\s*$")
_HEADING = re.compile(r"^#{1,6}\s")
_LEVEL_ONE_HEADING = re.compile(r"^#\s")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})\s*$")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
_SUB_ITEM = re.compile(r"^\((?:[a-z]{1,2}|[ivxl]+)\)\s")
_ITALIC_LEAD = re.compile(r"^\*(?!\*)([^*]+?)\*(?!\*)\s*(.*)$")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_SC_RESOLUTION = re.compile(r"^(?:resolution\s+)?(\d{1,4}) \((\d{4})\)$")
_GA_RESOLUTION = re.compile(r"^(?:resolution\s+)?(\d{1,3}/\d{1,4})$")


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


@dataclass
class ParsedParagraph:
    kind: str
    number: int | None
    verb: str
    parts: list[str]
    section: str | None
    line: int

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

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines)


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        starts_block = bool(_NUMBERED.match(line) or _SUB_ITEM.match(line) or _HEADING.match(line))
        if not line:
            current = None
        elif current is None or starts_block or _HEADING.match(current.lines[-1]):
            current = _Block(number, [line])
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
    last_line = max(len(text.splitlines()), 1)
    annex_at = next((i for i, b in enumerate(blocks) if _ANNEX.match(b.lines[0])), None)
    if annex_at is None:
        raise DeclarationFormatError(
            last_line, _("No annex found: expected a line starting with “**Annex”.")
        )

    declaration = ParsedDeclaration(title="")
    header_language = _parse_header(blocks[:annex_at], declaration)
    body = blocks[annex_at + 1 :]

    title_at = None
    for i, block in enumerate(body):
        if original := _ANNEX_ORIGINAL.match(block.text):
            declaration.original_language = original.group(1)
        elif bold := _BOLD_BLOCK.match(block.text):
            declaration.title = to_plain_text(bold.group(1))
            title_at = i
            break
        else:
            raise DeclarationFormatError(
                block.line,
                _("Expected the title of the declaration in bold (“**… Declaration**”)."),
            )
    if title_at is None:
        line = body[-1].line if body else blocks[annex_at].line
        raise DeclarationFormatError(line, _("The annex has no title in bold."))
    declaration.original_language = declaration.original_language or header_language

    _parse_body(body[title_at + 1 :], declaration)
    for paragraph in declaration.paragraphs:
        _check_paragraph_size(len(paragraph.text_markdown), paragraph.line)
    if not any(p.number is not None for p in declaration.paragraphs):
        line = body[-1].line if len(body) > title_at + 1 else body[title_at].line
        raise DeclarationFormatError(
            line, _("No operative paragraph found: expected lines such as “1. *Decide* …”.")
        )

    intro = " ".join(b.text for b in blocks[: annex_at + 1 + title_at])
    intro += " " + " ".join(b.text for b in body[title_at + 1 :][:3])
    _infer_adoption(intro, declaration)
    return declaration


def _parse_body(blocks: list[_Block], declaration: ParsedDeclaration) -> None:
    operative = Paragraph.Kind.OPERATIVE
    preambular = Paragraph.Kind.PREAMBULAR
    section: str | None = None
    current: ParsedParagraph | None = None
    numbers_seen: dict[int, int] = {}
    for block in blocks:
        first = block.lines[0]
        if _RULE.match(first) or _LEVEL_ONE_HEADING.match(first):
            break
        if heading := _SECTION.match(first):
            number, title = heading.group(1), heading.group(2)
            if any(s.number == number for s in declaration.sections):
                raise DeclarationFormatError(
                    block.line, _("Section %(number)s appears twice.") % {"number": number}
                )
            declaration.sections.append(ParsedSection(number, to_plain_text(title), block.line))
            section, current = number, None
            continue
        if _HEADING.match(first):
            raise DeclarationFormatError(
                block.line, _("Headings in the annex must be sections such as “## I. Title”.")
            )
        _check_emphasis(block)
        if numbered := _NUMBERED.match(block.text):
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
        elif current is not None and (current.kind == operative or _SUB_ITEM.match(first)):
            _continue(current, block.text)
        elif lead := _ITALIC_LEAD.match(block.text):
            current = _paragraph(preambular, None, lead, section, block.line)
            declaration.paragraphs.append(current)
        # Anything else before the operative part is introductory text, not a clause.


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
    first = f"*{lead.group(1).strip()}*" + (f" {lead.group(2)}" if lead.group(2) else "")
    return ParsedParagraph(kind, number, verb, [first], section, line)


def _continue(paragraph: ParsedParagraph, text: str) -> None:
    """A sentence broken by a blank line joins its paragraph's last part; the rest are new parts."""
    if text[:1].islower():
        paragraph.parts[-1] = f"{paragraph.parts[-1]} {text}"
    else:
        paragraph.parts.append(text)


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
