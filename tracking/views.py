from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

from .models import Action
from .permissions import get_for_user


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tracking/home.html")


def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_for_user(
        Action.objects.select_related("participant", "declaration"), request.user, pk
    )
    return render(request, "tracking/action_detail.html", {"action": action})


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write(connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database and the broker answer."""
    checks = {"database": _database_answers(), "broker": _broker_answers()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


# --- Reports ---------------------------------------------------------------------------------
from django.contrib import messages  # noqa: E402
from django.core.exceptions import PermissionDenied  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import FileResponse, Http404  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from django.views.decorators.http import require_http_methods, require_POST  # noqa: E402
from django_tables2 import RequestConfig  # noqa: E402

from . import services  # noqa: E402
from .filters import ReportFilter  # noqa: E402
from .forms import ReportRequestForm  # noqa: E402
from .models import Report, ReportDownload  # noqa: E402
from .permissions import (  # noqa: E402
    get_report_for_user,
    may_download_report,
    reportable_participant_ids,
)
from .tables import ReportTable  # noqa: E402


@require_http_methods(["GET", "POST"])
def report_request(request: HttpRequest) -> HttpResponse:
    if reportable_participant_ids(request.user) == []:
        raise PermissionDenied
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        report = services.report_request(user=request.user, **form.cleaned_data)
        report.refresh_from_db(fields=["enqueued_at"])
        if report.enqueued_at:
            messages.success(request, _("Report #%(number)s is queued.") % {"number": report.pk})
        else:
            messages.warning(
                request, _("The queue is unavailable; your report will run when it is back.")
            )
        return redirect("tracking:reports")
    return render(request, "tracking/report_request.html", {"form": form})


@require_GET
def reports(request: HttpRequest, fragment: bool = False) -> HttpResponse:
    """My reports; the fragment is the part the page's script swaps in while reports run."""
    queryset = (
        Report.objects.listed_for(request.user)
        .select_related("declaration", "cycle", "requested_by")
        .annotate(participant_count=Count("participants"))
    )
    filterset = ReportFilter(request.GET, queryset=queryset)
    table = ReportTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    template = "tracking/_reports_table.html" if fragment else "tracking/reports.html"
    return render(request, template, {"table": table, "filter": filterset})


@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = get_report_for_user(Report.objects.select_related("declaration"), request.user, pk)
    if not may_download_report(request.user, report) or not report.is_ready:
        raise Http404
    ReportDownload.objects.create(report=report, user=request.user)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.download_name)


@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(Report.objects.all(), request.user, pk)
    if services.report_retry(report=report):
        messages.success(request, _("Report #%(number)s is queued again.") % {"number": pk})
    else:
        messages.error(request, _("Only a failed report can be retried."))
    return redirect("tracking:reports")


@require_POST
def report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(Report.objects.all(), request.user, pk)
    services.report_delete(report=report)
    messages.success(request, _("Report #%(number)s was deleted.") % {"number": pk})
    return redirect("tracking:reports")


# --- end reports -----------------------------------------------------------------------------
