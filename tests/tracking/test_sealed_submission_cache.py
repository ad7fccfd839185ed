"""What the pages keep of a sealed submission (its counts) shows every change at once: a
return to draft moves the submission's version, and so the key of what was kept."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.tracking.filings import file_update, rate_all
from tracking import services
from tracking.models import Evidence, Submission

from .test_evidence_confidentiality import _add


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, name, submission, **data):
    submission.refresh_from_db()
    url = reverse(f"tracking:{name}", args=[submission.participant.code, submission.cycle_id])
    return client.post(url, {"version": submission.version} | data)


def test_a_sealed_submission_shows_what_was_filed_after_a_return_to_draft(
    tjk_action, tjk_focal, tjk_coordinator
):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    file_update(tjk_action, tjk_focal)
    focal, coordinator = _client(tjk_focal), _client(tjk_coordinator)
    _post(focal, "submission_submit", submission)
    assert "1 progress update" in focal.get(submission.get_absolute_url()).content.decode()

    _post(coordinator, "submission_review", submission, decision="return", comment="More.")
    file_update(tjk_action, tjk_focal, date="2026-04-01")
    _post(focal, "submission_submit", submission)

    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED
    page = focal.get(submission.get_absolute_url()).content.decode()
    assert "2 progress updates" in page


def test_members_and_the_secretariat_each_count_the_evidence_they_may_see(
    tjk_action, tjk_focal, secretariat, private_media
):
    _add(tjk_action, tjk_focal, "Memo", Evidence.Visibility.PARTICIPANT)
    _add(tjk_action, tjk_focal, "Decree", Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT)
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    services.submission_submit(submission=submission, version=submission.version, user=tjk_focal)
    url = submission.get_absolute_url()

    for _ in range(2):  # counted, then kept
        assert "2 evidence items" in _client(tjk_focal).get(url).content.decode()
        assert "1 evidence item" in _client(secretariat).get(url).content.decode()
