"""Finished files expire after the retention: the periodic task deletes them, the row stays."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracking import services
from tracking.models import Report

pytestmark = pytest.mark.django_db


def test_a_report_is_kept_for_the_configured_retention(build_report, records, tjk_focal, settings):
    settings.REPORT_RETENTION_DAYS = 7

    report, _content = build_report(tjk_focal, format="csv")

    assert report.expires_at - report.finished_at == timedelta(days=7)


def test_the_periodic_task_deletes_expired_files_and_the_download_goes(
    client, build_report, records, tjk_focal
):
    report, _content = build_report(tjk_focal, format="csv")
    path = report.file.path
    Report.objects.filter(pk=report.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.reports_expire() == 1

    report.refresh_from_db()
    assert (report.state, report.file.name) == ("expired", "")
    assert not os.path.exists(path)
    page = client.get(reverse("tracking:reports")).content.decode()
    assert "Expired" in page and "Download" not in page
    response = client.get(reverse("tracking:report_download", args=[report.pk]))
    assert response.status_code == 404


def test_a_report_within_its_retention_is_kept(build_report, records, tjk_focal):
    report, _content = build_report(tjk_focal, format="csv")

    assert services.reports_expire() == 0
    assert os.path.exists(report.file.path)
