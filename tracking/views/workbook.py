"""Offline filing: a submission's workbook downloaded, filled in, previewed and applied."""

import io

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import permissions, services, workbook
from ..forms import WorkbookApplyForm, WorkbookUploadForm
from ..idempotency import ALREADY_SENT
from ..models import Submission, WorkbookImport
from ..permissions import AuthenticatedRequest
from ..workbook import WorkbookRefused


@require_GET
def workbook_download(request: AuthenticatedRequest, code: str, cycle_pk: int) -> FileResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk)
    response = FileResponse(
        io.BytesIO(workbook.build(submission)),
        as_attachment=True,
        filename=workbook.download_name(submission),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _filing_submission(request: AuthenticatedRequest, code: str, cycle_pk: int) -> Submission:
    """The draft the user may file in (403 otherwise), started if nothing was filed yet."""
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    if submission.pk is None:
        started = services.submission_start(
            participant=submission.participant, cycle=submission.cycle, user=request.user
        )
        started.participant, started.cycle = submission.participant, submission.cycle
        submission = started
    return submission


def _preview(request, submission, form, plan=None, job=None):
    apply_form = None
    if plan is not None and job is not None:
        apply_form = WorkbookApplyForm(initial={"upload": job.token})
    context = {
        "submission": submission,
        "form": form,
        "plan": plan,
        "plan_counts": {kind: plan.count(kind) for kind in workbook.KIND_LABELS} if plan else {},
        "apply_form": apply_form,
    }
    return render(request, "tracking/workbook_preview.html", context)


@require_http_methods(["GET", "POST"])
def workbook_preview(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = _filing_submission(request, code, cycle_pk)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _preview(request, submission, form)
    upload = form.cleaned_data["workbook"]
    try:
        workbook.check_size(upload.size or 0)  # before reading it into memory
        data = upload.read()
        plan = workbook.compare(submission, workbook.read(data))
    except WorkbookRefused as refused:
        form.add_error("workbook", str(refused))
        return _preview(request, submission, form)
    job = None
    if plan.to_apply and not plan.has_errors:
        job = services.workbook_import_preview(
            submission=submission, user=request.user, data=data, plan=plan
        )
    return _preview(request, submission, WorkbookUploadForm(), plan, job)


@require_POST
def workbook_apply(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = _filing_submission(request, code, cycle_pk)
    form = WorkbookApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Upload the workbook and preview it first."))
        return redirect(submission)
    token = form.cleaned_data["upload"]
    queued = services.workbook_import_queue(submission=submission, user=request.user, token=token)
    job = WorkbookImport.objects.filter(
        token=token, submission=submission, requested_by=request.user
    ).first()
    if job is None:
        messages.error(
            request,
            _("This upload is no longer kept (it was replaced by a later one, or kept too "
              "long): upload the workbook again."),
        )  # fmt: skip
        return redirect(submission)
    if not queued:
        messages.info(request, ALREADY_SENT)
    return redirect(job)


@never_cache
@require_GET
def workbook_import(request: AuthenticatedRequest, pk: int, fragment: bool = False) -> HttpResponse:
    """Where an applied workbook stands; the fragment is what the page's script swaps in."""
    job = permissions.get_workbook_import_for_user(request.user, pk)
    template = "tracking/_workbook_import.html" if fragment else "tracking/workbook_import.html"
    return render(request, template, {"job": job, "submission": job.submission})
