"""The PDF font: DejaVu Sans, shipped with the project, so that names and narratives in
Cyrillic, Arabic or accented Latin print as written (ReportLab's built-in Helvetica covers
Latin-1 only)."""

from pathlib import Path
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
FACES: dict[str, tuple[str, Literal[0, 1], Literal[0, 1]]] = {
    FAMILY: ("DejaVuSans.ttf", 0, 0),
    f"{FAMILY}-Bold": ("DejaVuSans-Bold.ttf", 1, 0),
    f"{FAMILY}-Oblique": ("DejaVuSans-Oblique.ttf", 0, 1),
    f"{FAMILY}-BoldOblique": ("DejaVuSans-BoldOblique.ttf", 1, 1),
}
# What getSampleStyleSheet() and TableStyle name, mapped to our faces.
BUILT_IN = {
    "Helvetica": FAMILY,
    "Helvetica-Bold": f"{FAMILY}-Bold",
    "Helvetica-Oblique": f"{FAMILY}-Oblique",
    "Helvetica-BoldOblique": f"{FAMILY}-BoldOblique",
}


def register() -> None:
    """Register the faces once per process; `<b>` and `<i>` in paragraphs pick the right one."""
    if FAMILY in pdfmetrics.getRegisteredFontNames():
        return
    for name, (filename, bold, italic) in FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        addMapping(FAMILY, bold, italic, name)


def use_in(styles) -> None:
    """Point every style of a ReportLab style sheet at our faces."""
    register()
    for style in styles.byName.values():
        if hasattr(style, "fontName"):  # list styles carry no font of their own
            style.fontName = BUILT_IN.get(style.fontName, style.fontName)
