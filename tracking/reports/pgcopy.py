"""PostgreSQL's COPY for the big tables: the database formats the cells, we copy the bytes.

The query is the table's scoped queryset's own SQL, wrapped in a SELECT that makes each
value the text the Python path writes (`ReportData.rows` through `csv` or `xlsx_stream`):
formula triggers neutralised, ISO dates, NULL for a blank cell. Tests compare both paths.
"""

from typing import IO, Any, Protocol, cast

from django.conf import settings
from django.db import connection, transaction

from .data import DATE, NUMBER, TEXT, TIME, Progress, Table
from .xlsx_stream import CONTROL_CHARACTERS

# `exports.FORMULA_TRIGGERS` but NUL, which PostgreSQL text cannot hold.
NEUTRALISED = (
    "NULLIF(CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') "
    "THEN '''' || {0} ELSE {0} END, '')"
)
# Django reads timestamps in UTC (USE_TZ) and writes them with isoformat(timespec="seconds").
ISO_TIME = "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
CELL_TEXT = {
    NUMBER: "{0}::text",
    TEXT: NEUTRALISED,
    DATE: "to_char({0}, 'YYYY-MM-DD')",
    TIME: ISO_TIME,
}
# Escaped as `xlsx_stream.escape` does; CR and LF as references keep one row on one line.
XML_TEXT = (
    "replace(replace(replace(replace(replace({0}, "
    "'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), E'\\r', '&#13;'), E'\\n', '&#10;')"
)
# Removed from the whole row at once: translate() on every cell took three times as long.
WITHOUT_CONTROL_CHARACTERS = "regexp_replace({0}, %s, '', 'g')"
XML_NUMBER = "COALESCE('<c><v>' || {0} || '</v></c>', '<c/>')"
XML_STRING = (
    "COALESCE('<c t=\"inlineStr\"><is><t xml:space=\"preserve\">' || {0} || '</t></is></c>', "
    "'<c/>')"
)
# A COPY in CSV format writes a value as it is when it holds none of these: control
# characters that `XML_TEXT` removes, so each line is one row's XML, unquoted.
RAW_LINES = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"
BUFFER_SIZE = 1 << 20


class Output(Protocol):
    """Where COPY's bytes go: a file, a member of an archive, a worksheet."""

    def write(self, data: bytes | bytearray, /) -> object: ...


def available() -> bool:
    return connection.vendor == "postgresql"


def _columns(table: Table) -> tuple[str, list[str], tuple[Any, ...]]:
    """The table's SQL as a derived table, and its columns' names in values_list() order."""
    queryset = table.queryset
    query = queryset.query
    sql, params = query.sql_with_params()
    # The SQL's columns, in its order (which values_list() follows since Django 5.2).
    selected = list(cast(dict[str, Any], query.selected))  # set by values_list()
    names = [f"c{index}" for index in range(len(selected))]
    position = dict(zip(selected, names, strict=True))
    # values_list()'s names, in its order: private in Django, absent from django-stubs.
    ordered = [position[field] for field in queryset._fields]  # type: ignore[attr-defined]
    # A subquery with ORDER BY is scanned in its order: the rows come out sorted.
    derived = f"({sql}) AS report_rows ({', '.join(names)})"
    return derived, ordered, params


def csv_sql(table: Table) -> tuple[str, tuple]:
    derived, columns, params = _columns(table)
    cells = [
        CELL_TEXT[kind].format(column) for kind, column in zip(table.columns, columns, strict=True)
    ]
    # Our own SQL around Django's compiled query; every value is a parameter.
    return f"SELECT {', '.join(cells)} FROM {derived}", tuple(params)  # noqa: S608


def xlsx_sql(table: Table, limit: int) -> tuple[str, tuple]:
    derived, columns, params = _columns(table)
    cells = []
    for kind, column in zip(table.columns, columns, strict=True):
        text = CELL_TEXT[kind].format(column)
        if kind == NUMBER:
            cells.append(XML_NUMBER.format(text))
        else:
            cells.append(XML_STRING.format(XML_TEXT.format(text)))
    row = WITHOUT_CONTROL_CHARACTERS.format(" || ".join(["'<row>'", *cells, "'</row>'"]))
    control = f"[{CONTROL_CHARACTERS}]"
    return f"SELECT {row} FROM {derived} LIMIT %s", (control, *params, limit)  # noqa: S608


def _copy(sql: str, params: tuple, options: str, out: Output, progress: Progress) -> int:
    """Streams COPY's output into `out`; returns the rows copied."""
    chunk = settings.REPORT_CHUNK_SIZE
    rows = pending = 0
    buffer = bytearray()
    statement = f"COPY ({sql}) TO STDOUT WITH ({options})"
    # psycopg 3 merges the parameters into the COPY statement on the client. A big table's
    # COPY outlasts DATABASE_STATEMENT_TIMEOUT: the task's own time limits bound it instead.
    # Its errors go through Django's wrapper, so that a lost connection is Django's
    # OperationalError (which the task retries) and the connection is known to be broken.
    with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        with cursor.cursor.copy(statement, params) as copy:
            for block in copy:  # one row each
                buffer += block
                pending += 1
                if pending == chunk:
                    # The connection is busy with the COPY: progress is reported after it.
                    progress.count(pending)
                    rows += pending
                    pending = 0
                    if len(buffer) >= BUFFER_SIZE:
                        out.write(buffer)
                        buffer.clear()
    out.write(buffer)
    progress.advance(pending)
    return rows + pending


def write_csv(out: IO[bytes], table: Table, progress: Progress) -> int:
    """The table's rows as CSV lines (no header), as `csv.writer(lineterminator="\\n")`."""
    sql, params = csv_sql(table)
    return _copy(sql, params, "FORMAT csv", out, progress)


def write_xlsx_rows(out: Output, table: Table, progress: Progress, limit: int) -> int:
    """At most `limit` of the table's rows as a worksheet's `<row>` elements, one a line."""
    sql, params = xlsx_sql(table, limit)
    return _copy(sql, params, RAW_LINES, out, progress)
