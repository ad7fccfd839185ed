import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import tasks
from declarations.models import Declaration, DeclarationImport, Theme


@pytest.fixture
def imports_run_at_once(monkeypatch):
    """Runs the import task in the request's thread; the real queue has its browser test."""
    monkeypatch.setattr(tasks.declaration_import_task, "delay", tasks.declaration_import_task)


def test_the_list_shows_each_declaration_in_constant_queries(
    as_reader, dushanbe, django_assert_num_queries
):
    Declaration.objects.create(title="Other Declaration", short_title="Other", slug="other")
    # session, user, declarations with their operative count, the reader's memberships (header)
    with django_assert_num_queries(4):
        page = as_reader.get(reverse("declarations:list"))

    assert page.status_code == 200
    assert "Dushanbe Declaration" in page.text
    assert ">16</td>" in page.text
    assert "Upload a declaration" not in page.text


def test_the_nav_links_to_the_declarations(as_reader, db):
    page = as_reader.get(reverse("home"))

    assert f'href="{reverse("declarations:list")}"' in page.text


def test_the_declaration_page_shows_metadata_preamble_and_paragraphs(
    as_reader, dushanbe, django_assert_num_queries
):
    # session, user, the version of the declaration's text, then, to build the page (kept
    # for every user until that version changes): the declaration, its language versions (for
    # the links to them), preamble, operative paragraphs, their themes, their references, the
    # slugs and names of the themes offered by the filter, and once more to write its options
    # (kept while those stay the same); the reader's memberships (header). The English text is
    # shown: no version's texts are read (test_language_pages.py pins the page in Russian and
    # side by side).
    with django_assert_num_queries(12):
        as_reader.get(dushanbe.get_absolute_url())
    # session, user, the version, memberships
    with django_assert_num_queries(4):
        page = as_reader.get(dushanbe.get_absolute_url())

    assert page.status_code == 200
    assert "Russian" in page.text and "2018-05-04" in page.text and "Dushanbe" in page.text
    assert "<summary>Preamble (10 clauses)</summary>" in page.text
    assert '<span class="paragraph__verb">Taking into account</span>' in page.text
    assert page.text.count('<article class="paragraph">') == 16
    assert '<span class="paragraph__verb">Call for</span> a responsible approach' in page.text
    assert "Security Council resolution 2396 (2017)" in page.text
    assert '<label for="id_theme">Theme:</label>' in page.text


def test_the_theme_filter_keeps_only_the_paragraphs_of_that_theme(as_reader, dushanbe):
    page = as_reader.get(dushanbe.get_absolute_url(), {"theme": "terrorist-financing"})

    assert page.text.count('<article class="paragraph">') == 2
    assert 'aria-label="Paragraph 6"' in page.text and 'aria-label="Paragraph 7"' in page.text
    assert "Preamble (10 clauses)" in page.text


def test_the_theme_filter_offers_a_renamed_theme_at_once(as_reader, dushanbe):
    theme = Theme.objects.get(slug="terrorist-financing")
    option = f'<option value="terrorist-financing">{theme.name}</option>'
    assert option in as_reader.get(dushanbe.get_absolute_url()).text

    Theme.objects.filter(pk=theme.pk).update(name="Financing of terrorism")
    page = as_reader.get(dushanbe.get_absolute_url(), {"theme": "terrorist-financing"})

    assert '<option value="terrorist-financing" selected>Financing of terrorism</option>' in (
        page.text
    )


def test_the_paragraph_page_shows_text_themes_and_references(
    as_reader, dushanbe, django_assert_num_queries
):
    # session, user, the paragraph with the version of its declaration's text; to build its
    # text (kept for every user until that version changes): the paragraph with declaration
    # and section, its themes, its references, its texts in every language version with their
    # versions; then the reader's memberships, for the actions part and the header; a reader
    # with no membership may see no action, so no actions query is made
    with django_assert_num_queries(8):
        as_reader.get(reverse("declarations:paragraph", args=["dushanbe", 5]))
    # session, user, the version, memberships
    with django_assert_num_queries(4):
        page = as_reader.get(reverse("declarations:paragraph", args=["dushanbe", 5]))

    assert page.status_code == 200
    assert "<h1>Paragraph 5</h1>" in page.text
    assert "Security Council resolution 1267 (1999)" in page.text
    assert "Pillar II: Preventing and combating terrorism" in page.text


