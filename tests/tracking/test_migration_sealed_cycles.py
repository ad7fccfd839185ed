"""Migrating a database filed before cycles were sealed: every row is kept, and each cycle
gets back what it held when it was submitted."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.migrations import migrate_to, migrate_to_latest

BEFORE = [("tracking", "0005_report_includes_drafts"), ("declarations", "0002_declarationimport")]
AFTER = [("tracking", "0008_cycle_period_required")]


@pytest.fixture(scope="module")
def migration(django_db_setup, django_db_blocker):
    """(apps of AFTER, what the old code filed): one walk back and forth for the module, whose
    tests only read the migrated rows (each walk costs seconds)."""
    with django_db_blocker.unblock():
        filed = _file_as_the_old_code(migrate_to(BEFORE))
        yield migrate_to(AFTER), filed
        # Back to the latest schema, empty, for the tests that follow.
        migrate_to_latest()
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def migrated_apps(migration, db):
    return migration[0]


@pytest.fixture
def old_database(migration, db):
    return migration[1]


def _file_as_the_old_code(apps) -> dict:
    """The schema of 0005, filled as the old code filed: a 2026 action approved, then a 2027
    draft update and evidence that wrote onto it."""
    get = apps.get_model
    declaration = get("declarations", "Declaration").objects.create(
        title="Dushanbe Declaration", short_title="Dushanbe", slug="dushanbe"
    )
    paragraph = get("declarations", "Paragraph").objects.create(
        declaration=declaration, kind="operative", number=6, verb="Consider", text="x",
        text_markdown="x", position=1,
    )  # fmt: skip
    participant = get("tracking", "Participant").objects.create(
        code="TJK", name="Tajikistan", kind="state"
    )
    participant.declarations.add(declaration)
    user = get("tracking", "User").objects.create(username="tjk-focal")
    Cycle, Submission = get("tracking", "ReportingCycle"), get("tracking", "Submission")
    cycle_2026 = Cycle.objects.create(
        declaration=declaration, name="2026", starts_on="2026-01-01", due_on="2026-12-31",
        is_open=False,
    )  # fmt: skip
    cycle_2027 = Cycle.objects.create(
        declaration=declaration, name="2027", starts_on="2027-01-01", due_on="2027-12-31"
    )
    approved = Submission.objects.create(
        participant=participant, cycle=cycle_2026, state="approved"
    )
    draft = Submission.objects.create(participant=participant, cycle=cycle_2027)
    Action = get("tracking", "Action")
    action = Action.objects.create(
        participant=participant, declaration=declaration, submission=approved, title="FIU law",
        lead_institution="Ministry", status="in_progress", progress=60, created_by=user,
        paragraph_numbers="6",
    )  # fmt: skip
    action.paragraphs.add(paragraph)
    # The audit history as the old code wrote it: the action as approved in 2026.
    history = get("tracking", "HistoricalAction")
    fields = {f.attname: getattr(action, f.attname) for f in Action._meta.concrete_fields}
    fields.pop("updated_at")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    history.objects.create(**fields, history_date=an_hour_ago, history_type="+")
    Update = get("tracking", "ProgressUpdate")
    own = Update.objects.create(
        action=action, submission=approved, date="2026-06-01", narrative="Adopted",
        status="in_progress", progress=60, created_by=user,
    )  # fmt: skip
    leaked = Update.objects.create(
        action=action, submission=draft, date="2027-02-01", narrative="Draft: cancelled",
        status="cancelled", progress=7, created_by=user,
    )  # fmt: skip
    Action.objects.filter(pk=action.pk).update(status="cancelled", progress=7)
    Evidence = get("tracking", "Evidence")
    old_evidence = Evidence.objects.create(
        action=action, submission=approved, title="Law", url="https://example.org/law",
        uploaded_by=user,
    )  # fmt: skip
    new_evidence = Evidence.objects.create(
        action=action, submission=draft, title="Draft memo", url="https://example.org/memo",
        uploaded_by=user,
    )  # fmt: skip
    counts = {
        model: get("tracking", model).objects.count()
        for model in ("Action", "ProgressUpdate", "Evidence", "Submission", "ReportingCycle")
    }
    return {
        "action": action.pk, "own": own.pk, "leaked": leaked.pk, "old_evidence": old_evidence.pk,
        "new_evidence": new_evidence.pk, "approved": approved.pk, "draft": draft.pk,
        "counts": counts, "cycles": (cycle_2026.pk, cycle_2027.pk), "participant": participant.pk,
    }  # fmt: skip


def test_migrating_keeps_every_row_and_gives_each_cycle_back_what_it_held(
    old_database, migrated_apps
):
    get = migrated_apps.get_model
    Action, Update, Evidence = (
        get("tracking", name) for name in ("Action", "ProgressUpdate", "Evidence")
    )

    # Nothing lost: one more action, the copy the 2027 draft works on.
    before = old_database["counts"]
    assert Update.objects.count() == before["ProgressUpdate"]
    assert Evidence.objects.count() == before["Evidence"]
    assert Action.objects.count() == before["Action"] + 1
    # The 2026 action is back to what was approved, with its own update and evidence.
    original = Action.objects.get(pk=old_database["action"])
    assert (original.status, original.progress) == ("in_progress", 60)
    assert list(Update.objects.filter(action=original).values_list("pk", flat=True)) == [
        old_database["own"]
    ]
    assert list(Evidence.objects.filter(action=original).values_list("pk", flat=True)) == [
        old_database["old_evidence"]
    ]
    # The 2027 draft owns a copy, carried from the 2026 action, with the draft's update.
    copy = Action.objects.get(carried_from=original)
    assert copy.submission_id == old_database["draft"]
    assert (copy.status, copy.progress, copy.title) == ("cancelled", 7, "FIU law")
    assert list(copy.paragraphs.values_list("number", flat=True)) == [6]
    assert Update.objects.get(pk=old_database["leaked"]).action_id == copy.pk
    assert Evidence.objects.get(pk=old_database["new_evidence"]).action_id == copy.pk


def test_cycles_keep_their_open_state_and_every_participant_in_scope(old_database, migrated_apps):
    Cycle = migrated_apps.get_model("tracking", "ReportingCycle")
    closed, opened = (Cycle.objects.get(pk=pk) for pk in old_database["cycles"])

    assert (closed.state, opened.state) == ("closed", "open")
    assert closed.ends_on == closed.due_on
    assert list(opened.participants.values_list("pk", flat=True)) == [old_database["participant"]]
