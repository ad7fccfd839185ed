"""A participant's page: its ratings across reporting cycles, as a chart and as a table."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import charts, dashboards, permissions
from ..models import Assessment
from ..permissions import AuthenticatedRequest


@require_GET
def participant_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    participant = permissions.get_participant_for_user(request.user, code)
    histories = dashboards.rating_history(request.user, participant)
    series = list(Assessment.Rating.choices)
    for history in histories:
        title = _("Paragraphs of %(declaration)s by rating, per cycle") % {
            "declaration": history.declaration.short_title
        }
        history.chart = charts.stacked_bars(title, history.per_cycle, series)
    is_member = participant.pk in permissions.participant_ids(request.user)
    context = {
        "participant": participant,
        "histories": histories,
        "series": series,
        "is_member": is_member,
    }
    return render(request, "tracking/participant_detail.html", context)
