"""The action tallies equal a fresh count of the rows after any sequence of writes through the
services, and the migration that adds them counts what was already there."""

import contextlib
import datetime
from functools import partial

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from declarations.models import Declaration, Paragraph
from tests.conftest import new_cycle
from tests.migrations import migrate_to, migrate_to_latest
from tracking import services
from tracking.models import (
    Action,
    ActionTally,
    Evidence,
    Membership,
    ReportingCycle,
    Submission,
    User,
)
from tracking.services import FilingRefused
from tracking.versioning import EditConflict

STATUSES = st.sampled_from(Action.Status.values)
PROGRESS = st.integers(min_value=0, max_value=100)
# Which of the records in play a step picks: taken modulo their number.
PICK = st.integers(min_value=0, max_value=1000)
# Refused writes (a sealed submission, a stale version, nothing left to rate) change nothing.
REFUSED = (FilingRefused, EditConflict)


def stored() -> set[tuple]:
    return set(
        ActionTally.objects.values_list(
            "submission_id", "paragraph_id", "status", "actions", "last_update"
        )
    )


def counted(actions) -> set[tuple]:
    """The tallies counted in Python from the actions, their paragraphs and updates."""
    counts: dict[tuple, int] = {}
    latest: dict[tuple, datetime.date | None] = {}
    for action in actions.prefetch_related("paragraphs", "updates"):
        last = max((u.date for u in action.updates.all()), default=None)
        for paragraph_id in [None, *(p.pk for p in action.paragraphs.all())]:
            key = (action.submission_id, paragraph_id, action.status)
            counts[key] = counts.get(key, 0) + 1
            if last and (latest.get(key) is None or last > latest[key]):
                latest[key] = last
            latest.setdefault(key, None)
    return {(*key, n, latest[key]) for key, n in counts.items()}


