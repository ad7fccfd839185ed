"""Small charts drawn on the server as inline SVG: no JavaScript, no external library.

Each chart carries a <title> and an aria-label; pages show the same numbers in a table too.
Colours are presentation attributes (not inline styles), which the CSP allows.
"""

from collections.abc import Sequence

from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


def stacked_bars(
    title: str,
    rows: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[tuple[str, str | Promise]],
) -> SafeString:
    """One horizontal bar per row, split by series (key, label); bars share one scale."""
    top = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    scale = (WIDTH - LABEL - 10) / top
    height = ROW * len(rows) + ROW + 10
    bars = []
    x: float
    for index, (label, counts) in enumerate(rows):
        y, x = index * ROW, LABEL
        bars.append(format_html('<text x="0" y="{}">{}</text>', y + 15, label))
        for key, name in series:
            n = counts.get(key, 0)
            if n:
                bars.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                        "<title>{}: {} {}</title></rect>",
                        round(x, 1),
                        y + 3,
                        round(n * scale, 1),
                        ROW - 6,
                        RATING_COLOURS.get(key, STATUS_COLOUR),
                        label,
                        name,
                        n,
                    )
                )
                x += n * scale
    legend_y = ROW * len(rows) + 8
    legend, x = [], 0
    for key, name in series:
        legend.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
                '<text x="{}" y="{}">{}</text>',
                x,
                legend_y,
                RATING_COLOURS.get(key, STATUS_COLOUR),
                x + 14,
                legend_y + 10,
                name,
            )
        )
        x += 14 + 7 * len(str(name)) + 12
    return _svg(title, max(WIDTH, x), height, bars + legend)


def bars(title: str, rows: Sequence[tuple[str | Promise, int]]) -> SafeString:
    """One horizontal bar per (label, count), with the count written after it."""
    top = max((n for _, n in rows), default=0) or 1
    scale = (WIDTH - LABEL - 50) / top
    parts = []
    for index, (label, n) in enumerate(rows):
        y = index * ROW
        parts.append(
            format_html(
                '<text x="0" y="{}">{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                '</rect><text x="{}" y="{}">{}</text>',
                y + 15,
                label,
                LABEL,
                y + 3,
                round(n * scale, 1),
                ROW - 6,
                STATUS_COLOUR,
                LABEL + round(n * scale, 1) + 4,
                y + 15,
                n,
            )
        )
    return _svg(title, WIDTH, ROW * len(rows) + 4, parts)


def status_rows(counts: dict[str, int]) -> list[tuple[str | Promise, int]]:
    """Every action status in its natural order, with its count (zero included)."""
    return [(label, counts.get(value, 0)) for value, label in Action.Status.choices]


def _svg(title: str, width: float, height: float, parts: list[SafeString]) -> SafeString:
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        title,
        round(width),
        round(height),
        round(width),
        round(height),
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
