"""A task that raises ends `failed` with its reason; a retry builds it; duplicates do nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracking import services
from tracking.models import Report
from tracking.reports import data

pytestmark = pytest.mark.django_db


def test_a_report_whose_build_raises_ends_failed_with_its_reason_and_can_be_retried(
    client, build_report, records, tjk_focal, monkeypatch, settings, tmp_path
):
    from tests.tracking.conftest import request_report

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "scratch"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    report = request_report(
        client, tjk_focal, records.fiu.declaration, records.fiu.submission.cycle
    )

    def broken(self):
        raise ValueError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(data.ReportData, "tables", broken)
        services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.state == Report.State.FAILED
    reason = "The report could not be built; try again or ask the secretariat."
    assert report.error == reason
    page = client.get(reverse("tracking:reports")).content.decode()
    assert reason in page
    assert "ValueError" not in page
    assert "Retry" in page

    response = client.post(reverse("tracking:report_retry", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.error, report.attempts) == ("queued", "", 0)
    services.report_run(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == Report.State.SUCCEEDED
    assert not list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())


def test_a_second_delivery_of_a_finished_report_changes_nothing(
    client, build_report, records, tjk_focal, mailoutbox
):
    tjk_focal.email = "farrukh@example.org"
    tjk_focal.save()
    report, _content = build_report(tjk_focal, format="csv")
    finished = (report.finished_at, report.attempts, report.file.name)

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert (report.finished_at, report.attempts, report.file.name) == finished
    assert len(mailoutbox) == 1
    assert "/tracking/reports/" in mailoutbox[0].body


def test_the_sweep_requeues_a_report_whose_worker_went_silent(
    tjk_focal, declaration, cycle, monkeypatch, settings
):
    sent = []
    monkeypatch.setattr(services, "report_dispatch", lambda report_id: sent.append(report_id) or 1)
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT + 1)
    silent = Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="pdf",
        state="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago,
    )  # fmt: skip
    alive = Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="pdf",
        state="running", attempts=1, started_at=long_ago, heartbeat_at=timezone.now(),
    )  # fmt: skip

    counts = services.reports_sweep()

    assert counts == {"requeued": 1, "failed": 0, "dispatched": 1}
    assert sent == [silent.pk]
    silent.refresh_from_db()
    alive.refresh_from_db()
    assert (silent.state, alive.state) == ("queued", "running")


def test_the_sweep_sends_again_a_report_the_broker_lost_before_any_worker_took_it(
    tjk_focal, declaration, cycle, monkeypatch, settings
):
    # A broker that keeps nothing on disk died holding the message: the row says "handed to
    # the queue" and nothing will ever start it.
    sent = []
    monkeypatch.setattr(services, "report_dispatch", lambda report_id: sent.append(report_id) or 1)
    now = timezone.now()
    lost = Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="pdf",
        enqueued_at=now - timedelta(seconds=settings.REPORT_RESEND_AFTER + 1),
    )  # fmt: skip
    waiting = Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="pdf",
        enqueued_at=now - timedelta(seconds=settings.REPORT_RESEND_AFTER - 60),
    )  # fmt: skip

    counts = services.reports_sweep()

    assert counts == {"requeued": 0, "failed": 0, "dispatched": 1}
    assert sent == [lost.pk]
    assert waiting.pk not in sent


def test_a_report_whose_worker_was_lost_too_often_fails_with_a_reason(
    tjk_focal, declaration, cycle, settings
):
    long_ago = timezone.now() - timedelta(hours=1)
    report = Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, cycle=cycle, format="pdf",
        state="running", attempts=settings.REPORT_MAX_ATTEMPTS, started_at=long_ago,
        heartbeat_at=long_ago,
    )  # fmt: skip

    services.reports_sweep()

    report.refresh_from_db()
    assert report.state == "failed"
    assert report.error == f"The worker building this report stopped {report.attempts} times."
