"""The actions list and its exports, the ratings matrix and the completeness table."""

import csv
import os
import tempfile
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import urlencode

import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tables2 import LazyPaginator

from declarations.models import Paragraph

from .. import charts, dashboards, fragments
from ..exports import XlsxRows, cell
from ..filters import ActionFilter
from ..forms import CycleForm, MatrixForm
from ..models import Action, Assessment, Report, ReportingCycle
from ..permissions import AuthenticatedRequest, require_secretariat, scope_actions
from ..submission_rules import filing_places
from ..tables import ActionTable, CompletenessTable, configure_table

_CycleForm = TypeVar("_CycleForm", bound=CycleForm)

EXPORT_HEADER = [
    gettext_lazy("ID"),
    gettext_lazy("Participant code"),
    gettext_lazy("Participant"),
    gettext_lazy("Cycle"),
    gettext_lazy("Title"),
    gettext_lazy("Lead institution"),
    gettext_lazy("Partners"),
    gettext_lazy("Operative paragraphs"),
    gettext_lazy("Status"),
    gettext_lazy("Progress (%)"),
    gettext_lazy("Start date"),
    gettext_lazy("End date"),
    gettext_lazy("Last change"),
]


def _actions(request: AuthenticatedRequest) -> ActionFilter:
    """The actions the user may see, filtered by the query string."""
    queryset = (
        scope_actions(Action.objects.all(), request.user)
        .select_related("participant", "declaration", "submission__cycle")
        .defer("declaration__source_text")
    )
    return ActionFilter(request.GET, queryset=queryset, request=request)


def _export_rows(filterset: ActionFilter) -> Iterator[list]:
    """The header and one row per action, as plain values: each format makes its own cells."""
    yield [str(label) for label in EXPORT_HEADER]
    paragraphs = Prefetch("paragraphs", queryset=Paragraph.objects.only("pk", "number"))
    actions = filterset.qs.prefetch_related(paragraphs).order_by("pk")
    for action in actions.iterator(chunk_size=2000):
        numbers = ", ".join(p.label for p in action.paragraphs.all())
        yield [
            action.pk,
            action.participant.code,
            action.participant.display_name,
            action.submission.cycle.name,
            action.title,
            action.lead_institution,
            action.partners,
            numbers,
            action.get_status_display(),
            action.progress,
            action.start_date,
            action.end_date,
            action.updated_at,
        ]


@require_GET
def action_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = _actions(request)
    # Newest first by default: the primary key's index serves it, even on 100,000 rows.
    table = ActionTable(filterset.qs.only(*ActionTable.READS).order_by("-pk"))
    configure_table(request, table, paginator_class=LazyPaginator)
    filters = request.GET.copy()
    filters.pop("page", None)
    # "New action" only where one can be filed now (an open cycle's draft).
    may_file = any(not place.locked for place in filing_places(request.user))
    return render(
        request,
        "tracking/action_list.html",
        {"filter": filterset, "table": table, "query": filters.urlencode(), "may_file": may_file},
    )


def _invalid_filters() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("These filters are not valid: correct them on the actions list."),
        content_type="text/plain; charset=utf-8",
    )


# The list's filters a report cannot apply: a report holds every action of its scope.
_NOT_IN_REPORTS = {
    "q": gettext_lazy("search words"),
    "theme": gettext_lazy("theme"),
    "status": gettext_lazy("status"),
    "starts_from": gettext_lazy("start date"),
    "ends_by": gettext_lazy("end date"),
}


def _export_too_big(filterset: ActionFilter) -> bool:
    """Whether more actions match than a download may write during the request (counted
    up to the limit only)."""
    limit = settings.ACTIONS_EXPORT_MAX_ROWS
    return filterset.qs.order_by()[: limit + 1].count() > limit


