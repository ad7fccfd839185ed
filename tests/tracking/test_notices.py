"""Workflow notices: a submission tells its coordinators; a review tells its focal points."""

import pytest
from django.urls import reverse

from tests.tracking.filings import rate_all
from tracking import services
from tracking.models import Membership, Submission, User

pytestmark = pytest.mark.usefixtures("mail_tasks_run_at_once", "addresses", "complete")


@pytest.fixture
def complete(tjk_action, tjk_focal):
    """Every paragraph of the draft rated: it may be submitted."""
    return rate_all(tjk_action.submission, user=tjk_focal)


def _post(client, user, name, submission, **data):
    client.force_login(user)
    submission.refresh_from_db()
    url = reverse(f"tracking:{name}", args=[submission.participant.code, submission.cycle_id])
    return client.post(url, {"version": submission.version} | data)


def _recipients(mailoutbox) -> list[str]:
    return sorted(address for mail in mailoutbox for address in mail.to)


def test_a_submission_is_announced_to_the_coordinators_only(
    client, tjk_action, tjk_focal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, tjk_focal, "submission_submit", tjk_action.submission)

    assert response.status_code == 302
    assert _recipients(mailoutbox) == ["tjk-coordinator@example.org"]
    mail = mailoutbox[0]
    assert mail.subject == "Tajikistan submitted its Dushanbe Declaration 2026 report"
    assert "Farrukh Focal submitted the Dushanbe Declaration 2026 report of Tajikistan" in mail.body
    link = f"https://tracker.example.org/tracking/submissions/TJK/{tjk_action.submission.cycle_id}/"
    assert link in mail.body
    assert "https://tracker.example.org/tracking/profile/" in mail.body


def test_a_return_tells_the_focal_points_what_to_change(
    client, tjk_action, tjk_focal, tjk_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = tjk_action.submission
    _post(client, tjk_focal, "submission_submit", submission)  # no callbacks run: no mail

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, tjk_coordinator, "submission_review", submission, decision="return",
              comment="Attach the decree & its annex.")  # fmt: skip

    assert _recipients(mailoutbox) == ["tjk-focal@example.org"]
    mail = mailoutbox[0]
    assert (
        mail.subject == "The Dushanbe Declaration 2026 report of Tajikistan was returned to draft"
    )
    assert "Kamila Coordinator returned the Dushanbe Declaration 2026 report" in mail.body
    assert "Attach the decree & its annex." in mail.body  # plain text: not HTML-escaped
    assert f"https://tracker.example.org{submission.get_absolute_url()}" in mail.body


def test_an_approval_tells_the_focal_points(
    client, tjk_action, tjk_focal, tjk_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    submission = tjk_action.submission
    _post(client, tjk_focal, "submission_submit", submission)

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, tjk_coordinator, "submission_review", submission, decision="approve",
              comment="Thank you.")  # fmt: skip

    assert _recipients(mailoutbox) == ["tjk-focal@example.org"]
    assert (
        mailoutbox[0].subject == "The Dushanbe Declaration 2026 report of Tajikistan was approved"
    )
    assert "Kamila Coordinator approved" in mailoutbox[0].body
    assert "Thank you." in mailoutbox[0].body


def test_nobody_who_opted_out_or_has_no_address_is_mailed(
    tjk_action, tjk_focal, tjk_coordinator, tajikistan, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    User.objects.filter(pk=tjk_coordinator.pk).update(notify_workflow=False)
    no_address = User.objects.create_user("tjk-coordinator-2", first_name="No", last_name="Mail")
    Membership.objects.create(user=no_address, participant=tajikistan, role="coordinator")
    still_on = User.objects.create_user("tjk-coordinator-3", email="three@example.org")
    Membership.objects.create(user=still_on, participant=tajikistan, role="coordinator")

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_submit(submission=tjk_action.submission, version=1, user=tjk_focal)

    assert _recipients(mailoutbox) == ["three@example.org"]


def test_a_coordinator_who_files_and_submits_is_not_told_of_their_own_act(
    tjk_action, tjk_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_submit(
            submission=tjk_action.submission, version=1, user=tjk_coordinator
        )

    assert mailoutbox == []


def test_a_refused_change_sends_nothing(
    tjk_action, tjk_focal, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.FilingRefused),
    ):
        services.submission_approve(submission=tjk_action.submission, version=1, user=tjk_focal)

    assert callbacks == []
    assert mailoutbox == []
    assert Submission.objects.get().is_draft
