"""A user's round trip through a submission's workbook, as the pages offer it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook


def submission_args(action):
    return [action.participant.code, action.submission.cycle_id]


def download(client, user, action):
    client.force_login(user)
    response = client.get(reverse("tracking:workbook_download", args=submission_args(action)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(client, action, data: bytes, name="workbook.xlsx"):
    return client.post(
        reverse("tracking:workbook_preview", args=submission_args(action)),
        {"workbook": SimpleUploadedFile(name, data)},
    )


def apply(client, action, page):
    """Presses "Apply changes": a workbook this small is applied in the request."""
    form = page.context["apply_form"]
    assert form is not None, page.text
    return client.post(
        reverse("tracking:workbook_apply", args=submission_args(action)),
        {"upload": form.initial["upload"]},
    )


def edited(client, user, action, rows: int = 1) -> bytes:
    """The submission's workbook with `rows` new actions added."""
    book = download(client, user, action)
    for number in range(rows):
        book["Actions"].append([None, None, f"Offline action {number}", "", "Ministry", "",
                                "2", None, None, "Planned", 0])  # fmt: skip
    return saved(book)