@pytest.mark.parametrize("number", [0, 17])
def test_a_paragraph_that_does_not_exist_is_404(as_reader, dushanbe, number):
    page = as_reader.get(reverse("declarations:paragraph", args=["dushanbe", number]))

    assert page.status_code == 404


def test_only_the_secretariat_may_upload_or_follow_imports(as_reader, secretariat):
    job = DeclarationImport.objects.create(filename="x.md", source_text="x")

    assert as_reader.get(reverse("declarations:upload")).status_code == 403
    assert as_reader.post(reverse("declarations:upload")).status_code == 403
    assert as_reader.get(job.get_absolute_url()).status_code == 403
    assert as_reader.get(reverse("declarations:import_fragment", args=[job.pk])).status_code == 403


def upload(client, content: bytes, name: str = "declaration.md", **data):
    file = SimpleUploadedFile(name, content, content_type="text/markdown")
    return client.post(reverse("declarations:upload"), {"file": file, **data})


def test_an_upload_is_imported_and_its_page_links_to_the_declaration(
    as_secretariat, secretariat, seed_text, imports_run_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_secretariat, seed_text.encode(), slug="dushanbe-upload")

    job = DeclarationImport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.requested_by == secretariat
    assert job.state == DeclarationImport.State.SUCCEEDED and job.progress == 100
    assert job.declaration.slug == "dushanbe-upload"
    page = as_secretariat.get(job.get_absolute_url())
    assert '<a href="/declarations/dushanbe-upload/">Dushanbe Declaration</a>' in page.text
    assert "import-status.js" not in page.text  # finished: nothing left to poll


def test_a_malformed_upload_fails_with_its_line_numbers(
    as_secretariat, seed_text, imports_run_at_once, django_capture_on_commit_callbacks
):
    text = seed_text.replace("7. *Reaffirm*", "8. *Reaffirm*")
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_secretariat, text.encode())

    job = DeclarationImport.objects.get()
    assert job.state == DeclarationImport.State.FAILED
    assert job.errors == [{"line": 81, "message": "Expected paragraph 7, found 8."}]
    fragment = as_secretariat.get(reverse("declarations:import_fragment", args=[job.pk]))
    assert "Line 81: Expected paragraph 7, found 8." in fragment.text
    assert not Declaration.objects.exists()


def test_a_queued_import_polls_its_fragment_and_offers_a_refresh_link(as_secretariat):
    job = DeclarationImport.objects.create(filename="queued.md", source_text="x")

    page = as_secretariat.get(job.get_absolute_url())

    assert f'data-poll-url="{reverse("declarations:import_fragment", args=[job.pk])}"' in page.text
    assert "js/import-status.js" in page.text
    assert f'<a href="{job.get_absolute_url()}">Refresh</a>' in page.text
    assert "<script>" not in page.text


def test_a_duplicate_delivery_of_the_task_does_nothing(seed_text, secretariat):
    job = DeclarationImport.objects.create(filename="d.md", source_text=seed_text)
    tasks.declaration_import_task(job.pk)
    job.refresh_from_db()
    finished_at = job.finished_at

    tasks.declaration_import_task(job.pk)

    job.refresh_from_db()
    assert job.finished_at == finished_at
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"x" * (1024 * 1024 + 1), "the limit is 1.0\xa0MB"),
        ("é".encode("latin-1") * 10, "The file is not UTF-8 text."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not UTF-8 text."),
        (b"text\x00with a NUL", "The file is not a text document."),
    ],
)
def test_a_bad_file_gets_a_form_error_and_nothing_is_stored(as_secretariat, content, error):
    page = upload(as_secretariat, content)

    assert page.status_code == 200
    assert error in page.text
    assert not DeclarationImport.objects.exists()
