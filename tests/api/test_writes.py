"""Filing through the API: the pages' forms validate, the services write (audit history,
draft lock), and refusals come back as problem details."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf
from tracking import services
from tracking.models import Action, Assessment, Evidence, ProgressUpdate, Report, Submission

PROBLEM = "application/problem+json"


@pytest.fixture
def paragraph_6(declaration):
    return declaration.paragraphs.get(number=6)


def _new_action(paragraph, **fields):
    return {
        "participant": "TJK",
        "paragraphs": [paragraph.pk],
        "title": "Financial intelligence unit",
        "lead_institution": "Ministry of Finance",
        "status": "planned",
        "progress": 0,
        **fields,
    }


def test_a_focal_point_files_an_action_and_the_history_names_them(
    api, tjk_focal, cycle, paragraph_6
):
    response = api(tjk_focal).post(reverse("api:action-list"), _new_action(paragraph_6))

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"'
    action = Action.objects.get(pk=body["id"])
    assert (body["participant"], body["paragraph_numbers"], body["cycle"]) == ("TJK", "6", cycle.pk)
    assert action.submission.state == Submission.State.DRAFT
    history = action.history.get()
    assert (history.history_type, history.history_user) == ("+", tjk_focal)


def test_the_forms_rules_hold_and_each_error_is_listed(api, tjk_focal, cycle, paragraph_6):
    data = _new_action(paragraph_6, progress=150, start_date="2026-05-01", end_date="2026-04-01",
                       title="")  # fmt: skip

    response = api(tjk_focal).post(reverse("api:action-list"), data)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["title"]) == (400, "Bad Request")
    assert problem["instance"] == reverse("api:action-list")
    pointers = {error["pointer"] for error in problem["errors"]}
    assert pointers == {"#/title", "#/progress", "#/end_date"}
    assert not Action.objects.exists()


def test_an_action_for_another_participant_is_refused(api, tjk_focal, kazakhstan, paragraph_6):
    response = api(tjk_focal).post(
        reverse("api:action-list"), _new_action(paragraph_6, participant="KAZ")
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/participant"


def test_a_body_that_is_not_an_object_is_a_problem(api, tjk_focal, cycle):
    response = api(tjk_focal).post(reverse("api:action-list"), [1, 2])

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_a_sealed_submission_refuses_changes_with_409(api, tjk_focal, tjk_action):
    Submission.objects.filter(pk=tjk_action.submission_id).update(state="submitted")
    client = api(tjk_focal)

    created = client.post(reverse("api:action-list"), _new_action(tjk_action.paragraphs.get()))
    update = client.post(reverse("api:update-list"), {"action": tjk_action.pk,
                         "date": "2026-03-01", "narrative": "x", "status": "planned",
                         "progress": 1})  # fmt: skip

    assert created.status_code == 409, created.content
    assert created["Content-Type"] == PROBLEM
    assert "can no longer change: nothing was saved" in created.json()["detail"]
    # Filing on the action itself: its submission is read-only now, as on the pages.
    assert update.status_code == 403
    assert Action.objects.count() == 1 and not ProgressUpdate.objects.exists()


def test_an_update_moves_the_action(api, tjk_focal, tjk_action):
    response = api(tjk_focal).post(
        reverse("api:update-list"),
        {"action": tjk_action.pk, "date": "2026-03-01", "narrative": "Law drafted",
         "status": "delayed", "progress": 30},
    )  # fmt: skip

    assert response.status_code == 201, response.content
    tjk_action.refresh_from_db()
    assert (tjk_action.status, tjk_action.progress, tjk_action.version) == ("delayed", 30, 2)
    assert ProgressUpdate.objects.get().history.get().history_user == tjk_focal


def test_evidence_is_uploaded_checked_and_downloaded(api, tjk_focal, tjk_action, private_media):
    client = api(tjk_focal)
    pdf = make_pdf()

    response = client.post(
        reverse("api:evidence-list"),
        {"action": tjk_action.pk, "title": "Decree", "visibility": "participant",
         "file": SimpleUploadedFile("decree.pdf", pdf, content_type="application/pdf")},
        content_type=None,
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["original_name"], body["size"]) == ("decree.pdf", len(pdf))
    download = client.get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert Evidence.objects.get().downloads.get().user == tjk_focal


def test_a_disguised_upload_is_refused(api, tjk_focal, tjk_action, private_media):
    response = api(tjk_focal).post(
        reverse("api:evidence-list"),
        {"action": tjk_action.pk, "title": "Not a PDF",
         "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")},
        content_type=None,
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/upload"
    assert not Evidence.objects.exists()


def test_evidence_marked_participant_only_stays_hidden_from_the_secretariat(
    api, tjk_focal, secretariat, tjk_action
):
    evidence = services.evidence_add(action=tjk_action, user=tjk_focal, title="Internal",
                                     date=None, url="https://example.org/internal",
                                     visibility="participant")  # fmt: skip
    Submission.objects.filter(pk=tjk_action.submission_id).update(state="submitted")
    client = api(secretariat)

    assert client.get(reverse("api:action-detail", args=[tjk_action.pk])).status_code == 200
    assert client.get(reverse("api:evidence-detail", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("api:evidence-list")).json()["results"] == []


def test_an_action_is_deleted_while_in_draft(api, tjk_focal, tjk_action):
    response = api(tjk_focal).delete(
        reverse("api:action-detail", args=[tjk_action.pk]), headers={"If-Match": '"1"'}
    )

    assert response.status_code == 204
    assert not Action.objects.exists()
    assert Action.history.filter(id=tjk_action.pk, history_type="-").get().history_user == tjk_focal


def test_a_paragraph_is_rated_then_rerated(api, tjk_focal, tjk_action, cycle):
    client = api(tjk_focal)

    created = client.post(
        reverse("api:assessment-list"),
        {"participant": "TJK", "cycle": cycle.pk, "number": 6, "rating": "partially"},
    )
    assert created.status_code == 201, created.content
    url = reverse("api:assessment-detail", args=[created.json()["id"]])
    changed = client.patch(url, {"rating": "substantially", "justification": "Law adopted"},
                           headers={"If-Match": created["ETag"]})  # fmt: skip
    again = client.post(
        reverse("api:assessment-list"),
        {"participant": "TJK", "cycle": cycle.pk, "number": 6, "rating": "not_started"},
    )

    assert changed.status_code == 200, changed.content
    assert (changed.json()["rating"], changed["ETag"]) == ("substantially", '"2"')
    assert again.status_code == 412  # rated meanwhile: PATCH it instead
    assert Assessment.objects.get().history.count() == 2


def test_fully_implemented_needs_evidence_as_on_the_page(api, tjk_focal, tjk_action, cycle):
    response = api(tjk_focal).post(
        reverse("api:assessment-list"),
        {"participant": "TJK", "cycle": cycle.pk, "number": 6, "rating": "fully",
         "justification": "Done"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/rating"


def test_a_report_is_requested_polled_and_downloaded(
    api, tjk_focal, tjk_action, cycle, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = api(tjk_focal)

    with django_capture_on_commit_callbacks() as callbacks:
        requested = client.post(
            reverse("api:report-list"),
            {"declaration": "dushanbe", "cycle": cycle.pk, "participants": ["TJK"],
             "format": "csv", "table": "actions"},
        )  # fmt: skip

    assert requested.status_code == 202, requested.content
    assert len(callbacks) == 1  # handed to the queue once committed
    poll = requested["Location"]
    assert client.get(poll).json()["state"] == "queued"
    services.report_run(report_id=requested.json()["id"])
    ready = client.get(poll).json()
    assert ready["state"] == "succeeded"
    download = client.get(ready["download"])
    assert b"National strategy" in b"".join(download.streaming_content)
    assert Report.objects.get().participants.get().code == "TJK"


def test_a_failed_report_is_retried_then_deleted_by_its_requester_only(
    api, tjk_focal, kaz_focal, cycle, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = api(tjk_focal)
    requested = client.post(
        reverse("api:report-list"),
        {"declaration": "dushanbe", "cycle": cycle.pk, "format": "csv", "table": "actions"},
    )
    assert requested.status_code == 202, requested.content
    report = Report.objects.get()
    retry = reverse("api:report-retry", args=[report.pk])

    not_failed = client.post(retry)
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED, error="Worker lost")
    strangers = api(kaz_focal).post(retry)
    with django_capture_on_commit_callbacks() as callbacks:
        retried = client.post(retry)

    assert (not_failed.status_code, not_failed["Content-Type"]) == (409, PROBLEM)
    assert not_failed.json()["detail"] == "Only a failed report can be retried."
    assert strangers.status_code == 404
    assert retried.status_code == 202, retried.content
    assert (retried.json()["state"], len(callbacks)) == ("queued", 1)

    detail = reverse("api:report-detail", args=[report.pk])
    current = client.get(detail)["ETag"]
    assert client.delete(detail).status_code == 428
    assert api(kaz_focal).delete(detail, headers={"If-Match": current}).status_code == 404
    assert client.delete(detail, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.delete(detail, headers={"If-Match": current}).status_code == 204
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("api:report-list", {"declaration": "dushanbe", "participants": ["T\x00"]}),
        ("api:action-list", {"participant": "\x00"}),
        ("api:action-list", {"paragraphs": [10**30]}),
        ("api:update-list", {"action": "²"}),
    ],
)
def test_nul_characters_and_huge_ids_are_refused_before_any_lookup(
    api, tjk_focal, cycle, url, data
):
    response = api(tjk_focal).post(reverse(url), data)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_a_nul_character_in_a_filter_is_refused(api, tjk_focal):
    response = api(tjk_focal).get(reverse("api:action-list"), {"participant": "T\x00"})

    assert response.status_code == 400
