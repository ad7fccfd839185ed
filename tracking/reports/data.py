"""The rows of a report: one scoping for every format, streamed from the database.

A report holds what its requester may see on the pages (`tracking.permissions`): members see
their participant's records, drafts included; the secretariat sees submitted and approved
records only.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from declarations.models import Paragraph

from .. import comparison
from ..exports import FORMULA_TRIGGERS, cell
from ..models import (
    Action,
    Assessment,
    AssistanceKind,
    Evidence,
    Match,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
)
from ..permissions import (
    reportable_participant_ids,
    scope,
    scope_evidence,
    scope_matches,
    scope_needs,
    scope_offers,
)
from ..regions import Region

ActionParagraph = Action.paragraphs.through
STATUS_LABELS = dict(Action.Status.choices)
STATE_LABELS = dict(Submission.State.choices)
# Keyed `str | None`: a missing rating is looked up too, and finds nothing.
RATING_LABELS: dict[str | None, str | Promise] = dict(Assessment.Rating.choices)
KIND_LABELS = dict(AssistanceKind.choices)
PRIORITY_LABELS = dict(Need.Priority.choices)
OFFER_STATE_LABELS = dict(Offer.State.choices)
MATCH_STATE_LABELS = dict(Match.State.choices)
_TRIGGERS = frozenset(FORMULA_TRIGGERS)


def safe(value: object) -> object:
    """`exports.cell`, with a fast path for the text and whole numbers of most cells."""
    if type(value) is str:
        return "'" + value if value[:1] in _TRIGGERS else value
    if type(value) is int:
        return value
    return cell(value)


def labels(choices: dict) -> dict[str, str]:
    """Choice labels translated once per report, not once per cell."""
    return {code: str(label) for code, label in choices.items()}


def yes_or_no(field: str) -> Case:
    return Case(
        When(**{field: True}, then=Value(_("Yes"))),
        default=Value(_("No")),
        output_field=CharField(),
    )


def region_names(field: str):
    """'asia europe' as 'Asia; Europe' in the report's language, by the database."""
    names = Replace(F(field), Value(" "), Value("; "))
    for code, label in labels(dict(Region.choices)).items():
        names = Replace(names, Value(code), Value(label))
    return names


def joined(subquery_of: QuerySet, outer: str, field: str) -> Subquery:
    """The `field` values of the rows related to the outer row, '1; 5; 12'."""
    return Subquery(
        subquery_of.filter(**{outer: OuterRef("pk")})
        .values(outer)
        .annotate(joined=JoinedNumbers(field))
        .values("joined")
    )


def labelled(field: str, choices: dict) -> Case:
    """The field's choice label, chosen by the database (an unknown code stays as it is)."""
    return Case(
        *(When(**{field: code}, then=Value(label)) for code, label in labels(choices).items()),
        default=F(field),
        output_field=CharField(),
    )


# What a column holds, which says how it becomes a cell: numbers stay numbers, text is
# neutralised, dates and times become ISO text. The same on every path (`pgcopy.py`).
NUMBER, TEXT, DATE, TIME = "number", "text", "date", "time"


