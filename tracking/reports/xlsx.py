"""XLSX reports: sheets Summary, Assessments, Actions, Updates, Evidence, streamed to disk."""

from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from .data import Progress, ReportData

# Excel's last row (1,048,576) minus the header row.
MAX_ROWS = 1_048_575


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    tables = data.tables()
    counts = data.counts(tables)
    progress = Progress(sum(counts.values()), progress_callback)
    # constant_memory writes each row to disk as soon as the next one starts: memory stays flat.
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_urls": False,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    summary = workbook.add_worksheet(_("Summary"))
    for row, values in enumerate(data.summary_rows(counts)):
        summary.write_row(row, 0, values)
    summary.set_column(0, 0, 28)
    summary.set_column(1, 1, 60)
    for table in tables.values():
        sheet = workbook.add_worksheet(str(table.title))
        sheet.write_row(0, 0, table.headers, bold)
        sheet.freeze_panes(1, 0)
        for row, values in enumerate(data.rows(table, progress), start=1):
            if row > MAX_ROWS:
                continue  # counted in Summary; Excel cannot hold more
            sheet.write_row(row, 0, values)
    workbook.close()
    return counts
