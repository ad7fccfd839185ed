"""The consolidated PDF: a cycle of a declaration over every participant in the report, a
document the secretariat can circulate to Member States.

Cover, contents, an executive summary (who reported, ratings by paragraph, changes since
the previous cycle), one section per operative paragraph (its text, the spread of its
ratings, the participants' justifications), the closing section on technical assistance,
and annexes (the full matrix, a line per participant, what the report was built from).
Only participants that reported appear by name, sorted by their name in the report's
language; those that did not are counted.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer

from declarations.models import Paragraph

from .. import comparison, languages
from ..models import Action, Offer, Participant, Submission
from ..permissions import scope
from . import charts
from .data import (
    KIND_LABELS,
    MATCH_STATE_LABELS,
    PRIORITY_LABELS,
    RATING_LABELS,
    STATE_LABELS,
    ActionParagraph,
    Progress,
    ReportData,
)
from .document import (
    HEADINGS,
    STYLES,
    Contents,
    cover,
    fitted,
    header_row,
    heading,
    localize,
    table,
    text,
)

# Short codes for the cells of the participants × paragraphs matrix.
RATING_CODES: dict[str | None, str] = {
    "fully": "F",
    "substantially": "S",
    "partially": "P",
    "not_started": "N",
    "not_applicable": "NA",
    "no_information": "NI",
}
TRENDS = [comparison.Trend.IMPROVED, comparison.Trend.REGRESSED, comparison.Trend.UNCHANGED,
          comparison.Trend.CHANGED, comparison.Trend.NEW]  # fmt: skip
BODY = STYLES["BodyText"]


@dataclass
class Cycle:
    """What the report says of its cycle, read once."""

    reported: list[Participant]  # sorted by their names in the report's language
    expected: int  # participants asked to report, those that did included
    # (participant, paragraph) -> (rating, justification), of the participants that reported
    ratings: dict[tuple[int, int], tuple[str, str]]
    previous: dict[tuple[int, int], str]  # the previous cycle's ratings
    previously_reported: int
    texts: dict[int, str]  # paragraph -> its text in the report's language

    @cached_property
    def by_paragraph(self) -> dict[int, list[tuple[tuple[int, int], str]]]:
        """The ratings of each paragraph: ((participant, paragraph), rating)."""
        grouped = defaultdict(list)
        for key, (rating, _justification) in self.ratings.items():
            grouped[key[1]].append((key, rating))
        return grouped

    def counts(self, paragraph_id: int) -> Counter[str | None]:
        return Counter(rating for _key, rating in self.by_paragraph.get(paragraph_id, []))

    def trends(self, paragraph_id: int | None = None) -> Counter:
        if paragraph_id is None:
            rated = [(key, rating) for key, (rating, _j) in self.ratings.items()]
        else:
            rated = self.by_paragraph.get(paragraph_id, [])
        return Counter(comparison.trend(self.previous.get(key), rating) for key, rating in rated)


def read_cycle(data: ReportData) -> Cycle:
    reported_ids = set(data.submissions().values_list("participant_id", flat=True))
    expected = data.participants
    if data.cycle is not None:
        asked = set(data.cycle.participants.values_list("pk", flat=True))
        if asked:  # a cycle that names its participants expects those only
            expected = [p for p in expected if p.pk in asked or p.pk in reported_ids]
    reported = languages.by_name(p for p in data.participants if p.pk in reported_ids)
    ratings = {
        (participant_id, paragraph_id): (rating, justification)
        for participant_id, paragraph_id, rating, justification in data.assessments().values_list(
            "submission__participant_id", "paragraph_id", "rating", "justification"
        )
        if participant_id in reported_ids
    }
    previously_reported = 0
    if data.previous_cycle is not None:
        previous_submissions = Submission.objects.filter(
            cycle=data.previous_cycle, participant_id__in=data.participant_ids
        )
        previously_reported = scope(previous_submissions, data.user, "").count()
    wordings = Paragraph.objects.filter(pk__in=data.paragraph_ids).with_text_in()
    return Cycle(
        reported=reported,
        expected=len(expected),
        ratings=ratings,
        previous=data.previous_ratings(),
        previously_reported=previously_reported,
        texts={paragraph.pk: paragraph.text_in().text for paragraph in wordings},
    )


def story(data: ReportData, progress_callback, width: float) -> list:
    progress = Progress(4, progress_callback)
    cycle = read_cycle(data)
    result = cover(data, _("Consolidated status report"))
    result += [text(_("Contents"), STYLES["Heading1"]), Contents(), PageBreak()]
    result += summary(data, cycle, width)
    progress.advance(1)
    if cycle.reported:
        actions = dict(
            # django-stubs cannot resolve annotations on an auto-created through model.
            ActionParagraph.objects.filter(  # type: ignore[misc]
                action__in=data.actions(), paragraph_id__in=data.paragraph_ids
            )
            .values("paragraph_id")
            .annotate(n=Count("action_id"))
            .values_list("paragraph_id", "n")
        )
        for paragraph in data.paragraphs:
            result += paragraph_section(data, cycle, paragraph, actions.get(paragraph.pk, 0))
    progress.advance(1)
    result += needs_and_offers(data, width)
    if cycle.reported:
        result += matrix_annex(data, cycle)
        result += participants_annex(data, cycle)
    progress.advance(1)
    result += [
        CondPageBreak(8 * cm),
        heading(_("About this report")),
        table([[text(label), text(value)] for label, value in data.summary_rows({}, localize)],
              [6 * cm, width - 6 * cm]),
    ]  # fmt: skip
    progress.advance(1)
    return result


def summary(data: ReportData, cycle: Cycle, width: float) -> list:
    """Who reported, their ratings by paragraph (a chart and its numbers), the changes."""
    result: list[Flowable] = [
        heading(_("Executive summary")),
        text(
            _("%(reported)s of %(expected)s participants reported for this cycle.")
            % {"reported": localize(len(cycle.reported)), "expected": localize(cycle.expected)},
            BODY,
        ),
    ]
    if not cycle.reported or not data.paragraphs:
        return result
    total = len(cycle.reported) * len(data.paragraphs)
    result.append(
        text(
            _("They filed %(filed)s of %(total)s paragraph ratings (%(percent)s%%).")
            % {
                "filed": localize(len(cycle.ratings)),
                "total": localize(total),
                "percent": len(cycle.ratings) * 100 // max(total, 1),
            },
            BODY,
        )
    )
    rows = [(str(paragraph.number), cycle.counts(paragraph.pk)) for paragraph in data.paragraphs]
    result += [heading(_("Ratings by paragraph"), level=1)]
    result += charts.ratings_by_paragraph(rows, width)
    headers = [_("Paragraph"), *(str(label) for label in RATING_LABELS.values()),
               _("Not assessed")]  # fmt: skip
    numbers = [header_row(headers)]
    for number, counts in rows:
        numbers.append(
            [text(number)]
            + [text(counts.get(code, 0)) for code in RATING_LABELS]
            + [text(len(cycle.reported) - sum(counts.values()))]
        )
    share = (width - 2 * cm) / (len(headers) - 1)
    result.append(table(numbers, fitted(headers, [2 * cm] + [share] * (len(headers) - 1))))
    result += changes(data, cycle, width)
    return result


def _compared(previous_cycle, trends: Counter) -> str:
    return _(
        "Compared with %(cycle)s: %(improved)d improved, %(regressed)d regressed, "
        "%(unchanged)d unchanged."
    ) % {
        "cycle": previous_cycle.name,
        "improved": trends[comparison.Trend.IMPROVED],
        "regressed": trends[comparison.Trend.REGRESSED],
        "unchanged": trends[comparison.Trend.UNCHANGED],
    }


def changes(data: ReportData, cycle: Cycle, width: float) -> list:
    """The ratings compared with the previous cycle's, in all and by paragraph."""
    result: list[Flowable] = [heading(_("Changes since the previous cycle"), level=1)]
    if data.previous_cycle is None:
        return [*result, text(_("There is no earlier cycle to compare with."), BODY)]
    trends = cycle.trends()
    result += [
        text(
            _("Participants that reported for %(cycle)s: %(count)s.")
            % {"count": localize(cycle.previously_reported), "cycle": data.previous_cycle.name},
            BODY,
        ),
        text(_compared(data.previous_cycle, trends), BODY),
        text(
            _(
                "%(changed)s ratings changed to or from “not applicable” or “no information”; "
                "%(new)s paragraphs were rated for the first time."
            )
            % {
                "changed": localize(trends[comparison.Trend.CHANGED]),
                "new": localize(trends[comparison.Trend.NEW]),
            },
            BODY,
        ),
    ]
    headers = [_("Paragraph"), *(trend.text for trend in TRENDS)]
    rows = [header_row(headers)]
    for paragraph in data.paragraphs:
        counts = cycle.trends(paragraph.pk)
        if any(counts[trend] for trend in TRENDS):
            rows.append([text(paragraph.number), *(text(counts[trend]) for trend in TRENDS)])
    if len(rows) > 1:
        share = (width - 2 * cm) / len(TRENDS)
        result.append(table(rows, fitted(headers, [2 * cm] + [share] * len(TRENDS))))
    return result


