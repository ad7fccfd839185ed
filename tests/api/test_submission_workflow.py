"""A script submits a draft and its coordinator approves or returns it, as on the submission
page: the same rules (every paragraph rated), the same version check."""

import pytest
from django.urls import reverse

from tests.tracking.filings import rate_all, submission
from tracking.models import Submission

pytestmark = pytest.mark.django_db


def _url(name, record):
    return reverse(f"api:submission-{name}", args=[record.pk])


def _etag(api_client, record):
    return api_client.get(reverse("api:submission-detail", args=[record.pk]))["ETag"]


def test_a_focal_point_submits_and_the_coordinator_approves(
    api, tajikistan, cycle, tjk_focal, tjk_coordinator
):
    draft = rate_all(tajikistan, cycle, tjk_focal)
    focal, coordinator = api(tjk_focal), api(tjk_coordinator)

    sent = focal.post(_url("submit", draft), headers={"If-Match": _etag(focal, draft)})

    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "submitted"
    approved = coordinator.post(
        _url("review", draft),
        {"decision": "approve"},
        headers={"If-Match": sent["ETag"]},
    )
    assert approved.status_code == 200, approved.content
    draft.refresh_from_db()
    assert draft.state == Submission.State.APPROVED
    assert draft.reviewed_by == tjk_coordinator


def test_an_incomplete_draft_is_refused_with_what_is_missing(api, tajikistan, cycle, tjk_focal):
    draft = submission(tajikistan, cycle)
    focal = api(tjk_focal)

    response = focal.post(_url("submit", draft), headers={"If-Match": _etag(focal, draft)})

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problems = response.json()["problems"]
    assert problems and all(problem["paragraph"] for problem in problems)
    draft.refresh_from_db()
    assert draft.state == Submission.State.DRAFT


def test_returning_needs_a_comment_and_a_current_version(
    api, tajikistan, cycle, tjk_focal, tjk_coordinator
):
    draft = rate_all(tajikistan, cycle, tjk_focal)
    focal, coordinator = api(tjk_focal), api(tjk_coordinator)
    stale = _etag(focal, draft)
    sent = focal.post(_url("submit", draft), headers={"If-Match": stale})
    assert sent.status_code == 200

    assert coordinator.post(_url("review", draft), {"decision": "return"},
                            headers={"If-Match": sent["ETag"]}).status_code == 400  # fmt: skip
    assert coordinator.post(_url("review", draft), {"decision": "return", "comment": "No."},
                            headers={"If-Match": stale}).status_code == 412  # fmt: skip
    returned = coordinator.post(
        _url("review", draft),
        {"decision": "return", "comment": "Paragraph 6 needs evidence."},
        headers={"If-Match": sent["ETag"]},
    )

    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "draft"
    assert returned.json()["review_comment"] == "Paragraph 6 needs evidence."


def test_a_focal_point_may_not_review(api, tajikistan, cycle, tjk_focal):
    draft = rate_all(tajikistan, cycle, tjk_focal)
    focal = api(tjk_focal)
    sent = focal.post(_url("submit", draft), headers={"If-Match": _etag(focal, draft)})

    response = focal.post(_url("review", draft), {"decision": "approve"},
                          headers={"If-Match": sent["ETag"]})  # fmt: skip

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == Submission.State.SUBMITTED
