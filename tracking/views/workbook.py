"""Offline filing: a submission's workbook downloaded, filled in, previewed and applied."""

import contextlib
import io
from uuid import UUID, uuid4

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import permissions, services, workbook
from ..forms import WorkbookApplyForm, WorkbookUploadForm
from ..idempotency import ALREADY_SENT, submit_once
from ..models import Submission, User
from ..permissions import AuthenticatedRequest
from ..services import FilingRefused
from ..versioning import EditConflict
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


def _folder(submission: Submission, user: User) -> str:
    """Where a user's uploads for a submission wait between preview and apply (private)."""
    return f"workbooks/{submission.pk}/{user.pk}"


def _store(submission: Submission, user: User, data: bytes) -> UUID:
    """Keeps the upload under a random name, in place of the user's earlier one."""
    folder = _folder(submission, user)
    with contextlib.suppress(OSError):  # no folder yet
        for name in default_storage.listdir(folder)[1]:
            default_storage.delete(f"{folder}/{name}")
    token = uuid4()
    default_storage.save(f"{folder}/{token.hex}.xlsx", ContentFile(data))
    return token


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


def _preview(request, submission, form, plan=None, token=None, refusal=""):
    apply_form = None
    if plan is not None and token is not None and plan.to_apply and not plan.has_errors:
        apply_form = WorkbookApplyForm(initial={"upload": token, "fingerprint": plan.fingerprint})
    context = {
        "submission": submission,
        "form": form,
        "plan": plan,
        "plan_counts": {kind: plan.count(kind) for kind in workbook.KIND_LABELS} if plan else {},
        "apply_form": apply_form,
        "refusal": refusal,
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
    token = _store(submission, request.user, data) if plan.to_apply else None
    return _preview(request, submission, WorkbookUploadForm(), plan, token)


@require_POST
def workbook_apply(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = _filing_submission(request, code, cycle_pk)
    form = WorkbookApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Upload the workbook and preview it first."))
        return redirect(submission)
    token = form.cleaned_data["upload"]
    name = f"{_folder(submission, request.user)}/{token.hex}.xlsx"
    try:
        with default_storage.open(name, "rb") as stored:
            parsed = workbook.read(stored.read())
    except (OSError, WorkbookRefused):
        messages.error(
            request,
            _("This upload is no longer kept (it was applied, or replaced by a later one): "
              "upload the workbook again."),
        )  # fmt: skip
        return redirect(submission)
    applied = []

    def apply() -> str:
        applied.append(
            services.workbook_apply(
                submission=submission,
                parsed=parsed,
                fingerprint=form.cleaned_data["fingerprint"],
                user=request.user,
            )
        )
        return submission.get_absolute_url()

    try:
        url, repeated = submit_once(token=token, user=request.user, create=apply)
    except (FilingRefused, EditConflict, WorkbookRefused) as refused:
        try:
            plan = workbook.compare(submission, parsed)
        except WorkbookRefused:
            plan = None
        return _preview(request, submission, WorkbookUploadForm(), plan, token, str(refused))
    default_storage.delete(name)
    if repeated or not applied:
        messages.success(request, ALREADY_SENT)
    else:
        plan = applied[0]
        messages.success(
            request,
            _("The workbook was applied: %(new)d new, %(changed)d changed; %(conflicts)d in "
              "conflict left as they were.")
            % {
                "new": plan.count(workbook.Kind.NEW),
                "changed": plan.count(workbook.Kind.CHANGED),
                "conflicts": plan.count(workbook.Kind.CONFLICT),
            },
        )  # fmt: skip
    return redirect(url)
