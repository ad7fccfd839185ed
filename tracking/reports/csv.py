"""CSV reports: every table in a ZIP, or one table as a plain CSV file.

Lines end with LF, as PostgreSQL's COPY writes them: the COPY path (`pgcopy`) and the
Python path give the same bytes for the same rows.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import pgcopy
from .data import Progress, ReportData, Table

# A field holding one of these is quoted, by COPY as by the csv module (which, with LF line
# endings, misses a lone CR before Python 3.13).
SPECIAL = re.compile(r'[,"\r\n]')


def _writer(stream: io.TextIOBase):
    return csv.writer(stream, lineterminator="\n")


def _quoted(value: object) -> str:
    text = "" if value is None else str(value)
    if SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_rows(stream: io.TextIOBase, rows: Iterable[list]) -> None:
    writer = _writer(stream)
    for row in rows:
        if any(type(value) is str and "\r" in value for value in row):
            stream.write(",".join(_quoted(value) for value in row) + "\n")
        else:
            writer.writerow(row)


def _write_table(out: IO[bytes], data: ReportData, table: Table, progress: Progress) -> None:
    with io.TextIOWrapper(out, encoding="utf-8", newline="") as stream:
        _writer(stream).writerow(table.headers)
        if pgcopy.available():
            stream.flush()
            pgcopy.write_csv(out, table, progress)
        else:
            _write_rows(stream, data.rows(table, progress))


def _write_summary(out: IO[bytes], data: ReportData, counts: dict[str, int]) -> None:
    with io.TextIOWrapper(out, encoding="utf-8", newline="") as stream:
        _writer(stream).writerows(data.summary_rows(counts))


def _member_name(title: str, name: str) -> str:
    """'actions.csv', in the report's language ('действия.csv')."""
    return f"{slugify(title, allow_unicode=True) or name}.csv"


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    tables = data.tables()
    wanted = data.report.table
    if wanted and wanted != "summary":
        tables = {wanted: tables[wanted]}
    counts = data.counts(tables)
    progress = Progress(sum(counts.values()), progress_callback)
    if wanted:
        with path.open("wb") as out:
            if wanted == "summary":
                _write_summary(out, data, counts)
            else:
                _write_table(out, data, tables[wanted], progress)
        return counts
    # Level 1: most of the time of a higher level for a few percent of the size.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(_member_name(_("Summary"), "summary"), "w") as out:
            _write_summary(out, data, counts)
        for name, table in tables.items():
            # force_zip64: a table of a million rows may pass 2 GiB uncompressed.
            with archive.open(_member_name(table.title, name), "w", force_zip64=True) as out:
                _write_table(out, data, table, progress)
    return counts
