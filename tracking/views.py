import csv
import os
import tempfile
from collections.abc import Iterator

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import LazyPaginator, RequestConfig

from config.celery import app as celery_app
from declarations.models import Paragraph

from . import charts, dashboards, permissions, services
from .exports import cell
from .filters import ActionFilter, ReportFilter
from .forms import (
    ActionCreateForm,
    ActionEditForm,
    AssessmentForm,
    CycleForm,
    EvidenceForm,
    MatrixForm,
    ProgressUpdateForm,
    ReportRequestForm,
    ReviewForm,
    SubmitForm,
)
from .models import (
    Action,
    Assessment,
    Evidence,
    Participant,
    ProgressUpdate,
    Report,
    ReportDownload,
    ReportingCycle,
    Submission,
)
from .permissions import (
    FILING_ROLES,
    get_for_user,
    get_report_for_user,
    may_download_report,
    may_file_for,
    participant_ids,
    reportable_participant_ids,
    scope,
)
from .services import FilingRefused
from .tables import ActionTable, CompletenessTable, ReportTable
from .versioning import EditConflict, timeline


def home(request: HttpRequest) -> HttpResponse:
    return dashboard(request)


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


@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest) -> HttpResponse:
    ids = permissions.participant_ids(request.user, permissions.FILING_ROLES)
    if not ids:
        raise PermissionDenied
    participants = Participant.objects.filter(pk__in=ids)
    initial = {"participant": ids[0]} if len(ids) == 1 else {}
    if request.GET.get("paragraph", "").isdigit():
        initial["paragraphs"] = [int(request.GET["paragraph"])]
    form = ActionCreateForm(request.POST or None, participants=participants, initial=initial)
    if request.method == "POST" and form.is_valid():
        paragraphs = list(form.cleaned_data["paragraphs"])
        try:
            action = services.action_create(
                participant=form.cleaned_data["participant"],
                declaration=paragraphs[0].declaration,
                paragraphs=paragraphs,
                user=request.user,
                values=form.values(),
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The action was saved."))
            return redirect(action)
    return render(request, "tracking/action_form.html", {"form": form})


def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    action = get_for_user(
        Action.objects.select_related(
            "participant", "declaration", "submission__cycle", "submission__participant"
        ),
        user,
        pk,
    )
    may_file_on = permissions.may_file_on(user, action)
    context = {
        "action": action,
        "paragraphs": action.paragraphs.select_related("declaration"),
        "updates": permissions.scope(action.updates.select_related("created_by"), user),
        "evidence": permissions.scope(action.evidence.select_related("update", "submission"), user),
        "may_file_on": may_file_on,
        "history": timeline(
            (action.history.all(), lambda record: _("the action")),
            (
                permissions.scope(ProgressUpdate.history.filter(action_id=action.pk), user),
                lambda record: _("progress update of %(date)s") % {"date": record.date},
            ),
            (
                permissions.scope(Evidence.history.filter(action_id=action.pk), user),
                lambda record: _("evidence “%(title)s”") % {"title": record.title},
            ),
        ),
        "may_edit": permissions.may_edit(user, action),
        "update_form": ProgressUpdateForm(
            initial={"date": timezone.localdate(), "status": action.status},
            auto_id="update_%s",
        )
        if may_file_on
        else None,
        "evidence_form": EvidenceForm(action=action, auto_id="evidence_%s")
        if may_file_on
        else None,
    }
    return render(request, "tracking/action_detail.html", context)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_for_user(
        Action.objects.select_related("participant", "declaration"), request.user, pk, write=True
    )
    form = ActionEditForm(
        request.POST or None, instance=action, initial={"version": action.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_edit(
                action=action,
                version=form.cleaned_data["version"],
                values=form.values(),
                paragraphs=list(form.cleaned_data["paragraphs"]),
                user=request.user,
            )
        except EditConflict as conflict:
            form = _refused_edit(ActionEditForm, request, conflict, instance=action)
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The action was saved."))
            return redirect(action)
    return render(request, "tracking/action_form.html", {"form": form, "action": action})


def _refused_edit(form_class, request: HttpRequest, conflict: EditConflict, **kwargs):
    """The user's entries again, now based on the current version, with what others changed."""
    data = request.POST.copy()
    data["version"] = conflict.current.version
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, conflict.message)
    return form


@require_http_methods(["GET", "POST"])
def update_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = permissions.get_action_to_file_on(request.user, pk)
    form = ProgressUpdateForm(
        request.POST or None,
        initial={
            "date": timezone.localdate(),
            "status": action.status,
            "progress": action.progress,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_update_file(action=action, user=request.user, **form.cleaned_data)
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The update was filed."))
            return redirect(action)
    return render(request, "tracking/update_form.html", {"form": form, "action": action})


@require_http_methods(["GET", "POST"])
def evidence_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = permissions.get_action_to_file_on(request.user, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(
                action=action,
                user=request.user,
                title=form.cleaned_data["title"],
                date=form.cleaned_data["date"],
                update=form.cleaned_data["update"],
                upload=form.cleaned_data["upload"],
                extension=form.extension,
                content_type=form.content_type,
                url=form.cleaned_data["url"],
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The evidence was added."))
            return redirect(action)
    return render(request, "tracking/evidence_form.html", {"form": form, "action": action})


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_for_user(Evidence.objects.all(), request.user, pk)
    if not evidence.file:
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_for_user(Evidence.objects.select_related("action"), request.user, pk, write=True)
    back = evidence.action or evidence.update.action
    if request.method == "POST":
        try:
            services.evidence_delete(evidence=evidence, user=request.user)
        except FilingRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The evidence was deleted."))
        return redirect(back)
    return render(
        request, "tracking/evidence_confirm_delete.html", {"evidence": evidence, "action": back}
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, code: str, cycle_pk: int, number: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    paragraph = get_object_or_404(
        Paragraph.objects.operative().select_related("declaration"),
        declaration_id=submission.cycle.declaration_id,
        number=number,
    )
    assessment = Assessment.objects.filter(submission_id=submission.pk, paragraph=paragraph).first()
    form = AssessmentForm(
        request.POST or None,
        instance=assessment,
        initial={"version": assessment.version if assessment else 0},
        participant=submission.participant,
        paragraph=paragraph,
    )
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in ("rating", "justification", "version")}
        try:
            services.assessment_save(
                participant=submission.participant,
                cycle=submission.cycle,
                paragraph=paragraph,
                user=request.user,
                **values,
            )
        except EditConflict as conflict:
            form = _refused_edit(
                AssessmentForm,
                request,
                conflict,
                instance=assessment,
                participant=submission.participant,
                paragraph=paragraph,
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The rating was saved."))
            return redirect(submission)
    history = (
        timeline((assessment.history.all(), lambda record: _("this rating"))) if assessment else []
    )
    context = {"form": form, "submission": submission, "paragraph": paragraph, "history": history}
    return render(request, "tracking/assessment_form.html", context)


def _submission_page(request: HttpRequest, submission: Submission, review_form=None):
    user, participant = request.user, submission.participant
    paragraphs = list(
        Paragraph.objects.operative()
        .filter(declaration_id=submission.cycle.declaration_id)
        .select_related("declaration")
        .order_by("position")
    )
    numbers = {paragraph.pk: paragraph.number for paragraph in paragraphs}
    ratings = {a.paragraph_id: a for a in Assessment.objects.filter(submission_id=submission.pk)}
    rows = [(paragraph, ratings.get(paragraph.pk)) for paragraph in paragraphs]
    counts = {
        "actions": Action.objects.filter(submission_id=submission.pk).count(),
        "updates": submission.updates.count() if submission.pk else 0,
        "evidence": submission.evidence.count() if submission.pk else 0,
        "assessments": len(ratings),
    }
    may_file = submission.is_draft and permissions.may_file_for(user, participant.pk)
    may_review = submission.state == Submission.State.SUBMITTED and (
        permissions.may_approve_for(user, participant.pk)
    )
    context = {
        "submission": submission,
        "actions": Action.objects.filter(submission_id=submission.pk).order_by("title"),
        "rows": rows,
        "unrated": [paragraph for paragraph, assessment in rows if assessment is None],
        "counts": counts,
        "may_file": may_file,
        "may_submit": may_file and submission.pk is not None,
        "review_form": review_form or (ReviewForm(initial={"version": submission.version})),
        "may_review": may_review,
        "history": timeline(
            (submission.history.all(), lambda record: _("the submission")),
            (
                Assessment.history.filter(submission_id=submission.pk),
                lambda record: (
                    _("rating of paragraph %(number)s")
                    % {"number": numbers.get(record.paragraph_id, "?")}
                ),
            ),
        )
        if submission.pk
        else [],
    }
    return render(request, "tracking/submission_detail.html", context)


def submission_detail(request: HttpRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk)
    return _submission_page(request, submission)


@require_POST
def submission_submit(request: HttpRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    form = SubmitForm(request.POST)
    if submission.pk is None or not form.is_valid():
        messages.error(request, _("There is nothing to submit yet."))
        return redirect(submission)
    try:
        services.submission_submit(
            submission=submission, version=form.cleaned_data["version"], user=request.user
        )
    except (EditConflict, FilingRefused) as refused:
        messages.error(request, _("Not submitted: %(reason)s") % {"reason": refused})
    else:
        messages.success(request, _("The submission was sent to the coordinator."))
    return redirect(submission)


@require_POST
def submission_review(request: HttpRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk)
    if not permissions.may_approve_for(request.user, submission.participant_id):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _submission_page(request, submission, review_form=form)
    review = (
        services.submission_approve
        if form.cleaned_data["decision"] == "approve"
        else services.submission_return
    )
    try:
        reviewed = review(
            submission=submission,
            version=form.cleaned_data["version"],
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
    except (EditConflict, FilingRefused) as refused:
        messages.error(request, str(refused))
    else:
        state = reviewed.get_state_display().lower()
        messages.success(request, _("The submission is now %(state)s.") % {"state": state})
    return redirect(submission)


EXPORT_HEADER = [
    gettext_lazy("ID"),
    gettext_lazy("Participant code"),
    gettext_lazy("Participant"),
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


def _actions(request: HttpRequest) -> ActionFilter:
    """The actions the user may see, filtered by the query string."""
    queryset = (
        scope(Action.objects.all(), request.user)
        .select_related("participant", "declaration")
        .defer("declaration__source_text")
    )
    queryset = queryset.prefetch_related(
        Prefetch("paragraphs", queryset=Paragraph.objects.only("pk", "number"))
    )
    return ActionFilter(request.GET, queryset=queryset, request=request)


def _export_rows(filterset: ActionFilter) -> Iterator[list]:
    yield [cell(str(label)) for label in EXPORT_HEADER]
    for action in filterset.qs.order_by("pk").iterator(chunk_size=2000):
        numbers = ", ".join(f"OP{p.number}" for p in action.paragraphs.all())
        yield [
            cell(value)
            for value in (
                action.pk,
                action.participant.code,
                action.participant.name,
                action.title,
                action.lead_institution,
                action.partners,
                numbers,
                action.get_status_display(),
                action.progress,
                action.start_date,
                action.end_date,
                action.updated_at,
            )
        ]


def dashboard(request: HttpRequest) -> HttpResponse:
    overview = dashboards.member_overview(request.user)
    for entry in overview:
        entry.may_file = may_file_for(request.user, entry.participant.pk)
        entry.status_rows = charts.status_rows(entry.statuses)
        title = _("Actions of %(name)s by status") % {"name": entry.participant.name}
        entry.chart = charts.bars(title, entry.status_rows)
    context = {"overview": overview}
    if request.user.is_secretariat:
        headlines = dashboards.secretariat_headlines(request.user)
        status_rows = charts.status_rows(headlines["statuses"])
        context |= {"headlines": headlines, "status_rows": status_rows}
        context["status_chart"] = charts.bars(_("Actions by status"), status_rows)
    return render(request, "tracking/home.html", context)


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    filterset = _actions(request)
    # Newest first by default: the primary key's index serves it, even on 100,000 rows.
    table = ActionTable(filterset.qs.order_by("-pk"))
    RequestConfig(request, paginate={"paginator_class": LazyPaginator, "per_page": 25}).configure(
        table
    )
    filters = request.GET.copy()
    filters.pop("page", None)
    may_file = bool(participant_ids(request.user, FILING_ROLES))
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


@require_GET
def action_export_csv(request: HttpRequest) -> HttpResponse:
    filterset = _actions(request)
    if not filterset.is_valid():
        return _invalid_filters()
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in _export_rows(filterset))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="actions.csv"'
    return response


@require_GET
def action_export_xlsx(request: HttpRequest) -> HttpResponse:
    filterset = _actions(request)
    if not filterset.is_valid():
        return _invalid_filters()
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    # constant_memory streams rows to disk; strings stay strings (no formulas, URLs or numbers).
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "tmpdir": tempfile.gettempdir(),
    }
    try:
        with xlsxwriter.Workbook(path, options) as workbook:
            sheet = workbook.add_worksheet(_("Actions"))
            for index, row in enumerate(_export_rows(filterset)):
                sheet.write_row(index, 0, row)
        file = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)  # the open file stays readable until the response closes it
    return FileResponse(file, as_attachment=True, filename="actions.xlsx")


def _secretariat_cycle(
    request: HttpRequest, form_class: type[CycleForm] = CycleForm
) -> tuple[CycleForm, ReportingCycle | None]:
    if not request.user.is_secretariat:
        raise PermissionDenied
    form = form_class(request.GET or None)
    return form, form.chosen()


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    form, cycle = _secretariat_cycle(request, MatrixForm)
    context = {"form": form, "cycle": cycle}
    if cycle:
        data = dashboards.matrix(request.user, cycle, everyone=form.shows_everyone())
        series = list(Assessment.Rating.choices)
        title = _("Ratings per operative paragraph")
        context |= {"matrix": data, "series": series}
        context["chart"] = charts.stacked_bars(title, data.per_paragraph, series)
    return render(request, "tracking/matrix.html", context)


@require_GET
def completeness(request: HttpRequest) -> HttpResponse:
    form, cycle = _secretariat_cycle(request)
    context = {"form": form, "cycle": cycle}
    if cycle:
        table = CompletenessTable(dashboards.completeness(cycle), order_by="name")
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        context |= {"table": table, "counts": dashboards.completeness_counts(cycle)}
    return render(request, "tracking/completeness.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


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
