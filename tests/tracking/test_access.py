"""Every records URL against every kind of user: login, 404 for strangers, 403 for read-only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf, new_cycle
from tracking import services
from tracking.models import Submission


@pytest.fixture
def records(tjk_action, tjk_focal, private_media):
    evidence = services.evidence_add(
        action=tjk_action,
        user=tjk_focal,
        title="Decree",
        date=None,
        upload=SimpleUploadedFile("decree.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
    )
    submission = tjk_action.submission
    return {"action": tjk_action, "evidence": evidence, "submission": submission}


def _submission_args(r):
    return [r["submission"].participant.code, r["submission"].cycle_id]


# (name, method, url): reads first, then writes.
READS = [
    ("action", "get", lambda r: reverse("tracking:action", args=[r["action"].pk])),
    (
        "evidence_download",
        "get",
        lambda r: reverse("tracking:evidence_download", args=[r["evidence"].pk]),
    ),
    ("submission", "get", lambda r: reverse("tracking:submission", args=_submission_args(r))),
]
WRITES = [
    ("action_edit", "get", lambda r: reverse("tracking:action_edit", args=[r["action"].pk])),
    ("update_create", "post", lambda r: reverse("tracking:update_create", args=[r["action"].pk])),
    (
        "evidence_create",
        "post",
        lambda r: reverse("tracking:evidence_create", args=[r["action"].pk]),
    ),
    (
        "evidence_delete",
        "get",
        lambda r: reverse("tracking:evidence_delete", args=[r["evidence"].pk]),
    ),
    (
        "assessment_edit",
        "get",
        lambda r: reverse("tracking:assessment_edit", args=[*_submission_args(r), 6]),
    ),
    (
        "submission_submit",
        "post",
        lambda r: reverse("tracking:submission_submit", args=_submission_args(r)),
    ),
    (
        "submission_review",
        "post",
        lambda r: reverse("tracking:submission_review", args=_submission_args(r)),
    ),
]
ALL = [*READS, *WRITES]

# Pages that are not one participant's records: (name, method, url, status for each user).
OTHERS = [
    (
        "profile",
        "get",
        lambda r: reverse("tracking:profile"),
        # Everyone who logs in has a profile.
        {"tjk_focal": 200, "tjk_coordinator": 200, "tjk_viewer": 200, "kaz_focal": 200,
         "secretariat": 200},
    ),
    (
        "participant_chase",
        "post",
        lambda r: reverse("tracking:participant_chase", args=[r["submission"].cycle_id, "TJK"]),
        # The secretariat's chase redirects to the completeness page; members may not chase.
        {"tjk_focal": 403, "tjk_coordinator": 403, "tjk_viewer": 403, "kaz_focal": 403,
         "secretariat": 302},
    ),
]  # fmt: skip
OTHER_USERS = ["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal", "secretariat"]


def _request(client, method, url):
    return getattr(client, method)(url)


def _submit(submission):
    submission.state = Submission.State.SUBMITTED
    submission.save()


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_anonymous_users_are_sent_to_log_in(client, records, name, method, url):
    response = _request(client, method, url(records))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method", "url", "expected"), OTHERS, ids=[u[0] for u in OTHERS])
def test_anonymous_users_are_sent_to_log_in_from_the_other_pages(
    client, records, name, method, url, expected
):
    response = _request(client, method, url(records))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("user", OTHER_USERS)
@pytest.mark.parametrize(("name", "method", "url", "expected"), OTHERS, ids=[u[0] for u in OTHERS])
def test_the_other_pages_answer_each_user_as_their_role_allows(
    client, records, request, user, name, method, url, expected
):
    client.force_login(request.getfixturevalue(user))

    assert _request(client, method, url(records)).status_code == expected[user]


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_another_participants_focal_point_gets_404(client, records, kaz_focal, name, method, url):
    client.force_login(kaz_focal)

    assert _request(client, method, url(records)).status_code == 404


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_a_viewer_reads_but_gets_403_on_writes(client, records, tjk_viewer, name, method, url):
    client.force_login(tjk_viewer)

    expected = 200 if (name, method, url) in READS else 403
    assert _request(client, method, url(records)).status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_the_secretariat_never_sees_a_draft(client, records, secretariat, name, method, url):
    client.force_login(secretariat)

    assert _request(client, method, url(records)).status_code == 404


@pytest.mark.parametrize(("name", "method", "url"), ALL, ids=[u[0] for u in ALL])
def test_the_secretariat_reads_a_submitted_record_and_changes_nothing(
    client, records, secretariat, name, method, url
):
    _submit(records["submission"])
    client.force_login(secretariat)

    expected = 200 if (name, method, url) in READS else 403
    assert _request(client, method, url(records)).status_code == expected


@pytest.mark.parametrize(("name", "method", "url"), WRITES, ids=[u[0] for u in WRITES])
def test_a_focal_point_may_not_write_once_submitted(client, records, tjk_focal, name, method, url):
    _submit(records["submission"])
    client.force_login(tjk_focal)

    assert _request(client, method, url(records)).status_code == 403


def test_the_secretariats_action_page_offers_no_forms(client, records, secretariat):
    _submit(records["submission"])
    client.force_login(secretariat)

    page = client.get(records["action"].get_absolute_url()).content.decode()

    assert "National strategy on countering terrorism financing" in page
    for offer in ("Edit action", "File update", "Add evidence", "Delete"):
        assert offer not in page


def test_the_secretariat_does_not_see_draft_updates_of_a_submitted_action(
    client, records, tjk_focal, secretariat, declaration
):
    action, submission = records["action"], records["submission"]
    submission.state = Submission.State.APPROVED
    submission.save()
    submission.cycle.state = submission.cycle.State.CLOSED
    submission.cycle.save()
    later = services.submission_start(
        participant=submission.participant, cycle=new_cycle(declaration, 2027), user=tjk_focal
    )
    services.progress_update_file(
        action=later.actions.get(carried_from=action),
        user=tjk_focal,
        date="2027-02-01",
        narrative="Secret draft narrative.",
        status="completed",
        progress=100,
    )
    client.force_login(secretariat)

    page = client.get(action.get_absolute_url()).content.decode()

    assert "Secret draft narrative." not in page
    assert "Completed" not in page


def test_action_create_is_for_those_who_file(client, cycle, tjk_viewer, secretariat, tjk_focal):
    url = reverse("tracking:action_create")
    assert client.get(url).status_code == 302
    client.force_login(tjk_viewer)
    assert client.get(url).status_code == 403
    client.force_login(secretariat)
    assert client.get(url).status_code == 403
    client.force_login(tjk_focal)
    assert client.get(url).status_code == 200
