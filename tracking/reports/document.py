"""The frame of a PDF report: a cover, then pages with a running header and "Page X of Y",
the headings feeding the table of contents and the PDF's outline; and the type the stories
are set in.

"Page X of Y" and the table of contents need to know what comes after the page they are on:
`NumberedCanvas` holds every page until the document ends, and only then are the footers
and the contents written on them, the story having been laid out once. (ReportLab's own
TableOfContents lays the story out twice or more, `multiBuild`: twice the time of a
consolidated report.) The contents get the rest of the page where `Contents` stands, and as
many more pages as their lines need.
"""

import datetime
from collections.abc import Callable
from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from declarations.models import Declaration, language_code

from . import fonts, typesetting

STYLES = getSampleStyleSheet()
fonts.use_in(STYLES)
SMALL = STYLES["BodyText"].clone("small", fontSize=8, leading=10)
# Table headers: bold, and broken between words only (`typesetting.column_widths` makes
# every column as wide as its header's longest word).
HEADER = SMALL.clone("header", fontName=f"{fonts.FAMILY}-Bold", splitLongWords=0)
# Headings stay on the page of what follows them.
HEADINGS = [STYLES["Heading1"].clone("section", keepWithNext=1),
            STYLES["Heading2"].clone("subsection", keepWithNext=1),
            STYLES["Heading3"].clone("subsubsection", keepWithNext=1)]  # fmt: skip
RUNNING = SMALL.clone("running", textColor=colors.HexColor("#555555"))
FOOTER = RUNNING.clone("footer", alignment=TA_CENTER)
CONTENTS = [
    STYLES["BodyText"].clone("contents0", fontSize=10, leading=14),
    STYLES["BodyText"].clone("contents1", fontSize=9, leading=12, leftIndent=0.6 * cm),
]
COVER_LINE = STYLES["BodyText"].clone("cover-line", fontSize=12, leading=16, alignment=TA_CENTER)
PAGE_NUMBER = CONTENTS[0].clone("contents-page", alignment=TA_CENTER)
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")),
        ("FONTNAME", (0, 0), (-1, -1), fonts.FAMILY),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
MARGIN = 1.5 * cm
# The running header's band, above the frame.
HEADER_BAND = 0.8 * cm


def localize(value: object) -> str:
    """Dates and numbers as the report's language writes them; text as written (a PDF runs
    nothing)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def text(value: object, style=SMALL) -> Paragraph:
    """A table cell or a line of text, in the fonts and direction of the report's language."""
    return typesetting.paragraph(localize(value), style)


def heading(title: str, level: int = 0) -> Paragraph:
    """A heading listed in the table of contents and the PDF's outline (level 0 or 1)."""
    flowable = text(title, HEADINGS[level])
    flowable.contents_entry = (level, title)  # type: ignore[attr-defined]  # read by afterFlowable
    return flowable


def table(rows: list[list], col_widths: list | None = None, **options):
    """A grid of cells (first row the header), read from the right in a right-to-left report."""
    grid = typesetting.grid(rows, col_widths, repeatRows=1, **options)
    grid.setStyle(GRID)
    grid.hAlign = "RIGHT" if typesetting.rtl() else "LEFT"
    return grid


def header_row(headers: list[str]) -> list[Paragraph]:
    return [text(header, HEADER) for header in headers]


def fitted(headers: list[str], widths: list[float]) -> list[float]:
    """`widths`, each column made as wide as its header's longest word (the same total)."""
    return typesetting.column_widths(headers, widths, HEADER, padding=12)


def declaration_title(declaration: Declaration) -> str:
    """The declaration's title in the report's language where it has a version in it."""
    language = language_code(translation.get_language())
    if language and language != declaration.language:
        version = declaration.versions.filter(language=language).first()
        if version and version.title:
            return version.title
    return declaration.title


def cycle_line(cycle) -> str:
    if cycle is None:
        return str(_("All cycles"))
    return _("Reporting cycle %(cycle)s") % {"cycle": cycle.name}


def cover(data, title: str, facts: list[list] | None = None) -> list:
    """The first page: the declaration, its UN symbol where known, what the report is, its
    cycle and date; then the pages with a running header (`ReportDocument`)."""
    story: list[Flowable] = [
        Spacer(1, 2.5 * cm),
        text(declaration_title(data.declaration), STYLES["Title"]),
    ]
    if data.declaration.symbol:
        story.append(text(_("UN document %(symbol)s") % {"symbol": data.declaration.symbol},
                          COVER_LINE))  # fmt: skip
    story += [
        Spacer(1, 1.5 * cm),
        text(title, STYLES["Title"]),
        text(cycle_line(data.cycle), COVER_LINE),
        text(timezone.localdate(data.built_at), COVER_LINE),
        Spacer(1, 1.5 * cm),
    ]
    if facts:
        story.append(table([[text(label), text(value)] for label, value in facts]))
    return [*story, NextPageTemplate("body"), PageBreak()]


