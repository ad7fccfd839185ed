"""What the pages keep in the cache (a sealed submission's counts, the history of it and of
its actions, a draft's history) shows every change at once: every write moves a version in
the key of what was kept (a return to draft moves the submission's seal); users' names are
read on every view."""

from django.test import Client
from django.urls import reverse

from tests.tracking.filings import file_update, rate_all
from tracking import services
from tracking.models import Assessment, Evidence, Submission

from .test_evidence_confidentiality import _add


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, name, submission, **data):
    submission.refresh_from_db()
    url = reverse(f"tracking:{name}", args=[submission.participant.code, submission.cycle_id])
    return client.post(url, {"version": submission.version} | data)


def _submitted(action, user) -> Submission:
    submission = rate_all(action.submission, user=user)
    services.submission_submit(submission=submission, version=submission.version, user=user)
    submission.refresh_from_db()
    return submission


def test_a_sealed_submission_shows_what_was_filed_after_a_return_to_draft(
    tjk_action, tjk_focal, tjk_coordinator
):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    file_update(tjk_action, tjk_focal)
    focal, coordinator = _client(tjk_focal), _client(tjk_coordinator)
    _post(focal, "submission_submit", submission)
    page = focal.get(submission.get_absolute_url()).content.decode()
    assert "1 progress update" in page
    assert "Returned" not in page

    _post(coordinator, "submission_review", submission, decision="return", comment="More.")
    file_update(tjk_action, tjk_focal, date="2026-04-01")
    _post(focal, "submission_submit", submission)

    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED
    page = focal.get(submission.get_absolute_url()).content.decode()
    assert "2 progress updates" in page
    assert "Draft → Submitted" in page.replace("&rarr;", "→")  # the second submitting


def test_a_sealed_submission_shows_its_new_ratings_and_actions_after_a_return_to_draft(
    tjk_action, tjk_focal, tjk_coordinator, secretariat
):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    focal, coordinator = _client(tjk_focal), _client(tjk_coordinator)
    _post(focal, "submission_submit", submission)
    for reader in (focal, _client(secretariat)):  # each reader's side is kept
        page = reader.get(submission.get_absolute_url()).content.decode()
        assert tjk_action.title in page
        assert "Partially implemented" not in page

    _post(coordinator, "submission_review", submission, decision="return", comment="More.")
    tjk_action.refresh_from_db()
    services.action_edit(
        action=tjk_action,
        version=tjk_action.version,
        values={"title": "Border posts equipped"},
        paragraphs=list(tjk_action.paragraphs.all()),
        user=tjk_focal,
    )
    assessment = submission.assessments.order_by("paragraph__position").first()
    services.assessment_save(
        participant=submission.participant,
        cycle=submission.cycle,
        paragraph=assessment.paragraph,
        rating=Assessment.Rating.PARTIALLY,
        justification="Started.",
        version=assessment.version,
        user=tjk_focal,
    )
    _post(focal, "submission_submit", submission)

    for reader in (focal, _client(secretariat)):
        page = reader.get(submission.get_absolute_url()).content.decode()
        assert "Border posts equipped" in page
        assert tjk_action.title not in page
        assert "Partially implemented" in page


def test_members_and_the_secretariat_each_count_the_evidence_they_may_see(
    tjk_action, tjk_focal, secretariat, private_media
):
    _add(tjk_action, tjk_focal, "Memo", Evidence.Visibility.PARTICIPANT)
    _add(tjk_action, tjk_focal, "Decree", Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT)
    url = _submitted(tjk_action, tjk_focal).get_absolute_url()

    for _ in range(2):  # worked out, then kept
        assert "2 evidence items" in _client(tjk_focal).get(url).content.decode()
        assert "1 evidence item" in _client(secretariat).get(url).content.decode()


