"""What the home page, the matrix and the completeness page show, aggregated in SQL.

Each function runs a fixed number of queries whatever the number of participants, paragraphs
or actions, and only counts what the user may see (`permissions.scope`).
"""

import functools
import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TypedDict

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from declarations.models import Declaration, Paragraph

from . import comparison, compiled, languages
from .models import (
    Action,
    ActionTally,
    Assessment,
    Chase,
    Participant,
    ReportingCycle,
    Submission,
    User,
)
from .permissions import memberships, participant_ids, scope, visible_filter


@dataclass
class ParagraphStatus:
    paragraph: Paragraph
    rating: str = ""
    rating_label: str | Promise = ""
    actions: int = 0
    last_update: date | None = None


@dataclass
class ParticipantCycle:
    """One participant's position in one open cycle, as its members see it on the home page."""

    participant: Participant
    cycle: ReportingCycle
    submission: Submission | None
    paragraphs: list[ParagraphStatus] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    # Set by the home page's view.
    may_file: bool = False
    status_rows: list[tuple[str | Promise, int]] = field(default_factory=list)
    chart: SafeString | None = None
    status_table: SafeString | None = None

    @property
    def unrated(self) -> list[Paragraph]:
        return [row.paragraph for row in self.paragraphs if not row.rating]

    def paragraph_rows(self) -> SafeString:
        """The `<tr>` of each paragraph, built here rather than in the template: the home page
        has one per operative paragraph of each open cycle, and a template's nodes are slow."""
        from .templatetags.tracking_tags import day  # which imports this module

        actions_url = reverse("tracking:actions")
        # Built once a page, not once a row: a handful of ratings.
        ratings = {
            value: format_html('<span class="rating rating--{}">{}</span>', value, label)
            for value, label in Assessment.Rating.choices
        }
        not_rated = format_html('<span class="rating rating--none">{}</span>', _("Not rated"))
        # Each row written as format_html would write it (every value escaped), in a fraction
        # of its time: a row per operative paragraph of each open cycle.
        link = (
            f'<a href="{html.escape(actions_url)}?participant={self.participant.pk}&amp;paragraph='
        )
        rows = []
        for row in self.paragraphs:
            paragraph = row.paragraph
            actions = f'{link}{paragraph.pk}">{row.actions}</a>' if row.actions else "0"
            rows.append(
                f'<tr><th scope="row">{html.escape(paragraph.label)} <span class="muted">'
                f"{html.escape(paragraph.verb)}</span></th><td>{ratings.get(row.rating, not_rated)}"
                f"</td><td>{actions}</td><td>{html.escape(day(row.last_update) or '—')}</td></tr>"
            )
        return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped


