"""What the public pages and open data show: the approved records of published cycles.

Every read goes through `permissions.scope_public` (the one rule of what is public). Pages and
downloads are cached per publication: the key holds the publication, a version of the
declaration's public record (the latest change of any of its publications, the latest approval
in any of its cycles) and the language, so that publishing, withdrawing or approving shows at
once, while a cached request costs one query: the publication's lookup.
"""

import csv
import functools
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from declarations.models import Paragraph

from . import comparison, languages
from .exports import neutralise
from .models import Action, Assessment, Evidence, Participant, Publication, Submission
from .permissions import live_publications, scope_public, scope_public_evidence

T = TypeVar("T")

# A cached page lives until its key changes; the timeout only frees memory of old keys.
CACHE_SECONDS = 24 * 60 * 60


def _latest(queryset, field: str) -> Subquery:
    return Subquery(queryset.order_by(F(field).desc(nulls_last=True)).values(field)[:1])


def with_version(publications):
    """Annotates what the public record of the publication's declaration last changed by."""
    declaration = OuterRef("cycle__declaration_id")
    return publications.annotate(
        changed_at=_latest(
            Publication.objects.filter(cycle__declaration_id=declaration), "updated_at"
        ),
        approved_at=_latest(
            Submission.objects.filter(
                cycle__declaration_id=declaration, state=Submission.State.APPROVED
            ),
            "reviewed_at",
        ),
    )


def get_publication(declaration_slug: str, cycle_pk: int) -> Publication:
    """The live publication of a cycle, with its version: one query; 404 when not public."""
    publication = (
        with_version(live_publications())
        .filter(cycle__declaration__slug=declaration_slug, cycle_id=cycle_pk)
        .first()
    )
    if publication is None:
        raise Http404
    return publication


def cached(publication: Publication, name: str, build: Callable[[], T]) -> T:
    """`build()`, kept in the cache for this publication, version and language."""
    version = f"{publication.changed_at}|{publication.approved_at}"  # type: ignore[attr-defined]
    raw = f"{name}|{publication.pk}|{version}|{translation.get_language()}"
    key = "public:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value


def previous_publication(publication: Publication) -> Publication | None:
    """The latest live publication of an earlier cycle of the same declaration: what the
    public comparison is made with."""
    cycle = publication.cycle
    return (
        live_publications()
        .filter(cycle__declaration_id=cycle.declaration_id, cycle__starts_on__lt=cycle.starts_on)
        .order_by("-cycle__starts_on", "-cycle_id")
        .first()
    )


def _ratings(cycle_id: int, participant_id: int | None = None) -> dict[tuple[int, int], str]:
    """The approved ratings of a published cycle, by (participant, paragraph)."""
    assessments = Assessment.objects.filter(submission__cycle_id=cycle_id)
    if participant_id is not None:
        assessments = assessments.filter(submission__participant_id=participant_id)
    rows = scope_public(assessments).values_list(
        "submission__participant_id", "paragraph_id", "rating"
    )
    return {(participant, paragraph): rating for participant, paragraph, rating in rows}


def _trend(previous: str | None, current: str | None, compared: bool) -> str:
    found = comparison.trend(previous, current) if compared else None
    return found.text if found else ""


@functools.cache
def _cell(rating: str | None, trend: str, language: str) -> SafeString:
    """One matrix cell; few distinct ones among thousands, so each is built once (per
    language: the labels are translated)."""
    if not rating:
        return format_html('<td><span class="muted">{}</span></td>', "–")
    label = Assessment.Rating(rating).label
    if not trend:
        return format_html('<td><span class="rating rating--{}">{}</span></td>', rating, label)
    return format_html(
        '<td><span class="rating rating--{}">{}</span><br><span class="muted">{}</span></td>',
        rating,
        label,
        trend,
    )


def matrix(publication: Publication) -> dict[str, Any]:
    """Participants with an approved submission × operative paragraphs: each cell the rating,
    and the trend since the previous published cycle."""
    cycle = publication.cycle
    paragraphs = list(Paragraph.objects.operative().filter(declaration_id=cycle.declaration_id))
    approved = scope_public(Submission.objects.filter(cycle=cycle), "")
    participants = languages.by_name(
        Participant.objects.filter(pk__in=approved.values("participant_id"))
    )
    ratings = _ratings(cycle.pk)
    previous = previous_publication(publication)
    before = _ratings(previous.cycle_id) if previous else {}
    language = translation.get_language()
    rows = [
        (
            participant,
            mark_safe(  # noqa: S308 - the cells come from format_html
                "".join(
                    _cell(
                        ratings.get((participant.pk, p.pk)),
                        _trend(
                            before.get((participant.pk, p.pk)),
                            ratings.get((participant.pk, p.pk)),
                            previous is not None,
                        ),
                        language,
                    )
                    for p in paragraphs
                )
            ),
        )
        for participant in participants
    ]
    return {"paragraphs": paragraphs, "rows": rows, "previous": previous}


