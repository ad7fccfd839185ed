"""Reports built in the background: requesting, listing, downloading, retrying, deleting."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services
from ..filters import ReportFilter
from ..forms import ReportRequestForm
from ..idempotency import ALREADY_SENT, submit_once
from ..models import Report, ReportDownload, User
from ..permissions import (
    AuthenticatedRequest,
    get_report_for_user,
    may_download_report,
    reportable_participant_ids,
    scope_reports,
)
from ..tables import ReportTable, configure_table


@require_http_methods(["GET", "POST"])
def report_request(request: AuthenticatedRequest) -> HttpResponse:
    if reportable_participant_ids(request.user) == []:
        raise PermissionDenied
    form = ReportRequestForm(request.POST or None, user=request.user, initial=_initial(request.GET))
    if request.method == "POST" and form.is_valid():
        requested = []

        def create() -> str:
            requested.append(
                services.report_request(user=request.user, **form.values_without_token)
            )
            return reverse("tracking:reports")

        url, repeated = submit_once(
            token=form.cleaned_data["form_token"], user=request.user, create=create
        )
        if repeated:
            messages.info(request, ALREADY_SENT)
            return redirect(url)
        report = requested[0]
        report.refresh_from_db(fields=["enqueued_at"])
        if report.enqueued_at:
            messages.success(request, _("Report #%(number)s is queued.") % {"number": report.pk})
        else:
            messages.warning(
                request, _("The queue is unavailable; your report will run when it is back.")
            )
        return redirect(url)
    return render(request, "tracking/report_request.html", {"form": form})


def _initial(query) -> dict[str, object]:
    """What a link may preselect on the report form (the actions list's download does):
    primary keys and choices only; the form offers only what the user may choose."""
    initial: dict[str, object] = {}
    for name in ("declaration", "cycle"):
        if query.get(name, "").isdigit():
            initial[name] = int(query[name])
    for name in ("participants", "paragraphs"):
        initial[name] = [int(value) for value in query.getlist(name) if value.isdigit()]
    for name, choices in (("format", Report.Format), ("table", Report.Table)):
        if query.get(name) in choices.values:
            initial[name] = query[name]
    return {name: value for name, value in initial.items() if value}


@require_GET
def reports(request: AuthenticatedRequest, fragment: bool = False) -> HttpResponse:
    """My reports; the fragment is the part the page's script swaps in while reports run."""
    queryset = (
        scope_reports(Report.objects.all(), request.user)
        .select_related("declaration", "cycle", "requested_by")
        .annotate(participant_count=Count("participants"))
    )
    filterset = ReportFilter(request.GET, queryset=queryset)
    table = ReportTable(filterset.qs)
    configure_table(request, table)
    template = "tracking/_reports_table.html" if fragment else "tracking/reports.html"
    return render(request, template, {"table": table, "filter": filterset})


@require_GET
def report_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    report = get_report_for_user(Report.objects.select_related("declaration"), request.user, pk)
    return report_file_response(report, request.user)


def report_file_response(report: Report, user: User) -> FileResponse:
    """The report's file, its download logged, for those who may download it (the page and
    the API alike); 404 otherwise, and while it is not ready."""
    if not may_download_report(user, report) or not report.is_ready:
        raise Http404
    ReportDownload.objects.create(report=report, user=user)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.download_name)


@require_POST
def report_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(Report.objects.all(), request.user, pk, manage=True)
    if services.report_retry(report=report):
        messages.success(request, _("Report #%(number)s is queued again.") % {"number": pk})
    else:
        messages.error(request, _("Only a failed report can be retried."))
    return redirect("tracking:reports")


@require_POST
def report_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(Report.objects.all(), request.user, pk, manage=True)
    services.report_delete(report=report)
    messages.success(request, _("Report #%(number)s was deleted.") % {"number": pk})
    return redirect("tracking:reports")
