"""A declaration as JSON (the stable machine form) or as Markdown that imports the same."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .models import Declaration, Paragraph


def _paragraphs(declaration: Declaration) -> list[Paragraph]:
    return list(
        declaration.paragraphs.order_by("position")
        .select_related("section")
        .prefetch_related("references")
    )


def declaration_as_dict(declaration: Declaration) -> dict[str, Any]:
    """The JSON export: its shape is a public contract, change it only with a new format."""
    return {
        "slug": declaration.slug,
        "title": declaration.title,
        "symbol": declaration.symbol,
        "adopted_on": declaration.adopted_on.isoformat() if declaration.adopted_on else None,
        "place": declaration.place,
        "original_language": declaration.original_language,
        "sections": [
            {"number": section.number, "title": section.title}
            for section in declaration.sections.order_by("order")
        ],
        "paragraphs": [
            {
                "kind": paragraph.kind,
                "number": paragraph.number,
                "verb": paragraph.verb,
                "section": paragraph.section.number if paragraph.section else None,
                "text": paragraph.text,
                "references": sorted(reference.name for reference in paragraph.references.all()),
            }
            for paragraph in _paragraphs(declaration)
        ],
    }


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def declaration_as_markdown(declaration: Declaration) -> str:
    """The declaration in the UN-document form that `parse_declaration` reads."""
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

    # Headings are written where their first paragraph starts; empty sections keep their place.
    pending = iter(declaration.sections.order_by("order"))
    current_section = None
    for paragraph in _paragraphs(declaration):
        if paragraph.section_id is not None and paragraph.section_id != current_section:
            for section in pending:
                lines += [f"## {section.number}. {section.title}", ""]
                if section.pk == paragraph.section_id:
                    break
            current_section = paragraph.section_id
        prefix = f"{paragraph.number}. " if paragraph.number is not None else ""
        lines += [prefix + paragraph.text_markdown, ""]
    for section in pending:
        lines += [f"## {section.number}. {section.title}", ""]
    return "\n".join([*lines, "---", ""])
