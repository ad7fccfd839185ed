"""Records of Tajikistan and Kazakhstan to build reports from, and a helper that builds one."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations.models import Paragraph
from tests.conftest import make_pdf, new_cycle
from tracking import services, tallies
from tracking.models import (
    Action,
    Assessment,
    Evidence,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
)


@pytest.fixture
def records(declaration, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal):
    """Tajikistan: a submitted 2026 submission and a draft 2027 one; Kazakhstan: a 2026 draft."""
    op = {p.number: p for p in Paragraph.objects.operative().filter(declaration=declaration)}
    next_cycle = new_cycle(declaration, 2027)
    tjk_2026 = Submission.objects.create(
        participant=tajikistan, cycle=cycle, state=Submission.State.SUBMITTED
    )
    tjk_2027 = Submission.objects.create(participant=tajikistan, cycle=next_cycle)
    kaz_2026 = Submission.objects.create(participant=kazakhstan, cycle=cycle)

    def action(submission, paragraphs, title, status, progress, user):
        record = Action.objects.create(
            participant=submission.participant,
            declaration=declaration,
            submission=submission,
            title=title,
            lead_institution="Ministry of Interior",
            status=status,
            progress=progress,
            start_date="2026-01-15",
            created_by=user,
        )
        record.paragraphs.set([op[number] for number in paragraphs])
        return record

    def update(record, submission, date, narrative, status, progress):
        return ProgressUpdate.objects.create(
            action=record,
            submission=submission,
            date=date,
            narrative=narrative,
            status=status,
            progress=progress,
            created_by=tjk_focal,
        )

    fiu = action(tjk_2026, [1, 5], "Financial intelligence unit strengthened", "in_progress", 40,
                 tjk_focal)  # fmt: skip
    youth = action(tjk_2026, [7], "Youth education programme", "completed", 100, tjk_focal)
    border = action(tjk_2027, [3], "Draft border plan", "planned", 0, tjk_focal)
    secret = action(kaz_2026, [1], "Kazakh draft action", "planned", 5, kaz_focal)
    updates = [
        update(fiu, tjk_2026, "2026-02-01", "Law drafted", "in_progress", 20),
        update(fiu, tjk_2026, "2026-03-01", '=HYPERLINK("http://evil")', "in_progress", 40),
        update(youth, tjk_2026, "2026-04-01", "Programme running in 40 schools", "completed", 100),
    ]
    # 2027 works on its own copy of the unit's action; the 2026 one stays as submitted.
    fiu_2027 = action(tjk_2027, [1, 5], fiu.title, "in_progress", 40, tjk_focal)
    fiu_2027.carried_from = fiu
    fiu_2027.save()
    draft_update = update(fiu_2027, tjk_2027, "2027-02-01", "Draft note on the unit", "delayed", 45)
    Evidence.objects.create(
        action=fiu, submission=tjk_2026, title="FIU annual report",
        url="https://example.org/fiu.pdf", uploaded_by=tjk_focal,
    )  # fmt: skip
    Evidence.objects.create(
        update=updates[2], submission=tjk_2026, title="Curriculum", file="evidence/curriculum.pdf",
        original_name="curriculum.pdf", size=1234, uploaded_by=tjk_focal,
    )  # fmt: skip
    Evidence.objects.create(
        action=fiu_2027, submission=tjk_2027, title="Draft memo", url="https://example.org/memo",
        uploaded_by=tjk_focal,
    )  # fmt: skip
    ratings = {1: ("partially", ""), 5: ("substantially", "Law adopted"),
               7: ("fully", "Programme running in 40 schools")}  # fmt: skip
    for number, (rating, justification) in ratings.items():
        Assessment.objects.create(
            submission=tjk_2026, paragraph=op[number], rating=rating,
            justification=justification, updated_by=tjk_focal,
        )  # fmt: skip
    Assessment.objects.create(
        submission=kaz_2026, paragraph=op[1], rating="not_started", updated_by=kaz_focal
    )
    # Filed around the services: counted as they would.
    tallies.recount([tjk_2026.pk, tjk_2027.pk, kaz_2026.pk])
    return SimpleNamespace(
        paragraphs=op, fiu=fiu, fiu_2027=fiu_2027, youth=youth, border=border, secret=secret,
        updates=updates, draft_update=draft_update, next_cycle=next_cycle,
    )  # fmt: skip


def request_report(client, user, declaration, cycle, **fields) -> Report:
    """Asks for a report through the form, as the user would; the task is not run."""
    client.force_login(user)
    data = {"declaration": declaration.pk, "cycle": cycle.pk, "format": "xlsx", **fields}
    response = client.post(reverse("tracking:report_request"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.filter(requested_by=user).latest("pk")


@pytest.fixture
def build_report(client, declaration, cycle, settings, tmp_path):
    """Requests a report as `user`, builds it as the worker would, and downloads its bytes."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def build(user, **fields) -> tuple[Report, bytes]:
        report = request_report(client, user, declaration, cycle, **fields)
        services.report_run(report_id=report.pk)
        report.refresh_from_db()
        assert report.state == Report.State.SUCCEEDED, report.error
        response = client.get(reverse("tracking:report_download", args=[report.pk]))
        assert response.status_code == 200
        return report, b"".join(response.streaming_content)

    return build


