"""A focal point states a shareable need, the coordinator approves, a provider publishes an
offer on the paragraph, the secretariat matches them and follows the match to delivery; both
sides see it."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.tracking.filings import rate_all
from tracking.models import Submission

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_a_provider_and_a_state_find_each_other_on_a_paragraph(
    page: Page, live_server, cycle, tjk_focal, tjk_coordinator, provider, secretariat
):
    submission_url = f"{live_server.url}/tracking/submissions/TJK/{cycle.pk}/"
    _log_in(page, live_server, "tjk-focal")
    page.goto(submission_url)
    page.get_by_role("link", name="Add need").click()
    page.get_by_label("Operative paragraph").select_option(
        label="OP7 (Dushanbe Declaration): Consider commitment 7"
    )
    page.get_by_label("Kind of assistance").select_option(label="Training")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("What is needed").fill("Courses for border guards")
    page.get_by_label("May be shared with providers").check()
    page.get_by_role("button", name="Save need").click()
    expect(page.get_by_text("The need was saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="Courses for border guards")).to_be_visible()
    rate_all(Submission.objects.get(), user=tjk_focal)
    page.reload()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("The submission was sent to the coordinator.")).to_be_visible()

    _log_in(page, live_server, "tjk-coordinator")
    page.goto(submission_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The submission is now approved.")).to_be_visible()

    _log_in(page, live_server, "unodc-provider")
    page.get_by_role("link", name="Technical assistance").click()
    expect(page.get_by_role("cell", name="Courses for border guards")).to_be_visible()
    page.get_by_role("link", name="Offers", exact=True).click()
    page.get_by_role("link", name="New offer").click()
    page.get_by_role("combobox", name="Declaration").select_option(label="Dushanbe Declaration")
    page.get_by_label("Title").fill("Border guard courses")
    page.get_by_label("Kind of assistance").select_option(label="Training")
    page.get_by_label("Description").fill("Two weeks of courses in Dushanbe.")
    page.get_by_role("group", name="Operative paragraphs").get_by_label(
        re.compile(r"\bOP7 \(")
    ).check()
    page.get_by_label("Contact name").fill("Pavel Provider")
    page.get_by_label("Contact e-mail").fill("pavel@example.org")
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_text("The offer was saved as a draft.")).to_be_visible()
    page.get_by_role("button", name="Publish offer").click()
    expect(page.get_by_text("The offer is now published.")).to_be_visible()
    offer_url = page.url

    _log_in(page, live_server, "secretariat")
    page.get_by_role("link", name="Technical assistance").click()
    page.get_by_role("link", name="Propose match with UN Office on Drugs and Crime").click()
    page.get_by_label("Note for both sides").fill("Start in the spring.")
    page.get_by_role("button", name="Propose match").click()
    expect(page.get_by_text("The match was proposed.")).to_be_visible()
    page.get_by_role("button", name="Mark as agreed").click()
    expect(page.get_by_text("The match is now agreed.")).to_be_visible()
    page.get_by_role("button", name="Mark as delivered").click()
    expect(page.get_by_text("The match is now delivered.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Mark as"))).to_have_count(0)

    _log_in(page, live_server, "unodc-provider")
    page.goto(offer_url)
    expect(page.get_by_role("link", name="Tajikistan, OP7: Delivered")).to_be_visible()

    _log_in(page, live_server, "tjk-focal")
    page.goto(submission_url)
    expect(page.get_by_role("link", name="UN Office on Drugs and Crime: Delivered")).to_be_visible()
