"""CSV reports: every table in a ZIP, or one table as a plain CSV file."""

import csv
import io
import zipfile
from pathlib import Path

from .data import Progress, ReportData, Table


def _write_table(stream: io.TextIOBase, data: ReportData, table: Table, progress: Progress):
    writer = csv.writer(stream)
    writer.writerow(table.headers)
    writer.writerows(data.rows(table, progress))


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    tables = data.tables()
    wanted = data.report.table
    if wanted and wanted != "summary":
        tables = {wanted: tables[wanted]}
    counts = data.counts(tables)
    progress = Progress(sum(counts.values()), progress_callback)
    if wanted:
        with path.open("w", newline="", encoding="utf-8") as stream:
            if wanted == "summary":
                csv.writer(stream).writerows(data.summary_rows(counts))
            else:
                _write_table(stream, data, tables[wanted], progress)
        return counts
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with (
            archive.open("summary.csv", "w") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as stream,
        ):
            csv.writer(stream).writerows(data.summary_rows(counts))
        for name, table in tables.items():
            # force_zip64: a table of a million rows may pass 2 GiB uncompressed.
            with (
                archive.open(f"{name}.csv", "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as stream,
            ):
                _write_table(stream, data, table, progress)
    return counts
