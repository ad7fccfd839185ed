"""Building status reports: the scoped rows (`data`) and one writer per format."""

from collections.abc import Callable
from pathlib import Path

from ..models import Report
from . import csv, pdf, xlsx
from .data import ReportData

Builder = Callable[[ReportData, Path, Callable[[int], None] | None], dict[str, int]]
BUILDERS: dict[str, Builder] = {
    Report.Format.CSV: csv.build,
    Report.Format.XLSX: xlsx.build,
    Report.Format.PDF: pdf.build,
}


def build(
    report: Report, path: Path, progress_callback: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Writes the report's file at `path`; returns the row count of each table."""
    return BUILDERS[report.format](ReportData(report), path, progress_callback)
