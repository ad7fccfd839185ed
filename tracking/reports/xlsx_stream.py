"""A minimal XLSX writer that streams: each sheet's rows go into the ZIP as they come.

XlsxWriter, even in constant_memory mode, writes about 9,000 rows a second; this writes
only what a report needs (inline strings, numbers, a bold header, a frozen first row,
column widths, sheets read from the right) and takes rows already rendered as XML by the
database (`pgcopy`).
"""

import contextlib
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.sax.saxutils import quoteattr

# Characters XML 1.0 cannot hold (but tab, LF and CR): removed from every cell. NUL apart,
# because PostgreSQL text never holds it and cannot take it as a parameter.
CONTROL_CHARACTERS = "".join(chr(code) for code in (*range(1, 9), 11, 12, *range(14, 32)))
ESCAPES = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    # As references, so that a row stays on one line and a CR survives XML's line endings.
    ord("\r"): "&#13;",
    ord("\n"): "&#10;",
    0: None,
    **{ord(character): None for character in CONTROL_CHARACTERS},
}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES = f"""{HEAD}<styleSheet xmlns="{MAIN}">\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
BOLD = ' s="1"'
FLUSH_ROWS = 1000
# Excel refuses a sheet name longer than 31 characters, holding one of []:*?/\ or starting
# or ending with an apostrophe.
SHEET_NAME_LENGTH = 31
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_names(titles: Sequence[str]) -> list[str]:
    """The titles as names Excel accepts, unique whatever the case (translations may be
    long, or shorten two titles to the same name)."""
    names: list[str] = []
    for number, title in enumerate(titles, start=1):
        name = NOT_IN_SHEET_NAMES.sub(" ", str(title)).strip().strip("'").strip()
        name = name[:SHEET_NAME_LENGTH].strip() or str(number)
        taken = {existing.casefold() for existing in names}
        if name.casefold() in taken:
            suffix = f" ({number})"
            name = name[: SHEET_NAME_LENGTH - len(suffix)].strip() + suffix
        names.append(name)
    return names


def escape(text: str) -> str:
    """Text for an XML element: escaped, without the characters XML cannot hold."""
    return text.translate(ESCAPES)


def row_xml(values: Iterable, style: str = "") -> str:
    """One `<row>`, a line of its own: numbers as numbers, the rest as inline strings."""
    cells = []
    for value in values:
        if value is None or value == "":
            cells.append("<c/>")
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            cells.append(f"<c{style}><v>{value}</v></c>")
        else:
            text = escape(str(value))
            cells.append(f'<c{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return "<row>" + "".join(cells) + "</row>\n"


class Sheet:
    """One worksheet being written; rows must come in order."""

    def __init__(
        self,
        member,
        *,
        selected: bool,
        widths: Sequence[float],
        freeze_header: bool,
        right_to_left: bool = False,
    ):
        self.member = member
        self.pending: list[str] = []
        pane = ""
        if freeze_header:
            pane = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        view = ' tabSelected="1"' if selected else ""
        if right_to_left:
            view += ' rightToLeft="1"'
        self.pending.append(
            f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f'<sheetViews><sheetView{view} workbookViewId="0">{pane}</sheetView></sheetViews>'
            f"{'<cols>' + cols + '</cols>' if cols else ''}<sheetData>\n"
        )

    def row(self, values: Iterable, *, bold: bool = False) -> None:
        self.pending.append(row_xml(values, BOLD if bold else ""))
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def write(self, rows: bytes | bytearray) -> None:
        """Rows already rendered as `row_xml` renders them."""
        self.flush()
        self.member.write(rows)

    def flush(self) -> None:
        if self.pending:
            self.member.write("".join(self.pending).encode())
            self.pending.clear()

    def close(self) -> None:
        self.pending.append("</sheetData></worksheet>")
        self.flush()
        self.member.close()


class Workbook:
    """An XLSX file with the given sheet titles; write the sheets in that order. Right to left:
    every sheet is shown with its first column on the right (Arabic)."""

    def __init__(self, path: Path, titles: Sequence[str], *, right_to_left: bool = False):
        self.titles = sheet_names(titles)
        self.right_to_left = right_to_left
        self.written = 0
        self.member: IO[bytes] | None = None  # the sheet being written
        # Level 1: the sheets' XML is repetitive enough; higher levels cost more than they save.
        self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        count = len(self.titles)
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            f'ContentType="{OFFICE}.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        self.archive.writestr(
            "[Content_Types].xml",
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE}.styles+xml"/>'
            f"{sheets}</Types>",
        )
        self.archive.writestr(
            "_rels/.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, title in enumerate(self.titles, start=1)
        )
        self.archive.writestr(
            "xl/workbook.xml",
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{entries}</sheets></workbook>",
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        self.archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}'
            f'<Relationship Id="rId{count + 1}" Type="{RELATIONSHIPS}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        self.archive.writestr("xl/styles.xml", STYLES)

    def sheet(self, *, widths: Sequence[float] = (), freeze_header: bool = False) -> Sheet:
        """The next sheet; close it before opening another."""
        self.written += 1
        # force_zip64: a sheet of a million rows may pass 2 GiB of XML.
        member = self.archive.open(f"xl/worksheets/sheet{self.written}.xml", "w", force_zip64=True)
        self.member = member
        return Sheet(
            member,
            selected=self.written == 1,
            widths=widths,
            freeze_header=freeze_header,
            right_to_left=self.right_to_left,
        )

    def close(self) -> None:
        if self.written != len(self.titles):
            raise ValueError(f"{len(self.titles)} sheets named, {self.written} written")
        self.archive.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self.close()
            return
        # The file is thrown away. Close the sheet left open first (the archive refuses to
        # close around it), and let nothing raised here hide the error that stopped us.
        for close in (self.member, self.archive):
            if close is not None:
                with contextlib.suppress(Exception):
                    close.close()
