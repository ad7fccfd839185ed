"""The actions list's XLSX holds every text and number faithfully, and dates as dates.

XlsxWriter's rules are the reference: characters XML cannot carry and literal `_xHHHH_` text
are stored with Excel's `_xHHHH_` escape, which openpyxl leaves undecoded in the inline strings
of a constant-memory file, so the tests decode it as Excel does.
"""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.urls import reverse

from tracking.exports import XlsxRows, cell, xlsx_text
from tracking.models import Action

from .filings import file_action

XLSX = reverse("tracking:actions_xlsx")


def as_excel_reads(value):
    """A cell's text as Excel shows it: each `_xHHHH_` escape decoded, left to right."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def download(client) -> list:
    body = b"".join(client.get(XLSX).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active  # fails on a malformed file
    return list(sheet.iter_rows())


@pytest.fixture
def awkward(cycle, tajikistan, tjk_focal):
    action = file_action(tajikistan, cycle, tjk_focal, title="Plain", start_date="2026-02-01")
    # As an import or the admin may store them: the form is not the only way in.
    Action.objects.filter(pk=action.pk).update(
        title="Non\ufffecharacters\uffff and a bell\x07",
        lead_institution="<r>Ministry & partners</r>",
        partners="Literal _x0041_ and _x005F_ escapes",
        description="",
    )
    return action


def test_xml_illegal_characters_and_literal_escapes_come_out_as_written(client, awkward, tjk_focal):
    client.force_login(tjk_focal)

    header, row = download(client)

    assert as_excel_reads(row[4].value) == "Non\ufffecharacters\uffff and a bell\x07"
    assert as_excel_reads(row[6].value) == "Literal _x0041_ and _x005F_ escapes"


def test_text_that_looks_like_xlsx_markup_stays_text_and_the_file_opens(client, awkward, tjk_focal):
    client.force_login(tjk_focal)

    header, row = download(client)

    assert row[5].value == "'<r>Ministry & partners</r>"
    assert row[5].data_type == "s"


def test_dates_are_date_cells_with_a_date_format(client, awkward, tjk_focal):
    client.force_login(tjk_focal)

    header, row = download(client)

    start, changed = row[10], row[12]
    assert start.value == datetime.datetime(2026, 2, 1)
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    assert changed.is_date and changed.number_format == "yyyy-mm-dd hh:mm:ss"
    updated_at = Action.objects.get().updated_at.replace(tzinfo=None, microsecond=0)
    assert abs(changed.value - updated_at) < datetime.timedelta(seconds=1)
    assert row[9].value == 0 and row[9].data_type == "n"


def test_a_text_over_a_cells_limit_is_cut_and_says_so(client, awkward, tjk_focal):
    Action.objects.update(partners="p" * 40_000)
    client.force_login(tjk_focal)

    header, row = download(client)

    assert len(row[6].value) == 32_767
    assert row[6].value.startswith("p" * 32_000)
    assert row[6].value.endswith("[…cut: a cell holds at most 32,767 characters]")


def test_characters_beyond_the_basic_plane_count_twice_toward_the_limit():
    text = xlsx_text("😀" * 20_000)

    assert len(text.encode("utf-16-le")) // 2 <= 32_767
    assert text.startswith("😀" * 16_000) and text.endswith("characters]")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "'-Infinity"),
        (Decimal("NaN"), "NaN"),
        (Decimal("-Infinity"), "'-Infinity"),
    ],
)
def test_numbers_that_are_not_finite_become_their_name(value, shown, tmp_path):
    path = tmp_path / "numbers.xlsx"
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as workbook:
        XlsxRows(workbook, workbook.add_worksheet()).write(0, [value, 2.5, Decimal("1.25")])

    [row] = openpyxl.load_workbook(path).active.iter_rows(values_only=True)

    assert cell(value) == shown
    assert row == (shown, 2.5, 1.25)


def test_a_lone_surrogate_becomes_the_replacement_character():
    assert cell("a\ud800b") == "a\ufffdb"
