"""PDF reports with ReportLab: one participant in detail, or several consolidated."""

import datetime
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from django.db.models import Avg, Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from .. import comparison
from ..models import Action, Assessment
from . import fonts, typesetting
from .data import RATING_LABELS, STATE_LABELS, STATUS_LABELS, ActionParagraph, Progress, ReportData
from .typesetting import grid

STYLES = getSampleStyleSheet()
fonts.use_in(STYLES)
SMALL = STYLES["BodyText"].clone("small", fontSize=8, leading=10)
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")),
        ("FONTNAME", (0, 0), (-1, -1), fonts.FAMILY),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
# Short codes for the cells of the participants × paragraphs matrix.
RATING_CODES: dict[str | None, str] = {
    Assessment.Rating.FULLY: "F",
    Assessment.Rating.SUBSTANTIALLY: "S",
    Assessment.Rating.PARTIALLY: "P",
    Assessment.Rating.NOT_STARTED: "N",
    Assessment.Rating.NOT_APPLICABLE: "NA",
    Assessment.Rating.NO_INFORMATION: "NI",
}


def localize(value: object) -> str:
    """Dates and numbers as the report's language writes them; text as written (a PDF runs
    nothing)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def text(value: object, style=SMALL) -> Paragraph:
    """A table cell or a line of text, in the fonts and direction of the report's language."""
    return typesetting.paragraph(localize(value), style)


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    tables = data.tables()
    counts = data.counts(tables)
    participant = data.single_participant
    pagesize = A4 if participant else landscape(A4)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=pagesize,
        title=data.declaration.title,
        author=data.user.get_username(),
        lang=translation.get_language(),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
    )
    if participant:
        story = _participant_story(data, participant, counts, progress_callback)
    else:
        story = _consolidated_story(data, counts, progress_callback)
    doc.build(story)
    return counts


def _cover(data: ReportData, heading: str, counts: dict[str, int]) -> list:
    rows = data.summary_rows(counts, as_cell=localize)
    facts = grid([[text(label), text(value)] for label, value in rows])
    facts.setStyle(GRID)
    return [
        text(data.declaration.title, STYLES["Title"]),
        text(heading, STYLES["Heading1"]),
        facts,
        Spacer(1, 0.5 * cm),
    ]


def _ratings_summary(ratings: Counter, total: int) -> list:
    """A table and a bar chart of how many paragraphs have each rating."""
    labels = [*RATING_LABELS.values(), _("Not assessed")]
    values = [ratings.get(code, 0) for code in RATING_LABELS] + [
        max(total - sum(ratings.values()), 0)
    ]
    summary = grid(
        [[text(_("Rating")), text(_("Paragraphs"))]]
        + [[text(label), text(value)] for label, value in zip(labels, values, strict=True)]
    )
    summary.setStyle(GRID)
    drawing = Drawing(16 * cm, 6 * cm)
    chart = HorizontalBarChart()
    # types-reportlab declares these int; ReportLab takes any number.
    chart.x, chart.y, chart.width, chart.height = 5 * cm, 0.5 * cm, 10 * cm, 5 * cm  # type: ignore[assignment]
    chart.data = [list(reversed(values))]
    names = [typesetting.drawing_text(label) for label in reversed(labels)]
    chart.categoryAxis.categoryNames = [name for _family, name in names]
    chart.categoryAxis.labels.fontSize = 7
    for index, (family, _name) in enumerate(names):
        chart.categoryAxis.labels[index].fontName = family
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = fonts.FAMILY
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#1d4f91")
    if typesetting.rtl():
        # Mirrored: the labels on the right, the bars growing to the left.
        chart.x = 1 * cm  # type: ignore[assignment]  # declared int, as above
        chart.valueAxis.reverseDirection = 1
        chart.categoryAxis.joinAxisMode = "right"
        chart.categoryAxis.labels.boxAnchor = "w"
        chart.categoryAxis.labels.dx = 8
        drawing.hAlign = "RIGHT"
    drawing.add(chart)
    return [text(_("Ratings"), STYLES["Heading2"]), summary, drawing]


def _previous_ratings(data: ReportData) -> dict[tuple[int, int], str]:
    """The previous cycle's ratings the requester may see, by (participant, paragraph)."""
    if data.cycle is None or data.previous_cycle is None:  # no cycle, none before it
        return {}
    return comparison.previous_ratings(data.user, data.cycle, data.participant_ids)


