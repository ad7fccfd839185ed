"""A focal point asks for two reports, waits on My reports without reloading, downloads both."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_a_focal_point_requests_a_pdf_and_an_xlsx_and_downloads_both_when_ready(
    page: Page, live_server, report_worker, records, tjk_focal
):
    report_worker.start()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("tjk-focal")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    for format in ("PDF", "XLSX"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
        page.get_by_role("link", name="Request a report").click()
        page.get_by_label("Declaration").select_option(label="Dushanbe Declaration")
        page.get_by_label("Cycle").select_option(label="Dushanbe Declaration 2026")
        page.get_by_label("Participants").select_option(label="Tajikistan")
        page.get_by_label("Format").select_option(label=format)
        page.get_by_role("button", name="Request report").click()
        expect(page.get_by_role("heading", name="My reports")).to_be_visible()
        expect(page.get_by_text(re.compile(r"Report #\d+ is queued\."))).to_be_visible()

    # The page swaps in the table by itself while the worker builds the reports.
    downloads = page.get_by_role("link", name=re.compile(r"^Download report #\d+$"))
    expect(downloads).to_have_count(2, timeout=60_000)

    contents = []
    for index in range(2):
        with page.expect_download() as download:
            downloads.nth(index).click()
        contents.append(download.value.path().read_bytes())
    assert sorted(content[:4] for content in contents) == [b"%PDF", b"PK\x03\x04"]
