"""The named cast and the shared fixtures of the test suite."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from declarations.models import Declaration, Paragraph
from tracking.models import Membership, Participant, ReportingCycle, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-password-2018"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in another language leaves that language active in the thread (Django
    activates a request's language and leaves it): the next test starts in English."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached: pages keep parts keyed on versions of rows, and a
    rolled-back test database may give the next test's rows the same ids and versions."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _two_factor_optional(settings) -> None:
    """The cast logs in with the password alone; tests of two-factor login require it again."""
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Hashes the cast's passwords with MD5: PBKDF2's million rounds cost ~0.2 s per user
    and per login, most of a test's setup. The site's own hashers stay behind it, so a
    password hashed by another process (a worker, a management command) still checks."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def secretariat(db) -> User:
    return User.objects.create_user(
        "secretariat",
        password=PASSWORD,
        first_name="Sara",
        last_name="Secretariat",
        is_secretariat=True,
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests about PostgreSQL itself when the suite runs on another database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if "postgresql" not in item.keywords]
    left_out = [item for item in items if "postgresql" in item.keywords]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture
def declaration(db) -> Declaration:
    """A declaration with 2 preambular and 16 operative paragraphs, built without the importer."""
    declaration = Declaration.objects.create(
        title="Dushanbe Declaration", short_title="Dushanbe Declaration", slug="dushanbe"
    )
    Paragraph.objects.bulk_create(
        [
            Paragraph(
                declaration=declaration,
                kind=Paragraph.Kind.PREAMBULAR,
                verb=verb,
                text_markdown=f"*{verb}* the threat",
                text=f"{verb} the threat",
                position=position,
            )
            for position, verb in enumerate(["Noting", "Emphasizing"], start=1)
        ]
        + [
            Paragraph(
                declaration=declaration,
                kind=Paragraph.Kind.OPERATIVE,
                number=number,
                verb="Consider",
                text_markdown=f"*Consider* commitment {number}",
                text=f"Consider commitment {number}",
                position=2 + number,
            )
            for number in range(1, 17)
        ]
    )
    return declaration


def new_cycle(
    declaration: Declaration, year: int, state: str = ReportingCycle.State.OPEN
) -> ReportingCycle:
    """A cycle over one calendar year with every participant of the declaration in scope."""
    cycle = ReportingCycle.objects.create(
        declaration=declaration,
        name=str(year),
        starts_on=f"{year}-01-01",
        ends_on=f"{year}-12-31",
        due_on=f"{year}-12-31",
        state=state,
    )
    cycle.participants.set(declaration.participants.all())
    return cycle


def _join(participant: Participant, declaration: Declaration) -> Participant:
    """Links the participant to the declaration and puts it in scope of its cycles."""
    participant.declarations.add(declaration)
    participant.cycles.add(*declaration.cycles.all())
    return participant


@pytest.fixture
def cycle(declaration) -> ReportingCycle:
    return new_cycle(declaration, 2026)


@pytest.fixture
def tajikistan(declaration) -> Participant:
    participant = Participant.objects.create(
        code="TJK", name="Tajikistan", kind=Participant.Kind.STATE, region="asia"
    )
    return _join(participant, declaration)


@pytest.fixture
def kazakhstan(declaration) -> Participant:
    participant = Participant.objects.create(
        code="KAZ", name="Kazakhstan", kind=Participant.Kind.STATE, region="asia"
    )
    return _join(participant, declaration)


def _member(username: str, participant: Participant, role: str, name: str) -> User:
    first, last = name.split(" ", 1)
    user = User.objects.create_user(username, password=PASSWORD, first_name=first, last_name=last)
    Membership.objects.create(user=user, participant=participant, role=role)
    return user


@pytest.fixture
def tjk_focal(tajikistan) -> User:
    """Files Tajikistan's actions, updates, evidence and ratings."""
    return _member("tjk-focal", tajikistan, Membership.Role.FOCAL_POINT, "Farrukh Focal")


@pytest.fixture
def tjk_coordinator(tajikistan) -> User:
    """Approves or returns what Tajikistan files."""
    return _member("tjk-coordinator", tajikistan, Membership.Role.COORDINATOR, "Kamila Coordinator")


@pytest.fixture
def tjk_viewer(tajikistan) -> User:
    """Reads Tajikistan's records, changes nothing."""
    return _member("tjk-viewer", tajikistan, Membership.Role.VIEWER, "Vali Viewer")


@pytest.fixture
def kaz_focal(kazakhstan) -> User:
    """Another country's focal point: must see nothing of Tajikistan's drafts."""
    return _member("kaz-focal", kazakhstan, Membership.Role.FOCAL_POINT, "Aigerim Focal")


@pytest.fixture
def unodc(db) -> Participant:
    """An organisation that provides technical assistance; it reports on nothing here."""
    return Participant.objects.create(
        code="UNODC", name="UN Office on Drugs and Crime", kind=Participant.Kind.ORGANIZATION
    )


@pytest.fixture
def provider(unodc) -> User:
    """Publishes UNODC's offers of technical assistance; sees no participant's filings."""
    return _member("unodc-provider", unodc, Membership.Role.PROVIDER, "Pavel Provider")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Playwright drives Debian's Chromium: it cannot download a browser of its own."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run should have installed it")
        pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install chromium`")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def _database_url_for_tests() -> str:
    """The URL of the database the tests run on, for processes started by a test."""
    from django.db import connection

    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    host = f"{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{config['NAME']}"


class WorkerProcess:
    """A real `celery worker` process on the configured broker and the test database."""

    def __init__(self, database_url: str):
        self.env = {**os.environ, "DATABASE_URL": database_url, "CONN_MAX_AGE": "0"}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        from config.celery import ping

        assert ping.delay().get(timeout=60) == "pong", "the worker did not start"

    def kill(self) -> None:
        """SIGKILL the whole worker, pool children included, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db):
    from config.celery import app

    app.control.purge()
    worker = WorkerProcess(_database_url_for_tests())
    worker.start()
    yield worker
    worker.stop()


def make_pdf(text: str = "Evidence") -> bytes:
    """A tiny real PDF."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def private_media(settings, tmp_path) -> Path:
    """MEDIA_ROOT in a fresh folder, so that tests can list exactly what was stored."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def tjk_action(cycle, tajikistan, tjk_focal):
    """A draft action of Tajikistan on operative paragraph 6, filed by its focal point."""
    from tracking import services

    return services.action_create(
        participant=tajikistan,
        declaration=cycle.declaration,
        paragraphs=[cycle.declaration.paragraphs.get(number=6)],
        user=tjk_focal,
        values={
            "title": "National strategy on countering terrorism financing",
            "lead_institution": "Ministry of Finance",
            "status": "in_progress",
            "progress": 10,
        },
    )