def test_a_sealed_actions_history_keeps_each_readers_evidence_apart(
    tjk_action, tjk_focal, secretariat, private_media
):
    _add(tjk_action, tjk_focal, "Memo", Evidence.Visibility.PARTICIPANT)
    _submitted(tjk_action, tjk_focal)
    url = reverse("tracking:action", args=[tjk_action.pk])

    for _ in range(2):  # the secretariat first: what it was shown is not what members see
        assert "Memo" not in _client(secretariat).get(url).content.decode()
        assert "evidence “Memo”" in _client(tjk_focal).get(url).content.decode()


def _history(client, url) -> str:
    return client.get(url).content.decode().split('id="history-heading"')[1]


def test_a_kept_history_names_its_users_as_they_are_now(tjk_action, tjk_focal, secretariat):
    submission = rate_all(tjk_action.submission, user=tjk_focal)
    _post(_client(tjk_focal), "submission_submit", submission)  # the history names who did it
    url = submission.get_absolute_url()
    assert "Farrukh Focal" in _history(_client(secretariat), url)

    tjk_focal.first_name = "Renamed"
    tjk_focal.save()

    history = _history(_client(secretariat), url)
    assert "Renamed Focal" in history
    assert "Farrukh Focal" not in history


def test_a_drafts_history_shows_each_new_rating_at_once(cycle, tjk_action, tjk_focal):
    focal = _client(tjk_focal)
    submission = tjk_action.submission
    url = submission.get_absolute_url()
    assert "rating of paragraph 3" not in _history(focal, url)
    rate = reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 3])

    focal.post(rate, {"rating": "partially", "justification": "Begun.", "version": 0})
    assert "rating of paragraph 3" in _history(focal, url)
    focal.post(rate, {"rating": "partially", "justification": "Half done.", "version": 1})

    assert "Justification: Begun. → Half done." in _history(focal, url)


def test_a_draft_actions_kept_history_shows_each_change_at_once(
    tjk_action, tjk_focal, private_media
):
    focal = _client(tjk_focal)
    url = reverse("tracking:action", args=[tjk_action.pk])
    assert "Created: the action" in _history(focal, url)
    assert _history(focal, url) == _history(focal, url)  # kept, and shown the same

    evidence = _add(tjk_action, tjk_focal, "Decree", Evidence.Visibility.PARTICIPANT)
    assert "Created: evidence “Decree”" in _history(focal, url)
    services.evidence_delete(evidence=evidence, user=tjk_focal)
    assert "Deleted: evidence “Decree”" in _history(focal, url)
    # An update written without the services, which would also move the action's version.
    file_update(tjk_action, tjk_focal, date="2026-05-04")
    assert "progress update of 2026-05-04" in _history(focal, url)
    tjk_action.refresh_from_db()
    services.action_edit(
        action=tjk_action,
        version=tjk_action.version,
        values={"lead_institution": "Central Bank"},
        paragraphs=list(tjk_action.paragraphs.all()),
        user=tjk_focal,
    )
    assert "Ministry of Finance → Central Bank" in _history(focal, url)


def _evidence(client, url) -> str:
    page = client.get(url).content.decode()
    return page[page.index('id="evidence-heading"') : page.index('id="history-heading"')]


def test_a_sealed_actions_kept_evidence_shows_what_was_added_after_a_return_to_draft(
    tjk_action, tjk_focal, tjk_coordinator, secretariat, private_media
):
    _add(tjk_action, tjk_focal, "Memo", Evidence.Visibility.PARTICIPANT)
    submission = _submitted(tjk_action, tjk_focal)
    url = reverse("tracking:action", args=[tjk_action.pk])
    for _ in range(2):  # the secretariat first: what it was shown is not what members see
        assert "Memo" not in _evidence(_client(secretariat), url)
        assert "Memo" in _evidence(_client(tjk_focal), url)

    services.submission_return(
        submission=submission, version=submission.version, user=tjk_coordinator, comment="More."
    )
    submission.refresh_from_db()
    _add(tjk_action, tjk_focal, "Decree", Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT)
    _submitted(tjk_action, tjk_focal)

    assert "Decree" in _evidence(_client(secretariat), url)
    assert "Decree" in _evidence(_client(tjk_focal), url)
