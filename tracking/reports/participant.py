"""The PDF of one participant: its ratings, then each paragraph with its actions."""

from collections import Counter, defaultdict

from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from declarations.models import Paragraph

from .. import comparison
from . import charts
from .data import RATING_LABELS, STATE_LABELS, STATUS_LABELS, ActionParagraph, Progress, ReportData
from .document import (
    STYLES,
    cover,
    fitted,
    header_row,
    heading,
    localize,
    table,
    text,
)


def previous_text(previous: str | None, current: str | None) -> str:
    """'Previous: Partially implemented (▲ improved)'."""
    label = RATING_LABELS.get(previous, _("Not assessed"))
    trend = comparison.trend(previous, current)
    if trend is None:
        return _("Previous: %(rating)s") % {"rating": label}
    return _("Previous: %(rating)s (%(trend)s)") % {"rating": label, "trend": trend.text}


def ratings_summary(ratings: Counter, total: int, width: float) -> list:
    """A table and a bar chart of how many paragraphs have each rating; those not assessed
    as a count in the table only."""
    not_assessed = max(total - sum(ratings.values()), 0)
    rows = [[text(label), text(ratings.get(code, 0))] for code, label in RATING_LABELS.items()]
    rows.append([text(_("Not assessed")), text(not_assessed)])
    headers = [_("Rating"), _("Paragraphs")]
    summary = table([header_row(headers), *rows], fitted(headers, [6 * cm, 3 * cm]))
    return [
        heading(_("Ratings")),
        summary,
        Spacer(1, 0.3 * cm),
        charts.ratings_totals(dict(ratings), width),
    ]


def story(data: ReportData, participant, counts, progress_callback, width: float) -> list:
    states = ", ".join(
        f"{cycle}: {STATE_LABELS.get(state, state)}"
        for cycle, state in data.submissions().values_list("cycle__name", "state")
    )
    facts = data.summary_rows(counts, as_cell=localize)
    title = _("Status report: %(name)s") % {"name": participant.display_name}
    result = cover(data, title, facts)
    result.append(text(_("Submission state: %(states)s") % {"states": states or _("none")}))
    assessments = {
        paragraph_id: (rating, justification)
        for paragraph_id, rating, justification in data.assessments().values_list(
            "paragraph_id", "rating", "justification"
        )
    }
    previous = data.previous_ratings()
    result += ratings_summary(
        Counter(rating for rating, _j in assessments.values()), len(data.paragraphs), width
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
    for owner, evidence_title, url, name in (
        data.evidence()
        .annotate(owner=Coalesce("action_id", "update__action_id"))
        .order_by("pk")
        .values_list("owner", "title", "url", "original_name")
        .iterator(chunk_size=2000)
    ):
        evidence[owner].append(f"{evidence_title} ({url or name})")

    progress = Progress(sum(len(rows) for rows in by_paragraph.values()), progress_callback)
    headers = [_("Action"), _("Status"), _("Progress"), _("Latest update"), _("Evidence")]
    widths = fitted(headers, [4.4 * cm, 2.6 * cm, 2 * cm, 5 * cm, 4 * cm])
    wordings = Paragraph.objects.filter(pk__in=data.paragraph_ids).with_text_in()
    texts = {paragraph.pk: paragraph.text_in().text for paragraph in wordings}
    for paragraph in data.paragraphs:
        result.append(PageBreak() if paragraph is data.paragraphs[0] else Spacer(1, 0.4 * cm))
        rating, justification = assessments.get(paragraph.pk, (None, ""))
        label = _("Rating: %(rating)s") % {"rating": RATING_LABELS.get(rating, _("Not assessed"))}
        if data.previous_cycle:
            label += " · " + previous_text(previous.get((participant.pk, paragraph.pk)), rating)
        block: list[Flowable] = [
            heading(_("Paragraph %(number)s") % {"number": paragraph.number}),
            text(texts.get(paragraph.pk, paragraph.text), STYLES["BodyText"]),
            text(label, STYLES["Heading4"]),
        ]
        if justification:
            block.append(text(_("Justification: %(text)s") % {"text": justification}))
        result.append(KeepTogether(block))
        actions = by_paragraph.get(paragraph.pk, [])
        if not actions:
            result.append(text(_("No actions reported.")))
            continue
        rows = [header_row(headers)]
        for action_id, action_title, status, percent, latest_date, narrative in actions:
            latest_text = f"{localize(latest_date)}: {narrative[:300]}" if latest_date else ""
            rows.append(
                [
                    text(action_title),
                    text(STATUS_LABELS.get(status, status)),
                    text(f"{percent}%"),
                    text(latest_text),
                    text("; ".join(evidence.get(action_id, []))),
                ]
            )
        result.append(table(rows, widths))
        progress.advance(len(actions))
    return result
