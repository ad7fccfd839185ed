"""The fast writers: our streaming XLSX, and on PostgreSQL the COPY path, same cells as Python."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from tracking.models import Action, ProgressUpdate
from tracking.reports import csv as csv_report
from tracking.reports import pgcopy
from tracking.reports import xlsx as xlsx_report
from tracking.reports.data import ReportData
from tracking.reports.xlsx_stream import Workbook

from .conftest import request_report

pytestmark = pytest.mark.django_db

# Each would run as a formula, hide text or break a row in a spreadsheet or a CSV parser.
NASTY = [
    "=1+1",
    "+31 20 123",
    "-5",
    "@SUM(A1)",
    "\tTabbed",
    "\rReturned",
    "Bell\x07 and form\x0cfeed",
    'Quote " and, comma',
    "Two\r\nlines",
    "<b>Tags</b> & ampersands",
    "Ünïcödé — ✓",
    "  spaced  ",
]


def sheet_rows(content: bytes, name: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook[name].iter_rows(values_only=True))


@pytest.fixture
def nasty(records, tjk_focal):
    """An update for each nasty text, on Tajikistan's submitted 2026 action."""
    fiu = records.fiu
    Action.objects.filter(pk=fiu.pk).update(description="=cmd|' /C calc'!A0", partners="")
    for number, text in enumerate(NASTY, start=1):
        ProgressUpdate.objects.create(
            action=fiu, submission=fiu.submission, date=datetime.date(2026, 5, number),
            narrative=text, status="in_progress", progress=number, created_by=tjk_focal,
        )  # fmt: skip
    return records


def neutralised(text: str) -> str:
    return "'" + text if text[:1] in "=+-@\t\r" else text


def safe_text(text: str) -> str:
    """What a spreadsheet cell shows: neutralised, without the characters XML cannot hold."""
    return neutralised(text).replace("\x07", "").replace("\x0c", "")


def test_a_streamed_workbook_opens_with_numbers_text_and_blanks(tmp_path):
    path = tmp_path / "book.xlsx"
    with Workbook(path, ["Summary", "Data & more"]) as workbook:
        sheet = workbook.sheet(widths=(28, 60))
        sheet.row(["Rows", 2])
        sheet.close()
        sheet = workbook.sheet(freeze_header=True)
        sheet.row(["Number", "Text", "Blank", "After"], bold=True)
        sheet.row([1, "a\x00b\x1fc", None, "x"])
        sheet.row([2.5, "Two\r\nlines", "", "<&>"])
        sheet.close()

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Summary", "Data & more"]
    data = workbook["Data & more"]
    assert data.freeze_panes == "A2"
    assert data["A1"].font.b
    assert list(data.iter_rows(values_only=True)) == [
        ("Number", "Text", "Blank", "After"),
        (1, "abc", None, "x"),
        (2.5, "Two\r\nlines", None, "<&>"),
    ]
    assert workbook["Summary"].column_dimensions["B"].width == 60


def test_a_reports_cells_are_neutralised_iso_and_without_control_characters(
    build_report, nasty, tjk_focal
):
    report, content = build_report(tjk_focal, format="xlsx")

    updates = sheet_rows(content, "Updates")
    narratives = [row[7] for row in updates[1:]]
    for text in NASTY:
        assert safe_text(text) in narratives
    update = next(row for row in updates[1:] if row[7] == "'=1+1")
    assert (update[4], update[6]) == ("2026-05-01", 1)
    assert update[9].endswith("+00:00") and update[9][10] == "T"
    actions = sheet_rows(content, "Actions")
    fiu = next(row for row in actions[1:] if row[0] == nasty.fiu.pk)
    assert fiu[6] == "'=cmd|' /C calc'!A0"
    assert fiu[8] is None  # no partners: a blank cell, as XlsxWriter left it


def test_a_sheet_over_excels_limit_is_cut_and_the_summary_says_so(
    build_report, nasty, tjk_focal, monkeypatch
):
    monkeypatch.setattr(xlsx_report, "MAX_ROWS", 3)

    report, content = build_report(tjk_focal, format="xlsx")

    assert len(sheet_rows(content, "Updates")) == 1 + 3
    summary = dict(sheet_rows(content, "Summary"))
    assert summary["Rows in Updates"] == 3 + len(NASTY)
    assert summary["Rows cut"] == "Sheet Updates holds the first 3 of 15 rows (Excel's limit)"


def test_the_csv_holds_every_nasty_cell_neutralised_and_whole(build_report, nasty, tjk_focal):
    report, content = build_report(tjk_focal, format="csv", table="updates")

    rows = list(csv.reader(io.StringIO(content.decode(), newline="")))
    narratives = [row[7] for row in rows[1:]]
    for text in NASTY:
        expected = neutralised(text)
        # Python's csv module, as Excel, reads a CR alone inside a quoted field as a newline.
        assert expected in narratives or expected.replace("\r", "\n") in narratives


def build_both_ways(builder, report, path, monkeypatch) -> tuple[dict, dict]:
    """The report's file members built through COPY and through Python, at the same time."""
    built_at = timezone.now()
    builder(ReportData(report, built_at=built_at), path / "copy")
    with monkeypatch.context() as patch:
        patch.setattr(pgcopy, "available", lambda: False)
        builder(ReportData(report, built_at=built_at), path / "python")
    members = []
    for name in ("copy", "python"):
        with zipfile.ZipFile(path / name) as archive:
            members.append({member: archive.read(member) for member in archive.namelist()})
    return members[0], members[1]


@pytest.mark.postgresql  # COPY is PostgreSQL's: the CI runs it in its PostgreSQL pass
@pytest.mark.parametrize("builder", [csv_report.build, xlsx_report.build], ids=["csv", "xlsx"])
def test_on_postgresql_copy_and_python_write_the_same_bytes(
    builder, client, nasty, tjk_focal, declaration, cycle, tmp_path, monkeypatch
):
    report = request_report(client, tjk_focal, declaration, cycle, format="csv")

    by_copy, by_python = build_both_ways(builder, report, tmp_path, monkeypatch)

    assert by_copy.keys() == by_python.keys()
    for name in by_copy:
        assert by_copy[name] == by_python[name], name
    assert any(b"'=1+1" in content for content in by_copy.values())