def paragraph_section(data: ReportData, cycle: Cycle, paragraph, actions: int) -> list:
    """The paragraph's text, the spread of its ratings and the participants' justifications."""
    counts = cycle.counts(paragraph.pk)
    not_assessed = len(cycle.reported) - sum(counts.values())
    spread = [header_row([_("Rating"), _("Participants")])]
    spread += [[text(label), text(counts[code])] for code, label in RATING_LABELS.items()
               if counts[code]]  # fmt: skip
    if not_assessed:
        spread.append([text(_("Not assessed")), text(not_assessed)])
    result: list[Flowable] = [
        Spacer(1, 0.4 * cm),
        CondPageBreak(7 * cm),
        KeepTogether(
            [
                heading(_("Paragraph %(number)s") % {"number": paragraph.number}),
                text(cycle.texts.get(paragraph.pk, paragraph.text), BODY),
                Spacer(1, 0.2 * cm),
                table(spread, fitted([_("Rating"), _("Participants")], [6 * cm, 3 * cm])),
                Spacer(1, 0.2 * cm),
            ]
        ),
        text(_("Actions reported on this paragraph: %(count)s") % {"count": localize(actions)},
             BODY),
    ]  # fmt: skip
    trends = cycle.trends(paragraph.pk)
    if data.previous_cycle is not None and trends.total():
        result.append(text(_compared(data.previous_cycle, trends), BODY))
    headers = [_("Participant"), _("Rating"), _("Justification")]
    rows = [header_row(headers)]
    for participant in cycle.reported:
        key = (participant.pk, paragraph.pk)
        rating, justification = cycle.ratings.get(key, (None, ""))
        if not justification:
            continue
        label = str(RATING_LABELS.get(rating, rating))
        if data.previous_cycle is not None:
            trend = comparison.trend(cycle.previous.get(key), rating)
            label += f" ({trend.text})" if trend else ""
        rows.append([text(participant.display_name), text(label), text(justification)])
    result.append(text(_("Justifications"), HEADINGS[2]))
    if len(rows) == 1:
        result.append(text(_("No participant gave a justification for this paragraph."), BODY))
    else:
        result.append(table(rows, fitted(headers, [5.5 * cm, 6 * cm, 15.2 * cm])))
    return result