def _previous_text(previous: str | None, current: str | None) -> str:
    """'Previous: Partially implemented (▲ improved)'."""
    label = RATING_LABELS.get(previous, _("Not assessed"))
    trend = comparison.trend(previous, current)
    if trend is None:
        return _("Previous: %(rating)s") % {"rating": label}
    return _("Previous: %(rating)s (%(trend)s)") % {"rating": label, "trend": trend.text}


def _participant_story(data, participant, counts, progress_callback) -> list:
    states = ", ".join(
        f"{cycle}: {STATE_LABELS.get(state, state)}"
        for cycle, state in data.submissions().values_list("cycle__name", "state")
    )
    story = _cover(data, _("Status report: %(name)s") % {"name": participant.name}, counts)
    story.append(text(_("Submission state: %(states)s") % {"states": states or _("none")}))
    assessments = {
        paragraph_id: (rating, justification)
        for paragraph_id, rating, justification in data.assessments().values_list(
            "paragraph_id", "rating", "justification"
        )
    }
    previous = _previous_ratings(data)
    story += _ratings_summary(
        Counter(rating for rating, _j in assessments.values()), len(data.paragraphs)
    )

    latest = data.latest_update("action_id")
    links = (
        # django-stubs cannot resolve annotations on an auto-created through model.
        ActionParagraph.objects.filter(  # type: ignore[misc]
            action__in=data.actions(), paragraph_id__in=data.paragraph_ids
        )
        .annotate(
            latest_date=Subquery(latest.values("date")[:1]),
            latest_narrative=Subquery(latest.values("narrative")[:1]),
        )
        .order_by("paragraph__position", "action__title", "action_id")
        .values_list(
            "paragraph_id",
            "action_id",
            "action__title",
            "action__status",
            "action__progress",
            "latest_date",
            "latest_narrative",
        )
    )
    by_paragraph = defaultdict(list)
    for paragraph_id, *action in links.iterator(chunk_size=2000):
        by_paragraph[paragraph_id].append(action)
    evidence = defaultdict(list)
    for owner, title, url, name in (
        data.evidence()
        .annotate(owner=Coalesce("action_id", "update__action_id"))
        .order_by("pk")
        .values_list("owner", "title", "url", "original_name")
        .iterator(chunk_size=2000)
    ):
        evidence[owner].append(f"{title} ({url or name})")

    progress = Progress(sum(len(rows) for rows in by_paragraph.values()), progress_callback)
    headers = [_("Action"), _("Status"), _("Progress"), _("Latest update"), _("Evidence")]
    for paragraph in data.paragraphs:
        story.append(PageBreak() if paragraph is data.paragraphs[0] else Spacer(1, 0.4 * cm))
        rating, justification = assessments.get(paragraph.pk, (None, ""))
        label = _("Rating: %(rating)s") % {"rating": RATING_LABELS.get(rating, _("Not assessed"))}
        if data.previous_cycle:
            label += " · " + _previous_text(previous.get((participant.pk, paragraph.pk)), rating)
        block: list[Flowable] = [
            text(_("Paragraph %(number)s") % {"number": paragraph.number}, STYLES["Heading2"]),
            text(paragraph.text, STYLES["BodyText"]),
            text(label, STYLES["Heading4"]),
        ]
        if justification:
            block.append(text(_("Justification: %(text)s") % {"text": justification}))
        story.append(KeepTogether(block))
        actions = by_paragraph.get(paragraph.pk, [])
        if not actions:
            story.append(text(_("No actions reported.")))
            continue
        rows = [[text(header) for header in headers]]
        for action_id, title, status, percent, latest_date, narrative in actions:
            latest_text = f"{localize(latest_date)}: {narrative[:300]}" if latest_date else ""
            rows.append(
                [
                    text(title),
                    text(STATUS_LABELS.get(status, status)),
                    text(f"{percent}%"),
                    text(latest_text),
                    text("; ".join(evidence.get(action_id, []))),
                ]
            )
        table = grid(rows, [4.4 * cm, 2.6 * cm, 2 * cm, 5 * cm, 4 * cm], repeatRows=1)
        table.setStyle(GRID)
        story.append(table)
        progress.advance(len(actions))
    return story


