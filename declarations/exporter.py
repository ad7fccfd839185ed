"""A declaration as JSON (the stable machine form) or as Markdown that imports the same.

Given a language, either exports that language version of the declaration: the same shape,
with the version's title, section headings and paragraph texts, and its language and status.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .importer import DIALECTS, ENGLISH
from .models import Declaration, DeclarationVersion, Paragraph, Section


class NoSuchVersion(LookupError):
    """The declaration has no text in that language."""


def _paragraphs(declaration: Declaration, version: DeclarationVersion | None) -> list[Paragraph]:
    """The paragraphs in order, each with its `wording` in the version (or its own)."""
    queryset = (
        declaration.paragraphs.order_by("position")
        .select_related("section")
        .prefetch_related("references")
    )
    if version is not None:
        queryset = queryset.with_text_in(version.language)
    paragraphs = list(queryset)
    for paragraph in paragraphs:
        paragraph.wording = paragraph.text_in(version.language) if version else paragraph
    return paragraphs


def _version(declaration: Declaration, language: str | None) -> DeclarationVersion | None:
    """The version in `language`; None for the declaration's own text."""
    if not language or language == declaration.language:
        return None
    version = declaration.versions.filter(language=language).first()
    if version is None:
        raise NoSuchVersion(language)
    return version


def declaration_as_dict(declaration: Declaration, *, language: str | None = None) -> dict[str, Any]:
    """The JSON export: its shape is a public contract, change it only with a new format.

    With a language the shape gains "language" and "status" (official or working).
    """
    version = _version(declaration, language)
    headings = version.sections if version else []
    data = {
        "slug": declaration.slug,
        "title": version.title if version else declaration.title,
        "symbol": declaration.symbol,
        "adopted_on": declaration.adopted_on.isoformat() if declaration.adopted_on else None,
        "place": declaration.place,
        "original_language": declaration.original_language,
        "sections": [
            {
                "number": section.number,
                "title": headings[i]["title"] if i < len(headings) else section.title,
            }
            for i, section in enumerate(declaration.sections.order_by("order"))
        ],
        "paragraphs": [
            {
                "kind": paragraph.kind,
                "number": paragraph.number,
                "verb": paragraph.wording.verb,
                "section": paragraph.section.number if paragraph.section else None,
                "text": paragraph.wording.text,
                "references": sorted(reference.name for reference in paragraph.references.all()),
            }
            for paragraph in _paragraphs(declaration, version)
        ],
    }
    if language:
        data["language"] = language
        data["status"] = version.status if version else DeclarationVersion.Status.OFFICIAL
    return data


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def declaration_as_markdown(declaration: Declaration, *, language: str | None = None) -> str:
    """The declaration in the UN-document form that `parse_declaration` reads.

    A language version is written in its language's form, for `parse_version`.
    """
    version = _version(declaration, language)
    if version is not None:
        return _version_as_markdown(declaration, version)
    header = ["# General Assembly", ""]
    if declaration.symbol:
        header += [f"Symbol: {declaration.symbol}", ""]
    if declaration.document_date:
        header += ["Distr.: General", _long_date(declaration.document_date), ""]
    if declaration.session:
        if re.search(r"\bsession$", declaration.session, re.IGNORECASE):
            header += [f"## {declaration.session}", ""]
        else:
            header += [f"Session: {declaration.session}", ""]
    if declaration.agenda_item:
        header += [f"Agenda item {declaration.agenda_item}", ""]
    if declaration.place:
        header += [f"Place: {declaration.place}", ""]
    if declaration.adopted_on:
        header += [f"Adopted on: {declaration.adopted_on.isoformat()}", ""]
    lines = [*header, "---", "", "**Annex**", ""]
    if declaration.original_language:
        lines += [f"[Original: {declaration.original_language}]", ""]
    lines += [f"**{declaration.title}**", ""]
    sections = list(declaration.sections.order_by("order"))
    headings = [f"{section.number}. {section.title}" for section in sections]
    paragraphs = _paragraphs(declaration, None)
    lines += _body(sections, headings, paragraphs, ENGLISH.number_format)
    return "\n".join([*lines, "---", ""])


def _version_as_markdown(declaration: Declaration, version: DeclarationVersion) -> str:
    dialect = DIALECTS[version.language]
    lines = [version.header, ""] if version.header else []
    lines += [version.annex_heading or f"**{dialect.marker}**", ""]
    if version.original_note:
        lines += [version.original_note, ""]
    lines += [f"**{version.title}**", ""]
    sections = list(declaration.sections.order_by("order"))
    headings = [item["heading"] for item in version.sections]
    paragraphs = _paragraphs(declaration, version)
    lines += _body(sections, headings, paragraphs, dialect.number_format)
    return "\n".join([*lines, "---", ""])


def _body(
    sections: list[Section], headings: list[str], paragraphs: list[Paragraph], number_format: str
) -> list[str]:
    """Headings where their first paragraph starts; empty sections keep their place."""
    lines: list[str] = []
    pending = iter(zip(sections, headings, strict=False))
    current_section = None
    for paragraph in paragraphs:
        if paragraph.section_id is not None and paragraph.section_id != current_section:
            for section, heading in pending:
                lines += [f"## {heading}", ""]
                if section.pk == paragraph.section_id:
                    break
            current_section = paragraph.section_id
        prefix = number_format.format(paragraph.number) if paragraph.number is not None else ""
        lines += [prefix + paragraph.wording.text_markdown, ""]
    for _section, heading in pending:
        lines += [f"## {heading}", ""]
    return lines
