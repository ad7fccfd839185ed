"""Reports built by a real worker process on the real broker (Redis in CI, else the filesystem)."""

import io
import time

import openpyxl
import pytest
from django.urls import reverse

from tests.tracking.conftest import request_report, wait_for
from tracking import services
from tracking.models import Action, ProgressUpdate, Report
from tracking.tasks import sweep_reports

pytestmark = pytest.mark.worker


def test_a_worker_builds_the_requested_report_and_the_requester_downloads_it(
    client, report_worker, records, tjk_focal, declaration, cycle
):
    tjk_focal.email = "farrukh@example.org"
    tjk_focal.save()
    report_worker.start()

    report = request_report(client, tjk_focal, declaration, cycle, format="xlsx")
    assert report.enqueued_at is not None or Report.objects.get(pk=report.pk).enqueued_at

    report = wait_for(
        lambda: Report.objects.filter(pk=report.pk, state__in=["succeeded", "failed"]).first()
    )
    assert (report.state, report.progress, report.attempts) == ("succeeded", 100, 1), report.error
    response = client.get(reverse("tracking:report_download", args=[report.pk]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    actions = {row[0]: row for row in workbook["Actions"].iter_rows(min_row=2, values_only=True)}
    expected = Action.objects.filter(submission__cycle=cycle, participant__code="TJK")
    assert set(actions) == set(expected.values_list("pk", flat=True))
    for action in expected:
        assert (actions[action.pk][5], actions[action.pk][12]) == (action.title, action.progress)
    updates = list(workbook["Updates"].iter_rows(min_row=2, values_only=True))
    assert len(updates) == ProgressUpdate.objects.filter(action__in=expected).count()
    mail = list(report_worker.mail_dir.iterdir())
    assert len(mail) == 1
    assert f"Your report #{report.pk} is ready" in mail[0].read_text()


def test_a_report_whose_worker_is_killed_midway_completes_exactly_once(
    client, report_worker, records, tjk_focal, declaration, cycle, settings
):
    tjk_focal.email = "farrukh@example.org"
    tjk_focal.save()
    # One row per chunk and a pause after each: the build takes seconds, long enough to kill.
    report_worker.env.update(
        REPORT_CHUNK_SIZE="1", REPORT_CHUNK_DELAY="0.4", REPORT_HEARTBEAT_TIMEOUT="2"
    )
    report_worker.start()
    report = request_report(client, tjk_focal, declaration, cycle, format="csv")

    wait_for(lambda: Report.objects.filter(pk=report.pk, state="running", progress__gt=0).exists())
    report_worker.kill()
    report.refresh_from_db()
    assert (report.state, report.attempts) == ("running", 1)

    report_worker.start()
    time.sleep(2.5)  # the killed worker's heartbeat goes stale
    # What Celery beat runs every minute, sent through the broker to the new worker. Redis
    # keeps the killed worker's message unacked until its visibility timeout: the sweep
    # re-queues the report. RabbitMQ hands the message to the new worker as soon as the killed
    # one's connection drops: once the heartbeat is stale, that delivery takes the report over
    # itself (attempt 2) and the sweep finds nothing to do.
    requeued = sweep_reports.delay().get(timeout=60)["requeued"]
    report.refresh_from_db()
    assert requeued == 1 or (requeued, report.attempts) == (0, 2), (requeued, report.attempts)

    report = wait_for(
        lambda: Report.objects.filter(pk=report.pk, state__in=["succeeded", "failed"]).first()
    )
    assert (report.state, report.attempts) == ("succeeded", 2), report.error
    files = [path for path in (settings.MEDIA_ROOT / "reports").rglob("*") if path.is_file()]
    assert [path.name for path in files] == [report.download_name]
    time.sleep(1)  # a duplicate build would send a second e-mail by now
    assert len(list(report_worker.mail_dir.iterdir())) == 1
    response = client.get(reverse("tracking:report_download", args=[report.pk]))
    assert response.status_code == 200


@pytest.mark.postgresql
def test_a_report_stays_alive_through_one_long_copy_and_is_built_once(
    client, report_worker, records, tjk_focal, declaration, cycle, settings
):
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            action=records.fiu, submission=records.fiu.submission, date="2026-05-01",
            narrative=f"Step {number}", status="in_progress", progress=40, created_by=tjk_focal,
        )
        for number in range(30)
    )  # fmt: skip
    # One table, one COPY, each row slowed: the COPY lasts three times the heartbeat timeout.
    report_worker.env.update(
        REPORT_CHUNK_SIZE="1", REPORT_CHUNK_DELAY="0.2", REPORT_HEARTBEAT_TIMEOUT="2"
    )
    settings.REPORT_HEARTBEAT_TIMEOUT = 2
    report_worker.start()
    report = request_report(client, tjk_focal, declaration, cycle, format="csv", table="updates")
    sweeps = []

    def swept_until_finished():
        # What Celery beat runs every minute, run here four times a second.
        sweeps.append(services.reports_sweep())
        return Report.objects.filter(pk=report.pk, state__in=["succeeded", "failed"]).first()

    report = wait_for(swept_until_finished, interval=0.25)

    assert (report.state, report.attempts) == ("succeeded", 1), report.error
    assert len(sweeps) > 24
    assert [counts for counts in sweeps if counts["requeued"] or counts["failed"]] == []