def test_the_tallies_equal_a_fresh_count_after_any_writes_through_the_services(
    tajikistan, kazakhstan, tjk_focal, kaz_focal, tjk_coordinator
):
    # A declaration of four operative paragraphs: rating all of them is quick.
    declaration = Declaration.objects.create(title="Short declaration", slug="short")
    Paragraph.objects.bulk_create(
        Paragraph(
            declaration=declaration,
            kind=Paragraph.Kind.OPERATIVE,
            number=n,
            verb="Consider",
            text=f"Commitment {n}",
            text_markdown=f"Commitment {n}",
            position=n,
        )  # fmt: skip
        for n in (1, 2, 3, 4)
    )
    for participant in (tajikistan, kazakhstan):
        participant.declarations.add(declaration)
    new_cycle(declaration, 2026)
    kaz_coordinator = User.objects.create_user("kaz-coordinator")
    Membership.objects.create(
        user=kaz_coordinator, participant=kazakhstan, role=Membership.Role.COORDINATOR
    )
    people = [(tajikistan, tjk_focal, tjk_coordinator), (kazakhstan, kaz_focal, kaz_coordinator)]
    operative = list(Paragraph.objects.operative().filter(declaration=declaration))
    paragraph_sets = st.lists(st.sampled_from(operative), min_size=1, max_size=3, unique=True)

    class Filing(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each run starts from the fixtures' database: its writes are rolled back.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.year = 2026

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        @initialize()
        def one_action_each(self):
            for who in (0, 1):
                self.create_action(who, operative[: who + 1], Action.Status.IN_PROGRESS, 10)

        def open_actions(self) -> list[Action]:
            return list(
                Action.objects.filter(submission__cycle__state=ReportingCycle.State.OPEN)
                .select_related("submission__cycle", "participant", "declaration")
                .order_by("pk")
            )

        def submission(self, who: int) -> Submission | None:
            participant = people[who][0]
            cycle = services.open_cycle(declaration)
            return (
                Submission.objects.filter(participant=participant, cycle=cycle)
                .select_related("cycle", "participant")
                .first()
            )

        @rule(who=st.integers(0, 1), paragraphs=paragraph_sets, status=STATUSES, progress=PROGRESS)
        def create_action(self, who, paragraphs, status, progress):
            participant, focal, _ = people[who]
            with contextlib.suppress(*REFUSED):
                services.action_create(
                    participant=participant,
                    declaration=declaration,
                    paragraphs=paragraphs,
                    user=focal,
                    values={
                        "title": "An action",
                        "lead_institution": "A ministry",
                        "status": status,
                        "progress": progress,
                    },
                )

        @precondition(lambda self: self.open_actions())
        @rule(pick=PICK, paragraphs=paragraph_sets, status=STATUSES)
        def edit_action(self, pick, paragraphs, status):
            actions = self.open_actions()
            action = actions[pick % len(actions)]
            focal = people[0 if action.participant_id == tajikistan.pk else 1][1]
            with contextlib.suppress(*REFUSED):
                services.action_edit(
                    action=action,
                    version=action.version,
                    values={"title": "Edited", "status": status},
                    paragraphs=paragraphs,
                    user=focal,
                )

        @precondition(lambda self: self.open_actions())
        @rule(pick=PICK, days=st.integers(0, 700), status=STATUSES, progress=PROGRESS)
        def file_update(self, pick, days, status, progress):
            actions = self.open_actions()
            action = actions[pick % len(actions)]
            focal = people[0 if action.participant_id == tajikistan.pk else 1][1]
            with contextlib.suppress(*REFUSED):
                services.progress_update_file(
                    action=action,
                    user=focal,
                    date=datetime.date(2026, 1, 1) + datetime.timedelta(days=days),
                    narrative="Work goes on.",
                    status=status,
                    progress=progress,
                )

        @precondition(lambda self: self.open_actions())
        @rule(pick=PICK, on_update=st.booleans())
        def add_evidence(self, pick, on_update):
            actions = self.open_actions()
            action = actions[pick % len(actions)]
            focal = people[0 if action.participant_id == tajikistan.pk else 1][1]
            update = action.updates.first() if on_update else None
            with contextlib.suppress(*REFUSED):
                services.evidence_add(
                    action=action,
                    update=update,
                    user=focal,
                    title="Minutes",
                    date=None,
                    url="https://example.org/minutes",
                )

        @precondition(lambda self: Evidence.objects.exists())
        @rule(pick=PICK)
        def delete_evidence(self, pick):
            evidence = list(Evidence.objects.order_by("pk"))
            item = evidence[pick % len(evidence)]
            focal = people[0 if item.submission.participant_id == tajikistan.pk else 1][1]
            with contextlib.suppress(*REFUSED):
                services.evidence_delete(evidence=item, user=focal)

        @rule(who=st.integers(0, 1), outcome=st.sampled_from(["approved", "returned", "submitted"]))
        def submit_and_review(self, who, outcome):
            """The focal point rates every paragraph and submits; the coordinator then
            approves, returns, or leaves it submitted."""
            participant, focal, coordinator = people[who]
            submission = self.submission(who)
            rated = (
                set(submission.assessments.values_list("paragraph_id", flat=True))
                if submission
                else set()
            )
            with contextlib.suppress(*REFUSED):
                for paragraph in (p for p in operative if p.pk not in rated):
                    services.assessment_save(
                        participant=participant,
                        cycle=services.open_cycle(declaration),
                        paragraph=paragraph,
                        rating="partially",
                        justification="",
                        version=0,
                        user=focal,
                    )
            submission = self.submission(who)
            if submission is None:
                return
            with contextlib.suppress(*REFUSED):
                if submission.is_draft:
                    submission = services.submission_submit(
                        submission=submission, version=submission.version, user=focal
                    )
                review = {
                    "approved": services.submission_approve,
                    "returned": partial(services.submission_return, comment="Say more."),
                }.get(outcome)
                if review is not None:
                    review(submission=submission, version=submission.version, user=coordinator)

        # Once a submission of the cycle is approved: the next cycle starts from it.
        @precondition(
            lambda self: Submission.objects.filter(
                cycle__state=ReportingCycle.State.OPEN, state=Submission.State.APPROVED
            ).exists()
        )
        @rule()
        def start_a_new_cycle(self):
            """The secretariat closes the cycle and opens the next one; each participant
            starts its draft from its last approved submission (carry-forward)."""
            ReportingCycle.objects.filter(declaration=declaration).update(
                state=ReportingCycle.State.CLOSED
            )
            self.year += 1
            cycle = new_cycle(declaration, self.year)
            for participant, focal, _ in people:
                services.submission_start(participant=participant, cycle=cycle, user=focal)

        @invariant()
        def tallies_equal_a_fresh_count(self):
            assert stored() == counted(Action.objects.all())

    run_state_machine_as_test(
        Filing,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            # The same examples on every run, and no example files in the repository.
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


BEFORE = [("tracking", "0015_list_indexes"), ("declarations", "0003_language_versions")]
AFTER = [("tracking", "0016_tallies")]


@pytest.fixture
def migrated_back(transactional_db):
    yield migrate_to(BEFORE)
    # Back to the latest schema for the tests that follow.
    migrate_to_latest()


def test_the_migration_counts_the_actions_already_filed_and_is_reversible(migrated_back):
    get = migrated_back.get_model
    declaration = get("declarations", "Declaration").objects.create(
        title="Dushanbe Declaration", short_title="Dushanbe", slug="dushanbe"
    )
    paragraphs = [
        get("declarations", "Paragraph").objects.create(
            declaration=declaration,
            kind="operative",
            number=n,
            verb="Consider",
            text="x",
            text_markdown="x",
            position=n,
        )  # fmt: skip
        for n in (1, 2, 3)
    ]
    participant = get("tracking", "Participant").objects.create(
        code="TJK", name="Tajikistan", kind="state"
    )
    user = get("tracking", "User").objects.create(username="tjk-focal")
    Cycle, Submission = get("tracking", "ReportingCycle"), get("tracking", "Submission")
    submissions = [
        Submission.objects.create(
            participant=participant,
            state=state,
            cycle=Cycle.objects.create(
                declaration=declaration,
                name=year,
                starts_on=f"{year}-01-01",
                ends_on=f"{year}-12-31",
                due_on=f"{year}-12-31",
                state="open",
            ),
        )  # fmt: skip
        for year, state in (("2026", "approved"), ("2027", "draft"))
    ]
    Action, Update = get("tracking", "Action"), get("tracking", "ProgressUpdate")
    filed = [
        (submissions[0], [0, 1], "completed", ["2026-03-01", "2026-05-01"]),
        (submissions[0], [1], "completed", ["2026-04-01"]),
        (submissions[0], [2], "delayed", []),
        (submissions[1], [0, 2], "in_progress", ["2027-02-01"]),
    ]
    for submission, linked, status, dates in filed:
        action = Action.objects.create(
            participant=participant, declaration=declaration, submission=submission,
            title="An action", lead_institution="A ministry", status=status, created_by=user,
        )  # fmt: skip
        action.paragraphs.set([paragraphs[i] for i in linked])
        for date in dates:
            Update.objects.create(
                action=action, submission=submission, date=date, narrative="x", status=status,
                progress=50, created_by=user,
            )  # fmt: skip

    migrate_to(AFTER)

    first, second = (s.pk for s in submissions)
    p1, p2, p3 = (p.pk for p in paragraphs)
    day = datetime.date.fromisoformat
    assert (
        stored()
        == counted(Action.objects.all())
        == {
            (first, None, "completed", 2, day("2026-05-01")),
            (first, p1, "completed", 1, day("2026-05-01")),
            (first, p2, "completed", 2, day("2026-05-01")),
            (first, None, "delayed", 1, None),
            (first, p3, "delayed", 1, None),
            (second, None, "in_progress", 1, day("2027-02-01")),
            (second, p1, "in_progress", 1, day("2027-02-01")),
            (second, p3, "in_progress", 1, day("2027-02-01")),
        }
    )
    # Backwards: the table goes, every other row stays.
    apps = migrate_to(BEFORE)
    assert apps.get_model("tracking", "Action").objects.count() == len(filed)
    assert "tracking_actiontally" not in connection.introspection.table_names()
