"""Evidence and reports kept on a storage without local paths, as an S3 bucket is."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_pdf
from tracking import services
from tracking.models import Evidence, Report

from .conftest import request_report

pytestmark = pytest.mark.django_db

OBJECTS: dict[str, bytes] = {}


class MemoryStorage(Storage):
    """Objects in a dict: open, save, exists, delete and size, but no path() (it raises)."""

    def _open(self, name, mode="rb"):
        return ContentFile(OBJECTS[name], name=name)

    def _save(self, name, content):
        content.seek(0)
        OBJECTS[name] = b"".join(content.chunks())
        return name

    def exists(self, name):
        return name in OBJECTS

    def delete(self, name):
        OBJECTS.pop(name, None)

    def size(self, name):
        return len(OBJECTS[name])


@pytest.fixture
def object_storage(settings, tmp_path):
    OBJECTS.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "scratch"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.MemoryStorage"},
    }
    yield OBJECTS
    OBJECTS.clear()


def test_evidence_is_uploaded_to_and_downloaded_from_the_storage(
    client, tjk_focal, tjk_action, object_storage, settings
):
    pdf = make_pdf("Decree No. 6")
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:evidence_create", args=[tjk_action.pk]),
        {"title": "Decree", "date": "2026-03-01", "upload": SimpleUploadedFile("d.pdf", pdf)},
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert object_storage == {evidence.file.name: pdf}
    download = client.get(reverse("tracking:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == pdf
    assert not settings.MEDIA_ROOT.exists()


def test_a_report_is_built_locally_stored_downloaded_and_expired_through_the_storage(
    client, records, tjk_focal, declaration, cycle, object_storage, settings
):
    report = request_report(client, tjk_focal, declaration, cycle, format="xlsx")

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.state == Report.State.SUCCEEDED, report.error
    assert list(object_storage) == [report.file.name]
    assert report.file.name.startswith(f"reports/{report.pk}/")
    response = client.get(reverse("tracking:report_download", args=[report.pk]))
    content = b"".join(response.streaming_content)
    assert content == object_storage[report.file.name]
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert "Actions" in workbook.sheetnames
    # Nothing stayed on the local disk: neither the build's temporary file nor the report.
    assert not list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())
    assert not settings.MEDIA_ROOT.exists()

    Report.objects.filter(pk=report.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert services.reports_expire() == 1
    assert object_storage == {}
