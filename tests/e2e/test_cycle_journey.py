"""The secretariat opens a new cycle; the focal point finds last cycle's approved ratings
carried forward, changes one and submits; the coordinator approves; the secretariat sees the
change beside the previous value."""

import re

import pytest
from playwright.sync_api import Page, expect

from tracking.models import Assessment, ReportingCycle, Submission

from .test_filing_journey import _log_in

pytestmark = pytest.mark.browser


def test_a_new_cycle_starts_from_the_last_approved_one_and_shows_what_changed(
    page: Page, live_server, approved_2026, tjk_focal, tjk_coordinator, secretariat
):
    _log_in(page, live_server, "secretariat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name="New cycle").click()
    page.get_by_label("Name").fill("2027")
    page.get_by_label("Period starts on").fill("2027-01-01")
    page.get_by_label("Period ends on").fill("2027-12-31")
    page.get_by_label("Submissions due on").fill("2028-01-31")
    page.get_by_role("button", name="Create cycle").click()
    page.get_by_role("button", name="Open cycle").click()
    expect(page.get_by_text(re.compile("is now open|was opened", re.I)).first).to_be_visible()
    following = ReportingCycle.objects.get(name="2027")
    assert following.state == ReportingCycle.State.OPEN
    assert following.participants.filter(code="TJK").exists()

    _log_in(page, live_server, "tjk-focal")
    page.goto(f"{live_server.url}/tracking/submissions/TJK/{following.pk}/")
    expect(page.get_by_text("Carried forward, unchanged").first).to_be_visible()
    page.get_by_role("link", name="Rate paragraph 6").click()
    expect(page.get_by_label("Rating")).to_have_value("fully")
    page.get_by_label("Rating").select_option(label="Substantially implemented")
    page.get_by_label("Justification").fill("The unit lost two analysts.")
    page.get_by_role("button", name="Save rating").click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("The submission was sent to the coordinator.")).to_be_visible()

    _log_in(page, live_server, "tjk-coordinator")
    page.goto(f"{live_server.url}/tracking/submissions/TJK/{following.pk}/")
    review = page.get_by_role("form", name="Review")
    review.get_by_label("Comment for the focal point").fill("Agreed.")
    review.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The submission is now approved.")).to_be_visible()
    assert Submission.objects.get(cycle=following).state == Submission.State.APPROVED

    _log_in(page, live_server, "secretariat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Matrix").click()
    tajikistan = page.get_by_role("row", name=re.compile("Tajikistan"))
    paragraph_6 = tajikistan.get_by_role("cell").nth(5)
    expect(paragraph_6).to_contain_text("Substantially implemented")
    # The matrix marks the change; the participant's page shows the rating it changed from.
    expect(paragraph_6).to_contain_text(re.compile("regressed", re.I))
    tajikistan.get_by_role("link", name=re.compile("Tajikistan")).click()
    history = page.get_by_role(
        "table", name=re.compile("Ratings of Tajikistan per operative paragraph")
    )
    expect(history.get_by_role("row", name=re.compile(r"^OP6\b"))).to_contain_text(
        re.compile("Fully implemented.*Substantially implemented")
    )
    # The 2026 record is what was approved then.
    assert Assessment.objects.get(submission__cycle__name="2026", paragraph__number=6).rating == (
        "fully"
    )