class NumberedCanvas(canvas.Canvas):
    """Holds every page until the document is saved, then writes each one's footer knowing
    how many pages there are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_pages: list[dict] = []
        self.footer: Callable[[canvas.Canvas, int, int], None] | None = None

    def showPage(self):
        self.held_pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # ReportLab's, undeclared in its stubs

    def save(self):
        total = len(self.held_pages)
        for state in self.held_pages:
            self.__dict__.update(state)
            if self.footer:
                self.footer(self, self.getPageNumber(), total)
            super().showPage()
        super().save()


class Contents(Flowable):
    """Where the table of contents goes: `ReportDocument` keeps the rest of this page (and
    more pages when the headings need them) and fills it in once every page is laid out."""

    def wrap(self, availWidth, availHeight):
        return availWidth, 0

    def draw(self):
        pass


def _walk(story: list):
    for flowable in story:
        yield flowable
        yield from _walk(getattr(flowable, "_content", []))  # KeepTogether's flowables


class ReportDocument(BaseDocTemplate):
    """A cover page ("cover"), then pages ("body") with `running_header` at the top and
    "Page X of Y" at the bottom; the table of contents where the story puts `Contents`."""

    def __init__(self, path: Path, *, pagesize, running_header: str, **metadata):
        super().__init__(
            str(path),
            pagesize=pagesize,
            lang=translation.get_language(),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_BAND,
            bottomMargin=MARGIN + HEADER_BAND,
            **metadata,
        )
        self.running_header = running_header
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates(
            [
                PageTemplate("cover", [frame]),
                PageTemplate("body", [frame], onPage=self._draw_header),
            ]
        )
        self.entries: list[tuple[int, str, int]] = []
        self.contents_at: tuple[int, float] | None = None  # its first page and top
        self.contents_parts: list = []
        self.contents_pages = 0

    def build(self, story, **kwargs):  # type: ignore[override]
        story = list(story)
        marks = [index for index, flowable in enumerate(story) if isinstance(flowable, Contents)]
        if marks:
            # A page more for every page's worth of headings beyond the first page's.
            headings = sum(1 for f in _walk(story) if getattr(f, "contents_entry", None))
            more = max(0, headings - 1) // self._rows_per_page()
            story[marks[0] + 1 : marks[0] + 1] = [PageBreak() for _page in range(more)]
            self.contents_pages = 1 + more
        super().build(story, canvasmaker=NumberedCanvas, **kwargs)

    def _rows_per_page(self) -> int:
        return int(self.height // (CONTENTS[0].leading + 1)) - 3  # less the page's heading

    def beforeDocument(self):
        self.canv.footer = self._finish_page  # type: ignore[attr-defined]  # a NumberedCanvas
        self.entries, self.contents_at = [], None

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Contents):
            # The frame's current height: where the contents start on this page.
            self.contents_at = (self.page, self.frame._y)  # type: ignore[attr-defined]
            return
        entry = getattr(flowable, "contents_entry", None)
        if entry is None:
            return
        level, title = entry
        key = f"heading-{len(self.entries)}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)
        self.entries.append((level, title, self.page))

    def _draw_header(self, page: canvas.Canvas, doc) -> None:
        line = text(self.running_header, RUNNING)
        _width, height = line.wrapOn(page, self.width, HEADER_BAND)
        top = self.pagesize[1] - MARGIN
        line.drawOn(page, self.leftMargin, top - height)
        page.setStrokeColor(colors.HexColor("#999999"))
        page.setLineWidth(0.5)
        page.line(self.leftMargin, top - height - 3, self.leftMargin + self.width, top - height - 3)

    def _finish_page(self, page: canvas.Canvas, number: int, total: int) -> None:
        """Called for each page once all are laid out: its part of the contents, its footer."""
        if self.contents_at is not None:
            first, top = self.contents_at
            if number == first:
                self.contents_parts = self._contents_parts(page, top)
            part = number - first
            # Never past the pages kept for them, onto a page of the report's body.
            if 0 <= part < min(len(self.contents_parts), self.contents_pages):
                grid = self.contents_parts[part]
                _width, height = grid.wrapOn(page, self.width, self.height)
                start = top if part == 0 else self.bottomMargin + self.height
                grid.drawOn(page, self.leftMargin, start - height)
        self._draw_footer(page, number, total)

    def _contents_parts(self, page: canvas.Canvas, top: float) -> list:
        """The table of contents cut into the part on each of its pages."""
        rows = [[text(title, CONTENTS[level]), text(number, PAGE_NUMBER)]
                for level, title, number in self.entries]  # fmt: skip
        if not rows:
            return []
        grid = typesetting.grid(rows, [self.width - 2 * cm, 2 * cm])
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        parts: list[Flowable] = []
        rest: Flowable = grid
        room = top - self.bottomMargin
        while True:
            _width, height = rest.wrapOn(page, self.width, room)
            if height <= room:
                return [*parts, rest]
            split = rest.splitOn(page, self.width, room)
            if len(split) < 2:  # not even one row fits: print what is left as it is
                return [*parts, rest]
            parts.append(split[0])
            rest = split[1]
            room = self.height

    def _draw_footer(self, page: canvas.Canvas, number: int, total: int) -> None:
        if number == 1:  # the cover
            return
        words = _("Page %(page)s of %(total)s") % {
            "page": localize(number),
            "total": localize(total),
        }
        line = text(words, FOOTER)
        line.wrapOn(page, self.width, HEADER_BAND)
        line.drawOn(page, self.leftMargin, MARGIN)