def participant_record(publication: Publication, code: str) -> dict[str, Any]:
    """A participant's approved submission in a published cycle: ratings (with the trend since
    the previous published cycle), actions, and the evidence marked public; 404 without one."""
    cycle = publication.cycle
    submission = (
        scope_public(Submission.objects.filter(cycle=cycle, participant__code=code), "")
        .select_related("participant")
        .first()
    )
    if submission is None:
        raise Http404
    participant = submission.participant
    previous = previous_publication(publication)
    before = _ratings(previous.cycle_id, participant.pk) if previous else {}
    assessments = (
        scope_public(Assessment.objects.filter(submission=submission))
        .select_related("paragraph")
        .order_by("paragraph__position")
    )
    ratings = [
        (
            assessment,
            _trend(
                before.get((participant.pk, assessment.paragraph_id)),
                assessment.rating,
                previous is not None,
            ),
        )
        for assessment in assessments
    ]
    actions = list(
        scope_public(Action.objects.filter(submission=submission)).order_by("title", "pk")
    )
    evidence = defaultdict(list)
    for item in (
        scope_public_evidence(Evidence.objects.filter(submission=submission))
        .annotate(of_action=Coalesce("action_id", "update__action_id"))
        .order_by("title", "pk")
    ):
        evidence[item.of_action].append(item)
    return {
        "participant": participant,
        "submission": submission,
        "previous": previous,
        "ratings": ratings,
        "actions": [(action, evidence.get(action.pk, [])) for action in actions],
    }


# Open data: one row per rating and per action, the same columns in the CSV and the JSON.
RATING_FIELDS = ["participant_code", "participant", "paragraph", "rating", "justification"]
ACTION_FIELDS = [
    "participant_code", "participant", "paragraphs", "title", "description",
    "lead_institution", "partners", "status", "progress", "start_date", "end_date",
]  # fmt: skip


def open_data(publication: Publication) -> dict[str, Any]:
    """The published cycle's approved ratings and actions, with the licence, as plain values.

    Names are the UN's English short names and ratings and statuses their codes: the data is
    the same in every language.
    """
    cycle = publication.cycle
    assessments = scope_public(Assessment.objects.filter(submission__cycle=cycle)).order_by(
        "submission__participant__code", "paragraph__position"
    )
    actions = scope_public(Action.objects.filter(submission__cycle=cycle)).order_by(
        "participant__code", "title", "pk"
    )
    return {
        "declaration": {"slug": cycle.declaration.slug, "title": cycle.declaration.title},
        "cycle": {
            "id": cycle.pk,
            "name": cycle.name,
            "starts_on": cycle.starts_on.isoformat(),
            "ends_on": cycle.ends_on.isoformat(),
        },
        "published_at": publication.published_at.isoformat(),
        "licence": {"name": publication.licence, "url": publication.licence_url},
        "ratings": [
            dict(zip(RATING_FIELDS, row, strict=True))
            for row in assessments.values_list(
                "submission__participant__code",
                "submission__participant__name",
                "paragraph__number",
                "rating",
                "justification",
            )
        ],
        "actions": [
            {
                **dict(zip(ACTION_FIELDS, row[:-2], strict=False)),
                "paragraphs": [int(n) for n in row[2].split(",") if n.strip()],
                "start_date": row[-2].isoformat() if row[-2] else None,
                "end_date": row[-1].isoformat() if row[-1] else None,
            }
            for row in actions.values_list(
                "participant__code",
                "participant__name",
                "paragraph_numbers",
                "title",
                "description",
                "lead_institution",
                "partners",
                "status",
                "progress",
                "start_date",
                "end_date",
            )
        ],
    }


def open_data_json(publication: Publication) -> bytes:
    return json.dumps(open_data(publication), ensure_ascii=False, indent=1).encode()


CSV_COLUMNS = [
    "record", "participant_code", "participant", "paragraphs", "rating", "justification",
    "title", "description", "lead_institution", "partners", "status", "progress",
    "start_date", "end_date", "declaration", "cycle", "published_at", "licence", "licence_url",
]  # fmt: skip


def open_data_csv(publication: Publication) -> bytes:
    """The open data as one CSV table: a row per rating ("rating") and per action ("action"),
    each with the cycle, the publication date and the licence. Cells that a spreadsheet would
    run as formulas are neutralised."""
    data = open_data(publication)
    common = {
        "declaration": data["declaration"]["slug"],
        "cycle": data["cycle"]["name"],
        "published_at": data["published_at"],
        "licence": data["licence"]["name"],
        "licence_url": data["licence"]["url"],
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for rating in data["ratings"]:
        row = {**rating, "paragraphs": rating["paragraph"], "record": "rating", **common}
        del row["paragraph"]
        writer.writerow(_neutralised(row))
    for action in data["actions"]:
        paragraphs = ", ".join(str(n) for n in action["paragraphs"])
        writer.writerow(_neutralised({**action, "paragraphs": paragraphs, "record": "action",
                                      **common}))  # fmt: skip
    # A byte order mark, so that spreadsheet programs read the names as UTF-8.
    return "\ufeff".encode() + buffer.getvalue().encode()


def _neutralised(row: dict[str, Any]) -> dict[str, Any]:
    return {key: neutralise(v) if isinstance(v, str) else v for key, v in row.items()}