def _consolidated_story(data, counts, progress_callback) -> list:
    story = _cover(data, _("Consolidated status report"), counts)
    progress = Progress(4, progress_callback)
    ratings = {
        (participant_id, paragraph_id): rating
        for participant_id, paragraph_id, rating in data.assessments().values_list(
            "submission__participant_id", "paragraph_id", "rating"
        )
    }
    total_cells = len(data.participants) * len(data.paragraphs)
    story += _ratings_summary(Counter(ratings.values()), total_cells)
    story.append(
        text(
            _("Completeness: %(filed)d of %(total)d paragraph ratings filed (%(percent)d%%).")
            % {
                "filed": len(ratings),
                "total": total_cells,
                "percent": len(ratings) * 100 // max(total_cells, 1),
            },
            STYLES["BodyText"],
        )
    )
    if data.previous_cycle:
        previous = _previous_ratings(data)
        trends = Counter(
            comparison.trend(previous.get(key), rating) for key, rating in ratings.items()
        )
        story.append(
            text(
                _(
                    "Compared with %(cycle)s: %(improved)d improved, %(regressed)d regressed, "
                    "%(unchanged)d unchanged."
                )
                % {
                    "cycle": data.previous_cycle.name,
                    "improved": trends[comparison.Trend.IMPROVED],
                    "regressed": trends[comparison.Trend.REGRESSED],
                    "unchanged": trends[comparison.Trend.UNCHANGED],
                },
                STYLES["BodyText"],
            )
        )
    progress.advance(1)

    # The matrix, twenty paragraphs per table so that it fits a landscape page.
    story += [PageBreak(), text(_("Participants × paragraphs"), STYLES["Heading2"])]
    legend = ", ".join(f"{code} = {RATING_LABELS[rating]}" for rating, code in RATING_CODES.items())
    story.append(text(legend + ", – = " + _("Not assessed")))
    for start in range(0, len(data.paragraphs), 20):
        columns = data.paragraphs[start : start + 20]
        # Cells of a ReportLab table: flowables and text.
        rows: list[list[Any]] = [[text(_("Participant"))] + [text(p.number) for p in columns]]
        for participant in data.participants:
            rows.append(
                [text(participant.name)]
                + [RATING_CODES.get(ratings.get((participant.pk, p.pk)), "–") for p in columns]
            )
        matrix = grid(rows, [5 * cm] + [1.05 * cm] * len(columns), repeatRows=1)
        matrix.setStyle(GRID)
        story += [matrix, Spacer(1, 0.4 * cm)]
    progress.advance(1)

    # Aggregates per paragraph.
    actions_per_paragraph = dict(
        # django-stubs cannot resolve annotations on an auto-created through model.
        ActionParagraph.objects.filter(  # type: ignore[misc]
            action__in=data.actions(), paragraph_id__in=data.paragraph_ids
        )
        .values("paragraph_id")
        .annotate(n=Count("action_id"))
        .values_list("paragraph_id", "n")
    )
    per_paragraph: defaultdict[int, Counter[str | None]] = defaultdict(Counter)
    for (_participant, paragraph_id), rating in ratings.items():
        per_paragraph[paragraph_id][rating] += 1
    headers = [_("Paragraph"), *RATING_CODES.values(), _("Not assessed"), _("Actions"),
               _("Completeness")]  # fmt: skip
    rows = [[text(header) for header in headers]]
    for paragraph in data.paragraphs:
        counter = per_paragraph[paragraph.pk]
        assessed = sum(counter.values())
        rows.append(
            [text(paragraph.number)]
            + [text(counter.get(rating, 0)) for rating in RATING_CODES]
            + [
                text(len(data.participants) - assessed),
                text(actions_per_paragraph.get(paragraph.pk, 0)),
                text(f"{assessed * 100 // max(len(data.participants), 1)}%"),
            ]
        )
    story += [PageBreak(), text(_("Aggregates per paragraph"), STYLES["Heading2"])]
    aggregates = grid(rows, repeatRows=1)
    aggregates.setStyle(GRID)
    story.append(aggregates)
    progress.advance(1)

    # One line per participant.
    per_participant = {
        row["participant_id"]: row
        for row in data.actions()
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
    assessed_by = Counter(participant_id for participant_id, _p in ratings)
    headers = [_("Code"), _("Participant"), _("Submission"), _("Actions"), _("Completed"),
               _("Mean progress"), _("Paragraphs assessed")]  # fmt: skip
    rows = [[text(header) for header in headers]]
    for participant in data.participants:
        line = per_participant.get(participant.pk, {})
        rows.append(
            [
                text(participant.code),
                text(participant.name),
                text(", ".join(states.get(participant.pk, [])) or "–"),
                text(line.get("n", 0)),
                text(line.get("completed", 0)),
                text(f"{round(line['mean'] or 0)}%" if line else "–"),
                text(f"{assessed_by.get(participant.pk, 0)} / {len(data.paragraphs)}"),
            ]
        )
    story += [PageBreak(), text(_("Participants"), STYLES["Heading2"])]
    lines = grid(rows, repeatRows=1)
    lines.setStyle(GRID)
    story.append(lines)
    progress.advance(1)
    return story
