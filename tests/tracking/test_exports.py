import datetime

import pytest

from tracking.exports import cell


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\0x"]
)
def test_text_that_a_spreadsheet_would_run_is_quoted(text):
    assert cell(text) == "'" + text


def test_plain_text_numbers_and_dates_pass_unchanged():
    assert cell("Border security") == "Border security"
    assert cell(-5) == -5
    assert cell(datetime.date(2018, 5, 4)) == "2018-05-04"
    assert cell(None) == ""
