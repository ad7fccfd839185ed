"""Small charts drawn on the server as inline SVG: no JavaScript, no external library.

Each chart carries a <title> and an aria-label; pages show the same numbers in a table too.
Colours are presentation attributes (not inline styles), which the CSP allows.

In a language written right to left the chart is mirrored: labels at the right, bars growing
leftwards, and `direction="rtl"` so that each text runs, and is anchored, from its right end.
Positions are computed from the start edge and mapped by `_Page`.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from . import languages
from .models import Action, Assessment

# Colours that match the rating badges of tracker.css, dark enough for a white gap between them.
RATING_COLOURS: dict[str, str] = {
    Assessment.Rating.NOT_STARTED: "#cf222e",
    Assessment.Rating.PARTIALLY: "#d4a72c",
    Assessment.Rating.SUBSTANTIALLY: "#218bff",
    Assessment.Rating.FULLY: "#2da44e",
    Assessment.Rating.NOT_APPLICABLE: "#8c959f",
    Assessment.Rating.NO_INFORMATION: "#d0d7de",
}
STATUS_COLOUR = "#1d4f91"
ROW, LABEL, WIDTH = 22, 90, 420


@dataclass
class _Page:
    """Maps a distance from the start edge to an x: from the left, or from the right in RTL."""

    width: float
    rtl: bool

    def x(self, start: float, length: float = 0) -> float:
        """The x of a box that begins `start` from the start edge and is `length` long."""
        return round(self.width - start - length if self.rtl else start, 1)


def stacked_bars(
    title: str,
    rows: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[tuple[str, str | Promise]],
) -> SafeString:
    """One horizontal bar per row, split by series (key, label); bars share one scale."""
    top = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    scale = (WIDTH - LABEL - 10) / top
    height = ROW * len(rows) + ROW + 10
    legend_at: list[float] = []
    at: float = 0
    for _key, name in series:
        legend_at.append(at)
        at += 14 + _text_width(str(name)) + 12
    page = _Page(max(WIDTH, at), languages.is_rtl())
    bars = []
    for index, (label, counts) in enumerate(rows):
        y, at = index * ROW, LABEL
        bars.append(format_html('<text x="{}" y="{}">{}</text>', page.x(0), y + 15, label))
        for key, name in series:
            n = counts.get(key, 0)
            if n:
                bars.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                        "<title>{}: {} {}</title></rect>",
                        page.x(at, round(n * scale, 1)),
                        y + 3,
                        round(n * scale, 1),
                        ROW - 6,
                        RATING_COLOURS.get(key, STATUS_COLOUR),
                        label,
                        name,
                        n,
                    )
                )
                at += round(n * scale, 1)
    legend_y = ROW * len(rows) + 8
    legend = [
        format_html(
            '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
            '<text x="{}" y="{}">{}</text>',
            page.x(at, 10),
            legend_y,
            RATING_COLOURS.get(key, STATUS_COLOUR),
            page.x(at + 14),
            legend_y + 10,
            name,
        )
        for (key, name), at in zip(series, legend_at, strict=True)
    ]
    return _svg(title, page, height, bars + legend)


def bars(title: str, rows: Sequence[tuple[str | Promise, int]]) -> SafeString:
    """One horizontal bar per (label, count), with the count written after it."""
    top = max((n for _, n in rows), default=0) or 1
    scale = (WIDTH - LABEL - 50) / top
    page = _Page(WIDTH, languages.is_rtl())
    parts = []
    for index, (label, n) in enumerate(rows):
        y, length = index * ROW, round(n * scale, 1)
        parts.append(
            format_html(
                '<text x="{}" y="{}">{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                '</rect><text x="{}" y="{}">{}</text>',
                page.x(0),
                y + 15,
                label,
                page.x(LABEL, length),
                y + 3,
                length,
                ROW - 6,
                STATUS_COLOUR,
                page.x(LABEL + length + 4),
                y + 15,
                n,
            )
        )
    return _svg(title, page, ROW * len(rows) + 4, parts)


def status_table(
    caption: str | SafeString, rows: Sequence[tuple[str | Promise, int]]
) -> SafeString:
    """The figures of a status chart as a table that only screen readers find."""
    body = format_html_join(
        "", '<tr><th scope="row">{}</th><td>{}</td></tr>', ((label, n) for label, n in rows)
    )
    return format_html(
        '<div class="visually-hidden"><table>\n  <caption>{}</caption>\n'
        '  <thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>\n'
        "  <tbody>{}</tbody>\n</table></div>\n",
        conditional_escape(caption),
        gettext("Status"),
        gettext("Actions"),
        body,
    )


def status_rows(counts: dict[str, int]) -> list[tuple[str | Promise, int]]:
    """Every action status in its natural order, with its count (zero included)."""
    return [(label, counts.get(value, 0)) for value, label in Action.Status.choices]


def _text_width(text: str) -> int:
    """About how wide a 12px label is: Chinese characters take twice a Latin letter's room."""
    return sum(12 if unicodedata.east_asian_width(c) in "WF" else 7 for c in text)


def _svg(title: str, page: _Page, height: float, parts: list[SafeString]) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" direction="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        title,
        round(page.width),
        round(height),
        round(page.width),
        round(height),
        "rtl" if page.rtl else "ltr",
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
