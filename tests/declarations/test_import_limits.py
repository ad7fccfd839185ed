"""An import cannot hog a worker or store a runaway page, and every job ends.

Parsing is linear (30,000 unclosed "[" took 23 s of a worker), the size of a document and of a
paragraph is capped on every path, and a job stopped by an error or the time limit is failed
with a reason instead of staying "running, 50 %" forever.
"""

import contextlib
import signal
import time
from io import StringIO

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from declarations import importer, services, tasks
from declarations.importer import import_declaration, references_in, to_plain_text
from declarations.models import Declaration, DeclarationImport
from tests.declarations.conftest import SEED


@contextlib.contextmanager
def at_most(seconds: int):
    """A guard against quadratic blow-up: fails the test instead of hanging the suite."""

    def too_slow(signum, frame):
        raise TimeoutError(f"took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def with_first_paragraph(extra: str) -> str:
    """The seed declaration with `extra` added to the end of operative paragraph 1."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("\n1. ")
    end = text.index("\n", start + 1)
    return text[:end] + " " + extra + text[end:]


def test_30000_unclosed_brackets_are_read_in_linear_time():
    brackets = "[" * 30_000

    with at_most(5):
        started = time.monotonic()
        assert to_plain_text(brackets) == brackets
        assert references_in(brackets + "](" + "(" * 30_000) == []
        print(f"30,000 unclosed brackets: {time.monotonic() - started:.3f} s")


def test_links_still_become_their_text_and_references():
    markdown = r"*Recalling* [1373 \(2001\)](#) and [resolution 60/288](#), [not a link] [x](y"

    assert (
        to_plain_text(markdown) == "Recalling 1373 (2001) and resolution 60/288, [not a link] [x](y"
    )
    assert [r.name for r in references_in(markdown)] == [
        "Security Council resolution 1373 (2001)",
        "General Assembly resolution 60/288",
    ]


def test_a_declaration_with_thousands_of_unclosed_brackets_imports_quickly(db):
    with at_most(5):
        result = import_declaration(with_first_paragraph("[" * 9_000))

    assert "[" * 9_000 in result.declaration.paragraphs.get(number=1).text


def test_the_command_refuses_a_document_over_the_size_cap(db, tmp_path, settings):
    settings.DECLARATION_MAX_BYTES = 100_000
    path = tmp_path / "runaway.md"
    path.write_text(with_first_paragraph("x" * 200_000), encoding="utf-8")

    with pytest.raises(CommandError, match="the limit is 97.7\xa0KB. Nothing was imported"):
        call_command("import_declaration", str(path), stdout=StringIO())

    assert not Declaration.objects.exists()


def test_the_command_refuses_a_paragraph_over_the_size_cap(db, tmp_path):
    path = tmp_path / "long-paragraph.md"
    path.write_text(with_first_paragraph("word " * 4_000), encoding="utf-8")

    with pytest.raises(CommandError, match=r"the paragraph is 2\d,\d{3} characters long"):
        call_command("import_declaration", str(path), stdout=StringIO())

    assert not Declaration.objects.exists()


def test_the_upload_form_refuses_a_paragraph_over_the_size_cap(client, secretariat):
    client.force_login(secretariat)
    content = with_first_paragraph("word " * 4_000).encode()

    page = client.post(
        reverse("declarations:upload"), {"file": SimpleUploadedFile("d.md", content)}
    )

    assert page.status_code == 200
    assert "the limit is 10,000. Nothing was imported." in page.text
    assert not DeclarationImport.objects.exists()


def test_a_queued_job_over_the_size_cap_fails_with_the_reason(db, settings):
    job = DeclarationImport.objects.create(filename="d.md", source_text=SEED.read_text())
    settings.DECLARATION_MAX_BYTES = 1_000

    tasks.declaration_import_task(job.pk)

    job.refresh_from_db()
    assert job.state == DeclarationImport.State.FAILED
    assert "the limit is 1000\xa0bytes" in job.errors[0]["message"]
    assert not Declaration.objects.exists()


def test_a_job_stopped_by_the_soft_time_limit_ends_failed(db, monkeypatch):
    # Celery's soft time limit is a signal whose handler raises SoftTimeLimitExceeded in the
    # task: the same here, delivered by a real timer while the write is under way (armed by the
    # write itself, so a slow machine cannot make it fire during the parse instead).
    def slow_write(*args, **kwargs):
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        time.sleep(10)

    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(services, "write_declaration", slow_write)
    job = DeclarationImport.objects.create(filename="d.md", source_text=SEED.read_text())
    previous = signal.signal(signal.SIGALRM, soft_limit)
    try:
        tasks.declaration_import_task(job.pk)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    job.refresh_from_db()
    assert (job.state, job.progress) == (DeclarationImport.State.FAILED, 100)
    assert job.errors == [
        {"line": None, "message": "The import took too long and was stopped. Nothing was imported."}
    ]
    assert job.finished_at is not None


def test_a_job_hit_by_an_unexpected_error_ends_failed_with_a_reason(db, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(importer, "_parse_body", broken)
    job = DeclarationImport.objects.create(filename="d.md", source_text=SEED.read_text())

    tasks.declaration_import_task(job.pk)

    job.refresh_from_db()
    assert job.state == DeclarationImport.State.FAILED
    assert "failed on our side (KeyError)" in job.errors[0]["message"]
