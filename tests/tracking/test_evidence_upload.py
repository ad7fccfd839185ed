"""Evidence: files checked by content and stored privately, links checked, downloads guarded."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf
from tests.tracking.filings import file_update
from tracking.models import Evidence


def _stored(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def _add(client, action, **data):
    return client.post(
        reverse("tracking:evidence_create", args=[action.pk]),
        {"title": "Decree", "date": "2026-03-01", **data},
    )


@pytest.fixture
def focal_client(client, tjk_focal):
    client.force_login(tjk_focal)
    return client


def test_a_pdf_is_stored_under_a_generated_name_and_downloaded_as_an_attachment(
    focal_client, tjk_action, tjk_focal, private_media
):
    pdf = make_pdf("Decree No. 6")

    response = _add(focal_client, tjk_action, upload=SimpleUploadedFile("Decree 6.pdf", pdf))

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "Decree 6.pdf"
    assert evidence.content_type == "application/pdf"
    assert (evidence.size, evidence.sha256) == (len(pdf), hashlib.sha256(pdf).hexdigest())
    assert evidence.uploaded_by == tjk_focal
    assert evidence.submission == tjk_action.submission
    [stored] = _stored(private_media)
    assert "Decree" not in stored.name and stored.suffix == ".pdf"

    download = focal_client.get(reverse("tracking:evidence_download", args=[evidence.pk]))

    assert b"".join(download.streaming_content) == pdf
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Decree 6.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_link_is_kept_and_rendered_without_referrer(focal_client, tjk_action, private_media):
    _add(focal_client, tjk_action, url="https://example.org/decree")

    page = focal_client.get(tjk_action.get_absolute_url()).content.decode()

    assert '<a href="https://example.org/decree" rel="noopener noreferrer">Decree</a>' in page
    assert _stored(private_media) == []


def test_it_refuses_a_file_over_the_size_limit(focal_client, tjk_action, private_media, settings):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 1000
    pdf = make_pdf("x" * 2000) + b"%" * 1000

    response = _add(focal_client, tjk_action, upload=SimpleUploadedFile("big.pdf", pdf))

    assert "the limit is 1000" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored(private_media) == []


@pytest.mark.parametrize(
    "content",
    [b"\x7fELF\x02\x01\x01" + b"\0" * 500, b"MZ\x90\x00" + b"\0" * 500],
    ids=["elf", "windows-exe"],
)
def test_it_refuses_an_executable_renamed_pdf(focal_client, tjk_action, private_media, content):
    response = _add(focal_client, tjk_action, upload=SimpleUploadedFile("report.pdf", content))

    assert "This kind of file is not accepted" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored(private_media) == []


def test_it_refuses_a_png_whose_name_says_pdf(focal_client, tjk_action, private_media):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100

    response = _add(focal_client, tjk_action, upload=SimpleUploadedFile("scan.pdf", png))

    assert "its content is PNG" in response.content.decode()
    assert not Evidence.objects.exists()


def test_it_refuses_binary_content_named_txt_and_accepts_utf8_csv(
    focal_client, tjk_action, private_media
):
    refused = _add(focal_client, tjk_action, upload=SimpleUploadedFile("a.txt", b"ab\0cd"))
    accepted = _add(
        focal_client,
        tjk_action,
        upload=SimpleUploadedFile("a.csv", "région;n\nДушанбе;1\n".encode()),
    )

    assert "This kind of file is not accepted" in refused.content.decode()
    assert accepted.status_code == 302
    assert Evidence.objects.get().content_type == "text/csv"


def test_a_path_in_the_file_name_stays_inside_the_private_folder(
    focal_client, tjk_action, private_media
):
    # Built by hand: the test client would strip the folders before sending.
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nDecree\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; '
        f'filename="../../etc/passwd.pdf"\r\nContent-Type: application/pdf\r\n\r\n',
    ]
    body = "".join(parts).encode() + make_pdf() + f"\r\n--{boundary}--\r\n".encode()

    response = focal_client.generic(
        "POST",
        reverse("tracking:evidence_create", args=[tjk_action.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "passwd.pdf"
    [stored] = _stored(private_media)
    assert stored.resolve().is_relative_to(private_media.resolve())
    assert "passwd" not in str(stored)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/a",
    ],
)
def test_it_refuses_links_that_are_not_http(focal_client, tjk_action, private_media, url):
    response = _add(focal_client, tjk_action, url=url)

    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not Evidence.objects.exists()


def test_it_wants_either_a_file_or_a_link(focal_client, tjk_action, private_media):
    both = _add(
        focal_client,
        tjk_action,
        url="https://example.org",
        upload=SimpleUploadedFile("a.pdf", make_pdf()),
    )
    neither = _add(focal_client, tjk_action)

    assert "Give either a file or a link, not both." in both.content.decode()
    assert "Give a file or a link." in neither.content.decode()
    assert not Evidence.objects.exists()
    assert _stored(private_media) == []


def test_evidence_is_deleted_after_confirmation_while_draft(
    focal_client, tjk_action, private_media, django_capture_on_commit_callbacks
):
    _add(focal_client, tjk_action, upload=SimpleUploadedFile("a.pdf", make_pdf()))
    evidence = Evidence.objects.get()
    url = reverse("tracking:evidence_delete", args=[evidence.pk])

    confirmation = focal_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = focal_client.post(url)

    assert "Delete the evidence “Decree”?" in confirmation.content.decode()
    assert response.url == tjk_action.get_absolute_url()
    assert not Evidence.objects.exists()
    assert _stored(private_media) == []


def test_evidence_can_hang_off_a_progress_update(focal_client, tjk_action, private_media):
    focal_client.post(
        reverse("tracking:update_create", args=[tjk_action.pk]),
        {"date": "2026-03-01", "narrative": "Adopted.", "status": "completed", "progress": 100},
    )
    update = tjk_action.updates.get()

    _add(focal_client, tjk_action, url="https://example.org/gazette", update=update.pk)

    assert Evidence.objects.get().update == update


def test_the_action_page_offers_the_updates_the_evidence_form_offers(
    focal_client, tjk_action, tjk_focal
):
    for day in range(1, 24):  # more than are offered, some on the same day
        file_update(tjk_action, tjk_focal, date=f"2026-03-{day // 2 + 1:02d}")

    def offered(url) -> str:
        page = focal_client.get(url).text
        return re.search(r'<select name="update".*?</select>', page, re.S).group()

    on_its_page = offered(reverse("tracking:evidence_create", args=[tjk_action.pk]))

    assert on_its_page.count("<option") == 21  # "None" and the newest 20
    assert offered(tjk_action.get_absolute_url()) == on_its_page.replace('"id_', '"evidence_')
    # An older slice of the updates lists others: the form still offers the newest.
    assert offered(tjk_action.get_absolute_url() + "?updates=2") == offered(
        tjk_action.get_absolute_url()
    )
