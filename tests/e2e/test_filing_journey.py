"""A focal point files a paragraph's action, evidence, update and rating; the coordinator
approves; another country cannot reach it; the secretariat can."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, make_pdf
from tests.tracking.filings import rate_all
from tracking.models import Action, Submission

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_a_paragraph_is_filed_rated_submitted_and_approved(
    page: Page,
    live_server,
    tmp_path,
    private_media,
    cycle,
    tjk_focal,
    tjk_coordinator,
    kaz_focal,
    secretariat,
):
    pdf = tmp_path / "decree-6.pdf"
    pdf.write_bytes(make_pdf("Decree on countering the financing of terrorism"))

    _log_in(page, live_server, "tjk-focal")
    page.goto(live_server.url + "/tracking/actions/new/")
    page.get_by_role("group", name="Operative paragraphs").get_by_label(
        re.compile(r"\bOP6 \(")
    ).check()
    page.get_by_label("Title").fill("Decree on terrorist financing")
    page.get_by_label("Lead institution").fill("Ministry of Finance")
    page.get_by_label("Start date").fill("2026-02-01")
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_label("Progress (%)").fill("20")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_role("heading", name="Decree on terrorist financing")).to_be_visible()
    action_url = page.url

    evidence = page.get_by_role("form", name="Add evidence")
    evidence.get_by_label("Title").fill("Decree No. 6")
    evidence.get_by_label("File").set_input_files(str(pdf))
    evidence.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_role("link", name="Decree No. 6", exact=True)).to_be_visible()

    update = page.get_by_role("form", name="File update")
    update.get_by_label("Narrative").fill("The decree was signed.")
    update.get_by_label("New status").select_option(label="Completed")
    update.get_by_label("New progress (%)").fill("100")
    update.get_by_role("button", name="File update").click()
    expect(page.get_by_text("The decree was signed.")).to_be_visible()

    page.get_by_role("link", name=re.compile("Submission 2026")).click()
    page.get_by_role("link", name="Rate paragraph 6").click()
    page.get_by_label("Rating").select_option(label="Fully implemented")
    page.get_by_label("Justification").fill("The decree is in force.")
    page.get_by_role("button", name="Save rating").click()
    expect(page.get_by_text("1 of 16 paragraphs rated")).to_be_visible()
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    expect(page.get_by_role("link", name="OP1 has no rating yet.")).to_be_visible()
    rate_all(Submission.objects.get(), user=tjk_focal)
    page.reload()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("The submission was sent to the coordinator.")).to_be_visible()
    submission_url = page.url

    _log_in(page, live_server, "tjk-coordinator")
    page.goto(submission_url)
    review = page.get_by_role("form", name="Review")
    review.get_by_label("Comment for the focal point").fill("Well documented.")
    review.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The submission is now approved.")).to_be_visible()
    assert Submission.objects.get().state == Submission.State.APPROVED

    _log_in(page, live_server, "kaz-focal")
    response = page.goto(action_url)
    assert response.status == 404
    expect(page.get_by_text("Decree on terrorist financing")).to_have_count(0)

    _log_in(page, live_server, "secretariat")
    page.goto(action_url)
    expect(page.get_by_role("heading", name="Decree on terrorist financing")).to_be_visible()
    expect(page.get_by_role("link", name="Decree No. 6", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Edit action")).to_have_count(0)
    action = Action.objects.get()
    assert (action.status, action.progress) == ("completed", 100)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Matrix").click()
    tajikistan_row = page.get_by_role("row", name=re.compile("Tajikistan"))
    paragraph_6 = tajikistan_row.get_by_role("cell").nth(5)
    expect(paragraph_6).to_contain_text("Fully implemented")
    expect(paragraph_6).to_contain_text("1")
