"""The UN-scale benchmark data set of `seed_demo --scale un`.

Generated benchmark data only: it is written with PostgreSQL's COPY (or batched INSERTs on
other databases), which bypasses `save()`, so NO audit history is kept for it. Application
code never writes audited models in bulk.
"""

import datetime
import hashlib
import random
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from declarations.models import Declaration, Paragraph, Theme
from tracking import tallies
from tracking.models import (
    Action,
    Assessment,
    AssistanceKind,
    Evidence,
    Match,
    Membership,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Publication,
    ReportingCycle,
    Submission,
    User,
)

GENERATED_DECLARATIONS = [
    ("benchmark-a", "Generated declaration A", 32),
    ("benchmark-b", "Generated declaration B", 32),
]
MORE_ORGANISATIONS = [
    ("AU", "African Union"),
    ("LAS", "League of Arab States"),
    ("OIC", "Organisation of Islamic Cooperation"),
    ("ASEAN", "Association of Southeast Asian Nations"),
]
THEMES = [
    ("terrorist-financing", "Terrorist financing"),
    ("border-security", "Border security"),
    ("youth", "Youth"),
    ("gender", "Gender"),
    ("media", "Media"),
    ("internet", "Internet"),
    ("education", "Education"),
    ("criminal-justice", "Criminal justice"),
]
TOPICS = [
    "national action plan on countering terrorism",
    "financial intelligence unit capacity",
    "border management training",
    "school programme on preventing violent extremism",
    "law on countering extremism",
    "online counter-narratives campaign",
    "rehabilitation of returnees",
    "prison deradicalisation programme",
    "regional information exchange",
    "protection of critical infrastructure",
    "victims of terrorism support",
    "community policing pilot",
]
VERBS = ["Develop", "Adopt", "Extend", "Evaluate", "Launch", "Strengthen", "Review"]
INSTITUTIONS = [
    "Ministry of Justice",
    "Ministry of Internal Affairs",
    "Ministry of Education",
    "National Bank",
    "State Security Service",
    "Border Guard Service",
    "Prosecutor General's Office",
    "Ministry of Foreign Affairs",
]
BATCH = 5_000
HEAVY_REPORTER_ACTIONS = 1_000
# Submission states drawn for the closed 2025 cycle and the open 2026 one.
EARLIER_STATES = {Submission.State.SUBMITTED: 20, Submission.State.APPROVED: 80}
OPEN_STATES = {Submission.State.DRAFT: 25, Submission.State.SUBMITTED: 35,
               Submission.State.APPROVED: 40}  # fmt: skip
# The share of a 2026 submission's ratings copied unchanged from the participant's 2025 ones.
CARRIED_SHARE = 0.6
# Technical assistance: up to this many needs a submission; offers a provider and declaration;
# the providers (the organisations, and these donor States).
NEEDS_PER_SUBMISSION = 4
OFFERS_PER_PROVIDER = 8
DONOR_STATES = ["DEU", "JPN", "NOR", "GBR", "USA", "FRA", "CHE", "SWE", "NLD", "CAN"]


def generate(*, actions: int, updates_per_action: int, evidence: int, seed: int, stdout) -> None:
    if Declaration.objects.filter(slug=GENERATED_DECLARATIONS[0][0]).exists():
        stdout.write("The UN-scale data set is already there: nothing to do.")
        return
    started = timezone.now()
    with transaction.atomic():
        rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        _Generator(rng, stdout).run(actions, updates_per_action, evidence)
    seconds = (timezone.now() - started).total_seconds()
    stdout.write(f"UN-scale data set generated in {seconds:.0f} s.")


