"""A coordinator enrols an authenticator, then logs in with its codes; wrong and reused codes
are refused."""

import base64
import re
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SETUP_ERROR = "This code is wrong. Check the clock of your phone and retry."
VERIFY_ERROR = "This code is wrong or was already used. Try the next one."


def _password(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _code(secret: str) -> str:
    return f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def test_a_coordinator_enrols_and_logs_in_with_a_code(
    page: Page, live_server, settings, tjk_coordinator
):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["secretariat", "coordinator"]

    _password(page, live_server, "tjk-coordinator")
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    secret = page.get_by_test_id("two-factor-secret").inner_text().strip()
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(SETUP_ERROR, exact=True)).to_be_visible()
    code = _code(secret)
    page.get_by_label("Authentication code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Two-factor login is on")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    # The next login asks for a code: a wrong one and the one already used are refused.
    _password(page, live_server, "tjk-coordinator")
    expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()
    for refused in ("000000", code):
        page.get_by_label("Authentication code").fill(refused)
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_text(VERIFY_ERROR, exact=True)).to_be_visible()
    page.goto(live_server.url + "/tracking/actions/")
    expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()

    # A fresh code (the next time step) lets the coordinator in, to the page asked for.
    page.wait_for_timeout(1000 * (30 - time.time() % 30) + 500)
    page.get_by_label("Authentication code").fill(_code(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/tracking/actions/$"))
