"""A workbook larger than what is applied in the request goes to the worker: "Apply changes"
queues it, the task applies it all or nothing, and its page shows where it stands.

The task runs here in the test's thread, as the worker calls it; test_workbook_worker.py sends
it through the real broker to a real worker.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.tracking.workbooks import apply, download, edited, preview, saved
from tracking import services
from tracking.models import Action, Submission, WorkbookImport
from tracking.tasks import apply_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_always(settings):
    settings.WORKBOOK_APPLY_AT_ONCE = 0


def queue(client, action, data, capture):
    """Previews and applies `data`; returns the import and its page, the task not yet run."""
    with capture() as callbacks:
        response = apply(client, action, preview(client, action, data))
    assert len(callbacks) == 1  # the task is sent once the import is committed
    job = WorkbookImport.objects.get()
    assert (response.status_code, response.url) == (302, job.get_absolute_url())
    return job, client.get(response.url)


def test_a_large_workbook_is_queued_and_applied_by_the_task(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    data = edited(client, tjk_focal, tjk_action, rows=3)

    job, page = queue(client, tjk_action, data, django_capture_on_commit_callbacks)

    assert job.state == "queued" and job.rows_to_apply == 3
    assert "Queued" in page.text and "3 rows are being applied" in page.text
    assert 'data-poll-url="{}"'.format(reverse("tracking:workbook_import_fragment",
                                               args=[job.pk])) in page.text  # fmt: skip
    assert Action.objects.count() == 1  # nothing written yet

    apply_workbook(job.pk)

    job.refresh_from_db()
    assert (job.state, job.error, job.finished_at is not None) == ("applied", "", True)
    assert Action.objects.filter(title__startswith="Offline action").count() == 3
    # No request in a worker: the audit history still names the uploader.
    assert Action.objects.get(title="Offline action 0").history.get().history_user == tjk_focal
    fragment = client.get(reverse("tracking:workbook_import_fragment", args=[job.pk]))
    assert "The workbook was applied: 3 new, 0 changed; 0 in conflict" in fragment.text
    assert "data-finished" in fragment.text


def test_a_duplicate_delivery_applies_nothing_twice(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    job, _page = queue(client, tjk_action, edited(client, tjk_focal, tjk_action),
                       django_capture_on_commit_callbacks)  # fmt: skip

    apply_workbook(job.pk)
    apply_workbook(job.pk)

    assert Action.objects.filter(title="Offline action 0").count() == 1
    assert tjk_action.history.count() == 1


def test_a_submission_sealed_before_the_task_runs_is_left_as_it_is(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    job, _page = queue(client, tjk_action, edited(client, tjk_focal, tjk_action),
                       django_capture_on_commit_callbacks)  # fmt: skip
    Submission.objects.update(state=Submission.State.SUBMITTED)

    apply_workbook(job.pk)

    job.refresh_from_db()
    assert job.state == "failed"
    assert "it can no longer change: nothing was saved" in job.error
    assert not Action.objects.filter(title="Offline action 0").exists()
    page = client.get(job.get_absolute_url())
    assert "Nothing was saved" in page.text and "Not applied" in page.text


def test_a_record_changed_while_queued_fails_the_import_naming_its_row(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = 80
    book["Ratings"]["E2"] = "Not started"
    job, _page = queue(client, tjk_action, saved(book), django_capture_on_commit_callbacks)
    services.action_edit(
        action=tjk_action, version=1, paragraphs=list(tjk_action.paragraphs.all()),
        user=tjk_focal, values={"title": "Renamed meanwhile", "lead_institution": "Ministry",
                                "status": "delayed", "progress": 15},
    )  # fmt: skip

    apply_workbook(job.pk)

    job.refresh_from_db()
    assert job.state == "failed"
    # Named as in the workbook (and its preview).
    named = "Actions, row 2 (National strategy on countering terrorism financing): in conflict"
    assert job.problems == [named]
    assert named in client.get(job.get_absolute_url()).text
    tjk_action.refresh_from_db()
    assert (tjk_action.progress, tjk_action.submission.assessments.count()) == (15, 0)


def test_the_outcome_is_written_in_the_requesters_language(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    tjk_focal.language = "fr"
    tjk_focal.save()
    client.cookies["django_language"] = "fr"
    job, _page = queue(client, tjk_action, edited(client, tjk_focal, tjk_action),
                       django_capture_on_commit_callbacks)  # fmt: skip
    Submission.objects.update(state=Submission.State.SUBMITTED)

    apply_workbook(job.pk)

    job.refresh_from_db()
    assert job.language == "fr"
    assert "nothing was saved" not in job.error and job.error


def test_a_queued_import_the_broker_never_got_is_sent_by_the_sweep_and_a_lost_one_requeued(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks,
    settings,
):  # fmt: skip
    job, page = queue(client, tjk_action, edited(client, tjk_focal, tjk_action),
                      django_capture_on_commit_callbacks)  # fmt: skip
    # The commit hook never ran: as when the broker refused the message.
    assert "The queue is unavailable; your workbook will be applied when it is back." in page.text
    from config.celery import app

    try:
        assert services.workbook_imports_sweep() == {"requeued": 0, "dispatched": 1}
        job.refresh_from_db()
        assert job.enqueued_at is not None
        assert services.workbook_imports_sweep() == {"requeued": 0, "dispatched": 0}

        # A worker lost past the hard time limit: its transaction died with it.
        long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
        WorkbookImport.objects.update(state="running", started_at=long_ago)
        assert services.workbook_imports_sweep() == {"requeued": 1, "dispatched": 1}
    finally:
        app.control.purge()
    apply_workbook(job.pk)
    job.refresh_from_db()
    assert job.state == "applied"


def test_a_small_workbook_is_applied_in_the_request(client, tjk_action, tjk_focal, private_media):
    page = preview(client, tjk_action, edited(client, tjk_focal, tjk_action, rows=2))

    response = apply(client, tjk_action, page)

    job = WorkbookImport.objects.get()
    assert (response.url, job.state) == (job.get_absolute_url(), "applied")
    assert "data-poll-url" in client.get(response.url).text
    assert Action.objects.filter(title__startswith="Offline action").count() == 2


def test_an_upload_replaced_by_a_later_preview_is_no_longer_applied(
    client, tjk_action, tjk_focal, private_media, django_capture_on_commit_callbacks
):
    first = preview(client, tjk_action, edited(client, tjk_focal, tjk_action, rows=1))
    with django_capture_on_commit_callbacks(execute=True):
        preview(client, tjk_action, edited(client, tjk_focal, tjk_action, rows=2))

    response = apply(client, tjk_action, first)

    assert response.url == tjk_action.submission.get_absolute_url()
    assert "This upload is no longer kept" in client.get(response.url).text
    assert Action.objects.count() == 1
    assert len(list(private_media.glob("workbooks/**/*.xlsx"))) == 1  # the first one is gone


def test_the_status_page_costs_a_constant_number_of_queries(
    client, tjk_action, tjk_focal, private_media, django_assert_num_queries
):
    apply(client, tjk_action, preview(client, tjk_action, edited(client, tjk_focal, tjk_action)))
    job = WorkbookImport.objects.get()

    # Session, user, memberships; the import with its submission, participant, cycle and
    # declaration.
    with django_assert_num_queries(4):
        client.get(job.get_absolute_url())


def test_an_import_whose_file_is_gone_fails_with_a_reason(
    client, tjk_action, tjk_focal, private_media, queued_always, django_capture_on_commit_callbacks
):
    job, _page = queue(client, tjk_action, edited(client, tjk_focal, tjk_action),
                       django_capture_on_commit_callbacks)  # fmt: skip
    (private_media / job.file.name).unlink()

    apply_workbook(job.pk)

    job.refresh_from_db()
    assert (job.state, job.error) == (
        "failed", "The uploaded file is no longer kept: nothing was saved.")  # fmt: skip
    assert Action.objects.count() == 1