@pytest.fixture
def report_worker(transactional_db, settings, tmp_path):
    """A real worker (not started yet: set `.env` first) writing files and mail under tmp_path."""
    from config.celery import app
    from tests.conftest import WorkerProcess, _database_url_for_tests

    app.control.purge()
    settings.MEDIA_ROOT = tmp_path / "media"
    worker = WorkerProcess(_database_url_for_tests())
    worker.mail_dir = tmp_path / "mail"
    worker.env.update(
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(worker.mail_dir),
    )
    yield worker
    worker.stop()
    app.control.purge()


def wait_for(condition, timeout: float = 60, interval: float = 0.2):
    """Polls `condition` until it returns something true; fails after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"still waiting after {timeout} s")


@pytest.fixture
def approved_2026(cycle, tajikistan, tjk_focal, tjk_coordinator, private_media):
    """Tajikistan's 2026 submission, complete and approved, then the cycle closed."""
    declaration = cycle.declaration
    paragraphs = {p.number: p for p in declaration.paragraphs.operative()}
    action = services.action_create(
        participant=tajikistan,
        declaration=declaration,
        paragraphs=[paragraphs[6]],
        user=tjk_focal,
        values={
            "title": "Financial intelligence unit",
            "lead_institution": "National Bank",
            "status": "planned",
            "progress": 0,
        },
    )
    services.progress_update_file(
        action=action,
        user=tjk_focal,
        date="2026-06-01",
        narrative="Unit staffed.",
        status="in_progress",
        progress=40,
    )
    services.evidence_add(
        action=action,
        user=tjk_focal,
        title="Staffing decree",
        date=None,
        upload=SimpleUploadedFile("decree.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
    )
    for number, paragraph in paragraphs.items():
        services.assessment_save(
            participant=tajikistan,
            cycle=cycle,
            paragraph=paragraph,
            rating="fully" if number == 6 else "partially",
            justification=f"Reason {number}.",
            version=0,
            user=tjk_focal,
        )
    submission = action.submission
    submission = services.submission_submit(
        submission=submission, version=submission.version, user=tjk_focal
    )
    services.submission_approve(
        submission=submission, version=submission.version, user=tjk_coordinator
    )
    cycle.state = ReportingCycle.State.CLOSED
    cycle.save()
    action.refresh_from_db()
    return action


@pytest.fixture
def mail_tasks_run_at_once(settings):
    """Runs the mail tasks in the caller's thread (the broker is proven by the worker tests),
    with absolute links to a site address the tests can recognise."""
    from config.celery import app

    keys = ("task_always_eager", "task_eager_propagates")
    before = {key: app.conf.get(key) for key in keys}
    app.conf.update(dict.fromkeys(keys, True))
    settings.SITE_URL = "https://tracker.example.org"
    yield
    app.conf.update(before)


@pytest.fixture
def addresses(tjk_focal, tjk_coordinator, tjk_viewer, kaz_focal, secretariat):
    """Every member of the cast has an e-mail address: who gets mail is then the rule's doing."""
    for user in (tjk_focal, tjk_coordinator, tjk_viewer, kaz_focal, secretariat):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
