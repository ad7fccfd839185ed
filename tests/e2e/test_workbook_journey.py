"""A focal point files offline: downloads the submission's workbook, edits it in a spreadsheet
program (openpyxl), uploads it, checks the preview and applies it; a real worker applies it
while the page follows it."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tracking.models import Action, Assessment

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """axe-core's script runs in pages whose policy allows only the app's own scripts."""
    return {**browser_context_args, "bypass_csp": True}


def _serious_violations(page: Page) -> list[str]:
    """The preview is reached by a form, not a link: test_accessibility.py's crawl misses it."""
    found = Axe().run(page).response["violations"]
    return [v["id"] for v in found if v["impact"] in {"serious", "critical"}]


def test_a_focal_point_files_through_a_workbook(
    page: Page, live_server, report_worker, settings, tmp_path, tjk_action, tjk_focal
):
    settings.WORKBOOK_APPLY_AT_ONCE = 0  # however small, through the worker
    report_worker.start()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("tjk-focal")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    page.goto(live_server.url + tjk_action.submission.get_absolute_url())

    with page.expect_download() as download:
        page.get_by_role("link", name="Download workbook").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    book = load_workbook(path)
    book["Ratings"]["E7"], book["Ratings"]["F7"] = "Partially implemented", "Drafting a law."
    book["Actions"]["K2"] = 35
    book["Actions"].append([None, None, "Youth outreach", "", "Ministry of Youth", "", "12",
                            None, None, "Planned", 0])  # fmt: skip
    book.save(path)

    upload = page.get_by_role("form", name="Offline filing")
    upload.get_by_label("Workbook").set_input_files(str(path))
    upload.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("New: 2")).to_be_visible()
    expect(page.get_by_text("Progress (%): 10 → 35")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Youth outreach"))).to_contain_text("New")
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Apply changes").click()

    # The page swaps in the outcome by itself once the worker has applied the workbook.
    expect(page.get_by_role("heading", name=re.compile("workbook for"))).to_be_visible()
    expect(page.get_by_text("The workbook was applied: 2 new, 1 changed")).to_be_visible(
        timeout=60_000
    )
    assert _serious_violations(page) == []
    page.get_by_role("link", name="Back to the submission").click()
    expect(page.get_by_role("link", name="Youth outreach")).to_be_visible()
    expect(page.get_by_text("1 of 16 paragraphs rated")).to_be_visible()
    tjk_action.refresh_from_db()
    assert tjk_action.progress == 35
    assert Action.objects.get(title="Youth outreach").paragraph_numbers == "12"
    assert Assessment.objects.get().justification == "Drafting a law."
