"""Workbooks applied by a real worker process on the real broker (Redis in CI, else the
filesystem): the request answers at once, the worker writes it all, a duplicate changes
nothing."""

import pytest

from tests.tracking.conftest import wait_for
from tests.tracking.workbooks import apply, download, edited, preview, saved
from tracking.models import Action, Assessment, WorkbookImport
from tracking.tasks import apply_workbook

pytestmark = pytest.mark.worker


def _finished(job: WorkbookImport) -> WorkbookImport:
    return wait_for(
        lambda: WorkbookImport.objects.filter(pk=job.pk, state__in=["applied", "failed"]).first()
    )


def test_a_worker_applies_a_workbook_and_its_page_says_so(
    client, report_worker, settings, tjk_action, tjk_focal
):
    settings.WORKBOOK_APPLY_AT_ONCE = 2
    report_worker.start()
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = 70
    book["Ratings"]["E3"], book["Ratings"]["F3"] = "Partially implemented", "Drafting."
    book["Actions"].append([None, None, "Coast guard", "", "Navy", "", "4", None, None,
                            "Planned", 0])  # fmt: skip

    response = apply(client, tjk_action, preview(client, tjk_action, saved(book)))

    job = WorkbookImport.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.enqueued_at is not None  # handed to the broker, not applied in the request
    job = _finished(job)
    assert (job.state, job.error, job.problems) == ("applied", "", [])
    page = client.get(job.get_absolute_url())
    assert "The workbook was applied: 2 new, 1 changed; 0 in conflict" in page.text
    tjk_action.refresh_from_db()
    assert (tjk_action.progress, tjk_action.version) == (70, 2)
    assert Action.objects.get(title="Coast guard").created_by == tjk_focal
    assert Assessment.objects.get().history.get().history_user == tjk_focal


def test_a_message_delivered_twice_applies_the_workbook_once(
    client, report_worker, settings, tjk_action, tjk_focal
):
    settings.WORKBOOK_APPLY_AT_ONCE = 0
    report_worker.start()
    apply(client, tjk_action, preview(client, tjk_action, edited(client, tjk_focal, tjk_action)))
    job = WorkbookImport.objects.get()

    # A second delivery of the same message, as a broker redelivering it would make.
    apply_workbook.delay(job.pk)
    job = _finished(job)
    apply_workbook.delay(job.pk)
    from config.celery import ping

    assert ping.delay().get(timeout=60) == "pong"  # the worker took the duplicates first

    assert job.state == "applied"
    assert Action.objects.filter(title="Offline action 0").count() == 1
