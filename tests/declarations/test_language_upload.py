"""The secretariat uploads a language version in the browser; a worker imports it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import tasks
from declarations.models import Declaration, DeclarationImport, DeclarationVersion, ParagraphText
from tests.declarations.conftest import RUSSIAN


@pytest.fixture
def english(dushanbe):
    """The shipped declaration without its Russian version: an upload adds it."""
    dushanbe.versions.all().delete()
    return dushanbe


def upload(client, text: str, **data):
    file = SimpleUploadedFile("dushanbe.ru.md", text.encode(), content_type="text/markdown")
    return client.post(reverse("declarations:upload"), {"file": file, **data})


def test_the_upload_form_offers_a_language_and_the_status(as_secretariat):
    page = as_secretariat.get(reverse("declarations:upload"))

    assert '<label for="id_language">Language version:</label>' in page.text
    assert '<option value="ru">Russian</option>' in page.text
    assert "<legend>The language version is</legend>" in page.text
    assert 'value="working" id="id_version_status_1" checked' in page.text


def test_an_uploaded_version_is_imported_by_the_task_and_linked_in_its_language(
    as_secretariat,
    secretariat,
    english,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as queued:
        response = upload(
            as_secretariat, RUSSIAN.read_text(), slug="dushanbe", language="ru",
            version_status="official",
        )  # fmt: skip
    job = DeclarationImport.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.language, job.version_status, job.requested_by) == ("ru", "official", secretariat)
    assert len(queued) == 1 and job.state == DeclarationImport.State.QUEUED

    tasks.declaration_import_task(job.pk)  # what the worker runs for the queued message

    job.refresh_from_db()
    assert job.state == DeclarationImport.State.SUCCEEDED and job.declaration == english
    version = DeclarationVersion.objects.get(declaration=english, language="ru")
    assert version.status == "official" and version.source_filename == "dushanbe.ru.md"
    assert version.texts.count() == 26
    status = as_secretariat.get(job.get_absolute_url()).text
    assert "Language version: Russian, official text" in status
    assert '<a href="/declarations/dushanbe/?lang=ru">Dushanbe Declaration</a>, Russian' in status


def test_an_uploaded_version_unlike_the_original_fails_with_its_line(
    as_secretariat,
    dushanbe,
    django_capture_on_commit_callbacks,
):
    texts = list(ParagraphText.objects.order_by("pk").values())
    text = RUSSIAN.read_text().replace("7. *вновь подтверждаем*", "8. *вновь подтверждаем*")
    with django_capture_on_commit_callbacks(execute=False):
        upload(as_secretariat, text, slug="dushanbe", language="ru", version_status="working")
    job = DeclarationImport.objects.get()

    tasks.declaration_import_task(job.pk)

    job.refresh_from_db()
    assert job.state == DeclarationImport.State.FAILED
    assert job.errors == [{"line": 75, "message": "Expected paragraph 7, found 8."}]
    assert list(ParagraphText.objects.order_by("pk").values()) == texts
    fragment = as_secretariat.get(reverse("declarations:import_fragment", args=[job.pk])).text
    assert "Line 75: Expected paragraph 7, found 8." in fragment


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"language": "ru"}, "slug", "Give the slug of the declaration this version translates."),
        ({"language": "ru", "slug": "nowhere"}, "slug", "No declaration has this slug"),
        ({"language": "en", "slug": "dushanbe"}, "language", "is itself in this language"),
        ({"language": "xx", "slug": "dushanbe"}, "language", "Select a valid choice."),
    ],
)
def test_a_version_upload_without_its_declaration_gets_a_form_error(
    as_secretariat,
    dushanbe,
    data,
    field,
    error,
):
    page = upload(as_secretariat, RUSSIAN.read_text(), **data)

    assert page.status_code == 200
    assert f'<p class="field__error" id="id_{field}_error">' in page.text
    assert error in page.text
    assert not DeclarationImport.objects.exists()


def test_only_the_secretariat_may_upload_a_version(as_reader, dushanbe):
    response = upload(as_reader, RUSSIAN.read_text(), slug="dushanbe", language="ru")

    assert response.status_code == 403
    assert not DeclarationImport.objects.exists()
    assert Declaration.objects.get().versions.count() == 1