def needs_and_offers(data: ReportData, width: float) -> list:
    """The closing section on technical assistance: the needs participants stated against
    paragraphs, the published offers that answer them, and the matches made between them."""
    result: list[Flowable] = [CondPageBreak(8 * cm), heading(_("Technical assistance"))]
    result += _needs(data, width)
    result += _offers(data, width)
    result += _matches(data)
    return result


def _needs(data: ReportData, width: float) -> list:
    """Needs by paragraph and kind, then the shareable needs of approved submissions."""
    result: list[Flowable] = [heading(_("Needs by paragraph and kind"), level=1)]
    counted = Counter(
        (paragraph_id, kind)
        for paragraph_id, kind in data.needs().values_list("paragraph_id", "kind")
    )
    if not counted:
        return [*result, text(_("No participant stated a need for technical assistance."), BODY)]
    kinds = [code for code in KIND_LABELS if any(kind == code for _p, kind in counted)]
    headers = [_("Paragraph"), *(str(KIND_LABELS[code]) for code in kinds), _("Total")]
    rows = [header_row(headers)]
    for paragraph in data.paragraphs:
        counts = [counted[(paragraph.pk, code)] for code in kinds]
        if sum(counts):
            rows.append([text(paragraph.number), *map(text, counts), text(sum(counts))])
    share = (width - 2 * cm) / (len(headers) - 1)
    result.append(table(rows, fitted(headers, [2 * cm] + [share] * (len(headers) - 1))))

    result.append(heading(_("Needs shared with providers"), level=1))
    shared = list(
        data.needs()
        .filter(shareable=True, submission__state=Submission.State.APPROVED)
        .select_related("submission__participant", "paragraph")
    )
    if not shared:
        return [*result, text(_("No approved submission shares a need with providers."), BODY)]
    order = {
        p.pk: i for i, p in enumerate(languages.by_name({n.submission.participant for n in shared}))
    }
    shared.sort(key=lambda need: (order[need.submission.participant_id], need.paragraph.position))
    headers = [_("Participant"), _("Paragraph"), _("Kind of assistance"), _("Priority"),
               _("What is needed")]  # fmt: skip
    rows = [header_row(headers)]
    for need in shared:
        rows.append(
            [
                text(need.submission.participant.display_name),
                text(need.paragraph.number),
                text(KIND_LABELS.get(need.kind, need.kind)),
                text(PRIORITY_LABELS.get(need.priority, need.priority)),
                text(need.description),
            ]
        )
    widths = [5.5 * cm, 2.2 * cm, 4.5 * cm, 2.8 * cm]
    result.append(table(rows, fitted(headers, [*widths, width - sum(widths)])))
    return result


