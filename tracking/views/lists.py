"""The actions list and its exports, the ratings matrix and the completeness table."""

import csv
import io
import itertools
import tempfile
from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import urlencode

import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, QuerySet
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tables2 import LazyPaginator

from .. import charts, dashboards, fragments
from ..exports import XlsxRows, action_rows, actions_version, cell, download_key
from ..filters import ActionFilter
from ..forms import CycleForm, MatrixForm
from ..models import Action, Assessment, Chase, Report, ReportingCycle
from ..permissions import AuthenticatedRequest, require_secretariat, scope_actions
from ..submission_rules import may_file_anywhere
from ..tables import ActionTable, CompletenessTable, configure_table
from ..widgets import cached_form_html

_CycleForm = TypeVar("_CycleForm", bound=CycleForm)

# A download lives until its key changes; the timeout only frees the memory of old keys.
DOWNLOAD_SECONDS = 24 * 60 * 60

# Where a part kept in the cache has its forms' CSRF token, which each request fills in: no
# text of the database holds a NUL (PostgreSQL refuses it).
CSRF_MARK = "\x00csrf-token\x00"

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


@require_GET
def action_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = _actions(request)

    def build(form_html: Callable[[], str]) -> tuple[str, str]:
        """The filters' form and the table of the current page."""
        # Newest first by default: the primary key's index serves it, even on 100,000 rows.
        table = ActionTable(filterset.qs.only(*ActionTable.READS).order_by("-pk"))
        configure_table(request, table, paginator_class=LazyPaginator)
        return form_html(), table.as_html(request)

    # The secretariat sees sealed actions only: each page of each filter and sort, with the
    # filters' options, is kept until a submission of any declaration is sealed or reopened, or
    # what the rows and options name changes.
    if fragments.caches_for(request.user):
        filters_html, table_html = fragments.cached(
            f"actions|{timezone.get_current_timezone_name()}|{request.GET.urlencode()}",
            fragments.declaration_version(),
            lambda: build(
                lambda: render_to_string("includes/_form.html", {"form": filterset.form}, request)
            ),
        )
    else:
        # A member sees drafts in the table; the filters name no drafts.
        filters_html, table_html = build(
            lambda: cached_form_html(filterset.form, request, filterset.options_key(request.user))
        )
    filters = request.GET.copy()
    filters.pop("page", None)
    # "New action" only where one can be filed now (an open cycle's draft).
    may_file = may_file_anywhere(request.user)
    context = {
        "filters_html": filters_html,
        "table_html": table_html,
        "query": filters.urlencode(),
        "may_file": may_file,
    }
    return render(request, "tracking/action_list.html", context)


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


def _download(
    request: AuthenticatedRequest, format: str, write: Callable[[Iterator[list]], bytes]
) -> HttpResponseBase:
    """The file of the list's actions, or the report form when too many match.

    The file is kept in the cache under a key that changes whenever one of its cells would
    (`exports.actions_version`), and that key is its ETag: a repeated download is a cache
    read, or a 304 for a client that has it."""
    filterset = _actions(request)
    if not filterset.is_valid():
        return _invalid_filters()
    version = actions_version(filterset.qs, settings.ACTIONS_EXPORT_MAX_ROWS)
    if version is None:
        return _to_report(request, filterset, format)
    key = download_key(request.user, format, filterset.form.cleaned_data, version)
    etag = f'"{key.rpartition(":")[2]}"'
    response = get_conditional_response(request, etag=etag) or _file(
        key, format, write, filterset.qs
    )
    response["ETag"] = etag
    # Each download asks again; the ETag spares sending the same file twice.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _file(
    key: str, format: str, write: Callable[[Iterator[list]], bytes], actions: QuerySet
) -> HttpResponseBase:
    """The file kept under `key`, written if it is not (any more)."""
    body = cache.get(key)
    if body is None:
        header = [str(label) for label in EXPORT_HEADER]
        body = write(itertools.chain([header], action_rows(actions)))
        cache.set(key, body, DOWNLOAD_SECONDS)
    if format == Report.Format.CSV:
        response = StreamingHttpResponse([body], content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="actions.csv"'
        return response
    return FileResponse(io.BytesIO(body), as_attachment=True, filename="actions.xlsx")


def _csv(rows: Iterator[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([cell(value) for value in row] for row in rows)
    return out.getvalue().encode()


def _xlsx(rows: Iterator[list]) -> bytes:
    out = io.BytesIO()
    # constant_memory streams rows to disk; strings stay strings (no formulas, URLs or numbers).
    # Dates are date cells; `XlsxRows` says which text XlsxWriter would store unfaithfully.
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "tmpdir": tempfile.gettempdir(),
    }
    with xlsxwriter.Workbook(out, options) as workbook:
        sheet = XlsxRows(workbook, workbook.add_worksheet(_("Actions")))
        for index, row in enumerate(rows):
            sheet.write(index, row)
    return out.getvalue()


@require_GET
def action_export_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    return _download(request, Report.Format.CSV, _csv)


@require_GET
def action_export_xlsx(request: AuthenticatedRequest) -> HttpResponseBase:
    return _download(request, Report.Format.XLSX, _xlsx)


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

        def build(csrf_token: str | None = None) -> str:
            """The counts and the table of the page asked for."""
            counts = dashboards.completeness_counts(cycle)
            table = CompletenessTable(
                dashboards.completeness(cycle), cycle=cycle, order_by="name", csrf_token=csrf_token
            )
            paginator = _counted_paginator(counts["participants"])
            configure_table(request, table, per_page=50, paginator_class=paginator)
            part = {"table": table, "counts": counts}
            return render_to_string("tracking/_completeness.html", part, request)

        # Kept for those who see what the secretariat sees, under all the part shows: every
        # submission's state (drafts' too: a new row or a new version moves the declaration's
        # version), the cycle's chases and who made them (as named now), the day (a
        # participant chased today is not offered again) and the time zone. The chase forms
        # get each request's own token.
        if fragments.caches_for(request.user):
            chases = list(
                Chase.objects.filter(cycle=cycle)
                .values_list("by_id", "by__first_name", "by__last_name", "by__username")
                .annotate(count=Count("pk"), newest=Max("pk"))
                .order_by("by_id")
            )
            zone = timezone.get_current_timezone_name()
            name = (
                f"completeness|{cycle.pk}|{zone}|{timezone.localdate()}|{chases}"
                f"|{request.GET.urlencode()}"
            )
            version = fragments.declaration_version(cycle.declaration_id)
            part = fragments.cached(name, version, lambda: build(CSRF_MARK))
            if CSRF_MARK in part:
                part = mark_safe(part.replace(CSRF_MARK, get_token(request)))  # noqa: S308
            context["completeness_html"] = part
        else:
            context["completeness_html"] = build()
    return render(request, "tracking/completeness.html", context)
