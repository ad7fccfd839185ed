import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.tracking.filings import file_action, rate

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_focal_point_filters_the_actions_and_downloads_them_without_javascript(
    browser, live_server, cycle, tajikistan, tjk_focal
):
    file_action(tajikistan, cycle, tjk_focal, title="School programme", status="ongoing")
    file_action(tajikistan, cycle, tjk_focal, title="Border training", status="planned")
    page = browser.new_page(java_script_enabled=False)
    _log_in(page, live_server, "tjk-focal")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Actions").click()
    page.get_by_label("Status").select_option(label="Ongoing")
    page.get_by_role("button", name="Filter").click()

    table = page.get_by_role("table", name="Actions")
    expect(table.get_by_role("link", name="School programme")).to_be_visible()
    expect(table.get_by_role("link", name="Border training")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[4] for row in rows[1:]] == ["School programme"]
    page.close()


def test_the_secretariat_reads_the_matrix(
    page: Page, live_server, cycle, kazakhstan, kaz_focal, secretariat
):
    rate(kazakhstan, cycle, kaz_focal, 2, "partially", state="submitted")
    _log_in(page, live_server, "secretariat")

    page.get_by_role("link", name="Matrix of ratings").click()

    matrix = page.get_by_role("table", name="Ratings and actions per participant")
    row = matrix.get_by_role("row", name="Kazakhstan")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("Partially implemented")
    expect(page.get_by_role("img", name="Ratings per operative paragraph")).to_be_visible()