def _offers(data: ReportData, width: float) -> list:
    """The published offers on each paragraph, with their providers."""
    result: list[Flowable] = [heading(_("Offers by paragraph"), level=1)]
    published = data.offers().filter(state=Offer.State.PUBLISHED)
    links = list(
        Offer.paragraphs.through.objects.filter(
            offer__in=published, paragraph_id__in=data.paragraph_ids
        ).values_list("paragraph_id", "offer__provider_id")
    )
    if not links:
        return [*result, text(_("No provider offers assistance on these paragraphs."), BODY)]
    offered = Counter(paragraph_id for paragraph_id, _provider in links)
    providers = Participant.objects.in_bulk({provider for _paragraph, provider in links})
    by_paragraph = defaultdict(set)
    for paragraph_id, provider_id in links:
        by_paragraph[paragraph_id].add(providers[provider_id])
    headers = [_("Paragraph"), _("Offers"), _("Providers")]
    rows = [header_row(headers)]
    for paragraph in data.paragraphs:
        if offered[paragraph.pk]:
            names = ", ".join(p.display_name for p in languages.by_name(by_paragraph[paragraph.pk]))
            rows.append([text(paragraph.number), text(offered[paragraph.pk]), text(names)])
    result.append(table(rows, fitted(headers, [2.2 * cm, 2.5 * cm, width - 4.7 * cm])))
    return result


def _matches(data: ReportData) -> list:
    """How many matches of the report's needs are in each state."""
    result: list[Flowable] = [heading(_("Matches by state"), level=1)]
    counted = Counter(data.matches().values_list("state", flat=True))
    if not counted:
        return [*result, text(_("No need has been matched with an offer yet."), BODY)]
    rows = [header_row([_("State"), _("Matches")])]
    rows += [[text(label), text(counted[code])] for code, label in MATCH_STATE_LABELS.items()
             if counted[code]]  # fmt: skip
    result.append(table(rows, fitted([_("State"), _("Matches")], [6 * cm, 3 * cm])))
    return result


def matrix_annex(data: ReportData, cycle: Cycle) -> list:
    """Every rating of every participant that reported, twenty paragraphs per table."""
    legend = ", ".join(f"{code} = {RATING_LABELS[rating]}" for rating, code in RATING_CODES.items())
    result: list[Flowable] = [
        PageBreak(),
        heading(_("Participants × paragraphs")),
        text(legend + ", – = " + _("Not assessed")),
        Spacer(1, 0.2 * cm),
    ]
    silent = cycle.expected - len(cycle.reported)
    if silent > 0:
        result += [
            text(
                ngettext(
                    "%(count)s participant did not report and is not listed.",
                    "%(count)s participants did not report and are not listed.",
                    silent,
                )
                % {"count": localize(silent)},
                BODY,
            ),
            Spacer(1, 0.2 * cm),
        ]
    for start in range(0, len(data.paragraphs), 20):
        columns = data.paragraphs[start : start + 20]
        rows = [header_row([_("Participant"), *(str(p.number) for p in columns)])]
        for participant in cycle.reported:
            rows.append(
                [text(participant.display_name)]
                + [
                    text(RATING_CODES.get(cycle.ratings.get((participant.pk, p.pk), ("",))[0], "–"))
                    for p in columns
                ]
            )
        result += [table(rows, [6 * cm] + [1.05 * cm] * len(columns)), Spacer(1, 0.4 * cm)]
    return result


def participants_annex(data: ReportData, cycle: Cycle) -> list:
    """One line per participant that reported: its submission, actions and ratings."""
    ids = [participant.pk for participant in cycle.reported]
    per_participant = {
        row["participant_id"]: row
        for row in data.actions()
        .filter(participant_id__in=ids)
        .order_by()
        .values("participant_id")
        .annotate(
            n=Count("pk"),
            completed=Count("pk", filter=Q(status=Action.Status.COMPLETED)),
            mean=Avg("progress"),
        )
    }
    states = defaultdict(list)
    for participant_id, state in data.submissions().values_list("participant_id", "state"):
        states[participant_id].append(str(STATE_LABELS.get(state, state)))
    assessed_by = Counter(participant_id for participant_id, _p in cycle.ratings)
    headers = [_("Participant"), _("Submission"), _("Actions"), _("Completed"),
               _("Mean progress"), _("Paragraphs assessed")]  # fmt: skip
    rows = [header_row(headers)]
    for participant in cycle.reported:
        line = per_participant.get(participant.pk, {})
        rows.append(
            [
                text(participant.display_name),
                text(", ".join(states.get(participant.pk, [])) or "–"),
                text(line.get("n", 0)),
                text(line.get("completed", 0)),
                text(f"{round(line['mean'] or 0)}%" if line else "–"),
                text(f"{assessed_by.get(participant.pk, 0)} / {len(data.paragraphs)}"),
            ]
        )
    widths = fitted(headers, [7 * cm, 4 * cm, 3 * cm, 3 * cm, 3.5 * cm, 4 * cm])
    return [PageBreak(), heading(_("Participants")), table(rows, widths)]
