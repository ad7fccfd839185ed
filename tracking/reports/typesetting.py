"""Text in the PDF in the report's language: fonts for every script, Arabic shaped and set
right to left, tables read from the right.

ReportLab lays text out left to right and draws each character's own glyph. Its right-to-left
support needs `rlbidi`, which is not on PyPI, and its shaping (uharfbuzz) still leaves the
order of words to it; so Arabic is prepared here: `arabic_reshaper` replaces letters by their
joined presentation forms (in the Arabic face), the text is broken into lines in reading
order, and `python-bidi` puts each line in display order, brackets mirrored. The language is
the active one: the report's, under which the worker builds it.
"""

import re
import unicodedata
from functools import cache, lru_cache

import arabic_reshaper
from bidi.algorithm import get_display  # see _display
from django.utils import translation
from django.utils.functional import Promise
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.platypus import Paragraph, Table

from . import fonts

# Letters written right to left (Hebrew, Arabic and their presentation forms): text holding
# one is laid out here, line by line.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Lines are filled to a little less than the width: ReportLab, measuring again, must not
# wrap a line that is already in display order.
FILL = 0.98


def rtl() -> bool:
    return translation.get_language_bidi()


@cache
def _style(style, right_to_left: bool):
    """The style as the language sets it: right-aligned in a right-to-left report. (Chinese
    keeps ReportLab's word wrap: a run without spaces is split where the line ends, and a
    Latin word in it stays whole.)"""
    if right_to_left and style.alignment == TA_LEFT:
        return style.clone(f"{style.name}-rtl", alignment=TA_RIGHT)
    return style


def paragraph(text: str, style) -> Paragraph:
    """A paragraph of plain text (not markup) in the active language."""
    style = _style(style, rtl())
    if RIGHT_TO_LEFT.search(text):
        return BidiParagraph(text, style, right_to_left=starts_right_to_left(text, rtl()))
    return Paragraph(fonts.markup(text, style.fontName), style)


def starts_right_to_left(text: str, default: bool) -> bool:
    """The text's own direction, that of its first letter (as HTML's dir="auto"): an Arabic
    title in an English report reads from the right; a text without letters goes the
    report's way."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return default


# A report repeats the same few texts (status labels, dates) in every row: each is shaped
# and measured once. (arabic_reshaper also reads its configuration at every call.)
@lru_cache(maxsize=16384)
def _joined(text: str) -> str:
    """The text with its Arabic letters joined (their presentation forms), in reading order."""
    return arabic_reshaper.reshape(text)


def _display(joined_line: str, right_to_left: bool) -> str:
    # python-bidi's pure-Python implementation: it mirrors brackets in right-to-left runs
    # (Unicode's rule L4: "(1)" after Arabic prints "(1)", not ")1("); its Rust one, which
    # `bidi.get_display` is, does not.
    return get_display(joined_line, base_dir="R" if right_to_left else "L")


def visual(line: str, right_to_left: bool) -> str:
    """A line in display order, Arabic letters joined."""
    return _display(_joined(line), right_to_left)


def drawing_text(text: str | Promise) -> tuple[str, str]:
    """A one-line label of a chart: its font (that of its longest run) and its text in
    display order."""
    text = str(text)
    if RIGHT_TO_LEFT.search(text):
        text = visual(text, starts_right_to_left(text, rtl()))
    runs = fonts.runs(text)
    family = max(runs, key=lambda run: len(run[1].strip()))[0]
    return fonts.face(family, fonts.FAMILY), text


def grid(rows: list[list], col_widths: list | None = None, **options) -> Table:
    """A table whose first column is on the right in a right-to-left report."""
    if rtl():
        rows = [list(reversed(row)) for row in rows]
        col_widths = list(reversed(col_widths)) if col_widths else None
    return Table(rows, colWidths=col_widths, **options)


class BidiParagraph(Paragraph):
    """A paragraph holding right-to-left text: broken into lines in reading order when its
    width is known, each line then shaped and put in display order.

    ReportLab splits it across pages as plain Paragraphs of lines already laid out
    (`split` makes them with `self.__class__(None, ..., frags=...)`).
    """

    def __init__(self, text, style=None, *args, right_to_left: bool = False, **kwargs):
        self.logical = text if kwargs.get("frags") is None and not args else None
        self.right_to_left = right_to_left
        self.laid_out_for = None
        if self.logical is None:
            super().__init__(text, style, *args, **kwargs)
        else:
            self.lines: tuple[str, ...] = (_joined(text),)  # one line until the width is known
            super().__init__(self._markup(self.lines, style), style)

    def _markup(self, lines: tuple[str, ...], style) -> str:
        return _markup(lines, style.fontName, self.right_to_left)

    def wrap(self, availWidth, availHeight):
        if self.logical is not None and availWidth != self.laid_out_for:
            style = self.style
            room = (availWidth - style.leftIndent - style.rightIndent) * FILL
            lines = _lines(self.logical, room, style.fontName, style.fontSize)
            if lines != self.lines:  # a short text stays the one line it was made with
                self.lines = lines
                super().__init__(self._markup(lines, style), style)
            self.laid_out_for = availWidth
        return super().wrap(availWidth, availHeight)


@lru_cache(maxsize=16384)
def _markup(lines: tuple[str, ...], font_name: str, right_to_left: bool) -> str:
    """Lines already joined (`_lines`), in display order, each run in its face."""
    return "<br/>".join(fonts.markup(_display(line, right_to_left), font_name) for line in lines)


@lru_cache(maxsize=16384)
def _lines(text: str, room: float, font_name: str, size: float) -> tuple[str, ...]:
    """The text's lines, joined, in reading order, each as many words as fit in `room` points
    (measured joined, as they are drawn: a joined letter is narrower than its own form)."""
    space = fonts.width(" ", font_name, size)
    lines = []
    for hard_line in _joined(text).split("\n"):
        line: list[str] = []
        used = 0.0
        for word in hard_line.split():
            needed = fonts.width(word, font_name, size)
            if line and used + space + needed > room:
                lines.append(" ".join(line))
                line, used = [word], needed
            else:
                used += (space if line else 0) + needed
                line.append(word)
        lines.append(" ".join(line))
    return tuple(lines)


def _widest_unbreakable(text: str, font_name: str, size: float) -> float:
    """The width of the text's widest part that a line cannot break: a word, or one
    character of a run of Chinese (which breaks between any two)."""
    widest = 0.0
    for word in text.split():
        if any(fonts.family_of(character) == fonts.CJK for character in word):
            parts = list(word)
        else:
            parts = [word]
        for part in parts:
            widest = max(widest, fonts.width(_joined(part), font_name, size))
    return widest


def column_widths(headers: list[str], widths: list[float], style, padding: float) -> list[float]:
    """`widths`, each column widened to hold its header's longest word (set in `style`, plus
    the cell's `padding`), what it gains taken from the columns with room to spare: a header
    wraps between words, never inside one ("Progres/s"), in every language."""
    needed = [_widest_unbreakable(str(header), style.fontName, style.fontSize) + padding
              for header in headers]  # fmt: skip
    result = [max(width, need) for width, need in zip(widths, needed, strict=True)]
    excess = sum(result) - sum(widths)
    spare = [width - need for width, need in zip(result, needed, strict=True)]
    room = sum(spare)
    if excess > 0 and room > 0:
        share = min(excess / room, 1.0)
        result = [width - slack * share for width, slack in zip(result, spare, strict=True)]
    return result