def member_overview(user: User) -> list[ParticipantCycle]:
    """For each participant the user belongs to and each open cycle of its declarations."""
    ids = participant_ids(user)
    if not ids:
        return []
    # The memberships (read once a request) hold the participants; the cycles' query says
    # which of them each open cycle concerns: a row per cycle and participant.
    participants = {m.participant_id: m.participant for m in memberships(user)}
    concerned: defaultdict[int, list[ReportingCycle]] = defaultdict(list)
    for open_cycle in (
        ReportingCycle.objects.filter(
            state=ReportingCycle.State.OPEN, declaration__participants__in=ids
        )
        .annotate(participant_id=F("declaration__participants"))
        .select_related("declaration")
        .defer("declaration__source_text")  # the page names the declaration, nothing more
        .order_by("-starts_on", "pk")
    ):
        concerned[open_cycle.participant_id].append(open_cycle)
    cycles = list({c.pk: c for cycles in concerned.values() for c in cycles}.values())
    paragraphs = defaultdict(list)
    for paragraph in (
        Paragraph.objects.operative()
        .filter(declaration__in=[c.declaration_id for c in cycles])
        .only("declaration_id", "number", "verb")
    ):
        paragraphs[paragraph.declaration_id].append(paragraph)
    submissions = {
        (s.participant_id, s.cycle_id): s
        for s in Submission.objects.filter(participant__in=ids, cycle__in=cycles)
    }
    ratings = {
        (a["submission__participant_id"], a["submission__cycle_id"], a["paragraph_id"]): a["rating"]
        for a in scope(Assessment.objects.filter(submission__cycle__in=cycles), user).values(
            "submission__participant_id", "submission__cycle_id", "paragraph_id", "rating"
        )
    }
    # Each cycle counts its own actions (ongoing ones have a copy per cycle): per paragraph,
    # and per status over the whole submission (paragraph None).
    per_paragraph: dict[tuple[int, int, int], dict] = {}
    statuses: defaultdict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    tallies = ActionTally.objects.filter(
        submission__participant__in=ids, submission__cycle__in=cycles
    )
    for row in scope(tallies, user).values(
        "submission__participant_id",
        "submission__cycle_id",
        "paragraph_id",
        "status",
        "actions",
        "last_update",
    ):
        key = (row["submission__participant_id"], row["submission__cycle_id"])
        if row["paragraph_id"] is None:
            statuses[key][row["status"]] = row["actions"]
            continue
        counts = per_paragraph.setdefault((*key, row["paragraph_id"]), {"actions": 0, "last": None})
        counts["actions"] += row["actions"]
        if row["last_update"] and (counts["last"] is None or row["last_update"] > counts["last"]):
            counts["last"] = row["last_update"]

    labels = dict(Assessment.Rating.choices)
    result = []
    for participant in languages.by_name(participants.values()):
        for cycle in concerned[participant.pk]:
            entry = ParticipantCycle(
                participant=participant,
                cycle=cycle,
                submission=submissions.get((participant.pk, cycle.pk)),
                statuses=statuses[participant.pk, cycle.pk],
            )
            for paragraph in paragraphs[cycle.declaration_id]:
                rating = ratings.get((participant.pk, cycle.pk, paragraph.pk), "")
                counts = per_paragraph.get((participant.pk, cycle.pk, paragraph.pk), {})
                entry.paragraphs.append(
                    ParagraphStatus(
                        paragraph=paragraph,
                        rating=rating,
                        rating_label=labels.get(rating, ""),
                        actions=counts.get("actions", 0),
                        last_update=counts.get("last"),
                    )
                )
            result.append(entry)
    return result


def current_cycles() -> QuerySet:
    """Each declaration's latest cycle that was opened (open, or closed since)."""
    started = ReportingCycle.objects.exclude(state=ReportingCycle.State.PLANNED)
    latest = started.filter(declaration=OuterRef("declaration")).order_by("-starts_on", "-pk")
    return started.filter(pk=Subquery(latest.values("pk")[:1]))


class Headlines(TypedDict):
    participants: int
    open_cycles: int
    submitted: int
    approved: int
    drafts: int
    actions: int
    statuses: dict[str, int]


