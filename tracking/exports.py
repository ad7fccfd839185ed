"""Cell values for spreadsheets and CSV files that people open in Excel or LibreOffice."""

import datetime
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Halves of a UTF-16 pair that lost its other half: no file encoding can hold one alone.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Excel's limit for one cell, counted in UTF-16 units as Excel and XlsxWriter count it.
XLSX_MAX_UNITS = 32_767


def neutralise(value: str) -> str:
    """Prefix a quote so that a spreadsheet shows the text instead of running it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _non_finite(value: float | Decimal) -> str | None:
    """ "NaN", "Infinity" or "-Infinity" for a number no spreadsheet cell can hold, else None."""
    if isinstance(value, Decimal):
        if value.is_finite():
            return None
        if value.is_nan():
            return "NaN"
    elif math.isfinite(value):
        return None
    elif math.isnan(value):
        return "NaN"
    return "-Infinity" if value < 0 else "Infinity"


def cell(value: object) -> str | int | float | Decimal:
    """A safe cell: numbers stay numbers, dates become ISO text, text is neutralised.

    A number that is not finite becomes its name as text; a lone surrogate, which no file can
    encode, becomes U+FFFD (the replacement character).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        name = _non_finite(value)
        return value if name is None else neutralise(name)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(LONE_SURROGATE.sub("\ufffd", str(value)))


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def xlsx_text(text: str) -> str:
    """Text that XlsxWriter stores as the cell shows it, for a text already `cell()`-safe.

    XlsxWriter escapes control characters, U+FFFE/U+FFFF and literal `_xHHHH_` itself (Excel's
    `_xHHHH_` escape). Two of its rules would lose text silently: a text over 32,767 units is
    cut without a word, so the cut is said in the cell; and in constant_memory mode a text
    that starts with "<r>" and ends with "</r>" is written as raw XML, which breaks the file,
    so it is quoted as a formula would be.
    """
    if text.startswith("<r>") and text.endswith("</r>"):
        text = "'" + text
    if len(text) > XLSX_MAX_UNITS // 2 and _utf16_units(text) > XLSX_MAX_UNITS:
        note = _(" […cut: a cell holds at most 32,767 characters]")
        room = XLSX_MAX_UNITS - _utf16_units(note)
        kept, units = [], 0
        for char in text:
            units += 2 if ord(char) > 0xFFFF else 1
            if units > room:
                break
            kept.append(char)
        text = "".join(kept) + note
    return text


class XlsxRows:
    """Writes rows into an XlsxWriter sheet: dates as dates, numbers as numbers, text as text."""

    def __init__(self, workbook, sheet) -> None:
        self.sheet = sheet
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def write(self, row: int, values: Iterable) -> None:
        for column, value in enumerate(values):
            self._write(row, column, value)

    def _write(self, row: int, column: int, value: object) -> None:
        if value is None or value == "":
            return  # a blank cell
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                # Excel has no time zones: the time as the site shows it.
                value = timezone.localtime(value).replace(tzinfo=None)
            self.sheet.write_datetime(row, column, value, self.datetime)
        elif isinstance(value, datetime.date):
            self.sheet.write_datetime(row, column, value, self.date)
        else:
            value = cell(value)
            if isinstance(value, str):
                self.sheet.write_string(row, column, xlsx_text(value))
            else:
                self.sheet.write_number(row, column, float(value))
