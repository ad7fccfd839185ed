"""A cycle's submission: draft → submitted → returned with a comment → submitted → approved."""

from django.test import Client
from django.urls import reverse

from tests.tracking.filings import file_action, rate_all
from tracking.models import Submission


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ready(action, user):
    """The action's submission with every paragraph rated: complete enough to submit."""
    return rate_all(action.submission, user=user)


def _post(client, name, submission, **data):
    url = reverse(f"tracking:{name}", args=[submission.participant.code, submission.cycle_id])
    submission.refresh_from_db()
    return client.post(url, {"version": submission.version} | data)


def test_a_submission_goes_through_review_and_is_approved(
    tjk_action, tjk_focal, tjk_coordinator, secretariat
):
    submission = _ready(tjk_action, tjk_focal)
    focal, coordinator = _client(tjk_focal), _client(tjk_coordinator)

    _post(focal, "submission_submit", submission)
    submission.refresh_from_db()
    assert (submission.state, submission.submitted_by) == ("submitted", tjk_focal)

    _post(
        coordinator, "submission_review", submission, decision="return", comment="Add the decree."
    )
    submission.refresh_from_db()
    assert submission.state == "draft"
    page = focal.get(submission.get_absolute_url()).content.decode()
    assert "Add the decree." in page

    _post(focal, "submission_submit", submission)
    _post(coordinator, "submission_review", submission, decision="approve", comment="Thank you.")
    submission.refresh_from_db()
    assert (submission.state, submission.reviewed_by, submission.version) == (
        "approved",
        tjk_coordinator,
        5,
    )
    assert [record.state for record in submission.history.order_by("history_id")] == [
        "draft",
        "submitted",
        "draft",
        "submitted",
        "approved",
    ]
    assert "Approved" in _client(secretariat).get(submission.get_absolute_url()).content.decode()


def test_a_focal_point_cannot_edit_once_submitted(tjk_action, tjk_focal):
    focal = _client(tjk_focal)
    _post(focal, "submission_submit", _ready(tjk_action, tjk_focal))

    assert focal.get(reverse("tracking:action_edit", args=[tjk_action.pk])).status_code == 403
    page = focal.get(tjk_action.get_absolute_url()).content.decode()
    assert "Edit action" not in page
    assert "File update" not in page


def test_returning_needs_a_comment(tjk_action, tjk_focal, tjk_coordinator):
    submission = _ready(tjk_action, tjk_focal)
    _post(_client(tjk_focal), "submission_submit", submission)

    response = _post(_client(tjk_coordinator), "submission_review", submission, decision="return")

    assert "Say what needs to change before returning it." in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_a_focal_point_cannot_approve(tjk_action, tjk_focal):
    submission = _ready(tjk_action, tjk_focal)
    focal = _client(tjk_focal)
    _post(focal, "submission_submit", submission)

    response = _post(focal, "submission_review", submission, decision="approve")

    assert response.status_code == 403
    assert Submission.objects.get().state == "submitted"


def test_a_coordinator_of_another_participant_cannot_approve(tjk_action, tjk_focal, kazakhstan):
    from tests.conftest import _member

    kaz_coordinator = _member("kaz-coordinator", kazakhstan, "coordinator", "Aliya Coordinator")
    submission = _ready(tjk_action, tjk_focal)
    _post(_client(tjk_focal), "submission_submit", submission)

    response = _post(_client(kaz_coordinator), "submission_review", submission, decision="approve")

    assert response.status_code == 404
    assert Submission.objects.get().state == "submitted"


def test_a_stale_submit_is_refused(tjk_action, tjk_focal, tjk_coordinator):
    submission = _ready(tjk_action, tjk_focal)
    focal = _client(tjk_focal)
    url = reverse("tracking:submission_submit", args=["TJK", submission.cycle_id])
    focal.post(url, {"version": 1})
    _post(
        _client(tjk_coordinator), "submission_review", submission, decision="return", comment="No."
    )

    response = focal.post(url, {"version": 1}, follow=True)

    assert "Not submitted" in response.content.decode()
    assert Submission.objects.get().state == "draft"


def test_the_submission_page_counts_what_it_contains(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    client.post(
        reverse("tracking:update_create", args=[tjk_action.pk]),
        {"date": "2026-03-01", "narrative": "Done.", "status": "completed", "progress": 100},
    )

    page = client.get(tjk_action.submission.get_absolute_url()).content.decode()

    assert "1 action" in page
    assert "1 progress update" in page
    assert "0 evidence items" in page
    assert "0 of 16 paragraphs rated" in page


def test_the_submission_page_costs_the_same_queries_with_1_or_50_actions(
    client, tjk_action, tjk_focal, django_assert_num_queries
):
    from tracking import tallies
    from tracking.models import Action

    client.force_login(tjk_focal)
    url = tjk_action.submission.get_absolute_url()

    # session, user; the submission with its participant, cycle and declaration; memberships
    # (for every check and the header); operative paragraphs with the previous cycle (none
    # here: test_comparison pins the page with one); the counts of actions, updates and
    # evidence (and the newest entry of the needs' history) in one; assessments; the actions
    # listed; the needs (no matches to prefetch: none); the history of the submission, of its
    # ratings and of its needs. What is missing before it can be submitted takes no query of
    # its own: the page has read the paragraphs and ratings.
    with django_assert_num_queries(12):
        client.get(url)
    # Then the history is kept (test_kept_history_and_counts.py) until the submission, a
    # rating or a need changes: less its three queries (its users, read on each view, are none
    # here).
    with django_assert_num_queries(9):
        one = client.get(url)
    for number in range(49):
        Action.objects.create(
            participant=tjk_action.participant,
            declaration=tjk_action.declaration,
            submission=tjk_action.submission,
            title=f"Action {number}",
            lead_institution="Ministry",
            created_by=tjk_focal,
        )
    tallies.recount([tjk_action.submission_id])  # as the services would
    with django_assert_num_queries(9):
        response = client.get(url)
    assert "50 actions" in response.content.decode()
    # The first 50 actions are listed (ACTIONS_SHOWN), then a link to the rest: 70 bytes each.
    assert len(response.content) <= len(one.content) + 49 * 100


def test_a_submission_with_many_actions_lists_the_first_and_links_to_all(
    client, cycle, tajikistan, tjk_focal
):
    from tracking.views.submissions import ACTIONS_SHOWN

    for number in range(ACTIONS_SHOWN + 1):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number:03d}")
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:submission", args=["TJK", cycle.pk])).text

    assert "Action 049" in page and "Action 050" not in page
    link = reverse("tracking:actions") + f"?participant={tajikistan.pk}&amp;cycle={cycle.pk}"
    assert f'<a href="{link}">All 51 actions of this submission</a>' in page
