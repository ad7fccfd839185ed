"""What a submission must hold before it is submitted, and why one cannot change now.

The submission page lists the problems and `services.submission_submit` refuses while there
are any: both ask `submission_problems`, so a crafted request meets the same rules as the page.
The pages that offer forms ask `why_locked` and `filing_places` (the lists `may_file_anywhere`),
so that a form the service would refuse is not offered in the first place.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import router
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from declarations.models import Declaration, Paragraph

from . import compiled, languages
from .models import (
    Action,
    Assessment,
    Evidence,
    Membership,
    Participant,
    ReportingCycle,
    Submission,
    User,
)
from .permissions import FILING_ROLES, participant_ids


@dataclass(frozen=True)
class Problem:
    """One thing that stops a submission from being submitted, and where to put it right."""

    paragraph: Paragraph | None
    message: str
    url: str


def submission_problems(
    submission: Submission,
    *,
    paragraphs: list[Paragraph] | None = None,
    ratings: dict[int, Assessment] | None = None,
) -> list[Problem]:
    """What stops the submission from being submitted, in paragraph order; empty when ready.

    Every operative paragraph is rated; "Fully implemented", "Not applicable" and "No
    information" say why; "Fully implemented" has evidence in this submission on an action linked
    to the paragraph. At most four queries, whatever the number of paragraphs or records; two
    fewer when the caller has read the declaration's operative `paragraphs` (in order) and the
    submission's `ratings` by paragraph.
    """
    participant, cycle = submission.participant, submission.cycle
    if paragraphs is None:
        paragraphs = list(
            Paragraph.objects.operative()
            .filter(declaration_id=cycle.declaration_id)
            .order_by("position")
            .only("pk", "number", "declaration_id")
        )
    if ratings is None:
        ratings = {}
        if submission.pk is not None:
            ratings = {
                a.paragraph_id: a
                for a in Assessment.objects.filter(submission_id=submission.pk).only(
                    "paragraph_id", "rating", "justification"
                )
            }
    fully = [pk for pk, a in ratings.items() if a.rating == Assessment.Rating.FULLY]
    supported = set()
    if fully:
        supported = set(
            Paragraph.objects.filter(pk__in=fully)
            .filter(Exists(Evidence.objects.supporting(submission, OuterRef("pk"))))
            .values_list("pk", flat=True)
        )
    # Where evidence is missing, the first action on the paragraph is where to add it.
    action_on: dict[int, int] = {}
    if unsupported := [pk for pk in fully if pk not in supported]:
        for paragraph_id, action_id in (
            Action.paragraphs.through.objects.filter(
                action__submission_id=submission.pk, paragraph_id__in=unsupported
            )
            .order_by("action_id")
            .values_list("paragraph_id", "action_id")
        ):
            action_on.setdefault(paragraph_id, action_id)

    def rate(paragraph: Paragraph) -> str:
        # Reversed for a problem only: most paragraphs of a submission nearly ready have none.
        return reverse(
            "tracking:assessment_edit", args=[participant.code, cycle.pk, paragraph.number]
        )

    problems = []
    for paragraph in paragraphs:
        number = {"number": paragraph.number}
        assessment = ratings.get(paragraph.pk)
        if assessment is None:
            problems.append(
                Problem(paragraph, _("OP%(number)s has no rating yet.") % number, rate(paragraph))
            )
            continue
        if (
            assessment.rating in Assessment.NEEDS_JUSTIFICATION
            and not assessment.justification.strip()
        ):
            message = _("OP%(number)s is rated “%(rating)s” without a justification.") % {
                **number,
                "rating": assessment.get_rating_display(),
            }
            problems.append(Problem(paragraph, message, rate(paragraph)))
        if assessment.rating == Assessment.Rating.FULLY and paragraph.pk not in supported:
            if paragraph.pk in action_on:
                message = _(
                    "OP%(number)s is rated “Fully implemented”, but no action on it has evidence "
                    "in this submission: add evidence to the action."
                )
                url = reverse("tracking:action", args=[action_on[paragraph.pk]])
            else:
                message = _(
                    "OP%(number)s is rated “Fully implemented”, but this submission has no action "
                    "on it with evidence: file one, or change the rating."
                )
                url = rate(paragraph)
            problems.append(Problem(paragraph, message % number, url))
    return problems


def _names(coordinators: list[User]) -> str:
    return ", ".join(user.get_full_name() or user.get_username() for user in coordinators)


def _locked_because(
    *,
    participant: Participant,
    cycle: ReportingCycle,
    state: str,
    coordinators: list[User],
    in_scope: bool = True,
) -> str:
    values = {"participant": participant.name, "cycle": cycle.name}
    if cycle.state == ReportingCycle.State.CLOSED:
        return (
            _("The %(cycle)s reporting cycle is closed: nothing filed in it can change any more.")
            % values
        )
    if cycle.state == ReportingCycle.State.PLANNED:
        return (
            _(
                "The %(cycle)s reporting cycle is not open yet: the secretariat opens it when "
                "reporting starts."
            )
            % values
        )
    if not in_scope:
        return (
            _(
                "%(participant)s does not report in the %(cycle)s cycle: the secretariat decides "
                "who does."
            )
            % values
        )
    if state == Submission.State.APPROVED:
        return (
            _(
                "%(participant)s's %(cycle)s submission is approved: it is the record of the cycle "
                "and can no longer change."
            )
            % values
        )
    if state == Submission.State.SUBMITTED:
        if coordinators:
            return _(
                "%(participant)s's %(cycle)s submission is submitted: it can no longer change. "
                "A coordinator of %(participant)s can return it to draft: %(names)s."
            ) % {**values, "names": _names(coordinators)}
        return (
            _(
                "%(participant)s's %(cycle)s submission is submitted: it can no longer change. "
                "A coordinator of %(participant)s can return it to draft."
            )
            % values
        )
    return ""


def _coordinators(participant_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {pk: [] for pk in participant_ids}
    for membership in (
        Membership.objects.filter(
            participant_id__in=participant_ids, role=Membership.Role.COORDINATOR
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ):
        found[membership.participant_id].append(membership.user)
    return found


def why_locked(submission: Submission) -> str:
    """Why nothing in the submission may change now, naming who can change that; "" if it may."""
    if submission.accepts_filing and submission.pk is not None:
        return ""
    participant, cycle = submission.participant, submission.cycle
    in_scope = True
    if submission.pk is None and cycle.is_open:
        in_scope = cycle.participants.filter(pk=participant.pk).exists()
    coordinators = []
    if submission.state == Submission.State.SUBMITTED and cycle.is_open:
        coordinators = _coordinators([participant.pk])[participant.pk]
    return _locked_because(
        participant=participant,
        cycle=cycle,
        state=submission.state,
        coordinators=coordinators,
        in_scope=in_scope,
    )


@dataclass(frozen=True)
class FilingPlace:
    """A participant the user files for, one of its declarations, and whether new records may
    be filed there now (`locked` says why not)."""

    participant: Participant
    declaration: Declaration
    locked: str


def _latest_open(field: str) -> Subquery:
    """`field` of the latest open cycle of the link's declaration, as `services.open_cycle`
    chooses it."""
    return Subquery(
        ReportingCycle.objects.filter(
            declaration_id=OuterRef("declaration_id"), state=ReportingCycle.State.OPEN
        )
        .order_by("-starts_on", "-pk")
        .values(field)[:1]
    )


def _in_scope() -> Exists:
    """Whether the link's participant reports in its declaration's open cycle."""
    return Exists(
        ReportingCycle.participants.through.objects.filter(
            reportingcycle_id=OuterRef("open_cycle"), participant_id=OuterRef("participant_id")
        )
    )


class Place(NamedTuple):
    """A row of `_places_query`."""

    participant: Participant
    declaration: Declaration
    open_cycle: int | None
    open_cycle_name: str  # when there is an open cycle
    in_scope: bool
    state: str | None


def _places_query(ids: Sequence[int]) -> QuerySet:
    """The participants' declarations, each with its open cycle and their submission's state."""
    submission = Submission.objects.filter(
        cycle_id=OuterRef("open_cycle"), participant_id=OuterRef("participant_id")
    )
    # Any: the annotations are not on the through model's class.
    links: Any = Participant.declarations.through.objects.filter(participant_id__in=ids)
    return (
        links.annotate(open_cycle=_latest_open("pk"), open_cycle_name=_latest_open("name"))
        .annotate(in_scope=_in_scope(), state=Subquery(submission.values("state")[:1]))
        # The kind too: a State's name is looked up by its code in the page's language.
        # The participant's and the declaration's columns in their models' order (`from_db`).
        .values_list(
            "participant_id",
            "participant__code",
            "participant__name",
            "participant__kind",
            "declaration_id",
            "declaration__short_title",
            "open_cycle",
            "open_cycle_name",
            "in_scope",
            "state",
        )
    )


def filing_places(user: User) -> list[FilingPlace]:
    """Where the user may file a new action now, and why not elsewhere.

    One query (two when a submission is waiting for its coordinator), however many
    participants and declarations.
    """
    ids = participant_ids(user, FILING_ROLES)
    if not ids:
        return []
    # The SQL once per process and number of participants: Django takes longer to build and
    # compile its four subqueries than the database takes to answer them.
    rows = compiled.rows(
        Participant, ("filing_places", len(ids)), lambda *given: _places_query(given), *ids
    )
    alias = router.db_for_read(Participant)
    links = sorted(
        (
            Place(
                Participant.from_db(alias, ["id", "code", "name", "kind"], row[:4]),
                Declaration.from_db(alias, ["id", "short_title"], row[4:6]),
                *row[6:],
            )
            for row in rows
        ),
        key=lambda link: (
            languages.sort_key(link.participant.display_name),
            link.declaration.short_title,
        ),
    )
    waiting = [link.participant.pk for link in links if link.state == Submission.State.SUBMITTED]
    coordinators = _coordinators(waiting) if waiting else {}
    places = []
    for link in links:
        participant, declaration = link.participant, link.declaration
        if link.open_cycle is None:
            locked = _(
                "There is no open reporting cycle for %(declaration)s: the secretariat opens "
                "one when reporting starts."
            ) % {"declaration": declaration}
        else:
            cycle = ReportingCycle(
                pk=link.open_cycle, name=link.open_cycle_name, state=ReportingCycle.State.OPEN
            )
            locked = _locked_because(
                participant=participant,
                cycle=cycle,
                state=link.state or Submission.State.DRAFT,
                coordinators=coordinators.get(participant.pk, []),
                in_scope=link.in_scope,
            )
        places.append(FilingPlace(participant, declaration, locked))
    return places


def may_file_anywhere(user: User) -> bool:
    """Whether one of `filing_places` takes a new action now, in one query: the lists only
    show or hide "New action", and need no reason."""
    ids = participant_ids(user, FILING_ROLES)
    if not ids:
        return False
    sealed = Submission.objects.filter(
        cycle_id=OuterRef("open_cycle"), participant_id=OuterRef("participant_id")
    ).exclude(state=Submission.State.DRAFT)
    # Built once per process and number of participants: building it took more than the
    # database takes to answer it.
    return (
        compiled.first_row(
            Participant,
            ("may file anywhere", len(ids)),
            lambda *given: (
                Participant.declarations.through.objects.filter(participant_id__in=given)
                .annotate(open_cycle=_latest_open("pk"))
                .filter(_in_scope())
                .exclude(Exists(sealed))
                .values_list("pk")
            ),
            *ids,
        )
        is not None
    )
