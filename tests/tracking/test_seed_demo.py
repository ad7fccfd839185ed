"""The demo data of `make run` and the UN-scale benchmark data set."""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from declarations.models import Declaration, Paragraph
from tests.conftest import new_cycle
from tracking.models import (
    Action,
    Assessment,
    Evidence,
    Participant,
    ProgressUpdate,
    Submission,
    User,
)


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = [User, Participant, Submission, Action, ProgressUpdate, Evidence, Assessment]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_it_stops_with_a_clear_message_when_the_declaration_is_missing(db, monkeypatch):
    monkeypatch.setattr(
        "tracking.management.commands.seed_demo.get_commands", lambda: {"seed_demo": "tracking"}
    )
    with pytest.raises(CommandError, match="load_shipped_declarations"):
        _seed()


def test_it_creates_the_demo_accounts_and_prints_them(declaration, media):
    out = _seed()

    assert "http://127.0.0.1:8000/" in out
    for username in ["secretariat", "tjk-focal", "tjk-coordinator", "kaz-focal"]:
        assert username in out
        assert User.objects.get(username=username).check_password("demo-pass-2018")
    assert User.objects.get(username="secretariat").is_secretariat
    assert User.objects.get(username="tjk-focal").memberships.get().participant.code == "TJK"
    assert User.objects.get(username="kaz-focal").memberships.get().participant.code == "KAZ"


def test_it_files_records_in_mixed_states_with_history(declaration, media):
    _seed()

    states = set(Submission.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "approved"} <= states
    assert Action.objects.filter(participant__code="TJK", submission__state="submitted").exists()
    assert Action.objects.filter(participant__code="KAZ", submission__state="draft").exists()
    assert Assessment.objects.filter(submission__participant__code="TJK").count() > 0
    # Saved one by one, so the audit history has them.
    assert Action.history.count() >= Action.objects.count()
    assert ProgressUpdate.history.count() == ProgressUpdate.objects.count() > 0
    assert Submission.objects.filter(review_comment__startswith="Please add").exists()


def test_its_evidence_files_are_real_and_checksummed(declaration, media):
    _seed()

    files = Evidence.objects.exclude(file="")
    assert files.exists()
    for evidence in files:
        content = default_storage.open(evidence.file.name).read()
        assert content.startswith(b"%PDF")
        assert evidence.size == len(content)
        assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert Evidence.objects.filter(url__startswith="https://").exists()


def test_running_it_twice_changes_nothing(declaration, media):
    _seed()
    before = _counts()

    _seed()

    assert _counts() == before


def test_the_un_scale_mode_generates_the_figures_it_is_given(declaration, media):
    _seed("--scale", "un", "--actions", "200", "--updates-per-action", "3", "--evidence", "90")

    demo_actions = Action.objects.filter(description__contains="demonstration").count()
    assert Action.objects.count() == 200 + demo_actions
    assert ProgressUpdate.objects.filter(narrative__startswith="Generated").count() == 600
    assert Evidence.objects.filter(title__startswith="Evidence ").count() == 90
    assert Evidence.objects.filter(title__startswith="Evidence ").exclude(url="").count() == 60
    assert Participant.objects.filter(kind="state").count() == 193
    assert Participant.objects.filter(kind="organization").count() == 10
    assert Declaration.objects.count() == 3
    operative = Paragraph.objects.operative().count()
    assert operative == 16 + 32 + 32
    # A rating for every participant × operative paragraph of its declarations.
    assert Assessment.objects.count() == 203 * operative
    assert set(Submission.objects.values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "approved",
    }
    # Every action's status is that of its last update.
    action = Action.objects.filter(description__startswith="Generated").first()
    assert action.updates.order_by("-date").first().status == action.status
    assert action.paragraphs.exists()


def test_the_un_scale_mode_runs_once(declaration, media):
    arguments = ["--scale", "un", "--actions", "20", "--updates-per-action", "2", "--evidence", "5"]
    _seed(*arguments)
    before = _counts()

    out = _seed(*arguments)

    assert "already there" in out
    assert _counts() == before
    # New rows still get fresh keys after the generated ones.
    assert Submission.objects.create(
        participant=Participant.objects.get(code="FRA"),
        cycle=new_cycle(Submission.objects.first().cycle.declaration, 2027),
    ).pk
