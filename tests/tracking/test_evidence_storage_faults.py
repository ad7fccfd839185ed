"""Evidence when the disk fails: a clear message, no partial file, no row; a lost file is a 404.

The tests run as root, which ignores file permissions, so a read-only folder proves nothing.
The faults are injected for real instead: a MEDIA_ROOT under a regular file (every write
raises NotADirectoryError), and a file size limit (RLIMIT_FSIZE: the kernel refuses to grow a
file past it, root included, as a full disk would) that cuts the upload half-way through.
"""

import contextlib
import logging
import resource
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracking.models import Evidence

REFUSED = "The file could not be stored; nothing was saved."
TEXT = b"Report of the inter-agency working group on border security.\n" * 5000  # ~300 KB


def _add(client, action, upload):
    return client.post(
        reverse("tracking:evidence_create", args=[action.pk]),
        {"title": "Working group report", "date": "2026-03-01", "upload": upload},
    )


def _files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()]


@contextlib.contextmanager
def file_size_limit(size: int):
    """No file of this process may grow past `size` bytes: writes beyond fail with EFBIG."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Without this, the kernel's SIGXFSZ would kill the test run instead of failing the write.
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.fixture
def focal_client(client, tjk_focal):
    client.force_login(tjk_focal)
    return client


def test_an_unwritable_media_folder_refuses_the_upload_with_a_clear_message(
    focal_client, tjk_action, settings, tmp_path, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the media folder's parent should be")
    settings.MEDIA_ROOT = blocker / "private"

    with caplog.at_level(logging.ERROR, logger="tracking.services"):
        response = _add(focal_client, tjk_action, SimpleUploadedFile("report.txt", TEXT))

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not Evidence.objects.exists()
    assert "could not be stored" in caplog.text


def test_a_disk_that_fills_up_mid_upload_leaves_no_partial_file_and_no_row(
    focal_client, tjk_action, private_media
):
    with file_size_limit(64 * 1024):
        response = _add(focal_client, tjk_action, SimpleUploadedFile("report.txt", TEXT))

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not Evidence.objects.exists()
    assert _files(private_media) == []


def test_a_missing_evidence_file_is_a_logged_404(focal_client, tjk_action, private_media, caplog):
    _add(focal_client, tjk_action, SimpleUploadedFile("report.txt", TEXT))
    evidence = Evidence.objects.get()
    (private_media / evidence.file.name).unlink()

    with caplog.at_level(logging.WARNING, logger="tracking.views.records"):
        response = focal_client.get(reverse("tracking:evidence_download", args=[evidence.pk]))

    assert response.status_code == 404
    assert f"Evidence {evidence.pk}: its file" in caplog.text
