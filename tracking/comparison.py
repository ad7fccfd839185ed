"""How a rating compares with the one of the cycle before: improved, regressed, unchanged.

Ratings are ordered not started < partially < substantially < fully; "not applicable" and
"no information" are off that scale, so a move to or from them is only "changed". Every page
shows a trend as a word and a symbol, never by colour alone.
"""

from typing import cast

from django.db import models
from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from .models import Assessment, ReportingCycle, User
from .permissions import scope

Rating = Assessment.Rating
# The scale; a rating not in it (not applicable, no information) has no rank.
RANK: dict[str, int] = {
    Rating.NOT_STARTED: 0,
    Rating.PARTIALLY: 1,
    Rating.SUBSTANTIALLY: 2,
    Rating.FULLY: 3,
}


class Trend(models.TextChoices):
    IMPROVED = "improved", _("improved")
    REGRESSED = "regressed", _("regressed")
    UNCHANGED = "unchanged", _("unchanged")
    CHANGED = "changed", _("changed")
    NEW = "new", _("new")

    @property
    def symbol(self) -> str:
        return SYMBOLS[self]

    @property
    def text(self) -> str:
        """The symbol and the word, as pages and reports write it: '▲ improved'."""
        return f"{self.symbol} {self.label}"


# None of them starts a spreadsheet formula (=, +, -, @): report cells keep them as written.
SYMBOLS = {
    Trend.IMPROVED: "▲",
    Trend.REGRESSED: "▼",
    Trend.UNCHANGED: "◆",
    Trend.CHANGED: "≠",
    Trend.NEW: "★",
}


def trend(previous: str | None, current: str | None) -> Trend | None:
    """How `current` compares with `previous`; None when there is no current rating."""
    if not current:
        return None
    if not previous:
        return Trend.NEW
    if previous == current:
        return Trend.UNCHANGED
    if previous not in RANK or current not in RANK:
        return Trend.CHANGED
    return Trend.IMPROVED if RANK[current] > RANK[previous] else Trend.REGRESSED


def _earlier_cycles(cycle: ReportingCycle):
    """The declaration's cycles that started before `cycle` and were opened, latest first."""
    return (
        ReportingCycle.objects.filter(
            declaration_id=cycle.declaration_id, starts_on__lt=cycle.starts_on
        )
        .exclude(state=ReportingCycle.State.PLANNED)
        .order_by("-starts_on", "-pk")
    )


def previous_cycle(cycle: ReportingCycle) -> ReportingCycle | None:
    """The cycle a cycle is compared with: the latest earlier one that was opened."""
    previous = _earlier_cycles(cycle).first()
    if previous is not None and ReportingCycle.declaration.is_cached(cycle):
        previous.declaration = cycle.declaration  # the same one, already loaded: no query
    return previous


def previous_cycle_field(cycle: ReportingCycle, field: str) -> Subquery:
    """A field of `previous_cycle(cycle)` (NULL without one), to annotate a query with."""
    return Subquery(_earlier_cycles(cycle).values(field)[:1])


def previous_ratings(
    user: User, cycle: ReportingCycle, participant_ids: list[int] | None = None
) -> dict[tuple[int, int], str]:
    """The ratings of the cycle before `cycle` that the user may see, by (participant,
    paragraph), in one query: members see their own drafts, the secretariat only submitted
    and approved submissions."""
    previous = Subquery(_earlier_cycles(cycle).values("pk")[:1])
    assessments = Assessment.objects.filter(submission__cycle_id=previous)
    if participant_ids is not None:
        assessments = assessments.filter(submission__participant_id__in=participant_ids)
    return {
        (participant_id, paragraph_id): rating
        for participant_id, paragraph_id, rating in scope(assessments, user).values_list(
            "submission__participant_id", "paragraph_id", "rating"
        )
    }


def previous_assessment(previous: ReportingCycle, user: User):
    """The assessment of the outer assessment's participant and paragraph in the `previous`
    cycle, if the user may see it: for Subquery annotations on Assessment."""
    return scope(
        Assessment.objects.filter(
            submission__cycle_id=previous.pk,
            submission__participant_id=OuterRef("submission__participant_id"),
            paragraph_id=OuterRef("paragraph_id"),
        ),
        user,
    )


def trend_case(previous: str, current: str, texts: dict[Trend, str]) -> Case:
    """`trend(previous, current)` as SQL over two rating columns, written as `texts` say:
    every pair of ratings is spelled out, so the database agrees with `trend` by construction.
    NULL when there is no current rating; a missing previous one is NEW."""
    ratings = Rating.values
    # Two ratings always make a trend, never None.
    pairs = [(p, c, cast(Trend, trend(p, c))) for p in ratings for c in ratings]
    return Case(
        *(When(Q(**{previous: p, current: c}), then=Value(texts[t])) for p, c, t in pairs),
        When(
            Q(**{f"{previous}__isnull": True, f"{current}__isnull": False}),
            then=Value(texts[Trend.NEW]),
        ),
        default=None,
        output_field=CharField(),
    )
