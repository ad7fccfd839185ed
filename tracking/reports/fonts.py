"""The PDF fonts, shipped with the project and embedded in every PDF (only the glyphs used).

ReportLab's built-in Helvetica covers Latin-1 only. DejaVu Sans sets Latin, Greek and
Cyrillic text and is the face of every style; Noto Naskh Arabic sets Arabic (with the
presentation forms that `typesetting` shapes letters into); Droid Sans Fallback, a TrueType
font (ReportLab cannot embed the CFF outlines of most CJK .otf fonts), sets Chinese. A text
in several scripts is set in runs, each in the first face that has its characters, so an
English title in an Arabic report or a Chinese name in a Russian one prints as written.
"""

import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping, ps2tt, tt2ps
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
ARABIC = "NotoNaskhArabic"
CJK = "DroidSansFallback"
# Family: (regular, bold, italic, bold italic) files; a face missing from a family is
# replaced by its nearest one.
FAMILIES = {
    FAMILY: ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
             "DejaVuSans-BoldOblique.ttf"),
    ARABIC: ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf",
             "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    CJK: ("DroidSansFallback.ttf",) * 4,
}  # fmt: skip
SUFFIXES = ("", "-Bold", "-Oblique", "-BoldOblique")
# What getSampleStyleSheet() and TableStyle name, mapped to our faces.
BUILT_IN = {
    "Helvetica": FAMILY,
    "Helvetica-Bold": f"{FAMILY}-Bold",
    "Helvetica-Oblique": f"{FAMILY}-Oblique",
    "Helvetica-BoldOblique": f"{FAMILY}-BoldOblique",
}
# Arabic letters, their presentation forms included: always set in the Arabic face, whose
# letters join, rather than in DejaVu Sans, which has some of them too.
ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                 (0xFE70, 0xFEFF))  # fmt: skip
# Below the Armenian block DejaVu Sans has every printable character: such text is one run.
ONE_RUN_BELOW = "\u0530"


@cache
def register(family: str = FAMILY) -> None:
    """Register a family's faces once per process, when a text first needs it (the Chinese
    face alone takes ~20 MiB); `<b>` and `<i>` in paragraphs pick the right one."""
    files = FAMILIES[family]
    for index, filename in enumerate(files):
        name = family + SUFFIXES[index]
        if files.index(filename) == index:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        else:  # the same file as a face registered before: share it
            name = family + SUFFIXES[files.index(filename)]
        addMapping(family, 1 if index in (1, 3) else 0, 1 if index in (2, 3) else 0, name)


def use_in(styles) -> None:
    """Point every style of a ReportLab style sheet at our faces."""
    register()
    for style in styles.byName.values():
        if hasattr(style, "fontName"):  # list styles carry no font of their own
            style.fontName = BUILT_IN.get(style.fontName, style.fontName)


@cache
def _characters(family: str) -> frozenset[int]:
    register(family)
    font = pdfmetrics.getFont(family)
    assert isinstance(font, TTFont)  # register() made it from a TrueType file
    return frozenset(font.face.charToGlyph)


def _is_arabic(code: int) -> bool:
    return any(low <= code <= high for low, high in ARABIC_RANGES)


@cache
def family_of(character: str) -> str:
    code = ord(character)
    if _is_arabic(code):
        return ARABIC
    for family in (FAMILY, CJK, ARABIC):
        if code in _characters(family):
            return family
    return FAMILY  # no face has it: DejaVu Sans's empty box shows where it was


@cache
def _stays_in(character: str, family: str) -> bool:
    """Spaces, digits and punctuation stay in the run they are in when its face has them."""
    neutral = unicodedata.category(character)[0] in "ZNPS"
    return neutral and ord(character) in _characters(family)


def runs(text: str) -> list[tuple[str, str]]:
    """The text as (family, text) runs, each in a family that has its characters."""
    if not text or max(text) < ONE_RUN_BELOW:
        return [(FAMILY, text)]
    result: list[tuple[str, str]] = []
    current, start = None, 0
    for index, character in enumerate(text):
        if current is not None and _stays_in(character, current):
            continue
        family = family_of(character)
        if family != current:
            if current is not None:
                result.append((current, text[start:index]))
            current, start = family, index
    assert current is not None  # the text is not empty: its first character set it
    result.append((current, text[start:]))
    return result


def face(family: str, font_name: str) -> str:
    """The face of `family` as bold or italic as the font `font_name`."""
    register(family)
    _family, bold, italic = ps2tt(font_name)
    return tt2ps(family, bold, italic)


def markup(text: str, font_name: str) -> str:
    """Paragraph markup of the text: escaped, each run in a `<font>` of its own face."""
    parts = []
    for family, part in runs(text):
        if family == FAMILY:
            parts.append(escape(part))
        else:
            parts.append(f'<font face="{face(family, font_name)}">{escape(part)}</font>')
    return "".join(parts)


def width(text: str, font_name: str, size: float) -> float:
    """The width of the text set in runs, as `markup` sets it."""
    return sum(
        pdfmetrics.stringWidth(part, face(family, font_name), size) for family, part in runs(text)
    )
