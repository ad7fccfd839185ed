"""A build whose database connection is cut (pg_terminate_backend) resumes at the task's retry."""

import psycopg
import pytest
from django.db import connection

from tests.conftest import _database_url_for_tests
from tracking.models import Report
from tracking.reports import data
from tracking.tasks import build_report

from .conftest import request_report

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cut_once(monkeypatch, settings, tmp_path):
    """Terminates the build's connection from another one, once, in the middle of a COPY."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_CHUNK_SIZE = 1
    count = data.Progress.count
    cuts = []

    def counting(self, rows):
        if not cuts:
            backend = connection.connection.info.backend_pid  # busy with the COPY
            with psycopg.connect(_database_url_for_tests(), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [backend])
            cuts.append(backend)
        count(self, rows)

    monkeypatch.setattr(data.Progress, "count", counting)
    return cuts


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_a_build_whose_connection_is_terminated_is_resumed_by_the_tasks_retry(
    client, records, tjk_focal, declaration, cycle, cut_once, format
):
    report = request_report(client, tjk_focal, declaration, cycle, format=format)

    # Eagerly: the retry runs at once, in this process, after the connection was lost.
    build_report.apply(args=[report.pk])

    assert len(cut_once) == 1
    report = Report.objects.get(pk=report.pk)
    assert (report.state, report.error, report.attempts) == ("succeeded", "", 2)
    assert report.file.name.endswith(report.download_name)
