"""A focal point files a progress update with the keyboard alone, and always sees where the
focus is: no mouse, no click, no fill; only Tab, Shift+Tab, arrows, Enter, Space and typing."""

import pytest
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import PASSWORD
from tracking.forms import ProgressUpdateForm
from tracking.models import Action

pytestmark = pytest.mark.browser

# The focused element, with what shows it: an outline or a box shadow.
FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {html: element.outerHTML.slice(0, 120), shown: outline || style.boxShadow !== "none"};
}"""


def _press_until_focused(page: Page, target: Locator, key: str = "Tab", limit: int = 120) -> None:
    """Presses `key` until `target` has the focus; every element focused on the way shows it."""
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUS)
        if focused:
            assert focused["shown"], f"the focus is invisible on {focused['html']}"
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{key} never reached {target}")


def _in_page_language(page: Page):
    """Translates as the page does: it speaks the language of its <html lang>."""
    language = page.locator("html").get_attribute("lang")
    return translation.override(language)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_focal_point_files_an_update_by_keyboard(
    browser: Browser, live_server, tjk_action, language
):
    context = browser.new_context(locale=language)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    # Until the app offers the language, its pages are in English.
    spoken = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    expect(page.locator("html")).to_have_attribute("lang", spoken)

    with _in_page_language(page):
        login = AuthenticationForm()
        _press_until_focused(page, page.get_by_label(str(login.fields["username"].label)))
        page.keyboard.type("tjk-focal")
        _press_until_focused(page, page.get_by_label(str(login.fields["password"].label)))
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    with _in_page_language(page):
        main_nav = page.get_by_role("navigation", name=gettext("Main"))
        _press_until_focused(page, main_nav.get_by_role("link", name=gettext("Actions")))
        with page.expect_navigation():
            page.keyboard.press("Enter")

    _press_until_focused(page, page.get_by_role("link", name=tjk_action.title))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    with _in_page_language(page):
        # The skip link comes first, and takes the focus past the header.
        _press_until_focused(page, page.get_by_role("link", name=gettext("Skip to content")))
        page.keyboard.press("Enter")
        form = ProgressUpdateForm()
        update = page.get_by_role("form", name=gettext("File update"))
        narrative = update.get_by_label(str(form.fields["narrative"].label))
        status = update.get_by_label(str(form.fields["status"].label))
        progress = update.get_by_label(str(form.fields["progress"].label))
        button = update.get_by_role("button", name=gettext("File update"))

    _press_until_focused(page, narrative)
    page.keyboard.type("The strategy was adopted by decree.")
    _press_until_focused(page, status)
    page.keyboard.press("ArrowDown")  # from "In progress" to the next status, "Completed"
    expect(status).to_have_value("completed")
    _press_until_focused(page, progress)
    page.keyboard.type("100")
    # Back to the narrative, to complete it.
    _press_until_focused(page, narrative, key="Shift+Tab")
    page.keyboard.press("Control+End")
    page.keyboard.type(" It is in force.")
    _press_until_focused(page, button)
    with page.expect_navigation():
        page.keyboard.press("Space")

    expect(page.get_by_text("The strategy was adopted by decree. It is in force.")).to_be_visible()
    with _in_page_language(page):
        expect(page.get_by_text(gettext("The update was filed."))).to_be_visible()
    update = tjk_action.updates.get()
    assert (update.narrative, update.status, update.progress) == (
        "The strategy was adopted by decree. It is in force.",
        "completed",
        100,
    )
    tjk_action.refresh_from_db()
    assert (tjk_action.status, tjk_action.progress) == (Action.Status.COMPLETED, 100)
    context.close()
