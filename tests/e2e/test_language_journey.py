"""A focal point switches the site to Arabic with the language chooser: the page reads right
to left and its layout is mirrored; the choice stays after logging out and in again.

Passes once the Arabic catalog is translated (the last check says so when it is not)."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def arabic(text: str) -> str:
    with translation.override("ar"):
        return translation.gettext(text)


def _x(locator) -> float:
    box = locator.bounding_box()
    assert box, locator
    return box["x"]


def _log_in(page: Page, live_server) -> None:
    """On the login page in English: the browser asks for English, no language saved yet."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("tjk-focal")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_chooser_switches_to_arabic_and_the_layout_is_mirrored(
    page: Page, live_server, tjk_action, tjk_focal
):
    page.set_viewport_size({"width": 1400, "height": 900})
    _log_in(page, live_server)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    english_links = navigation.get_by_role("link")
    assert _x(english_links.first) < _x(english_links.last)

    page.get_by_label("Language").select_option(label="العربية")
    page.get_by_role("button", name="Change language").click()

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    links = page.get_by_role("navigation", name=arabic("Main")).get_by_role("link")
    # Right to left: the first link ("Home") is at the right, the last at the left.
    assert _x(links.first) > _x(links.last)
    # The site's name leads the header at the right; the table's first column is at the right.
    brand = page.get_by_role("link", name=arabic("Declaration tracker"))
    assert _x(brand) > _x(page.get_by_role("link", name="Farrukh Focal"))
    table = page.get_by_role("table").first
    headers = table.get_by_role("columnheader")
    assert _x(headers.first) > _x(headers.last)
    # The charts too: a label is at the right of its bar (the action is "in progress").
    chart = page.get_by_role("img", name=re.compile("Tajikistan|طاجيكستان"))
    bar = chart.locator("rect[width]:not([width='0.0']):not([width='0'])")
    assert _x(chart.locator("text").nth(2)) > _x(bar)

    # The choice was saved on the profile: a new session, in another browser, is in Arabic.
    page.context.clear_cookies()
    _log_in(page, live_server)
    expect(html).to_have_attribute("dir", "rtl")

    page.get_by_label(arabic("Language")).select_option(label="English")
    page.get_by_role("button", name=arabic("Change language")).click()
    expect(html).to_have_attribute("dir", "ltr")
    tjk_focal.refresh_from_db()
    assert tjk_focal.language == "en"

    # The Arabic catalog is there: the chooser's own label is translated.
    assert arabic("Language") != "Language", "the Arabic catalog is not translated yet"
