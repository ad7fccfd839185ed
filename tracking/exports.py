"""Cell values for spreadsheets and CSV files that people open in Excel or LibreOffice."""

import datetime
from decimal import Decimal

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: str) -> str:
    """Prefix a quote so that a spreadsheet shows the text instead of running it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell(value: object) -> object:
    """A safe cell: numbers stay numbers, dates become ISO text, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))
