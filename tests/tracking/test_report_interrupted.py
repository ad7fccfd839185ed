"""A build stopped half-way says why it stopped: retried, too long, deleted, or a plain reason.

The XLSX writer once hid every such error behind "Can't close the ZIP file while there is an
open writing handle on it", so a lost connection failed the report for good.
"""

import logging

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.urls import reverse

from tracking import services
from tracking.models import Report
from tracking.reports import data, pgcopy
from tracking.reports.xlsx_stream import Workbook

from .conftest import request_report

pytestmark = pytest.mark.django_db


def test_an_error_inside_an_open_sheet_is_the_error_that_comes_out(tmp_path):
    with (  # noqa: PT012
        pytest.raises(OSError, match="the disk is full"),
        Workbook(tmp_path / "broken.xlsx", ["Summary"]) as workbook,
    ):
        sheet = workbook.sheet()
        sheet.row(["half", "written"])
        raise OSError("the disk is full")


@pytest.fixture
def interrupt_rows(monkeypatch, settings, tmp_path):
    """Makes the build's rows raise `error` after the first row of the first table."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "scratch"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.REPORT_CHUNK_SIZE = 1
    # The rows come through Python on every database (the COPY path: test_report_connection_lost).
    monkeypatch.setattr(pgcopy, "available", lambda: False)
    rows = data.ReportData.rows

    def interrupt(error_or_action):
        def interrupted(self, table, progress):
            for number, row in enumerate(rows(self, table, progress)):
                if number == 1:
                    if callable(error_or_action):
                        error_or_action(self.report)
                    else:
                        raise error_or_action
                yield row

        monkeypatch.setattr(data.ReportData, "rows", interrupted)

    return interrupt


def test_a_database_lost_mid_sheet_sends_the_xlsx_report_back_to_the_queue_for_the_retry(
    client, records, tjk_focal, declaration, cycle, interrupt_rows, monkeypatch, settings
):
    rows = data.ReportData.rows
    report = request_report(client, tjk_focal, declaration, cycle, format="xlsx")
    interrupt_rows(OperationalError("server closed the connection unexpectedly"))

    with pytest.raises(services.ReportInterrupted) as interrupted:
        services.report_run(report_id=report.pk)

    assert interrupted.value.attempt == 1
    report.refresh_from_db()
    assert (report.state, report.error) == ("queued", "")
    monkeypatch.setattr(data.ReportData, "rows", rows)  # the database is back
    services.report_run(report_id=report.pk, resume=interrupted.value.attempt)
    report.refresh_from_db()
    assert (report.state, report.attempts) == ("succeeded", 2)
    assert not list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())


def test_a_soft_time_limit_mid_sheet_says_the_report_took_too_long(
    client, records, tjk_focal, declaration, cycle, interrupt_rows, settings
):
    report = request_report(client, tjk_focal, declaration, cycle, format="xlsx")
    interrupt_rows(SoftTimeLimitExceeded())

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.state == "failed"
    assert report.error == (
        "The report took too long to build; ask for fewer participants or rows."
    )
    assert not list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())


def test_a_report_deleted_mid_sheet_stops_quietly(
    client, records, tjk_focal, declaration, cycle, interrupt_rows, settings, caplog
):
    report = request_report(client, tjk_focal, declaration, cycle, format="xlsx")
    interrupt_rows(lambda report: services.report_delete(report=report))

    with caplog.at_level(logging.INFO):
        services.report_run(report_id=report.pk)

    assert not Report.objects.filter(pk=report.pk).exists()
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert not list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())
    assert not (settings.MEDIA_ROOT / "reports").exists()


def test_a_file_that_cannot_be_written_fails_with_a_plain_reason_and_logs_the_detail(
    client, records, tjk_focal, declaration, cycle, settings, tmp_path, caplog
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    # Where report files go is a plain file: the storage cannot make its folder.
    (settings.MEDIA_ROOT / "reports").write_text("not a folder")
    report = request_report(client, tjk_focal, declaration, cycle, format="csv")

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert (report.state, report.error) == ("failed", "The file could not be written; try again.")
    page = client.get(reverse("tracking:reports")).content.decode()
    assert "The file could not be written; try again." in page
    for detail in ("NotADirectoryError", "Error", "Errno", str(settings.MEDIA_ROOT), "/"):
        assert detail not in report.error
    assert "NotADirectoryError" not in page and str(settings.MEDIA_ROOT) not in page
    # Operators get the detail.
    [logged] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert logged.getMessage() == f"Report {report.pk} failed"
    assert isinstance(logged.exc_info[1], NotADirectoryError)
    assert str(settings.MEDIA_ROOT / "reports") in str(logged.exc_info[1])
