"""Uploaded workbooks are not kept for ever: the periodic task deletes previews never applied
(row and file) and the files of finished imports (their rows stay, for their pages) once the
retention has passed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.tracking.workbooks import apply, edited, preview
from tracking.models import WorkbookImport
from tracking.tasks import expire_workbook_imports

pytestmark = pytest.mark.django_db


def _age(job: WorkbookImport, hours: float) -> None:
    """Makes the import `hours` old: previewed, and finished if it is."""
    then = timezone.now() - timedelta(hours=hours)
    finished = then if job.finished_at else None
    WorkbookImport.objects.filter(pk=job.pk).update(created_at=then, finished_at=finished)


def _files(private_media) -> list[str]:
    return sorted(path.name for path in private_media.glob("workbooks/**/*.xlsx"))


@pytest.fixture
def uploads(client, tjk_action, tjk_focal, tjk_coordinator, private_media):
    """An applied import of the focal point and a preview of the coordinator, never applied."""
    apply(client, tjk_action, preview(client, tjk_action, edited(client, tjk_focal, tjk_action)))
    preview(client, tjk_action, edited(client, tjk_coordinator, tjk_action))
    applied = WorkbookImport.objects.get(state="applied")
    previewed = WorkbookImport.objects.get(state="previewed")
    assert _files(private_media) == sorted(f"{j.token.hex}.xlsx" for j in (applied, previewed))
    return applied, previewed


def test_uploads_within_the_retention_are_kept(uploads, private_media, settings):
    settings.WORKBOOK_RETENTION_HOURS = 24
    for job in uploads:
        _age(job, 23)

    assert expire_workbook_imports() == {"previews": 0, "files": 0}
    assert len(_files(private_media)) == 2


def test_past_the_retention_a_preview_goes_and_a_finished_import_keeps_only_its_row(
    client, uploads, private_media, settings, tjk_focal
):
    settings.WORKBOOK_RETENTION_HOURS = 24
    applied, previewed = uploads
    for job in uploads:
        _age(job, 25)

    assert expire_workbook_imports() == {"previews": 1, "files": 1}

    assert _files(private_media) == []
    assert not WorkbookImport.objects.filter(pk=previewed.pk).exists()
    applied.refresh_from_db()
    assert (applied.state, applied.file.name) == ("applied", "")
    client.force_login(tjk_focal)
    assert "The workbook was applied: 1 new" in client.get(applied.get_absolute_url()).text
    assert expire_workbook_imports() == {"previews": 0, "files": 0}  # nothing left to do


def test_a_queued_import_is_never_expired(
    client, tjk_action, tjk_focal, private_media, settings, django_capture_on_commit_callbacks
):
    settings.WORKBOOK_APPLY_AT_ONCE = 0
    with django_capture_on_commit_callbacks():  # not sent: the broker is down
        apply(
            client, tjk_action, preview(client, tjk_action, edited(client, tjk_focal, tjk_action))
        )
    job = WorkbookImport.objects.get(state="queued")
    _age(job, 24 * 30)

    assert expire_workbook_imports() == {"previews": 0, "files": 0}
    assert _files(private_media) == [f"{job.token.hex}.xlsx"]


def test_the_retention_runs_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "tracking.tasks.expire_workbook_imports",
        "tracking.tasks.sweep_workbook_imports",
    } <= tasks
