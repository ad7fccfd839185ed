"""A participant's page: its ratings across reporting cycles, as a chart and as a table."""

import functools
from html import escape

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from declarations.models import Paragraph

from .. import charts, dashboards, fragments, permissions
from ..comparison import Trend
from ..dashboards import RatingCell
from ..models import Assessment
from ..permissions import AuthenticatedRequest


def _rows_html(rows: list[tuple[Paragraph, list[RatingCell]]]) -> SafeString:
    """The `<tr>` of each paragraph, a cell per cycle, written in Python: paragraphs times
    cycles cells through the template engine cost more than the rest of the page."""
    not_rated = format_html('<span class="rating rating--none">{}</span>', _("Not rated"))
    labels = dict(Assessment.Rating.choices)

    # Paragraphs times cycles cells, but only as many distinct ones as ratings times trends.
    @functools.cache
    def td(rating: str, trend: Trend | None) -> SafeString:
        return format_html(
            "<td>{}{}</td>",
            format_html('<span class="rating rating--{}">{}</span>', rating, labels.get(rating, ""))
            if rating
            else not_rated,
            format_html('<br><span class="trend trend--{}">{}</span>', trend.value, trend.text)
            if trend
            else "",
        )

    html = []
    for paragraph, cells in rows:
        tds = "".join(td(cell.rating, cell.trend) for cell in cells)
        # As format_html would write it (every value escaped), in a fraction of its time.
        label, verb = escape(paragraph.label), escape(paragraph.verb)
        html.append(f'<tr><th scope="row">{label} <span class="muted">{verb}</span></th>{tds}</tr>')
    return mark_safe("".join(html))  # noqa: S308 - every part is escaped or from format_html


@require_GET
def participant_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    participant = permissions.get_participant_for_user(request.user, code)

    def build() -> str:
        histories = dashboards.rating_history(request.user, participant)
        series = list(Assessment.Rating.choices)
        for history in histories:
            title = _("Paragraphs of %(declaration)s by rating, per cycle") % {
                "declaration": history.declaration.short_title
            }
            history.chart = charts.stacked_bars(title, history.per_cycle, series)
            history.rows_html = _rows_html(history.rows)
        context = {
            "participant": participant,
            "histories": histories,
            "series": series,
            "is_member": participant.pk in permissions.participant_ids(request.user),
        }
        return render_to_string("tracking/_participant.html", context, request)

    # The secretariat sees sealed submissions only: kept until one is sealed or reopened, or
    # what the page names changes.
    if fragments.caches_for(request.user):
        content = fragments.cached(
            f"participant|{participant.pk}", fragments.declaration_version(), build
        )
    else:
        content = build()
    context = {"participant": participant, "content": content}
    return render(request, "tracking/participant_detail.html", context)