class JoinedNumbers(Aggregate):
    """Numbers (or names) joined into one text, '1; 5; 12' (STRING_AGG, or GROUP_CONCAT on
    SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), '; ' ORDER BY %(expressions)s)"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, '; ')",
            **extra_context,
        )


class Progress:
    """Counts rows as they are written and reports a percentage now and then."""

    def __init__(self, total: int, report_progress: Callable[[int], None] | None = None):
        self.total = max(total, 1)
        self.done = 0
        self.report_progress = report_progress or (lambda percent: None)
        self.last_percent = -1
        self.last_time = 0.0

    def advance(self, rows: int) -> None:
        self.done += rows
        percent = min(99, self.done * 100 // self.total)
        now = time.monotonic()
        if percent != self.last_percent or now - self.last_time > 5:
            self.report_progress(percent)
            self.last_percent, self.last_time = percent, now
        if settings.REPORT_CHUNK_DELAY:
            time.sleep(settings.REPORT_CHUNK_DELAY)

    def count(self, rows: int) -> None:
        """Counts a chunk without reporting it (while a COPY holds the connection)."""
        self.done += rows
        if settings.REPORT_CHUNK_DELAY:
            time.sleep(settings.REPORT_CHUNK_DELAY)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: list[str]
    # A values_list() queryset whose values are already the cells' (labels for codes).
    queryset: QuerySet
    # NUMBER, TEXT, DATE or TIME for each value of a row.
    columns: tuple[str, ...]

    def convert(self, row: tuple) -> list:
        """A database row as cells: safe text, ISO dates."""
        return [safe(value) for value in row]


def report_cycle(declaration) -> ReportingCycle | None:
    """The cycle of a report that names none: the open one, else the latest one opened."""
    return (
        ReportingCycle.objects.filter(declaration=declaration)
        .exclude(state=ReportingCycle.State.PLANNED)
        .order_by(
            Case(When(state=ReportingCycle.State.OPEN, then=Value(0)), default=Value(1)),
            "-starts_on",
            "-pk",
        )
        .first()
    )


@dataclass
class ReportData:
    """What one report is built from: its requester's scope and its filters."""

    report: Report
    built_at: datetime = field(default_factory=timezone.now)

    def __post_init__(self) -> None:
        report = self.report
        self.user = report.requested_by
        self.declaration = report.declaration
        # A report covers one cycle's records: a request without one (made before the form
        # required it) takes the open cycle, else the latest, rather than mixing cycles.
        self.cycle = report.cycle or report_cycle(self.declaration)
        self.previous_cycle = comparison.previous_cycle(self.cycle) if self.cycle else None
        participants = Participant.objects.filter(declarations=self.declaration)
        allowed = reportable_participant_ids(self.user)
        if allowed is not None:
            participants = participants.filter(pk__in=allowed)
        chosen = list(report.participants.values_list("pk", flat=True))
        if chosen:
            participants = participants.filter(pk__in=chosen)
        self.participants = list(participants.order_by("code"))
        self.participant_ids = [participant.pk for participant in self.participants]
        paragraphs = Paragraph.objects.operative().filter(declaration=self.declaration)
        chosen = list(report.paragraphs.values_list("pk", flat=True))
        self.all_paragraphs = not chosen
        if chosen:
            paragraphs = paragraphs.filter(pk__in=chosen)
        self.paragraphs = list(paragraphs.order_by("position"))
        self.paragraph_ids = [paragraph.pk for paragraph in self.paragraphs]

    @property
    def single_participant(self) -> Participant | None:
        return self.participants[0] if len(self.participants) == 1 else None

    # Scoped querysets -------------------------------------------------------------------

    def submissions(self) -> QuerySet:
        submissions = Submission.objects.filter(
            participant_id__in=self.participant_ids, cycle__declaration=self.declaration
        )
        if self.cycle:
            submissions = submissions.filter(cycle=self.cycle)
        return scope(submissions, self.user, "")

    def actions(self) -> QuerySet:
        actions = Action.objects.filter(
            declaration=self.declaration, participant_id__in=self.participant_ids
        )
        if self.cycle:
            actions = actions.filter(submission__cycle=self.cycle)
        if not self.all_paragraphs:
            actions = actions.filter(
                Exists(
                    ActionParagraph.objects.filter(
                        action_id=OuterRef("pk"), paragraph_id__in=self.paragraph_ids
                    )
                )
            )
        return scope(actions, self.user)

    def updates(self) -> QuerySet:
        updates = ProgressUpdate.objects.filter(action__in=self.actions())
        if self.cycle:
            updates = updates.filter(submission__cycle=self.cycle)
        return scope(updates, self.user)

    def evidence(self) -> QuerySet:
        evidence = Evidence.objects.filter(
            Q(action__in=self.actions()) | Q(update__in=self.updates())
        )
        if self.cycle:
            evidence = evidence.filter(submission__cycle=self.cycle)
        return scope_evidence(evidence, self.user)

    def assessments(self) -> QuerySet:
        assessments = Assessment.objects.filter(
            submission__participant_id__in=self.participant_ids,
            paragraph_id__in=self.paragraph_ids,
        )
        if self.cycle:
            assessments = assessments.filter(submission__cycle=self.cycle)
        return scope(assessments, self.user)

    def needs(self) -> QuerySet:
        """Needs for technical assistance, seen as on the submission page (`scope_needs`)."""
        needs = Need.objects.filter(
            submission__participant_id__in=self.participant_ids,
            submission__cycle__declaration=self.declaration,
            paragraph_id__in=self.paragraph_ids,
        )
        if self.cycle:
            needs = needs.filter(submission__cycle=self.cycle)
        return scope_needs(needs, self.user)

    def offers(self) -> QuerySet:
        """Offers on the declaration (on the report's paragraphs or their themes, when it
        names paragraphs) that the requester sees (`scope_offers`); they have no cycle."""
        offers = Offer.objects.filter(declaration=self.declaration)
        if not self.all_paragraphs:
            themes = Paragraph.themes.through.objects.filter(paragraph_id__in=self.paragraph_ids)
            offers = offers.filter(
                Exists(
                    Offer.paragraphs.through.objects.filter(
                        offer_id=OuterRef("pk"), paragraph_id__in=self.paragraph_ids
                    )
                )
                | Exists(
                    Offer.themes.through.objects.filter(
                        offer_id=OuterRef("pk"), theme_id__in=themes.values("theme_id")
                    )
                )
            )
        return scope_offers(offers, self.user)

    def matches(self) -> QuerySet:
        """The matches of the report's needs that the requester sees (`scope_matches`)."""
        return scope_matches(Match.objects.filter(need__in=self.needs()), self.user)

    def with_previous(self, assessments: QuerySet) -> QuerySet:
        """Assessments annotated with the label of the previous cycle's rating of the same
        participant and paragraph (`previous_label`) and the trend (`change`, '▲ improved'),
        each one subquery that the COPY path runs as well. Blank without a previous cycle."""
        if self.previous_cycle is None:
            nothing = Value(None, output_field=CharField())
            return assessments.annotate(previous_label=nothing, change=nothing)
        previous = comparison.previous_assessment(self.previous_cycle, self.user)
        texts = {trend: trend.text for trend in comparison.Trend}
        # Wrapped: a bare OuterRef has no type to compare with in the CASE.
        current = ExpressionWrapper(OuterRef("rating"), output_field=CharField())
        change = previous.annotate(current=current).annotate(
            change=comparison.trend_case("rating", "current", texts)
        )
        return assessments.annotate(
            previous_label=Subquery(
                previous.annotate(label=labelled("rating", RATING_LABELS)).values("label")[:1]
            ),
            change=Coalesce(
                Subquery(change.values("change")[:1]), Value(texts[comparison.Trend.NEW])
            ),
        )

    def previous_ratings(self) -> dict[tuple[int, int], str]:
        """The previous cycle's ratings the requester may see, by (participant, paragraph)."""
        if self.cycle is None or self.previous_cycle is None:  # no cycle, none before it
            return {}
        return comparison.previous_ratings(self.user, self.cycle, self.participant_ids)

    def latest_update(self, outer: str = "pk") -> QuerySet:
        """The newest visible update of the action at `outer`, for Subquery annotations."""
        return scope(ProgressUpdate.objects.filter(action_id=OuterRef(outer)), self.user).order_by(
            "-date", "-pk"
        )

    # Tables -------------------------------------------------------------------------------

    def tables(self) -> dict[str, Table]:
        return {**self.filing_tables(), **self.assistance_tables()}

    def filing_tables(self) -> dict[str, Table]:
        linked_paragraphs = Subquery(
            # django-stubs cannot resolve annotations on an auto-created through model.
            ActionParagraph.objects.filter(action_id=OuterRef("pk"))  # type: ignore[misc]
            .values("action_id")
            .annotate(numbers=JoinedNumbers("paragraph__number"))
            .values("numbers")
        )
        state = labelled("submission__state", STATE_LABELS)
        actions = (
            self.actions()
            .annotate(
                linked_paragraphs=linked_paragraphs,
                state_label=state,
                status_label=labelled("status", STATUS_LABELS),
            )
            .order_by("participant__code", "pk")
            .values_list(
                "pk",
                "participant__code",
                "participant__name",
                "state_label",
                "linked_paragraphs",
                "title",
                "description",
                "lead_institution",
                "partners",
                "start_date",
                "end_date",
                "status_label",
                "progress",
                "created_at",
                "updated_at",
            )
        )
        updates = (
            self.updates()
            .annotate(state_label=state, status_label=labelled("status", STATUS_LABELS))
            .order_by("action__participant__code", "action_id", "date", "pk")
            .values_list(
                "pk",
                "action_id",
                "action__participant__code",
                "action__title",
                "date",
                "status_label",
                "progress",
                "narrative",
                "state_label",
                "created_at",
            )
        )
        evidence = (
            self.evidence()
            .annotate(
                state_label=state,
                kind=Case(When(url="", then=Value(_("File"))), default=Value(_("Link"))),
                location=Case(
                    When(url="", then=F("original_name")),
                    default=F("url"),
                    output_field=CharField(),
                ),
            )
            .order_by("submission__participant__code", "pk")
            .values_list(
                "pk",
                "submission__participant__code",
                "action_id",
                "update_id",
                "title",
                "date",
                "kind",
                "location",
                "size",
                "sha256",
                "state_label",
            )
        )
        # Only a report of one cycle compares it with the one before.
        compared = self.cycle is not None
        assessments = (
            self.with_previous(self.assessments())
            .annotate(state_label=state, rating_label=labelled("rating", RATING_LABELS))
            .order_by(
                "submission__participant__code", "submission__cycle__name", "paragraph__position"
            )
            .values_list(
                "submission__participant__code",
                "submission__participant__name",
                "submission__cycle__name",
                "state_label",
                "paragraph__number",
                "rating_label",
                *(("previous_label", "change") if compared else ()),
                "justification",
                "updated_at",
            )
        )
        previous_headers = [_("Previous rating"), _("Change")] if compared else []

        return {
            "assessments": Table(
                "assessments",
                _("Assessments"),
                [
                    _("Participant code"), _("Participant"), _("Cycle"), _("Submission state"),
                    _("Paragraph"), _("Rating"), *previous_headers, _("Justification"),
                    _("Updated at"),
                ],
                assessments,
                (TEXT, TEXT, TEXT, TEXT, NUMBER, TEXT, *(TEXT,) * len(previous_headers), TEXT,
                 TIME),
            ),
            "actions": Table(
                "actions",
                _("Actions"),
                [
                    _("Action ID"), _("Participant code"), _("Participant"),
                    _("Submission state"), _("Paragraphs"), _("Title"), _("Description"),
                    _("Lead institution"), _("Partners"), _("Start date"), _("End date"),
                    _("Status"), _("Progress (%)"), _("Created at"), _("Updated at"),
                ],
                actions,
                (NUMBER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, DATE, DATE, TEXT,
                 NUMBER, TIME, TIME),
            ),
            "updates": Table(
                "updates",
                _("Updates"),
                [
                    _("Update ID"), _("Action ID"), _("Participant code"), _("Action"),
                    _("Date"), _("Status"), _("Progress (%)"), _("Narrative"),
                    _("Submission state"), _("Created at"),
                ],
                updates,
                (NUMBER, NUMBER, TEXT, TEXT, DATE, TEXT, NUMBER, TEXT, TEXT, TIME),
            ),
            "evidence": Table(
                "evidence",
                _("Evidence"),
                [
                    _("Evidence ID"), _("Participant code"), _("Action ID"), _("Update ID"),
                    _("Title"), _("Date"), _("Kind"), _("File name or link"), _("Size (bytes)"),
                    _("SHA-256"), _("Submission state"),
                ],
                evidence,
                (NUMBER, TEXT, NUMBER, NUMBER, TEXT, DATE, TEXT, TEXT, NUMBER, TEXT, TEXT),
            ),
        }  # fmt: skip

    def assistance_tables(self) -> dict[str, Table]:
        """Needs, offers and matches: in every report of all tables (XLSX, CSV archive)."""
        matches_of_need = Match.objects.filter(need_id=OuterRef("pk"))
        needs = (
            self.needs()
            .annotate(
                state_label=labelled("submission__state", STATE_LABELS),
                kind_label=labelled("kind", KIND_LABELS),
                priority_label=labelled("priority", PRIORITY_LABELS),
                shareable_label=yes_or_no("shareable"),
                match_count=Coalesce(
                    Subquery(
                        matches_of_need.values("need_id")
                        .annotate(count=Count("pk"))
                        .values("count")
                    ),
                    0,
                ),
                match_state=Subquery(
                    matches_of_need.order_by("-updated_at", "-pk")
                    .annotate(label=labelled("state", MATCH_STATE_LABELS))
                    .values("label")[:1]
                ),
            )
            .order_by("submission__participant__code", "paragraph__position", "pk")
            .values_list(
                "pk",
                "submission__participant__code",
                "submission__participant__name",
                "submission__cycle__name",
                "state_label",
                "paragraph__number",
                "kind_label",
                "priority_label",
                "shareable_label",
                "description",
                "match_count",
                "match_state",
                "updated_at",
            )
        )
        open_participants = Offer.open_participants.through.objects.all()
        offers = (
            self.offers()
            .annotate(
                kind_label=labelled("kind", KIND_LABELS),
                state_label=labelled("state", OFFER_STATE_LABELS),
                paragraph_numbers=joined(
                    Offer.paragraphs.through.objects.all(), "offer_id", "paragraph__number"
                ),
                theme_names=joined(Offer.themes.through.objects.all(), "offer_id", "theme__name"),
                regions=Case(
                    When(
                        Exists(open_participants.filter(offer_id=OuterRef("pk"))),
                        then=region_names("open_regions"),
                    ),
                    When(open_regions="", then=Value(_("Everyone"))),
                    default=region_names("open_regions"),
                    output_field=CharField(),
                ),
                participant_codes=joined(open_participants, "offer_id", "participant__code"),
            )
            .order_by("provider__code", "pk")
            .values_list(
                "pk",
                "provider__code",
                "provider__name",
                "title",
                "kind_label",
                "paragraph_numbers",
                "theme_names",
                "regions",
                "participant_codes",
                "state_label",
                "contact_name",
                "contact_email",
                "updated_at",
            )
        )
        matches = (
            self.matches()
            .annotate(state_label=labelled("state", MATCH_STATE_LABELS))
            .order_by("need__submission__participant__code", "pk")
            .values_list(
                "pk",
                "need_id",
                "need__submission__participant__code",
                "need__paragraph__number",
                "offer_id",
                "offer__provider__code",
                "offer__title",
                "state_label",
                "note",
                "updated_at",
            )
        )
        return {
            "needs": Table(
                "needs",
                _("Needs"),
                [
                    _("Need ID"), _("Participant code"), _("Participant"), _("Cycle"),
                    _("Submission state"), _("Paragraph"), _("Kind of assistance"),
                    _("Priority"), _("Shared with providers"), _("What is needed"),
                    _("Matches"), _("Latest match state"), _("Updated at"),
                ],
                needs,
                (NUMBER, TEXT, TEXT, TEXT, TEXT, NUMBER, TEXT, TEXT, TEXT, TEXT, NUMBER, TEXT,
                 TIME),
            ),
            "offers": Table(
                "offers",
                _("Offers"),
                [
                    _("Offer ID"), _("Provider code"), _("Provider"), _("Title"),
                    _("Kind of assistance"), _("Paragraphs"), _("Themes"), _("Open to regions"),
                    _("Open to participants"), _("State"), _("Contact name"),
                    _("Contact e-mail"), _("Updated at"),
                ],
                offers,
                (NUMBER, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TIME),
            ),
            "matches": Table(
                "matches",
                _("Matches"),
                [
                    _("Match ID"), _("Need ID"), _("Participant code"), _("Paragraph"),
                    _("Offer ID"), _("Provider code"), _("Offer"), _("State"), _("Note"),
                    _("Updated at"),
                ],
                matches,
                (NUMBER, NUMBER, TEXT, NUMBER, NUMBER, TEXT, TEXT, TEXT, TEXT, TIME),
            ),
        }  # fmt: skip

    def counts(self, tables: dict[str, Table]) -> dict[str, int]:
        return {name: table.queryset.count() for name, table in tables.items()}

    def rows(self, table: Table, progress: Progress) -> Iterator[list]:
        """The table's rows, fetched in chunks so that memory stays flat."""
        chunk = settings.REPORT_CHUNK_SIZE
        pending = 0
        for row in table.queryset.iterator(chunk_size=chunk):
            yield table.convert(row)
            pending += 1
            if pending == chunk:
                progress.advance(pending)
                pending = 0
        progress.advance(pending)

    def scope_label(self) -> str:
        if self.user.is_secretariat:
            return _("Submitted and approved records (drafts only of the requester's own)")
        return _("Records of the requester's participants, drafts included")

    def summary_rows(self, counts: dict[str, int], as_cell: Callable = cell) -> list[list]:
        """What the report was built from: time, requester, filters and row counts; each
        value made a cell by `as_cell` (a safe spreadsheet cell, or the PDF's text)."""
        if self.report.participants.exists():
            participants = ", ".join(p.name for p in self.participants)
        else:
            participants = _("All (%(count)d)") % {"count": len(self.participants)}
        if self.all_paragraphs:
            paragraphs = _("All operative paragraphs (%(count)d)") % {"count": len(self.paragraphs)}
        else:
            paragraphs = ", ".join(str(p.number) for p in self.paragraphs)
        rows: list[list[object]] = [
            [_("Report"), f"#{self.report.pk}"],
            [_("Declaration"), self.declaration.title],
            [_("Cycle"), self.cycle.name if self.cycle else _("All cycles")],
            [
                _("Compared with"),
                self.previous_cycle.name if self.previous_cycle else _("No earlier cycle"),
            ],
            [_("Participants"), participants],
            [_("Paragraphs"), paragraphs],
            [_("Records"), self.scope_label()],
            [_("Requested by"), self.user.get_username()],
            [_("Built at"), self.built_at],
        ]
        titles = {name: table.title for name, table in self.tables().items()}
        rows += [
            [_("Rows in %(table)s") % {"table": titles.get(name, name)}, n]
            for name, n in counts.items()
        ]
        return [[as_cell(value) for value in row] for row in rows]