def _to_report(request: AuthenticatedRequest, filterset: ActionFilter, format: str) -> HttpResponse:
    """The report form, opened on what the list's filters choose that a report can hold."""
    chosen = filterset.form.cleaned_data
    initial: dict[str, object] = {"format": format}
    if format == Report.Format.CSV:
        initial["table"] = Report.Table.ACTIONS
    if chosen.get("participant"):
        initial["participants"] = chosen["participant"].pk
    if chosen.get("paragraph"):
        initial["paragraphs"] = chosen["paragraph"].pk
        initial["declaration"] = chosen["paragraph"].declaration_id
    if chosen.get("cycle"):
        initial["cycle"] = chosen["cycle"].pk
        initial["declaration"] = chosen["cycle"].declaration_id
    message = _(
        "More than %(limit)s actions match: too many to download at once. Request them as a "
        "report: it is built in the background and kept on My reports."
    ) % {"limit": settings.ACTIONS_EXPORT_MAX_ROWS}
    left_out = [str(label) for name, label in _NOT_IN_REPORTS.items() if chosen.get(name)]
    if left_out:
        message += " " + _(
            "A report cannot filter by %(filters)s: it holds every action of the declaration, "
            "cycle, participants and paragraphs you choose."
        ) % {"filters": ", ".join(left_out)}
    messages.info(request, message)
    return redirect(f"{reverse('tracking:report_request')}?{urlencode(initial)}")


@require_GET
def action_export_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    filterset = _actions(request)
    if not filterset.is_valid():
        return _invalid_filters()
    if _export_too_big(filterset):
        return _to_report(request, filterset, Report.Format.CSV)
    writer = csv.writer(_Echo())
    rows = (writer.writerow([cell(value) for value in row]) for row in _export_rows(filterset))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="actions.csv"'
    return response


@require_GET
def action_export_xlsx(request: AuthenticatedRequest) -> HttpResponseBase:
    filterset = _actions(request)
    if not filterset.is_valid():
        return _invalid_filters()
    if _export_too_big(filterset):
        return _to_report(request, filterset, Report.Format.XLSX)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    # constant_memory streams rows to disk; strings stay strings (no formulas, URLs or numbers).
    # Dates are date cells; `XlsxRows` says which text XlsxWriter would store unfaithfully.
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "tmpdir": tempfile.gettempdir(),
    }
    try:
        with xlsxwriter.Workbook(path, options) as workbook:
            rows = XlsxRows(workbook, workbook.add_worksheet(_("Actions")))
            for index, row in enumerate(_export_rows(filterset)):
                rows.write(index, row)
        file = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)  # the open file stays readable until the response closes it
    return FileResponse(file, as_attachment=True, filename="actions.xlsx")


def _secretariat_cycle(
    request: AuthenticatedRequest, form_class: type[_CycleForm]
) -> tuple[_CycleForm, ReportingCycle | None]:
    require_secretariat(request.user)
    form = form_class(request.GET or None)
    return form, form.chosen()


@require_GET
def matrix(request: AuthenticatedRequest) -> HttpResponse:
    form, cycle = _secretariat_cycle(request, MatrixForm)
    context: dict[str, object] = {"form": form, "cycle": cycle}
    if cycle:
        everyone = form.shows_everyone()

        def build() -> str:
            data = dashboards.matrix(request.user, cycle, everyone=everyone)
            series = list(Assessment.Rating.choices)
            title = _("Ratings per operative paragraph")
            chart = charts.stacked_bars(title, data.per_paragraph, series)
            part = {"cycle": cycle, "matrix": data, "series": series, "chart": chart}
            return render_to_string("tracking/_matrix.html", part)

        # Thousands of cells: built once per version of what they show, when the user sees
        # what the secretariat sees (a member also sees its drafts: built for each request).
        if fragments.caches_for(request.user):
            version = fragments.declaration_version(cycle.declaration_id)
            context["matrix_html"] = fragments.cached(
                f"matrix|{cycle.pk}|{everyone}", version, build
            )
        else:
            context["matrix_html"] = build()
    return render(request, "tracking/matrix.html", context)


def _counted_paginator(total: int) -> type[Paginator]:
    """A paginator told how many rows there are, which the page has counted already."""

    class Counted(Paginator):
        @cached_property
        def count(self) -> int:
            return total

    return Counted


@require_GET
def completeness(request: AuthenticatedRequest) -> HttpResponse:
    form, cycle = _secretariat_cycle(request, CycleForm)
    context: dict[str, object] = {"form": form, "cycle": cycle}
    if cycle:
        counts = dashboards.completeness_counts(cycle)
        table = CompletenessTable(dashboards.completeness(cycle), cycle=cycle, order_by="name")
        paginator = _counted_paginator(counts["participants"])
        configure_table(request, table, per_page=50, paginator_class=paginator)
        context |= {"table": table, "counts": counts}
    return render(request, "tracking/completeness.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value