def secretariat_headlines(user: User) -> Headlines:
    """Headline counts over what the secretariat may see of the current cycles."""
    open_cycles = ReportingCycle.objects.filter(state=ReportingCycle.State.OPEN)
    states = Counter(
        dict(
            Submission.objects.filter(cycle__in=open_cycles)
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    statuses = dict(
        scope(
            ActionTally.objects.filter(submission__cycle__in=current_cycles(), paragraph=None),
            user,
        )
        .values_list("status")
        .annotate(n=Sum("actions"))
        .order_by()
    )
    return {
        "participants": Participant.objects.count(),
        "open_cycles": open_cycles.count(),
        "submitted": states[Submission.State.SUBMITTED],
        "approved": states[Submission.State.APPROVED],
        "drafts": states[Submission.State.DRAFT],
        "actions": sum(statuses.values()),
        "statuses": statuses,
    }


@dataclass
class ParagraphSummary:
    """What the user may see of the actions and ratings on one paragraph in its declaration's
    current cycle: counts only, so the paragraph page is the same size at any scale."""

    cycle_id: int | None = None
    cycle_name: str = ""
    statuses: list[tuple[str | Promise, int]] = field(default_factory=list)
    ratings: list[tuple[str | Promise, int]] = field(default_factory=list)
    # The participants with the most actions, most first: (participant, actions).
    participants: list[tuple[Participant, int]] = field(default_factory=list)
    participant_count: int = 0
    actions: int = 0
    rated: int = 0


# The paragraph page names this many participants; the actions list pages through the rest.
PARTICIPANTS_SHOWN = 10


def paragraph_summary(user: User, paragraph: Paragraph) -> ParagraphSummary:
    """Counts by status, by rating and by participant on `paragraph`: one query, of the
    tallies and of the ratings counted by rating, whatever the number of actions. Its SQL is
    compiled once per process for each rule of what a user sees (`visible_filter`)."""
    rows = compiled.rows(
        Paragraph,
        ("paragraph_summary", visible_filter(user)),
        lambda paragraph_id, declaration_id: _paragraph_counts(user, paragraph_id, declaration_id),
        paragraph.pk,
        paragraph.declaration_id,
    )
    summary = ParagraphSummary()
    by_status: Counter[str] = Counter()
    by_participant: Counter[int] = Counter()
    participants: dict[int, Participant] = {}
    ratings_count: Counter[str] = Counter()
    for cycle_id, cycle_name, pk, code, name, kind, value, n, is_rating in rows:
        summary.cycle_id, summary.cycle_name = cycle_id, cycle_name
        if is_rating:
            ratings_count[value] += n
            continue
        by_status[value] += n
        by_participant[pk] += n
        if pk not in participants:  # a row per status: one participant for its rows
            participants[pk] = Participant(pk=pk, code=code, name=name, kind=kind)
    summary.statuses = [(label, by_status[value]) for value, label in Action.Status.choices]
    summary.ratings = [(label, ratings_count[value]) for value, label in Assessment.Rating.choices]
    summary.actions = sum(by_status.values())
    summary.rated = sum(ratings_count.values())
    summary.participant_count = len(participants)
    most = sorted(
        participants.values(), key=lambda p: (-by_participant[p.pk], p.display_name.casefold())
    )
    summary.participants = [(p, by_participant[p.pk]) for p in most[:PARTICIPANTS_SHOWN]]
    return summary


def _paragraph_counts(user: User, paragraph_id: int, declaration_id: int) -> QuerySet:
    """The tallies on the paragraph in its declaration's current cycle that the user may see,
    and their ratings counted by rating, in the same columns."""
    cycles = current_cycles().filter(declaration_id=declaration_id)
    on_paragraph = {"paragraph_id": paragraph_id, "submission__cycle__in": cycles}
    columns = ("submission__cycle_id", "submission__cycle__name")
    tallies = scope(ActionTally.objects.filter(**on_paragraph), user).values_list(
        *columns,
        "submission__participant_id",
        "submission__participant__code",
        "submission__participant__name",
        "submission__participant__kind",
        "status",
        "actions",
        Value(False),
    )
    # The same columns: no participant, the rating for the status, how many for the actions.
    none = Value(None, output_field=CharField())
    ratings = (
        scope(Assessment.objects.filter(**on_paragraph), user)
        .values_list(*columns, Value(None, output_field=IntegerField()), none, none, none, "rating")
        .annotate(n=Count("*"), is_rating=Value(True))
        .order_by()
    )
    return tallies.order_by().union(ratings, all=True)


@dataclass
class Matrix:
    cycle: ReportingCycle
    paragraphs: list[Paragraph]
    rows: list[tuple[Participant, SafeString]]  # a participant and its row's <td> cells
    per_paragraph: list[tuple[str, dict[str, int]]]
    everyone: bool
    participating: int
    # The cycle compared with, and how many ratings improved, regressed or stayed.
    previous_cycle: ReportingCycle | None = None
    trends: dict[str, int] = field(default_factory=dict)

    @property
    def rating_table(self) -> list[tuple[str, list[int]]]:
        """The chart's numbers as rows: paragraph, then one count per rating in order."""
        keys = Assessment.Rating.values
        return [(label, [counts.get(k, 0) for k in keys]) for label, counts in self.per_paragraph]


def matrix(user: User, cycle: ReportingCycle, *, everyone: bool = False) -> Matrix:
    """Participants × operative paragraphs: each cell the rating and the number of actions.

    Only the participants with a rating or an action the user may see, unless `everyone`:
    of a declaration's 200 participants most may have nothing submitted yet, and the
    completeness page lists those.
    """
    paragraphs = list(Paragraph.objects.operative().filter(declaration_id=cycle.declaration_id))
    participants = languages.by_name(Participant.objects.filter(declarations=cycle.declaration_id))
    participating = len(participants)
    ratings = dict(
        (((a["submission__participant_id"], a["paragraph_id"]), a["rating"]))
        for a in scope(Assessment.objects.filter(submission__cycle=cycle), user).values(
            "submission__participant_id", "paragraph_id", "rating"
        )
    )
    tallies = ActionTally.objects.filter(submission__cycle=cycle, paragraph__isnull=False)
    counts = {
        (row["submission__participant_id"], row["paragraph_id"]): row["n"]
        for row in scope(tallies, user)
        .values("submission__participant_id", "paragraph_id")
        .annotate(n=Sum("actions"))
        .order_by()
    }
    previous_cycle = comparison.previous_cycle(cycle)
    previous = comparison.previous_ratings(user, cycle) if previous_cycle else {}
    if not everyone:
        reporting = {participant_id for participant_id, _ in (*ratings, *counts)}
        participants = [p for p in participants if p.pk in reporting]
    # Thousands of cells but few distinct ones: each distinct cell is built once, and each
    # row's cells are joined here so that the template writes one string per participant.
    # A cell depends on the rating, the previous one and the count: 7 × 7 × a few counts.
    compared = previous_cycle is not None
    cell = functools.cache(functools.partial(_cell, compared=compared))
    rows = [
        (
            participant,
            mark_safe(  # noqa: S308 - the cells come from format_html
                "".join(
                    cell(
                        ratings.get((participant.pk, p.pk)),
                        counts.get((participant.pk, p.pk), 0),
                        previous.get((participant.pk, p.pk)),
                    )
                    for p in paragraphs
                )
            ),
        )
        for participant in participants
    ]
    trends = Counter(comparison.trend(previous.get(key), rating) for key, rating in ratings.items())
    by_paragraph: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for (_participant, paragraph_id), rating in ratings.items():
        by_paragraph[paragraph_id][rating] += 1
    per_paragraph = [(p.label, dict(by_paragraph[p.pk])) for p in paragraphs]
    return Matrix(
        cycle=cycle,
        paragraphs=paragraphs,
        rows=rows,
        per_paragraph=per_paragraph,
        everyone=everyone,
        participating=participating,
        previous_cycle=previous_cycle,
        trends={trend.value: trends[trend] for trend in comparison.Trend},
    )


# Short class names: the matrix has thousands of cells (tracker.css styles them).
_RATING_CLASS: dict[str, str] = {
    Assessment.Rating.NOT_STARTED: "r r0",
    Assessment.Rating.PARTIALLY: "r r1",
    Assessment.Rating.SUBSTANTIALLY: "r r2",
    Assessment.Rating.FULLY: "r r3",
    Assessment.Rating.NOT_APPLICABLE: "r",
    Assessment.Rating.NO_INFORMATION: "r",
}


def _cell(
    rating: str | None, count: int, previous: str | None = None, *, compared: bool = False
) -> SafeString:
    """A matrix cell, built here rather than in the template: there are thousands of them.

    With `compared`, a mark follows a rating that changed since the previous cycle, its word
    hidden but for screen readers (the page's legend explains the marks, the participant's page
    has the ratings of every cycle). An unchanged rating has no mark.
    """
    actions = ngettext("%(count)s action", "%(count)s actions", count) % {"count": count}
    if rating:
        current = format_html(
            '<span class="{}">{}</span>', _RATING_CLASS[rating], Assessment.Rating(rating).label
        )
    else:
        current = format_html('<span class="r">{}</span>', _("Not rated"))
    trend = comparison.trend(previous, rating) if compared else None
    if trend is None or trend == comparison.Trend.UNCHANGED:
        return format_html("<td>{}<br>{}</td>", current, actions)
    mark = format_html(
        '<b class="t-{}">{}<span class="vh"> {}</span></b>', trend.value, trend.symbol, trend.label
    )
    return format_html("<td>{} {}<br>{}</td>", current, mark, actions)


def completeness(cycle: ReportingCycle) -> QuerySet:
    """The participants of the cycle's declaration with the state of their submission, if any,
    whether they are in the cycle's scope, and when and by whom they were last chased."""
    submission = Submission.objects.filter(cycle=cycle, participant=OuterRef("pk"))
    scope = ReportingCycle.participants.through.objects.filter(
        reportingcycle_id=cycle.pk, participant_id=OuterRef("pk")
    )
    chase = Chase.objects.filter(cycle=cycle, participant=OuterRef("pk")).order_by("-at", "-pk")
    full_name = Trim(
        Concat("by__first_name", Value(" "), "by__last_name", output_field=CharField())
    )
    chaser = Coalesce(NullIf(full_name, Value("")), "by__username", output_field=CharField())
    return Participant.objects.filter(declarations=cycle.declaration_id).annotate(
        state=Subquery(submission.values("state")[:1]),
        submitted_at=Subquery(submission.values("submitted_at")[:1]),
        reviewed_at=Subquery(submission.values("reviewed_at")[:1]),
        in_scope=Exists(scope),
        chased_at=Subquery(chase.values("at")[:1]),
        chased_by=Subquery(chase.annotate(name=chaser).values("name")[:1]),
    )


def completeness_counts(cycle: ReportingCycle) -> dict[str, int]:
    """The declaration's participants, and how many have a submission in each state: one query."""
    in_cycle = Q(submissions__cycle=cycle)
    states = Submission.State
    counts = Participant.objects.filter(declarations=cycle.declaration_id).aggregate(
        participants=Count("pk", distinct=True),
        draft=Count("submissions", filter=in_cycle & Q(submissions__state=states.DRAFT)),
        submitted=Count("submissions", filter=in_cycle & Q(submissions__state=states.SUBMITTED)),
        approved=Count("submissions", filter=in_cycle & Q(submissions__state=states.APPROVED)),
    )
    started = counts["draft"] + counts["submitted"] + counts["approved"]
    return {**counts, "none": counts["participants"] - started}


@dataclass
class RatingCell:
    rating: str
    label: str | Promise
    trend: "comparison.Trend | None"


@dataclass
class RatingHistory:
    """One declaration's ratings of a participant, cycle by cycle (oldest first)."""

    declaration: Declaration
    cycles: list[tuple[ReportingCycle, Submission | None]]
    rows: list[tuple[Paragraph, list[RatingCell]]]
    chart: SafeString | None = None  # set by the participant page's view
    rows_html: SafeString | None = None  # set by the participant page's view

    @property
    def per_cycle(self) -> list[tuple[str, dict[str, int]]]:
        """How many paragraphs have each rating in each cycle, for the chart."""
        counts: list[Counter[str]] = [Counter() for _cycle in self.cycles]
        for _paragraph, cells in self.rows:
            for index, cell in enumerate(cells):
                if cell.rating:
                    counts[index][cell.rating] += 1
        return [(c.name, dict(n)) for (c, _s), n in zip(self.cycles, counts, strict=True)]

    @property
    def rating_table(self) -> list[tuple[str, list[int]]]:
        keys = Assessment.Rating.values
        return [(label, [counts.get(k, 0) for k in keys]) for label, counts in self.per_cycle]


def rating_history(user: User, participant: Participant) -> list[RatingHistory]:
    """For each declaration of the participant, its ratings in every cycle opened so far, as
    the user may see them (the secretariat: submitted and approved submissions only), each
    compared with the cycle before. Three queries whatever the number of cycles: each
    declaration with its operative paragraphs, the cycles, each submission with its ratings
    (the first and the last compiled once per process: `compiled`)."""
    declarations: dict[int, Declaration] = {}
    paragraphs = defaultdict(list)
    # A row per operative paragraph, or one without for a declaration that has none.
    # What the page names (as `only()` would load them): these columns repeat on every row.
    fields = ["id", "title", "short_title"]
    on_paragraph = ["id", "declaration_id", "number", "verb", "position"]
    operative = FilteredRelation(
        "paragraphs", condition=Q(paragraphs__kind=Paragraph.Kind.OPERATIVE)
    )
    found = compiled.rows(
        Declaration,
        ("rating_history: declarations",),
        lambda participant_id: (
            Declaration.objects.filter(participants=participant_id)
            .annotate(operative=operative)
            .order_by("title", "pk", "operative__position")
            .values_list(*fields, *(f"operative__{name}" for name in on_paragraph))
        ),
        participant.pk,
    )
    db = Declaration.objects.db
    for row in found:
        pk, of_paragraph = row[0], row[len(fields) :]
        if pk not in declarations:
            declarations[pk] = Declaration.from_db(db, fields, row[: len(fields)])
        if of_paragraph[0] is not None:
            paragraphs[pk].append(Paragraph.from_db(db, on_paragraph, of_paragraph))
    cycles = defaultdict(list)
    for cycle in (
        ReportingCycle.objects.filter(declaration__participants=participant)
        .exclude(state=ReportingCycle.State.PLANNED)
        .order_by("starts_on", "pk")
    ):
        cycles[cycle.declaration_id].append(cycle)
    # Each submission the user may see, a row per rating (one without for none): a rating is
    # as visible as its submission.
    submissions: dict[int, Submission] = {}
    ratings = {}
    fields = ["id", "cycle_id", "state"]
    visible = compiled.rows(
        Submission,
        ("rating_history: submissions", visible_filter(user, "")),
        lambda participant_id: scope(
            Submission.objects.filter(participant=participant_id), user, ""
        ).values_list(*fields, "assessments__paragraph_id", "assessments__rating"),
        participant.pk,
    )
    for *values, paragraph_id, rating in visible:
        cycle_id = values[fields.index("cycle_id")]
        if cycle_id not in submissions:
            submissions[cycle_id] = Submission.from_db(db, fields, values)
        if paragraph_id is not None:
            ratings[cycle_id, paragraph_id] = rating
    labels = dict(Assessment.Rating.choices)
    result = []
    for declaration in declarations.values():
        columns = cycles[declaration.pk]
        rows = []
        for paragraph in paragraphs[declaration.pk]:
            cells, before = [], None
            for index, cycle in enumerate(columns):
                rating = ratings.get((cycle.pk, paragraph.pk), "")
                trend = comparison.trend(before, rating) if index else None
                cells.append(RatingCell(rating, labels.get(rating, ""), trend))
                before = rating or None
            rows.append((paragraph, cells))
        result.append(
            RatingHistory(
                declaration=declaration,
                cycles=[(cycle, submissions.get(cycle.pk)) for cycle in columns],
                rows=rows,
            )
        )
    return result