class _Generator:
    def __init__(self, rng: random.Random, stdout) -> None:
        self.rng = rng
        self.stdout = stdout
        self.now = timezone.now()

    def run(self, actions: int, updates_per_action: int, evidence: int) -> None:
        declarations = self.declarations()
        participants = self.participants(declarations)
        # 2025 is closed (approved or submitted); 2026 is open and starts from 2025.
        earlier = {d.pk: self.cycle(d, 2025, ReportingCycle.State.CLOSED) for d in declarations}
        cycles = {d.pk: self.cycle(d, 2026, ReportingCycle.State.OPEN) for d in declarations}
        for cycle in [*earlier.values(), *cycles.values()]:
            cycle.participants.add(*participants)
        users = self.users(participants)
        submissions = self.submissions(participants, earlier.values(), users, EARLIER_STATES)
        submissions |= self.submissions(participants, cycles.values(), users, OPEN_STATES)
        operative = {
            d.pk: list(d.paragraphs.operative().values_list("pk", flat=True)) for d in declarations
        }
        action_rows = self.actions(
            actions, participants, declarations, earlier, cycles, submissions, users, operative
        )
        self.action_paragraphs(action_rows)
        self.updates(action_rows, updates_per_action)
        supported = self.evidence(action_rows, updates_per_action, evidence)
        self.assessments(submissions, earlier, cycles, operative, users, supported)
        self.assistance(participants, declarations, submissions, operative, users)
        self.publication(earlier[declarations[0].pk])
        # Written around the services: counted once, at the end.
        tallies.recount_all()
        with connection.cursor() as cursor:
            models_: list[type[models.Model]] = [
                Action, ProgressUpdate, Evidence, Assessment, Action.paragraphs.through
            ]  # fmt: skip
            for sql in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                # Fresh statistics, or the planner takes the new tables for empty ones.
                cursor.execute("ANALYZE")

    @staticmethod
    def cycle(declaration: Declaration, year: int, state: str) -> ReportingCycle:
        return ReportingCycle.objects.get_or_create(
            declaration=declaration,
            name=str(year),
            defaults={
                "starts_on": datetime.date(year, 1, 1),
                "ends_on": datetime.date(year, 12, 31),
                "due_on": datetime.date(year + 1, 1, 31),
                "state": state,
            },
        )[0]

    def declarations(self) -> list[Declaration]:
        themes = [
            Theme.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in THEMES
        ]
        result = [Declaration.objects.get(slug="dushanbe")]
        for slug, title, count in GENERATED_DECLARATIONS:
            declaration = Declaration.objects.create(title=title, short_title=title, slug=slug)
            paragraphs = Paragraph.objects.bulk_create(
                [
                    Paragraph(
                        declaration=declaration,
                        kind=Paragraph.Kind.PREAMBULAR,
                        verb="Recalling",
                        text_markdown="*Recalling* earlier commitments",
                        text="Recalling earlier commitments",
                        position=1,
                    )
                ]
                + [
                    Paragraph(
                        declaration=declaration,
                        kind=Paragraph.Kind.OPERATIVE,
                        number=number,
                        verb="Encourage",
                        text_markdown=f"*Encourage* generated commitment {number}",
                        text=f"Encourage generated commitment {number}",
                        position=1 + number,
                    )
                    for number in range(1, count + 1)
                ]
            )
            Paragraph.themes.through.objects.bulk_create(
                Paragraph.themes.through(paragraph_id=p.pk, theme_id=themes[i % len(themes)].pk)
                for i, p in enumerate(paragraphs)
                if p.kind == Paragraph.Kind.OPERATIVE
            )
            result.append(declaration)
        return result

    def participants(self, declarations: list[Declaration]) -> list[Participant]:
        for code, name in MORE_ORGANISATIONS:
            Participant.objects.get_or_create(
                code=code, defaults={"name": name, "kind": Participant.Kind.ORGANIZATION}
            )
        participants = list(Participant.objects.order_by("pk"))
        through = Participant.declarations.through
        linked = set(through.objects.values_list("participant_id", "declaration_id"))
        through.objects.bulk_create(
            through(participant_id=p.pk, declaration_id=d.pk)
            for p in participants
            for d in declarations
            if (p.pk, d.pk) not in linked
        )
        return participants

    def users(self, participants: list[Participant]) -> dict[int, int]:
        """One generated focal point per participant, who files its generated records."""
        User.objects.bulk_create(
            [
                User(username=f"bench-{p.code.lower()}", password="!", first_name=p.code)
                for p in participants
            ],
            ignore_conflicts=True,
        )
        by_name = dict(
            User.objects.filter(username__startswith="bench-").values_list("username", "pk")
        )
        users = {p.pk: by_name[f"bench-{p.code.lower()}"] for p in participants}
        Membership.objects.bulk_create(
            [
                Membership(user_id=users[p.pk], participant=p, role=Membership.Role.FOCAL_POINT)
                for p in participants
            ],
            ignore_conflicts=True,
        )
        return users

    def submissions(self, participants, cycles, users, weights) -> dict[tuple[int, int], int]:
        """(participant, cycle) → submission, in states drawn with `weights`; existing ones are
        kept."""
        existing = set(Submission.objects.values_list("participant_id", "cycle_id"))
        states, odds = zip(*weights.items(), strict=True)
        new = []
        for cycle in cycles:
            for p in participants:
                if (p.pk, cycle.pk) in existing:
                    continue
                state = self.rng.choices(states, weights=odds)[0]
                done = state != Submission.State.DRAFT
                new.append(
                    Submission(
                        participant=p,
                        cycle=cycle,
                        state=state,
                        submitted_at=self.now if done else None,
                        submitted_by_id=users[p.pk] if done else None,
                    )
                )
        Submission.objects.bulk_create(new, batch_size=BATCH)
        cycle_ids = [cycle.pk for cycle in cycles]
        return {
            (s.participant_id, s.cycle_id): s.pk
            for s in Submission.objects.filter(cycle_id__in=cycle_ids)
        }

    def assessments(self, submissions, earlier, cycles, operative, users, supported) -> None:
        """A rating for every submission × operative paragraph that has none yet, obeying the
        submit rules: every one justified, "Fully implemented" only where the submission holds
        evidence on an action on the paragraph. Most 2026 ratings of a participant approved in
        2025 are copies of its 2025 ones (`carried_from`)."""
        existing = set(Assessment.objects.values_list("submission_id", "paragraph_id"))
        ratings = list(Assessment.Rating.values)
        user_of = {pk: users[participant] for (participant, _), pk in submissions.items()}
        approved_2025 = set(
            Submission.objects.filter(
                pk__in=submissions.values(), state=Submission.State.APPROVED
            ).values_list("pk", flat=True)
        )
        start_id = _next_id(Assessment)
        # (submission, paragraph) → (pk, rating) of the 2025 rows written here
        written: dict[tuple[int, int], tuple[int, str]] = {}

        def rating(submission, paragraph) -> str:
            chosen = self.rng.choice(ratings)
            if chosen == Assessment.Rating.FULLY and (submission, paragraph) not in supported:
                return Assessment.Rating.SUBSTANTIALLY
            return chosen

        def rows() -> Iterator[tuple]:
            pk = start_id
            for declaration, cycle in [*earlier.items(), *cycles.items()]:
                previous_cycle = earlier[declaration].pk if cycle is cycles[declaration] else None
                for (participant, cycle_id), s in submissions.items():
                    if cycle_id != cycle.pk:
                        continue
                    previous = submissions.get((participant, previous_cycle))
                    for p in operative[declaration]:
                        if (s, p) in existing:
                            continue
                        origin = written.get((previous, p)) if previous in approved_2025 else None
                        if (
                            origin is not None
                            and self.rng.random() < CARRIED_SHARE
                            and (origin[1] != Assessment.Rating.FULLY or (s, p) in supported)
                        ):
                            carried_from, value = origin
                        else:
                            carried_from, value = None, rating(s, p)
                        if previous_cycle is None:
                            written[(s, p)] = (pk, value)
                        yield (
                            pk, s, p, value, "Generated benchmark rating.", user_of[s], self.now,
                            1, carried_from,
                        )  # fmt: skip
                        pk += 1

        columns = [
            "id",
            "submission_id",
            "paragraph_id",
            "rating",
            "justification",
            "updated_by_id",
            "updated_at",
            "version",
            "carried_from_id",
        ]
        _write(Assessment, columns, rows(), "assessments")

    def actions(
        self, count, participants, declarations, earlier, cycles, submissions, users, operative
    ) -> list:
        """Half of them in 2025; in 2026 the heavy reporter's, copies of the open actions of
        submissions approved in 2025 (`carried_from`, as carry-forward makes them), and new ones.
        """
        start_id = _next_id(Action)
        statuses = list(Action.Status.values)
        approved = set(
            Submission.objects.filter(
                cycle__in=earlier.values(), state=Submission.State.APPROVED
            ).values_list("participant_id", "cycle_id")
        )
        rows: list[tuple] = []
        kept: list[tuple] = []

        def add(participant, declaration, cycle, *, copy_of=None) -> None:
            pk = start_id + len(rows)
            submission = submissions[(participant.pk, cycle.pk)]
            if copy_of is not None:
                old = rows[copy_of - start_id]
                row = (pk, *old[1:3], submission, *old[4:13], self.now, self.now, 1, copy_of)
                paragraphs = kept[copy_of - start_id][-1]
            else:
                status = self.rng.choice(statuses)
                completed = status == Action.Status.COMPLETED
                progress = 100 if completed else self.rng.randrange(0, 100, 5)
                start = datetime.date(2018, 6, 1) + datetime.timedelta(
                    days=self.rng.randrange(3000)
                )
                end = start + datetime.timedelta(days=self.rng.randrange(90, 1500))
                topic = self.rng.choice(TOPICS)
                row = (
                    pk, participant.pk, declaration.pk, submission,
                    f"{self.rng.choice(VERBS)} {topic} ({participant.code}-{pk})",
                    f"Generated benchmark action about the {topic}.",
                    self.rng.choice(INSTITUTIONS), "", start, end, status, progress,
                    users[participant.pk], self.now, self.now, 1, None,
                )  # fmt: skip
                paragraphs = self.rng.sample(operative[declaration.pk], self.rng.choice([1, 2]))
            rows.append(row)
            # What the updates and evidence need: pk, declaration, submission, user, status,
            # progress, start, paragraphs.
            kept.append((pk, row[2], submission, row[12], row[10], row[11], row[8], paragraphs))

        earlier_count = count // 2
        for _ in range(earlier_count):
            participant = self.rng.choice(participants)
            declaration = self.rng.choice(declarations)
            add(participant, declaration, earlier[declaration.pk])
        # One heavy reporter with 1,000 actions in one declaration in the open cycle: the
        # single-participant PDF benchmark's case (a tenth of the actions when fewer are made).
        heavy = next((p for p in participants if p.code == "TJK"), participants[0])
        for _ in range(min(HEAVY_REPORTER_ACTIONS, count // 10)):
            add(heavy, declarations[0], cycles[declarations[0].pk])
        by_pk = {p.pk: p for p in participants}
        by_declaration = {d.pk: d for d in declarations}
        for old in rows[:earlier_count]:
            if len(rows) >= count:
                break
            participant, declaration = by_pk[old[1]], by_declaration[old[2]]
            open_action = old[10] not in Action.CLOSED_STATUSES
            if open_action and (participant.pk, earlier[declaration.pk].pk) in approved:
                add(participant, declaration, cycles[declaration.pk], copy_of=old[0])
        while len(rows) < count:
            participant = self.rng.choice(participants)
            declaration = self.rng.choice(declarations)
            add(participant, declaration, cycles[declaration.pk])
        columns = [
            "id",
            "participant_id",
            "declaration_id",
            "submission_id",
            "title",
            "description",
            "lead_institution",
            "partners",
            "start_date",
            "end_date",
            "status",
            "progress",
            "created_by_id",
            "created_at",
            "updated_at",
            "version",
            "carried_from_id",
        ]
        _write(Action, columns, rows, "actions")
        return kept

    def action_paragraphs(self, action_rows) -> None:
        rows = ((row[0], paragraph) for row in action_rows for paragraph in row[-1])
        _write(Action.paragraphs.through, ["action_id", "paragraph_id"], rows, "action paragraphs")

    def updates(self, action_rows, per_action: int) -> None:
        start_id = _next_id(ProgressUpdate)
        narratives = [f"Generated progress narrative {n} for the benchmark." for n in range(50)]

        def rows() -> Iterator[tuple]:
            pk = start_id
            for action, _, submission, user, status, progress, start, _ in action_rows:
                for step in range(1, per_action + 1):
                    last = step == per_action
                    yield (
                        pk,
                        action,
                        submission,
                        start + datetime.timedelta(days=30 * step),
                        self.rng.choice(narratives),
                        status if last else "in_progress",
                        progress if last else progress * step // per_action,
                        user,
                        self.now,
                        1,
                    )
                    pk += 1

        columns = [
            "id",
            "action_id",
            "submission_id",
            "date",
            "narrative",
            "status",
            "progress",
            "created_by_id",
            "created_at",
            "version",
        ]
        _write(
            ProgressUpdate, columns, rows(), "progress updates", total=len(action_rows) * per_action
        )
        self.first_update_id = start_id

    def evidence(self, action_rows, per_action: int, count: int) -> set[tuple[int, int]]:
        """Writes the evidence; returns the (submission, paragraph) pairs it supports."""
        supported: set[tuple[int, int]] = set()

        def rows() -> Iterator[tuple]:
            for n in range(count):
                index = self.rng.randrange(len(action_rows))
                action, _, submission, user, _, _, start, paragraphs = action_rows[index]
                supported.update((submission, paragraph) for paragraph in paragraphs)
                on_update = per_action and n % 2
                update = self.first_update_id + index * per_action if on_update else None
                link: tuple[str, str, str, str, int | None, str]
                if n % 3:
                    link = (f"https://example.org/evidence/{n}", "", "", "", None, "")
                else:
                    digest = hashlib.sha256(str(n).encode()).hexdigest()
                    link = (
                        "",
                        f"evidence/benchmark/{n}.pdf",
                        f"evidence-{n}.pdf",
                        "application/pdf",
                        1000 + n % 50_000,
                        digest,
                    )
                url, file, name, content_type, size, sha = link
                yield (
                    None if update else action,
                    update,
                    submission,
                    f"Evidence {n}",
                    start,
                    file,
                    name,
                    content_type,
                    size,
                    sha,
                    url,
                    Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT,
                    user,
                    self.now,
                )

        columns = [
            "action_id",
            "update_id",
            "submission_id",
            "title",
            "date",
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "url",
            "visibility",
            "uploaded_by_id",
            "created_at",
        ]
        _write(Evidence, columns, rows(), "evidence", total=count)
        return supported

    def assistance(self, participants, declarations, submissions, operative, users) -> None:
        """Needs in every submission (none to four, most shareable), offers from the
        organisations and ten donor States (most published), and matches of the approved
        shareable needs with offers on their paragraph and kind, in every state."""
        kinds = list(AssistanceKind.values)
        cycle_declaration = dict(ReportingCycle.objects.values_list("pk", "declaration_id"))
        states = dict(Submission.objects.values_list("pk", "state"))
        needs = [
            Need(
                submission_id=submission,
                paragraph_id=self.rng.choice(operative[cycle_declaration[cycle]]),
                description=f"Assistance with the {self.rng.choice(TOPICS)}",
                kind=self.rng.choice(kinds),
                priority=self.rng.choice(list(Need.Priority.values)),
                shareable=self.rng.random() < 0.7,
                created_by_id=users[participant],
            )
            for (participant, cycle), submission in submissions.items()
            for _ in range(self.rng.randrange(NEEDS_PER_SUBMISSION + 1))
        ]
        # Tajikistan's drafts hold a need whatever the draw, for the benchmark's need forms;
        # made without the generator, so that the rest of the data set stays as it was.
        tjk = next((p.pk for p in participants if p.code == "TJK"), None)
        needs += [
            Need(
                submission_id=submission,
                paragraph_id=operative[cycle_declaration[cycle]][0],
                description=f"Assistance with the {TOPICS[0]}",
                kind=kinds[0],
                priority=Need.Priority.MEDIUM,
                shareable=True,
                created_by_id=users[participant],
            )
            for (participant, cycle), submission in submissions.items()
            if participant == tjk and states[submission] == Submission.State.DRAFT
        ]
        Need.objects.bulk_create(needs, batch_size=BATCH)
        providers = [p for p in participants if p.kind == Participant.Kind.ORGANIZATION]
        providers += [p for p in participants if p.code in DONOR_STATES]
        provider_users = self.provider_users(providers)
        offers, on = [], []
        for provider in providers:
            for declaration in declarations:
                for n in range(OFFERS_PER_PROVIDER):
                    offers.append(
                        Offer(
                            provider=provider,
                            declaration=declaration,
                            title=f"{self.rng.choice(VERBS)} the {self.rng.choice(TOPICS)}",
                            description="Generated offer of assistance for the benchmark.",
                            kind=kinds[n % len(kinds)],
                            contact_name=f"{provider.code} assistance desk",
                            contact_email=f"assistance@{provider.code.lower()}.example.org",
                            state=Offer.State.DRAFT if n == 0 else Offer.State.PUBLISHED,
                            created_by_id=provider_users[provider.pk],
                        )
                    )
                    on.append(self.rng.sample(operative[declaration.pk], 3))
        Offer.objects.bulk_create(offers, batch_size=BATCH)
        through = Offer.paragraphs.through
        through.objects.bulk_create(
            (through(offer_id=o.pk, paragraph_id=p) for o, ps in zip(offers, on, strict=True)
             for p in ps),
            batch_size=BATCH,
        )  # fmt: skip
        fitting: dict[tuple[int, str], list[int]] = {}
        for offer, paragraphs in zip(offers, on, strict=True):
            if offer.state == Offer.State.PUBLISHED:
                for paragraph in paragraphs:
                    fitting.setdefault((paragraph, offer.kind), []).append(offer.pk)
        secretariat = User.objects.filter(is_secretariat=True).order_by("pk").first()
        if secretariat is None:
            return
        match_states = list(Match.State.values)
        matches = [
            Match(
                need_id=need.pk,
                offer_id=self.rng.choice(fitting[need.paragraph_id, need.kind]),
                state=self.rng.choice(match_states),
                created_by=secretariat,
                updated_by=secretariat,
            )
            for need in needs
            if need.shareable
            and states[need.submission_id] == Submission.State.APPROVED
            and (need.paragraph_id, need.kind) in fitting
            and self.rng.random() < 0.5
        ]
        Match.objects.bulk_create(matches, batch_size=BATCH)
        self.stdout.write(f"{len(needs)} needs, {len(offers)} offers, {len(matches)} matches.")

    def provider_users(self, providers) -> dict[int, int]:
        """One generated provider user per providing participant."""
        User.objects.bulk_create(
            [User(username=f"bench-provider-{p.code.lower()}", password="!") for p in providers],
            ignore_conflicts=True,
        )
        by_name = dict(
            User.objects.filter(username__startswith="bench-provider-").values_list(
                "username", "pk"
            )
        )
        users = {p.pk: by_name[f"bench-provider-{p.code.lower()}"] for p in providers}
        Membership.objects.bulk_create(
            [
                Membership(user_id=users[p.pk], participant=p, role=Membership.Role.PROVIDER)
                for p in providers
            ],
            ignore_conflicts=True,
        )
        return users

    def publication(self, cycle: ReportingCycle) -> None:
        """The closed 2025 cycle of the Dushanbe Declaration is published, for the public pages."""
        secretariat = User.objects.filter(is_secretariat=True).order_by("pk").first()
        if secretariat is not None:
            Publication.objects.get_or_create(
                cycle=cycle, defaults={"published_at": self.now, "published_by": secretariat}
            )


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _write(model, columns: list[str], rows: Iterable[tuple], label: str, *, total=None) -> None:
    """Write rows fast: COPY on PostgreSQL, batched INSERTs elsewhere (benchmark data only)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if total is None and isinstance(rows, list):
        total = len(rows)
    bar = tqdm(total=total, desc=label, unit=" rows", unit_scale=True, disable=None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A COPY is one statement however many rows it writes: making a million of them
            # in Python outlasts the pages' statement timeout (on a loaded machine, even the
            # 100,000 actions with their indexes did).
            cursor.execute("SET statement_timeout = 0")
            try:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608
                    for row in rows:
                        copy.write_row(row)
                        bar.update()
            finally:
                cursor.execute("RESET statement_timeout")
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            rows = iter(rows)
            while batch := [tuple(map(_adapt, row)) for row in islice(rows, BATCH)]:
                cursor.executemany(sql, batch)
                bar.update(len(batch))
    bar.close()


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value
