"""XLSX reports: sheets Summary, Assessments, Actions, Updates, Evidence, streamed to disk;
names, headers and labels in the report's language (the active one while it is built)."""

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from . import pgcopy
from .data import Progress, ReportData, Table
from .xlsx_stream import Sheet, Workbook

# Excel's last row (1,048,576) minus the header row.
MAX_ROWS = 1_048_575


def _write_rows(sheet: Sheet, data: ReportData, table: Table, progress: Progress) -> None:
    if pgcopy.available():
        pgcopy.write_xlsx_rows(sheet, table, progress, MAX_ROWS)
        return
    for row, values in enumerate(data.rows(table, progress), start=1):
        if row > MAX_ROWS:
            break
        sheet.row(values)


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    tables = data.tables()
    counts = data.counts(tables)
    progress = Progress(sum(counts.values()), progress_callback)
    summary = data.summary_rows(counts)
    for name, table in tables.items():
        if counts[name] > MAX_ROWS:
            note = _("Sheet %(sheet)s holds the first %(rows)d of %(count)d rows (Excel's limit)")
            summary.append(
                [
                    _("Rows cut"),
                    note % {"sheet": table.title, "rows": MAX_ROWS, "count": counts[name]},
                ]
            )
    titles = [_("Summary"), *(table.title for table in tables.values())]
    with Workbook(path, titles, right_to_left=translation.get_language_bidi()) as workbook:
        sheet = workbook.sheet(widths=(28, 60))
        for values in summary:
            sheet.row(values)
        sheet.close()
        for table in tables.values():
            sheet = workbook.sheet(freeze_header=True)
            sheet.row(table.headers, bold=True)
            _write_rows(sheet, data, table, progress)
            sheet.close()
    return counts
